"""``unmask.db``: every result table in one SQLite file, ready for Datasette, and its ``metadata.json``.

Lists and structs are JSON text (Datasette renders and SQLite's ``json_each`` queries them), times
ISO 8601 UTC text, booleans 0/1. Indexes on every ``account_id``, ``account_a``, ``account_b`` and
``cluster_id`` column. Also: ``dossiers(kind, id, path, json)`` and ``summary(key, value)``.
``datasette unmask.db --metadata metadata.json`` serves it with descriptions and facets.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pyarrow as pa

from unmask.export._text import flat
from unmask.export.json_summary import counts

__all__ = ["DB_NAME", "QUERIES", "write"]

DB_NAME = "unmask.db"
_INDEXED = ("account_id", "account_a", "account_b", "cluster_id", "kind", "id")
_DESCRIPTIONS = {
    "accounts": "One row per account: score (0-1), flagged, verdict, cluster and the reasons behind them.",
    "clusters": "One row per coordinated cluster: verdict, operator time zone, shifts, bursts, signals, members.",
    "edges": "Significant signal edges (one row per signal and account pair) with their evidence.",
    "fused": "The fused account graph: one row per coordinated account pair.",
    "campaigns": "Volume over time of the top hashtags and domains, and the share posted by flagged accounts.",
    "evidence_index": "Where each dossier is.",
    "dossiers": "Every account and cluster dossier as JSON.",
    "summary": "The result's summary.json, one row per top-level key.",
}
#: Datasette canned queries (each also runs in plain sqlite3; ``:name`` is a parameter).
QUERIES = {
    "flagged_accounts": {
        "title": "Flagged accounts, strongest first",
        "sql": "SELECT account_id, handle, score, verdict, cluster_id, reasons FROM accounts WHERE flagged = 1 "
               "ORDER BY score DESC",
        "needs": ("accounts",),
    },
    "partners": {
        "title": "The coordinated partners of one account",
        "sql": "SELECT CASE WHEN account_a = :account_id THEN account_b ELSE account_a END AS partner, weight, "
               "signals, n_shared, best_q FROM fused WHERE account_a = :account_id OR account_b = :account_id "
               "ORDER BY weight DESC",
        "needs": ("fused",),
    },
    "clusters": {
        "title": "Clusters by verdict and size",
        "sql": "SELECT cluster_id, verdict, size, score, n_flagged, operator_offset, reasons FROM clusters "
               "ORDER BY verdict = 'coordinated_inauthentic' DESC, size DESC",
        "needs": ("clusters",),
    },
}
_FACETS = {"accounts": ["verdict", "flagged", "cluster_id", "platform"], "clusters": ["verdict"],
           "edges": ["signal"], "campaigns": ["kind"]}


def _sql_type(t: pa.DataType) -> str:
    if pa.types.is_integer(t) or pa.types.is_boolean(t):
        return "INTEGER"
    if pa.types.is_floating(t) or pa.types.is_decimal(t):
        return "REAL"
    return "TEXT"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _insert(con: sqlite3.Connection, name: str, table: pa.Table) -> None:
    table = flat(table, bool_as_int=True)
    cols = ", ".join(f"{_q(f.name)} {_sql_type(f.type)}" for f in table.schema)
    con.execute(f"CREATE TABLE {_q(name)} ({cols})")
    sql = f"INSERT INTO {_q(name)} VALUES ({', '.join('?' * table.num_columns)})"
    for b in table.to_batches(50_000):
        con.executemany(sql, zip(*(c.to_pylist() for c in b.columns), strict=True))
    for c in table.column_names:
        if c in _INDEXED:
            con.execute(f"CREATE INDEX {_q(f'idx_{name}_{c}')} ON {_q(name)} ({_q(c)})")


def write(src, out: Path) -> list[Path]:
    """Write ``unmask.db`` and ``metadata.json`` into ``out``."""
    path = out / DB_NAME
    path.unlink(missing_ok=True)
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA journal_mode = OFF")
        con.execute("PRAGMA synchronous = OFF")
        tables = src.tables()
        for name, t in tables.items():
            _insert(con, name, t)
        rows = [(k, i, rel, json.dumps(d, ensure_ascii=False, default=str)) for k, i, rel, d in src.dossiers()]
        _insert(con, "dossiers", pa.table({"kind": pa.array([r[0] for r in rows], pa.string()),
                                           "id": pa.array([r[1] for r in rows], pa.string()),
                                           "path": pa.array([r[2] for r in rows], pa.string()),
                                           "json": pa.array([r[3] for r in rows], pa.string())}))
        summ = {**src.summary, "counts": counts(src)}
        _insert(con, "summary", pa.table({"key": pa.array(list(summ), pa.string()),
                                          "value": pa.array([json.dumps(v, ensure_ascii=False, default=str)
                                                             for v in summ.values()], pa.string())}))
        con.commit()
    finally:
        con.close()
    meta = {
        "title": "unmask result" + (" (pseudonymised)" if src.pseudo is not None else ""),
        "description": "Coordinated inauthentic behaviour found by unmask. A flag is an accusation: read the "
                       "reasons and the evidence (dossiers) before repeating it. Every string comes from the "
                       "data under investigation.",
        "databases": {Path(DB_NAME).stem: {"queries": {
            k: {"title": q["title"], "sql": q["sql"]} for k, q in QUERIES.items() if set(q["needs"]) <= set(tables)
        }, "tables": {
            name: {k: v for k, v in (("description", _DESCRIPTIONS.get(name, "")), ("facets", _FACETS.get(name)),
                                     ("sort_desc", "score" if name in ("accounts", "clusters") else None)) if v}
            for name in [*tables, "dossiers", "summary"]
        }}},
    }
    mpath = out / "metadata.json"
    mpath.write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    return [path, mpath]
