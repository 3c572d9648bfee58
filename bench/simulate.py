"""Generation speed and memory of ``unmask simulate``.

Runs each requested scale in a fresh subprocess (so peak memory is per run) and prints a table:
posts, accounts, seconds, posts per second and peak resident memory (``resource.getrusage``
``ru_maxrss`` of the child). Usage: ``python bench/simulate.py [--scales 1 10] [--format parquet]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile

CHILD = r"""
import json, resource, sys, time
from unmask.simulate import simulate
t = time.perf_counter()
r = simulate(sys.argv[1], seed=int(sys.argv[2]), scale=float(sys.argv[3]), profile=sys.argv[4], format=sys.argv[5])
print(json.dumps({"posts": r.posts, "accounts": r.accounts, "seconds": time.perf_counter() - t,
                  "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main() -> None:
    """Print one row per scale."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scales", nargs="+", type=float, default=[1.0, 10.0])
    ap.add_argument("--profile", default="default")
    ap.add_argument("--format", default="parquet")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    print("| scale | posts | accounts | seconds | posts/s | peak RSS (MB) |")
    print("|---|---|---|---|---|---|")
    for s in a.scales:
        with tempfile.TemporaryDirectory() as d:
            out = subprocess.run([sys.executable, "-c", CHILD, d, str(a.seed), str(s), a.profile, a.format],
                                 check=True, capture_output=True, text=True).stdout
            r = json.loads(out.strip().splitlines()[-1])
            print(f"| {s:g} | {r['posts']:,} | {r['accounts']:,} | {r['seconds']:.1f} | "
                  f"{r['posts'] / r['seconds']:,.0f} | {r['maxrss_mb']:,.0f} |", flush=True)


if __name__ == "__main__":
    main()
