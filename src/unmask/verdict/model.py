"""The score, the verdicts and the reasons: the same rules for every account.

**Score.** ``score = sigmoid(b + Σ w_i · f_i)`` over the features of :mod:`unmask.verdict.features`
(each in [0, 1]); every weight has the feature's sign (``w_i >= 0`` for evidence, ``<= 0`` for the
organic indicators), so the score is monotone: more evidence never lowers it. The weights live in
``model.json`` beside this file, fitted by ``scripts/train_verdict_model.py`` on simulated worlds
only (never on the data being judged); the file records the worlds, the fit and its metrics.

**Coordination is necessary.** An account is *coordinated* when it has at least one significant
link of any signal (content or, with ``sync_activity``, timing) or, being automated, spends at
least a quarter of its reposts boosting other automated accounts. An account that is not coordinated is
never flagged and its score is halved: unusual behaviour alone is not coordinated inauthentic
behaviour.

**Feed mirrors.** Declared automation (one scheduling client, own content or links, no reposts)
none of whose content partners is anything but declared automation — bots republishing the same
feed, or a scheduler linked to others by timing alone, which its schedule explains — is never
flagged, whatever its score. (A link farm built only of such bots would escape this rule: a
known limit.)

**Verdicts.** ``flagged = coordinated AND score >= threshold AND NOT feed mirror``. Flagged accounts are
``automated_coordinated`` when automated, else ``coordinated_inauthentic``. Coordinated accounts
below the threshold are ``automated_benign`` when their automation is declared/scheduled, else
``coordinated_organic`` (people acting together in a human way). The rest are ``automated_benign``
(declared automation) or ``no_finding``.

**Amplification.** After scoring, an account whose received reposts come at least 75 % (and at
least 50 of them) from flagged accounts is flagged too: it is the operation's own voice (a persona),
boosted almost only by the flagged network. Influencers and outlets a farm also boosts keep most of
their audience among other accounts.

**Reasons.** What the account did with others comes first (one sentence per signal, strongest q
first), then each fired piece of behavioural evidence, ordered by its contribution ``w_i · f_i``.
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

from unmask.signals import SIGNALS
from unmask.verdict.features import FEATURES

__all__ = ["VERDICTS", "load_model", "score_accounts"]

VERDICTS = ("coordinated_inauthentic", "automated_coordinated", "coordinated_organic", "automated_benign",
            "no_finding")

_MODEL = Path(__file__).with_name("model.json")


@cache
def load_model(path: str | None = None) -> dict[str, Any]:
    """The shipped (or given) model: ``{"intercept", "weights": {feature: w}, "threshold", ...}``.

    Checks that every weight has its feature's sign: a model that breaks monotonicity is refused.
    """
    m = json.loads(Path(path or _MODEL).read_text(encoding="utf-8"))
    names = {f.name: f for f in FEATURES}
    for k, w in m["weights"].items():
        if k not in names:
            raise ValueError(f"model weight for unknown feature {k!r}")
        if w * names[k].sign < 0:
            raise ValueError(f"model weight of {k} has the wrong sign: the score must be monotone")
    return m


def _q(x: str) -> str:
    return "'" + x.replace("'", "''") + "'"


def _window_words(window: float | None) -> str:
    """``within 60 s`` or ``at any time``."""
    return f"within {window:g} s" if window else "at any time"


def _signal_reason_sql(window: float | None, params: dict[str, dict[str, Any]] | None = None) -> str:
    """One reason per content signal of the account: what, with how many, how often, how fast, q.

    A signal with its own ``time_window`` (a default or in ``params``) is described with that one.
    """
    cases = []
    for name, sig in SIGNALS.items():
        own = {**sig.defaults, **(params or {}).get(name, {})}
        w = _window_words(own.get("time_window", window))
        if name == "sync_activity":
            text = ("printf('active in the same time bins as %d accounts far more often than their volumes predict "
                    "(q = %.1e)', s.partners, s.best_q)")
        else:
            desc = sig.description.replace("within the window", w)
            ints = [v for v in sig.defaults.values() if isinstance(v, int)]
            if ">= k " in desc and len(ints) == 1:  # ">= k hashtags" -> ">= 3 hashtags"
                desc = desc.replace(">= k ", f">= {ints[0]} ")
            text = (f"printf('%s: with %d accounts, up to %d times with one partner, median gap %.0f s (q = %.1e)', "
                    f"{_q(desc)}, s.partners, s.max_shared, s.mdt, s.best_q)")
        cases.append(f"WHEN {_q(name)} THEN {text}")
    return "CASE s.signal " + " ".join(cases) + " END"


def score_accounts(con: duckdb.DuckDBPyConnection, *, threshold: float | None = None,
                   time_window: float | None = 60, model: dict[str, Any] | None = None,
                   signal_params: dict[str, dict[str, Any]] | None = None) -> float:
    """Create ``d_scored`` from ``d_raw`` / ``d_features`` / ``d_edges``: score, flagged, verdict, reasons.

    ``time_window`` and ``signal_params`` are the coordinate run's, for the wording of reasons.
    Returns the threshold used (the model's own unless ``threshold`` is given).
    """
    m = model or load_model()
    thr = float(m["threshold"] if threshold is None else threshold)
    wts = {f.name: float(m["weights"].get(f.name, 0.0)) for f in FEATURES}
    z = " + ".join([repr(float(m["intercept"]))] + [f"{w!r} * f.{n}" for n, w in wts.items() if w])
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE d_sig AS
        WITH e AS (SELECT signal, account_a AS acc, q_value, n_shared, median_dt_s FROM d_edges
                   UNION ALL SELECT signal, account_b, q_value, n_shared, median_dt_s FROM d_edges)
        SELECT acc AS account_id, signal, count(*) AS partners, max(n_shared) AS max_shared,
               min(q_value) AS best_q, median(median_dt_s) AS mdt
        FROM e GROUP BY 1, 2
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE d_sig_reason AS
        SELECT s.account_id, list(struct_pack(c := 10 + least(-log10(greatest(s.best_q, 1e-300)), 300) / 30,
                                              t := {_signal_reason_sql(time_window, signal_params)})) AS rs
        FROM d_sig s JOIN d_features f ON f.account_id = s.account_id GROUP BY s.account_id
        """
    )
    other = [
        ("in_creation_burst", "printf('created %s, inside a burst of account creations in its cluster', "
                              "strftime(r.created_at, '%Y-%m-%d'))"),
        ("digit_handle", "printf('handle \"%s\" is a name followed by 8 digits', r.handle)"),
        ("default_avatar", "'keeps the default profile image'"),
        ("profile_bot", "CASE WHEN r.bot_score >= 0.5 THEN printf('profile looks like a bot''s (profile score %.2f)', "
                      "r.bot_score) END"),
        ("young_account", "CASE WHEN r.age_days < 365 THEN printf('account was %d days old at its first post here', "
                          "r.age_days) END"),
        ("automated_unexplained", "printf('automated: regular gaps or round-the-clock posting (automation %.2f) "
                                  "without the marks of declared automation', r.automation)"),
        ("automated_amplification", "printf('automated, and %.0f%% of its reposts boost other automated accounts', "
                                    "100 * r.auto_amplify)"),
        ("cluster_not_human", "'its cluster posts round the clock with no human daily rhythm'"),
        ("cluster_shifts", "'its cluster covers the day in shifts of distinct accounts with sharp hand-overs'"),
        ("cluster_client_concentration", "CASE WHEN r.cl_client_share >= 0.5 THEN printf('%.0f%% of its cluster''s "
                                         "posts come from one client', 100 * r.cl_client_share) END"),
        ("benign_automation", "'automation looks declared (scheduling client, own content or links, no reposts)'"),
        ("cluster_human_rhythm", "'its cluster keeps a human daily rhythm'"),
    ]
    parts = []
    for name, text in other:
        w = wts.get(name, 0.0)
        parts.append(f"CASE WHEN f.{name} > 0 THEN struct_pack(c := {abs(w)!r} * f.{name}, t := {text}) END")
    parts.append("CASE WHEN r.mismatch THEN struct_pack(c := 0.5, t := printf('activity fits UTC%+g; profile "
                 "claims %s (UTC%+g)', r.operator_offset, r.location, r.claimed_offset)) END")
    coordinated = "(r.n_partners > 0 OR (r.automated AND coalesce(r.auto_amplify, 0) >= 0.25))"
    # The feed-mirror rule: declared automation none of whose content partners is anything but
    # declared automation (bots republishing the same feed; a scheduler whose only link is timing,
    # which a schedule explains) is never flagged, whatever its score.
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE d_mirror AS
        WITH e AS (SELECT account_a AS account_id, account_b AS partner FROM d_edges WHERE signal <> 'sync_activity'
                   UNION SELECT account_b, account_a FROM d_edges WHERE signal <> 'sync_activity')
        SELECT a.account_id FROM d_raw a WHERE a.automated AND a.auto_benign AND NOT EXISTS (
            SELECT 1 FROM e LEFT JOIN d_raw b ON b.account_id = e.partner
            WHERE e.account_id = a.account_id AND NOT coalesce(b.automated AND b.auto_benign, false))
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE d_scored AS
        WITH s AS (
          SELECT r.*, f.* EXCLUDE (account_id), {coordinated} AS coordinated,
                 1.0 / (1.0 + exp(-({z}))) AS p, mi.account_id IS NOT NULL AS feed_mirror
          FROM d_raw r JOIN d_features f ON f.account_id = r.account_id
          LEFT JOIN d_mirror mi ON mi.account_id = r.account_id),
        s2 AS (
          SELECT * EXCLUDE (feed_mirror), CASE WHEN coordinated THEN p ELSE p / 2 END AS score,
                 coordinated AND p >= {thr!r} AND NOT feed_mirror AS flagged FROM s),
        rs AS (
          SELECT r.account_id,
                 list_transform(list_sort(list_filter(coalesce(sr.rs, []) || [{', '.join(parts)}],
                                                      lambda x: x IS NOT NULL AND x.t IS NOT NULL), 'DESC'),
                                lambda x: x.t) AS reasons
          FROM s2 r JOIN d_features f ON f.account_id = r.account_id
          LEFT JOIN d_sig_reason sr ON sr.account_id = r.account_id)
        SELECT s2.*, rs.reasons,
               CASE WHEN flagged AND automated THEN 'automated_coordinated'
                    WHEN flagged THEN 'coordinated_inauthentic'
                    WHEN coordinated AND automated AND auto_benign THEN 'automated_benign'
                    WHEN coordinated THEN 'coordinated_organic'
                    WHEN automated AND auto_benign THEN 'automated_benign'
                    ELSE 'no_finding' END AS verdict
        FROM s2 JOIN rs ON rs.account_id = s2.account_id
        """
    )
    _amplified_pass(con)
    return thr


#: The amplification rule: an account whose received reposts come at least this share from flagged
#: accounts (and at least ``AMPLIFIED_MIN`` of them) is the operation's own voice (a persona).
AMPLIFIED_SHARE, AMPLIFIED_MIN = 0.75, 50


def _amplified_pass(con: duckdb.DuckDBPyConnection) -> None:
    """Second pass: flag accounts amplified almost only by flagged accounts (the operation's personas).

    Influencers and outlets that a farm also boosts keep most of their audience among organic
    accounts and stay below the share; a persona exists for the farm and is boosted mostly by it.
    """
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE d_amplified AS
        SELECT p.reposted_account_id AS account_id, count(*) AS received,
               count(*) FILTER (WHERE s.flagged) AS from_flagged
        FROM posts p JOIN d_scored s ON s.account_id = p.account_id
        WHERE p.kind = 'repost' AND p.reposted_account_id IS NOT NULL AND p.reposted_account_id <> p.account_id
        GROUP BY 1
        """
    )
    con.execute(
        f"""
        UPDATE d_scored SET flagged = true, coordinated = true,
               verdict = CASE WHEN automated AND NOT auto_benign THEN 'automated_coordinated'
                              ELSE 'coordinated_inauthentic' END,
               score = greatest(score, a.from_flagged * 1.0 / a.received),
               reasons = [printf('amplified by the flagged accounts: %d of the %d reposts it received (%.0f%%) came '
                                 'from them', a.from_flagged, a.received, 100.0 * a.from_flagged / a.received)]
                         || reasons
        FROM d_amplified a
        WHERE a.account_id = d_scored.account_id AND NOT d_scored.flagged
          AND a.from_flagged >= {AMPLIFIED_MIN} AND a.from_flagged >= {AMPLIFIED_SHARE} * a.received
        """
    )


def logistic(z: float) -> float:
    """The logistic function (for documentation and tests)."""
    return 1.0 / (1.0 + math.exp(-z))
