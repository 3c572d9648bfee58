"""``sync_activity``: accounts active in the same time bins more often than their volumes predict.

Each account's activity is binned (``bin_seconds``, default 300 = 5 minutes); the shared objects
are the bins both accounts posted in. Accounts with fewer than ``min_active_bins`` (default 5)
active bins are left out (they cannot pass significance). The null keeps each account's number
of active bins and each bin's overall activity (so daily rhythms and news peaks raise every
pair's expectation). Bins with more than ``max_bucket`` active accounts (default 2000, its own
default rather than the windowed signals' 250) are capped (counted), and so are the busiest bins
beyond a work budget: the cap is lowered until the kept bins hold at most ``max_matched_rows``
(default 200 M) account pairs (``bin_cap`` in the output's parameters says which cap was used).

Cost grows with the square of the accounts active per bin — the one signal that does — so this
signal does not go through the generic pair join (:func:`unmask.signals._window.pair_edges`):
an account has one event per bin, so a pair's co-actions, objects and weight are all the number
of bins they share, and the join streams straight into a count per pair (fixed-size aggregate
state, which the engine can spill) without materialising the matched rows. The evidence sample,
the median gap and the time span are then computed only for the pairs that significance keeps
(:func:`details`), not for the millions of candidate pairs.
"""

from __future__ import annotations

from typing import Any

import duckdb

from unmask.signals import Signal
from unmask.signals._common import T_EXPR

__all__ = ["SIGNAL", "compute", "details"]


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
    **_: Any,
) -> dict[str, Any]:
    """Edges between accounts that are repeatedly active in the same time bins.

    Writes ``out`` (the edge columns; ``evidence`` empty and ``median_dt_s``, ``first_at`` and
    ``last_at`` NULL until :func:`details` fills them for the kept pairs) as a view over staging
    tables that :func:`details` reads and then drops, and ``{out}_objects(obj, oid)``.

    Only pairs sharing at least ``min_shared`` bins are listed (the caller's keep rule cannot keep
    the others); the others still count in significance, as ``{out}_unlisted(n_shared, expected,
    c)``: how many pairs with each (co-active bins, expectation). The pair counts are aggregated in
    passes over slices of the accounts, each with at most about ``rows_per_pass`` matched
    (pair, bin) rows, so the aggregation's memory stays bounded whatever the data.
    """
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
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {out}__k AS SELECT e.* FROM {out}__ev e "
        f"JOIN {out}__bins b ON b.bin = e.bin WHERE b.m <= {cap}"
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
    passes = max(1, -(-int(matched) // int(rows_per_pass)))
    for i in range(passes):
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
    }


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
                 "max_matched_rows": 200_000_000},
                windowed=False, details=details)
