"""Small helpers the reader tests share: read a dataset table back, summarise an ingest report."""

from __future__ import annotations

from pathlib import Path

import duckdb

import unmask


def rows(ds: Path, table: str, where: str = "true", order: str = "1") -> list[dict]:
    """The rows of ``table`` ('posts', 'accounts', 'rejects') of dataset ``ds`` as dicts."""
    con = duckdb.connect()
    con.execute("SET TimeZone='UTC'")
    rel = con.sql(f"SELECT * FROM read_parquet('{ds}/{table}/*.parquet') WHERE {where} ORDER BY {order}")
    return rel.to_arrow_table().to_pylist()


def counts(rep: unmask.IngestReport) -> list[tuple]:
    """(format, records, ingested, duplicate, rejected) per file."""
    return [(f.format, f.records, f.ingested, f.duplicate, f.rejected) for f in rep.files]
