"""Fusing the kept edges of all signals into one weighted, undirected account graph.

Combination (documented, simple to check by hand): for each account pair, the fused weight is the
sum over the signals that kept the pair of ``min(-log10 q_value, 30)`` — the evidence each signal
gives against chance, capped so that one overwhelming signal does not drown the rest. Pairs kept
in ``coortweet`` mode (no significance filter) contribute ``n_shared`` instead. Each fused edge
records its supporting signals, their total ``n_shared`` and its median Δt.
"""

from __future__ import annotations

import duckdb

__all__ = ["fuse"]


def fuse(con: duckdb.DuckDBPyConnection, edges: str, out: str, *, by: str = "significance") -> None:
    """Write ``out(account_a, account_b, weight, signals, n_signals, n_shared, median_dt_s, first_at, last_at)``."""
    contrib = (
        "least(-log10(greatest(q_value, 1e-300)), 30.0)" if by == "significance" else "CAST(n_shared AS DOUBLE)"
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {out} AS
        SELECT account_a, account_b, sum({contrib}) AS weight,
               list(signal ORDER BY signal) AS signals, count(*) AS n_signals,
               sum(n_shared) AS n_shared, median(median_dt_s) AS median_dt_s,
               min(first_at) AS first_at, max(last_at) AS last_at
        FROM {edges} GROUP BY account_a, account_b
        """
    )
