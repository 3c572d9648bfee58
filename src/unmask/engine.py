"""The engine handle: embedded DuckDB, set up the same way for every stage.

All heavy work (parsing, normalising, joining) runs inside the engine; Python only orchestrates.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import duckdb

__all__ = ["connect"]


def connect(
    database: str | os.PathLike[str] = ":memory:",
    *,
    memory_limit: str | None = None,
    threads: int | None = None,
    temp_directory: str | os.PathLike[str] | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open a DuckDB connection with UTC time and spill-to-disk enabled.

    ``database`` is ``":memory:"`` or a file: staging tables in a file database can be larger
    than memory (in-memory tables cannot spill). ``memory_limit`` (e.g. ``"4GB"``) and ``threads`` default to DuckDB's own choices, overridable
    through ``UNMASK_MEMORY_LIMIT`` and ``UNMASK_THREADS``.
    """
    con = duckdb.connect(str(database))
    con.execute("SET TimeZone = 'UTC'")
    memory_limit = memory_limit or os.environ.get("UNMASK_MEMORY_LIMIT")
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    threads = threads or (int(os.environ["UNMASK_THREADS"]) if os.environ.get("UNMASK_THREADS") else None)
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    tmp = Path(temp_directory) if temp_directory else Path(tempfile.gettempdir()) / "unmask-duckdb"
    tmp.mkdir(parents=True, exist_ok=True)
    con.execute(f"SET temp_directory = '{tmp.as_posix()}'")
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET enable_progress_bar = false")
    return con
