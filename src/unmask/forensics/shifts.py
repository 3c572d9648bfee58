"""Work shifts: does a group cover the day with distinct sub-groups and sharp hand-over hours?

Why: a farm running three 8-hour shifts shows disjoint sets of accounts, each active in its own
block of hours, handing over at fixed hours. Accounts are clustered on their hour-of-day profiles
(Hellinger k-means, k chosen by silhouette); each hour is assigned to the shift that dominates it;
hand-overs are the hours where dominance changes, with a sharpness score; stability is the weekly
drift of each shift's mean hour. Counts come from DuckDB; numpy clusters the small matrix.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from unmask.forensics._common import Finding, hours, scope

__all__ = ["kmeans", "shifts", "silhouette"]



def kmeans(x: np.ndarray, k: int, *, seed: int = 0, n_init: int = 5, iters: int = 100) -> tuple[np.ndarray, float]:
    """Lloyd's k-means with k-means++ seeding; returns (labels, inertia) of the best of ``n_init``."""
    rng = np.random.default_rng(seed)
    best_lab, best_in = np.zeros(len(x), int), np.inf
    for _ in range(n_init):
        c = [x[rng.integers(len(x))]]
        for _ in range(1, k):
            d = np.maximum(np.min(((x[:, None, :] - np.array(c)[None]) ** 2).sum(-1), axis=1), 0)
            c.append(x[rng.choice(len(x), p=d / d.sum())] if d.sum() > 0 else x[rng.integers(len(x))])
        cen = np.array(c)
        lab = np.zeros(len(x), int)
        sq = (x ** 2).sum(1)[:, None]
        for _ in range(iters):
            d = sq + (cen ** 2).sum(1)[None] - 2 * x @ cen.T
            new = d.argmin(1)
            if (new == lab).all() and _ > 0:
                break
            lab = new
            for j in range(k):
                if (lab == j).any():
                    cen[j] = x[lab == j].mean(0)
        inertia = float(((x - cen[lab]) ** 2).sum())
        if inertia < best_in:
            best_lab, best_in = lab.copy(), inertia
    return best_lab, best_in


def silhouette(x: np.ndarray, lab: np.ndarray) -> float:
    """Mean silhouette (Euclidean); 0 for a single cluster."""
    ks = np.unique(lab)
    if len(ks) < 2:
        return 0.0
    sq = (x ** 2).sum(1)
    d = np.sqrt(np.maximum(sq[:, None] + sq[None] - 2 * x @ x.T, 0))
    onehot = (lab[:, None] == ks[None]).astype(float)
    sizes = onehot.sum(0)
    sums = d @ onehot  # total distance of each point to each cluster
    own = (lab[:, None] == ks[None])
    a = (sums * own).sum(1) / np.maximum((sizes * own).sum(1) - 1, 1)
    other = np.where(own, np.inf, sums / sizes)
    b = other.min(1)
    s = np.where((sizes * own).sum(1) > 1, (b - a) / np.maximum(np.maximum(a, b), 1e-12), 0.0)
    return float(s.mean())


def shifts(
    con: duckdb.DuckDBPyConnection,
    accounts: Sequence[str] | None = None,
    *,
    offset: int = 0,
    min_posts: int = 20,
    max_k: int = 6,
    min_silhouette: float = 0.35,
    seed: int = 0,
    max_accounts: int | None = None,
) -> Finding:
    """Shift structure of a group: sub-groups, their hour blocks, hand-over hours, weekly stability.

    Hours are reported in UTC and in local time at UTC+``offset`` (e.g. the timezone analysis').
    ``max_accounts`` keeps only the most active accounts (speed on very large groups).
    """
    scope(con, accounts)
    v = hours(con)
    ah = con.execute(
        f"SELECT account_id, hour(hr) AS h, CAST(sum(n) AS BIGINT) AS n FROM {v} GROUP BY ALL"
    ).fetchnumpy()
    ids, idx = np.unique(ah["account_id"], return_inverse=True)
    mat = np.zeros((len(ids), 24))
    np.add.at(mat, (idx, ah["h"].astype(int)), ah["n"])
    keep = mat.sum(1) >= min_posts
    if max_accounts is not None and keep.sum() > max_accounts:
        keep &= mat.sum(1) >= np.sort(mat.sum(1))[-max_accounts]
    ids, mat = ids[keep], mat[keep]
    summary: dict[str, Any] = {"analysis": "shifts", "accounts_used": len(ids), "offset": offset}
    if len(ids) < 3:
        summary.update(shifts=1 if len(ids) else 0, verdict="too few active accounts")
        return Finding("shifts", summary, _acc_table([], [], [], []))
    best_k, best_s, lab, scores = _subgroups(mat, max_k, min_silhouette, seed)
    summary["silhouette_by_k"] = scores
    # order shifts by the circular mean hour of their activity
    prof = np.stack([mat[lab == j].sum(0) for j in range(best_k)])
    ang = np.arange(24) * 2 * np.pi / 24
    mean_h = (np.angle((prof * np.exp(1j * ang)).sum(1)) % (2 * np.pi)) * 24 / (2 * np.pi)
    order = np.argsort((mean_h + offset) % 24)
    remap = np.empty(best_k, int)
    remap[order] = np.arange(best_k)
    lab, prof, mean_h = remap[lab], prof[order], mean_h[order]
    share = prof / np.maximum(prof.sum(0, keepdims=True), 1e-9)  # shift share of each UTC hour
    dom = share.argmax(0)
    total = prof.sum(0)
    active = total >= 0.1 * np.sort(total)[-8:].mean()  # robust to hand-over spikes
    handovers = []
    if best_k > 1:
        for h in range(24):
            a, b = dom[(h - 1) % 24], dom[h]
            if a != b and (active[h] or active[(h - 1) % 24]):
                sharp = 0.5 * ((share[a, (h - 1) % 24] - share[a, h]) + (share[b, h] - share[b, (h - 1) % 24]))
                handovers.append({"hour_utc": h, "hour_local": (h + offset) % 24, "from_shift": int(a),
                                  "to_shift": int(b), "sharpness": float(sharp)})
    rows = []
    for j in range(best_k):
        hrs = np.flatnonzero((dom == j) & active)
        start = _block_start(hrs)
        rows.append({"shift": j, "accounts": int((lab == j).sum()), "posts": int(prof[j].sum()),
                     "hours": len(hrs), "start_utc": start, "end_utc": None if start is None else (start + len(hrs)) % 24,
                     "start_local": None if start is None else (start + offset) % 24,
                     "mean_hour_local": float((mean_h[j] + offset) % 24),
                     "share_in_own_hours": float(prof[j, hrs].sum() / max(prof[j].sum(), 1))})
    summary.update({
        "shifts": best_k, "silhouette": best_s if best_k > 1 else None, "coverage_hours": int(active.sum()),
        "handovers": handovers, "shift_table": rows,
        "mean_sharpness": float(np.mean([h["sharpness"] for h in handovers])) if handovers else None,
    })
    if best_k > 1 and any(r["hours"] == 0 for r in rows):
        summary["verdict"] = f"{best_k} sub-groups with different rhythms but no hand-over (they overlap in time)"
        summary["handovers"] = []
    elif best_k > 1 and len(handovers) > best_k:
        # a shift owns one block of hours, so k shifts hand over k times a day; more hand-overs mean
        # interleaved hours (schedulers posting every few hours, or mixed rhythms), not shifts
        summary["verdict"] = (f"{best_k} sub-groups with interleaved hours ({len(handovers)} changes a day), "
                              "not shifts")
        summary["interleaved_changes"] = len(handovers)
        summary["handovers"] = []
    else:
        summary["verdict"] = f"{best_k} shifts" if best_k > 1 else "no shift structure"
    weekly, stab = _weekly(con, v, ids, lab, best_k, offset)
    summary["weekly_drift_hours"] = stab
    inside = [float(mat[i, np.flatnonzero((dom == lab[i]) & active)].sum() / mat[i].sum()) for i in range(len(ids))]
    acc_mean = (np.angle((mat * np.exp(1j * ang)).sum(1)) % (2 * np.pi)) * 24 / (2 * np.pi)
    table = _acc_table(ids, lab, acc_mean, inside, mat.sum(1), offset)
    hs = pa.table({"hour_utc": np.repeat(np.arange(24)[None], best_k, 0).ravel(),
                   "hour_local": np.repeat(((np.arange(24) + offset) % 24)[None], best_k, 0).ravel(),
                   "shift": np.repeat(np.arange(best_k), 24), "posts": prof.ravel()})
    return Finding("shifts", summary, table, {"hour_shift": hs, "weekly": weekly})


#: The last few :func:`_subgroups` answers: the time-zone check and the shift analysis of one group
#: cluster the same matrix (they differ only in the offset the hours are reported in).
_SUBGROUPS: dict[bytes, tuple[int, float, np.ndarray, dict[int, float]]] = {}


def _subgroups(mat: np.ndarray, max_k: int, min_silhouette: float,
               seed: int) -> tuple[int, float, np.ndarray, dict[int, float]]:
    """Accounts × hour counts → (k, silhouette, labels, silhouette by k): Hellinger k-means, k by silhouette."""
    key = hashlib.sha1(np.ascontiguousarray(mat).tobytes() + repr((mat.shape, max_k, min_silhouette, seed)).encode()
                       ).digest()
    if key in _SUBGROUPS:
        k, s, lab, scores = _SUBGROUPS[key]
        return k, s, lab.copy(), dict(scores)
    x = np.sqrt(mat / mat.sum(1, keepdims=True))
    sample = np.random.default_rng(seed).permutation(len(x))[:1500]
    best_k, best_s, lab = 1, 0.0, np.zeros(len(x), int)
    scores = {}
    for k in range(2, min(max_k, len(x) - 1) + 1):
        lk, _ = kmeans(x, k, seed=seed)
        s = silhouette(x[sample], lk[sample])
        scores[k] = s
        if s > best_s + 0.02:
            best_k, best_s, lab = k, s, lk
    if best_s < min_silhouette:
        best_k, lab = 1, np.zeros(len(x), int)
    while len(_SUBGROUPS) >= 8:
        _SUBGROUPS.pop(next(iter(_SUBGROUPS)))
    _SUBGROUPS[key] = (best_k, best_s, lab.copy(), dict(scores))
    return best_k, best_s, lab, scores


def _block_start(hrs: np.ndarray) -> int | None:
    if len(hrs) == 0:
        return None
    s = set(int(h) for h in hrs)
    starts = [h for h in s if (h - 1) % 24 not in s]
    return min(starts) if starts else int(hrs.min())


def _acc_table(ids, lab, mean_h, inside, posts=(), offset: int = 0) -> pa.Table:
    return pa.table({
        "account_id": pa.array([str(i) for i in ids], pa.string()),
        "shift": pa.array([int(x) for x in lab], pa.int64()),
        "posts": pa.array([int(x) for x in posts], pa.int64()) if len(ids) else pa.array([], pa.int64()),
        "mean_hour_local": pa.array([float((m + offset) % 24) for m in mean_h], pa.float64()),
        "share_in_shift_hours": pa.array([float(x) for x in inside], pa.float64()),
    })


def _weekly(con: duckdb.DuckDBPyConnection, v: str, ids: np.ndarray, lab: np.ndarray, k: int,
            offset: int) -> tuple[pa.Table, float | None]:
    """Per ISO week and shift: posts and the circular mean local hour; drift = max weekly std."""
    con.register("fx_shift_lab", pa.table({"account_id": [str(i) for i in ids], "shift": lab.astype("int64")}))
    w = con.execute(
        f"""SELECT CAST(date_trunc('week', hr) AS DATE) AS week, s.shift, hour(hr) AS h, CAST(sum(n) AS BIGINT) AS n
            FROM {v} p JOIN fx_shift_lab s USING (account_id) GROUP BY ALL ORDER BY 1, 2, 3"""
    ).fetchnumpy()
    con.unregister("fx_shift_lab")
    rows, drift = [], []
    ang = np.arange(24) * 2 * np.pi / 24
    # rows come ordered by (week, shift, hour): each (week, shift) is one contiguous run
    week, shift, n, h = np.asarray(w["week"]), np.asarray(w["shift"]), np.asarray(w["n"]), np.asarray(w["h"])
    cut = np.flatnonzero((week[1:] != week[:-1]) | (shift[1:] != shift[:-1])) + 1
    runs = {(week[s], int(shift[s])): (s, e) for s, e in zip(np.r_[0, cut], np.r_[cut, len(n)], strict=True)
            if e > s}
    for j in range(k):
        hours = []
        for wk in np.unique(week):
            s, e = runs.get((wk, j), (0, 0))
            if n[s:e].sum() < 10:
                continue
            z = (n[s:e] * np.exp(1j * ang[h[s:e].astype(int)])).sum()
            mh = float((np.angle(z) % (2 * np.pi)) * 24 / (2 * np.pi))
            hours.append(mh)
            rows.append({"week": str(wk)[:10], "shift": j, "posts": int(n[s:e].sum()),
                         "mean_hour_local": (mh + offset) % 24})
        if len(hours) >= 2:
            z = np.exp(1j * np.array(hours) * 2 * np.pi / 24).mean()
            drift.append(float(np.sqrt(-2 * np.log(max(abs(z), 1e-12))) * 24 / (2 * np.pi)))
    t = pa.Table.from_pylist(rows) if rows else pa.table({"week": pa.array([], pa.string())})
    return t, (max(drift) if drift else None)
