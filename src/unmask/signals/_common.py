"""Small SQL fragments the signal modules share, and tables shared between signals of one run."""

from __future__ import annotations

__all__ = ["T_EXPR", "object_signal", "shared_scope", "shared_table"]

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import duckdb

from unmask.signals._window import drop_relation, pair_edges

#: Post time as fractional epoch seconds.
T_EXPR = "CAST(epoch_ms(created_at) AS DOUBLE) / 1000.0"

#: id(connection) -> names of the shared tables created in the open :func:`shared_scope`.
_SCOPES: dict[int, list[str]] = {}


@contextmanager
def shared_scope(con: Any) -> Iterator[None]:
    """Let the signals run on ``con`` inside the block share intermediate tables; drop them at the end.

    Several signals start from the same costly table (``co_text`` and ``co_text_near`` both from
    every post's normalised text): inside a scope the first one to ask for it (with
    :func:`shared_table`) creates it and the next ones reuse it. ``posts`` must not change inside
    the block. Outside any scope each signal creates and drops its own copy, so a signal stays a
    pure function of ``posts`` either way. Nested scopes on one connection are one scope.
    """
    key = id(con)
    if key in _SCOPES:
        yield
        return
    _SCOPES[key] = []
    try:
        yield
    finally:
        for name in _SCOPES.pop(key):
            drop_relation(con, name)


@contextmanager
def shared_table(con: Any, name: str, query: str) -> Iterator[str]:
    """Temp table ``name`` = ``query`` for the block: made once per :func:`shared_scope`, else made and dropped.

    ``name`` identifies the query: two callers giving the same name must give the same query.
    """
    owned = _SCOPES.get(id(con))
    if owned is not None and name in owned:
        yield name
        return
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {query}")
    if owned is not None:
        owned.append(name)
        yield name
        return
    try:
        yield name
    finally:
        drop_relation(con, name)


def object_signal(select_events: str, *, view: bool = False) -> Callable[..., dict[str, Any]]:
    """A ``compute`` function for a signal whose events are given by one SELECT on ``posts``.

    ``select_events`` must return ``account_id, obj, post_id, t, ts``; rows with a NULL or empty
    object never match (unlike coordination-network-toolkit's empty-URL bug). With ``view`` the
    events are a view rather than a table (for a SELECT that only filters a materialised table:
    the pair join then reads that table instead of a copy).
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
            f"CREATE OR REPLACE TEMP {'VIEW' if view else 'TABLE'} {out}__src AS SELECT * FROM ({select_events}) q "
            "WHERE obj IS NOT NULL AND obj <> ''"
        )
        stats = pair_edges(
            con, f"{out}__src", out, time_window=time_window, max_bucket=max_bucket, evidence=evidence,
            min_shared=min_shared,
        )
        drop_relation(con, f"{out}__src")
        return stats

    return compute
