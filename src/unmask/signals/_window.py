"""The bucketed time join that every windowed signal shares.

An *events* table holds one row per (account, shared object, post, time). Two events are a match
when they are on the same object, by different accounts, and at most ``time_window`` seconds apart.
A naive band join on ``|t1 - t2| <= W`` is quadratic per object; instead every event gets a bucket
``b = floor(t / W)`` and is equi-joined to the events of the same object in buckets ``b-1, b, b+1``
(every pair within ``W`` seconds lies in neighbouring buckets), then filtered on ``|Δt| <= W``.

**Fan-out cap (documented, counted).** An (object, bucket) cell with more than ``max_bucket``
events — a viral post reposted by thousands of accounts in one minute — is left out of the pair
join: it would produce millions of pairs that each carry almost no information (and would not
pass significance, whose null model is fed an estimate of the pairs it would have produced). The
number of capped cells, objects and events is returned and recorded in the output's parameters.

With ``time_window=None`` ("same object, any time") the bucket is constant and the cap applies
per object. All SQL here is plain joins and aggregates so it can be transpiled to Spark SQL.
"""

from __future__ import annotations

from typing import Any

import duckdb

__all__ = ["EDGE_COLUMNS", "pair_edges", "volume_expectation"]

#: Columns of every raw signal edge table (before significance adds p_value and q_value).
EDGE_COLUMNS = (
    "account_a", "account_b", "weight", "n_shared", "n_objects", "median_dt_s", "first_at", "last_at",
    "symmetry", "evidence", "expected",
)


def pair_edges(
    con: duckdb.DuckDBPyConnection,
    events: str,
    out: str,
    *,
    time_window: float | None,
    max_bucket: int = 1000,
    evidence: int = 5,
) -> dict[str, Any]:
    """Join ``events`` (account_id, obj, post_id, t DOUBLE seconds, ts) into account-pair edges.

    Writes table ``out`` with :data:`EDGE_COLUMNS` where

    - ``weight``: the larger, over the two accounts, of the number of the account's posts that
      matched a post of the other (coordination-network-toolkit's directed weight, symmetrised);
    - ``n_shared``: co-actions — the smaller of the two accounts' matched-post counts (the number
      of distinct shared objects when each account posts an object once; a hashtag block or text
      repeated in lockstep on several occasions counts each occasion);
    - ``n_objects``: distinct objects both accounts posted within the window;
    - ``symmetry``: smaller / larger of the two per-account matched-post counts (CooRTweet's
      edge symmetry score);
    - ``evidence``: up to ``evidence`` (object, at_a, at_b) structs, earliest first;
    - ``expected``: the null-model expectation of ``n_shared`` (see :func:`volume_expectation`).

    Returns counts (events, accounts, capped cells/objects/events, candidate pairs).
    """
    w = None if time_window is None else float(time_window)
    bucket = "CAST(0 AS BIGINT)" if w is None else f"CAST(floor(t / {w!r}) AS BIGINT)"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {out}__ev AS "
        f"SELECT account_id, obj, post_id, t, ts, {bucket} AS b FROM {events}"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {out}__cap AS SELECT obj, b, count(*) AS m "
        f"FROM {out}__ev GROUP BY obj, b HAVING count(*) > {int(max_bucket)}"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {out}__k AS SELECT e.* FROM {out}__ev e "
        f"LEFT JOIN {out}__cap c ON e.obj = c.obj AND e.b = c.b WHERE c.obj IS NULL"
    )
    if w is None:
        join = f"FROM {out}__k e1 JOIN {out}__k e2 ON e2.obj = e1.obj"
        cond = ""
    else:
        join = (
            f"FROM {out}__k e1 CROSS JOIN (SELECT -1 AS d UNION ALL SELECT 0 UNION ALL SELECT 1) s "
            f"JOIN {out}__k e2 ON e2.obj = e1.obj AND e2.b = e1.b + s.d"
        )
        cond = f" AND abs(e1.t - e2.t) <= {w!r}"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {out}__raw AS
        SELECT e1.account_id AS account_a, e2.account_id AS account_b,
               count(DISTINCT e1.post_id) AS na, count(DISTINCT e2.post_id) AS nb,
               count(DISTINCT e1.obj) AS n_objects,
               median(abs(e1.t - e2.t)) AS median_dt_s,
               min(least(e1.ts, e2.ts)) AS first_at,
               max(greatest(e1.ts, e2.ts)) AS last_at,
               list(struct_pack(object := e1.obj, at_a := e1.ts, at_b := e2.ts)
                    ORDER BY least(e1.ts, e2.ts), e1.obj, e1.ts, e2.ts)[1:{int(evidence)}] AS evidence
        {join}
        WHERE e1.account_id < e2.account_id{cond}
        GROUP BY e1.account_id, e2.account_id
        """
    )
    stats = dict(
        zip(
            ("events", "accounts", "objects"),
            con.execute(
                f"SELECT count(*), count(DISTINCT account_id), count(DISTINCT obj) FROM {out}__ev"
            ).fetchone(),
            strict=True,
        )
    )
    cells, cobj, cev, cpairs = con.execute(
        f"SELECT count(*), count(DISTINCT obj), coalesce(sum(m), 0), coalesce(sum(m * (m - 1) / 2), 0) "
        f"FROM {out}__cap"
    ).fetchone()
    stats.update(capped_cells=int(cells), capped_objects=int(cobj), capped_events=int(cev))
    volume_expectation(con, f"{out}__ev", f"{out}__raw", f"{out}__rawx", extra_pairs=float(cpairs))
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {out} AS
        SELECT account_a, account_b, greatest(na, nb) AS weight, least(na, nb) AS n_shared, n_objects,
               CAST(median_dt_s AS DOUBLE) AS median_dt_s, first_at, last_at,
               CAST(least(na, nb) AS DOUBLE) / greatest(na, nb) AS symmetry, evidence, expected
        FROM {out}__rawx
        """
    )
    stats["candidate_pairs"] = con.execute(f"SELECT count(*) FROM {out}").fetchone()[0]
    for t in ("__ev", "__cap", "__k", "__raw", "__rawx"):
        con.execute(f"DROP TABLE IF EXISTS {out}{t}")
    return stats


def volume_expectation(
    con: duckdb.DuckDBPyConnection, events: str, raw: str, out: str, *, extra_pairs: float = 0.0
) -> None:
    """Write ``out`` = pair table ``raw`` plus ``expected``, the null-model mean of ``n_shared``.

    Null model: each account keeps its volume ``n_a`` (its events — posts — in this signal);
    objects keep their popularity and timing; accounts pick objects independently. Then the mean
    number of objects two accounts share within the window is ``n_a * n_b * K`` with
    ``K = Σ_o π_o² f_o`` (π_o the object's share of events, f_o the fraction of its event pairs
    that fall inside the window), which is estimated from the data as
    ``K = 2 S / (N² - Σ n_a²)``: ``S`` the observed number of (pair, object) co-shares (plus an
    estimate for fan-out-capped cells), ``N = Σ n_a``. Popular objects and bursts therefore raise
    every pair's expectation, so a viral swarm's one-off co-shares are unsurprising.
    """
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {raw}__vol AS "
        f"SELECT account_id, count(*) AS n FROM {events} GROUP BY account_id"
    )
    big_n, sum_sq = con.execute(
        f"SELECT coalesce(sum(n), 0), coalesce(sum(n * n), 0) FROM {raw}__vol"
    ).fetchone()
    s = con.execute(f"SELECT coalesce(sum(least(na, nb)), 0) FROM {raw}").fetchone()[0]
    denom = float(big_n) ** 2 - float(sum_sq)
    k = 2.0 * (float(s) + extra_pairs) / denom if denom > 0 else 0.0
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {out} AS
        SELECT r.*, CAST(va.n AS DOUBLE) * vb.n * {k!r} AS expected
        FROM {raw} r JOIN {raw}__vol va ON va.account_id = r.account_a
                     JOIN {raw}__vol vb ON vb.account_id = r.account_b
        """
    )
    con.execute(f"DROP TABLE {raw}__vol")
