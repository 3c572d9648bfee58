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

__all__ = [
    "EDGE_COLUMNS", "drop_relation", "null_k", "pair_edges", "resolve_evidence", "volume_expectation", "volume_k",
]

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
    all_objects: bool = False,
) -> dict[str, Any]:
    """Join ``events`` (account_id, obj, post_id, t DOUBLE seconds, ts) into account-pair edges.

    Writes table ``out`` with :data:`EDGE_COLUMNS` and ``{out}_objects``, where

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

    ``{out}_objects(obj, oid, c)`` lists the objects posted more than once (the only ones that
    can appear in evidence), or every object with ``all_objects``; ``c`` counts the object's events.

    Returns counts (events, accounts, objects, capped cells/objects/events, candidate pairs).
    """
    w = None if time_window is None else float(time_window)
    bucket = "CAST(0 AS BIGINT)" if w is None else f"CAST(floor(t / {w!r}) AS BIGINT)"
    mb, k_ev, ms = int(max_bucket), int(evidence), int(min_shared)
    valid = "account_id IS NOT NULL AND obj IS NOT NULL"
    # integer keys: the join and the aggregates run on BIGINTs, strings come back at the end.
    # aid follows account_id order, so aid_a < aid_b exactly when account_a < account_b; n is the
    # account's volume (its events) for the null model.
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {out}__acc AS SELECT account_id, row_number() OVER (ORDER BY account_id) AS aid, n "
        f"FROM (SELECT account_id, count(*) AS n FROM {events} WHERE {valid} GROUP BY account_id) d"
    )
    # An object posted once can neither match nor fill a capped cell (max_bucket >= 1): only the
    # others are numbered (oid follows obj order: the evidence's tie-break) and go to the join.
    prune = mb >= 1 and not all_objects
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {out}__oc AS SELECT obj, count(*) AS c FROM {events} WHERE {valid} "
        f"GROUP BY obj{' HAVING count(*) > 1' if prune else ''}"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {out}_objects AS SELECT obj, row_number() OVER (ORDER BY obj) AS oid, c "
        f"FROM {out}__oc"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {out}__ev AS "
        f"SELECT a.aid, o.oid, hash(e.post_id) AS pid, e.t, {bucket} AS b, {bucket} + 1 AS b1 FROM {events} e "
        f"JOIN {out}_objects o ON o.obj = e.obj JOIN {out}__acc a ON a.account_id = e.account_id"
    )
    stats: dict[str, Any] = {}
    n_acc, big_n, sum_sq = con.execute(
        f"SELECT count(*), coalesce(sum(n), 0), coalesce(sum(n * n), 0) FROM {out}__acc"
    ).fetchone()
    n_obj, in_obj, top = con.execute(f"SELECT count(*), coalesce(sum(c), 0), coalesce(max(c), 0) FROM {out}__oc").fetchone()
    # the objects left out were posted once each
    stats.update(events=int(big_n), accounts=int(n_acc), objects=int(n_obj) + int(big_n) - int(in_obj))
    cells = cobj = cev = cpairs = 0
    if int(top) > mb:  # else no cell can be over the cap (a cell holds events of one object)
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {out}__cap AS SELECT oid, b, count(*) AS m FROM {out}__ev "
            f"WHERE oid IN (SELECT oid FROM {out}_objects WHERE c > {mb}) GROUP BY oid, b HAVING count(*) > {mb}"
        )
        cells, cobj, cev, cpairs = con.execute(
            f"SELECT count(*), count(DISTINCT oid), coalesce(sum(m), 0), coalesce(sum(m * (m - 1) / 2), 0) "
            f"FROM {out}__cap"
        ).fetchone()
    stats.update(capped_cells=int(cells), capped_objects=int(cobj), capped_events=int(cev))
    kept = f"{out}__ev"
    if int(cells):
        kept = f"{out}__k"
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {kept} AS SELECT e.* FROM {out}__ev e "
            f"LEFT JOIN {out}__cap c ON e.oid = c.oid AND e.b = c.b WHERE c.oid IS NULL"
        )
    cols = "e1.oid, {} AS pa, {} AS pb, abs(e1.t - e2.t) AS dt, {} AS ta, {} AS tb"
    # same bucket (or no window): each event pair once, oriented by account
    matches = (
        f"SELECT e1.aid AS a, e2.aid AS bb, {cols.format('e1.pid', 'e2.pid', 'e1.t', 'e2.t')} "
        f"FROM {kept} e1 JOIN {kept} e2 ON e2.oid = e1.oid AND e2.b = e1.b WHERE e1.aid < e2.aid"
    )
    if w is not None:
        # and the next bucket (every pair within W seconds lies in the same or neighbouring
        # buckets): each event pair once, in time order, then oriented. The neighbour is a stored
        # column: joined as an expression, the planner may join on the object alone — quadratic
        # per object.
        first = "CASE WHEN e1.aid < e2.aid THEN e1.{c} ELSE e2.{c} END"
        second = "CASE WHEN e1.aid < e2.aid THEN e2.{c} ELSE e1.{c} END"
        matches = (
            f"{matches} AND abs(e1.t - e2.t) <= {w!r} UNION ALL "
            f"SELECT least(e1.aid, e2.aid) AS a, greatest(e1.aid, e2.aid) AS bb, "
            f"{cols.format(*(x.format(c=c) for x, c in ((first, 'pid'), (second, 'pid'), (first, 't'), (second, 't'))))} "
            f"FROM {kept} e1 JOIN {kept} e2 ON e2.oid = e1.oid AND e2.b = e1.b1 "
            f"WHERE e1.aid <> e2.aid AND abs(e1.t - e2.t) <= {w!r}"
        )
    con.execute(f"CREATE OR REPLACE TEMP TABLE {out}__m AS {matches}")
    # Most pairs meet once. Fixed-size aggregates (count, min, max) over every matched row first;
    # the holistic ones (distinct counts, median, the top-k evidence sample) only over the rows of
    # pairs that met more than once — on millions of one-off pairs this is several times faster
    # and keeps memory flat. A one-off pair has n_shared = 1: when that cannot be kept
    # (min_shared > 1) it is only counted.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {out}__g AS
        SELECT a, bb, count(*) AS nr, min(dt) AS dt1, min(oid) AS oid1, min(ta) AS ta1, min(tb) AS tb1,
               min(least(ta, tb)) AS first_t, max(greatest(ta, tb)) AS last_t
        FROM {out}__m GROUP BY a, bb
        """
    )
    # the evidence sample is a top-k by time (min_by with k; Spark: a row_number() cut)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {out}__h AS
        SELECT m.a, m.bb, count(DISTINCT m.pa) AS na, count(DISTINCT m.pb) AS nb,
               count(DISTINCT m.oid) AS n_objects, median(m.dt) AS median_dt_s,
               min(least(m.ta, m.tb)) AS first_t, max(greatest(m.ta, m.tb)) AS last_t,
               min_by(struct_pack(oid := m.oid, ta := m.ta, tb := m.tb),
                      struct_pack(t := least(m.ta, m.tb), o := m.oid, a := m.ta, b := m.tb), {k_ev}) AS evidence
        FROM {out}__m m JOIN (SELECT a, bb FROM {out}__g WHERE nr > 1) g ON g.a = m.a AND g.bb = m.bb
        GROUP BY m.a, m.bb
        """
    )
    # K of the null model (volume_expectation): S counts every pair's co-shares, one-off pairs too
    s_multi = con.execute(f"SELECT coalesce(sum(least(na, nb)), 0) FROM {out}__h").fetchone()[0]
    n_single = con.execute(f"SELECT count(*) FROM {out}__g WHERE nr = 1").fetchone()[0]
    k = null_k(int(n_single) + int(s_multi), big_n, sum_sq, extra_pairs=float(cpairs))
    expected = f"CAST(xa.n AS DOUBLE) * xb.n * {k!r} AS expected"
    pairs = f"JOIN {out}__acc xa ON xa.aid = r.a JOIN {out}__acc xb ON xb.aid = r.bb"
    single = (
        f"SELECT a, bb, CAST(1 AS BIGINT) AS na, CAST(1 AS BIGINT) AS nb, CAST(1 AS BIGINT) AS n_objects, "
        f"dt1 AS median_dt_s, first_t, last_t, [struct_pack(oid := oid1, ta := ta1, tb := tb1)] AS evidence "
        f"FROM {out}__g WHERE nr = 1"
    )
    multi = f"SELECT a, bb, na, nb, n_objects, median_dt_s, first_t, last_t, evidence FROM {out}__h"
    unlisted = 0
    if ms > 1:
        # one-off pairs (n_shared = 1) and multi pairs below min_shared: counted for significance only
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE {out}_unlisted AS
            SELECT n_shared, expected, count(*) AS c FROM (
                SELECT CAST(1 AS BIGINT) AS n_shared, {expected} FROM {out}__g r {pairs} WHERE r.nr = 1
                UNION ALL
                SELECT least(r.na, r.nb) AS n_shared, {expected} FROM {out}__h r {pairs}
                WHERE least(r.na, r.nb) < {ms}) u
            GROUP BY n_shared, expected
            """
        )
        unlisted = con.execute(f"SELECT coalesce(sum(c), 0) FROM {out}_unlisted").fetchone()[0]
        stats["unlisted"] = f"{out}_unlisted"
        raw = f"{multi} WHERE least(na, nb) >= {ms}"
    else:
        raw = f"{single} UNION ALL {multi}"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {out} AS
        SELECT xa.account_id AS account_a, xb.account_id AS account_b, greatest(r.na, r.nb) AS weight,
               least(r.na, r.nb) AS n_shared, r.n_objects, CAST(r.median_dt_s AS DOUBLE) AS median_dt_s,
               to_timestamp(r.first_t) AS first_at, to_timestamp(r.last_t) AS last_at,
               CAST(least(r.na, r.nb) AS DOUBLE) / greatest(r.na, r.nb) AS symmetry, r.evidence, {expected}
        FROM ({raw}) r {pairs}
        """
    )
    stats["listed_pairs"] = con.execute(f"SELECT count(*) FROM {out}").fetchone()[0]
    stats["candidate_pairs"] = int(stats["listed_pairs"]) + int(unlisted)
    for t in ("__acc", "__oc", "__ev", "__cap", "__k", "__m", "__g", "__h"):
        con.execute(f"DROP TABLE IF EXISTS {out}{t}")
    return stats


#: Longest evidence list resolved by per-position lookups; longer lists are regrouped instead.
_POSITIONAL_EVIDENCE = 8


def resolve_evidence(con: duckdb.DuckDBPyConnection, table: str, objects: str, out: str, where: str = "true") -> None:
    """Write ``out`` = rows of ``table`` matching ``where`` with evidence as (object, at_a, at_b).

    Signals keep evidence as (object number, seconds, seconds) so that the pair aggregation never
    carries strings; only the rows that are kept get their object ids and times back. The pair
    (``account_a``, ``account_b``) is the row key (one row per pair); the evidence keeps its
    order, earliest first (the order the signals sampled it in: time, object, time a, time b).
    Rows without evidence are left out.
    """
    kept = f"(SELECT * FROM {table} WHERE {where})" if where.strip().lower() != "true" else table
    cols = ", ".join(f"k.{c}" for c in _columns(con, table) if c != "evidence")
    n = int(con.execute(f"SELECT coalesce(max(array_length(evidence)), 0) FROM {kept} k").fetchone()[0])
    if 0 < n <= _POSITIONAL_EVIDENCE:
        # a short list: position i looks its object up by a join (no regrouping of the rows)
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {out}__obj AS SELECT o.oid, o.obj FROM {objects} o JOIN "
            f"(SELECT DISTINCT x.oid FROM (SELECT unnest(evidence) AS x FROM {kept} k) u) n ON n.oid = o.oid"
        )
        # the lookups run on a narrow (pair, object numbers) table, then join the rows back by pair
        rng = range(1, n + 1)
        at = "CASE WHEN array_length(k.evidence) >= {i} THEN k.evidence[{i}].oid END AS i{i}"
        item = ("CASE WHEN array_length(k.evidence) >= {i} THEN struct_pack(object := s.s{i}, "
                "at_a := to_timestamp(k.evidence[{i}].ta), at_b := to_timestamp(k.evidence[{i}].tb)) END")
        looked = (
            f"SELECT k.account_a, k.account_b, {', '.join(f'o{i}.obj AS s{i}' for i in rng)} "
            f"FROM (SELECT k.account_a, k.account_b, {', '.join(at.format(i=i) for i in rng)} FROM {kept} k) k "
            + " ".join(f"LEFT JOIN {out}__obj o{i} ON o{i}.oid = k.i{i}" for i in rng)
        )
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {out} AS SELECT {cols}, "
            f"[{', '.join(item.format(i=i) for i in rng)}][1:array_length(k.evidence)] AS evidence "
            f"FROM {kept} k JOIN ({looked}) s ON s.account_a = k.account_a AND s.account_b = k.account_b "
            "WHERE array_length(k.evidence) >= 1"
        )
        con.execute(f"DROP TABLE {out}__obj")
        return
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {out}__evr AS
        SELECT u.account_a AS ka__, u.account_b AS kb__,
               list(struct_pack(object := o.obj, at_a := to_timestamp(u.x.ta), at_b := to_timestamp(u.x.tb))
                    ORDER BY least(u.x.ta, u.x.tb), u.x.oid, u.x.ta, u.x.tb) AS evidence
        FROM (SELECT account_a, account_b, unnest(evidence) AS x FROM {kept} k) u
        JOIN {objects} o ON o.oid = u.x.oid
        GROUP BY u.account_a, u.account_b
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {out} AS
        SELECT {cols}, e.evidence FROM {kept} k
        JOIN {out}__evr e ON e.ka__ = k.account_a AND e.kb__ = k.account_b
        """
    )
    con.execute(f"DROP TABLE {out}__evr")


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """Column names of ``table``, in order."""
    return [d[0] for d in con.execute(f"SELECT * FROM {table} LIMIT 0").description]


def null_k(s: float, big_n: float, sum_sq: float, *, extra_pairs: float = 0.0) -> float:
    """The null model's ``K = 2 (S + extra) / (N² - Σ n_a²)`` (0 when there is no pair)."""
    denom = float(big_n) ** 2 - float(sum_sq)
    return 2.0 * (float(s) + extra_pairs) / denom if denom > 0 else 0.0


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
    return null_k(s, big_n, sum_sq, extra_pairs=extra_pairs)


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
    try:
        con.execute(f"DROP TABLE IF EXISTS {name}")
    except duckdb.CatalogException:  # DuckDB: the name is a view
        con.execute(f"DROP VIEW {name}")
