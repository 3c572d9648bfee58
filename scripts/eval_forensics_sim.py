"""Measure the forensics stage on simulator worlds (truth kept apart by ``unmask.simulate``).

For each profile and seed: operator offset of every planted operation and every organic region with
>= 200 posts (target: within ±1 h for >= 95 %), the shift farm's weekend, closures, shifts and
creation bursts (and a size-matched organic control for false bursts), automation verdicts of
benign bots and of the botnet, and persona author counts against the writers in truth.

How offsets are counted: organic regions, the shift farm and its personas have one true zone
(truth's ``utc_offset_h``) and count as hits within ±1 h. The botnet posts on a 24/7 schedule
(its accounts' regions are decoration, no keyboard keeps a clock) and counts as a hit only when
reported as "not human rhythm" with no offset. Sleeper cells are human-looking accounts of many
regions (truth: about ten zones) with no common keyboard: their inferred offset is printed beside
the truth's median but not counted.

    .venv/bin/python scripts/eval_forensics_sim.py [--seeds 0 1 2] [--profiles default stealth] [--scale 0.1]
                                                   [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from unmask.dataset import Dataset
from unmask.engine import connect
from unmask.forensics import automation, bursts, persona, shifts, timezone
from unmask.forensics._common import circ_dist
from unmask.simulate import simulate

WEEKEND_NAMES = {(5, 6): "Sat-Sun", (4,): "Fri", (4, 5): "Fri-Sat", (6,): "Sun", (3, 4): "Thu-Fri"}


def evaluate_world(out: Path, seed: int, profile: str, scale: float = 1.0) -> dict[str, Any]:
    """Run the forensics on one simulated world and compare with its truth."""
    simulate(out, seed=seed, profile=profile, scale=scale)
    truth = pq.read_table(out / "truth" / "accounts.parquet").to_pylist()
    ops = json.loads((out / "truth" / "operations.json").read_text())["operations"]
    con = connect()
    Dataset.open(out / "dataset").register(con)
    res: dict[str, Any] = {"seed": seed, "offsets": []}
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in truth:
        key = f"planted:{r['group']}" if r["label"] == 1 else (f"organic:{r['region']}" if r["group"] == "organic" else None)
        if key:
            groups.setdefault(key, []).append(r)
    for key, rows in sorted(groups.items()):
        ids = [r["account_id"] for r in rows]
        posts = sum(r["posts"] for r in rows)
        if posts < 200:
            continue
        offs = np.array([r["utc_offset_h"] for r in rows])
        true = float(np.median(offs))
        s = timezone(con, ids, bootstrap=100).summary
        # what truth says the operator clock is: one zone (organic regions, the farm and its
        # personas); none (the botnet posts on a 24/7 schedule; its accounts' regions are decoration);
        # many (sleepers are human-looking accounts of many regions, no common keyboard)
        kind = "24/7 automated" if key == "planted:botnet" else ("single zone" if np.all(offs == true) else "mixed zones")
        if kind == "single zone":
            ok = s["offset"] is not None and circ_dist(s["offset"], true) <= 1.0
        elif kind == "24/7 automated":
            ok = s["offset"] is None and s["rhythm"].startswith("not human")
        else:
            ok = None  # no single true offset: reported, not counted
        res["offsets"].append({"group": key, "posts": posts, "true": true, "kind": kind,
                               "zones": len(set(offs.tolist())), "inferred": s["offset"], "ci": s["offset_ci"],
                               "verdict": s["verdict"], "rhythm": s["rhythm"], "source": s["source"], "ok": ok})
    farm = ops["shift_farm"]
    fids = [r["account_id"] for r in truth if r["group"] == "shift_farm"]
    tz = timezone(con, fids, bootstrap=100).summary
    res["farm"] = {"city": farm["city"], "true_offset": farm["utc_offset_h"], "offset": tz["offset"],
                   "true_weekend": WEEKEND_NAMES.get(tuple(farm["weekend_weekdays"]), str(farm["weekend_weekdays"])),
                   "weekend": tz["weekend"], "true_closures": farm["holiday_closures"],
                   "closures": [c["date"] for c in tz["closures"]]}
    sh = shifts(con, fids, offset=round(farm["utc_offset_h"])).summary
    res["farm"]["shifts"] = sh["shifts"]
    res["farm"]["handover_local"] = sorted(h["hour_local"] for h in sh["handovers"])
    res["farm"]["true_handover_local"] = sorted(int(x) % 24 for x in farm["shift_start_local_h"])
    b = bursts(con, fids, reps=199).summary
    tb = [(np.datetime64(w["start"][:19]), np.datetime64(w["end"][:19])) for w in farm["creation_bursts"]]
    found = [w for w in b["burst_windows"]
             if any(np.datetime64(w["start"][:19]) < e and np.datetime64(w["end"][:19]) > s for s, e in tb)]
    res["farm"]["burst_p"] = b["p_value"]
    res["farm"]["burst_windows_found"] = len(b["burst_windows"])
    res["farm"]["burst_windows_matching_truth"] = len(found)
    res["farm"]["true_bursts"] = len(tb)
    bot_ids = [r["account_id"] for r in truth if r["group"] == "botnet"]
    res["botnet_burst_p"] = bursts(con, bot_ids, reps=199).summary["p_value"]
    rng = np.random.default_rng(seed)
    org = [r["account_id"] for r in truth if r["group"] == "organic"]
    res["organic_control_burst_p"] = bursts(con, list(rng.choice(org, len(fids), replace=False)), reps=199).summary["p_value"]
    # automation: benign bots vs the botnet (coordinated = the planted botnet, as the coordination stage would give)
    ben = ops["benign_automation"]["accounts"]
    a = automation(con, ben + bot_ids + list(rng.choice(org, 200, replace=False)), coordinated=bot_ids).table.to_pylist()
    v = {r["account_id"]: r["verdict"] for r in a}
    res["automation"] = {
        "benign_bots": len(ben),
        "benign_labelled_benign": sum(v.get(x) == "automated: benign (declared/scheduled)" for x in ben),
        "benign_flagged_inauthentic": sum(v.get(x) in ("automated: in coordinated group", "automated: unexplained") for x in ben),
        "botnet": len(bot_ids),
        "botnet_automated_coordinated": sum(v.get(x) == "automated: in coordinated group" for x in bot_ids),
        "organic_automated": sum(v.get(x, "").startswith("automated") for x in org if x in v),
        "organic_checked": sum(1 for x in org if x in v and v[x] != "too few posts"),
    }
    pp = pq.read_table(out / "truth" / "persona_posts.parquet").to_pylist()
    writers: dict[str, set[int]] = {}
    for r in pp:
        writers.setdefault(r["account_id"], set()).add(r["operator_id"])
    handovers = [(int(x) - round(farm["utc_offset_h"])) % 24 for x in farm["shift_start_local_h"]]
    res["personas"] = []
    for acc, w in writers.items():
        s = persona(con, acc, handover_hours=handovers).summary
        res["personas"].append({"account_id": acc, "posts": s["posts_used"], "true_writers": len(w),
                                "true_writers_per_shift": len(w) // 3, "authors": s["authors"],
                                "p_single_author": s.get("p_single_author"),
                                "changes_at_handover_share": s.get("changes_at_handover_share"),
                                "posts_at_handover_share": s.get("posts_at_handover_share")})
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--profiles", nargs="+", default=["default", "stealth"])
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--json", type=Path)
    a = ap.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for profile in a.profiles:
            for seed in a.seeds:
                r = evaluate_world(Path(tmp) / f"w{profile}{seed}", seed, profile, a.scale)
                r["profile"] = profile
                results.append(r)
                _print_world(r)
    print("\n| profile | seed | farm city | organic regions ±1 h | farm, personas ±1 h | botnet: no offset | "
          "sleepers (mixed zones, not counted) |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        o = r["offsets"]
        org = [x["ok"] for x in o if x["group"].startswith("organic:")]
        pl = [x["ok"] for x in o if x["group"].startswith("planted:") and x["kind"] == "single zone"]
        bot = [x["ok"] for x in o if x["kind"] == "24/7 automated"]
        sl = [f"{x['inferred']} vs median {x['true']} ({x['zones']} zones)" for x in o if x["kind"] == "mixed zones"]
        print(f"| {r['profile']} | {r['seed']} | {r['farm']['city']} | {sum(org)}/{len(org)} | {sum(pl)}/{len(pl)} | "
              f"{sum(bot)}/{len(bot)} | {'; '.join(sl)} |")
    counted = [x["ok"] for r in results for x in r["offsets"] if x["ok"] is not None]
    print(f"\noffset within ±1 h (single-zone groups) or no offset (24/7 botnet): {sum(counted)}/{len(counted)} "
          f"({100 * np.mean(counted):.1f} %) over {len(results)} worlds")
    errs = [p["authors"] - p["true_writers"] if p["authors"] is not None else None
            for r in results for p in r["personas"]]
    vals, cnt = np.unique([e for e in errs if e is not None], return_counts=True)
    print("persona author-count error (estimate - truth):", dict(zip(vals.tolist(), cnt.tolist(), strict=True)),
          f"none: {sum(e is None for e in errs)}")
    if a.json:
        a.json.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")


def _print_world(r: dict[str, Any]) -> None:
    ok = [o["ok"] for o in r["offsets"] if o["ok"] is not None]
    print(f"{r['profile']} seed {r['seed']}: offsets ok {sum(ok)}/{len(ok)}; farm {json.dumps(r['farm'])}")
    print(f"   automation {r['automation']}; botnet burst p {r['botnet_burst_p']}, control p {r['organic_control_burst_p']}")
    print(f"   personas {[(p['authors'], p['true_writers'], p['p_single_author']) for p in r['personas']]}")
    for o in r["offsets"]:
        if not o["ok"]:
            print("   offset miss/not counted:", o)


if __name__ == "__main__":
    main()
