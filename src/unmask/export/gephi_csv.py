"""Gephi's spreadsheet import: ``gephi/nodes.csv`` (``Id,Label,...``) and ``gephi/edges.csv``
(``Source,Target,Weight,Type,...``), UTF-8 with a header, every attribute of the graph as a column.

Cells that a spreadsheet would run as a formula (``= + - @`` first) get a leading ``'``.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pcsv

from unmask.export._graph import EDGE_ATTRS, NODE_ATTRS
from unmask.export._text import csv_guard

__all__ = ["write", "write_csv"]


def write_csv(table: pa.Table, path: Path) -> Path:
    """``table`` (flat columns) as CSV with formula cells guarded."""
    table = pa.table([csv_guard(c) for c in table.columns], names=table.column_names)
    pcsv.write_csv(table, path)
    return path


def write(src, out: Path) -> list[Path]:
    """Write ``gephi/nodes.csv`` and ``gephi/edges.csv`` into ``out``."""
    nodes, edges = src.graph
    d = out / "gephi"
    d.mkdir(parents=True, exist_ok=True)
    n = pa.table([nodes.column("id"), nodes.column("label"), *(nodes.column(a) for a, _ in NODE_ATTRS)],
                 names=["Id", "Label", *(a for a, _ in NODE_ATTRS)])
    e = pa.table([edges.column("source"), edges.column("target"), edges.column("weight"),
                  pa.array(["Undirected"] * edges.num_rows, pa.string()), *(edges.column(a) for a, _ in EDGE_ATTRS)],
                 names=["Source", "Target", "Weight", "Type", *(a for a, _ in EDGE_ATTRS)])
    return [write_csv(n, d / "nodes.csv"), write_csv(e, d / "edges.csv")]
