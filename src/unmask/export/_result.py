"""Reading a RESULT directory (docs/results.md) for the exporters and ``unmask explain``.

Only what is present is read: a result without ``campaigns.parquet`` or without dossiers still
exports the rest, and :attr:`Result.missing` says what was absent.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

__all__ = ["TABLES", "Result", "ResultError"]

#: Table name -> file inside RESULT, in the order they are exported.
TABLES: dict[str, str] = {
    "accounts": "accounts.parquet",
    "clusters": "clusters.parquet",
    "edges": "edges.parquet",
    "fused": "fused.parquet",
    "campaigns": "campaigns.parquet",
    "evidence_index": "evidence/index.parquet",
}


class ResultError(Exception):
    """The directory is not a result of ``unmask detect``."""


class Result:
    """A RESULT directory, read lazily."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        if not self.path.is_dir():
            raise ResultError(f"{self.path}: no such result directory")
        if not (self.path / "accounts.parquet").is_file():
            raise ResultError(f"{self.path}: not a result directory (no accounts.parquet); run `unmask detect` first")

    @property
    def missing(self) -> list[str]:
        """Contract files that are absent."""
        out = [f for f in TABLES.values() if not (self.path / f).is_file()]
        return out + [f for f in ("summary.json",) if not (self.path / f).is_file()]

    def table(self, name: str, columns: list[str] | None = None) -> pa.Table | None:
        """One of :meth:`table_names` (``None`` when absent), or only ``columns`` of it (those present)."""
        if name in TABLES:
            p = self.path / TABLES[name]
            if not p.is_file():
                return None
            if columns is not None:
                columns = [c for c in columns if c in pq.read_schema(p).names]
            return pq.read_table(p, columns=columns)
        return self._forensics.get(name)

    def table_names(self) -> list[str]:
        """The tables present: the contract's, then one ``forensics_<analysis>`` per analysis."""
        return [n for n, f in TABLES.items() if (self.path / f).is_file()] + list(self._forensics)

    def tables(self) -> Iterator[tuple[str, pa.Table]]:
        """Every table of :meth:`table_names`, read."""
        for name in self.table_names():
            yield name, self.table(name)

    @cached_property
    def _forensics(self) -> dict[str, pa.Table]:
        """A forensic analysis' per-cluster tables (``forensics/cluster_<id>/<name>.parquet``) stacked
        into one table ``forensics_<name>`` with a leading ``cluster_id`` column (they are small)."""
        root = self.path / "forensics"
        if not root.is_dir():
            return {}
        parts: dict[str, list[pa.Table]] = {}
        for d in sorted(root.iterdir()):
            m = re.fullmatch(r"cluster_(-?\d+)", d.name)
            if not (d.is_dir() and m):
                continue
            for f in sorted(d.glob("*.parquet")):
                t = pq.read_table(f)
                t = t.add_column(0, "cluster_id", pa.array([int(m.group(1))] * t.num_rows, pa.int64()))
                parts.setdefault(re.sub(r"\W", "_", f.stem), []).append(t)
        out: dict[str, pa.Table] = {}
        for name, ts in sorted(parts.items()):
            try:
                out[f"forensics_{name}"] = pa.concat_tables(ts, promote_options="permissive")
            except (pa.ArrowInvalid, pa.ArrowTypeError):  # incompatible schemas: one table per cluster
                for t in ts:
                    out[f"forensics_{name}_cluster_{t.column('cluster_id')[0].as_py()}"] = t
        return out

    def num_rows(self, name: str) -> int:
        """Rows of a table without reading it (Parquet metadata)."""
        if name in TABLES:
            return pq.read_metadata(self.path / TABLES[name]).num_rows
        return self._forensics[name].num_rows

    @cached_property
    def summary(self) -> dict[str, Any]:
        """``summary.json`` (empty when absent)."""
        p = self.path / "summary.json"
        return json.loads(p.read_text(encoding="utf-8")) if p.is_file() else {}

    def forensics_summaries(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """(``cluster_<id>/<analysis>``, summary) of every ``forensics/cluster_*/*.json``."""
        root = self.path / "forensics"
        if root.is_dir():
            for f in sorted(root.glob("cluster_*/*.json")):
                yield f"{f.parent.name}/{f.stem}", json.loads(f.read_text(encoding="utf-8"))

    # -- dossiers -------------------------------------------------------------------------------

    def _inside(self, rel: str) -> Path | None:
        """``rel`` resolved under RESULT (or RESULT/evidence), never outside it."""
        base = self.path.resolve()
        for root in (base, base / "evidence"):
            p = (root / rel).resolve()
            if p.is_relative_to(base) and p.is_file():
                return p
        return None

    def dossier_paths(self) -> Iterator[tuple[str, str, Path]]:
        """(kind ``account``/``cluster``, id, path) of every dossier."""
        idx = self.table("evidence_index")
        if idx is not None:
            for row in idx.select(["kind", "id", "path"]).to_pylist():
                p = self._inside(str(row["path"]))
                if p is not None:
                    yield str(row["kind"]), str(row["id"]), p
            return
        for kind, key in (("account", "account_id"), ("cluster", "cluster_id")):
            for p in sorted((self.path / "evidence" / f"{kind}s").glob("*.json")):
                d = json.loads(p.read_text(encoding="utf-8"))
                yield kind, str(d.get(key, p.stem)), p

    def dossiers(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """(kind, id, dossier) of every dossier."""
        for kind, key, p in self.dossier_paths():
            yield kind, key, json.loads(p.read_text(encoding="utf-8"))

    def dossier(self, kind: str, key: str) -> dict[str, Any] | None:
        """One dossier by kind and id (``None`` when it has none)."""
        idx = self.table("evidence_index")
        if idx is not None:
            for row in idx.to_pylist():
                if row["kind"] == kind and str(row["id"]) == key:
                    p = self._inside(str(row["path"]))
                    return json.loads(p.read_text(encoding="utf-8")) if p else None
            return None
        for k, i, p in self.dossier_paths():
            if k == kind and i == key:
                return json.loads(p.read_text(encoding="utf-8"))
        return None
