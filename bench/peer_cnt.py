"""unmask vs coordination-network-toolkit 1.5.2 on the IRA tweets in ../shared/data/ira.

    python bench/peer_cnt.py [--ira DIR] [--work DIR] [--skip-peer] [--repeat N] [--all]

1. Writes the tweets as the peer's 8-column CSV (message_id, user_id, username, repost_id,
   reply_id, message, timestamp, urls). The data has no retweeted-tweet ids, so a retweet's
   ``repost_id`` is the md5 of its normalised text (lowercased, leading ``RT @user:`` and links
   removed, whitespace collapsed) — the key unmask's IRA reader uses too.
2. Peer: ``preprocess_csv_files`` (its load) + ``compute_co_retweet_parallel`` (window 60 s,
   min edge weight 2, 2 processes); prints both times.
3. unmask: reads the same CSV in DuckDB and runs ``co_repost`` (window 60 s, weight >= 2, no
   fan-out cap, as the peer has none); prints the time and whether the undirected edge sets
   (without the peer's self-loops) are identical. The peer's edge set is saved in
   ``WORK/peer_edges.tsv``; with ``--skip-peer`` unmask is compared with that saved set (if any).
   ``--repeat N`` times unmask N times (best and median printed). The CSV is written only once.
4. ``--all``: ingests ``tweets.csv.gz`` with unmask's IRA reader and times ``coordinate`` with all
   signals, significance and clusters.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from test_peer_cnt import unmask_co_repost  # noqa: E402
from unmask.engine import connect  # noqa: E402


def write_cnt_csv(ira: Path, out: Path) -> int:
    con = connect()
    con.execute(
        f"""
        COPY (
            SELECT row_number() OVER () AS message_id, author_id AS user_id, author_id AS username,
                   CASE WHEN retweet = '1' OR post_type = 'R' THEN md5(trim(regexp_replace(regexp_replace(
                        regexp_replace(lower(coalesce(content, '')), '^rt @[a-z0-9_]+:?', ''),
                        'https?://[^\\s]+', ' ', 'g'), '\\s+', ' ', 'g'))) ELSE '' END AS repost_id,
                   '' AS reply_id, coalesce(content, '') AS message,
                   CAST(epoch(CAST(publish_date AS TIMESTAMP)) AS BIGINT) AS timestamp, '' AS urls
            FROM read_csv('{(ira / "tweets.csv.gz").as_posix()}', header = true, all_varchar = true)
            WHERE publish_date IS NOT NULL
        ) TO '{out.as_posix()}' (HEADER, DELIMITER ',')
        """
    )
    n = con.execute(f"SELECT count(*) FROM read_csv('{out.as_posix()}', header = true)").fetchone()[0]
    con.close()
    return n


def peer_edges(csv_path: Path, work: Path) -> tuple[set[tuple[str, str]], float, float]:
    """The peer's load + co_retweet on ``csv_path``: its undirected edge set and the two times."""
    from coordination_network_toolkit.compute_networks import compute_co_retweet_parallel
    from coordination_network_toolkit.preprocess import preprocess_csv_files

    db = work / "peer.db"
    db.unlink(missing_ok=True)
    t0 = time.perf_counter()
    preprocess_csv_files(str(db), [str(csv_path)])
    t_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    compute_co_retweet_parallel(str(db), 60, n_threads=2, min_edge_weight=2)
    t_rt = time.perf_counter() - t0
    c = sqlite3.connect(db)
    peer = {tuple(sorted((str(x), str(y)))) for x, y in
            c.execute("SELECT user_1, user_2 FROM co_retweet_network WHERE user_1 != user_2")}
    c.close()
    return peer, t_load, t_rt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ira", type=Path, default=ROOT.parent / "shared" / "data" / "ira")
    ap.add_argument("--work", type=Path, default=None)
    ap.add_argument("--skip-peer", action="store_true")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--all", action="store_true")
    a = ap.parse_args()
    work = a.work or Path(tempfile.mkdtemp(prefix="peer_cnt_"))
    work.mkdir(parents=True, exist_ok=True)
    csv_path = work / "ira_cnt.csv"
    if not csv_path.exists():
        t0 = time.perf_counter()
        n = write_cnt_csv(a.ira, csv_path)
        print(f"wrote {n} tweets as the peer's CSV in {time.perf_counter() - t0:.1f} s: {csv_path}", flush=True)

    times = []
    for _ in range(max(a.repeat, 1)):
        t0 = time.perf_counter()
        ours = unmask_co_repost(csv_path)
        times.append(time.perf_counter() - t0)
        print(f"unmask co_repost (read CSV + signal): {times[-1]:.2f} s, {len(ours)} undirected edges", flush=True)
    t_ours = min(times)
    if len(times) > 1:
        print(f"unmask best {t_ours:.2f} s, median {statistics.median(times):.2f} s over {len(times)} runs")

    cache = work / "peer_edges.tsv"
    peer = None
    if not a.skip_peer:
        peer, t_load, t_rt = peer_edges(csv_path, work)
        cache.write_text("".join(f"{x}\t{y}\n" for x, y in sorted(peer)), encoding="utf-8")
        print(f"peer load: {t_load:.1f} s, peer co_retweet: {t_rt:.1f} s, {len(peer)} undirected edges")
        print(f"speed-up on load + co_retweet: {(t_load + t_rt) / t_ours:.1f}x")
    elif cache.exists():
        peer = {tuple(line.split("\t")) for line in cache.read_text(encoding="utf-8").splitlines()}
        print(f"peer edges from {cache}: {len(peer)} undirected edges")
    if peer is not None:
        print(f"identical edge sets: {peer == ours} (only peer {len(peer - ours)}, only unmask {len(ours - peer)})")

    if a.all:
        from unmask.coordinate import coordinate
        from unmask.ingest import ingest_files

        ds = work / "ds"
        if not (ds / "manifest.json").exists():
            t0 = time.perf_counter()
            ingest_files([a.ira / "tweets.csv.gz"], ds)
            print(f"unmask ingest (IRA reader): {time.perf_counter() - t0:.1f} s", flush=True)
        t0 = time.perf_counter()
        r = coordinate(ds, work / "result")
        print(f"unmask coordinate, all signals + significance + clusters: {time.perf_counter() - t0:.1f} s, "
              f"{r.n_edges} edges, {r.n_clusters} clusters; per signal: {r.timings}")


if __name__ == "__main__":
    main()
