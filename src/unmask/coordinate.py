"""``coordinate``: run the coordination signals, score them, fuse them and cluster the accounts.

Outputs in ``out_dir``:

- ``edges.parquet`` — one row per (signal, account pair) kept: ``signal, account_a, account_b
  (a < b), weight, n_shared, n_objects, median_dt_s, first_at, last_at, p_value, q_value, symmetry, expected,
  evidence`` (evidence = up to ``evidence`` structs ``object, at_a, at_b``);
- ``clusters.parquet`` — see :func:`unmask.network.clusters.clusters_table`;
- ``graph.gexf`` and ``graph.graphml`` — the fused graph, node attributes ``cluster``, ``handle``,
  ``degree``; edge attributes ``weight``, ``signals``, ``n_shared``;
- ``parameters.json`` — every effective parameter, per-signal counts (events, capped cells, candidate
  and kept pairs, seconds) and the unmask version.

Two keep rules:

- ``mode="significance"`` (default): keep pairs with ``q_value <= q_max`` and ``n_shared >= min_shared``;
- ``mode="coortweet"``: CooRTweet's rule — keep pairs that shared at least ``min_participation``
  objects within ``time_window`` (``n_shared``), whatever their q-value; ``symmetry`` is its edge
  symmetry score. CooRTweet counts an object as shared by a pair when both posted it within the
  window of each other (its ``detect_groups`` + ``generate_coordinated_network``), which is
  unmask's ``n_shared``; CooRTweet then optionally cuts edges below a weight percentile, which
  unmask replaces with the FDR rule in the default mode.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from unmask import __version__
from unmask.dataset import Dataset
from unmask.engine import connect
from unmask.network.clusters import cluster_graph, clusters_table
from unmask.network.fusion import fuse
from unmask.network.significance import score_edges
from unmask.signals import SIGNALS, get
from unmask.signals._window import resolve_evidence

__all__ = ["DEFAULT_SIGNALS", "CoordinateResult", "coordinate", "run_signal"]

#: Signals run when none are named: all registered ones.
DEFAULT_SIGNALS = tuple(SIGNALS)


@dataclass
class CoordinateResult:
    """Where the outputs went and what the run counted."""

    out_dir: Path
    parameters: dict[str, Any]
    n_edges: int
    n_clusters: int
    timings: dict[str, float] = field(default_factory=dict)


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_signal(
    con: duckdb.DuckDBPyConnection,
    name: str,
    out: str,
    *,
    time_window: float | None = 60,
    max_bucket: int = 250,
    evidence: int = 5,
    params: dict[str, Any] | None = None,
    keep: str = "true",
) -> dict[str, Any]:
    """Compute signal ``name`` on the ``posts`` view into table ``out`` with p and q values.

    Only rows matching the SQL condition ``keep`` (on the scored columns) are written, with their
    evidence resolved to object ids and times.
    """
    sig = get(name)
    kw = {**sig.defaults, **(params or {})}
    max_bucket = int(kw.pop("max_bucket", max_bucket))
    stats = sig.compute(con, f"{out}__e", time_window=time_window, max_bucket=max_bucket, evidence=evidence, **kw)
    a = int(stats.get("accounts", 0))
    stats["n_tests"] = a * (a - 1) // 2
    score_edges(con, f"{out}__e", f"{out}__s", n_tests=stats["n_tests"])
    resolve_evidence(con, f"{out}__s", f"{out}__e_objects", out, keep)
    for t in ("__e", "__s", "__e_objects"):
        con.execute(f"DROP TABLE {out}{t}")
    stats["parameters"] = {"time_window": time_window if sig.windowed else None, "max_bucket": max_bucket,
                           "evidence": evidence, **kw}
    return stats


def coordinate(
    dataset: str | os.PathLike[str] | Dataset,
    out_dir: str | os.PathLike[str],
    *,
    signals: list[str] | tuple[str, ...] | None = None,
    time_window: float | None = 60,
    mode: str = "significance",
    q_max: float = 0.01,
    min_shared: int = 2,
    min_participation: int = 2,
    max_bucket: int = 250,
    evidence: int = 5,
    signal_params: dict[str, dict[str, Any]] | None = None,
    seed: int = 42,
    resolution: float = 1.0,
    con: duckdb.DuckDBPyConnection | None = None,
) -> CoordinateResult:
    """Find coordinated account groups in ``dataset`` and write the outputs to ``out_dir``.

    ``time_window`` (seconds; ``None`` = same object at any time) applies to every windowed
    signal; ``signal_params`` overrides a signal's own defaults, e.g.
    ``{"co_text_near": {"threshold": 0.9}}``. See the module docstring for the outputs and the
    two keep rules (``mode``).
    """
    if mode not in ("significance", "coortweet"):
        raise ValueError("mode must be 'significance' or 'coortweet'")
    ds = dataset if isinstance(dataset, Dataset) else Dataset.open(dataset)
    names = list(signals) if signals else list(DEFAULT_SIGNALS)
    for n in names:
        get(n)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    own = con is None
    con = con or connect()
    ds.register(con)
    timings: dict[str, float] = {}
    per_signal: dict[str, Any] = {}
    keep = (
        f"q_value <= {float(q_max)!r} AND n_shared >= {int(min_shared)}"
        if mode == "significance"
        else f"n_shared >= {int(min_participation)}"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE coord_edges (signal VARCHAR, account_a VARCHAR, account_b VARCHAR, "
        "weight BIGINT, n_shared BIGINT, n_objects BIGINT, median_dt_s DOUBLE, first_at TIMESTAMPTZ, last_at TIMESTAMPTZ, "
        "p_value DOUBLE, q_value DOUBLE, symmetry DOUBLE, expected DOUBLE, "
        "evidence STRUCT(object VARCHAR, at_a TIMESTAMPTZ, at_b TIMESTAMPTZ)[])"
    )
    for n in names:
        t0 = time.perf_counter()
        st = run_signal(con, n, f"sig_{n}", time_window=time_window, max_bucket=max_bucket, evidence=evidence,
                        params=(signal_params or {}).get(n), keep=keep)
        con.execute(
            f"INSERT INTO coord_edges SELECT '{n}', account_a, account_b, weight, n_shared, n_objects, median_dt_s, first_at, "
            f"last_at, p_value, q_value, symmetry, expected, evidence FROM sig_{n}"
        )
        st["kept_pairs"] = con.execute(f"SELECT count(*) FROM coord_edges WHERE signal = '{n}'").fetchone()[0]
        con.execute(f"DROP TABLE sig_{n}")
        timings[n] = st["seconds"] = round(time.perf_counter() - t0, 3)
        per_signal[n] = st
    t0 = time.perf_counter()
    fuse(con, "coord_edges", "coord_fused", by=mode)
    n_clusters = cluster_graph(con, "coord_fused", "coord_members", seed=seed, resolution=resolution)
    clusters_table(con, "coord_members", "coord_fused", "coord_edges", "coord_clusters")
    timings["fusion_clusters"] = round(time.perf_counter() - t0, 3)
    t0 = time.perf_counter()
    con.execute(
        f"COPY (SELECT * FROM coord_edges ORDER BY signal, account_a, account_b) TO "
        f"'{(out / 'edges.parquet').as_posix()}' (FORMAT parquet)"
    )
    con.execute(f"COPY coord_clusters TO '{(out / 'clusters.parquet').as_posix()}' (FORMAT parquet)")
    _write_graphs(con, out)
    timings["write"] = round(time.perf_counter() - t0, 3)
    n_edges = con.execute("SELECT count(*) FROM coord_edges").fetchone()[0]
    parameters = {
        "tool": "unmask",
        "tool_version": __version__,
        "dataset": str(ds.path),
        "signals": names,
        "time_window": time_window,
        "mode": mode,
        "q_max": q_max,
        "min_shared": min_shared,
        "min_participation": min_participation,
        "max_bucket": max_bucket,
        "evidence": evidence,
        "seed": seed,
        "resolution": resolution,
        "null_model": "Poisson(n_a * n_b * K), K = 2 S / (N^2 - sum n_a^2); BH per signal",
        "fusion": "sum over kept signals of min(-log10 q, 30)" if mode == "significance" else "sum of n_shared",
        "per_signal": per_signal,
        "n_edges": n_edges,
        "n_clusters": n_clusters,
        "timings_s": timings,
        "peak_rss_mb": round(_peak_rss_mb(), 1),
    }
    (out / "parameters.json").write_text(json.dumps(parameters, indent=2, default=str) + "\n", encoding="utf-8")
    if own:
        con.close()
    return CoordinateResult(out, parameters, n_edges, n_clusters, timings)


def _write_graphs(con: duckdb.DuckDBPyConnection, out: Path) -> None:
    """The fused graph as GEXF and GraphML (networkx) with cluster, handle and degree per node."""
    import networkx as nx

    g = nx.Graph()
    nodes = con.execute(
        "SELECT m.account_id, m.cluster_id, coalesce(max(a.handle), m.account_id) FROM coord_members m "
        "LEFT JOIN accounts a ON a.account_id = m.account_id GROUP BY 1, 2 ORDER BY 1"
    ).fetchall()
    for acc, cid, handle in nodes:
        g.add_node(acc, cluster=int(cid), handle=str(handle))
    for a, b, w, sigs, n in con.execute(
        "SELECT account_a, account_b, weight, array_to_string(signals, ','), n_shared FROM coord_fused ORDER BY 1, 2"
    ).fetchall():
        g.add_edge(a, b, weight=float(w), signals=sigs, n_shared=int(n))
    for v, d in g.degree():
        g.nodes[v]["degree"] = int(d)
    nx.write_gexf(g, out / "graph.gexf")
    nx.write_graphml(g, out / "graph.graphml")
