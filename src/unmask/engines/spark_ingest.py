"""Ingest on Spark: the tabular readers' own SQL, transpiled, on a SparkSession.

:func:`ingest_spark` does what :func:`unmask.ingest.ingest_files` does — sniff each input, stage
it, reject unusable records with reasons, drop duplicates by ``platform + post_id``, append a
posts part, merge the accounts and record the input in ``manifest.json`` — with every row
operation on Spark, so that an archive too large for one machine can be ingested on a cluster.
Inputs and the dataset may be local paths or any URI Spark's Hadoop file systems reach
(``s3a://``, ``abfss://``, ``gs://``, ``hdfs://``, ``file://``).

There is no second implementation of the formats: each reader's :meth:`~unmask.ingest._base.Reader.stage`
runs unchanged against :class:`SparkIngestContext`, whose connection (:class:`_IngestConnection`)
takes the reader's DuckDB SQL, expands the shared ``unmask_*`` macros of
:mod:`unmask.ingest._sql` from their DuckDB definitions, rewrites the few DuckDB-only functions
the readers use (below) and hands the rest to :func:`unmask.engines.spark.to_spark_sql`'s
translation. Only reading the CSV itself (with record numbers) and the driver's bookkeeping are
written here for Spark.

=================================================  ============================================
DuckDB (in a reader or macro)                      Spark
=================================================  ============================================
``unmask_*(…)`` macros                             their DuckDB bodies, arguments substituted
``regexp_extract(s, p, ['a', 'b'])`` (a struct)    ``STRUCT(REGEXP_EXTRACT(s, p, 1) AS a, …)``
``regexp_extract[_all](s, p)`` (group 0)           the group passed explicitly (Spark's is 1)
``regexp_full_match(s, p)``                        ``s RLIKE '^(?:p)$'``
``try_strptime(s, [f1, f2])``                      ``COALESCE(TRY_TO_TIMESTAMP(s, j1), …)``
``make_timestamptz(µs)``                           ``TIMESTAMP_MICROS(µs)``
``timezone(zone, ts)``                             ``TO_UTC_TIMESTAMP(ts, zone)``
``list[i]`` (1-based)                              ``TRY_ELEMENT_AT(list, i)``
``read_csv('file', …)`` / ``read_parquet('file')``  a view over Spark's reader of that file
``WITH x AS MATERIALIZED (…)``                      ``WITH x AS (…)`` (Spark plans it itself)
=================================================  ============================================

Formats on Spark: :data:`SPARK_FORMATS` (the CSV and Parquet readers). The JSON-lines readers
(``twitter-v1``, ``twarc2``, ``jetstream``, generic JSON lines) stage their files chunk by chunk
through DuckDB's JSON functions and are refused with a :class:`~unmask.ingest.FormatError` that
says to ingest them with DuckDB.

Record numbers (``source_record``): each CSV file is read with Spark's ``multiLine`` CSV reader
(quoted fields may hold newlines, as the IO-archive's tweet texts do), which reads a file in one
task, in order; rows are numbered in file order from their split and position, so
``source_record`` is, as with DuckDB, the record's position among the file's readable records.
A malformed row (too few or too many fields) is rejected with its position among *all* records
of the file (DuckDB gives its physical line) and the reason ``malformed CSV record``; Spark does
not say which column. Parallelism comes from many input files (a platform's archive is many
files, and gzip files cannot be split anyway) and from the derivations after the read.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import os
import re
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

import sqlglot
from sqlglot import exp

from unmask import __version__
from unmask.dataset import _now
from unmask.engines.spark import _CREATE, SparkConnection, _rewrite
from unmask.ingest import READERS, FileReport, FormatError, IngestReport, _sha256, get_reader
from unmask.ingest._base import IngestContext, Sniff, detect_encoding, read_head, sql_lit
from unmask.schema import ACCOUNTS, POSTS, REJECTS, SCHEMA_VERSION

__all__ = ["SPARK_FORMATS", "SparkIngestContext", "ingest_spark", "ingest_sql"]

#: Formats :func:`ingest_spark` reads (CSV, and Parquet through ``generic``).
SPARK_FORMATS = ("io-archive", "cnt", "coortweet", "ira", "generic")

#: A CSV file of at least this many records is spread over the executors after it is read (in
#: partitions of about this many rows; at least as many as the default parallelism).
_SPREAD_ROWS = 200_000
#: The extra columns of ``stage_posts`` after the canonical ones.
_STAGE_EXTRA = (("_record", "bigint"), ("_err_field", "string"), ("_err_reason", "string"), ("_raw", "string"))


# -- SQL: macros expanded, DuckDB-only functions rewritten ---------------------------------------


def _spark_type(t: Any) -> str:
    import pyarrow as pa

    if pa.types.is_list(t):
        return f"array<{_spark_type(t.value_type)}>"
    if pa.types.is_timestamp(t):
        return "timestamp"
    return {pa.string(): "string", pa.int64(): "bigint", pa.bool_(): "boolean", pa.float64(): "double"}[t]


def _table_types(name: str) -> list[tuple[str, str]]:
    base = {"stage_posts": POSTS, "stage_accounts": ACCOUNTS, "stage_rejects": REJECTS}[name]
    cols = [(f.name, _spark_type(f.type)) for f in base]
    return cols + list(_STAGE_EXTRA) if name == "stage_posts" else cols


_MACRO_DEF = re.compile(r"^\s*CREATE\s+OR\s+REPLACE\s+MACRO\s+(\w+)\s*\(([^)]*)\)\s+AS\s+(.*)$", re.S | re.I)
_MACROS: dict[str, tuple[list[str], exp.Expression]] | None = None


def _macros() -> dict[str, tuple[list[str], exp.Expression]]:
    """The ``unmask_*`` macros of :mod:`unmask.ingest._sql`, parsed from their DuckDB definitions."""
    global _MACROS
    if _MACROS is None:
        from unmask.ingest import _sql

        found = {}
        for text in _sql._MACROS:
            m = _MACRO_DEF.match(text)
            if not m:
                raise RuntimeError(f"cannot read macro definition: {text[:80]}")
            params = [p.strip() for p in m.group(2).split(",") if p.strip()]
            found[m.group(1).lower()] = (params, sqlglot.parse_one(m.group(3), read="duckdb"))
        _MACROS = found
    return _MACROS


def _substitute(body: exp.Expression, args: dict[str, exp.Expression]) -> exp.Expression:
    def sub(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column):
            parts = [p.name for p in node.parts]
            if parts and parts[0] in args and not (len(parts) == 1 and parts[0] not in args):
                out: exp.Expression = args[parts[0]].copy()
                for field in parts[1:]:  # p.scheme: a field of a struct argument
                    out = exp.Dot(this=out, expression=exp.to_identifier(field))
                return out
        return node

    return body.copy().transform(sub)


def _expand(node: exp.Expression) -> exp.Expression:
    macros = _macros()

    def fn(n: exp.Expression) -> exp.Expression:
        if isinstance(n, exp.Anonymous) and n.name.lower() in macros:
            params, body = macros[n.name.lower()]
            if len(params) != len(n.expressions):
                raise ValueError(f"macro {n.name} takes {len(params)} arguments")
            return _expand(_substitute(body, dict(zip(params, n.expressions, strict=True))))
        return n

    return node.transform(fn)


_STRPTIME = {"%Y": "yyyy", "%m": "M", "%d": "d", "%H": "H", "%M": "m", "%S": "s", "%y": "yy",
             "%b": "MMM", "%B": "MMMM", "%z": "XXX", "%f": "SSSSSS", "%p": "a", "%I": "h", "%%": "%"}


def _java_format(fmt: str) -> str:
    """A strptime format as a Java DateTimeFormatter pattern (letters outside % quoted)."""
    out = []
    i = 0
    while i < len(fmt):
        if fmt[i] == "%" and fmt[i:i + 2] in _STRPTIME:
            out.append(_STRPTIME[fmt[i:i + 2]])
            i += 2
            continue
        if fmt[i] == "%":
            raise FormatError(f"time format {fmt!r}: {fmt[i:i + 2]} is not supported on Spark")
        ch = fmt[i]
        out.append(f"'{ch}'" if ch.isalpha() else ("''" if ch == "'" else ch))
        i += 1
    return "".join(out)


def _lit(node: exp.Expression) -> str | None:
    return node.this if isinstance(node, exp.Literal) and node.is_string else None


def _fix_ingest(n: exp.Expression) -> exp.Expression:
    name = n.name.lower() if isinstance(n, exp.Anonymous) else ""
    if isinstance(n, exp.CTE) and n.args.get("materialized") is not None:  # a DuckDB planner hint
        n.set("materialized", None)
        return n
    if isinstance(n, exp.RegexpExtract):
        names = n.args.get("group")
        if isinstance(names, exp.Array):  # DuckDB's regexp_extract(s, p, ['a', 'b']): a struct
            fields = [
                exp.alias_(exp.Anonymous(this="REGEXP_EXTRACT", expressions=[n.this.copy(), n.expression.copy(),
                                                                              exp.Literal.number(i + 1)]), _lit(k))
                for i, k in enumerate(names.expressions)
            ]
            return exp.Struct(expressions=fields)
        return exp.Anonymous(this="REGEXP_EXTRACT", expressions=[n.this, n.expression, names or exp.Literal.number(0)])
    if isinstance(n, exp.RegexpExtractAll):
        group = n.args.get("group") or exp.Literal.number(0)
        return exp.Anonymous(this="REGEXP_EXTRACT_ALL", expressions=[n.this, n.expression, group])
    if isinstance(n, exp.RegexpFullMatch):
        pat = _lit(n.expression)
        if pat is None:
            raise ValueError("regexp_full_match needs a literal pattern on Spark")
        return exp.RegexpLike(this=n.this, expression=exp.Literal.string(f"^(?:{pat})$"))
    if name == "try_strptime":
        value, fmts = n.expressions
        fl = [_lit(f) for f in (fmts.expressions if isinstance(fmts, exp.Array) else [fmts])]
        return exp.Coalesce(this=exp.Anonymous(this="TRY_TO_TIMESTAMP", expressions=[value.copy(), exp.Literal.string(
            _java_format(fl[0]))]), expressions=[exp.Anonymous(this="TRY_TO_TIMESTAMP", expressions=[
                value.copy(), exp.Literal.string(_java_format(f))]) for f in fl[1:]])
    if name == "strlen" and len(n.expressions) == 1:  # bytes of a string (unmask_trim's test)
        return exp.Anonymous(this="OCTET_LENGTH", expressions=n.expressions)
    if name == "make_timestamptz" and len(n.expressions) == 1:
        return exp.Anonymous(this="TIMESTAMP_MICROS", expressions=n.expressions)
    if name == "timezone" and len(n.expressions) == 2:
        return exp.Anonymous(this="TO_UTC_TIMESTAMP", expressions=[n.expressions[1], n.expressions[0]])
    if isinstance(n, exp.JSONObject):  # json_object(k, v, …): the generic reader's raw record
        args = []
        for kv in n.expressions:
            args += [kv.this, kv.expression]
        return exp.Anonymous(this="TO_JSON", expressions=[exp.Anonymous(this="NAMED_STRUCT", expressions=args)])
    if isinstance(n, exp.Length) and isinstance(n.this, exp.Column) and re.fullmatch(
            r"s_(hashtags|urls|domains|mentions)", n.this.name):  # len() of generic's list columns
        return exp.Anonymous(this="SIZE", expressions=[n.this])
    if isinstance(n, exp.Bracket) and len(n.expressions) == 1 and _lit(n.expressions[0]) is None \
            and not isinstance(n.expressions[0], exp.Slice):
        i = n.expressions[0]  # SQLGlot's parser stores a literal index 0-based
        i = exp.Literal.number(int(i.this) + 1) if isinstance(i, exp.Literal) else i
        return exp.Anonymous(this="TRY_ELEMENT_AT", expressions=[n.this, i])
    return n


def _bottom_up(node: exp.Expression, fn: Callable[[exp.Expression], exp.Expression]) -> exp.Expression:
    for k, v in list(node.args.items()):
        if isinstance(v, exp.Expression):
            node.set(k, _bottom_up(v, fn))
        elif isinstance(v, list):
            node.set(k, [_bottom_up(x, fn) if isinstance(x, exp.Expression) else x for x in v])
    return fn(node)


def ingest_sql(sql: str) -> str:
    """One DuckDB statement or query of a reader as Spark SQL (macros expanded, see the module doc)."""
    tree = _bottom_up(_expand(sqlglot.parse_one(sql, read="duckdb")), _fix_ingest)
    return _rewrite(tree).sql(dialect="spark")


# -- the connection a reader talks to --------------------------------------------------------------

_INSERT = re.compile(r"^\s*INSERT\s+INTO\s+(\w+)\s+(.*)$", re.I | re.S)
_COUNT = re.compile(r"^\s*SELECT\s+count\(\*\)\s+FROM\s+(\w+)\s*$", re.I)
_HAS_TABLE = re.compile(r"FROM\s+duckdb_tables\(\)\s+WHERE\s+table_name\s*=\s*'(\w+)'", re.I)
_NUMBERED = re.compile(r"row_number\(\)\s+OVER\s*\(\)\s+AS\s+_record\s*,\s*\*\s+FROM\s+read_parquet\(", re.I)
_TABLE_FN = re.compile(r"\b(read_csv|read_parquet)\(\s*'((?:[^']|'')*)'[^)]*\)", re.I)


class _IngestConnection(SparkConnection):
    """A :class:`SparkConnection` that runs the readers' statements (see the module docstring)."""

    def __init__(self, spark: Any, csv_options: Callable[[str], dict[str, str]]) -> None:
        super().__init__(spark)
        self._pieces: dict[str, list[Any]] = {}
        self._csv_options = csv_options
        self._n = 0
        self._known: dict[str, int] = {}  # row counts known without a job (a reader's count(*) queries)
        self._kept: list[Any] = []

    def sql(self, sql: str) -> Any:
        sql = _NUMBERED.sub("* FROM read_parquet(", sql)
        return self.spark.sql(ingest_sql(self._table_functions(sql)))

    def _table_functions(self, sql: str) -> str:
        def repl(m: re.Match[str]) -> str:
            kind, path = m.group(1).lower(), m.group(2).replace("''", "'")
            self._n += 1
            name = f"_tf{self._n}"
            if kind == "read_parquet":  # numbered in file order: ``row_number() OVER ()`` is read as this
                df = _number_rows(self.spark.read.parquet(path), "_record")
                df = df.select("_record", *[c for c in df.columns if c != "_record"])
            else:
                df = self.spark.read.options(**self._csv_options(path)).csv(path)
            df.createOrReplaceTempView(name)
            self._tables[name] = df
            return name

        return _TABLE_FN.sub(repl, sql)

    def execute(self, sql: str, parameters: Iterable[Any] | None = None) -> _IngestConnection:
        if parameters:
            raise NotImplementedError("parameters")
        self._result = None
        s = sql.strip()
        if re.match(r"^SET\s", s, re.I):
            return self
        m = _COUNT.match(s)
        if m and m.group(1).lower() in self._known:
            self._result = _Rows([(int(self._known[m.group(1).lower()]),)])
            return self
        m = _HAS_TABLE.search(s)
        if m:
            self._result = _Rows([(int(self.spark.catalog.tableExists(m.group(1))),)])
            return self
        if re.match(r"^DESCRIBE\s+(\w+)\s*$", s, re.I):
            df = self.spark.table(s.split()[1])
            self._result = _Rows([(f.name, _duck_type(f.dataType)) for f in df.schema.fields])
            return self
        m = _INSERT.match(s)
        if m:
            self.insert(m.group(1), self.sql(m.group(2)))
            return self
        m = _CREATE.match(s)
        if m:
            kind, name, query = m.group(1).upper(), m.group(2), m.group(3)
            df = self.sql(query)
            if kind == "TABLE":
                df = self._materialise(name, df)
            self.put(name, df)
            return self
        if re.match(r"^\s*DROP\s", s, re.I):
            name = s.rstrip(";").split()[-1].strip('"')
            self._pieces.pop(name.lower(), None)
            self._drop(name)
            return self
        self._result = self.sql(s)
        return self

    def put(self, name: str, df: Any, known: int | None = None) -> None:
        """Name ``df`` as view ``name`` (``known``: its row count, if known)."""
        self._drop(name)
        df.createOrReplaceTempView(name)
        self._tables[name.lower()] = df
        self._known.pop(name.lower(), None)
        if known is not None:
            self._known[name.lower()] = known

    def keep(self, df: Any) -> None:
        """Unpersist cached ``df`` when the connection is closed."""
        self._kept.append(df)

    def close(self) -> None:
        super().close()
        for df in self._kept:
            with contextlib.suppress(Exception):
                df.unpersist()

    def create_stage(self, name: str) -> None:
        """An empty stage table (``stage_posts``, ``stage_accounts`` or ``stage_rejects``)."""
        ddl = ", ".join(f"`{c}` {t}" for c, t in _table_types(name))
        self._pieces[name] = []
        self.put(name, self.spark.createDataFrame([], ddl), known=0)

    def insert(self, name: str, df: Any, known: int | None = None) -> None:
        """``INSERT INTO name SELECT …``: the rows are appended by position, cast to the table's types."""
        key = name.lower()
        before = self._known.get(key)
        if key in self._pieces:
            types = _table_types(key)
            if len(df.columns) != len(types):
                raise ValueError(f"INSERT INTO {name}: {len(df.columns)} columns for {len(types)}")
            df = df.toDF(*[f"_c{i}" for i in range(len(types))]).selectExpr(
                *[f"CAST(_c{i} AS {t}) AS `{c}`" for i, (c, t) in enumerate(types)])
            if key != "stage_rejects":  # derived once, however often the reader and the driver read it
                df = df.cache()
                self.keep(df)
            self._pieces[key].append(df)
            out = self._pieces[key][0]
            for p in self._pieces[key][1:]:
                out = out.unionByName(p)
            self.put(name, out, before + known if before is not None and known is not None else None)
            return
        cur = self.spark.table(name)  # an ordinary temp table: union by position
        df = df.toDF(*cur.columns)
        self.put(name, cur.unionByName(df).localCheckpoint(eager=True))


class _Rows:
    """A result computed on the driver (no Spark job), fetched like a DataFrame's."""

    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        self.rows = rows

    def take(self, n: int) -> list[tuple[Any, ...]]:
        return self.rows[:n]

    def collect(self) -> list[tuple[Any, ...]]:
        return list(self.rows)


def _duck_type(t: Any) -> str:
    from pyspark.sql import types as T

    if isinstance(t, T.ArrayType):
        return _duck_type(t.elementType) + "[]"
    if isinstance(t, T.StructType):
        return "STRUCT(" + ", ".join(f'"{f.name}" {_duck_type(f.dataType)}' for f in t.fields) + ")"
    return {T.StringType: "VARCHAR", T.LongType: "BIGINT", T.IntegerType: "INTEGER", T.DoubleType: "DOUBLE",
            T.FloatType: "FLOAT", T.BooleanType: "BOOLEAN", T.TimestampType: "TIMESTAMP WITH TIME ZONE",
            T.TimestampNTZType: "TIMESTAMP", T.DateType: "DATE"}.get(type(t), "VARCHAR")


# -- paths and URIs --------------------------------------------------------------------------------


def _is_uri(p: Any) -> bool:
    return isinstance(p, str) and "://" in p


class _Fs:
    """The few file-system operations ingest needs, through Spark's Hadoop file systems."""

    def __init__(self, spark: Any) -> None:
        self.spark = spark
        self.jvm = spark.sparkContext._jvm
        self.conf = spark.sparkContext._jsc.hadoopConfiguration()

    def _p(self, uri: str) -> tuple[Any, Any]:
        p = self.jvm.org.apache.hadoop.fs.Path(uri)
        return p.getFileSystem(self.conf), p

    def exists(self, uri: str) -> bool:
        fs, p = self._p(uri)
        return bool(fs.exists(p))

    def is_file(self, uri: str) -> bool:
        fs, p = self._p(uri)
        return bool(fs.exists(p) and fs.getFileStatus(p).isFile())

    def size(self, uri: str) -> int:
        fs, p = self._p(uri)
        return int(fs.getFileStatus(p).getLen())

    def list(self, uri: str) -> list[str]:
        fs, p = self._p(uri)
        if not fs.exists(p):
            return []
        return sorted(str(s.getPath().getName()) for s in fs.listStatus(p))

    def mkdirs(self, uri: str) -> None:
        fs, p = self._p(uri)
        fs.mkdirs(p)

    def rename(self, src: str, dst: str) -> None:
        fs, p = self._p(src)
        if not fs.rename(p, self.jvm.org.apache.hadoop.fs.Path(dst)):
            raise OSError(f"could not move {src} to {dst}")

    def delete(self, uri: str) -> None:
        fs, p = self._p(uri)
        fs.delete(p, True)

    def read_text(self, uri: str) -> str:
        fs, p = self._p(uri)
        stream = fs.open(p)
        try:
            return str(self.jvm.org.apache.commons.io.IOUtils.toString(stream, "UTF-8"))
        finally:
            stream.close()

    def head(self, uri: str, n: int) -> bytes:
        """The first ``n`` bytes of a file, decompressed by its extension (``.gz``, …) as Spark would."""
        fs, p = self._p(uri)
        stream = fs.open(p)
        try:
            codec = self.jvm.org.apache.hadoop.io.compress.CompressionCodecFactory(self.conf).getCodec(p)
            src = codec.createInputStream(stream) if codec is not None else stream
            return bytes(src.readNBytes(n))
        finally:
            stream.close()

    def write_text(self, uri: str, text: str) -> None:
        fs, p = self._p(uri)
        out = fs.create(p, True)
        try:
            out.write(bytearray(text.encode("utf-8")))
        finally:
            out.close()


class _UriPath:
    """The little of :class:`pathlib.Path` the readers use, for an input given as a URI."""

    def __init__(self, uri: str, fs: _Fs) -> None:
        self.uri, self.fs = uri.rstrip("/"), fs
        self._p = PurePosixPath(self.uri.split("://", 1)[1])

    def __str__(self) -> str:
        return self.uri

    def __repr__(self) -> str:
        return f"_UriPath({self.uri!r})"

    @property
    def name(self) -> str:
        return self._p.name

    @property
    def suffixes(self) -> list[str]:
        return self._p.suffixes

    @property
    def parent(self) -> _UriPath:
        return _UriPath(self.uri.rsplit("/", 1)[0], self.fs)

    def __truediv__(self, other: str) -> _UriPath:
        return _UriPath(f"{self.uri}/{other}", self.fs)

    def is_file(self) -> bool:
        return self.fs.is_file(self.uri)


def _head(path: Any, n: int = 1 << 16) -> bytes:
    """The first bytes of a file (decompressed); a URI's through Hadoop's file systems."""
    return path.fs.head(path.uri, n) if isinstance(path, _UriPath) else read_head(path, n)


_SPARK_ENC = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "utf-16": "UTF-16", "utf-16-le": "UTF-16LE",
              "utf-16-be": "UTF-16BE", "latin-1": "ISO-8859-1"}


# -- the context a reader stages into ---------------------------------------------------------------


class SparkIngestContext(IngestContext):
    """An :class:`IngestContext` whose tables live on Spark: the readers' ``stage`` runs unchanged."""

    con: _IngestConnection  # type: ignore[assignment]

    @property
    def source(self) -> str:
        return str(self.path)

    def create_stage_tables(self) -> None:
        for t in ("stage_posts", "stage_accounts", "stage_rejects"):
            self.con.create_stage(t)

    def reject(self, record: int | None, field_: str | None, reason: str, raw: str | bytes | None) -> None:
        raise FormatError(f"{self.path}: {reason}")  # only the JSON-lines path rejects from Python

    def json_chunks(self, table: str = "lines", batches: Any = None) -> Any:
        raise FormatError(f"{self.path}: JSON lines are not read on Spark (formats on Spark: "
                          f"{', '.join(SPARK_FORMATS)}, generic CSV/Parquet); ingest this file with the DuckDB engine")

    def _head(self) -> bytes:
        return _head(self.path, 1 << 20)

    def csv_header(self, delimiter: str = ",", quote: str = '"') -> list[str]:
        head = self._head()
        if not head.strip():
            return []
        enc = detect_encoding(head)
        text = head.decode(enc, errors="replace").lstrip("\ufeff")
        try:
            row = next(csv.reader(io.StringIO(text), delimiter=delimiter, quotechar=quote))
        except (StopIteration, csv.Error):
            return []
        return [h.strip().lstrip("\ufeff") for h in row]

    def _encoding(self) -> str:
        enc = self.encoding or detect_encoding(self._head()[: 1 << 16])
        if enc not in _SPARK_ENC:
            raise FormatError(f"{self.path}: unsupported encoding {enc!r} for CSV input")
        return _SPARK_ENC[enc]

    def stage_csv(
        self,
        table: str = "records",
        *,
        required: tuple[str, ...] = (),
        delimiter: str = ",",
        quote: str = '"',
        escape: str = '"',
        header: bool = True,
        columns: list[str] | None = None,
    ) -> list[str]:
        """Read the CSV with Spark into ``table`` (all columns strings, plus ``_record``)."""
        from pyspark.sql import functions as F
        from pyspark.sql.types import StringType, StructField, StructType

        names = columns or self.csv_header(delimiter, quote)
        have = {n.lower() for n in names}
        if missing := [r for r in required if r.lower() not in have] if names else ["(no header row)"]:
            raise FormatError(f"{self.path}: missing required column(s) {', '.join(missing)} for format "
                              f"'{self.format}' (found: {', '.join(names[:40])})")
        seen: Counter[str] = Counter()  # distinct names, as DuckDB's reader makes them (Spark: case-insensitively)
        unique = [f"{k}_{seen[k.lower()]}" if seen.update([k.lower()]) or seen[k.lower()] > 1 else k
                  for k in (n or "column" for n in names)]
        schema = StructType([StructField(n, StringType()) for n in unique] + [StructField("_corrupt", StringType())])
        spark = self.con.spark
        df = (spark.read.options(header=str(header).lower(), sep=delimiter, quote=quote, escape=escape,
                                 multiLine="true", mode="PERMISSIVE", columnNameOfCorruptRecord="_corrupt",
                                 encoding=self._encoding(), enforceSchema="true")
              .schema(schema).csv(self.source))
        df = _number_rows(df, "_pos")
        self.con.keep(df)
        total, bad_list = df.selectExpr("count(*)", "collect_list(CASE WHEN _corrupt IS NOT NULL THEN _pos END)").first()
        bad_pos = sorted(bad_list)
        bad = df.where(F.col("_corrupt").isNotNull())
        if bad_pos:
            self.con.insert("stage_rejects", bad.selectExpr(
                f"{sql_lit(self.source)}", "_pos", "CAST(NULL AS STRING)",
                "'malformed CSV record (wrong number of fields or broken quoting)'",
                f"left(_corrupt, {100_000})", f"{sql_lit(self.format)}"), known=len(bad_pos))
            self.note("malformed CSV records are rejected with their position among all records of the file")
            arr = ", ".join(str(int(p)) for p in bad_pos)
            rec = f"_pos - size(filter(array({arr}), b -> b < _pos))" if len(bad_pos) <= 10_000 else \
                "row_number() OVER (ORDER BY _pos)"
        else:
            rec = "_pos"
        good = df.where(F.col("_corrupt").isNull()).selectExpr(f"CAST({rec} AS BIGINT) AS _record",
                                                              *[f"`{n}`" for n in unique])
        if total >= _SPREAD_ROWS:  # a file is read by one task: spread its rows for the derivations
            parts = max(spark.sparkContext.defaultParallelism, total // _SPREAD_ROWS)
            good = good.repartition(parts).cache()
            self.con.keep(good)
        self.con.put(table, good, known=total - len(bad_pos))
        return unique


def _number_rows(df: Any, col: str) -> Any:
    """``df`` (straight from a file scan) with ``col`` = 1-based position in file order, materialised.

    Rows are numbered within each split by ``monotonically_increasing_id`` (consecutive within a
    partition) and the splits are put in file order by their start offset: exact and distributed.
    The result is cached (``unpersist`` it when done).
    """
    from pyspark.sql import functions as F

    df = df.select("*", F.monotonically_increasing_id().alias("_m"), F.input_file_name().alias("_f"),
                   F.input_file_block_start().alias("_b"))
    if df.rdd.getNumPartitions() == 1:  # one split (a CSV read whole, a small file): ids are positions
        return df.selectExpr("*", f"_m + 1 AS {col}").drop("_m", "_f", "_b").cache()
    df = df.localCheckpoint(eager=True)  # the ids, fixed before they are used twice
    blocks = sorted(df.groupBy("_f", "_b").agg(F.min("_m").alias("m0"), F.count("*").alias("n")).collect(),
                    key=lambda r: (r["_f"], r["_b"]))
    offs, done = [], 0
    for r in blocks:
        offs.append((r["_f"], r["_b"], r["m0"], done))
        done += r["n"]
    spark = df.sparkSession
    o = spark.createDataFrame(offs, "_f string, _b bigint, _m0 bigint, _off bigint")
    return (df.join(F.broadcast(o), ["_f", "_b"]).selectExpr("*", f"_m - _m0 + _off + 1 AS {col}")
            .drop("_m", "_f", "_b", "_m0", "_off"))


# -- the driver ---------------------------------------------------------------------------------------


def _sniff(path: Any, spark: Any) -> Any:
    from unmask.ingest import sniff as duck_sniff

    if not isinstance(path, _UriPath):
        return duck_sniff(path)[0]
    head = _head(path)
    if not head.strip():
        raise FormatError(f"{path}: empty file")
    best = None
    for r in READERS.values():
        try:
            s = r.sniff(path, head)  # type: ignore[arg-type]
        except Exception as e:  # a sniffer must never take the run down
            s = Sniff(0, str(e))
        if s.score > 0 and (best is None or s.score > best[1].score):
            best = (r, s)
    if best is None or best[1].score < 20:
        raise FormatError(f"{path}: format not recognised; pass --format NAME (on Spark: {', '.join(SPARK_FORMATS)})")
    return best[0]


class _Store:
    """The dataset directory (local path or URI): parts, manifest, accounts file."""

    def __init__(self, dataset: Any, fs: _Fs) -> None:
        self.fs = fs
        dataset = getattr(dataset, "path", dataset)  # a Dataset: its directory
        self.local = not _is_uri(str(dataset))
        if self.local:
            from unmask.dataset import Dataset

            self.ds: Any = Dataset.open(dataset, create=True)
            self.uri = self.ds.path.resolve().as_uri()
        else:
            self.ds = None
            self.uri = str(dataset).rstrip("/")
            if not fs.exists(f"{self.uri}/manifest.json"):
                for sub in ("posts", "accounts", "rejects"):
                    fs.mkdirs(f"{self.uri}/{sub}")
                now = _now()
                self.write_manifest({"tool": "unmask", "tool_version": __version__, "schema_version": SCHEMA_VERSION,
                                     "created_at": now, "updated_at": now, "inputs": []})
            else:
                major = str(self.manifest().get("schema_version", "0")).split(".")[0]
                if major != SCHEMA_VERSION.split(".")[0]:
                    raise FormatError(f"{self.uri}: dataset schema is not readable by this unmask; re-ingest")

    @property
    def label(self) -> str:
        return str(self.ds.path) if self.local else self.uri

    def manifest(self) -> dict[str, Any]:
        if self.local:
            return self.ds.manifest
        return json.loads(self.fs.read_text(f"{self.uri}/manifest.json"))

    def write_manifest(self, m: dict[str, Any]) -> None:
        if self.local:
            self.ds.write_manifest(m)
        else:
            self.fs.write_text(f"{self.uri}/manifest.json", json.dumps(m, indent=2, ensure_ascii=False) + "\n")

    def add_input(self, record: dict[str, Any]) -> None:
        m = self.manifest()
        m["inputs"].append(record)
        m["updated_at"] = _now()
        m["tool_version"] = __version__
        self.write_manifest(m)

    def parts(self, table: str) -> list[str]:
        return [n for n in self.fs.list(f"{self.uri}/{table}") if n.endswith(".parquet") and not n.startswith((".", "_"))]

    def next_part(self, table: str) -> int:
        nums = [int(n.split("-")[1].split(".")[0]) for n in self.parts(table)
                if n.startswith("part-") and n.split("-")[1].split(".")[0].isdigit()]
        return 1 + max(nums, default=0)

    def write(self, table: str, df: Any, stem: str, files: int = 1, sort: tuple[str, ...] = ()) -> tuple[list[str], int]:
        """Write ``df`` as ``table/<stem>[-NNNNN].parquet`` (one file: ``<stem>.parquet``).

        Returns the file names and the number of rows (counted while writing); no rows, no files.
        """
        from pyspark.sql import Observation
        from pyspark.sql import functions as F

        tmp = f"{self.uri}/{table}/_tmp-{uuid.uuid4().hex[:12]}"
        obs = Observation(f"rows_{uuid.uuid4().hex[:8]}")
        df = df.observe(obs, F.count(F.lit(1)).alias("n")).coalesce(max(1, files))
        if sort:  # within each file: no sampling job for a global sort
            df = df.sortWithinPartitions(*sort)
        df.write.option("compression", "zstd").parquet(tmp)
        rows = int(obs.get["n"])
        made = [n for n in self.fs.list(tmp) if n.endswith(".parquet") and not n.startswith((".", "_"))]
        if not rows:
            self.fs.delete(tmp)
            return [], 0
        names = []
        for i, n in enumerate(sorted(made)):
            name = f"{stem}.parquet" if len(made) == 1 else f"{stem}-{i:05d}.parquet"
            dst = f"{self.uri}/{table}/{name}"
            if self.fs.exists(dst):
                self.fs.delete(dst)
            self.fs.rename(f"{tmp}/{n}", dst)
            names.append(name)
        self.fs.delete(tmp)
        if self.local:  # no Hadoop checksum files beside the parts: DuckDB rewrites accounts.parquet in place
            for crc in (self.ds.path / table).glob(".*.crc"):
                crc.unlink()
        return names, rows


def ingest_spark(
    inputs: Iterable[str | os.PathLike[str]],
    dataset: str | os.PathLike[str] | Any,
    *,
    format: str | None = None,
    options: Mapping[str, Any] | None = None,
    encoding: str | None = None,
    spark: Any = None,
    spark_master: str | None = None,
    spark_conf: dict[str, str] | None = None,
    progress: Callable[[str, FileReport | None], None] | None = None,
) -> IngestReport:
    """Read ``inputs`` into ``dataset`` on Spark; the same report and dataset as :func:`unmask.ingest.ingest_files`.

    ``spark`` is a SparkSession (else one is got or created with ``spark_master`` and
    ``spark_conf``). ``inputs`` and ``dataset`` may be local paths or URIs. Formats:
    :data:`SPARK_FORMATS`; a file of another format is reported with an error saying so.
    """
    from unmask.engine import connect_spark

    forced = get_reader(format) if format else None
    if forced is not None and forced.name not in SPARK_FORMATS:
        raise FormatError(f"format {forced.name!r} is not read on Spark (formats on Spark: {', '.join(SPARK_FORMATS)}); "
                          "ingest it with the DuckDB engine")
    # a session of its own (the same SparkContext): its temporary views and settings stay its own,
    # so a caller's session is left as it was and several ingests may run side by side
    session = connect_spark(spark_master, session=spark, config=spark_conf).spark.newSession()
    session.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
    session.conf.set("spark.sql.session.timeZone", "UTC")
    fs = _Fs(session)
    store = _Store(dataset, fs)
    report = IngestReport(dataset=store.label)
    for raw_path in inputs:
        _one(session, fs, store, raw_path, forced, options or {}, encoding, report, progress)
    return report


def _one(spark: Any, fs: _Fs, store: _Store, raw_path: Any, forced: Any, options: Mapping[str, Any],
         encoding: str | None, report: IngestReport, progress: Any) -> None:
    uri = _is_uri(str(raw_path))
    path: Any = _UriPath(str(raw_path), fs) if uri else Path(raw_path)
    fr = FileReport(path=str(path), format=forced.name if forced else "?")
    report.files.append(fr)
    if progress:
        progress("start", fr)
    t0 = time.perf_counter()
    con = _IngestConnection(spark, lambda p: {"header": "true", "multiLine": "true", "escape": '"'})
    try:
        if not path.is_file():
            raise FormatError(f"{path}: no such file")
        fr.size = fs.size(path.uri) if uri else path.stat().st_size
        if fr.size == 0:
            raise FormatError(f"{path}: empty file (0 bytes)")
        reader = forced or _sniff(path, spark)
        fr.format = reader.name
        if reader.name not in SPARK_FORMATS:
            raise FormatError(f"{path}: format {reader.name!r} is not read on Spark (formats on Spark: "
                              f"{', '.join(SPARK_FORMATS)}); ingest it with the DuckDB engine")
        fr.sha256 = "" if uri else _sha256(path)
        _ingest_one(con, store, path, reader, fr, options, encoding)
    except FormatError as e:
        fr.error = str(e)
    except AssertionError:
        raise
    except Exception as e:  # Spark's errors (analysis, I/O, py4j): report the file, go on
        msg = str(e).strip().splitlines()[0] if str(e).strip() else ""
        fr.error = f"{path}: could not be read as {fr.format} on Spark: {type(e).__name__}: {msg}"
    finally:
        con.close()
    fr.seconds = round(time.perf_counter() - t0, 3)
    if progress:
        progress("done", fr)


def _ingest_one(con: _IngestConnection, store: _Store, path: Any, reader: Any, fr: FileReport,
                options: Mapping[str, Any], encoding: str | None) -> None:
    spark = con.spark
    ctx = SparkIngestContext(con=con, path=path, format=reader.name, options=options, encoding=encoding)  # type: ignore[arg-type]
    ctx.create_stage_tables()
    records = reader.stage(ctx)
    fr.notes = list(ctx.notes)
    con.put("stage_posts_m", spark.table("stage_posts"))  # its pieces are cached
    # one job: the valid rows (reason NULL) and the rejects by reason, the reader's and the rows'
    stats = dict(spark.sql("SELECT reason, count(*) FROM (SELECT _err_reason AS reason FROM stage_posts_m "
                           "UNION ALL SELECT reason FROM stage_rejects) GROUP BY reason").collect())
    valid = stats.pop(None, 0)
    reasons = stats
    rejected = sum(reasons.values())
    con.insert("stage_rejects", spark.sql(
        f"SELECT source_file, _record, _err_field, _err_reason, _raw, {sql_lit(reader.name)} "
        "FROM stage_posts_m WHERE _err_reason IS NOT NULL"))

    # first record wins within the file (ties in record: the first staged row), then the dataset's
    cols = ", ".join(f"`{f.name}`" for f in POSTS)
    existing = store.parts("posts")
    if existing:
        spark.read.parquet(*[f"{store.uri}/posts/{n}" for n in existing]).select("platform", "post_id") \
            .createOrReplaceTempView("_existing_keys")
    anti = ("WHERE NOT EXISTS (SELECT 1 FROM _existing_keys AS e WHERE e.platform = s.platform "
            "AND e.post_id = s.post_id)") if existing else ""
    new = spark.sql(
        f"""SELECT {cols} FROM (
            SELECT *, row_number() OVER (PARTITION BY platform, post_id ORDER BY _record, _seq) AS _k
            FROM (SELECT *, monotonically_increasing_id() AS _seq FROM stage_posts_m WHERE _err_reason IS NULL)
        ) AS s WHERE _k = 1 {'AND' if anti else ''} {anti.removeprefix('WHERE ')}"""
    )
    part = store.next_part("posts")
    names, ingested = store.write("posts", new, f"part-{part:05d}", files=math.ceil(valid / 2_000_000))

    fr.records = records
    fr.ingested = ingested + ctx.account_records
    fr.duplicate = valid - ingested
    fr.rejected = rejected
    fr.reject_reasons = dict(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])))
    if not fr.adds_up:
        raise AssertionError(
            f"{path}: records do not add up for reader {reader.name!r} on Spark: {records} records, "
            f"{fr.ingested} ingested + {fr.duplicate} duplicate + {fr.rejected} rejected"
        )
    if rejected:
        rcols = ", ".join(f"`{f.name}`" for f in REJECTS)
        store.write("rejects", spark.table("stage_rejects").selectExpr(*rcols.split(", ")),
                    f"part-{store.next_part('rejects'):05d}", sort=("source_record",))
    new_posts = spark.read.parquet(*[f"{store.uri}/posts/{n}" for n in names]) if names else \
        spark.sql("SELECT * FROM stage_posts_m WHERE false")
    con.put("_new_posts", new_posts)
    fr.accounts = _merge_accounts(con, store)
    store.add_input({
        "path": str(path.resolve()) if isinstance(path, Path) else str(path),
        "size": fr.size,
        "sha256": fr.sha256 or None,
        "format": reader.name,
        "engine": "spark",
        "ingested_at": _now(),
        "records": fr.records,
        "ingested": fr.ingested,
        "duplicate": fr.duplicate,
        "rejected": fr.rejected,
        "posts_part": names[0] if len(names) == 1 else (names or None),
        "notes": fr.notes,
    })


def _merge_accounts(con: _IngestConnection, store: _Store) -> int:
    """The accounts file merged as :func:`unmask.ingest._merge_accounts` merges it (written as one file)."""
    spark = con.spark
    names = [f.name for f in ACCOUNTS]
    types = dict(_table_types("stage_accounts"))
    keyed = [n for n in names if n not in ("platform", "account_id", "first_seen", "last_seen")]
    parts = store.parts("accounts")
    if parts:
        old = spark.read.parquet(*[f"{store.uri}/accounts/{n}" for n in parts])
        old.selectExpr(*[f"CAST(`{n}` AS {types[n]}) AS `{n}`" if n in old.columns else
                         f"CAST(NULL AS {types[n]}) AS `{n}`" for n in names]).createOrReplaceTempView("_old_accounts")
    else:
        spark.sql("SELECT * FROM stage_accounts WHERE false").createOrReplaceTempView("_old_accounts")
    allcols = ", ".join(f"`{n}`" for n in names)
    authors = ", ".join({"platform": "platform", "account_id": "account_id", "first_seen": "min(created_at)",
                         "last_seen": "max(created_at)"}.get(n, f"CAST(NULL AS {types[n]})") + f" AS `{n}`" for n in names)
    picks = ", ".join(
        f"max_by(`{n}`, struct(coalesce(snapshot_at, TIMESTAMP '1900-01-01 00:00:00') AS t, "
        f"CAST(`{n}` AS STRING) AS v)) FILTER (WHERE `{n}` IS NOT NULL) AS `{n}`"
        for n in keyed
    )
    merged = spark.sql(
        f"""SELECT {allcols} FROM (
            SELECT platform, account_id, {picks}, min(first_seen) AS first_seen, max(last_seen) AS last_seen
            FROM (
                SELECT {allcols} FROM _old_accounts
                UNION ALL SELECT {allcols} FROM stage_accounts
                UNION ALL SELECT {allcols} FROM (
                    SELECT {authors} FROM _new_posts GROUP BY platform, account_id)
            ) GROUP BY platform, account_id
        )"""
    )
    old_names = [p for p in parts if p != "accounts.parquet"]
    _, n = store.write("accounts", merged, "accounts", sort=("platform", "account_id"))  # written aside, then moved over the old file
    for p in old_names:  # parts of another writer: merged into accounts.parquet now
        with contextlib.suppress(Exception):
            store.fs.delete(f"{store.uri}/accounts/{p}")
    return n
