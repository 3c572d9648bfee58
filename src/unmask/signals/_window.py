"""The bucketed time join that every windowed signal shares.

An *events* table holds one row per (account, shared object, post, time). Two events are a match
when they are on the same object, by different accounts, and at most ``time_window`` seconds apart.
A naive band join on ``|t1 - t2| <= W`` is quadratic per object; instead every event gets a bucket
``b = floor(t / W)`` and is equi-joined to the events of the same object in buckets ``b-1, b, b+1``
(every pair within ``W`` seconds lies in neighbouring buckets), then filtered on ``|Δt| <= W``.

**Fan-out cap (documented, counted).** An (object, bucket) cell with more than ``max_bucket``
events (default 250 within one window-length bucket) — a viral post reposted by hundreds of
accounts a minute — is left out of the pair join: it would produce millions of pairs that each carry almost no information (and would not
pass significance, whose null model is fed an estimate of the pairs it would have produced). The
number of capped cells, objects and events is returned and recorded in the output's parameters.

With ``time_window=None`` ("same object, any time") the bucket is constant and the cap applies
per object. All SQL here is plain joins and aggregates so it can be transpiled to Spark SQL.
"""

from __future__ import annotations

from typing import Any

import duckdb

from unmask.engine import dialect

__all__ = ["EDGE_COLUMNS", "drop_relation", "pair_edges", "resolve_evidence", "volume_expectation", "volume_k"]

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
    max_bucket: int = 250,
    evidence: int = 5,
    min_shared: int = 1,
) -> dict[str, Any]:
    """Join ``events`` (account_id, obj, post_id, t DOUBLE seconds, ts) into account-pair edges.

    Writes table ``out`` with :data:`EDGE_COLUMNS` and ``{out}_objects(obj, oid)``, where

    - ``weight``: the larger, over the two accounts, of the number of the account's posts that
      matched a post of the other (coordination-network-toolkit's directed weight, symmetrised);
    - ``n_shared``: co-actions — the smaller of the two accounts' matched-post counts (the number
      of distinct shared objects when each account posts an object once; a hashtag block or text
      repeated in lockstep on several occasions counts each occasion);
    - ``n_objects``: distinct objects both accounts posted within the window;
    - ``symmetry``: smaller / larger of the two per-account matched-post counts (CooRTweet's
      edge symmetry score);
    - ``evidence``: up to ``evidence`` (oid, ta, tb) structs, earliest first — object numbers of
      ``{out}_objects`` and epoch seconds; :func:`resolve_evidence` turns them into
      (object, at_a, at_b) for the rows that are kept;
    - ``expected``: the null-model expectation of ``n_shared`` (see :func:`volume_expectation`).

    Pairs with ``n_shared < min_shared`` (they cannot be kept) are not listed in ``out`` but
    counted, for significance, in ``{out}_unlisted(n_shared, expected, c)`` (returned as
    ``stats["unlisted"]``).

    Returns counts (events, accounts, capped cells/objects/events, candidate pairs).
    """
    w = None if time_window is None else float(time_window)
    bucket = "CAST(0 AS BIGINT)" if w is None else f"CAST(floor(t / {w!r}) AS BIGINT)"
    # integer keys: the join and the aggregates run on BIGINTs, strings come back at the end.
    # aid follows account_id order, so aid_a < aid_b exactly when account_a < account_b.
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {out}__acc AS SELECT account_id, row_number() OVER (ORDER BY account_id) AS aid "
        f"FROM (SELECT DISTINCT account_id FROM {events}) d"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {out}_objects AS SELECT obj, row_number() OVER (ORDER BY obj) AS oid "
        f"FROM (SELECT DISTINCT obj FROM {events}) d"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {out}__ev AS "
        f"SELECT a.aid, o.oid, hash(e.post_id) AS pid, e.t, {bucket} AS b FROM {events} e "
        f"JOIN {out}__acc a ON a.account_id = e.account_id JOIN {out}_objects o ON o.obj = e.obj"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {out}__cap AS SELECT oid, b, count(*) AS m "
        f"FROM {out}__ev GROUP BY oid, b HAVING count(*) > {int(max_bucket)}"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {out}__k AS SELECT e.* FROM {out}__ev e "
        f"LEFT JOIN {out}__cap c ON e.oid = c.oid AND e.b = c.b WHERE c.oid IS NULL"
    )
    if w is None:
        join = f"FROM {out}__k e1 JOIN {out}__k e2 ON e2.oid = e1.oid"
        cond = ""
    else:
        # the three neighbour buckets are materialised as a column first: joined as an expression,
        # the planner may join on the object alone and filter afterwards — quadratic per object
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {out}__k3 AS SELECT k.*, k.b + s.d AS bj FROM {out}__k k "
            "CROSS JOIN (SELECT -1 AS d UNION ALL SELECT 0 UNION ALL SELECT 1) s"
        )
        join = f"FROM {out}__k3 e1 JOIN {out}__k e2 ON e2.oid = e1.oid AND e2.b = e1.bj"
        cond = f" AND abs(e1.t - e2.t) <= {w!r}"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {out}__m AS
        SELECT e1.aid AS a, e2.aid AS bb, e1.oid, e1.pid AS pa, e2.pid AS pb, abs(e1.t - e2.t) AS dt,
               e1.t AS ta, e2.t AS tb
        {join}
        WHERE e1.aid < e2.aid{cond}
        """
    )
    # Most pairs meet once. Fixed-size aggregates (count, min, max) over every matched row first;
    # the holistic ones (distinct counts, median, the top-k evidence sample) only over the rows of
    # pairs that met more than once — on millions of one-off pairs this is several times faster
    # and keeps memory flat.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {out}__g AS
        SELECT a, bb, count(*) AS nr, min(dt) AS dt1, min(oid) AS oid1, min(ta) AS ta1, min(tb) AS tb1,
               min(least(ta, tb)) AS first_t, max(greatest(ta, tb)) AS last_t
        FROM {out}__m GROUP BY a, bb
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {out}__mm AS
        SELECT m.* FROM {out}__m m JOIN (SELECT a, bb FROM {out}__g WHERE nr > 1) g ON g.a = m.a AND g.bb = m.bb
        """
    )
    # the evidence sample is a top-k by time (min_by with k; Spark: a row_number() cut)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {out}__raw AS
        SELECT a, bb, CAST(1 AS BIGINT) AS na, CAST(1 AS BIGINT) AS nb, CAST(1 AS BIGINT) AS n_objects,
               dt1 AS median_dt_s, first_t, last_t,
               [struct_pack(oid := oid1, ta := ta1, tb := tb1)] AS evidence
        FROM {out}__g WHERE nr = 1
        UNION ALL
        SELECT a, bb, count(DISTINCT pa) AS na, count(DISTINCT pb) AS nb,
               count(DISTINCT oid) AS n_objects, median(dt) AS median_dt_s,
               min(least(ta, tb)) AS first_t, max(greatest(ta, tb)) AS last_t,
               min_by(struct_pack(oid := oid, ta := ta, tb := tb),
                      struct_pack(t := least(ta, tb), o := oid, a := ta, b := tb), {int(evidence)}) AS evidence
        FROM {out}__mm GROUP BY a, bb
        """
    )
    stats = dict(
        zip(
            ("events", "accounts", "objects"),
            con.execute(
                f"SELECT count(*), count(DISTINCT aid), count(DISTINCT oid) FROM {out}__ev"
            ).fetchone(),
            strict=True,
        )
    )
    cells, cobj, cev, cpairs = con.execute(
        f"SELECT count(*), count(DISTINCT oid), coalesce(sum(m), 0), coalesce(sum(m * (m - 1) / 2), 0) "
        f"FROM {out}__cap"
    ).fetchone()
    stats.update(capped_cells=int(cells), capped_objects=int(cobj), capped_events=int(cev))
    volume_expectation(con, f"{out}__ev", f"{out}__raw", f"{out}__rawx", extra_pairs=float(cpairs))
    listed = "true"
    unlisted = 0
    if int(min_shared) > 1:
        listed = f"least(na, nb) >= {int(min_shared)}"
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {out}_unlisted AS SELECT least(na, nb) AS n_shared, expected, count(*) AS c "
            f"FROM {out}__rawx WHERE NOT ({listed}) GROUP BY least(na, nb), expected"
        )
        unlisted = con.execute(f"SELECT coalesce(sum(c), 0) FROM {out}_unlisted").fetchone()[0]
        stats["unlisted"] = f"{out}_unlisted"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {out} AS
        SELECT xa.account_id AS account_a, xb.account_id AS account_b, greatest(na, nb) AS weight,
               least(na, nb) AS n_shared, n_objects, CAST(median_dt_s AS DOUBLE) AS median_dt_s,
               to_timestamp(first_t) AS first_at, to_timestamp(last_t) AS last_at,
               CAST(least(na, nb) AS DOUBLE) / greatest(na, nb) AS symmetry, evidence, expected
        FROM {out}__rawx r JOIN {out}__acc xa ON xa.aid = r.a JOIN {out}__acc xb ON xb.aid = r.bb
        WHERE {listed}
        """
    )
    stats["listed_pairs"] = con.execute(f"SELECT count(*) FROM {out}").fetchone()[0]
    stats["candidate_pairs"] = int(stats["listed_pairs"]) + int(unlisted)
    for t in ("__acc", "__ev", "__cap", "__k", "__k3", "__m", "__g", "__mm", "__raw", "__rawx"):
        con.execute(f"DROP TABLE IF EXISTS {out}{t}")
    return stats


def resolve_evidence(con: duckdb.DuckDBPyConnection, table: str, objects: str, out: str, where: str = "true") -> None:
    """Write ``out`` = rows of ``table`` matching ``where`` with evidence as (object, at_a, at_b).

    Signals keep evidence as (object number, seconds, seconds) so that the pair aggregation never
    carries strings; only the rows that are kept get their object ids and times back. The pair
    (``account_a``, ``account_b``) is the row key (one row per pair); the evidence keeps its
    order, earliest first (the order the signals sampled it in: time, object, time a, time b).
    """
    con.execute(f"CREATE OR REPLACE TEMP TABLE {out}__kept AS SELECT * FROM {table} WHERE {where}")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {out}__evr AS
        SELECT u.account_a AS ka__, u.account_b AS kb__,
               list(struct_pack(object := o.obj, at_a := to_timestamp(u.x.ta), at_b := to_timestamp(u.x.tb))
                    ORDER BY least(u.x.ta, u.x.tb), u.x.oid, u.x.ta, u.x.tb) AS evidence
        FROM (SELECT account_a, account_b, unnest(evidence) AS x FROM {out}__kept) u
        JOIN {objects} o ON o.oid = u.x.oid
        GROUP BY u.account_a, u.account_b
        """
    )
    cols = ", ".join(f"k.{c}" for c in _columns(con, f"{out}__kept") if c != "evidence")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {out} AS
        SELECT {cols}, e.evidence FROM {out}__kept k
        JOIN {out}__evr e ON e.ka__ = k.account_a AND e.kb__ = k.account_b
        """
    )
    con.execute(f"DROP TABLE {out}__kept")
    con.execute(f"DROP TABLE {out}__evr")


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """Column names of ``table``, in order."""
    return [d[0] for d in con.execute(f"SELECT * FROM {table} LIMIT 0").description]


def volume_k(con: duckdb.DuckDBPyConnection, events: str, raw: str, *, extra_pairs: float = 0.0) -> float:
    """Write ``{raw}__vol(aid, n)`` (each account's events) and return the null model's ``K``.

    See :func:`volume_expectation` for the model; ``raw`` needs ``na`` and ``nb``.
    """
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {raw}__vol AS "
        f"SELECT aid, count(*) AS n FROM {events} GROUP BY aid"
    )
    big_n, sum_sq = con.execute(
        f"SELECT coalesce(sum(n), 0), coalesce(sum(n * n), 0) FROM {raw}__vol"
    ).fetchone()
    s = con.execute(f"SELECT coalesce(sum(least(na, nb)), 0) FROM {raw}").fetchone()[0]
    denom = float(big_n) ** 2 - float(sum_sq)
    return 2.0 * (float(s) + extra_pairs) / denom if denom > 0 else 0.0


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
    k = volume_k(con, events, raw, extra_pairs=extra_pairs)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {out} AS
        SELECT r.*, CAST(va.n AS DOUBLE) * vb.n * {k!r} AS expected
        FROM {raw} r JOIN {raw}__vol va ON va.aid = r.a JOIN {raw}__vol vb ON vb.aid = r.bb
        """
    )
    con.execute(f"DROP TABLE {raw}__vol")


def drop_relation(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Drop the temp table or view ``name`` if it exists (a signal may leave either)."""
    if dialect(con) == "duckdb" and con.execute(
        "SELECT count(*) FROM duckdb_views() WHERE view_name = ? AND temporary", [name]
    ).fetchone()[0]:
        con.execute(f"DROP VIEW {name}")
    else:
        con.execute(f"DROP TABLE IF EXISTS {name}")
