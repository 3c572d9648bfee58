"""``sync_activity``: accounts active in the same time bins more often than their volumes predict.

Each account's activity is binned (``bin_seconds``, default 300 = 5 minutes); the shared objects
are the bins both accounts posted in. Accounts with fewer than ``min_active_bins`` (default 5)
active bins are left out (they cannot pass significance). The null keeps each account's number
of active bins and each bin's overall activity (so daily rhythms and news peaks raise every
pair's expectation). Bins with more than ``max_bucket`` active accounts (default 2000, its own
default rather than the windowed signals' 250) are capped (counted).

Cost grows with the square of the accounts active per bin — the one signal that does: the exact
pair enumeration costs ``Σ_bins C(m, 2)`` (pair, bin) rows for bins of ``m`` accounts. Two ways
to form the pairs (``candidates``, recorded as ``path`` in the output's counts):

- **exact** (when ``Σ C(m, 2)`` fits the work budget ``max_matched_rows``, default 200 M): every
  pair co-active in some bin is counted. This signal does not go through the generic pair join
  (:func:`unmask.signals._window.pair_edges`): an account has one event per bin, so a pair's
  co-actions, objects and weight are all the number of bins they share, and the join streams
  straight into a count per pair (fixed-size aggregate state, which the engine can spill, in
  passes of at most ``rows_per_pass`` matched rows) without materialising the matched rows. With
  ``candidates="exact"`` beyond the budget the busiest bins are capped until the kept bins hold at
  most ``max_matched_rows`` pairs (``bin_cap`` says which cap was used); ``candidates="auto"`` (the
  default) does that only while the capped bins hold at most ``max_capped_share`` (default 0.5) of
  the events, since past that the signal goes blind (on 9.6 M generated posts the cap dropped 8,134
  of 9,148 bins and none of the planted accounts was found).
- **lsh** (``"auto"`` beyond that, or ``candidates="lsh"``): candidate pairs come from MinHash +
  LSH banding over each account's set of active bins (bins within ``max_bucket``), and the shared
  bins are counted exactly for the candidate pairs only (a join on account and bin restricted to
  them, reading the bins of the account with fewer). ``lsh_num_perm`` (default 60) MinHash values
  ``min((a·x + b) mod (2³¹-1))`` over the bins ``x`` (relative to the first bin: a bijection, so
  equal values mean a shared bin) are aggregate columns of one GROUP BY; they are cut into bands of
  ``lsh_rows`` values, and two accounts are candidates when all the values of some band agree,
  which for Jaccard similarity ``J`` (shared bins / bins of either) happens with probability
  ``1 - (1 - J^rows)^bands``. Fewer rows per band find lower ``J`` but make more candidates, so
  by default (``lsh_rows=None``) the signal spends the same work budget: it takes the fewest rows,
  1, 2 or 3, for which a bound on the counting work (over the kept buckets' pairs, the bins of the
  pair's smaller account; ``lsh_work_bounds``) is at most ``max_matched_rows``, and 3 rows if none
  is (``lsh_over_budget``: the work then exceeds the budget rather than the signal going blind).
  With 60 values: 60 × 1 finds ``J`` = 0.03 with probability 0.84 and 0.05 with 0.95; 30 × 2 finds
  0.2 with 0.71, 0.3 with 0.94 and 0.4 with 0.995; 20 × 3 finds 0.4 with 0.73, 0.5 with 0.93, 0.6
  with 0.992 and 0.7 with 0.9998. A coordinated pair sharing ``c`` bins with ``u`` bins of
  background activity each has ``J = c / (c + 2u)``: with 20 × 3 it is found with probability
  >= 0.93 when it has at least as much coordinated as background activity (``u <= c/2``), and the
  generated operations (10 accounts acting on the same items within seconds, no background) have
  ``J`` ≈ 0.9. Random pairs of busy accounts (``J`` ≈ 0.05) become candidates with probability
  ``20 · J³`` ≈ 0.25 %, so their exact counts stay cheap. Dense data, where the budget is
  exceeded, demands high overlap: on 9.6 M generated posts 20 × 3 was taken and found every
  planted pair. Sparse data does not: the pairs that IRA's exact path keeps have a median ``J``
  of 0.03 (accounts of hundreds of bins sharing tens among 220,000 bins), of which 20 × 3 would
  find 2 % and 60 × 1 (the one taken there, were IRA over the budget) 79 %. Band buckets of more
  than ``lsh_max_bucket`` (default 1000) accounts are dropped (counted; a pair has a chance in
  every band) — so is, note, a group of more than 1000 accounts with identical activity.

Both paths give a counted pair the same ``n_shared`` (bins within ``max_bucket``) and the same
``expected``: ``K`` needs only ``S``, the number of (pair, bin) co-shares, which is ``Σ C(m, 2)``
over the bins, known from the bins' sizes before any pair is formed. The false-discovery family
is all ``C(accounts, 2)`` pairs either way; on the lsh path the pairs that are not candidates are
not counted and count as ``p = 1``. That is conservative: such a pair's true p-value can only be
smaller, so the q-values of the listed pairs are at least what the exact path would give, and
LSH only loses pairs (those of low Jaccard), it never adds one.

The evidence sample, the median gap and the time span are then computed only for the pairs that
significance keeps (:func:`details`), not for the millions of candidate pairs.
"""

from __future__ import annotations

from typing import Any

import duckdb

from unmask.engine import dialect
from unmask.signals import Signal
from unmask.signals._common import T_EXPR

__all__ = ["SIGNAL", "compute", "details"]

#: MinHash: hashes ``(a·x + b) mod _PRIME`` with ``a``, ``b`` drawn from a generator seeded with ``_LSH_SEED``.
_PRIME = 2147483647
_LSH_SEED = 1


def compute(
    con: duckdb.DuckDBPyConnection,
    out: str,
    *,
    bin_seconds: float = 300,
    min_active_bins: int = 5,
    max_bucket: int = 2000,
    evidence: int = 5,
    min_shared: int = 1,
    rows_per_pass: int = 100_000_000,
    max_matched_rows: int = 200_000_000,
    candidates: str = "auto",
    max_capped_share: float = 0.5,
    lsh_num_perm: int = 60,
    lsh_rows: int | None = None,
    lsh_max_bucket: int = 1000,
    **_: Any,
) -> dict[str, Any]:
    """Edges between accounts that are repeatedly active in the same time bins.

    Writes ``out`` (the edge columns; ``evidence`` empty and ``median_dt_s``, ``first_at`` and
    ``last_at`` NULL until :func:`details` fills them for the kept pairs) as a view over staging
    tables that :func:`details` reads and then drops, and ``{out}_objects(obj, oid)``.

    Only pairs sharing at least ``min_shared`` bins are listed (the caller's keep rule cannot keep
    the others); the others still count in significance, as ``{out}_unlisted(n_shared, expected,
    c)``: how many pairs with each (co-active bins, expectation). On the exact path the pair counts
    are aggregated in passes over slices of the accounts, each with at most about ``rows_per_pass``
    matched (pair, bin) rows, so the aggregation's memory stays bounded whatever the data.

    ``candidates``: ``"auto"``, ``"exact"`` or ``"lsh"`` (see the module docstring); the path taken
    is ``path`` in the returned counts. ``matched_rows`` is the (pair, bin) rows of the exact
    enumeration over the kept bins (on the lsh path: what it would have cost); the lsh path adds
    ``lsh_num_perm``, ``lsh_rows`` and ``lsh_bands`` (the banding taken), ``lsh_work_bounds`` (the
    counting work bound of each number of rows tried; ``None``: over the budget at a glance),
    ``lsh_over_budget``, ``lsh_max_bucket``, ``lsh_capped_buckets`` and ``lsh_capped_members``
    (band buckets over ``lsh_max_bucket`` and their accounts),
    ``lsh_bucket_pairs`` (pairs formed in the kept buckets, before deduplication over bands),
    ``lsh_candidates`` and ``lsh_counted_rows`` (the shared bins counted for them).
    """
    if candidates not in ("auto", "exact", "lsh"):
        raise ValueError("candidates must be 'auto', 'exact' or 'lsh'")
    bs = float(bin_seconds)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {out}__sa AS "
        f"SELECT account_id, CAST(floor({T_EXPR} / {bs!r}) AS BIGINT) AS bin, min({T_EXPR}) AS t "
        "FROM posts GROUP BY 1, 2"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {out}__acc AS "
        "SELECT account_id, row_number() OVER (ORDER BY account_id) AS aid FROM ("
        f"SELECT account_id FROM {out}__sa GROUP BY account_id HAVING count(*) >= {int(min_active_bins)}) d"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {out}__ev AS SELECT a.aid, s.bin, s.t FROM {out}__sa s "
        f"JOIN {out}__acc a ON a.account_id = s.account_id"
    )
    con.execute(f"DROP TABLE {out}__sa")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {out}__bins AS SELECT bin, count(*) AS m FROM {out}__ev GROUP BY bin")
    cap = _work_cap(con, f"{out}__bins", int(max_bucket), int(max_matched_rows))
    lsh = candidates == "lsh" or (candidates == "auto" and cap < int(max_bucket) and _capped_share(
        con, f"{out}__bins", cap, int(max_bucket)) > float(max_capped_share))
    order = ""
    if lsh:
        # every bin within max_bucket is kept; sorted by account, the MinHash GROUP BY updates
        # one account's state row after row (half the time of random order on DuckDB)
        cap = int(max_bucket)
        order = " ORDER BY e.aid" if dialect(con) == "duckdb" else ""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {out}__k AS SELECT e.* FROM {out}__ev e "
        f"JOIN {out}__bins b ON b.bin = e.bin WHERE b.m <= {cap}{order}"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {out}_objects AS SELECT CAST(bin AS VARCHAR) AS obj, bin AS oid "
        f"FROM {out}__bins"
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE {out}__vol AS SELECT aid, count(*) AS n FROM {out}__ev GROUP BY aid")
    events, accounts, objects = con.execute(
        f"SELECT count(*), count(DISTINCT aid), count(DISTINCT bin) FROM {out}__ev"
    ).fetchone()
    cells, cev, cpairs, matched = con.execute(
        f"SELECT count(*) FILTER (WHERE m > {cap}), coalesce(sum(m) FILTER (WHERE m > {cap}), 0), "
        f"coalesce(sum(m * (m - 1) / 2) FILTER (WHERE m > {cap}), 0), "
        f"coalesce(sum(m * (m - 1) / 2) FILTER (WHERE m <= {cap}), 0) FROM {out}__bins"
    ).fetchone()
    big_n, sum_sq = con.execute(f"SELECT coalesce(sum(n), 0), coalesce(sum(n * n), 0) FROM {out}__vol").fetchone()
    # K of the volume null model (see volume_expectation): S, the co-shares, is the number of
    # matched (pair, bin) rows, known from the bins' sizes before any pair is formed
    denom = float(big_n) ** 2 - float(sum_sq)
    k = 2.0 * (float(matched) + float(cpairs)) / denom if denom > 0 else 0.0
    expected = f"CAST(va.n AS DOUBLE) * vb.n * {k!r}"
    lsh_stats: dict[str, Any] = {}
    if lsh:
        lsh_stats = _lsh_candidates(con, out, f"{out}__k", f"{out}__bins", f"{out}__vol", num_perm=int(lsh_num_perm),
                                    rows=None if lsh_rows is None else int(lsh_rows),
                                    max_members=int(lsh_max_bucket), budget=int(max_matched_rows),
                                    min_volume=max(1, int(min_active_bins)))
        passes = 1
    else:
        passes = max(1, -(-int(matched) // int(rows_per_pass)))
    for i in range(passes):
        if lsh:
            # exact counts for the candidate pairs: each pair's bins are read from the account with
            # fewer bins (x) and looked up in the other's (a semi join: with an inner join and count(*)
            # DuckDB 2.0 pushes the count below the join, grouping every (pair, bin): 6x slower)
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {out}__part AS SELECT c.a, c.bb, count(*) AS na FROM {out}__cand c "
                f"JOIN {out}__k e1 ON e1.aid = c.x SEMI JOIN {out}__k e2 ON e2.aid = c.y AND e2.bin = e1.bin "
                "GROUP BY c.a, c.bb"
            )
            con.execute(f"DROP TABLE {out}__cand")
            lsh_stats["lsh_counted_rows"] = int(
                con.execute(f"SELECT coalesce(sum(na), 0) FROM {out}__part").fetchone()[0])
        else:
            # one count per pair, streamed from the join (never the matched rows themselves)
            part = "" if passes == 1 else f" AND e1.aid % {passes} = {i}"
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {out}__part AS SELECT e1.aid AS a, e2.aid AS bb, count(*) AS na "
                f"FROM {out}__k e1 JOIN {out}__k e2 ON e2.bin = e1.bin AND e1.aid < e2.aid{part} GROUP BY e1.aid, e2.aid"
            )
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {out}__raw{i} AS SELECT a, bb, na FROM {out}__part "
            f"WHERE na >= {int(min_shared)}"
        )
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {out}__unl{i} AS SELECT p.na AS n_shared, {expected} AS expected, "
            f"count(*) AS c FROM {out}__part p JOIN {out}__vol va ON va.aid = p.a JOIN {out}__vol vb ON vb.aid = p.bb "
            f"WHERE p.na < {int(min_shared)} GROUP BY p.na, {expected}"
        )
        con.execute(f"DROP TABLE {out}__part")
    for name, piece, cols in (("__raw", "__raw", "a, bb, na"), ("_unlisted", "__unl", "n_shared, expected, c")):
        union = " UNION ALL ".join(f"SELECT {cols} FROM {out}{piece}{i}" for i in range(passes))
        con.execute(f"CREATE OR REPLACE TEMP TABLE {out}{name} AS {union}")
        for i in range(passes):
            con.execute(f"DROP TABLE {out}{piece}{i}")
    # a view: the account ids and the expectation are joined on when read (significance groups
    # the pairs, then only the kept ones are written), never stored for every candidate pair
    con.execute(
        f"""
        CREATE OR REPLACE TEMP VIEW {out} AS
        SELECT xa.account_id AS account_a, xb.account_id AS account_b, r.na AS weight, r.na AS n_shared,
               r.na AS n_objects, CAST(NULL AS DOUBLE) AS median_dt_s,
               CAST(NULL AS TIMESTAMPTZ) AS first_at, CAST(NULL AS TIMESTAMPTZ) AS last_at,
               CAST(1.0 AS DOUBLE) AS symmetry,
               CAST(NULL AS STRUCT(oid BIGINT, ta DOUBLE, tb DOUBLE)[]) AS evidence, {expected} AS expected
        FROM {out}__raw r JOIN {out}__acc xa ON xa.aid = r.a JOIN {out}__acc xb ON xb.aid = r.bb
        JOIN {out}__vol va ON va.aid = r.a JOIN {out}__vol vb ON vb.aid = r.bb
        """
    )
    con.execute(f"DROP TABLE {out}__ev")
    con.execute(f"DROP TABLE {out}__bins")
    listed = con.execute(f"SELECT count(*) FROM {out}__raw").fetchone()[0]
    unlisted = con.execute(f"SELECT coalesce(sum(c), 0) FROM {out}_unlisted").fetchone()[0]
    return {
        "events": int(events), "accounts": int(accounts), "objects": int(objects), "bin_cap": cap,
        "capped_cells": int(cells), "capped_objects": int(cells), "capped_events": int(cev),
        "candidate_pairs": int(listed) + int(unlisted), "listed_pairs": int(listed),
        "matched_rows": int(matched), "passes": passes, "unlisted": f"{out}_unlisted",
        "path": "lsh" if lsh else "exact", **lsh_stats,
    }


def _capped_share(con: duckdb.DuckDBPyConnection, bins: str, cap: int, max_bucket: int) -> float:
    """The share of the events in bins of at most ``max_bucket`` accounts that the cap ``cap`` drops."""
    kept, total = con.execute(
        f"SELECT coalesce(sum(m) FILTER (WHERE m <= {cap}), 0), coalesce(sum(m) FILTER (WHERE m <= {max_bucket}), 0) "
        f"FROM {bins}"
    ).fetchone()
    return 1.0 - float(kept) / float(total) if total else 0.0


def _lsh_candidates(
    con: duckdb.DuckDBPyConnection, out: str, events: str, bins: str, vol: str, *, num_perm: int, rows: int | None,
    max_members: int, budget: int, min_volume: int,
) -> dict[str, Any]:
    """Write ``{out}__cand(a, bb, x, y)``, ``a < bb``: the account pairs of ``events(aid, bin)`` that
    agree on all ``rows`` of ``num_perm`` MinHash values in at least one band of ``rows`` values,
    band buckets of more than ``max_members`` accounts left out; ``x`` is the one of the two with
    fewer events in ``vol(aid, n)``, ``y`` the other. Return the LSH counts.

    ``rows=None``: the fewest rows per band (1, 2, then 3; dividing ``num_perm``) whose bound on
    the counting work — over the kept buckets' pairs, the events of the pair's smaller account —
    is at most ``budget``; 3 if none is (``lsh_over_budget``).
    """
    choices = [r for r in (1, 2, 3) if num_perm % r == 0] if rows is None else [int(rows)]
    if not choices or choices[-1] < 1 or num_perm % choices[-1]:
        raise ValueError("lsh_rows must divide lsh_num_perm (and lsh_num_perm must be a multiple of 3 for lsh_rows=None)")
    import numpy as np  # local: only the hash parameters come from Python

    rng = np.random.default_rng(_LSH_SEED)
    params = list(zip(rng.integers(1, _PRIME, num_perm), rng.integers(0, _PRIME, num_perm), strict=True))
    lo = con.execute(f"SELECT coalesce(min(bin), 0) FROM {bins}").fetchone()[0]
    # one GROUP BY, the num_perm MinHash values as its aggregate columns; (a·x + b) < 2⁶² for x < 2³¹
    sig_cols = ", ".join(f"min(({int(a)} * (bin - {int(lo)}) + {int(b)}) % {_PRIME}) AS h{i}"
                         for i, (a, b) in enumerate(params))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {out}__mh AS SELECT aid, {sig_cols} FROM {events} GROUP BY aid")
    bounds: dict[str, int | None] = {}
    for r in choices:
        keys = [f"k{i}" for i in range(r)]
        band_sel = " UNION ALL ".join(
            f"SELECT aid, {j} AS band, " + ", ".join(f"h{j * r + i} AS k{i}" for i in range(r)) + f" FROM {out}__mh"
            for j in range(num_perm // r)
        )
        con.execute(f"CREATE OR REPLACE TEMP TABLE {out}__band AS {band_sel}")
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {out}__bkt AS SELECT band, {', '.join(keys)}, count(*) AS sz "
            f"FROM {out}__band GROUP BY band, {', '.join(keys)} HAVING count(*) > 1"
        )
        capped, capped_members, pairs = con.execute(
            f"SELECT count(*) FILTER (WHERE sz > {max_members}), coalesce(sum(sz) FILTER (WHERE sz > {max_members}), 0), "
            f"coalesce(sum(sz * (sz - 1) / 2) FILTER (WHERE sz <= {max_members}), 0) FROM {out}__bkt"
        ).fetchone()
        on = " AND ".join(f"m.{c} = b.{c}" for c in ["band", *keys])
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {out}__mem AS SELECT m.* FROM {out}__band m JOIN {out}__bkt b ON {on} "
            f"WHERE b.sz <= {max_members}"
        )
        con.execute(f"DROP TABLE {out}__band")
        con.execute(f"DROP TABLE {out}__bkt")
        last = r == choices[-1]
        bound = None
        if not last and float(pairs) * min_volume > budget:
            bounds[str(r)] = None  # every pair costs at least min_volume: over the budget without looking
            continue
        if not last or rows is None:
            # Σ over a bucket's pairs of the smaller volume = Σ_i n_(i) · (size - i), n ascending
            part = f"PARTITION BY m.band, {', '.join(f'm.{k}' for k in keys)}"
            bound = int(con.execute(
                f"SELECT coalesce(sum(n * (sz - rk)), 0) FROM (SELECT v.n, count(*) OVER ({part}) AS sz, "
                f"row_number() OVER ({part} ORDER BY v.n, m.aid) AS rk FROM {out}__mem m "
                f"JOIN {vol} v ON v.aid = m.aid) w"
            ).fetchone()[0])
            bounds[str(r)] = bound
        if last or bound <= budget:
            break
    con.execute(f"DROP TABLE {out}__mh")
    on = " AND ".join(f"m2.{c} = m1.{c}" for c in ["band", *keys])
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {out}__cand AS SELECT c.a, c.bb, "
        "CASE WHEN va.n <= vb.n THEN c.a ELSE c.bb END AS x, CASE WHEN va.n <= vb.n THEN c.bb ELSE c.a END AS y "
        f"FROM (SELECT DISTINCT m1.aid AS a, m2.aid AS bb FROM {out}__mem m1 JOIN {out}__mem m2 ON {on} "
        f"AND m1.aid < m2.aid) c JOIN {vol} va ON va.aid = c.a JOIN {vol} vb ON vb.aid = c.bb"
    )
    con.execute(f"DROP TABLE {out}__mem")
    n_cand = con.execute(f"SELECT count(*) FROM {out}__cand").fetchone()[0]
    return {"lsh_num_perm": num_perm, "lsh_rows": r, "lsh_bands": num_perm // r, "lsh_max_bucket": max_members,
            "lsh_work_bounds": bounds, "lsh_over_budget": rows is None and (bound is None or bound > budget),
            "lsh_capped_buckets": int(capped), "lsh_capped_members": int(capped_members),
            "lsh_bucket_pairs": int(pairs), "lsh_candidates": int(n_cand)}


def _work_cap(con: duckdb.DuckDBPyConnection, bins: str, max_bucket: int, budget: int) -> int:
    """The per-bin cap: ``max_bucket``, lowered if need be so that the kept bins' matched rows
    (Σ m(m-1)/2 over bins with m accounts <= cap) stay within ``budget``.

    The busiest bins go first: they hold the most pairs and the least information (the null model
    expects their co-activity; it still counts their pairs in ``K``, so capping only makes the test
    more conservative). The cap used is returned and recorded as ``bin_cap``.
    """
    sizes = con.execute(
        f"SELECT m, count(*) AS c FROM {bins} WHERE m <= {max_bucket} GROUP BY m ORDER BY m"
    ).fetchall()
    total, cap = 0, 1
    for m, c in sizes:
        total += int(c) * int(m) * (int(m) - 1) // 2
        if total > budget:
            break
        cap = int(m)
    else:
        cap = max_bucket
    return cap


def details(con: duckdb.DuckDBPyConnection, out: str, kept: str, result: str, *, evidence: int = 5) -> None:
    """Write ``result`` = the rows of ``kept`` with their evidence sample and median gap.

    ``out`` is the table :func:`compute` wrote (its staging tables are read, then dropped); the
    evidence is the ``evidence`` earliest shared bins (bin, first post time of each account in it),
    ``median_dt_s`` the median over the shared bins of the gap between the two first posts, and
    ``first_at`` / ``last_at`` the first and last of those posts.
    """
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {result}__d AS
        SELECT kp.account_a, kp.account_b, median(abs(e1.t - e2.t)) AS median_dt_s,
               to_timestamp(min(least(e1.t, e2.t))) AS first_at, to_timestamp(max(greatest(e1.t, e2.t))) AS last_at,
               min_by(struct_pack(oid := e1.bin, ta := e1.t, tb := e2.t),
                      struct_pack(t := least(e1.t, e2.t), o := e1.bin, a := e1.t, b := e2.t), {int(evidence)}) AS evidence
        FROM (SELECT account_a, account_b FROM {kept}) kp
        JOIN {out}__acc xa ON xa.account_id = kp.account_a
        JOIN {out}__acc xb ON xb.account_id = kp.account_b
        JOIN {out}__k e1 ON e1.aid = xa.aid
        JOIN {out}__k e2 ON e2.aid = xb.aid AND e2.bin = e1.bin
        GROUP BY kp.account_a, kp.account_b
        """
    )
    cols = [d[0] for d in con.execute(f"SELECT * FROM {kept} LIMIT 0").description]
    sel = ", ".join(f"d.{c}" if c in ("median_dt_s", "evidence", "first_at", "last_at") else f"k.{c}" for c in cols)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {result} AS SELECT {sel} FROM {kept} k "
        f"JOIN {result}__d d ON d.account_a = k.account_a AND d.account_b = k.account_b"
    )
    for t in (f"{result}__d", f"{out}__k", f"{out}__acc", f"{out}__raw", f"{out}__vol"):
        con.execute(f"DROP TABLE IF EXISTS {t}")


SIGNAL = Signal("sync_activity", "active in the same time bins more often than volumes predict", compute,
                {"bin_seconds": 300, "min_active_bins": 5, "max_bucket": 2000, "rows_per_pass": 100_000_000,
                 "max_matched_rows": 200_000_000, "candidates": "auto", "max_capped_share": 0.5,
                 "lsh_num_perm": 60, "lsh_rows": None, "lsh_max_bucket": 1000},
                windowed=False, details=details)
