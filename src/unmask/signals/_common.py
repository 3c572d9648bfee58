"""Small SQL fragments the signal modules share."""

from __future__ import annotations

__all__ = ["T_EXPR", "object_signal"]

from collections.abc import Callable
from typing import Any

import duckdb

from unmask.signals._window import pair_edges

#: Post time as fractional epoch seconds.
T_EXPR = "CAST(epoch_ms(created_at) AS DOUBLE) / 1000.0"


def object_signal(select_events: str) -> Callable[..., dict[str, Any]]:
    """A ``compute`` function for a signal whose events are given by one SELECT on ``posts``.

    ``select_events`` must return ``account_id, obj, post_id, t, ts``; rows with a NULL or empty
    object never match (unlike coordination-network-toolkit's empty-URL bug).
    """

    def compute(
        con: duckdb.DuckDBPyConnection,
        out: str,
        *,
        time_window: float | None = 60,
        max_bucket: int = 250,
        evidence: int = 5,
        min_shared: int = 1,
        **_: Any,
    ) -> dict[str, Any]:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {out}__src AS SELECT * FROM ({select_events}) q "
            "WHERE obj IS NOT NULL AND obj <> ''"
        )
        stats = pair_edges(
            con, f"{out}__src", out, time_window=time_window, max_bucket=max_bucket, evidence=evidence,
            min_shared=min_shared,
        )
        con.execute(f"DROP TABLE {out}__src")
        return stats

    return compute
