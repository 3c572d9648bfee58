"""Per-account features behind the verdict: coordination, behaviour, profile, cluster forensics.

Every feature is a number in [0, 1] oriented so that *higher means more suspicious* (``sign = +1``)
or, for the few organic indicators, *higher means more likely benign* (``sign = -1``). The score
(:mod:`unmask.verdict.model`) is a logistic combination whose weights are constrained to these
signs, so the score is monotone in every feature: more evidence never lowers it.

The features are computed in one SQL statement over the dataset views (``posts``, ``accounts``) and
the tables that detect registers: ``d_edges`` (significant signal edges), ``d_members`` (cluster
membership), ``d_auto`` (automation per account), ``d_prof`` (profile bot score) and ``d_cfx``
(per-cluster forensic headline), ``d_cburst`` (accounts inside a cluster's creation burst),
``d_cpattern`` (accounts sharing a profile pattern that is significant in their cluster) and
``d_tzacc`` (claimed location against the cluster's operator offset).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

__all__ = ["CONTENT_SIGNAL_GROUPS", "FEATURES", "Feature", "account_features"]


@dataclass(frozen=True)
class Feature:
    """A model input: ``sql`` (over the columns of ``d_raw``) gives a value in [0, 1]."""

    name: str
    sql: str
    sign: int
    description: str


#: Content signals by kind of co-action (sync_activity is kept apart: it is timing only).
CONTENT_SIGNAL_GROUPS: dict[str, tuple[str, ...]] = {
    "repost": ("co_repost", "fast_repost", "co_reply", "co_quote"),
    "template": ("co_text_near", "co_hashtag_sequence"),
    "copy": ("co_text",),
    "link": ("co_link", "co_domain"),
}


def _partners(col: str) -> str:
    return f"least(ln(1 + {col}) / ln(11), 1.0)"


FEATURES: tuple[Feature, ...] = (
    Feature("coord_strength", "least(-log10(greatest(coalesce(best_q, 1), 1e-30)) / 30, 1.0)", 1,
            "how far the account's strongest content link (not timing alone) is from chance: -log10 q / 30"),
    Feature("coord_partners", _partners("content_partners"), 1,
            "accounts it shares a significant content link with (log scale: 1 partner = 0.29, 10 or more = 1)"),
    Feature("repost_partners", _partners("n_repost_partners"), 1,
            "partners in co-reposting, fast reposting, co-replying or co-quoting"),
    Feature("template_partners", _partners("n_template_partners"), 1,
            "partners posting near-identical but edited (templated) text or the same ordered hashtag sequence, "
            "without ever posting identical text"),
    Feature("copy_partners", _partners("n_copy_partners"), 1, "partners posting identical text"),
    Feature("link_partners", _partners("n_link_partners"), 1, "partners sharing the same links or domains"),
    Feature("sync_partners", _partners("n_sync_partners"), 1,
            "partners active in the same time bins far more often than chance (timing only)"),
    Feature("fast_share", "coalesce(fast_edge_share, 0)", 1,
            "share of its content links whose median time gap is 10 s or less"),
    Feature("in_creation_burst", "CASE WHEN in_burst THEN 1.0 ELSE 0.0 END", 1,
            "created inside a creation burst of its cluster (scan statistic p <= 0.01)"),
    Feature("digit_handle", "CASE WHEN handle_pattern THEN 1.0 ELSE 0.0 END", 1,
            "handle is a name followed by 8 digits, in a cluster where that pattern is far more common than "
            "in the background (p <= 0.001): alone, a default handle says nothing"),
    Feature("default_avatar", "CASE WHEN default_image THEN 1.0 ELSE 0.0 END", 1,
            "default profile image, in a cluster where that is far more common than in the background (p <= 0.001)"),
    Feature("profile_bot", "coalesce(bot_score, 0)", 1, "profile-only bot score (forensics.profile_score)"),
    Feature("young_account", "CASE WHEN age_days IS NULL THEN 0 ELSE greatest(0, 1 - age_days / 730.0) END", 1,
            "account less than two years old at its first post in the data (1 = brand new)"),
    Feature("automated_unexplained", "CASE WHEN automated AND NOT auto_benign THEN 1.0 ELSE 0.0 END", 1,
            "automated (regular gaps, round-the-clock, second-level reactions) without the marks of declared automation"),
    Feature("automated_amplification", "coalesce(auto_amplify, 0)", 1,
            "automated, and a share of its reposts boost other automated accounts"),
    Feature("cluster_not_human", "CASE WHEN cl_not_human THEN 1.0 ELSE 0.0 END", 1,
            "its cluster's activity has no human daily rhythm (flat round-the-clock)"),
    Feature("cluster_shifts", "CASE WHEN cl_shifts THEN 1.0 ELSE 0.0 END", 1,
            "its cluster covers the day in shifts of distinct accounts with sharp hand-overs"),
    Feature("cluster_client_concentration", "coalesce(cl_client_share, 0)", 1,
            "share of its cluster's posts made with the cluster's most used client"),
    Feature("benign_automation", "CASE WHEN automated AND auto_benign THEN 1.0 ELSE 0.0 END", -1,
            "declared/scheduled automation: one scheduling client, own content or links, no reposts"),
    Feature("cluster_human_rhythm", "CASE WHEN cl_human THEN 1.0 ELSE 0.0 END", -1,
            "its cluster keeps a human daily rhythm (night trough, one time zone)"),
)

_SQL = """
CREATE OR REPLACE TEMP TABLE d_raw AS
WITH acc AS (
  SELECT account_id, any_value(platform) AS platform, count(*) AS n_posts, min(created_at) AS first_post,
         avg(CASE WHEN kind = 'repost' THEN 1.0 ELSE 0.0 END) AS repost_share
  FROM posts GROUP BY account_id),
prof AS (
  SELECT account_id, arg_max(handle, coalesce(last_seen, created_at)) AS handle,
         arg_max(display_name, coalesce(last_seen, created_at)) AS display_name,
         arg_max(location, coalesce(last_seen, created_at)) AS location,
         max(created_at) AS created_at
  FROM accounts GROUP BY account_id),
e AS (
  SELECT signal, account_a AS acc, account_b AS partner, q_value, n_shared, median_dt_s FROM d_edges
  UNION ALL
  SELECT signal, account_b, account_a, q_value, n_shared, median_dt_s FROM d_edges),
pair AS (
  SELECT acc, partner, bool_or(signal = 'co_text') AS identical FROM e GROUP BY 1, 2),
ea AS (
  SELECT acc AS account_id,
         count(DISTINCT partner) FILTER (WHERE signal <> 'sync_activity') AS content_partners,
         count(DISTINCT partner) FILTER (WHERE signal = 'sync_activity') AS sync_partners,
         {groups}
         min(q_value) FILTER (WHERE signal <> 'sync_activity') AS best_q,
         min(q_value) AS best_q_any,
         max(n_shared) FILTER (WHERE signal <> 'sync_activity') AS max_shared,
         avg(CASE WHEN median_dt_s <= 10 THEN 1.0 ELSE 0.0 END) FILTER (WHERE signal <> 'sync_activity') AS fast_share,
         count(DISTINCT partner) AS n_partners,
         list(DISTINCT signal ORDER BY signal) AS signals
  FROM e JOIN pair USING (acc, partner) GROUP BY acc),
auto_ids AS (SELECT account_id FROM d_auto WHERE automated),
amp AS (
  SELECT p.account_id,
         avg(CASE WHEN p.reposted_account_id IN (SELECT account_id FROM auto_ids)
                  AND p.reposted_account_id <> p.account_id THEN 1.0 ELSE 0.0 END) AS auto_amplify
  FROM posts p WHERE p.kind = 'repost' AND p.account_id IN (SELECT account_id FROM auto_ids)
  GROUP BY p.account_id)
SELECT acc.account_id, acc.platform, prof.handle, prof.display_name, prof.location, prof.created_at,
       acc.n_posts, acc.repost_share,
       date_diff('day', prof.created_at, acc.first_post) AS age_days,
       coalesce(ea.content_partners, 0) AS content_partners, coalesce(ea.sync_partners, 0) AS n_sync_partners,
       {group_cols}
       ea.best_q, ea.best_q_any, ea.max_shared, ea.fast_share AS fast_edge_share, coalesce(ea.n_partners, 0) AS n_partners,
       coalesce(ea.signals, []) AS signals,
       m.cluster_id,
       coalesce(au.automated, false) AS automated,
       coalesce(au.declared, false) AS auto_benign,
       au.automation AS automation,
       amp.auto_amplify,
       pr.bot_score, coalesce(cp.handle_pattern, false) AS handle_pattern, coalesce(cp.default_image, false) AS default_image,
       coalesce(cb.in_burst, false) AS in_burst,
       coalesce(cf.not_human, false) AS cl_not_human, coalesce(cf.shift_found, false) AS cl_shifts,
       coalesce(cf.human, false) AS cl_human, cf.client_share AS cl_client_share,
       cf.operator_offset,
       coalesce(tz.mismatch, false) AS mismatch, tz.claimed_offset
FROM acc
LEFT JOIN prof ON prof.account_id = acc.account_id
LEFT JOIN ea ON ea.account_id = acc.account_id
LEFT JOIN d_members m ON m.account_id = acc.account_id
LEFT JOIN d_auto au ON au.account_id = acc.account_id
LEFT JOIN amp ON amp.account_id = acc.account_id
LEFT JOIN d_prof pr ON pr.account_id = acc.account_id
LEFT JOIN d_cburst cb ON cb.account_id = acc.account_id
LEFT JOIN d_cpattern cp ON cp.account_id = acc.account_id
LEFT JOIN d_cfx cf ON cf.cluster_id = m.cluster_id
LEFT JOIN d_tzacc tz ON tz.account_id = acc.account_id
"""


def account_features(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``d_raw`` (raw per-account numbers) and ``d_features`` (``account_id`` + each
    :data:`FEATURES` value in [0, 1]) from the registered tables described in the module docstring."""
    groups = "".join(
        f"count(DISTINCT partner) FILTER (WHERE signal IN ({', '.join(repr(s) for s in sigs)})"
        + (" AND NOT identical" if g == "template" else "") + f") AS {g}_partners,\n"
        for g, sigs in CONTENT_SIGNAL_GROUPS.items()
    )
    group_cols = "".join(f"coalesce(ea.{g}_partners, 0) AS n_{g}_partners, " for g in CONTENT_SIGNAL_GROUPS)
    con.execute(_SQL.format(groups=groups, group_cols=group_cols))
    cols = ", ".join(f"CAST({f.sql} AS DOUBLE) AS {f.name}" for f in FEATURES)
    con.execute(f"CREATE OR REPLACE TEMP TABLE d_features AS SELECT account_id, {cols} FROM d_raw")
