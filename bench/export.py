"""Time and size of each ``unmask export`` format on a synthetic result (default 100 k accounts, 1 M edges).

    python bench/export.py                       # 100 k nodes, 1 M fused edges, every format
    python bench/export.py --nodes 10000 --edges 100000 --networkx   # also networkx's writers

The synthetic result follows docs/results.md: accounts (every one in the graph), fused (1 M pairs),
edges (one signal edge per fused pair, 3 evidence structs each), clusters (1 000, with members),
campaigns, 2 000 account dossiers. Each format is a separate ``export`` call (reading included);
``--pseudonymize`` adds a run of all formats with pseudonymisation.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from unmask.export import FORMATS, export

VERDICTS = np.array(["coordinated_inauthentic", "coordinated_organic", "automated_benign", "automated_coordinated",
                     "no_finding"])
SIGNALS = np.array(["co_repost", "co_link", "co_text_near", "fast_repost", "sync_activity"])


def _s(x: np.ndarray) -> pa.Array:
    """A numpy string array as one Arrow string array (pa.array may chunk large ones)."""
    a = pa.array(x.astype(object), pa.string())
    return a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a


def make(root: Path, n_nodes: int, n_edges: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    ids = np.char.add("1", np.char.zfill(np.arange(n_nodes).astype(str), 9))
    n_clusters = max(1, n_nodes // 100)
    cluster = np.where(rng.random(n_nodes) < 0.3, rng.integers(0, n_clusters, n_nodes), -1)
    score = rng.random(n_nodes)
    t0 = int(datetime(2024, 1, 1, tzinfo=UTC).timestamp() * 1e6)
    reasons = pa.array([["reposted 12 of the same posts within 60 s with 5 cluster members (q < 1e-6)",
                         "activity fits UTC+3 office shifts"]] * n_nodes)
    acc = pa.table({
        "account_id": ids, "platform": ["twitter"] * n_nodes,
        "handle": np.char.add("user_", np.arange(n_nodes).astype(str)),
        "display_name": np.char.add("Name ", np.arange(n_nodes).astype(str)),
        "score": score, "flagged": score > 0.98, "verdict": VERDICTS[rng.integers(0, 5, n_nodes)],
        "cluster_id": pa.array(cluster, mask=cluster < 0), "reasons": reasons,
        "n_posts": rng.integers(1, 500, n_nodes), "n_partners": rng.integers(0, 50, n_nodes),
        "best_q": rng.random(n_nodes) * 1e-3, "signals": pa.array([["co_repost", "co_link"]] * n_nodes),
        "coordination": rng.random(n_nodes), "inauthenticity": rng.random(n_nodes),
        "automation": rng.random(n_nodes), "bot_score": rng.random(n_nodes),
        "operator_offset": pa.array(rng.integers(-8, 9, n_nodes).astype(float), mask=cluster < 0),
        "created_at": pa.array(t0 - rng.integers(0, 10**13, n_nodes), pa.timestamp("us", "UTC")),
        "location": ["Somewhere"] * n_nodes,
    })
    pq.write_table(acc, root / "accounts.parquet")
    a = rng.integers(0, n_nodes, int(n_edges * 1.05))
    b = rng.integers(0, n_nodes, int(n_edges * 1.05))
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    key = np.unique(lo[lo != hi].astype(np.int64) * n_nodes + hi[lo != hi])[:n_edges]
    rng.shuffle(key)
    lo, hi = key // n_nodes, key % n_nodes
    m = len(key)
    k = rng.integers(1, 4, m)
    sig_lists = pa.ListArray.from_arrays(np.concatenate([[0], np.cumsum(k)]).astype(np.int32),
                                         _s(SIGNALS[rng.integers(0, 5, int(k.sum()))]))
    pq.write_table(pa.table({"account_a": ids[lo], "account_b": ids[hi], "weight": rng.random(m) * 30,
                             "signals": sig_lists, "n_shared": rng.integers(2, 100, m),
                             "best_q": rng.random(m) * 1e-3}), root / "fused.parquet")
    at = t0 + rng.integers(0, 10**12, m * 3)
    ev = pa.StructArray.from_arrays(
        [_s(np.char.add("post_", rng.integers(0, 10**9, m * 3).astype(str))),
         pa.array(at, pa.timestamp("us", "UTC")), pa.array(at + rng.integers(0, 60_000_000, m * 3), pa.timestamp("us", "UTC"))],
        names=["object", "at_a", "at_b"])
    ts = pa.array(t0 + rng.integers(0, 10**12, m), pa.timestamp("us", "UTC"))
    pq.write_table(pa.table({
        "signal": SIGNALS[rng.integers(0, 5, m)], "account_a": ids[lo], "account_b": ids[hi],
        "weight": rng.integers(2, 100, m), "n_shared": rng.integers(2, 100, m), "n_objects": rng.integers(2, 100, m),
        "median_dt_s": rng.random(m) * 60, "first_at": ts, "last_at": ts, "p_value": rng.random(m) * 1e-4,
        "q_value": rng.random(m) * 1e-3, "symmetry": rng.random(m), "expected": rng.random(m),
        "evidence": pa.ListArray.from_arrays(pa.array(np.arange(0, 3 * m + 1, 3, dtype=np.int32)), ev),
    }), root / "edges.parquet")
    members = [[] for _ in range(n_clusters)]
    for i in np.flatnonzero(cluster >= 0):
        members[cluster[i]].append(ids[i])
    pq.write_table(pa.table({
        "cluster_id": np.arange(n_clusters), "size": [len(x) for x in members],
        "verdict": VERDICTS[rng.integers(0, 5, n_clusters)], "score": rng.random(n_clusters),
        "reasons": pa.array([["30 accounts repost in lockstep"]] * n_clusters), "members": members,
        "operator_offset": rng.integers(-8, 9, n_clusters).astype(float),
    }), root / "clusters.parquet")
    days = pa.array(t0 + np.arange(365) * 86_400_000_000, pa.timestamp("us", "UTC"))
    pq.write_table(pa.table({"kind": ["hashtag"] * 365, "object": ["#tag"] * 365, "bin_start": days,
                             "bin_s": [86400] * 365, "posts": rng.integers(0, 1000, 365),
                             "posts_flagged": rng.integers(0, 100, 365), "posts_clustered": rng.integers(0, 100, 365)}),
               root / "campaigns.parquet")
    (root / "evidence" / "accounts").mkdir(parents=True, exist_ok=True)
    index = []
    for i in range(min(2000, n_nodes)):
        d = {"account_id": str(ids[i]), "handle": f"user_{i}", "score": float(score[i]), "verdict": "no_finding",
             "reasons": ["x"], "partners": [{"account_id": str(ids[(i + j) % n_nodes]), "handle": f"user_{(i + j) % n_nodes}",
                                             "weight": 3.0, "signals": [{"signal": "co_repost", "n_shared": 5,
                                                                         "evidence": [{"object": "post_1"}] * 5}]}
                                            for j in range(1, 11)],
             "sample_posts": [{"post_id": str(i * 10 + j), "text": f"RT @user_{i + 1}: hello"} for j in range(5)]}
        rel = f"evidence/accounts/{ids[i]}.json"
        (root / rel).write_text(json.dumps(d))
        index.append({"kind": "account", "id": str(ids[i]), "path": rel})
    pq.write_table(pa.Table.from_pylist(index), root / "evidence" / "index.parquet")
    (root / "summary.json").write_text(json.dumps({"accounts": n_nodes, "synthetic": True}))


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class _Clock:
    """Wall and CPU seconds of a block (CPU: this process, all threads; the machine is shared)."""

    def __enter__(self) -> _Clock:
        self.t, self.c = time.perf_counter(), _cpu()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall, self.cpu = time.perf_counter() - self.t, _cpu() - self.c


def _networkx(res: Path, out: Path) -> list[tuple[str, float, int]]:
    """networkx's own writers on the same graph (what unmask used before the streaming writers)."""
    import networkx as nx

    from unmask.export import Result, Source

    with _Clock() as b:
        nodes, edges = Source(Result(res)).graph
        g = nx.Graph()
        for r in nodes.to_pylist():
            g.add_node(r.pop("id"), **{k: v for k, v in r.items() if v is not None})
        for r in edges.to_pylist():
            g.add_edge(r.pop("source"), r.pop("target"), **{k: v for k, v in r.items() if v is not None})
    rows = []
    for name, fn in (("gexf", nx.write_gexf), ("graphml", nx.write_graphml)):
        with _Clock() as c:
            fn(g, out / f"nx.{name}")
        rows.append((f"networkx {name} (+{b.wall:.1f} s to build the graph)", c.wall, c.cpu,
                     (out / f"nx.{name}").stat().st_size))
    import igraph as ig
    import pyarrow.compute as pc

    with _Clock() as b:
        index = {v: i for i, v in enumerate(nodes.column("id").to_pylist())}
        ga = ig.Graph(n=len(index), edges=list(zip(map(index.__getitem__, edges.column("source").to_pylist()),
                                                   map(index.__getitem__, edges.column("target").to_pylist()),
                                                   strict=True)))
        for c in nodes.column_names:  # igraph refuses control characters and writes NaN for missing values
            ga.vs[c] = nodes.column(c).to_pylist()
        for c in edges.column_names[2:]:
            ga.es[c] = pc.fill_null(edges.column(c), 0 if c != "signals" else "").to_pylist()
    with _Clock() as c:
        ga.write_graphml(str(out / "ig.graphml"))
    rows.append((f"igraph graphml (+{b.wall:.1f} s to build the graph)", c.wall, c.cpu,
                 (out / "ig.graphml").stat().st_size))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=100_000)
    ap.add_argument("--edges", type=int, default=1_000_000)
    ap.add_argument("--networkx", action="store_true", help="also time networkx's GEXF/GraphML and igraph's GraphML writers")
    ap.add_argument("--pseudonymize", action="store_true", help="also time all formats pseudonymised")
    ap.add_argument("--keep", type=Path, default=None, help="build the result here and keep it")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="unmask-bench-export-"))
    res = args.keep or tmp / "result"
    try:
        t0 = time.perf_counter()
        if not (res / "accounts.parquet").is_file():
            make(res, args.nodes, args.edges)
        print(f"synthetic result: {args.nodes:,} accounts, {pq.read_metadata(res / 'fused.parquet').num_rows:,} "
              f"fused edges, {pq.read_metadata(res / 'edges.parquet').num_rows:,} signal edges "
              f"({time.perf_counter() - t0:.1f} s to make)")
        rows = []
        for fmt in FORMATS:
            out = tmp / f"out_{fmt}"
            with _Clock() as c:
                rep = export(res, out, fmt)
            rows.append((fmt, c.wall, c.cpu, rep.sizes()[fmt]))
        if args.pseudonymize:
            with _Clock() as c:
                rep = export(res, tmp / "out_pseudo", "all", pseudonymize=True, salt="bench")
            rows.append(("all, --pseudonymize", c.wall, c.cpu, sum(rep.sizes().values())))
        if args.networkx:
            rows += _networkx(res, tmp)
        print(f"| {'format':<48} | {'wall s':>7} | {'CPU s':>7} | {'size MB':>9} |")
        print(f"|{'-' * 50}|{'-' * 9}|{'-' * 9}|{'-' * 11}|")
        for name, wall, cpu, size in rows:
            print(f"| {name:<48} | {wall:7.1f} | {cpu:7.1f} | {size / 1e6:9.1f} |")
        print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
