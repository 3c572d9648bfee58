"""GraphML of the fused graph, written as a stream, with typed ``<key>`` declarations.

Keys follow Gephi's reading of GraphML: node ``label`` is the label, edge ``weight`` the weight;
then cluster, verdict, score, flagged, handle, operator_offset, degree (nodes) and signals,
n_shared, best_q (edges). A missing value is left out (the ``<data>`` element is absent).
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from unmask.export._graph import BATCH, EDGE_ATTRS, NODE_ATTRS, numbered, xml_values
from unmask.export._text import concat, optional, write_rows, xml_escape_array

__all__ = ["write"]

_NODE = [("label", "string"), *NODE_ATTRS]
_EDGE = [("weight", "double"), *EDGE_ATTRS]


def _data(batch: pa.RecordBatch, attrs: list[tuple[str, str]], prefix: str) -> list[pa.Array]:
    return [optional(f'<data key="{prefix}{n}">', xml_values(batch, n, k), "</data>") for n, k in attrs]


def write(src, out: Path) -> list[Path]:
    """Write ``graph.graphml`` into ``out``."""
    nodes, edges = src.graph
    path = out / "graph.graphml"
    keys = [f'  <key id="n_{n}" for="node" attr.name="{n}" attr.type="{k}"/>' for n, k in _NODE]
    keys += [f'  <key id="e_{n}" for="edge" attr.name="{n}" attr.type="{k}"/>' for n, k in _EDGE]
    with open(path, "wb") as fh:
        fh.write((
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
            'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n'
            + "\n".join(keys) + '\n  <graph id="G" edgedefault="undirected">\n'
        ).encode("utf-8"))
        for b in nodes.to_batches(BATCH):
            write_rows(fh, concat('    <node id="', xml_escape_array(b.column("id")), '">',
                                  *_data(b, _NODE, "n_"), "</node>\n"))
        for b, ids in numbered(edges):
            write_rows(fh, concat('    <edge id="e', ids, '" source="', xml_escape_array(b.column("source")),
                                  '" target="', xml_escape_array(b.column("target")), '">',
                                  *_data(b, _EDGE, "e_"), "</edge>\n"))
        fh.write(b"  </graph>\n</graphml>\n")
    return [path]
