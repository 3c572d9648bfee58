"""Gephi's spreadsheet import: ``gephi/nodes.csv`` (``Id,Label,...``) and ``gephi/edges.csv``
(``Source,Target,Weight,Type,...``), UTF-8 with a header, every attribute of the graph as a column.

Cells that a spreadsheet would run as a formula (``= + - @`` first) get a leading ``'``; control
characters that XML 1.0 forbids become U+FFFD here too, since Gephi keeps the labels and writes
them to GEXF and GraphML itself.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from unmask.export._graph import EDGE_ATTRS, NODE_ATTRS
from unmask.export._text import XML_FORBIDDEN, csv_guard

__all__ = ["write", "write_csv"]


def _clean(col: pa.ChunkedArray) -> pa.ChunkedArray:
    if not pa.types.is_string(col.type):
        return col
    return pc.replace_substring_regex(col, pattern=XML_FORBIDDEN, replacement="\ufffd")


def write_csv(table: pa.Table, path: Path, *, clean: bool = False) -> Path:
    """``table`` (flat columns) as CSV with formula cells guarded (and control characters replaced)."""
    table = pa.table([csv_guard(_clean(c) if clean else c) for c in table.columns], names=table.column_names)
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
    return [write_csv(n, d / "nodes.csv", clean=True), write_csv(e, d / "edges.csv", clean=True)]
