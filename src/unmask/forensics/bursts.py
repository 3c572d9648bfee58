"""Account-creation bursts and mass-registration traces in a group, against all accounts.

Why: farms register accounts in batches ("a profusion of new accounts"). A scan statistic
(Kulldorff's binomial likelihood ratio over 1-, 7- and 30-day windows) compares the group's
creation dates with the background of all other accounts, with a Monte-Carlo p-value that accounts
for scanning every window. Sequential ids are checked for neighbourhoods; handles for the default
``name`` + 8 digits pattern; profiles for default/empty settings and fields reused across accounts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
from scipy import stats

from unmask.forensics._common import Finding, forget_group, scope

__all__ = ["HANDLE_8_DIGITS", "bursts", "scan"]

#: Twitter's suggested handle for a new account: a name followed by eight digits.
HANDLE_8_DIGITS = r"^[A-Za-z_]+[0-9]{8}$"
WIDTHS_DAYS = (1, 7, 30)


def _llr(c: np.ndarray, e: np.ndarray, n: int) -> np.ndarray:
    c, e = np.asarray(c, float), np.maximum(np.asarray(e, float), 1e-12)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(c > 0, c * np.log(c / e), 0.0)
        b = np.where(n - c > 0, (n - c) * np.log((n - c) / np.maximum(n - e, 1e-12)), 0.0)
    return np.where(c > e, a + b, 0.0)


def _scan_all(g: np.ndarray, bg: np.ndarray, drawn_from_bg: bool = False
              ) -> tuple[float, list[tuple[float, float, float, int, float]]]:
    """Max LLR and every (llr, start, width, count, expected) over windows starting at a group date.

    ``drawn_from_bg``: ``g`` is a null draw out of ``bg`` (without replacement); its own points are
    taken out of the background counts, as the real group's are never in its background.
    """
    n, m = len(g), len(bg)
    out = []
    best = 0.0
    for w in WIDTHS_DAYS:
        ws = w * 86400.0
        c = np.searchsorted(g, g + ws, "left") - np.arange(n)
        in_bg = np.searchsorted(bg, g + ws, "left") - np.searchsorted(bg, g, "left")
        if drawn_from_bg:
            in_bg, m_eff = in_bg - c, m - n
        else:
            m_eff = m
        f = (in_bg + 0.5) / (m_eff + 1)
        e = n * f
        r = _llr(c, e, n)
        best = max(best, float(r.max()) if n else 0.0)
        out.extend(zip(r, g, np.full(n, w), c, e, strict=True))
    return best, out


def scan(group: np.ndarray, background: np.ndarray, *, reps: int = 999, seed: int = 0) -> dict[str, Any]:
    """Scan statistic of ``group`` creation times (epoch s) vs ``background``; Monte-Carlo p-value."""
    g, bg = np.sort(np.asarray(group, float)), np.sort(np.asarray(background, float))
    obs, cands = _scan_all(g, bg)
    rng = np.random.default_rng(seed)
    # null: groups of the same size drawn out of the background without replacement (with
    # replacement when the background is smaller than the group)
    small = len(bg) <= len(g)
    null = np.array([_scan_all(np.sort(rng.choice(bg, len(g), replace=small)), bg, not small)[0] for _ in range(reps)])
    p = (1 + (null >= obs).sum()) / (reps + 1)
    thr = float(np.quantile(null, 0.95))
    windows: list[dict[str, Any]] = []
    for r, s, w, c, e in sorted(cands, key=lambda t: -t[0]):
        if r < thr or c < 3 or len(windows) >= 10:
            break
        if any(s < x["end"] and s + w * 86400 > x["start"] for x in windows):
            continue
        windows.append({"start": float(s), "end": float(s + w * 86400), "width_days": int(w), "accounts": int(c),
                        "expected": float(e), "llr": float(r), "p_local": float(stats.poisson.sf(c - 1, e))})
    return {"llr": obs, "p_value": float(p), "null_95": thr, "windows": windows}


def bursts(
    con: duckdb.DuckDBPyConnection,
    accounts: Sequence[str] | None = None,
    *,
    reps: int = 999,
    seed: int = 0,
) -> Finding:
    """Creation-burst scan, id neighbourhoods, handle patterns, default profiles and field reuse.

    Needs the ``accounts`` view (``created_at``); the background is every account not in the group
    (uniform over the observed span when fewer than 30 such accounts exist, as for ``accounts=None``).
    """
    if accounts is None:  # the group is every account: test against a uniform background
        forget_group(con)
        con.execute("CREATE OR REPLACE TEMP TABLE fx_group AS SELECT DISTINCT account_id FROM accounts")
    else:
        scope(con, accounts)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE fx_acc AS SELECT a.*, a.account_id IN (SELECT account_id FROM fx_group) AS in_group "
        "FROM accounts a"
    )
    t = con.execute(
        "SELECT epoch(created_at), in_group FROM fx_acc WHERE created_at IS NOT NULL"
    ).fetchnumpy()
    ts, ing = np.asarray(next(iter(t.values())), float), np.asarray(list(t.values())[1], bool)
    g, bg = ts[ing], ts[~ing]
    summary: dict[str, Any] = {"analysis": "bursts", "group_accounts": int(ing.sum()), "background_accounts": len(bg)}
    if len(g) >= 5:
        if len(bg) >= 30:
            summary["background"] = "all other accounts"
        else:
            lo, hi = ts.min(), ts.max()
            bg = np.random.default_rng(seed).uniform(lo, hi + 86400, 5000)
            summary["background"] = "uniform over the observed creation span (under 30 other accounts)"
        res = scan(g, bg, reps=reps, seed=seed)
        for w in res["windows"]:
            w["start_epoch"], w["end_epoch"] = w["start"], w["end"]
            w["start"], w["end"] = _iso(w["start"]), _iso(w["end"])
        summary.update({"scan_llr": res["llr"], "p_value": res["p_value"], "null_llr_95": res["null_95"],
                        "burst_windows": res["windows"], "burst": bool(res["p_value"] <= 0.01 and res["windows"])})
    else:
        summary.update({"burst": None, "p_value": None, "burst_windows": [], "note": "fewer than 5 creation dates"})
    summary.update(_ids(con))
    summary.update(_profiles(con))
    table = con.sql(
        f"""WITH reuse AS (
              SELECT account_id, count(*) FILTER (WHERE k > 1) AS reused_fields FROM (
                SELECT account_id, count(*) OVER (PARTITION BY f, v) AS k FROM (
                  SELECT account_id, unnest(['description', 'display_name', 'location', 'url']) AS f,
                         unnest([lower(trim(description)), lower(trim(display_name)), lower(trim(location)),
                                 lower(trim(url))]) AS v FROM fx_acc WHERE in_group)
                WHERE v IS NOT NULL AND v <> '') GROUP BY 1)
            SELECT a.account_id, a.handle, a.created_at,
                   regexp_matches(coalesce(a.handle, ''), '{HANDLE_8_DIGITS}') AS handle_name_8_digits,
                   a.default_profile, a.default_image,
                   coalesce(trim(a.description), '') = '' AS empty_description,
                   coalesce(r.reused_fields, 0) AS reused_fields
            FROM fx_acc a LEFT JOIN reuse r USING (account_id) WHERE a.in_group ORDER BY a.created_at"""
    ).to_arrow_table()
    if summary.get("burst_windows"):
        cr = np.array([x.timestamp() if x else np.nan for x in table.column("created_at").to_pylist()])
        inb = np.zeros(len(cr), bool)
        for w in summary["burst_windows"]:
            inb |= (cr >= w["start_epoch"]) & (cr < w["end_epoch"])
        table = table.append_column("in_burst_window", pa.array(inb))
    hist = con.sql(
        """SELECT CAST(date_trunc('week', created_at AT TIME ZONE 'UTC') AS DATE) AS week,
                  count(*) FILTER (WHERE in_group) AS group_accounts,
                  count(*) FILTER (WHERE NOT in_group) AS background_accounts
           FROM fx_acc WHERE created_at IS NOT NULL GROUP BY 1 ORDER BY 1"""
    ).to_arrow_table()
    return Finding("bursts", summary, table, {"creation_histogram": hist})


def _iso(s: float) -> str:
    return str(np.datetime64(int(s), "s")) + "Z"


def _ids(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Sequential-id neighbourhoods: how often group members sit next to each other in id order."""
    r = con.execute(
        """WITH num AS (SELECT TRY_CAST(account_id AS HUGEINT) AS i, in_group FROM fx_acc),
                rk AS (SELECT i, in_group, row_number() OVER (ORDER BY i) AS r FROM num WHERE i IS NOT NULL),
                g AS (SELECT r - lag(r) OVER (ORDER BY r) AS gap FROM rk WHERE in_group)
           SELECT (SELECT count(*) FROM rk), (SELECT count(*) FROM rk WHERE in_group),
                  count(*) FILTER (WHERE gap = 1), count(gap) FROM g"""
    ).fetchone()
    total, n, adj, gaps = (int(x or 0) for x in r)
    if n < 5 or total < 2 * n:
        return {"id_neighbourhoods": None}
    expected = gaps * (n - 1) / max(total - 1, 1)
    return {"id_neighbourhoods": {"numeric_ids": total, "group_numeric_ids": n, "adjacent_pairs": adj,
                                  "expected_adjacent": expected,
                                  "p": float(stats.poisson.sf(adj - 1, max(expected, 1e-9)))}}


def _profiles(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Group vs background shares of default-looking profiles (binomial p-values)."""
    feats = {
        "handle_name_8_digits": f"regexp_matches(coalesce(handle, ''), '{HANDLE_8_DIGITS}')",
        "default_profile": "coalesce(default_profile, false)",
        "default_image": "coalesce(default_image, false)",
        "empty_description": "coalesce(trim(description), '') = ''",
        "no_location": "coalesce(trim(location), '') = ''",
    }
    sel = ", ".join(f"count(*) FILTER (WHERE {e}) AS {k}" for k, e in feats.items())
    rows = {r[0]: r[1:] for r in con.execute(f"SELECT in_group, count(*), {sel} FROM fx_acc GROUP BY 1").fetchall()}
    out: dict[str, Any] = {}
    gi, bi = rows.get(True), rows.get(False)
    if gi is None:
        return out
    prof = {}
    for j, k in enumerate(feats, start=1):
        gs = gi[j] / max(gi[0], 1)
        bs = (bi[j] + 0.5) / (bi[0] + 1) if bi else None
        p = float(stats.binomtest(gi[j], gi[0], min(max(bs, 1e-6), 1 - 1e-6), alternative="greater").pvalue) if bs else None
        prof[k] = {"group_share": gs, "background_share": bs, "p": p}
    out["profile_patterns"] = prof
    reuse = con.execute(
        """SELECT f, v, count(*) AS n FROM (
             SELECT unnest(['description', 'display_name', 'location', 'url']) AS f,
                    unnest([lower(trim(description)), lower(trim(display_name)), lower(trim(location)), lower(trim(url))]) AS v
             FROM fx_acc WHERE in_group) WHERE v IS NOT NULL AND v <> '' GROUP BY 1, 2 HAVING count(*) > 1
           ORDER BY n DESC LIMIT 20"""
    ).fetchall()
    out["reused_profile_fields"] = [{"field": f, "value": v, "accounts": n} for f, v, n in reuse]
    return out
