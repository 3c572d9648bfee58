"""``unmask run`` end to end on the IRA set: raw files → dataset → verdicts → HTML report.

    python bench/end_to_end.py [--ira ../shared/data/ira] [--work DIR]

Prints seconds and peak memory (the process's resident high-water mark when the stage ends) per
stage, detect's own sub-step seconds (``forensics.*``, ``verdict.*``, ``write.*``), and the sizes of
what was written. Target (issue 6): under 30 s in all and under 4 GB on 2
cores.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

from unmask.detect import detect
from unmask.ingest import ingest_files
from unmask.report import render_report

HERE = Path(__file__).resolve().parents[1]


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _size_mb(p: Path) -> float:
    return (sum(f.stat().st_size for f in p.rglob("*") if f.is_file()) if p.is_dir() else p.stat().st_size) / 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ira", type=Path, default=HERE.parent / "shared" / "data" / "ira")
    ap.add_argument("--work", type=Path, default=None)
    a = ap.parse_args()
    inputs = sorted(p for p in a.ira.iterdir() if p.is_file() and p.name != "README.md")
    work = a.work or Path(tempfile.mkdtemp(prefix="e2e_"))
    shutil.rmtree(work / "dataset", ignore_errors=True)
    shutil.rmtree(work / "result", ignore_errors=True)
    rows: list[tuple[str, float, float]] = []
    t_all = time.perf_counter()
    t0 = time.perf_counter()
    rep = ingest_files(inputs, work / "dataset")
    rows.append(("ingest", time.perf_counter() - t0, _rss_mb()))
    marks: dict[str, float] = {}

    def stage(name: str) -> None:
        marks[name] = time.perf_counter()
        if len(marks) > 1:
            prev = list(marks)[-2]
            rows.append((prev, marks[name] - marks[prev], _rss_mb()))

    res = detect(work / "dataset", work / "result", progress=stage)
    last = list(marks)[-1]
    rows.append((last, time.perf_counter() - marks[last], _rss_mb()))
    t0 = time.perf_counter()
    html = render_report(work / "result", work / "report.html")
    rows.append(("report", time.perf_counter() - t0, _rss_mb()))
    total = time.perf_counter() - t_all
    tot = rep.totals()
    print(f"IRA set: {len(inputs)} files, {tot['records']:,} records, {tot['ingested']:,} posts ingested; "
          f"{res.accounts:,} accounts, {res.flagged:,} flagged, {res.clusters:,} clusters")
    print("| stage | seconds | peak RSS so far (MB) |\n|---|---|---|")
    for name, secs, rss in rows:
        print(f"| {name} | {secs:.1f} | {rss:.0f} |")
    print(f"| **total** | **{total:.1f}** | **{_rss_mb():.0f}** |")
    subs = {k: v for k, v in res.timings.items() if "." in k}
    if subs:
        print("detect's sub-steps (s): " + ", ".join(f"{k} {v:.2f}" for k, v in subs.items()))
    print(f"dataset {_size_mb(work / 'dataset'):.0f} MB, result {_size_mb(work / 'result'):.0f} MB, "
          f"report {_size_mb(html):.1f} MB ({html})")


if __name__ == "__main__":
    main()
