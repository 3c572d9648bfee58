"""``unmask export``: a RESULT directory (docs/results.md) in the formats other tools read.

Each format is one module with ``write(src: Source, out: Path) -> list[Path]``, registered in
:data:`FORMATS` -- adding a format is one file and one line here. See docs/export.md.

``pseudonymize=True`` replaces account ids, handles, display names and post ids by salted keyed
hashes (:mod:`unmask.export._pseudo`) consistently in every table, graph and dossier written.
"""

from __future__ import annotations

import importlib
import json
import os
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from unmask.export._pseudo import Pseudonymizer
from unmask.export._result import Result, ResultError

__all__ = ["FORMATS", "ExportError", "ExportReport", "Result", "ResultError", "Source", "export", "parse_formats",
           "salt_file_for"]

#: Format name -> module with ``write(src, out)``, in the order ``all`` writes them.
FORMATS: dict[str, str] = {
    "gexf": "unmask.export.gexf",
    "graphml": "unmask.export.graphml",
    "gephi-csv": "unmask.export.gephi_csv",
    "csv": "unmask.export.tables_csv",
    "parquet": "unmask.export.tables_parquet",
    "json": "unmask.export.json_summary",
    "sqlite": "unmask.export.sqlite",
}


class ExportError(Exception):
    """The export cannot be made as asked."""


def parse_formats(spec: str | list[str] | tuple[str, ...]) -> list[str]:
    """``"gexf,sqlite"`` / ``["all"]`` -> the format names, in registry order."""
    names = [x.strip().lower() for x in (spec.split(",") if isinstance(spec, str) else spec) if x.strip()]
    if not names or "all" in names:
        return list(FORMATS)
    unknown = [n for n in names if n not in FORMATS]
    if unknown:
        raise ExportError(f"unknown format(s) {', '.join(unknown)}; known: {', '.join(FORMATS)}, all")
    return [n for n in FORMATS if n in names]


def _col(t: pa.Table, name: str, default: str = "NULL") -> str:
    return f't."{name}"' if name in t.column_names else default


class Source:
    """What the writers read: a result's tables, graph and dossiers, pseudonymised if asked."""

    def __init__(self, result: Result, pseudo: Pseudonymizer | None = None) -> None:
        self.result = result
        self.pseudo = pseudo
        self._cache: dict[str, pa.Table | None] = {}

    def _p(self, t: pa.Table | None) -> pa.Table | None:
        return t if t is None or self.pseudo is None else self.pseudo.table(t)

    @cached_property
    def _all(self) -> list[str]:
        return list(self.result.table_names())

    def tables(self) -> dict[str, pa.Table]:
        """Every result table by name (``accounts``, ``clusters``, ``edges``, ``fused``, ``campaigns``,
        ``evidence_index``, ``forensics_<analysis>``); the index's paths are those of the export."""
        out = {name: self.table(name) for name in self._all}
        if "evidence_index" in out:
            files = self.dossier_files()
            out["evidence_index"] = pa.table({"kind": pa.array([k for k, _, _ in files], pa.string()),
                                              "id": pa.array([i for _, i, _ in files], pa.string()),
                                              "path": pa.array([p for _, _, p in files], pa.string())})
        return out

    def table(self, name: str) -> pa.Table | None:
        """One table, read (and pseudonymised) once, on first use."""
        if name not in self._cache:
            self._cache[name] = self._p(self.result.table(name))
        return self._cache[name]

    @cached_property
    def summary(self) -> dict[str, Any]:
        s = self.result.summary
        return self.pseudo.json(s) if self.pseudo else s

    def forensics_summaries(self) -> list[tuple[str, dict[str, Any]]]:
        return [(k, self.pseudo.json(v) if self.pseudo else v) for k, v in self.result.forensics_summaries()]

    @cached_property
    def _dossier_names(self) -> list[tuple[str, str, str, Path]]:
        out: list[tuple[str, str, str, Path]] = []
        seen: set[tuple[str, str]] = set()
        for kind, key, p in self.result.dossier_paths():
            new = self.pseudo.text(key) if self.pseudo and kind == "account" else key
            stem = "".join(c if c.isalnum() or c in "-_." else "_" for c in new).lstrip(".")[:80] or "_"
            if stem != new or (kind, stem.lower()) in seen:  # changed, or clashing on a case-blind file system
                stem = f"{stem}-{len(out)}"
            seen.add((kind, stem.lower()))
            out.append((kind, new, f"evidence/{kind}s/{stem}.json", p))
        return out

    def dossier_files(self) -> list[tuple[str, str, str]]:
        """(kind, id, path relative to the export) of every dossier the export writes."""
        return [(k, i, rel) for k, i, rel, _ in self._dossier_names]

    def dossiers(self) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
        """(kind, id, relative path, dossier) of every dossier, pseudonymised if asked."""
        for kind, key, rel, p in self._dossier_names:
            d = json.loads(p.read_text(encoding="utf-8"))
            yield kind, key, rel, (self.pseudo.json(d) if self.pseudo else d)

    @cached_property
    def graph(self) -> tuple[pa.Table, pa.Table]:
        """(nodes, edges) of the fused graph.

        Nodes: every account in ``fused.parquet`` plus every flagged or clustered account --
        ``id, label, cluster (-1 = none), verdict, score, flagged, handle, operator_offset (the
        account's, else its cluster's), degree``. Edges: ``source, target, weight, signals
        (comma-separated), n_shared, best_q``.
        """
        acc = self.table("accounts")
        fused = self.table("fused")
        clusters = self.table("clusters")
        if fused is None:
            fused = pa.table({"account_a": pa.array([], pa.string()), "account_b": pa.array([], pa.string()),
                              "weight": pa.array([], pa.float64())})
        con = duckdb.connect()
        try:
            con.execute("SET TimeZone = 'UTC'")
            t = acc
            con.register("acc_raw", acc)
            flag = _col(t, "flagged", "false")
            con.execute(f"""CREATE TEMP TABLE acc AS SELECT t.account_id, {_col(t, 'handle')} AS handle,
                {_col(t, 'cluster_id')} AS cluster_id, {_col(t, 'verdict')} AS verdict, {_col(t, 'score')} AS score,
                {flag} AS flagged, {_col(t, 'operator_offset')} AS operator_offset FROM acc_raw t
                QUALIFY row_number() OVER (PARTITION BY t.account_id ORDER BY {_col(t, 'score', '0')} DESC NULLS LAST) = 1""")
            con.register("fused_raw", fused)
            t = fused
            sig = _col(t, "signals", "''")
            if "signals" in t.column_names and not pa.types.is_string(t.schema.field("signals").type):
                sig = "array_to_string(t.signals, ',')"
            con.execute(f"""CREATE TEMP TABLE e AS SELECT t.account_a AS source, t.account_b AS target,
                CAST(t.weight AS DOUBLE) AS weight, {sig} AS signals, CAST({_col(t, 'n_shared')} AS BIGINT) AS n_shared,
                CAST({_col(t, 'best_q')} AS DOUBLE) AS best_q FROM fused_raw t""")
            if clusters is not None and "operator_offset" in clusters.column_names:
                con.register("cl", clusters.select(["cluster_id", "operator_offset"]))
            else:
                con.execute("CREATE TEMP TABLE cl (cluster_id BIGINT, operator_offset DOUBLE)")
            nodes = con.sql("""
                WITH deg AS (SELECT id, count(*) AS degree FROM
                         (SELECT source AS id FROM e UNION ALL SELECT target FROM e) GROUP BY id),
                     ids AS (SELECT id FROM deg UNION
                             SELECT account_id FROM acc WHERE cluster_id IS NOT NULL OR flagged)
                SELECT ids.id, coalesce(a.handle, ids.id) AS label, CAST(coalesce(a.cluster_id, -1) AS BIGINT) AS cluster,
                       coalesce(a.verdict, 'no_finding') AS verdict, CAST(coalesce(a.score, 0) AS DOUBLE) AS score,
                       coalesce(a.flagged, false) AS flagged, a.handle,
                       CAST(coalesce(a.operator_offset, cl.operator_offset) AS DOUBLE) AS operator_offset,
                       CAST(coalesce(deg.degree, 0) AS BIGINT) AS degree
                FROM ids LEFT JOIN acc a ON a.account_id = ids.id LEFT JOIN deg ON deg.id = ids.id
                LEFT JOIN cl ON cl.cluster_id = a.cluster_id ORDER BY ids.id""").to_arrow_table()
            edges = con.sql("SELECT * FROM e ORDER BY source, target").to_arrow_table()
        finally:
            con.close()
        return nodes, edges


@dataclass
class ExportReport:
    """What :func:`export` wrote: files and seconds per format, the salt file if one was made."""

    out_dir: Path
    files: dict[str, list[Path]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    pseudonymized: bool = False
    salt_file: Path | None = None
    missing: list[str] = field(default_factory=list)

    def sizes(self) -> dict[str, int]:
        """Bytes written per format."""
        return {k: sum(p.stat().st_size for p in v if p.is_file()) for k, v in self.files.items()}


def salt_file_for(out_dir: Path) -> Path:
    """Where a generated salt goes: beside ``out_dir``, never inside it."""
    return out_dir.parent / f"{out_dir.name}.salt"


def export(
    result: str | os.PathLike[str] | Result,
    out_dir: str | os.PathLike[str],
    formats: str | list[str] | tuple[str, ...] = "all",
    *,
    pseudonymize: bool = False,
    salt: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> ExportReport:
    """Write ``result`` to ``out_dir`` in ``formats`` (names of :data:`FORMATS`, or ``"all"``).

    With ``pseudonymize`` and no ``salt``, a random salt is made and written to
    ``<out_dir>.salt`` (mode 600) beside the output; ``out_dir`` must then be new or empty so no
    earlier, clear-text export is left mixed in. ``progress`` is called with each format's name as
    it starts.
    """
    res = result if isinstance(result, Result) else Result(result)
    names = parse_formats(formats)
    out = Path(out_dir)
    if res.path.resolve() == out.resolve():
        raise ExportError("the output directory must not be the result directory")
    rep = ExportReport(out, pseudonymized=pseudonymize, missing=res.missing)
    pseudo = None
    if pseudonymize:
        if out.exists() and any(out.iterdir()):
            raise ExportError(f"{out}: not empty; a pseudonymised export goes to a new or empty directory")
        if not salt:
            salt = secrets.token_hex(32)
            sf = salt_file_for(out)
            sf.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(sf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(salt + "\n")
            rep.salt_file = sf
        pseudo = _pseudonymizer(res, salt)
    out.mkdir(parents=True, exist_ok=True)
    src = Source(res, pseudo)
    for name in names:
        if progress:
            progress(name)
        t0 = time.perf_counter()
        mod = importlib.import_module(FORMATS[name])
        rep.files[name] = list(mod.write(src, out))
        rep.seconds[name] = round(time.perf_counter() - t0, 3)
    return rep


def _pseudonymizer(res: Result, salt: str) -> Pseudonymizer:
    """A pseudonymiser that knows every account id and handle of ``res``."""
    ids: set[str] = set()
    handles: set[str] = set()
    for name, cols in (("accounts", ["account_id", "handle"]), ("fused", ["account_a", "account_b"]),
                       ("edges", ["account_a", "account_b"]), ("clusters", ["members"])):
        t = res.table(name, columns=cols)
        for c in t.column_names if t is not None else []:
            col = pc.list_flatten(t.column(c)) if c == "members" else t.column(c)
            (handles if c == "handle" else ids).update(x for x in pc.unique(col).to_pylist() if x)
    return Pseudonymizer(salt, ids, handles)

