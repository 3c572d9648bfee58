"""Fit the verdict model (src/unmask/verdict/model.json) on simulated worlds — never on real data.

    python scripts/train_verdict_model.py --work /tmp/verdict-train [--seeds 1,2] [--profiles default,stealth]
        [--scales 0.1,1]

For each (profile, seed, scale): simulate a world (skipped if already there), run
``unmask detect`` with the shipped defaults, and collect every account's features (accounts.parquet)
with its truth label. The weights are fitted by L2-regularised logistic regression with each
weight bounded to its feature's sign (scipy L-BFGS-B), so the score stays monotone. Accounts
that are not coordinated can never be flagged, so the fit uses the coordinated ones.

The threshold is chosen for precision: the lowest score at which, on the training worlds, every
organic look-alike group keeps a false-positive rate at most ``--max-group-fpr`` and overall
precision is at least ``--min-precision``. Seeds used for training must differ from the seed used
to report accuracy (bench/verdict_sim.py uses seed 0).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
from scipy.optimize import minimize

from unmask.detect import detect
from unmask.simulate import simulate
from unmask.verdict.features import FEATURES

MODEL = Path(__file__).resolve().parents[1] / "src" / "unmask" / "verdict" / "model.json"


def collect(world: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Features, label, group and coordinated flag of every truth account of one world."""
    acc = pq.read_table(world / "result" / "accounts.parquet").to_pylist()
    truth = {r["account_id"]: r for r in pq.read_table(world / "truth" / "accounts.parquet").to_pylist()}
    rows = [a for a in acc if a["account_id"] in truth]
    x = np.array([[float(a[f.name] or 0.0) for f in FEATURES] for a in rows])
    y = np.array([int(truth[a["account_id"]]["label"]) for a in rows])
    g = np.array([truth[a["account_id"]]["group"] for a in rows], dtype=object)
    c = np.array([bool(a["coordinated"]) for a in rows])
    return x, y, g, c


def fit(x: np.ndarray, y: np.ndarray, g: np.ndarray, l2: float) -> tuple[float, np.ndarray]:
    """Sign-constrained, L2-regularised logistic regression in which every truth group (each planted
    operation type, each organic look-alike) weighs the same: a small sleeper cell counts as much as
    a large farm, a small activist community as much as the organic crowd."""
    signs = np.array([f.sign for f in FEATURES])
    _, inv, counts = np.unique(g.astype(str), return_inverse=True, return_counts=True)
    sw = 1.0 / counts[inv]
    sw = sw / sw.sum()

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        b, w = theta[0], theta[1:]
        z = b + x @ w
        p = 1 / (1 + np.exp(-z))
        ll = np.sum(sw * (np.logaddexp(0, z) - y * z)) + l2 * np.sum(w * w)
        r = sw * (p - y)
        return ll, np.concatenate([[r.sum()], x.T @ r + 2 * l2 * w])

    bounds = [(None, None)] + [((0, None) if s > 0 else (None, 0)) for s in signs]
    theta0 = np.zeros(len(FEATURES) + 1)
    res = minimize(loss, theta0, jac=True, method="L-BFGS-B", bounds=bounds)
    return float(res.x[0]), res.x[1:]


def choose_threshold(p: np.ndarray, y: np.ndarray, g: np.ndarray, c: np.ndarray, max_fpr: float,
                     min_precision: float) -> float:
    """Lowest threshold meeting the per-group FPR and the precision floor on the training accounts."""
    organic_groups = sorted({str(x) for x, lab in zip(g, y, strict=True) if lab == 0})
    for thr in np.round(np.arange(0.05, 0.991, 0.01), 2):
        flag = c & (p >= thr)
        tp, fp = int((flag & (y == 1)).sum()), int((flag & (y == 0)).sum())
        if tp + fp and tp / (tp + fp) < min_precision:
            continue
        if all((flag & (g == grp)).sum() <= max_fpr * max((g == grp).sum(), 1) for grp in organic_groups):
            return float(thr)
    return 0.99


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--seeds", default="1,2")
    ap.add_argument("--profiles", default="default,stealth")
    ap.add_argument("--scales", default="0.1", help="comma-separated world scales (1 = the default world)")
    ap.add_argument("--l2", type=float, default=1e-3)
    ap.add_argument("--max-group-fpr", type=float, default=0.0025)
    ap.add_argument("--min-precision", type=float, default=0.97)
    ap.add_argument("--no-detect", action="store_true", help="Use the results already in --work.")
    a = ap.parse_args()
    worlds = []
    scales = [float(x) for x in a.scales.split(",")]
    for scale in scales:
        for prof in a.profiles.split(","):
            for seed in a.seeds.split(","):
                d = a.work / f"{prof}_s{seed}_x{scale:g}"
                if not (d / "dataset" / "manifest.json").exists():
                    simulate(d, seed=int(seed), scale=scale, profile=prof)
                if not a.no_detect:
                    detect(d / "dataset", d / "result", reuse=True)
                worlds.append(d)
    parts = [collect(w) for w in worlds]
    x = np.vstack([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    g = np.concatenate([p[2] for p in parts])
    c = np.concatenate([p[3] for p in parts])
    b, w = fit(x[c], y[c], g[c], a.l2)
    p = 1 / (1 + np.exp(-(b + x @ w)))
    thr = choose_threshold(p, y, g, c, a.max_group_fpr, a.min_precision)
    flag = c & (p >= thr)
    tp, fp, fn = int((flag & (y == 1)).sum()), int((flag & (y == 0)).sum()), int((~flag & (y == 1)).sum())
    prec, rec = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    metrics = {"train_accounts": len(y), "train_coordinated": int(c.sum()), "train_positive": int(y.sum()),
               "precision": round(prec, 4), "recall": round(rec, 4),
               "f1": round(2 * prec * rec / max(prec + rec, 1e-9), 4),
               "fpr_by_group": {grp: round(float((flag & (g == grp)).sum() / max((g == grp).sum(), 1)), 4)
                                for grp in sorted({str(v) for v, lab in zip(g, y, strict=True) if lab == 0})},
               "recall_by_group": {grp: round(float((flag & (g == grp)).sum() / max((g == grp).sum(), 1)), 4)
                                   for grp in sorted({str(v) for v, lab in zip(g, y, strict=True) if lab == 1})}}
    model = {
        "about": "logistic score over unmask.verdict.features, weights bounded to each feature's sign (monotone); "
                 "fitted by scripts/train_verdict_model.py on simulated worlds only",
        "trained_on": {"profiles": a.profiles.split(","), "seeds": [int(s) for s in a.seeds.split(",")],
                       "scales": scales, "l2": a.l2, "max_group_fpr": a.max_group_fpr,
                       "min_precision": a.min_precision, "date": dt.date.today().isoformat()},
        "intercept": round(b, 4),
        "threshold": thr,
        "weights": {f.name: round(float(v), 4) for f, v in zip(FEATURES, w, strict=True)},
        "metrics": metrics,
    }
    MODEL.write_text(json.dumps(model, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(model, indent=2))


if __name__ == "__main__":
    main()
