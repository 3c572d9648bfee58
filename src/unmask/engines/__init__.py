"""Engines other than the embedded DuckDB: the Spark connection that runs the same SQL.

The signal, significance and fusion code is written once, in DuckDB's SQL dialect, against a
connection-like object (``execute(sql)`` then ``fetchone()``/``fetchall()``/``fetchnumpy()``/
``to_arrow_table()``; ``register(name, arrow_table)``). On Spark that object is
:class:`unmask.engines.spark.SparkConnection`: every statement is transpiled with SQLGlot from
DuckDB to Spark SQL, with the few DuckDB-only constructs rewritten into Spark forms that give the
same values (see :mod:`unmask.engines.spark`). ``pyspark`` is imported only when Spark is asked for.
"""

from __future__ import annotations

__all__ = ["EngineUnavailable"]


class EngineUnavailable(RuntimeError):
    """The engine that was asked for cannot start here (a package or Java is missing)."""
