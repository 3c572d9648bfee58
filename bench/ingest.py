"""Ingest throughput and peak memory: the IRA set, generated IO-archive files of growing size and
JSON lines (twarc2 pages and Jetstream events written by ``unmask simulate``).

Prints a table (input, rows, wall seconds, CPU seconds, rows/s, peak RSS) and the machine's load
average: on a shared machine the wall time depends on the other jobs, the CPU seconds much less.
Each ingest runs in a fresh process so its peak memory is its own. Usage::

    python bench/ingest.py [--sizes 1000000 5000000] [--json-scale 0.1] [--json-file BIG.jsonl ...]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
COLUMNS = (
    "tweetid userid user_display_name user_screen_name user_reported_location user_profile_description "
    "user_profile_url follower_count following_count account_creation_date account_language tweet_language "
    "tweet_text tweet_time tweet_client_name in_reply_to_userid in_reply_to_tweetid quoted_tweet_tweetid "
    "is_retweet retweet_userid retweet_tweetid latitude longitude quote_count reply_count like_count "
    "retweet_count hashtags urls user_mentions poll_choices"
).split()


def generate_io_archive(path: Path, rows: int, seed: int = 7) -> None:
    """Write a synthetic IO-archive tweets CSV of ``rows`` rows (vectorised, in 1 M-row blocks)."""
    rng = np.random.default_rng(seed)
    words = np.array("the farm posts news about vote city people today must share read now".split())
    tags = np.array(["['maga']", "['news', 'vote']", "[]", "[]", "['breaking']", "['a', 'b', 'c']"])
    urls = np.array(["[]", "[]", "['https://example.com/a?utm_source=x']", "['http://bit.ly/xyz']"])
    with pacsv.CSVWriter(path, pa.schema([(c, pa.string()) for c in COLUMNS]),
                         write_options=pacsv.WriteOptions(quoting_style="all_valid")) as w:
        done = 0
        while done < rows:
            n = min(1_000_000, rows - done)
            ids = np.arange(done, done + n) + 10**17
            users = rng.integers(0, max(1000, rows // 50), n)
            secs = rng.integers(1_500_000_000, 1_530_000_000, n)
            is_rt = rng.random(n) < 0.4
            text = pc.binary_join_element_wise(*[pa.array(words[rng.integers(0, len(words), n)]) for _ in range(8)], " ")
            cols = {c: pa.array(np.full(n, ""), pa.string()) for c in COLUMNS}
            cols.update(
                tweetid=pa.array(ids.astype(str)), userid=pa.array(users.astype(str)),
                user_screen_name=pa.array(np.char.add("user", users.astype(str))),
                follower_count=pa.array(rng.integers(0, 5000, n).astype(str)),
                account_creation_date=pa.array(np.full(n, "2016-01-01")),
                tweet_text=text,
                tweet_time=pc.strftime(pa.array(secs.astype("datetime64[s]")), "%Y-%m-%d %H:%M"),
                tweet_client_name=pa.array(np.full(n, "Twitter Web Client")),
                is_retweet=pa.array(np.where(is_rt, "true", "false")),
                retweet_tweetid=pa.array(np.where(is_rt, (rng.integers(0, 10000, n) + 10**16).astype(str), "")),
                latitude=pa.array(np.full(n, "absent")), longitude=pa.array(np.full(n, "absent")),
                hashtags=pa.array(tags[rng.integers(0, len(tags), n)]),
                urls=pa.array(urls[rng.integers(0, len(urls), n)]),
                user_mentions=pa.array(np.full(n, "[]")),
            )
            w.write_table(pa.table(cols))
            done += n


def run_ingest(inputs: list[Path], out: Path) -> dict:
    """Ingest in a child process; return counts, seconds and the child's peak RSS."""
    code = (
        "import json, resource, sys, unmask; r = unmask.ingest_files(sys.argv[2:], sys.argv[1]); "
        "u = resource.getrusage(resource.RUSAGE_SELF); "
        "print(json.dumps(r.totals() | {'errors': [f.error for f in r.files if f.error], "
        "'cpu': u.ru_utime + u.ru_stime, 'peak_mb': u.ru_maxrss / 1024}))"
    )
    t0 = time.perf_counter()
    res = subprocess.run([sys.executable, "-c", code, str(out), *map(str, inputs)],
                         capture_output=True, text=True, check=True)
    secs = time.perf_counter() - t0
    out_json = json.loads(res.stdout.strip().splitlines()[-1])
    out_json.update(seconds=secs)
    return out_json


def simulated_json(workdir: Path, fmt: str, scale: float) -> Path:
    """The JSON-lines file ``unmask simulate --format FMT`` writes at ``scale`` (cached)."""
    world = workdir / f"world-{fmt}-{scale:g}"
    found = sorted((world / "input").glob(f"simulated_{fmt}.jsonl")) if world.exists() else []
    if not found:
        shutil.rmtree(world, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "unmask", "simulate", "-o", str(world), "--format", fmt,
                        "--scale", str(scale), "--seed", "1"], check=True, capture_output=True)
        found = sorted((world / "input").glob(f"simulated_{fmt}.jsonl"))
    return found[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", type=int, nargs="*", default=[1_000_000, 5_000_000])
    ap.add_argument("--json-scale", type=float, default=0.1,
                    help="scale of the simulated twarc2/jetstream worlds (1 is about a million posts); 0 skips")
    ap.add_argument("--json-file", type=Path, nargs="*", default=[], help="more JSON files to time (format sniffed)")
    ap.add_argument("--skip-csv", action="store_true", help="time only the JSON inputs")
    ap.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "unmask-bench-ingest")
    args = ap.parse_args()
    load_before = os.getloadavg()
    args.workdir.mkdir(parents=True, exist_ok=True)
    rows = []
    ira = [SHARED / "ira" / "tweets.csv.gz", SHARED / "ira" / "authors.csv"]
    if args.skip_csv:
        ira, args.sizes = [], []
    if ira and all(p.exists() for p in ira):
        from unmask.ingest import READERS

        if "ira" in READERS:
            out = args.workdir / "ds-ira"
            shutil.rmtree(out, ignore_errors=True)
            rows.append(("IRA tweets.csv.gz + authors.csv", run_ingest(ira, out)))
        else:
            print("(the 'ira' reader is not registered: IRA row skipped)")
    for n in args.sizes:
        src = args.workdir / f"io_archive_{n}.csv"
        if not src.exists():
            generate_io_archive(src, n)
        out = args.workdir / f"ds-{n}"
        shutil.rmtree(out, ignore_errors=True)
        rows.append((f"generated IO-archive CSV ({src.stat().st_size / 1e9:.2f} GB)", run_ingest([src], out)))
    jsons = []
    if args.json_scale > 0:
        jsons = [simulated_json(args.workdir, f, args.json_scale) for f in ("twarc2", "jetstream")]
    for src in [*jsons, *args.json_file]:
        out = args.workdir / f"ds-{src.stem}"
        shutil.rmtree(out, ignore_errors=True)
        rows.append((f"{src.name[:28]} ({src.stat().st_size / 1e9:.2f} GB)", run_ingest([src], out)))
    print(f"\n{'input':<42} {'records':>10} {'ingested':>10} {'rejected':>9} {'seconds':>8} {'CPU s':>7} "
          f"{'rows/s':>10} {'peak MB':>8}")
    for name, r in rows:
        print(f"{name:<42} {r['records']:>10,} {r['ingested']:>10,} {r['rejected']:>9,} {r['seconds']:>8.1f} "
              f"{r['cpu']:>7.1f} {r['records'] / r['seconds']:>10,.0f} {r['peak_mb']:>8.0f}")
        if r["errors"]:
            print("   errors:", r["errors"])
    load = ", ".join(f"{a:.1f}/{b:.1f}" for a, b in zip(load_before, os.getloadavg(), strict=True))
    print(f"\nmachine: {os.cpu_count()} cores; load average (1/5/15 min) before/after: {load}; "
          f"memory limit {os.environ.get('UNMASK_MEMORY_LIMIT', '1536MB (default)')}; "
          "unmask ingest in a fresh process per input")


if __name__ == "__main__":
    main()
