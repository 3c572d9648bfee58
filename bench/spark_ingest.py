"""Ingest of a generated IO-archive tweets CSV: DuckDB against Spark ``local[N]``.

Uses ``bench/ingest.py``'s generator (``generate_io_archive``). Each engine runs in a fresh
process (CPU seconds and peak memory: Python + DuckDB, or Python + the driver JVM, summed); Spark's
session start is timed apart from the ingest. Both datasets are compared (post and account counts
and the per-file counts). Usage::

    python bench/spark_ingest.py [--rows 1000000] [--master 'local[2]'] [--files 1]

``--files N`` splits the rows over N files (Spark reads each CSV file in one task: N files = N
tasks for the read).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import generate_io_archive

_CHILD = r"""
import json, resource, sys, time
engine, out, master, *inputs = sys.argv[1:]
t0 = time.perf_counter()
timings = {}
if engine == "spark":
    from unmask.engines.spark import spark_session
    from unmask.engines.spark_ingest import ingest_spark
    s = spark_session(master)
    timings["session"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    r = ingest_spark(inputs, out, spark=s)
else:
    import unmask
    t1 = time.perf_counter()
    r = unmask.ingest_files(inputs, out)
timings["ingest"] = time.perf_counter() - t1
u = resource.getrusage(resource.RUSAGE_SELF)
cpu, peak = u.ru_utime + u.ru_stime, u.ru_maxrss / 1024
if engine == "spark":  # the driver JVM (local mode: it runs the executors too), read before it exits
    import os
    pid = s.sparkContext._gateway.proc.pid
    st = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    cpu += (int(st[11]) + int(st[12])) / os.sysconf("SC_CLK_TCK")
    hwm = [ln for ln in open(f"/proc/{pid}/status") if ln.startswith("VmHWM")][0]
    peak += int(hwm.split()[1]) / 1024
print(json.dumps(r.totals() | {"errors": [f.error for f in r.files if f.error], "timings": timings,
      "cpu": cpu, "peak_mb": peak}))
"""


def run(engine: str, out: Path, master: str, inputs: list[Path]) -> dict:
    t0 = time.perf_counter()
    res = subprocess.run([sys.executable, "-c", _CHILD, engine, str(out), master, *map(str, inputs)],
                         capture_output=True, text=True, check=False)
    if res.returncode:
        raise SystemExit(f"{engine} failed:\n{res.stderr[-3000:]}")
    d = json.loads(res.stdout.strip().splitlines()[-1])
    d["wall"] = time.perf_counter() - t0
    return d


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--files", type=int, default=1)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--workdir", type=Path, default=None)
    a = ap.parse_args()
    work = a.workdir or Path(tempfile.mkdtemp(prefix="unmask-spark-ingest-"))
    work.mkdir(parents=True, exist_ok=True)
    per = a.rows // a.files
    inputs = []
    for i in range(a.files):
        p = work / f"io_{a.rows}_{i}_of_{a.files}_tweets_csv_hashed.csv"
        if not p.exists():
            generate_io_archive(p, per, seed=7 + i)
        inputs.append(p)
    print(f"{a.rows:,} rows in {a.files} file(s), {sum(p.stat().st_size for p in inputs) / 1e6:.0f} MB; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    res = {}
    for engine in ("duckdb", "spark"):
        out = work / f"ds-{engine}"
        subprocess.run(["rm", "-rf", str(out)], check=True)
        res[engine] = run(engine, out, a.master, inputs)
    d, s = res["duckdb"], res["spark"]
    same = {k: d[k] for k in ("records", "ingested", "duplicate", "rejected", "accounts")} == \
        {k: s[k] for k in ("records", "ingested", "duplicate", "rejected", "accounts")}
    print("| engine | session s | ingest s | rows/s | CPU s | peak MB |\n|---|---:|---:|---:|---:|---:|")
    for name, r in res.items():
        ing = r["timings"]["ingest"]
        print(f"| {name if name == 'duckdb' else 'spark ' + a.master} | {r['timings'].get('session', 0):.1f} | "
              f"{ing:.1f} | {r['records'] / ing:,.0f} | {r['cpu']:.1f} | {r['peak_mb']:,.0f} |")
    print(f"counts identical: {same}  ({json.dumps({k: s[k] for k in ('records', 'ingested', 'duplicate', 'rejected', 'accounts')})})")
    load = os.getloadavg()[0]
    print(f"load average after: {load:.1f}")


if __name__ == "__main__":
    main()
