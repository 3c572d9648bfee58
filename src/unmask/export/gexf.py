"""GEXF 1.3 of the fused graph (Gephi's own format), written as a stream.

Declared node attributes: cluster, verdict, score, flagged, handle, operator_offset, degree; edge
attributes: signals, n_shared, best_q, with the weight in GEXF's own ``weight``. A missing value
(an account without operator offset, an edge without q) is left out, as GEXF allows.
networkx's writer builds the whole tree in memory (minutes and gigabytes at a million edges, see
bench/export.py), so rows are rendered in Arrow and written from its buffers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from unmask import __version__
from unmask.export._graph import BATCH, EDGE_ATTRS, NODE_ATTRS, numbered, xml_values
from unmask.export._text import concat, optional, write_rows, xml_escape, xml_escape_array, xml_number

__all__ = ["write"]

_TYPES = {"int": "integer", "long": "long", "double": "double", "boolean": "boolean", "string": "string"}


def _declare(cls: str, attrs: list[tuple[str, str]]) -> str:
    lines = [f'    <attributes class="{cls}" mode="static">']
    lines += [f'      <attribute id="{i}" title="{n}" type="{_TYPES[k]}"/>' for i, (n, k) in enumerate(attrs)]
    return "\n".join([*lines, "    </attributes>"]) + "\n"


def _attvalues(batch: pa.RecordBatch, attrs: list[tuple[str, str]]) -> list[pa.Array]:
    return [optional(f'<attvalue for="{i}" value="', xml_values(batch, n, k), '"/>') for i, (n, k) in enumerate(attrs)]


def write(src, out: Path) -> list[Path]:
    """Write ``graph.gexf`` into ``out``."""
    nodes, edges = src.graph
    path = out / "graph.gexf"
    with open(path, "wb") as fh:
        head = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<gexf xmlns="http://gexf.net/1.3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:schemaLocation="http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd" version="1.3">\n'
            f'  <meta lastmodifieddate="{datetime.now(UTC).date().isoformat()}">\n'
            f"    <creator>unmask {xml_escape(__version__)}</creator>\n"
            "    <description>Fused coordination network: one node per account, one edge per coordinated "
            "pair</description>\n  </meta>\n"
            '  <graph defaultedgetype="undirected" mode="static">\n'
            + _declare("node", NODE_ATTRS) + _declare("edge", EDGE_ATTRS) + "    <nodes>\n"
        )
        fh.write(head.encode("utf-8"))
        for b in nodes.to_batches(BATCH):
            write_rows(fh, concat('      <node id="', xml_escape_array(b.column("id")), '" label="',
                                  xml_escape_array(b.column("label")), '"><attvalues>',
                                  *_attvalues(b, NODE_ATTRS), "</attvalues></node>\n"))
        fh.write(b"    </nodes>\n    <edges>\n")
        for b, ids in numbered(edges):
            write_rows(fh, concat('      <edge id="', ids, '" source="', xml_escape_array(b.column("source")),
                                  '" target="', xml_escape_array(b.column("target")), '"',
                                  optional(' weight="', xml_number(b.column("weight")), '"'), "><attvalues>",
                                  *_attvalues(b, EDGE_ATTRS), "</attvalues></edge>\n"))
        fh.write(b"    </edges>\n  </graph>\n</gexf>\n")
    return [path]
