"""Seconds per stage and peak memory of ``coordinate`` on DuckDB and on Spark, by data size.

    python bench/scale.py [--sizes 1,10] [--spark-sizes 1] [--work DIR] [--master local[2]] [--signals LIST]

For each size (millions of posts) a world is generated once with the simulator (default profile,
scale = size / 1.37) under ``--work``; every (engine, size) then runs in its own process so that
its peak memory is its own: the peak resident memory of the process and its children (Spark's
JVM) is sampled every 0.2 s from /proc. Spark's session start-up is measured separately, and so
is reading the canonical Parquet (``read``: count the posts). Prints one table (seconds per stage,
and seconds per million posts per core) and, with ``--json FILE``, writes the raw numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

POSTS_PER_SCALE = 1.37e6


def _rss_tree_mb(root: int) -> float:
    """Resident memory (MB) of ``root`` and all its descendants, from /proc."""
    kids: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                parts = f.read().rsplit(")", 1)[1].split()
            ppid, pages = int(parts[1]), int(parts[21])
        except (OSError, IndexError, ValueError):
            continue
        kids.setdefault(ppid, []).append(int(d))
        rss[int(d)] = pages
    total, todo = 0, [root]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo.extend(kids.get(p, []))
    return total * os.sysconf("SC_PAGE_SIZE") / 2**20


class PeakSampler:
    """Samples the peak resident memory of this process tree in a thread."""

    def __init__(self, every: float = 0.2) -> None:
        self.peak = 0.0
        self.every = every
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _rss_tree_mb(os.getpid()))
            time.sleep(self.every)

    def __enter__(self) -> PeakSampler:
        self._t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._t.join()


def run_one(engine: str, dataset: Path, out: Path, master: str, scratch: str | None,
            signals: list[str] | None = None) -> dict:
    """One coordinate run in this process; returns stage seconds and peak memory."""
    from unmask.coordinate import coordinate

    res: dict = {"engine": engine, "stages": {}}
    with PeakSampler() as ps:
        if engine == "spark":
            from unmask.engine import connect_spark

            t0 = time.perf_counter()
            eng = connect_spark(master, scratch=scratch)
            res["stages"]["spark_start"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            eng.spark.read.parquet(f"{dataset.resolve().as_posix()}/posts").count()
            res["stages"]["read"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            r = coordinate(dataset, out, con=eng, signals=signals)
        else:
            from unmask.engine import connect

            con = connect()
            t0 = time.perf_counter()
            con.execute(f"SELECT count(*) FROM read_parquet('{dataset.resolve().as_posix()}/posts/*.parquet')").fetchone()
            res["stages"]["read"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            r = coordinate(dataset, out, con=con, signals=signals)
        res["total_coordinate"] = time.perf_counter() - t0
        for k, v in r.timings.items():
            if k != "spark_session":
                res["stages"][k] = v
    res["peak_mb"] = ps.peak
    res["n_edges"] = r.n_edges
    res["n_clusters"] = r.n_clusters
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1,10", help="millions of posts, DuckDB")
    ap.add_argument("--spark-sizes", default="1", help="millions of posts, Spark ('' = none)")
    ap.add_argument("--work", type=Path, default=Path("/tmp/unmask-scale"))
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--scratch", default=None, help="Spark scratch URI for intermediate tables")
    ap.add_argument("--cores", type=int, default=2, help="cores used, for the per-core rate")
    ap.add_argument("--signals", default=None, help="comma-separated signals (default: all)")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--one", nargs=2, metavar=("ENGINE", "SIZE"), help=argparse.SUPPRESS)
    a = ap.parse_args()

    def world(size: float) -> Path:
        d = a.work / f"world_{size:g}M"
        if not (d / "dataset" / "manifest.json").exists():
            from unmask.simulate import simulate

            t0 = time.perf_counter()
            r = simulate(d, seed=1, scale=size * 1e6 / POSTS_PER_SCALE, profile="default")
            print(f"# simulated {r.posts:,} posts in {time.perf_counter() - t0:.0f} s -> {d}", file=sys.stderr,
                  flush=True)
        return d / "dataset"

    if a.one:
        engine, size = a.one[0], float(a.one[1])
        ds = world(size)
        out = a.work / f"result_{engine}_{size:g}M"
        r = run_one(engine, ds, out, a.master, a.scratch, a.signals.split(",") if a.signals else None)
        import pyarrow.parquet as pq

        r["posts"] = sum(pq.ParquetFile(p).metadata.num_rows for p in (ds / "posts").glob("*.parquet"))
        r["size"] = size
        print("RESULT " + json.dumps(r), flush=True)
        return

    plan = [("duckdb", float(s)) for s in a.sizes.split(",") if s]
    plan += [("spark", float(s)) for s in a.spark_sizes.split(",") if s]
    results = []
    for engine, size in plan:
        world(size)
        cmd = [sys.executable, __file__, "--one", engine, str(size), "--work", str(a.work), "--master", a.master]
        if a.scratch:
            cmd += ["--scratch", a.scratch]
        if a.signals:
            cmd += ["--signals", a.signals]
        p = subprocess.run(cmd, capture_output=True, text=True)
        line = next((x for x in p.stdout.splitlines() if x.startswith("RESULT ")), None)
        if line is None:
            err = "\n".join(x for x in p.stderr.splitlines() if not x.startswith("\tat "))
            print(f"# {engine} {size:g}M failed:\n{err[-4000:]}", file=sys.stderr)
            continue
        r = json.loads(line[len("RESULT "):])
        results.append(r)
        print(f"# {engine} {size:g}M done: {r['total_coordinate']:.0f} s, peak {r['peak_mb']:.0f} MB", file=sys.stderr,
              flush=True)
    print_table(results, a.cores)
    if a.json:
        a.json.write_text(json.dumps(results, indent=2) + "\n")


def print_table(results: list[dict], cores: int) -> None:
    """One row per stage, one column pair (s, s per M posts per core) per run."""
    if not results:
        return
    stages: list[str] = []
    for r in results:
        for k in r["stages"]:
            if k not in stages:
                stages.append(k)
    heads = [f"{r['engine']} {r['posts'] / 1e6:.2f}M" for r in results]
    print(f"{'stage':<22}" + "".join(f"{h:>24}" for h in heads))
    print(f"{'':<22}" + "".join(f"{'s':>12}{'s/Mpost/core':>12}" for _ in heads))
    for st in stages:
        row = f"{st:<22}"
        for r in results:
            v = r["stages"].get(st)
            row += f"{'':>24}" if v is None else f"{v:>12.1f}{v * cores / (r['posts'] / 1e6):>12.2f}"
        print(row)
    row = f"{'coordinate total':<22}"
    for r in results:
        v = r["total_coordinate"]
        row += f"{v:>12.1f}{v * cores / (r['posts'] / 1e6):>12.2f}"
    print(row)
    print(f"{'peak memory (MB)':<22}" + "".join(f"{r['peak_mb']:>24.0f}" for r in results))
    print(f"{'edges / clusters':<22}" + "".join(f"{str(r['n_edges']) + ' / ' + str(r['n_clusters']):>24}"
                                               for r in results))


if __name__ == "__main__":
    main()
