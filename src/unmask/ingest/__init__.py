"""Ingest: read the formats investigators hold into one canonical dataset.

Each format is one module with a :class:`~unmask.ingest._base.Reader` subclass, listed once in
:data:`READERS`. :func:`ingest_files` picks a reader by sniffing each file (or by ``format``),
stages the file in DuckDB, rejects unusable records with reasons, drops duplicates by
``platform + post_id`` and appends to the dataset. Every input record is accounted for.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
import shutil
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from unmask.dataset import Dataset
from unmask.engine import connect
from unmask.ingest._base import FormatError, IngestContext, Reader, Sniff, drop_relation, read_head, sql_lit
from unmask.ingest._sql import install_macros
from unmask.schema import ACCOUNTS, POSTS, REJECTS

__all__ = [
    "READERS",
    "FileReport",
    "FormatError",
    "IngestReport",
    "Reader",
    "Sniff",
    "get_reader",
    "ingest_files",
    "readers",
    "sniff",
]


#: How posts parts are written: zstd at level 1 writes in 60% of the CPU time of the default level
#: 3 for 5% more bytes and reads back as fast; row groups of the engine's default size (122,880)
#: are written and read in parallel and buffer less than larger ones.
PARQUET = "FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1"


def _registry() -> dict[str, Reader]:
    # One line per format. Order breaks sniffing ties.
    from unmask.ingest.io_archive import IOArchiveReader

    found: list[Reader] = [
        IOArchiveReader(),
        __import__("unmask.ingest.twitter_v1", fromlist=["TwitterV1Reader"]).TwitterV1Reader(),
        __import__("unmask.ingest.twarc2", fromlist=["Twarc2Reader"]).Twarc2Reader(),
        __import__("unmask.ingest.jetstream", fromlist=["JetstreamReader"]).JetstreamReader(),
        __import__("unmask.ingest.ira", fromlist=["IRAReader"]).IRAReader(),
        __import__("unmask.ingest.cnt", fromlist=["CNTReader"]).CNTReader(),
        __import__("unmask.ingest.coortweet", fromlist=["CooRTweetReader"]).CooRTweetReader(),
        __import__("unmask.ingest.generic", fromlist=["GenericReader"]).GenericReader(),
    ]
    return {r.name: r for r in found}


READERS: dict[str, Reader] = _registry()


def readers() -> dict[str, Reader]:
    """The registered readers by format name."""
    return dict(READERS)


def get_reader(name: str) -> Reader:
    """The reader called ``name``; a clear error lists the known ones."""
    try:
        return READERS[name]
    except KeyError:
        raise FormatError(f"unknown format {name!r}; known formats: {', '.join(sorted(READERS))}") from None


def sniff(path: str | os.PathLike[str]) -> tuple[Reader, Sniff]:
    """The reader most sure that ``path`` is its format; :class:`FormatError` if none is."""
    p = Path(path)
    head = read_head(p, 1 << 16)
    if not head.strip():
        raise FormatError(f"{p}: empty file")
    best: tuple[Reader, Sniff] | None = None
    opinions = []
    for r in READERS.values():
        try:
            s = r.sniff(p, head)
        except Exception as e:  # a sniffer must never take the run down
            s = Sniff(0, f"sniffer failed: {e}")
        opinions.append(f"{r.name}: {s.why or s.score}")
        if s.score > 0 and (best is None or s.score > best[1].score):
            best = (r, s)
    if best is None or best[1].score < 20:
        raise FormatError(
            f"{p}: format not recognised; pass --format NAME (known: {', '.join(sorted(READERS))}). "
            "Expected e.g. an IO-archive CSV, Twitter v1.1/v2 JSON, Jetstream JSON lines, an IRA CSV, "
            "a coordination-network-toolkit or CooRTweet CSV, or a generic table with --map."
        )
    return best


@dataclass
class FileReport:
    """What happened to one input file. ``records == ingested + duplicate + rejected``.

    ``accounts`` is the number of accounts in the dataset after this file went in.
    """

    path: str
    format: str
    records: int = 0
    ingested: int = 0
    duplicate: int = 0
    rejected: int = 0
    accounts: int = 0
    seconds: float = 0.0
    size: int = 0
    sha256: str = ""
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    reject_reasons: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the file was read (possibly with rejects)."""
        return self.error is None

    @property
    def adds_up(self) -> bool:
        """True when every record is accounted for."""
        return self.records == self.ingested + self.duplicate + self.rejected


@dataclass
class IngestReport:
    """The per-file reports of one :func:`ingest_files` call."""

    dataset: str
    files: list[FileReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every file was read."""
        return all(f.ok for f in self.files)

    def totals(self) -> dict[str, int]:
        """Summed counts over all files."""
        keys = ("records", "ingested", "duplicate", "rejected")
        totals = {k: sum(getattr(f, k) for f in self.files) for k in keys}
        # accounts is the dataset's account count after a file, not a per-file increment
        totals["accounts"] = max((f.accounts for f in self.files), default=0)
        return totals

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view."""
        return {"dataset": self.dataset, "files": [asdict(f) for f in self.files], "totals": self.totals()}


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 22), b""):
            h.update(block)
    return h.hexdigest()


def ingest_files(
    inputs: Iterable[str | os.PathLike[str]],
    dataset: str | os.PathLike[str] | Dataset,
    *,
    format: str | None = None,
    options: Mapping[str, Any] | None = None,
    encoding: str | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
    progress: Callable[[str, FileReport | None], None] | None = None,
) -> IngestReport:
    """Read ``inputs`` into ``dataset`` (created if absent) and report what became of each record.

    ``format`` forces a reader (otherwise each file is sniffed); ``options`` are passed to the
    reader (e.g. the column map of the ``generic`` format). A file that cannot be read at all is
    reported with its error and the others still go in.
    """
    forced = get_reader(format) if format else None  # an unknown name fails before any work
    ds = dataset if isinstance(dataset, Dataset) else Dataset.open(dataset, create=True)
    scratch = None
    if con is None:
        # staging spills to a scratch directory beyond the memory limit, so memory stays bounded
        # (default 1.5 GB; UNMASK_MEMORY_LIMIT overrides) however large the input
        scratch = tempfile.TemporaryDirectory(prefix="unmask-ingest-")
        con = connect(
            memory_limit=os.environ.get("UNMASK_MEMORY_LIMIT", "1536MB"),
            temp_directory=Path(scratch.name) / "spill",
        )
    try:
        return _ingest_files(inputs, ds, con, forced, options, encoding, progress)
    finally:
        if scratch is not None:
            con.close()
            scratch.cleanup()


def _ingest_files(
    inputs: Iterable[str | os.PathLike[str]],
    ds: Dataset,
    con: duckdb.DuckDBPyConnection,
    forced: Reader | None,
    options: Mapping[str, Any] | None,
    encoding: str | None,
    progress: Callable[[str, FileReport | None], None] | None,
) -> IngestReport:
    install_macros(con)
    report = IngestReport(dataset=str(ds.path))
    for raw_path in inputs:
        path = Path(raw_path)
        fr = FileReport(path=str(path), format=forced.name if forced else "?")
        report.files.append(fr)
        if progress:
            progress("start", fr)
        t0 = time.perf_counter()
        try:
            if not path.is_file():
                raise FormatError(f"{path}: no such file")
            fr.size = path.stat().st_size
            if fr.size == 0:
                raise FormatError(f"{path}: empty file (0 bytes)")
            reader = forced or sniff(path)[0]
            fr.format = reader.name
            fr.sha256 = _sha256(path)
            _ingest_one(con, ds, path, reader, fr, options or {}, encoding)
        except FormatError as e:
            fr.error = str(e)
        except (EOFError, OSError, zlib.error, UnicodeError, duckdb.Error) as e:
            # damaged input the engine or decompressor could not get through: report, go on
            fr.error = f"{path}: could not be read as {fr.format}: {type(e).__name__}: {e}".strip()
            if isinstance(e, duckdb.OutOfMemoryException):
                fr.error = (
                    f"{path}: out of memory under the ingest memory limit "
                    f"({os.environ.get('UNMASK_MEMORY_LIMIT', '1536MB')}): set UNMASK_MEMORY_LIMIT "
                    "higher (e.g. UNMASK_MEMORY_LIMIT=4GB; JSON files are read in chunks of a 32nd "
                    "of it, and the engine needs about 128MB at the least). Nothing from this file "
                    "was written."
                )
        fr.seconds = round(time.perf_counter() - t0, 3)
        if progress:
            progress("done", fr)
    return report


def _ingest_one(
    con: duckdb.DuckDBPyConnection,
    ds: Dataset,
    path: Path,
    reader: Reader,
    fr: FileReport,
    options: Mapping[str, Any],
    encoding: str | None,
) -> None:
    ctx = IngestContext(con=con, path=path, format=reader.name, options=options, encoding=encoding)
    try:
        _ingest_staged(con, ds, path, reader, fr, ctx)
    finally:
        if ctx.cleanup:  # a streamed CSV's staged posts (a view of a scratch file)
            drop_relation(con, "stage_posts")
            for p in ctx.cleanup:
                shutil.rmtree(p, ignore_errors=True)


def _ingest_staged(
    con: duckdb.DuckDBPyConnection, ds: Dataset, path: Path, reader: Reader, fr: FileReport, ctx: IngestContext
) -> None:
    ctx.create_stage_tables()
    before = _temp_relations(con)
    records = reader.stage(ctx)
    # what the reader staged besides the stage tables (e.g. a CSV's records) is not needed any
    # more: free it before deduplicating and writing, so that less of it spills
    stage = {"stage_posts", "stage_accounts", "stage_rejects"}
    for name, kind in sorted(_temp_relations(con) - before, key=lambda x: x[1] != "VIEW"):
        if name not in stage:
            con.execute(f'DROP {kind} IF EXISTS "{name}"')
    fr.notes = list(ctx.notes)

    # rows the reader or the required-field checks marked unusable become rejects
    con.execute(
        f"""INSERT INTO stage_rejects
        SELECT source_file, _record, _err_field, _err_reason, _raw, {sql_lit(reader.name)}
        FROM stage_posts WHERE _err_reason IS NOT NULL"""
    )
    valid = con.execute("SELECT count(*) FROM stage_posts WHERE _err_reason IS NULL").fetchone()[0]
    rejected = con.execute("SELECT count(*) FROM stage_rejects").fetchone()[0]

    # deduplicate within the file (first record wins) and against the dataset; the common case of
    # a fresh dataset and a file without repeated ids skips the window and the anti-join
    cols = ", ".join(f'"{f.name}"' for f in POSTS)
    part = ds.next_part("posts")
    tmp = part.with_suffix(".parquet.tmp")
    existing = ds.parts("posts")
    key = ctx.stage_key  # what tells staged rows apart (rowid of the stage table, or _record)
    # repeated keys, and the row each keeps (the first record; within a record, e.g. a twarc2
    # page, the first row): an aggregate over the keys alone, not a window over whole rows
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _repeats AS
        SELECT platform, post_id, min(struct_pack(r := _record, i := {key})).i AS keep
        FROM stage_posts WHERE _err_reason IS NULL GROUP BY platform, post_id HAVING count(*) > 1"""
    )
    if con.execute("SELECT count(*) FROM _repeats").fetchall()[0][0]:
        source = f"""(SELECT p.* FROM stage_posts AS p LEFT JOIN _repeats AS d
                ON d.platform = p.platform AND d.post_id = p.post_id
                WHERE p._err_reason IS NULL AND (d.keep IS NULL OR d.keep = p.{key}))"""
    else:
        source = "(SELECT * FROM stage_posts WHERE _err_reason IS NULL)"
    anti = (
        f"""WHERE NOT EXISTS (SELECT 1 FROM {ds.scan_sql('posts')} AS e
                WHERE e.platform = s.platform AND e.post_id = s.post_id)"""
        if existing
        else ""
    )
    con.execute(
        f"""COPY (SELECT {cols} FROM {source} AS s {anti})
        TO {sql_lit(tmp.as_posix())} ({PARQUET})"""
    )
    ingested = con.execute(f"SELECT count(*) FROM read_parquet({sql_lit(tmp.as_posix())})").fetchone()[0]
    con.execute("DROP TABLE _repeats")
    if ingested:
        os.replace(tmp, part)
    else:
        tmp.unlink()

    fr.records = records
    fr.ingested = ingested + ctx.account_records
    fr.duplicate = valid - ingested
    fr.rejected = rejected
    fr.reject_reasons = dict(
        con.execute(
            "SELECT reason, count(*) FROM stage_rejects GROUP BY reason ORDER BY count(*) DESC, reason"
        ).fetchall()
    )
    if not fr.adds_up:
        raise AssertionError(
            f"{path}: records do not add up for reader {reader.name!r}: {records} records, "
            f"{fr.ingested} ingested + {fr.duplicate} duplicate + {fr.rejected} rejected"
        )

    if rejected:
        rcols = ", ".join(f'"{f.name}"' for f in REJECTS)
        con.execute(
            f"COPY (SELECT {rcols} FROM stage_rejects ORDER BY source_record) TO "
            f"{sql_lit(ds.next_part('rejects').as_posix())} (FORMAT parquet, COMPRESSION zstd)"
        )

    fr.accounts = _merge_accounts(con, ds, part if ingested else None)
    ds.add_input(
        {
            "path": str(path.resolve()),
            "size": fr.size,
            "sha256": fr.sha256,
            "format": reader.name,
            "ingested_at": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
            "records": fr.records,
            "ingested": fr.ingested,
            "duplicate": fr.duplicate,
            "rejected": fr.rejected,
            "posts_part": part.name if ingested else None,
            "notes": fr.notes,
        }
    )


def _temp_relations(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    """The connection's temporary tables and views, as (name, 'TABLE' | 'VIEW')."""
    return set(
        con.execute(
            "SELECT table_name, 'TABLE' FROM duckdb_tables() WHERE temporary "
            "UNION ALL SELECT view_name, 'VIEW' FROM duckdb_views() WHERE temporary AND NOT internal"
        ).fetchall()
    )


def _merge_accounts(con: duckdb.DuckDBPyConnection, ds: Dataset, part: Path | None) -> int:
    """Merge staged profiles and the new posts' authors into ``accounts.parquet``."""
    new_posts = (
        f"SELECT platform, account_id, min(created_at) AS f, max(created_at) AS l "
        f"FROM read_parquet({sql_lit(part.as_posix())}) GROUP BY ALL"
        if part
        else "SELECT NULL::VARCHAR AS platform, NULL::VARCHAR AS account_id, "
        "NULL::TIMESTAMPTZ AS f, NULL::TIMESTAMPTZ AS l WHERE false"
    )
    names = [f.name for f in ACCOUNTS]
    keyed = [n for n in names if n not in ("platform", "account_id", "first_seen", "last_seen")]
    # per field, the value from the latest snapshot that has it (ties broken by value: deterministic)
    picks = ", ".join(
        f'arg_max("{n}", struct_pack(t := coalesce(snapshot_at, TIMESTAMPTZ \'1900-01-01\'), '
        f'v := CAST("{n}" AS VARCHAR))) FILTER (WHERE "{n}" IS NOT NULL) AS "{n}"'
        for n in keyed
    )
    out = ds.path / "accounts" / "accounts.parquet"
    tmp = out.with_suffix(".parquet.tmp")
    allcols = ", ".join(f'"{n}"' for n in names)
    con.execute(
        f"""COPY (
            SELECT {allcols} FROM (
                SELECT platform, account_id, {picks},
                       min(first_seen) AS first_seen, max(last_seen) AS last_seen
                FROM (
                    SELECT {allcols} FROM {ds.scan_sql('accounts')}
                    UNION ALL BY NAME SELECT {allcols} FROM stage_accounts
                    UNION ALL BY NAME
                    SELECT platform, account_id, f AS first_seen, l AS last_seen FROM ({new_posts})
                ) GROUP BY platform, account_id
            ) ORDER BY platform, account_id
        ) TO {sql_lit(tmp.as_posix())} (FORMAT parquet, COMPRESSION zstd)"""
    )
    n = con.execute(f"SELECT count(*) FROM read_parquet({sql_lit(tmp.as_posix())})").fetchone()[0]
    os.replace(tmp, out)
    return n
