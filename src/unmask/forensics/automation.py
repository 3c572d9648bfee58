"""Automation per account, and the rule that tells benign declared automation from a farm's.

Why: regular inter-post times, flat 24-hour activity, seconds-level reactions and client switching
are traces of software. Automation is not guilt: a news aggregator or a scheduled poster is regular
too. The rule below calls automation *benign* when it looks declared (one client, own content or
links, few reposts) and the account is not in a coordinated group, and *coordinated* when it is.
Everything per account is DuckDB: one pass of window functions over the posts, then one query.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from unmask.forensics._common import Finding, scope

__all__ = ["LABELS", "automation"]

LABELS = ("not automated", "automated: benign (declared/scheduled)", "automated: in coordinated group",
          "automated: unexplained", "too few posts")

#: The group's posts, narrowed to what the features read.
_POSTS_SQL = """
CREATE OR REPLACE TEMP TABLE fx_auto_p AS
SELECT account_id, epoch(created_at) AS t, client, kind,
       second(created_at AT TIME ZONE 'UTC') AS sec, hour(created_at AT TIME ZONE 'UTC') AS h,
       coalesce(len(urls), 0) > 0 AS has_url, coalesce(reposted_post_id, replied_post_id, quoted_post_id) AS target
FROM {v}
"""

#: Every gap between an account's consecutive posts (``own``: between its consecutive own posts),
#: in a window over two narrow columns. Posts at the same instant differ by 0 s whichever comes
#: first, so ordering by time alone gives the same gaps as ordering by (time, post id).
_GAPS_SQL = """
CREATE OR REPLACE TEMP TABLE fx_auto_g AS
SELECT account_id, false AS own, t - lag(t) OVER (PARTITION BY account_id ORDER BY t) AS gap FROM fx_auto_p
UNION ALL
SELECT account_id, true, t - lag(t) OVER (PARTITION BY account_id ORDER BY t) FROM fx_auto_p WHERE kind = 'post'
"""

#: Client switches need the exact post order; only an account with two clients (or a client and
#: none) can switch at all, so only those are sorted (none, when a platform records no client).
_SWITCH_SQL = """
CREATE OR REPLACE TEMP TABLE fx_auto_sw AS
SELECT account_id, count(*) FILTER (WHERE client IS DISTINCT FROM prev AND prev IS NOT NULL) AS n_switched
FROM (SELECT account_id, client, lag(client) OVER (PARTITION BY account_id ORDER BY created_at, post_id) AS prev
      FROM {v} WHERE account_id IN (SELECT account_id FROM fx_auto_multi))
GROUP BY 1
"""

_SQL = """
WITH g AS NOT MATERIALIZED (SELECT account_id, gap FROM fx_auto_g WHERE NOT own AND gap IS NOT NULL),
gap_bins AS (SELECT account_id, floor(log10(greatest(gap, 1)) * 4) AS b, count(*) AS c FROM g GROUP BY 1, 2),
gap_mins AS (SELECT account_id, round(gap / 60) AS m, count(*) AS c FROM g GROUP BY 1, 2),
gaps AS (
  -- the modal gap: the most frequent whole minute, the shortest of equally frequent ones; entropy of
  -- the quarter-decade gap bins: the mean over gaps of -ln(share of the gap's bin), summed bin by bin
  -- in bin order (the same to the last digit on every run)
  SELECT m.account_id, m.n_gaps, m.modal_gap_min, m.n_modal, e.gap_entropy, d.median_gap_s
  FROM (SELECT account_id, CAST(sum(c) AS BIGINT) AS n_gaps, max(c) AS n_modal,
               -max(struct_pack(c := c, neg := -m)).neg AS modal_gap_min FROM gap_mins GROUP BY 1) m
  JOIN (SELECT account_id, -list_sum(list(c * ln(c / n) ORDER BY b)) / any_value(n) AS gap_entropy
        FROM (SELECT *, sum(c) OVER (PARTITION BY account_id) AS n FROM gap_bins) GROUP BY 1) e USING (account_id)
  JOIN (SELECT account_id, median(gap) AS median_gap_s FROM g GROUP BY 1) d USING (account_id)),
own AS (SELECT account_id, count(*) AS own_gaps FROM fx_auto_g WHERE own AND gap IS NOT NULL GROUP BY 1),
hours AS (
  SELECT account_id, count(*) AS hours_covered, -list_sum(list(ph * ln(ph) ORDER BY h)) / ln(24) AS hour_entropy
  FROM (SELECT account_id, h, count(*) * 1.0 / sum(count(*)) OVER (PARTITION BY account_id) AS ph
        FROM fx_auto_p GROUP BY 1, 2) GROUP BY 1),
clients AS (
  SELECT account_id, count(DISTINCT client) AS clients, max(n) * 1.0 / sum(n) AS top_client_share,
         first(client ORDER BY n DESC, client NULLS LAST) AS top_client
  FROM (SELECT account_id, client, count(*) AS n FROM fx_auto_p GROUP BY 1, 2) GROUP BY 1),
react AS (
  SELECT p.account_id, count(*) AS reactions, median(p.t - epoch(o.created_at)) AS median_reaction_s,
         avg(CASE WHEN p.t - epoch(o.created_at) <= 10 THEN 1.0 ELSE 0.0 END) AS share_reactions_10s
  FROM fx_auto_p p JOIN posts o ON o.post_id = p.target WHERE p.target IS NOT NULL GROUP BY 1),
a AS (
  SELECT account_id, count(*) AS posts, count(*) / greatest((max(t) - min(t)) / 86400.0, 1.0) AS posts_per_day,
         avg(CASE WHEN sec = 0 THEN 1.0 ELSE 0.0 END) AS share_second_zero,
         avg(CASE WHEN kind = 'repost' THEN 1.0 ELSE 0.0 END) AS repost_share,
         avg(CASE WHEN kind = 'post' OR has_url THEN 1.0 ELSE 0.0 END) AS own_or_link_share,
         avg(CASE WHEN has_url THEN 1.0 ELSE 0.0 END) AS link_share
  FROM fx_auto_p GROUP BY 1)
SELECT a.account_id, a.posts, a.posts_per_day, CAST(NULL AS DOUBLE) AS gap_cv, g.median_gap_s,
       coalesce(o.own_gaps, 0) AS own_post_gaps, CAST(NULL AS DOUBLE) AS own_post_gap_cv,
       g.gap_entropy, g.modal_gap_min, g.n_modal * 1.0 / nullif(g.n_gaps, 0) AS modal_gap_share,
       hh.hours_covered, hh.hour_entropy, a.share_second_zero, c.clients, c.top_client, c.top_client_share,
       coalesce(sw.n_switched, 0) * 1.0 / greatest(a.posts - 1, 1) AS client_switch_rate,
       a.repost_share, a.own_or_link_share, a.link_share,
       coalesce(r.reactions, 0) AS reactions, r.median_reaction_s, r.share_reactions_10s
FROM a LEFT JOIN gaps g USING (account_id) LEFT JOIN hours hh USING (account_id)
       LEFT JOIN clients c USING (account_id) LEFT JOIN react r USING (account_id)
       LEFT JOIN own o USING (account_id) LEFT JOIN fx_auto_sw sw USING (account_id)
ORDER BY a.posts DESC, a.account_id
"""


def _cvs(con: duckdb.DuckDBPyConnection, ids: pa.ChunkedArray) -> tuple[pa.Array, pa.Array]:
    """Coefficient of variation (population) of each account's gaps in ``fx_auto_g``, over all its posts
    and over its own posts, for the accounts of ``ids`` in their order.

    numpy over the gaps sorted by account and value: the same to the last digit on every run (an
    engine's parallel variance adds in whatever order its threads meet the rows).
    """
    con.register("fx_auto_ids", pa.table({"account_id": ids, "i": pa.array(np.arange(len(ids)), pa.int64())}))
    r = con.execute("SELECT 2 * i.i + CAST(g.own AS BIGINT) AS k, g.gap FROM fx_auto_g g "
                    "JOIN fx_auto_ids i USING (account_id) WHERE g.gap IS NOT NULL ORDER BY 1, 2").fetchnumpy()
    con.unregister("fx_auto_ids")
    k, g = np.asarray(r["k"], np.int64), np.asarray(r["gap"], float)
    out = np.full(2 * len(ids), np.nan)
    if len(g):
        starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
        n = np.diff(np.r_[starts, len(g)])
        mean = np.add.reduceat(g, starts) / n
        dev = g - np.repeat(mean, n)
        sd = np.sqrt(np.add.reduceat(dev * dev, starts) / n)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[k[starts]] = np.where(mean != 0, sd / mean, np.nan)
    every, own = out[0::2], out[1::2]
    return (pa.array(every, pa.float64(), mask=np.isnan(every)), pa.array(own, pa.float64(), mask=np.isnan(own)))


def automation(
    con: duckdb.DuckDBPyConnection,
    accounts: Sequence[str] | None = None,
    *,
    coordinated: Collection[str] | None = None,
    min_posts: int = 20,
) -> Finding:
    """Automation features and a verdict per account of ``accounts`` (all when None).

    ``coordinated``: ids found acting together by the coordination stage (e.g. a cluster's
    members); automation of those accounts is reported as automation inside a coordinated group.
    """
    v = scope(con, accounts)
    con.execute(_POSTS_SQL.format(v=v))
    con.execute(_GAPS_SQL)
    con.execute("CREATE OR REPLACE TEMP TABLE fx_auto_multi AS SELECT account_id FROM fx_auto_p GROUP BY 1 "
                "HAVING count(DISTINCT client) + CAST(count(client) < count(*) AS INT) >= 2")
    if con.execute("SELECT count(*) FROM fx_auto_multi").fetchall()[0][0]:
        con.execute(_SWITCH_SQL.format(v=v))
    else:
        con.execute("CREATE OR REPLACE TEMP TABLE fx_auto_sw AS "
                    "SELECT CAST(NULL AS VARCHAR) AS account_id, CAST(0 AS BIGINT) AS n_switched WHERE false")
    t = con.sql(_SQL).to_arrow_table()
    for col, cv in zip(("gap_cv", "own_post_gap_cv"), _cvs(con, t.column("account_id")), strict=True):
        t = t.set_column(t.column_names.index(col), col, cv)
    coord = set(map(str, coordinated or ()))
    d = {k: np.array(t.column(k).to_pylist(), dtype=float) for k in
         ("posts", "gap_cv", "modal_gap_share", "hour_entropy", "share_reactions_10s", "reactions",
          "top_client_share", "repost_share", "own_or_link_share", "posts_per_day", "share_second_zero",
         "own_post_gaps", "own_post_gap_cv")}
    d = {k: np.nan_to_num(x, nan=9.0 if k.endswith("gap_cv") else 0.0) for k, x in d.items()}
    # regular gaps over all posts, or over the account's own posts alone (a scheduler whose
    # timeline is interleaved with reposts of others at random times)
    regular = ((d["gap_cv"] < 0.35) | (d["modal_gap_share"] >= 0.5)
               | ((d["own_post_gap_cv"] < 0.35) & (d["own_post_gaps"] >= 20)))
    flat = (d["hour_entropy"] >= 0.97) & (d["posts"] >= 200) & (d["posts_per_day"] >= 24)
    fast = (d["share_reactions_10s"] >= 0.5) & (d["reactions"] >= 10)
    automated = regular | flat | fast
    declared = (d["top_client_share"] >= 0.95) & (d["repost_share"] <= 0.1) & (d["own_or_link_share"] >= 0.8)
    ids = t.column("account_id").to_pylist()
    in_coord = np.array([a in coord for a in ids], bool)
    labels, reasons = [], []
    for i in range(len(ids)):
        why = [w for w, f in (("regular gaps", regular[i]), ("flat 24h", flat[i]), ("fast reactions", fast[i])) if f]
        if d["posts"][i] < min_posts:
            lab = LABELS[4]
        elif not automated[i]:
            lab = LABELS[0]
        elif in_coord[i]:
            lab = LABELS[2]
        elif declared[i]:
            lab = LABELS[1]
        else:
            lab = LABELS[3]
        labels.append(lab)
        reasons.append(", ".join(why))
    t = t.append_column("automated", pa.array(automated & (d["posts"] >= min_posts)))
    t = t.append_column("in_coordinated_group", pa.array(in_coord))
    # declared/scheduled automation, whether or not the account is also in a coordinated group
    # (bots reading the same feed post the same links in lockstep: coordinated, and declared)
    t = t.append_column("declared", pa.array(automated & declared & (d["posts"] >= min_posts)))
    t = t.append_column("verdict", pa.array(labels, pa.string()))
    t = t.append_column("reasons", pa.array(reasons, pa.string()))
    counts = {lab: int(pc.sum(pc.equal(t.column("verdict"), lab)).as_py() or 0) for lab in LABELS}
    summary: dict[str, Any] = {"analysis": "automation", "accounts": len(ids), "verdicts": counts,
                               "coordinated_given": len(coord)}
    gaps = con.sql(
        """SELECT account_id, floor(log10(greatest(gap, 1)) * 4) / 4 AS log10_gap_s, count(*) AS n FROM fx_auto_g
           WHERE NOT own AND gap IS NOT NULL GROUP BY ALL ORDER BY 1, 2"""
    ).to_arrow_table()
    for tab in ("fx_auto_p", "fx_auto_g", "fx_auto_multi", "fx_auto_sw"):
        con.execute(f"DROP TABLE {tab}")
    return Finding("automation", summary, t, {"gap_histogram": gaps})
