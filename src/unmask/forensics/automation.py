"""Automation per account, and the rule that tells benign declared automation from a farm's.

Why: regular inter-post times, flat 24-hour activity, seconds-level reactions and client switching
are traces of software. Automation is not guilt: a news aggregator or a scheduled poster is regular
too. The rule below calls automation *benign* when it looks declared (one client, own content or
links, few reposts) and the account is not in a coordinated group, and *coordinated* when it is.
Everything per account is one DuckDB query with window functions over the posts.
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

_SQL = """
WITH p AS (
  SELECT account_id, epoch(created_at) AS t, client, kind, post_id,
         second(created_at AT TIME ZONE 'UTC') AS sec, hour(created_at AT TIME ZONE 'UTC') AS h,
         coalesce(len(urls), 0) > 0 AS has_url,
         epoch(created_at) - lag(epoch(created_at)) OVER w AS gap,
         client IS DISTINCT FROM lag(client) OVER w AND lag(client) OVER w IS NOT NULL AS switched,
         coalesce(reposted_post_id, replied_post_id, quoted_post_id) AS target
  FROM {v} WINDOW w AS (PARTITION BY account_id ORDER BY created_at, post_id)),
gaps AS (
  SELECT account_id, count(*) AS n_gaps, mode(round(gap / 60)) AS modal_gap_min,
         count(*) FILTER (WHERE round(gap / 60) = mode_g) AS n_modal,
         -avg(ln(pb)) AS gap_entropy
  FROM (SELECT account_id, gap, mode(round(gap / 60)) OVER (PARTITION BY account_id) AS mode_g,
               count(*) OVER (PARTITION BY account_id, floor(log10(greatest(gap, 1)) * 4)) * 1.0
               / count(*) OVER (PARTITION BY account_id) AS pb
        FROM p WHERE gap IS NOT NULL)
  GROUP BY 1),
own AS (
  SELECT account_id, count(*) AS own_gaps, stddev_pop(g) / nullif(avg(g), 0) AS own_gap_cv
  FROM (SELECT account_id, t - lag(t) OVER (PARTITION BY account_id ORDER BY t, post_id) AS g
        FROM p WHERE kind = 'post') WHERE g IS NOT NULL GROUP BY 1),
hours AS (
  SELECT account_id, count(*) AS hours_covered, -sum(ph * ln(ph)) / ln(24) AS hour_entropy
  FROM (SELECT account_id, h, count(*) * 1.0 / sum(count(*)) OVER (PARTITION BY account_id) AS ph
        FROM p GROUP BY 1, 2) GROUP BY 1),
clients AS (
  SELECT account_id, count(DISTINCT client) AS clients, max(n) * 1.0 / sum(n) AS top_client_share,
         arg_max(client, n) AS top_client
  FROM (SELECT account_id, client, count(*) AS n FROM p GROUP BY 1, 2) GROUP BY 1),
react AS (
  SELECT p.account_id, count(*) AS reactions, median(p.t - epoch(o.created_at)) AS median_reaction_s,
         avg(CASE WHEN p.t - epoch(o.created_at) <= 10 THEN 1.0 ELSE 0.0 END) AS share_reactions_10s
  FROM p JOIN posts o ON o.post_id = p.target WHERE p.target IS NOT NULL GROUP BY 1)
SELECT p.account_id, count(*) AS posts,
       count(*) / greatest((max(t) - min(t)) / 86400.0, 1.0) AS posts_per_day,
       stddev_pop(gap) / nullif(avg(gap), 0) AS gap_cv, median(gap) AS median_gap_s,
       coalesce(any_value(o.own_gaps), 0) AS own_post_gaps, any_value(o.own_gap_cv) AS own_post_gap_cv,
       any_value(g.gap_entropy) AS gap_entropy, any_value(g.modal_gap_min) AS modal_gap_min,
       any_value(g.n_modal) * 1.0 / nullif(any_value(g.n_gaps), 0) AS modal_gap_share,
       any_value(hh.hours_covered) AS hours_covered, any_value(hh.hour_entropy) AS hour_entropy,
       avg(CASE WHEN sec = 0 THEN 1.0 ELSE 0.0 END) AS share_second_zero,
       any_value(c.clients) AS clients, any_value(c.top_client) AS top_client,
       any_value(c.top_client_share) AS top_client_share,
       count(*) FILTER (WHERE switched) * 1.0 / greatest(count(*) - 1, 1) AS client_switch_rate,
       avg(CASE WHEN kind = 'repost' THEN 1.0 ELSE 0.0 END) AS repost_share,
       avg(CASE WHEN kind = 'post' OR has_url THEN 1.0 ELSE 0.0 END) AS own_or_link_share,
       avg(CASE WHEN has_url THEN 1.0 ELSE 0.0 END) AS link_share,
       coalesce(any_value(r.reactions), 0) AS reactions, any_value(r.median_reaction_s) AS median_reaction_s,
       any_value(r.share_reactions_10s) AS share_reactions_10s
FROM p LEFT JOIN gaps g USING (account_id) LEFT JOIN hours hh USING (account_id)
       LEFT JOIN clients c USING (account_id) LEFT JOIN react r USING (account_id)
       LEFT JOIN own o USING (account_id)
GROUP BY p.account_id ORDER BY posts DESC
"""


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
    t = con.sql(_SQL.format(v=v)).to_arrow_table()
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
    t = t.append_column("verdict", pa.array(labels, pa.string()))
    t = t.append_column("reasons", pa.array(reasons, pa.string()))
    counts = {lab: int(pc.sum(pc.equal(t.column("verdict"), lab)).as_py() or 0) for lab in LABELS}
    summary: dict[str, Any] = {"analysis": "automation", "accounts": len(ids), "verdicts": counts,
                               "coordinated_given": len(coord)}
    gaps = con.sql(
        f"""SELECT account_id, floor(log10(greatest(gap, 1)) * 4) / 4 AS log10_gap_s, count(*) AS n FROM (
              SELECT account_id, epoch(created_at) - lag(epoch(created_at)) OVER (PARTITION BY account_id
                     ORDER BY created_at) AS gap FROM {v}) WHERE gap IS NOT NULL GROUP BY ALL ORDER BY 1, 2"""
    ).to_arrow_table()
    return Finding("automation", summary, t, {"gap_histogram": gaps})
