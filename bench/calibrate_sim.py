"""Measure the real statistics the simulator is calibrated against, next to a simulated world.

Reads ``../shared/data`` (IRA troll tweets; 2015 GOP-debate and airline tweets as organic
references) with DuckDB and prints, per source: repost share, reply share, median and mean text
length (characters), mean hashtags per post and share of posts without a hashtag. Then simulates
a small world and prints the same figures per truth group, so ``docs/simulation.md`` can quote
both. Usage: ``python bench/calibrate_sim.py [--data ../shared/data] [--seed 0]``.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import duckdb

from unmask.simulate import simulate

TAG = r"'#\w+'"


def measure_real(con: duckdb.DuckDBPyConnection, data: Path) -> list[tuple]:
    """Rows (source, posts, repost share, reply share, median len, mean len, tags/post, no-tag share)."""
    rows = []
    ira = data / "ira" / "tweets.csv.gz"
    if ira.exists():
        rows += con.execute(f"""
            SELECT 'IRA troll tweets (English)', count(*), avg(coalesce(post_type = 'R', false)::int), NULL,
                   median(length(content)), avg(length(content)),
                   avg(len(regexp_extract_all(content, {TAG}))), avg((len(regexp_extract_all(content, {TAG})) = 0)::int)
            FROM read_csv('{ira}', all_varchar = true) WHERE language = 'English'""").fetchall()
    for name, path, col in (("GOP debate 2015 (organic)", data / "gop_debate_2015" / "Sentiment.csv", "text"),
                            ("US airlines 2015 (organic)", data / "airline_tweets_2015" / "Tweets.csv", "text")):
        if path.exists():
            rows += con.execute(f"""
                SELECT '{name}', count(*), avg(starts_with({col}, 'RT @')::int), avg(starts_with({col}, '@')::int),
                       median(length({col})), avg(length({col})),
                       avg(len(regexp_extract_all({col}, {TAG}))), avg((len(regexp_extract_all({col}, {TAG})) = 0)::int)
                FROM read_csv('{path}', all_varchar = true)""").fetchall()
    return rows


def measure_sim(con: duckdb.DuckDBPyConnection, seed: int) -> list[tuple]:
    """The same figures for a small simulated world, per truth group (originals only for lengths)."""
    with tempfile.TemporaryDirectory() as d:
        simulate(d, seed=seed, profile="small")
        return con.execute(f"""
            SELECT 'simulated: ' || t."group", count(*), avg((kind = 'repost')::int), avg((kind = 'reply')::int),
                   median(length(text)) FILTER (WHERE kind <> 'repost'), avg(length(text)) FILTER (WHERE kind <> 'repost'),
                   avg(len(hashtags)), avg((len(hashtags) = 0)::int)
            FROM read_parquet('{d}/dataset/posts/*.parquet') p JOIN '{d}/truth/accounts.parquet' t USING (account_id)
            GROUP BY 1 ORDER BY 2 DESC""").fetchall()


def main() -> None:
    """Print the calibration table."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    con = duckdb.connect()
    head = ("source", "posts", "repost", "reply", "len med", "len mean", "tags/post", "no tag")
    print(" | ".join(head))
    print(" | ".join("---" for _ in head))
    for r in measure_real(con, a.data) + measure_sim(con, a.seed):
        print(" | ".join("-" if v is None else f"{v:.2f}" if isinstance(v, float) else str(v) for v in r))


if __name__ == "__main__":
    main()
