"""A dataset directory: canonical Parquet tables plus a manifest of every input.

Layout::

    DATASET/
      manifest.json            tool and schema versions, inputs (path, size, SHA-256, format, counts)
      posts/part-NNNNN.parquet one part per ingested file (deduplicated by platform + post_id)
      accounts/accounts.parquet latest profile snapshot per account, rewritten on each ingest
      rejects/part-NNNNN.parquet records that could not be ingested, with reasons
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from unmask import __version__
from unmask.schema import ACCOUNTS, POSTS, REJECTS, SCHEMA_VERSION, duckdb_columns

__all__ = ["Dataset", "DatasetError"]

MANIFEST = "manifest.json"


class DatasetError(RuntimeError):
    """The directory is not an unmask dataset, or one this version cannot read."""


@dataclass
class Dataset:
    """An unmask dataset on disk. Create or open one with :meth:`open`."""

    path: Path

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, create: bool = False) -> Dataset:
        """Open the dataset at ``path``; with ``create=True`` make an empty one if absent."""
        p = Path(path)
        if (p / MANIFEST).exists():
            ds = cls(p)
            m = ds.manifest
            major = str(m.get("schema_version", "0")).split(".")[0]
            if major != SCHEMA_VERSION.split(".")[0]:
                raise DatasetError(
                    f"{p}: dataset schema {m.get('schema_version')} is not readable by this unmask "
                    f"(schema {SCHEMA_VERSION}); re-ingest the inputs"
                )
            return ds
        if not create:
            if p.exists() and any(p.iterdir()):
                raise DatasetError(f"{p}: not an unmask dataset (no {MANIFEST})")
            raise DatasetError(f"{p}: no such dataset")
        p.mkdir(parents=True, exist_ok=True)
        for sub in ("posts", "accounts", "rejects"):
            (p / sub).mkdir(exist_ok=True)
        ds = cls(p)
        now = _now()
        ds.write_manifest(
            {
                "tool": "unmask",
                "tool_version": __version__,
                "schema_version": SCHEMA_VERSION,
                "created_at": now,
                "updated_at": now,
                "inputs": [],
            }
        )
        return ds

    # -- manifest -----------------------------------------------------------------------------

    @property
    def manifest(self) -> dict[str, Any]:
        """The parsed ``manifest.json``."""
        return json.loads((self.path / MANIFEST).read_text(encoding="utf-8"))

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        """Atomically replace ``manifest.json``."""
        tmp = self.path / (MANIFEST + ".tmp")
        tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp, self.path / MANIFEST)

    def add_input(self, record: dict[str, Any]) -> None:
        """Append one input's record to the manifest."""
        m = self.manifest
        m["inputs"].append(record)
        m["updated_at"] = _now()
        m["tool_version"] = __version__
        self.write_manifest(m)

    # -- tables -------------------------------------------------------------------------------

    def parts(self, table: str) -> list[Path]:
        """The Parquet files of ``table`` ('posts', 'accounts' or 'rejects'), in name order."""
        return sorted((self.path / table).glob("*.parquet"))

    def next_part(self, table: str) -> Path:
        """A fresh part file name for ``table``."""
        existing = self.parts(table)
        n = 1 + max((int(p.stem.split("-")[1]) for p in existing if p.stem.startswith("part-")), default=0)
        return self.path / table / f"part-{n:05d}.parquet"

    def scan_sql(self, table: str) -> str:
        """A FROM-able SQL expression for ``table`` (an empty typed relation if there is no data)."""
        parts = self.parts(table)
        if parts:
            files = ", ".join("'" + p.as_posix().replace("'", "''") + "'" for p in parts)
            return f"read_parquet([{files}], union_by_name=true)"
        schema = {"posts": POSTS, "accounts": ACCOUNTS, "rejects": REJECTS}[table]
        cols = ", ".join(f"CAST(NULL AS {t.split(' ', 1)[1]}) AS {t.split(' ', 1)[0]}" for t in duckdb_columns(schema).split(", "))
        return f"(SELECT {cols} WHERE false)"

    def view(self, con: duckdb.DuckDBPyConnection, table: str, name: str | None = None) -> str:
        """Create (or replace) a view of ``table`` on ``con`` and return its name."""
        name = name or table
        con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM {self.scan_sql(table)}")
        return name

    def register(self, con: duckdb.DuckDBPyConnection) -> None:
        """Create the views ``posts``, ``accounts`` and ``rejects`` on ``con``."""
        for t in ("posts", "accounts", "rejects"):
            self.view(con, t)


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def summary(ds: Dataset, con: duckdb.DuckDBPyConnection, *, top: int = 10) -> dict[str, Any]:
    """Counts per platform and kind, time range, top hashtags/domains/clients and reject reasons."""
    ds.register(con)
    kinds = con.execute(
        "SELECT platform, kind, count(*), count(DISTINCT account_id) FROM posts GROUP BY ALL ORDER BY 1, 2"
    ).fetchall()
    first, last = con.execute(
        "SELECT CAST(min(created_at) AS VARCHAR), CAST(max(created_at) AS VARCHAR) FROM posts"
    ).fetchone()

    def top_of(expr: str) -> list[tuple[str, int]]:
        return [
            (k, n)
            for k, n in con.execute(
                f"SELECT v, count(*) AS n FROM (SELECT {expr} AS v FROM posts) WHERE v IS NOT NULL "
                f"GROUP BY v ORDER BY n DESC, v LIMIT {int(top)}"
            ).fetchall()
        ]

    m = ds.manifest
    return {
        "dataset": str(ds.path),
        "schema_version": m.get("schema_version"),
        "tool_version": m.get("tool_version"),
        "inputs": m.get("inputs", []),
        "posts": sum(r[2] for r in kinds),
        "posts_by_kind": [{"platform": p, "kind": k, "posts": n, "accounts": a} for p, k, n, a in kinds],
        "accounts": con.execute("SELECT count(*) FROM accounts").fetchone()[0],
        "first_post": first,
        "last_post": last,
        "top_hashtags": top_of("unnest(hashtags)"),
        "top_domains": top_of("unnest(domains)"),
        "top_clients": top_of("client"),
        "rejects": dict(
            con.execute("SELECT reason, count(*) FROM rejects GROUP BY 1 ORDER BY 2 DESC, 1").fetchall()
        ),
    }
