"""``sync_activity``: accounts active in the same time bins more often than their volumes predict.

Each account's activity is binned (``bin_seconds``, default 300 = 5 minutes); the shared objects
are the bins both accounts posted in. Accounts with fewer than ``min_active_bins`` (default 5)
active bins are left out (they cannot pass significance). The null keeps each account's number
of active bins and each bin's overall activity (so daily rhythms and news peaks raise every
pair's expectation). Bins with more than ``max_bucket`` active accounts (default 2000, its own
default rather than the windowed signals' 250) are capped (counted).
Cost grows with the square of the accounts active per bin — the one signal that does.
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
    bin_seconds: float = 300,
    min_active_bins: int = 5,
    max_bucket: int = 2000,
    evidence: int = 5,
    **_: Any,
) -> dict[str, Any]:
    """Edges between accounts that are repeatedly active in the same time bins."""
    bs = float(bin_seconds)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {out}__sa AS
        SELECT account_id, CAST(bin AS VARCHAR) AS obj, CAST(bin AS VARCHAR) AS post_id,
               min(t) AS t, min(ts) AS ts
        FROM (SELECT account_id, {T_EXPR} AS t, created_at AS ts,
                     CAST(floor({T_EXPR} / {bs!r}) AS BIGINT) AS bin FROM posts) p
        WHERE account_id IN (
            SELECT account_id FROM posts GROUP BY account_id
            HAVING count(DISTINCT CAST(floor({T_EXPR} / {bs!r}) AS BIGINT)) >= {int(min_active_bins)})
        GROUP BY account_id, bin
        """
    )
    stats = pair_edges(con, f"{out}__sa", out, time_window=None, max_bucket=max_bucket, evidence=evidence)
    con.execute(f"DROP TABLE {out}__sa")
    return stats


SIGNAL = Signal("sync_activity", "active in the same time bins more often than volumes predict", compute,
                {"bin_seconds": 300, "min_active_bins": 5, "max_bucket": 2000}, windowed=False)
