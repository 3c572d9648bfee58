"""What every reader shares: the reader contract, staging helpers and input decoding.

A reader turns one input file into three staging tables on the ingest connection:

* ``stage_posts``: the canonical ``posts`` columns plus ``_record`` (1-based line/record number),
  ``_err_field`` / ``_err_reason`` (NULL unless the reader found the row unusable) and ``_raw``
  (the raw record, filled only where ``_err_reason`` is set);
* ``stage_accounts``: canonical ``accounts`` columns (profile snapshots found in the file);
* ``stage_rejects``: records that never became a row (broken JSON, ragged CSV rows, ...).

and returns how many input records the file held. The driver checks that every record ends as
ingested, duplicate or rejected, so a reader cannot lose rows silently.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from unmask.schema import ACCOUNTS, POSTS, POSTS_REQUIRED, REJECTS, duckdb_columns, duckdb_type

__all__ = [
    "MAX_RAW",
    "FormatError",
    "IngestContext",
    "Reader",
    "Sniff",
    "accounts_stage_sql",
    "detect_encoding",
    "drop_relation",
    "head_text",
    "header_columns",
    "json_structure_type",
    "open_binary",
    "posts_stage_sql",
    "read_head",
    "sql_lit",
]

#: Raw records longer than this are truncated in the rejects table (the reason says so).
MAX_RAW = 100_000
#: The most bytes of JSON lines staged per chunk by :meth:`IngestContext.json_chunks` (chunks are
#: smaller under a small memory limit: see :meth:`IngestContext.chunk_bytes`).
LINE_BATCH_BYTES = 64 << 20
#: How a streamed CSV's staged posts are written to scratch (see
#: :meth:`IngestContext.stream_csv_posts`): fast to write and to read back once.
STAGE_PARQUET = "FORMAT parquet, COMPRESSION lz4_raw, DICTIONARY_SIZE_LIMIT 1"


class FormatError(ValueError):
    """The file is not of the format asked for, or lacks something the format requires."""


@dataclass(frozen=True)
class Sniff:
    """A reader's opinion of a file: ``score`` 0 (not mine) .. 100 (certainly mine)."""

    score: int
    why: str = ""


_UNITS = {"": 1, "B": 1, "BYTES": 1, "KB": 1000, "MB": 1000**2, "GB": 1000**3, "TB": 1000**4,
          "KIB": 1 << 10, "MIB": 1 << 20, "GIB": 1 << 30, "TIB": 1 << 40}


def parse_size(text: str) -> int:
    """Bytes in a size such as ``'1.4 GiB'`` (DuckDB's spelling) or ``'1536MB'``."""
    t = str(text).strip().upper().replace(" ", "")
    num = t.rstrip("KMGTIBYES")
    return int(float(num) * _UNITS[t[len(num):]])


def json_structure_type(spec: str) -> str:
    """The DuckDB type that ``json_transform(x, spec)`` returns, e.g. for a table to keep it in."""

    def conv(v: object) -> str:
        if isinstance(v, dict):
            return "STRUCT(" + ", ".join(f'"{k}" {conv(x)}' for k, x in v.items()) + ")"
        if isinstance(v, list):
            return conv(v[0]) + "[]"
        return str(v)

    return conv(json.loads(spec))


def drop_relation(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Drop the temporary table or view ``name`` if there is one (``DROP VIEW IF EXISTS`` fails
    on a table of that name, and the other way round)."""
    for (kind,) in con.execute(
        "SELECT 'TABLE' FROM duckdb_tables() WHERE temporary AND table_name = ? "
        "UNION ALL SELECT 'VIEW' FROM duckdb_views() WHERE temporary AND view_name = ?",
        [name, name],
    ).fetchall():
        con.execute(f'DROP {kind} "{name}"')


def sql_lit(s: str) -> str:
    """A SQL string literal for ``s``."""
    return "'" + str(s).replace("'", "''") + "'"


def open_binary(path: Path) -> io.BufferedIOBase:
    """Open a file for reading bytes, transparently un-gzipping ``.gz`` files."""
    f = open(path, "rb")  # noqa: SIM115 - returned to the caller
    magic = f.read(2)
    f.seek(0)
    if magic == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=f)  # type: ignore[return-value]
    return f  # type: ignore[return-value]


def read_head(path: Path, n: int = 65536) -> bytes:
    """The first ``n`` bytes of the (decompressed) file."""
    with open_binary(path) as f:
        return f.read(n)


def detect_encoding(head: bytes) -> str:
    """Guess a text encoding from a file's first bytes: BOMs first, then UTF-8, else latin-1."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if len(head) >= 4 and head[1] == 0 and head[3] == 0 and head[0] != 0:
        return "utf-16-le"
    if len(head) >= 4 and head[0] == 0 and head[2] == 0 and head[1] != 0:
        return "utf-16-be"
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as e:
        if e.start >= len(head) - 4:  # a multi-byte character cut by the sample's end
            return "utf-8"
        return "latin-1"


def head_text(head: bytes) -> str:
    """The sample decoded with its detected encoding (lossy, for sniffing only)."""
    enc = detect_encoding(head)
    return head.decode(enc, errors="replace").lstrip("\ufeff")


def header_columns(head: bytes) -> list[str]:
    """The lowercased, unquoted names on the first line of a CSV sample (for sniffing)."""
    first = head_text(head).split("\n", 1)[0].rstrip("\r")
    return [c.strip().strip('"').lower() for c in first.split(",")]


class Reader:
    """Base class of the input formats. Subclasses set ``name`` and implement two methods."""

    #: The format's name on the command line (``--format NAME``).
    name: ClassVar[str] = ""
    #: One line for ``unmask formats`` and the README.
    description: ClassVar[str] = ""
    #: The platform written into ``posts.platform`` unless the data says otherwise.
    platform: ClassVar[str] = ""

    def sniff(self, path: Path, head: bytes) -> Sniff:
        """How sure this reader is that ``path`` (whose first bytes are ``head``) is its format."""
        raise NotImplementedError

    def stage(self, ctx: IngestContext) -> int:
        """Create the staging tables for ``ctx.path`` and return the number of input records."""
        raise NotImplementedError


@dataclass
class IngestContext:
    """Everything a reader needs to stage one file."""

    con: duckdb.DuckDBPyConnection
    path: Path
    format: str
    options: Mapping[str, Any] = field(default_factory=dict)
    encoding: str | None = None
    notes: list[str] = field(default_factory=list)
    #: Input records that were profiles, not posts (they count as ingested into ``accounts``).
    account_records: int = 0
    #: What tells staged posts apart: ``rowid``, or ``_record`` when ``stage_posts`` is a view of
    #: one row per record (see :meth:`stream_csv_posts`).
    stage_key: str = "rowid"
    #: Scratch files and directories of this file's staging, removed by the driver when done.
    cleanup: list[Path] = field(default_factory=list)

    @property
    def source(self) -> str:
        """The file's path as recorded in provenance columns."""
        return str(self.path)

    # -- staging tables -------------------------------------------------------------------

    def create_stage_tables(self) -> None:
        """(Re)create empty ``stage_posts``, ``stage_accounts`` and ``stage_rejects``."""
        c = self.con
        drop_relation(c, "stage_posts")  # a table, or a streamed CSV's view (see stream_csv_posts)
        c.execute("DROP TABLE IF EXISTS stage_accounts")
        c.execute("DROP TABLE IF EXISTS stage_rejects")
        c.execute(
            f"CREATE TEMP TABLE stage_posts ({duckdb_columns(POSTS)}, _record BIGINT, "
            "_err_field VARCHAR, _err_reason VARCHAR, _raw VARCHAR)"
        )
        c.execute(f"CREATE TEMP TABLE stage_accounts ({duckdb_columns(ACCOUNTS)})")
        c.execute(f"CREATE TEMP TABLE stage_rejects ({duckdb_columns(REJECTS)})")

    def reject(self, record: int | None, field_: str | None, reason: str, raw: str | bytes | None) -> None:
        """Record one rejected input record (used for the rare per-record Python-side failures)."""
        if isinstance(raw, bytes):
            raw = raw.decode("utf-8", errors="backslashreplace")
        if raw is not None and len(raw) > MAX_RAW:
            raw = raw[:MAX_RAW] + f"… [truncated, {len(raw)} characters]"
        self.con.execute(
            "INSERT INTO stage_rejects VALUES (?, ?, ?, ?, ?, ?)",
            [self.source, record, field_, reason, raw, self.format],
        )

    # -- line-oriented input (JSON lines) ---------------------------------------------------

    def chunk_bytes(self) -> int:
        """Bytes of input lines per chunk: a 32nd of the engine's memory limit, 1..64 MB.

        Parsing a chunk of JSON takes several times its size (the text, the parsed structs and
        the derived columns), so chunks scale with the limit and memory stays flat however large
        the file (``LINE_BATCH_BYTES`` caps it).
        """
        try:
            limit = self.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
            return max(1 << 20, min(LINE_BATCH_BYTES, parse_size(limit) // 32))
        except (duckdb.Error, TypeError, ValueError):
            return LINE_BATCH_BYTES

    def iter_line_batches(self, chunk: int | None = None) -> Iterator[tuple[pa.Table, int]]:
        """Yield ``(table, records)`` per chunk of the file: ``table(_record int64, line string)``
        holds the chunk's non-blank lines, ``records`` counts them plus the chunk's lines that are
        not valid in the file's encoding (those are rejected here, with their line number).

        The file is read in binary chunks of about ``chunk`` bytes cut at the last newline (a
        line longer than a chunk is carried over whole), split with numpy and handed to Arrow
        without a Python object per line; only a chunk that holds invalid UTF-8 is looked at line
        by line. Memory stays bounded by the chunk size plus the longest line. Other encodings
        (UTF-16, latin-1) are transcoded to UTF-8 once per chunk.
        """
        size = chunk or self.chunk_bytes()
        head = read_head(self.path, 1 << 16)
        enc = self.encoding or detect_encoding(head)
        lineno = 0
        for data in self._iter_line_chunks(enc, size):
            table, lineno, records = self._lines_table(data, lineno)
            if records:
                yield table, records

    def _iter_line_chunks(self, enc: str, size: int) -> Iterator[bytes]:
        """UTF-8 bytes of whole lines, about ``size`` at a time, each ending with a newline."""
        utf8 = enc in ("utf-8", "utf-8-sig")
        dec = None if utf8 else codecs.getincrementaldecoder(enc)(errors="replace")
        rest = b""
        first = True
        with open_binary(self.path) as f:
            while True:
                raw = f.read(max(size, 4) if first else size)  # a BOM is never cut at the start
                final = not raw
                if dec is not None:
                    text = dec.decode(raw, final=final)
                    if first and text:
                        text = text.lstrip("\ufeff")
                        first = False
                    chunk = text.encode("utf-8")  # one transcode per chunk, in C
                else:
                    chunk = raw[3:] if first and raw.startswith(codecs.BOM_UTF8) else raw
                    first = False
                data = rest + chunk if rest else chunk
                if final:
                    if data:
                        yield data + b"\n"
                    return
                cut = data.rfind(b"\n")
                if cut < 0:
                    rest = data
                    continue
                rest = data[cut + 1 :]
                yield data[: cut + 1] if rest else data

    def _lines_table(self, data: bytes, lineno: int) -> tuple[pa.Table, int, int]:
        """Split ``data`` (whole lines, each ending with a newline) into a table of non-blank lines.

        Returns the table, the last line number and the number of records (non-blank lines,
        including those rejected here as invalid UTF-8).
        """
        buf = np.frombuffer(data, np.uint8)
        ends = np.flatnonzero(buf == 10)
        n = len(ends)
        offsets = np.empty(n + 1, np.int64)
        offsets[0] = 0
        offsets[1:] = ends + 1
        big = len(data) >= 1 << 31
        arr = pa.Array.from_buffers(
            pa.large_binary() if big else pa.binary(),
            n,
            [None, pa.py_buffer(offsets if big else offsets.astype(np.int32)), pa.py_buffer(data)],
        )
        arr = pc.binary_slice(arr, 0, -1)  # without the newline
        numbers = pa.array(np.arange(lineno + 1, lineno + n + 1, dtype=np.int64))
        strings = arr.view(pa.large_string() if big else pa.string())
        blank = pc.match_substring_regex(strings, r"^\s*$")
        try:
            strings.validate(full=True)  # checks the UTF-8 of all lines at once
        except pa.ArrowInvalid:
            good: list[str | None] = []
            for i, b in enumerate(arr.to_pylist()):
                try:
                    good.append(b.decode("utf-8"))
                except UnicodeDecodeError as e:
                    good.append(None)
                    if not b.strip():
                        continue
                    self.reject(lineno + i + 1, None, f"not valid UTF-8 at byte {e.start}", b)
            strings = pa.array(good, pa.string())
        records = n - pc.sum(blank).as_py()
        t = pa.table({"_record": numbers, "line": strings})
        return t.filter(pc.and_(pc.is_valid(t["line"]), pc.invert(blank))), lineno + n, records

    def json_chunks(
        self, table: str = "lines", batches: Iterable[tuple[pa.Table, int]] | None = None
    ) -> Iterator[int]:
        """Stage the file's JSON lines chunk by chunk; yield each chunk's number of records.

        While a chunk is being processed, ``table(_record BIGINT, line VARCHAR)`` holds its lines
        that are JSON objects; its other non-blank lines (broken JSON, other JSON values, invalid
        UTF-8) are already in ``stage_rejects`` with their line numbers. The table is replaced
        by the next chunk and dropped at the end: a reader processes one chunk at a time and
        keeps only what it appends to the stage tables, so memory stays flat as files grow.
        ``batches`` replaces the file's lines (e.g. the elements of a JSON array), given as
        :meth:`iter_line_batches` gives them.
        """
        c = self.con
        src, fmt = sql_lit(self.source), sql_lit(self.format)
        try:
            for batch, records in batches if batches is not None else self.iter_line_batches():
                # a reader's pending fetchone() result would block register(): finish it first.
                # One parse per line decides: valid JSON whose first character is '{' is an object
                c.execute("SELECT 1").fetchall()
                c.register("_line_batch", batch)
                c.execute(
                    """CREATE OR REPLACE TEMP TABLE _json_chunk AS
                    SELECT _record, line, CASE WHEN NOT json_valid(line)
                        THEN 'not valid JSON (truncated or malformed line)'
                        WHEN NOT regexp_matches(line, '^\\s*\\{') THEN 'JSON value is not an object' END AS _bad
                    FROM _line_batch"""
                )
                c.unregister("_line_batch")
                del batch
                c.execute(
                    f"""INSERT INTO stage_rejects
                    SELECT {src}, _record, NULL, _bad,
                           CASE WHEN length(line) > {MAX_RAW} THEN left(line, {MAX_RAW}) || '… [truncated]'
                                ELSE line END, {fmt}
                    FROM _json_chunk WHERE _bad IS NOT NULL"""
                )
                c.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT _record, line FROM _json_chunk WHERE _bad IS NULL")
                c.execute("DROP TABLE _json_chunk")
                yield records
        finally:
            c.execute("DROP TABLE IF EXISTS _json_chunk")
            c.execute(f"DROP TABLE IF EXISTS {table}")

    # -- CSV input ----------------------------------------------------------------------------

    def csv_header(self, delimiter: str = ",", quote: str = '"') -> list[str]:
        """The header row's column names, read with Python's csv module from the first record."""
        head = read_head(self.path, 1 << 20)
        if not head.strip():
            return []
        text = head_text(head)
        try:
            row = next(csv.reader(io.StringIO(text), delimiter=delimiter, quotechar=quote))
        except (StopIteration, csv.Error):
            return []
        return [h.strip().lstrip("\ufeff") for h in row]

    def csv_scan(
        self,
        *,
        required: tuple[str, ...] = (),
        delimiter: str = ",",
        quote: str = '"',
        escape: str = '"',
        header: bool = True,
        columns: list[str] | None = None,
        rejects: str = "_csv_rej",
    ) -> tuple[str, list[str]]:
        """The ``read_csv(...)`` call that reads the file (all columns VARCHAR, malformed rows
        stored in the table ``rejects``) and its column names; see :meth:`stage_csv`.

        A missing ``required`` column raises :class:`FormatError` naming the column and the file.
        """
        names = columns or self.csv_header(delimiter, quote)
        if not names:
            raise FormatError(f"{self.path}: empty file or no header row")
        lower = [n.lower() for n in names]
        missing = [r for r in required if r.lower() not in lower]
        if missing:
            raise FormatError(
                f"{self.path}: missing required column(s) {', '.join(missing)} for format "
                f"'{self.format}' (found: {', '.join(names[:40])})"
            )
        seen: dict[str, int] = {}
        unique = []
        for n in names:  # DuckDB needs distinct names
            k = n or "column"
            seen[k] = seen.get(k, 0) + 1
            unique.append(k if seen[k] == 1 else f"{k}_{seen[k]}")
        cols = "{" + ", ".join(f"{sql_lit(n)}: 'VARCHAR'" for n in unique) + "}"
        enc = self.encoding or detect_encoding(read_head(self.path, 1 << 16))
        duck_enc = {"utf-8-sig": "utf-8", "utf-16-le": "utf-16", "utf-16-be": "utf-16"}.get(enc, enc)
        if duck_enc not in ("utf-8", "utf-16", "latin-1"):
            raise FormatError(f"{self.path}: unsupported encoding {enc!r} for CSV input")
        self.con.execute(f"DROP TABLE IF EXISTS {rejects}")
        self.con.execute(f"DROP TABLE IF EXISTS {rejects}_scan")
        scan = f"""read_csv({sql_lit(self.source)}, auto_detect=false, columns={cols},
                    header={str(header).lower()}, delim={sql_lit(delimiter)}, quote={sql_lit(quote)},
                    escape={sql_lit(escape)}, strict_mode=true, encoding={sql_lit(duck_enc)},
                    max_line_size=33554432, buffer_size=67108864, store_rejects=true, rejects_table='{rejects}',
                    rejects_scan='{rejects}_scan', parallel=true)"""
        return scan, unique

    def in_file_order(self, sql: str, *, check: bool = False) -> bool:
        """Run ``sql``, a statement that reads the CSV file, with the engine's insertion order
        preserved: a table it fills holds the records in file order (its ``rowid + 1`` is the
        record number) although the file is read in parallel. An unreadable file raises
        :class:`FormatError`.

        Order is kept through scans, filters and projections, not through a join: the engine's
        rewriting of a long ``IN (...)`` list into a join is turned off for the statement, and
        with ``check`` a plan holding any other operator is not run (returns False).
        """
        c = self.con
        disabled = c.execute("SELECT current_setting('disabled_optimizers')").fetchone()[0]
        c.execute("SET preserve_insertion_order = true")
        c.execute(f"SET disabled_optimizers = {sql_lit(','.join(filter(None, [disabled, 'in_clause'])))}")
        try:
            if check and not _keeps_order(c, sql):
                return False
            c.execute(sql)
        except duckdb.Error as e:
            raise FormatError(f"{self.path}: could not be read as CSV: {e}") from e
        finally:
            c.execute("SET preserve_insertion_order = false")
            c.execute(f"SET disabled_optimizers = {sql_lit(disabled)}")
        return True

    def store_csv_rejects(self, rejects: str = "_csv_rej") -> None:
        """Move the malformed rows a :meth:`csv_scan` stored into ``stage_rejects``."""
        self.con.execute(
            f"""INSERT INTO stage_rejects
            SELECT {sql_lit(self.source)}, line,
                   arg_min(trim(column_name, '"'), column_idx),
                   arg_min(error_type, column_idx) || ': ' || arg_min(error_message, column_idx),
                   left(arg_min(csv_line, column_idx), {MAX_RAW}), {sql_lit(self.format)}
            FROM {rejects} GROUP BY line"""
        )

    @property
    def streams_csv(self) -> bool:
        """True when a reader may derive its rows straight from :meth:`csv_scan` (see
        :meth:`stream_csv_posts`) instead of from a staged ``records`` table: on this engine's
        own context, not on one that stages CSV its own way (Spark)."""
        return type(self).stage_csv is IngestContext.stage_csv

    def stream_csv_posts(self, exprs: Mapping[str, str], *, required: tuple[str, ...] = (), platform: str,
                         raw: str = "NULL", checks: tuple[tuple[str, str, str], ...] = ()) -> int:
        """Fill ``stage_posts`` straight from the CSV file, one row per record, without staging
        the records in memory: ``exprs``, ``raw`` and ``checks`` as for :meth:`insert_posts`,
        over the file's columns. Returns the number of records (rows staged plus malformed rows
        rejected).

        The file is read once, in parallel, and its canonical rows are written in file order to a
        Parquet file in the engine's scratch directory; ``stage_posts`` becomes a view of it whose
        ``_record`` is the row's position in that file. So memory stays flat however large the
        file (in-memory staging spilled beyond the memory limit, and reading spilled columns back
        cost more than the rest). The driver keys the staged rows by ``stage_key`` (``_record``).
        If the engine's plan could reorder rows (see :meth:`in_file_order`), the records are
        staged by :meth:`stage_csv` and inserted as usual instead.
        """
        c = self.con
        scan, _ = self.csv_scan(required=required)
        full = {"platform": sql_lit(platform), "source_file": sql_lit(self.source), **exprs}
        select = posts_select_sql(full, f"(SELECT NULL::BIGINT AS _record, * FROM {scan}) AS records", raw=raw, checks=checks)
        spill = Path(c.execute("SELECT current_setting('temp_directory')").fetchone()[0] or tempfile.gettempdir())
        spill.mkdir(parents=True, exist_ok=True)
        part = Path(tempfile.mkdtemp(prefix="unmask-stage-", dir=spill)) / "stage_posts.parquet"
        self.cleanup.append(part.parent)
        columns = c.execute("SELECT column_name, column_type FROM (DESCRIBE stage_posts)").fetchall()
        names = ", ".join(f'"{n}"' for n, _ in columns)
        typed = ", ".join(f'CAST("{n}" AS {t}) AS "{n}"' for n, t in columns)
        if not self.in_file_order(
            f"COPY (SELECT {typed} FROM ({select}) AS s({names})) TO {sql_lit(part.as_posix())} ({STAGE_PARQUET})",
            check=True,
        ):  # a plan that could reorder rows: stage the records instead
            self.stage_csv("_stream_records", required=required)
            c.execute("INSERT INTO stage_posts " + posts_select_sql(full, "_stream_records", raw=raw, checks=checks))
        else:
            c.execute("DROP TABLE stage_posts")
            c.execute(
                f"""CREATE TEMP VIEW stage_posts AS
                SELECT * EXCLUDE (file_row_number) REPLACE (file_row_number + 1 AS source_record, file_row_number + 1 AS _record)
                FROM read_parquet({sql_lit(part.as_posix())}, file_row_number=true)"""
            )
            self.stage_key = "_record"
            self.store_csv_rejects()
        return c.execute("SELECT (SELECT count(*) FROM stage_posts) + (SELECT count(*) FROM stage_rejects)").fetchone()[0]

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
        """Load the CSV into ``table`` (all columns VARCHAR, plus ``_record``); return the columns.

        ``table`` is a view of a table that holds the records in file order, numbered by their
        position (``rowid + 1``): the file is read in parallel. (``row_number() OVER ()`` is a
        streaming window that runs the whole read on one thread; a file with a column called
        ``rowid`` is still numbered by it, into a table.)

        Ragged rows and broken quoting become rejects with their line number. A missing
        ``required`` column raises :class:`FormatError` naming the column and the file.
        """
        c = self.con
        scan, unique = self.csv_scan(required=required, delimiter=delimiter, quote=quote, escape=escape,
                                     header=header, columns=columns)
        drop_relation(c, table)
        drop_relation(c, f"_csv_{table}")
        by_rowid = "rowid" not in (n.lower() for n in unique)
        target = f'"_csv_{table}"' if by_rowid else table
        number = "" if by_rowid else "row_number() OVER () AS _record, "
        if by_rowid and not self.in_file_order(f"CREATE TEMP TABLE {target} AS SELECT * FROM {scan}", check=True):
            by_rowid, target, number = False, table, "row_number() OVER () AS _record, "
        if not by_rowid:
            self.in_file_order(f"CREATE TEMP TABLE {target} AS SELECT {number}* FROM {scan}")
        if by_rowid:
            c.execute(f"CREATE TEMP VIEW {table} AS SELECT rowid + 1 AS _record, * FROM {target}")
        self.store_csv_rejects()
        return unique

    def insert_posts(
        self,
        exprs: Mapping[str, str],
        source: str,
        *,
        platform: str,
        raw: str = "NULL",
        checks: tuple[tuple[str, str, str], ...] = (),
    ) -> None:
        """Fill ``stage_posts`` from ``source``; see :func:`posts_stage_sql`. Adds provenance."""
        full = {"platform": sql_lit(platform), "source_file": sql_lit(self.source), **exprs}
        self.con.execute(posts_stage_sql(full, source, raw=raw, checks=checks))

    def insert_accounts(self, exprs: Mapping[str, str], source: str, *, platform: str, in_file_order: bool = False) -> None:
        """Fill ``stage_accounts`` from ``source``; see :func:`accounts_stage_sql`. With
        ``in_file_order`` the statement runs by :meth:`in_file_order` (``source`` reads the file)."""
        full = {"platform": sql_lit(platform), "source_file": sql_lit(self.source), **exprs}
        if in_file_order:
            self.in_file_order(accounts_stage_sql(full, source))
        else:
            self.con.execute(accounts_stage_sql(full, source))

    # -- bookkeeping -------------------------------------------------------------------------

    def note(self, text: str) -> None:
        """A remark about this file worth keeping in the manifest (e.g. how a field was derived)."""
        if text not in self.notes:
            self.notes.append(text)


#: Physical operators that keep the rows of a CSV scan in file order (under
#: ``preserve_insertion_order``): see :meth:`IngestContext.in_file_order`.
_ORDERED_OPERATORS = frozenset({"BATCH_INSERT", "BATCH_CREATE_TABLE_AS", "BATCH_COPY_TO_FILE", "PROJECTION", "FILTER", "READ_CSV"})


def _keeps_order(con: duckdb.DuckDBPyConnection, sql: str) -> bool:
    """True when the plan of ``sql`` holds only operators that keep the scan's order."""

    def names(node: Mapping[str, Any]) -> Iterator[str]:
        yield str(node.get("name", ""))
        for child in node.get("children", []):
            yield from names(child)

    plan = json.loads(con.execute("EXPLAIN (FORMAT json) " + sql).fetchall()[0][1])
    return all(n in _ORDERED_OPERATORS for root in plan for n in names(root))


def posts_stage_sql(exprs: Mapping[str, str], source: str, *, raw: str = "NULL", checks: tuple[tuple[str, str, str], ...] = ()) -> str:
    """An INSERT that fills ``stage_posts`` from ``source``; see :func:`posts_select_sql`."""
    return "INSERT INTO stage_posts " + posts_select_sql(exprs, source, raw=raw, checks=checks)


def posts_select_sql(exprs: Mapping[str, str], source: str, *, raw: str = "NULL", checks: tuple[tuple[str, str, str], ...] = ()) -> str:
    """A SELECT of ``stage_posts`` rows from ``source`` (a FROM clause with ``_record``).

    ``exprs`` maps canonical column names to SQL expressions over ``source`` (missing columns
    become NULL; ``source_record`` is ``_record``; ``domains`` defaults to the domains of the
    normalised ``urls``). ``checks`` are ``(field, condition, reason)``;
    conditions may use the source's columns and the computed ``"__c_<column>"`` values. The first
    true condition marks the row rejected with that field and reason; a missing required field or
    an unknown kind always does. ``raw`` rebuilds the raw record for rejected rows only.
    """
    inner = []
    outer = []
    for f in POSTS:
        if f.name == "source_record":
            outer.append("_record")
            continue
        if f.name == "domains" and "domains" not in exprs:
            outer.append('unmask_domains("__c_urls")')  # derived once from the normalised urls
            continue
        e = exprs.get(f.name, "NULL")
        inner.append(f'CAST({e} AS {duckdb_type(f.type)}) AS "__c_{f.name}"')
        outer.append(f'"__c_{f.name}"')
    required = (*tuple((name, f'"__c_{name}" IS NULL', f"missing or unparseable {name}") for name in POSTS_REQUIRED), ("kind", "\"__c_kind\" NOT IN ('post', 'repost', 'reply', 'quote')", "unknown kind"))
    all_checks = tuple(checks) + required
    # the conditions are tested once per row (by number); field and reason follow from the number
    which = " ".join(f"WHEN {cond} THEN {i}" for i, (_, cond, _) in enumerate(all_checks))
    field_case = " ".join(f"WHEN {i} THEN {sql_lit(fld)}" for i, (fld, _, _) in enumerate(all_checks))
    reason_case = " ".join(f"WHEN {i} THEN {sql_lit(reason)}" for i, (_, _, reason) in enumerate(all_checks))
    return f"""SELECT {", ".join(outer)}, _record, _err_field, _err_reason,
            CASE WHEN _err_reason IS NOT NULL THEN left(CAST({raw} AS VARCHAR), {MAX_RAW}) END
        FROM (
            SELECT *, CASE _err_check {field_case} END AS _err_field, CASE _err_check {reason_case} END AS _err_reason
            FROM (SELECT *, CASE {which} END AS _err_check
                  FROM (SELECT *, {", ".join(inner)} FROM {source}) AS _c) AS _e
        ) AS _s"""


def accounts_stage_sql(exprs: Mapping[str, str], source: str) -> str:
    """An INSERT that fills ``stage_accounts`` from ``source``; missing columns become NULL."""
    cols = []
    for f in ACCOUNTS:
        e = exprs.get(f.name, "NULL")
        cols.append(f'CAST({e} AS {duckdb_type(f.type)}) AS "{f.name}"')
    return f"INSERT INTO stage_accounts SELECT {', '.join(cols)} FROM {source}"

