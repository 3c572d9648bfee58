"""Significance of signal edges, fusion of signals into one graph, and clustering."""

from __future__ import annotations

from unmask.network.clusters import cluster_graph, clusters_table
from unmask.network.fusion import fuse
from unmask.network.significance import benjamini_hochberg, poisson_sf, score_edges

__all__ = ["benjamini_hochberg", "cluster_graph", "clusters_table", "fuse", "poisson_sf", "score_edges"]
