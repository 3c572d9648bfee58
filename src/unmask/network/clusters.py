"""Leiden clustering of the fused graph (python-igraph), seeded and deterministic, and the
clusters table that describes each group."""

from __future__ import annotations

import random

import duckdb
import igraph as ig
import pyarrow as pa

__all__ = ["cluster_graph", "clusters_table"]


def cluster_graph(
    con: duckdb.DuckDBPyConnection,
    fused: str,
    out: str,
    *,
    seed: int = 42,
    resolution: float = 1.0,
) -> int:
    """Leiden (modularity, weighted) on ``fused``; writes ``out(account_id, cluster_id)``.

    Vertices and edges are fed in sorted order and igraph's random generator is seeded, so the
    same input gives the same clusters. Cluster ids are numbered from 1 by decreasing size, then by
    smallest member. Returns the number of clusters.
    """
    rows = con.execute(f"SELECT account_a, account_b, weight FROM {fused} ORDER BY 1, 2").fetchall()
    nodes = sorted({a for a, _, _ in rows} | {b for _, b, _ in rows})
    index = {v: i for i, v in enumerate(nodes)}
    g = ig.Graph(n=len(nodes), edges=[(index[a], index[b]) for a, b, _ in rows])
    weights = [float(w) for _, _, w in rows]
    state = random.getstate()
    rng = random.Random(seed)
    ig.set_random_number_generator(rng)
    try:
        part = g.community_leiden(
            objective_function="modularity", weights=weights or None, resolution=resolution, n_iterations=-1
        ) if nodes else []
    finally:
        ig.set_random_number_generator(random)
        random.setstate(state)
    groups = [sorted(nodes[i] for i in members) for members in part]
    groups.sort(key=lambda m: (-len(m), m[0]))
    acc, cid = [], []
    for k, members in enumerate(groups, start=1):
        acc.extend(members)
        cid.extend([k] * len(members))
    con.register(f"{out}__arrow", pa.table({"account_id": pa.array(acc, pa.string()),
                                             "cluster_id": pa.array(cid, pa.int64())}))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {out} AS SELECT * FROM {out}__arrow")
    con.unregister(f"{out}__arrow")
    return len(groups)


def clusters_table(
    con: duckdb.DuckDBPyConnection, membership: str, fused: str, edges: str, out: str, *, top: int = 5
) -> None:
    """Describe each cluster: size, signal shares, density, median Δt, time span, top objects, members.

    ``signal_shares`` = for each signal, the share of the cluster's internal fused edges it supports;
    ``density`` = internal fused edges / possible pairs; ``top_objects`` = the objects most often
    seen in the evidence of the cluster's internal signal edges.
    """
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {out}__in AS
        SELECT ma.cluster_id, f.* FROM {fused} f
        JOIN {membership} ma ON ma.account_id = f.account_a
        JOIN {membership} mb ON mb.account_id = f.account_b
        WHERE ma.cluster_id = mb.cluster_id
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {out}__ein AS
        SELECT ma.cluster_id, e.* FROM {edges} e
        JOIN {membership} ma ON ma.account_id = e.account_a
        JOIN {membership} mb ON mb.account_id = e.account_b
        WHERE ma.cluster_id = mb.cluster_id
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {out} AS
        WITH m AS (SELECT cluster_id, count(*) AS size, list(account_id ORDER BY account_id) AS members
                   FROM {membership} GROUP BY cluster_id),
        i AS (SELECT cluster_id, count(*) AS n_edges, median(median_dt_s) AS median_dt_s,
                     min(first_at) AS first_at, max(last_at) AS last_at
              FROM {out}__in GROUP BY cluster_id),
        s AS (SELECT cluster_id, sig, count(*) AS n FROM (
                  SELECT cluster_id, unnest(signals) AS sig FROM {out}__in) x GROUP BY cluster_id, sig),
        ss AS (SELECT s.cluster_id, list(struct_pack(signal := s.sig, share := CAST(s.n AS DOUBLE) / i.n_edges)
                                      ORDER BY s.n DESC, s.sig) AS signal_shares
               FROM s JOIN i ON i.cluster_id = s.cluster_id GROUP BY s.cluster_id),
        o AS (SELECT cluster_id, obj, count(*) AS n FROM (
                  SELECT cluster_id, unnest(evidence).object AS obj FROM {out}__ein) y GROUP BY cluster_id, obj),
        ot AS (SELECT cluster_id, list(struct_pack(object := obj, n := n) ORDER BY n DESC, obj)[1:{int(top)}]
                   AS top_objects FROM o GROUP BY cluster_id)
        SELECT m.cluster_id, m.size, ss.signal_shares,
               CAST(coalesce(i.n_edges, 0) AS DOUBLE) / greatest(m.size * (m.size - 1) / 2, 1) AS density,
               CAST(i.median_dt_s AS DOUBLE) AS median_dt_s, i.first_at, i.last_at,
               CAST(epoch(i.last_at) - epoch(i.first_at) AS DOUBLE) AS span_s,
               ot.top_objects, m.members
        FROM m LEFT JOIN i ON i.cluster_id = m.cluster_id
        LEFT JOIN ss ON ss.cluster_id = m.cluster_id
        LEFT JOIN ot ON ot.cluster_id = m.cluster_id
        ORDER BY m.cluster_id
        """
    )
    con.execute(f"DROP TABLE {out}__in")
    con.execute(f"DROP TABLE {out}__ein")
