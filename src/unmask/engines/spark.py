"""The Spark engine: a DuckDB-connection look-alike that runs unmask's SQL on a SparkSession.

unmask's heavy SQL is written once, in DuckDB's dialect. :class:`SparkConnection` takes each
statement, transpiles it with SQLGlot (``read="duckdb", write="spark"``) and runs it on Spark:

- ``CREATE OR REPLACE TEMP TABLE t AS <query>`` materialises the query (a local checkpoint by
  default, or Parquet under ``scratch`` — any URI the cluster can write) and names it as a temp
  view; ``CREATE OR REPLACE TEMP VIEW`` names the query lazily; ``DROP TABLE/VIEW`` drops it;
- anything else is a query whose result is fetched with ``fetchone``/``fetchall``/``fetchnumpy``/
  ``to_arrow_table`` (through Arrow).

DuckDB-only constructs that SQLGlot does not carry over (or carries over with other values) are
rewritten on the syntax tree, each into a Spark form that gives the same values:

====================================  ==========================================================
DuckDB                                Spark
====================================  ==========================================================
``min_by(v, k, n)``                   ``transform(slice(array_sort(collect_list(struct(k, v))),
                                      1, n), e -> e.v)``
``list(v ORDER BY k1 [DESC], k2)``    ``transform(array_sort(collect_list(struct(±k1, k2, v))),
                                      e -> e.v)`` (DESC keys are numeric and negated)
``l[i:j]`` (1-based, inclusive)       ``slice(l, i, j - i + 1)``
``epoch_ms(ts)`` (rounds to ms)       ``CAST(round(unix_micros(ts) / 1000.0) AS BIGINT)``
``to_timestamp(seconds)``             ``timestamp_micros(CAST(round(seconds * 1e6) AS BIGINT))``
``CAST(x / y AS BIGINT)``             ``CAST(bround(x / y) AS BIGINT)`` (DuckDB rounds half to
                                      even, Spark truncates)
``hash(x)``                           ``xxhash64(x)`` (used only where equality matters; where
                                      the value matters unmask uses
                                      :func:`unmask.engine.hash64_sql`)
``log10(x)``                          ``log10(x)`` (not ``log(10, x)``: the same rounding as C)
====================================  ==========================================================

``pyspark`` is imported lazily; :func:`spark_session` raises
:class:`~unmask.engines.EngineUnavailable` naming what is missing (pyspark, Java).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import uuid
from collections.abc import Iterable
from typing import Any

import numpy as np
import pyarrow as pa
import sqlglot
from sqlglot import exp

from unmask.engines import EngineUnavailable

__all__ = ["SMALL_DATA_CONF", "SparkConnection", "check_spark", "spark_session", "to_spark_sql"]

#: Settings for small data on a local session (tests, demos): per-statement overhead dominates
#: there, so skip whole-stage code generation and adaptive re-planning, and keep the JIT cheap.
#: (The JVM option only applies to a session this process starts.) Not for real workloads.
SMALL_DATA_CONF = {
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.adaptive.enabled": "false",
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
    "spark.driver.memory": "2g",
    "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
}

_CREATE = re.compile(
    r"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?TEMP(?:ORARY)?\s+(TABLE|VIEW)\s+(\w+)\s+AS\s+(.*)$", re.I | re.S
)
_DROP = re.compile(r"^\s*DROP\s+(TABLE|VIEW)\s+(IF\s+EXISTS\s+)?(\w+)\s*;?\s*$", re.I)


# -- availability and sessions ------------------------------------------------------------------


def check_spark(*, need_java: bool = True) -> None:
    """Raise :class:`EngineUnavailable` naming what is missing for a local/driver Spark session."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise EngineUnavailable(
            "the Spark engine needs pyspark: install it with  pip install 'unmask[spark]'"
        ) from None
    if need_java:
        java_home = os.environ.get("JAVA_HOME")
        java = os.path.join(java_home, "bin", "java") if java_home else shutil.which("java")
        if not java or not os.path.exists(java):
            raise EngineUnavailable(
                "the Spark engine needs Java 17 or newer (no `java` on PATH and no JAVA_HOME): on Debian/Ubuntu "
                "apt-get install -y openjdk-17-jre-headless"
            )


def spark_session(
    master: str | None = None,
    *,
    app_name: str = "unmask",
    config: dict[str, str] | None = None,
    shuffle_partitions: int | None = None,
) -> Any:
    """Get or create a SparkSession for unmask (UTC session time zone).

    ``master`` is any Spark master URL (``local[2]``, ``yarn``, ``spark://host:7077``,
    ``k8s://…``); ``None`` = the active session if there is one (a Databricks notebook's), else
    what ``spark-submit`` set, else ``local[*]``. ``config`` adds Spark settings (for a new
    session). In local mode the shuffle partitions default to 4 per core and the driver (which
    runs everything there) gets half of the machine's memory.
    """
    check_spark()
    from pyspark.sql import SparkSession

    if master is None:
        active = SparkSession.getActiveSession()
        if active is not None:  # a notebook's (Databricks) or an earlier caller's session, as it is
            return active
    b = SparkSession.builder.appName(app_name)
    # under spark-submit the master comes from its --master (the driver is started through a gateway)
    submitted = bool(os.environ.get("PYSPARK_GATEWAY_PORT") or os.environ.get("PYSPARK_SUBMIT_ARGS"))
    m = master or (None if submitted else "local[*]")
    if m:
        b = b.master(m)
    conf = {"spark.sql.session.timeZone": "UTC", "spark.ui.showConsoleProgress": "false"}
    if m and m.startswith("local"):
        conf["spark.ui.enabled"] = "false"
        # everything runs in the driver's JVM in local mode: Spark's 1 GB default is too small
        conf["spark.driver.memory"] = f"{max(1, _ram_gb() // 2)}g"
        if shuffle_partitions is None:
            cores = m[m.find("[") + 1:m.find("]")] if "[" in m else "1"
            n = (os.cpu_count() or 2) if cores in ("*", "") else int(cores.split(",")[0])
            shuffle_partitions = 4 * n
    if shuffle_partitions:
        conf["spark.sql.shuffle.partitions"] = str(int(shuffle_partitions))
    conf.update(config or {})
    for k, v in conf.items():
        b = b.config(k, v)
    spark = b.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _ram_gb() -> int:
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30)
    except (ValueError, OSError, AttributeError):
        return 4


# -- SQL translation ------------------------------------------------------------------------------


def _sp(e: exp.Expression) -> str:
    return e.sql(dialect="spark")


def _parse(sql: str) -> exp.Expression:
    return sqlglot.parse_one(sql, read="spark")


def _sorted_values(keys: list[tuple[exp.Expression, bool]], value: exp.Expression) -> str:
    """Spark SQL: the collected ``value``s sorted by ``keys`` (expression, descending)."""
    fields = []
    for i, (k, desc) in enumerate(keys):
        ks = _sp(k)
        fields.append(f"{'-(' + ks + ')' if desc else ks} AS k{i}")
    fields.append(f"{_sp(value)} AS v")
    return f"ARRAY_SORT(COLLECT_LIST(STRUCT({', '.join(fields)})))"


def _fix(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Anonymous) and node.name.lower() == "hash":
        return exp.Anonymous(this="XXHASH64", expressions=node.expressions)
    if isinstance(node, exp.UnixToTime):
        scale = node.args.get("scale")
        if scale is not None and scale.name == "3":  # DuckDB epoch_ms(timestamp)
            # DuckDB rounds to the nearest millisecond, Spark's unix_millis truncates
            return _parse(f"CAST(ROUND(UNIX_MICROS({_sp(node.this)}) / 1000.0) AS BIGINT)")
        if scale is None:  # DuckDB to_timestamp(double seconds)
            return _parse(f"TIMESTAMP_MICROS(CAST(ROUND(({_sp(node.this)}) * 1000000) AS BIGINT))")
    if isinstance(node, exp.ArgMin) and node.args.get("count") is not None:
        arr = _sorted_values([(node.expression, False)], node.this)
        return _parse(f"TRANSFORM(SLICE({arr}, 1, {_sp(node.args['count'])}), e__ -> e__.v)")
    if isinstance(node, exp.ArrayAgg) and isinstance(node.this, exp.Order):
        order = node.this
        keys = [(o.this, bool(o.args.get("desc"))) for o in order.expressions]
        return _parse(f"TRANSFORM({_sorted_values(keys, order.this)}, e__ -> e__.v)")
    if isinstance(node, exp.Bracket) and len(node.expressions) == 1 and isinstance(node.expressions[0], exp.Slice):
        sl = node.expressions[0]
        lo, hi = _sp(sl.this), _sp(sl.expression)
        return _parse(f"SLICE({_sp(node.this)}, {lo}, ({hi}) - ({lo}) + 1)")
    if (isinstance(node, exp.Cast) and node.to.is_type(*exp.DataType.INTEGER_TYPES)
            and isinstance(node.this, exp.Div)):
        return _parse(f"CAST(BROUND({_sp(node.this)}) AS {_sp(node.to)})")
    if isinstance(node, exp.Log) and node.expression is not None and node.this.name == "10":
        return exp.Anonymous(this="LOG10", expressions=[node.expression])
    return node


def _rewrite(node: exp.Expression) -> exp.Expression:
    for k, v in list(node.args.items()):
        if isinstance(v, exp.Expression):
            node.set(k, _rewrite(v))
        elif isinstance(v, list):
            node.set(k, [_rewrite(x) if isinstance(x, exp.Expression) else x for x in v])
    return _fix(node)


def to_spark_sql(sql: str) -> str:
    """One DuckDB SQL query (or expression) as Spark SQL, with the rewrites of this module."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    return _rewrite(tree).sql(dialect="spark")


# -- the connection ------------------------------------------------------------------------------


class SparkConnection:
    """Runs unmask's DuckDB SQL on ``spark`` (see the module docstring).

    ``scratch``: a directory URI for materialised intermediate tables (Parquet, written and read
    back); ``None`` = local checkpoints (executor memory and disk, lineage cut). Use a scratch
    URI on clusters whose executors may be lost (spot instances), or for tables larger than the
    executors' disks.
    """

    dialect = "spark"

    def __init__(self, spark: Any, *, scratch: str | None = None, own: bool = False) -> None:
        self.spark = spark
        self.scratch = scratch.rstrip("/") if scratch else None
        self._own = own
        self._result: Any = None
        self._tables: dict[str, Any] = {}
        self._run = uuid.uuid4().hex[:8]
        spark.conf.set("spark.sql.session.timeZone", "UTC")

    def __repr__(self) -> str:
        return f"SparkConnection(master={self.spark.sparkContext.master!r}, scratch={self.scratch!r})"

    # DuckDB-like API --------------------------------------------------------------------------

    def execute(self, sql: str, parameters: Iterable[Any] | None = None) -> SparkConnection:
        """Run one statement (DuckDB dialect); the result, if any, is fetched afterwards."""
        if parameters:
            raise NotImplementedError("SparkConnection.execute takes no parameters")
        self._result = None
        m = _CREATE.match(sql)
        if m:
            kind, name, query = m.group(1).upper(), m.group(2), m.group(3)
            df = self.spark.sql(to_spark_sql(query))
            if kind == "TABLE":
                df = self._materialise(name, df)
            self._drop(name)
            df.createOrReplaceTempView(name)
            self._tables[name.lower()] = df
            return self
        m = _DROP.match(sql)
        if m:
            name = m.group(3)
            if not m.group(2) and not self.spark.catalog.tableExists(name):
                raise KeyError(f"no table {name!r}")
            self._drop(name)
            return self
        self._result = self.spark.sql(to_spark_sql(sql))
        return self

    def sql(self, sql: str) -> Any:
        """The Spark DataFrame of one DuckDB-dialect query (not executed yet)."""
        return self.spark.sql(to_spark_sql(sql))

    @property
    def description(self) -> list[tuple[Any, ...]]:
        """Column names of the last result, as DB-API 7-tuples (like DuckDB's)."""
        if self._result is None:
            return []
        return [(c, None, None, None, None, None, None) for c in self._result.columns]

    def to_arrow_table(self) -> pa.Table:
        """The last result as an Arrow table (collected to the driver)."""
        return self._result.toArrow()

    def fetchall(self) -> list[tuple[Any, ...]]:
        """The last result's rows as tuples."""
        return [tuple(r) for r in self._result.collect()]

    def fetchone(self) -> tuple[Any, ...] | None:
        """The first row of the last result."""
        rows = self._result.take(1)
        return tuple(rows[0]) if rows else None

    def fetchnumpy(self) -> dict[str, np.ndarray]:
        """The last result as NumPy arrays by column."""
        t = self.to_arrow_table()
        return {c: t.column(c).to_numpy(zero_copy_only=False) for c in t.column_names}

    def register(self, name: str, table: pa.Table) -> SparkConnection:
        """Make an Arrow table available as view ``name`` (sent from the driver)."""
        df = self.spark.createDataFrame(table) if table.num_rows else self._empty(table.schema)
        self._drop(name)
        df.createOrReplaceTempView(name)
        self._tables[name.lower()] = df
        return self

    def unregister(self, name: str) -> SparkConnection:
        """Drop view ``name``."""
        self._drop(name)
        return self

    def close(self) -> None:
        """Drop this connection's views; stop the session only if this connection started it."""
        for name in list(self._tables):
            self._drop(name)
        if self._own:
            self.spark.stop()

    # unmask helpers ---------------------------------------------------------------------------

    def table(self, name: str) -> Any:
        """The Spark DataFrame behind view ``name``."""
        return self.spark.table(name)

    def read_parquet(self, name: str, uri: str, schema: pa.Schema | None = None) -> str:
        """View ``name`` over the Parquet files under ``uri`` (an empty typed view if there are none)."""
        try:
            df = self.spark.read.option("mergeSchema", "true").parquet(uri)
        except Exception as e:  # no files (or no directory): an empty table of the canonical schema
            if schema is None or ("PATH_NOT_FOUND" not in str(e) and "UNABLE_TO_INFER_SCHEMA" not in str(e)):
                raise
            df = self._empty(schema)
        self._drop(name)
        df.createOrReplaceTempView(name)
        self._tables[name.lower()] = df
        return name

    # internals --------------------------------------------------------------------------------

    def _empty(self, schema: pa.Schema) -> Any:
        from pyspark.sql.pandas.types import from_arrow_schema

        return self.spark.createDataFrame([], from_arrow_schema(schema))

    def _materialise(self, name: str, df: Any) -> Any:
        if self.scratch:
            path = f"{self.scratch}/{self._run}/{name}"
            df.write.mode("overwrite").parquet(path)
            return self.spark.read.parquet(path)
        return df.localCheckpoint(eager=True)

    def _drop(self, name: str) -> None:
        df = self._tables.pop(name.lower(), None)
        if df is not None:
            with contextlib.suppress(Exception):  # best effort
                df.unpersist()
        self.spark.catalog.dropTempView(name)
