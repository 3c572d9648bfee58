"""Precision/recall of "account in a coordinated cluster" on the simulator's worlds.

    python bench/coordinate_sim.py [--scale 0.1] [--profiles default,stealth]

For each profile: simulate a world (seeded), run ``coordinate`` with the defaults, and compare
the accounts in any cluster with the truth labels (label 1 = planted operation account). Prints
precision, recall, the clustered accounts per truth group, and the time.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

from unmask.coordinate import coordinate
from unmask.simulate import simulate


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--profiles", default="default,stealth")
    ap.add_argument("--work", type=Path, default=None)
    a = ap.parse_args()
    work = a.work or Path(tempfile.mkdtemp(prefix="coord_sim_"))
    for prof in a.profiles.split(","):
        d = work / prof
        if not (d / "dataset" / "manifest.json").exists():
            r = simulate(d, seed=a.seed, scale=a.scale, profile=prof)
            print(f"{prof}: simulated {r.n_posts if hasattr(r, 'n_posts') else ''} in {time.perf_counter():.0f}", flush=True)
        t0 = time.perf_counter()
        res = coordinate(d / "dataset", d / "result")
        secs = time.perf_counter() - t0
        truth = pq.read_table(d / "truth" / "accounts.parquet").to_pylist()
        label = {t["account_id"]: t["label"] for t in truth}
        group = {t["account_id"]: t["group"] for t in truth}
        members = {m for c in pq.read_table(d / "result" / "clusters.parquet").to_pylist() for m in c["members"]}
        pos = {a_ for a_, lab in label.items() if lab == 1}
        tp = len(members & pos)
        prec = tp / len(members) if members else float("nan")
        rec = tp / len(pos) if pos else float("nan")
        by_group: dict[str, list[int]] = {}
        for acc, g in group.items():
            by_group.setdefault(g, [0, 0])
            by_group[g][1] += 1
            by_group[g][0] += acc in members
        print(f"{prof}: {len(label)} accounts, {len(pos)} operation accounts; coordinate {secs:.1f} s, "
              f"{res.n_edges} edges, {res.n_clusters} clusters; precision {prec:.3f}, recall {rec:.3f}")
        print("   clustered / accounts per truth group: "
              + ", ".join(f"{g} {k}/{n}" for g, (k, n) in sorted(by_group.items())), flush=True)


if __name__ == "__main__":
    main()
