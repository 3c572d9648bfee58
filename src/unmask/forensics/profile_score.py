"""A small profile-only bot score (the BotometerLite idea), scored with numpy from a JSON model.

Why: profile fields alone (counts, ratios, age, default settings, name/handle/description shape)
say something about automation at no cost, for every account in any dataset. The model is a
standardised logistic regression trained by ``scripts/train_profile_model.py`` on public labelled
sets and shipped as ``profile_model.json`` (coefficients only, no pickle). It is one feature among
many, never a verdict on its own: bot datasets generalise poorly to each other.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from unmask.forensics._common import Finding, scope

__all__ = ["FEATURES", "MODEL_PATH", "feature_sql", "load_model", "profile_score", "score"]

MODEL_PATH = Path(__file__).with_name("profile_model.json")

#: Feature name → SQL over a relation with the canonical accounts columns (+ ``snapshot_at``).
FEATURES: dict[str, str] = {
    "log_followers": "ln(1 + coalesce(followers, 0))",
    "log_following": "ln(1 + coalesce(following, 0))",
    "log_posts": "ln(1 + coalesce(posts_count, 0))",
    "follow_ratio": "ln(1 + coalesce(followers, 0)) - ln(1 + coalesce(following, 0))",
    "log_age_days": "ln(1 + age_days)",
    "log_posts_per_day": "ln(1 + coalesce(posts_count, 0) / greatest(age_days, 1))",
    "log_followers_per_day": "ln(1 + coalesce(followers, 0) / greatest(age_days, 1))",
    "default_profile": "CAST(coalesce(default_profile, false) AS DOUBLE)",
    "default_image": "CAST(coalesce(default_image, false) AS DOUBLE)",
    "verified": "CAST(coalesce(verified, false) AS DOUBLE)",
    "has_description": "CAST(coalesce(trim(description), '') <> '' AS DOUBLE)",
    "log_description_len": "ln(1 + length(coalesce(description, '')))",
    "has_location": "CAST(coalesce(trim(location), '') <> '' AS DOUBLE)",
    "has_url": "CAST(coalesce(trim(url), '') <> '' AS DOUBLE)",
    "handle_len": "length(coalesce(handle, ''))",
    "handle_digits": "length(regexp_replace(coalesce(handle, ''), '[^0-9]', '', 'g'))",
    "handle_name_8_digits": "CAST(regexp_matches(coalesce(handle, ''), '^[A-Za-z_]+[0-9]{8}$') AS DOUBLE)",
    "name_len": "length(coalesce(display_name, ''))",
    "name_digits": "length(regexp_replace(coalesce(display_name, ''), '[^0-9]', '', 'g'))",
    "name_handle_similar": "CAST(lower(regexp_replace(coalesce(display_name, ''), '[^A-Za-z0-9]', '', 'g')) "
                           "= lower(regexp_replace(coalesce(handle, ''), '[^A-Za-z0-9]', '', 'g')) AS DOUBLE)",
    "says_bot": "CAST(regexp_matches(lower(coalesce(handle, '') || ' ' || coalesce(display_name, '') || ' ' "
                "|| coalesce(description, '')), '(^|[^a-z])bot([^a-z]|$)|bot$|_bot') AS DOUBLE)",
}


def feature_sql(relation: str) -> str:
    """SELECT account_id and every feature from ``relation`` (canonical accounts columns).

    Age is measured at ``snapshot_at`` (else ``last_seen``, else now) so it means the same for a
    2015 crawl and today's data.
    """
    cols = ", ".join(f"CAST({e} AS DOUBLE) AS {k}" for k, e in FEATURES.items())
    return (
        f"SELECT account_id, {cols} FROM (SELECT *, greatest(coalesce(date_diff('day', created_at, "
        f"coalesce(snapshot_at, last_seen, now())), 0), 0) AS age_days FROM {relation})"
    )


@cache
def load_model(path: str | None = None) -> dict[str, Any]:
    """The shipped model (features, means, scales, coefficients, intercept, metrics)."""
    return json.loads(Path(path or MODEL_PATH).read_text(encoding="utf-8"))


def score(x: np.ndarray, model: dict[str, Any] | None = None) -> np.ndarray:
    """Bot probability for a feature matrix whose columns follow ``model['features']``."""
    m = model or load_model()
    z = (np.asarray(x, float) - np.array(m["mean"])) / np.array(m["scale"])
    return 1 / (1 + np.exp(-(z @ np.array(m["coef"]) + m["intercept"])))


def profile_score(
    con: duckdb.DuckDBPyConnection,
    accounts: Sequence[str] | None = None,
    *,
    model: dict[str, Any] | None = None,
) -> Finding:
    """Profile-only bot score for the accounts of the group (all rows of ``accounts`` when None)."""
    m = model or load_model()
    if accounts is None:
        rel = "accounts"
    else:
        scope(con, accounts)
        rel = "(SELECT * FROM accounts WHERE account_id IN (SELECT account_id FROM fx_group))"
    t = con.sql(feature_sql(rel)).to_arrow_table()
    x = np.column_stack([np.nan_to_num(np.array(t.column(f).to_pylist(), float)) for f in m["features"]]) \
        if t.num_rows else np.zeros((0, len(m["features"])))
    s = score(x, m)
    t = t.add_column(1, "bot_score", pa.array(s, pa.float64()))
    contrib = (x - np.array(m["mean"])) / np.array(m["scale"]) * np.array(m["coef"]) if len(x) else x
    top = [", ".join(m["features"][j] for j in np.argsort(-row)[:3] if row[j] > 0) for row in contrib]
    t = t.add_column(2, "top_reasons", pa.array(top, pa.string()))
    summary = {"analysis": "profile_score", "accounts": t.num_rows,
               "mean_score": float(s.mean()) if len(s) else None,
               "share_above_0.5": float((s > 0.5).mean()) if len(s) else None,
               "model_metrics": m.get("metrics", {}),
               "caveat": "one feature among many; bot datasets generalise poorly to each other"}
    hist = np.histogram(s, bins=20, range=(0, 1))[0] if len(s) else np.zeros(20, int)
    plots = {"score_histogram": pa.table({"bin_start": np.linspace(0, 0.95, 20), "accounts": hist})}
    return Finding("profile_score", summary, t, plots)
