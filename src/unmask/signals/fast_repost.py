"""``fast_repost``: reposting posts within ``fast_seconds`` of their publication, repeatedly.

A fast repost is a repost made at most ``fast_seconds`` (default 10) after the original, whose
time is known only when the original is in the data. Two kinds of edges come out of it:

- reposter — original author: ``n_shared`` = distinct posts of the author the reposter
  fast-reposted; null expectation ``n_r · m_b / N`` (the reposter's fast reposts times the author's
  share of all fast reposts);
- reposter — reposter: both fast-reposted the same post (the windowed pair join on the original
  post id, window = ``fast_seconds``), with the usual volume null.
"""

from __future__ import annotations

from typing import Any

import duckdb

from unmask.signals import Signal
from unmask.signals._common import T_EXPR
from unmask.signals._window import pair_edges

__all__ = ["SIGNAL", "compute"]


def compute(
    con: duckdb.DuckDBPyConnection,
    out: str,
    *,
    fast_seconds: float = 10,
    max_bucket: int = 250,
    evidence: int = 5,
    **_: Any,
) -> dict[str, Any]:
    """Reposter–author and reposter–reposter edges from fast reposts."""
    fs = float(fast_seconds)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {out}__fr AS
        SELECT r.account_id, r.reposted_post_id AS obj, r.post_id, r.t, o.account_id AS author, o.t AS t_o
        FROM (SELECT platform, account_id, reposted_post_id, post_id, {T_EXPR} AS t
              FROM posts WHERE kind = 'repost' AND reposted_post_id IS NOT NULL) r
        JOIN (SELECT platform, post_id, account_id, {T_EXPR} AS t FROM posts) o
          ON o.platform = r.platform AND o.post_id = r.reposted_post_id
        WHERE r.t - o.t >= 0 AND r.t - o.t <= {fs!r} AND r.account_id <> o.account_id
        """
    )
    # every fast-reposted post is numbered: the reposter-author edges below take evidence from all of them
    stats = pair_edges(con, f"{out}__fr", f"{out}__rr", time_window=fs, max_bucket=max_bucket, evidence=evidence,
                       all_objects=True)
    n_total = con.execute(f"SELECT count(*) FROM {out}__fr").fetchone()[0]
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {out}__ra AS
        WITH x AS (
            SELECT least(f.account_id, f.author) AS account_a, greatest(f.account_id, f.author) AS account_b,
                   f.account_id AS reposter, f.author, ob.oid, f.t - f.t_o AS dt,
                   CASE WHEN f.account_id < f.author THEN f.t ELSE f.t_o END AS ta,
                   CASE WHEN f.account_id < f.author THEN f.t_o ELSE f.t END AS tb, f.t_o, f.t
            FROM {out}__fr f JOIN {out}__rr_objects ob ON ob.obj = f.obj),
        nr AS (SELECT account_id, count(*) AS n FROM {out}__fr GROUP BY account_id),
        mb AS (SELECT author, count(*) AS m FROM {out}__fr GROUP BY author)
        SELECT x.account_a, x.account_b, count(*) AS weight, count(DISTINCT x.oid) AS n_shared,
               count(DISTINCT x.oid) AS n_objects,
               CAST(median(x.dt) AS DOUBLE) AS median_dt_s, to_timestamp(min(x.t_o)) AS first_at,
               to_timestamp(max(x.t)) AS last_at, CAST(NULL AS DOUBLE) AS symmetry,
               min_by(struct_pack(oid := x.oid, ta := x.ta, tb := x.tb),
                      struct_pack(t := x.t_o, o := x.oid, a := x.ta, b := x.tb), {int(evidence)}) AS evidence,
               CAST(min(nr.n) AS DOUBLE) * min(mb.m) / {max(n_total, 1)} AS expected
        FROM x JOIN nr ON nr.account_id = x.reposter JOIN mb ON mb.author = x.author
        GROUP BY x.account_a, x.account_b, x.reposter, x.author
        """
    )
    # a pair can appear in both directions (each fast-reposting the other) and as co-reposters:
    # keep the strongest row per pair so the table stays one row per unordered pair.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {out} AS
        SELECT account_a, account_b, weight, n_shared, n_objects, median_dt_s, first_at, last_at, symmetry,
               evidence, expected FROM (
            SELECT *, row_number() OVER (PARTITION BY account_a, account_b
                                         ORDER BY n_shared DESC, expected ASC, weight DESC) AS rn
            FROM (SELECT * FROM {out}__ra UNION ALL SELECT * FROM {out}__rr) u) z
        WHERE rn = 1
        """
    )
    stats["fast_reposts"] = int(n_total)
    stats["accounts"] = con.execute(
        f"SELECT count(*) FROM (SELECT account_id FROM {out}__fr UNION SELECT author FROM {out}__fr) u"
    ).fetchone()[0]
    stats["reposter_author_pairs"] = con.execute(f"SELECT count(*) FROM {out}__ra").fetchone()[0]
    stats["candidate_pairs"] = con.execute(f"SELECT count(*) FROM {out}").fetchone()[0]
    con.execute(f"CREATE OR REPLACE TEMP TABLE {out}_objects AS SELECT * FROM {out}__rr_objects")
    for s in ("__fr", "__rr", "__ra", "__rr_objects"):
        con.execute(f"DROP TABLE {out}{s}")
    return stats


SIGNAL = Signal("fast_repost", "repeatedly reposted posts within seconds of publication (reposter-author "
                "and reposter-reposter pairs)", compute, {"fast_seconds": 10}, windowed=False)
