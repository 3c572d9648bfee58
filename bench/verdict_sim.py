"""Accuracy of ``unmask detect`` on simulated worlds with known truth (the numbers of issue 6).

    python bench/verdict_sim.py [--scale 1] [--seed 0] [--profiles default,stealth] [--work DIR]

For each profile: simulate a world (seeded; the verdict model is trained on other seeds), run
``detect`` with the defaults, and print ``unmask evaluate``'s numbers: precision, recall, F1,
ROC-AUC, recall per planted group, false-positive rate per organic group, and the stage timings.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

from unmask.detect import detect
from unmask.evaluate import evaluate
from unmask.simulate import simulate


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--profiles", default="default,stealth")
    ap.add_argument("--work", type=Path, default=None)
    ap.add_argument("--json-out", type=Path, default=None)
    a = ap.parse_args()
    work = a.work or Path(tempfile.mkdtemp(prefix="verdict_sim_"))
    out = {}
    for prof in a.profiles.split(","):
        d = work / f"{prof}_s{a.seed}_x{a.scale:g}"
        if not (d / "dataset" / "manifest.json").exists():
            simulate(d, seed=a.seed, scale=a.scale, profile=prof)
        t0 = time.perf_counter()
        res = detect(d / "dataset", d / "result")
        secs = time.perf_counter() - t0
        ev = evaluate(d / "result", d / "truth")
        out[prof] = ev | {"seconds": secs, "timings": res.timings}
        print(f"\n## {prof} world (seed {a.seed}, scale {a.scale:g}): {res.accounts:,} accounts, "
              f"detect {secs:.0f} s ({', '.join(f'{k} {v:.0f}' for k, v in res.timings.items())}), "
              f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
        print(f"precision {ev['precision']:.3f}  recall {ev['recall']:.3f}  F1 {ev['f1']:.3f}  "
              f"ROC-AUC {ev['roc_auc']:.3f}  AP {ev['average_precision']:.3f}  (threshold {res.threshold:g})")
        print("| planted group | accounts | flagged | recall |\n|---|---|---|---|")
        for g, r in ev["recall_by_group"].items():
            print(f"| {g} | {r['accounts']} | {r['flagged']} | {r['recall']:.3f} |")
        print("| organic group | accounts | flagged | FPR |\n|---|---|---|---|")
        for g, r in ev["fpr_by_group"].items():
            print(f"| {g} | {r['accounts']} | {r['flagged']} | {r['fpr']:.4f} |")
    if a.json_out:
        a.json_out.write_text(json.dumps(out, indent=2, default=str))


if __name__ == "__main__":
    main()
