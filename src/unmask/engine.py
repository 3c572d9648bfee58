"""The engine handle: embedded DuckDB by default, Spark when asked, set up the same way for every stage.

All heavy work (parsing, normalising, joining) runs inside the engine; Python only orchestrates.
The SQL is written once in DuckDB's dialect; :func:`connect_spark` returns a connection-like object
that transpiles it to Spark SQL (:mod:`unmask.engines.spark`). Code that needs a value computed
the same way on both (not just equal/unequal) asks :func:`hash64_sql` for the expression.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import duckdb

from unmask.engines import EngineUnavailable

__all__ = ["ENGINES", "EngineUnavailable", "connect", "connect_spark", "dialect", "hash64_sql"]

#: Engines :func:`unmask.coordinate.coordinate` runs on.
ENGINES = ("duckdb", "spark")


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


def connect_spark(
    master: str | None = None,
    *,
    session: Any = None,
    scratch: str | None = None,
    config: dict[str, str] | None = None,
) -> Any:
    """A :class:`~unmask.engines.spark.SparkConnection` on ``session`` or on a new/current session.

    ``master`` (e.g. ``local[2]``, ``yarn``, ``spark://host:7077``) is used only when no
    ``session`` is given; ``scratch`` is a directory URI for intermediate tables (default: local
    checkpoints). Raises :class:`EngineUnavailable` naming what is missing (pyspark, Java).
    """
    from unmask.engines.spark import SparkConnection, check_spark, spark_session

    if session is not None:
        check_spark(need_java=False)
        return SparkConnection(session, scratch=scratch, own=False)
    return SparkConnection(spark_session(master, config=config), scratch=scratch, own=False)


def dialect(con: Any) -> str:
    """``"duckdb"`` or ``"spark"``: the engine behind a connection."""
    return getattr(con, "dialect", "duckdb")


def hash64_sql(con: Any, expr: str) -> str:
    """SQL for a non-negative 60-bit hash of string ``expr`` with the same value on every engine.

    (The first 15 hex digits of the MD5.) Use it where the hash *value* matters — an order, a
    representative, a MinHash — so that DuckDB and Spark give identical results; where only
    equality matters, the engine's own fast ``hash`` is enough.
    """
    if dialect(con) == "spark":
        return f"CAST(conv(substr(md5({expr}), 1, 15), 16, 10) AS BIGINT)"
    return f"CAST(('0x' || substr(md5({expr}), 1, 15)) AS BIGINT)"
