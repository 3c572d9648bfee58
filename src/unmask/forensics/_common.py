"""Shared plumbing of the forensics stage: the group scope, the result type, small helpers."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

__all__ = ["Finding", "scope", "table_from_rows"]


@dataclass
class Finding:
    """One analysis' answer: a headline ``summary``, an evidence ``table`` and the ``plots`` data.

    Every number behind a verdict is in ``summary`` or ``table``; ``plots`` holds the small arrays a
    report draws (hour × weekday matrix, fitted curve, creation histogram), all Parquet-ready.
    """

    analysis: str
    summary: dict[str, Any]
    table: pa.Table
    plots: dict[str, pa.Table] = field(default_factory=dict)

    def write(self, out_dir: str | Path) -> list[Path]:
        """Write ``<analysis>.parquet``, ``<analysis>_<plot>.parquet`` and ``<analysis>.json``."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths = [out / f"{self.analysis}.parquet"]
        pq.write_table(self.table, paths[0])
        for name, t in self.plots.items():
            p = out / f"{self.analysis}_{name}.parquet"
            pq.write_table(t, p)
            paths.append(p)
        j = out / f"{self.analysis}.json"
        j.write_text(json.dumps(self.summary, indent=2, default=_jsonable) + "\n", encoding="utf-8")
        paths.append(j)
        return paths


def _jsonable(o: Any) -> Any:
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return None if not np.isfinite(o) else float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)


def scope(con: duckdb.DuckDBPyConnection, accounts: Sequence[str] | None, name: str = "fx_posts") -> str:
    """Create the temp view ``name`` of the posts of ``accounts`` (all posts when None) and return it.

    The group is kept in the temp table ``fx_group(account_id)`` so every query joins, never loops.
    """
    if accounts is None:
        con.execute("CREATE OR REPLACE TEMP TABLE fx_group AS SELECT DISTINCT account_id FROM posts")
    else:
        ids = pa.table({"account_id": pa.array([str(a) for a in accounts], pa.string())})
        con.register("fx_group_arrow", ids)
        con.execute("CREATE OR REPLACE TEMP TABLE fx_group AS SELECT DISTINCT account_id FROM fx_group_arrow")
        con.unregister("fx_group_arrow")
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {name} AS "
        "SELECT p.* FROM posts p WHERE p.account_id IN (SELECT account_id FROM fx_group)"
    )
    return name


def table_from_rows(rows: Iterable[dict[str, Any]], schema: pa.Schema | None = None) -> pa.Table:
    """A pyarrow table from a list of dicts (empty but typed when ``schema`` is given)."""
    rows = list(rows)
    if not rows:
        return schema.empty_table() if schema is not None else pa.table({})
    return pa.Table.from_pylist(rows, schema=schema)


def circ_dist(a: float, b: float, period: float = 24.0) -> float:
    """Distance between two points on a circle of ``period``."""
    d = abs(a - b) % period
    return min(d, period - d)
