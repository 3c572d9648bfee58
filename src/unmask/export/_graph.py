"""The fused graph's attributes, shared by the graph writers (GEXF, GraphML, Gephi CSV)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa

from unmask.export._text import xml_escape_array, xml_number

__all__ = ["BATCH", "EDGE_ATTRS", "NODE_ATTRS", "numbered", "xml_values"]

#: (name, kind) of each node attribute; kind is ``int``, ``long``, ``double``, ``boolean`` or ``string``.
NODE_ATTRS: list[tuple[str, str]] = [
    ("cluster", "int"), ("verdict", "string"), ("score", "double"), ("flagged", "boolean"),
    ("handle", "string"), ("operator_offset", "double"), ("degree", "int"),
]
#: Edge attributes besides ``weight`` (which GEXF carries natively; GraphML declares it).
EDGE_ATTRS: list[tuple[str, str]] = [("signals", "string"), ("n_shared", "long"), ("best_q", "double")]

#: Rows rendered at a time by the streaming writers (bounds their memory).
BATCH = 100_000


def xml_values(batch: pa.RecordBatch, name: str, kind: str) -> pa.Array:
    """Column ``name`` of ``batch`` as escaped XML text (null where the value is missing)."""
    col = batch.column(name)
    return xml_escape_array(col) if kind == "string" else xml_number(col)


def numbered(table: pa.Table) -> Iterator[tuple[pa.RecordBatch, pa.Array]]:
    """``table`` in batches of :data:`BATCH` rows, each with its rows' running numbers as strings."""
    start = 0
    for b in table.to_batches(BATCH):
        yield b, pa.array(np.arange(start, start + b.num_rows)).cast(pa.string())
        start += b.num_rows
