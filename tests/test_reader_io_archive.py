"""The IO-archive reader on hand-written files in the archive's layout and on the real sample."""

from __future__ import annotations

from pathlib import Path

import pytest

import unmask
from helpers import rows
from unmask.ingest import sniff


def test_tweets_file_rows_kinds_entities_and_rejects(tmp_path: Path, fixtures: Path) -> None:
    src = fixtures / "io_archive" / "tweets_csv_hashed.csv"
    assert sniff(src)[0].name == "io-archive"
    rep = unmask.ingest_files([src], tmp_path / "ds")
    f = rep.files[0]
    # 9 data records: 6 distinct good, 1 duplicate of 1001, 1 bad timestamp, 1 cut record
    assert (f.records, f.ingested, f.duplicate, f.rejected) == (9, 6, 1, 2)
    posts = {r["post_id"]: r for r in rows(tmp_path / "ds", "posts")}
    assert sorted(posts) == ["1001", "1002", "1003", "1004", "1005", "1007"]
    assert posts["1001"]["kind"] == "post"
    assert posts["1001"]["hashtags"] == ["world", "peace"]
    assert posts["1002"]["urls"] == ["https://example.com/news?id=7"]
    assert posts["1002"]["domains"] == ["example.com"]
    assert posts["1002"]["text"].startswith('Read this\nmultiline "quoted"')
    assert posts["1003"]["kind"] == "repost"
    assert (posts["1003"]["reposted_post_id"], posts["1003"]["reposted_account_id"]) == ("1001", "2001")
    assert posts["1004"]["kind"] == "reply"
    assert (posts["1004"]["replied_post_id"], posts["1004"]["replied_account_id"]) == ("1001", "2001")
    assert posts["1004"]["mentions"] == ["2001"]
    assert posts["1005"]["kind"] == "quote" and posts["1005"]["quoted_post_id"] == "1002"
    assert posts["1007"]["hashtags"] == ["سورية_الآن"]
    assert str(posts["1001"]["created_at"]) == "2018-01-02 10:15:00+00:00"
    assert posts["1003"]["source_record"] == 3 and posts["1001"]["source_file"] == str(src)

    rejects = rows(tmp_path / "ds", "rejects", order="source_record")
    assert next((r["field"], r["reason"].split(" (")[0]) for r in rejects) == ("tweet_time", "unparseable timestamp")
    assert "yesterday at noon" in rejects[0]["raw"]
    assert "unterminated quote" in rejects[1]["reason"] and rejects[1]["reason"].startswith("UNQUOTED VALUE") and rejects[1]["source_record"] is not None

    accounts = {r["account_id"]: r for r in rows(tmp_path / "ds", "accounts")}
    assert set(accounts) == {"2001", "2002", "x8fjK2lPq0aa3dMZ7T1yM9hV5cZp2Q+uRbE0mXkS4wA="}
    a = accounts["2001"]
    assert a["followers"] == 130  # the latest per-tweet copy wins
    assert a["snapshot_source"] == "post" and a["location"] == "Tehran, Iran"
    assert str(a["first_seen"]) == "2018-01-02 10:15:00+00:00" and str(a["last_seen"]) == "2018-01-02 10:16:00+00:00"


def test_same_file_twice_adds_nothing_and_users_file_updates_profiles(tmp_path: Path, fixtures: Path) -> None:
    src = fixtures / "io_archive" / "tweets_csv_hashed.csv"
    ds = tmp_path / "ds"
    unmask.ingest_files([src], ds)
    again = unmask.ingest_files([src], ds).files[0]
    assert (again.ingested, again.duplicate, again.rejected) == (0, 7, 2)
    assert len(rows(ds, "posts")) == 6

    users = unmask.ingest_files([fixtures / "io_archive" / "users_csv_hashed.csv"], ds).files[0]
    assert users.format == "io-archive"
    assert (users.records, users.ingested, users.rejected) == (3, 2, 1)
    accounts = {r["account_id"]: r for r in rows(ds, "accounts")}
    assert accounts["2001"]["handle"] in ("realhandle", "h_2001")
    assert accounts["2004"]["created_at"] is not None and accounts["2004"]["first_seen"] is None
    manifest = unmask.Dataset.open(ds).manifest
    assert [i["format"] for i in manifest["inputs"]] == ["io-archive"] * 3
    assert all(len(i["sha256"]) == 64 for i in manifest["inputs"])


@pytest.mark.shared
def test_real_io_archive_sample(tmp_path: Path, shared_data: Path) -> None:
    src = shared_data / "io_archive_sample" / "ira_2018_tweets_sample.csv"
    f = unmask.ingest_files([src], tmp_path / "ds").files[0]
    assert f.format == "io-archive"
    # 407 complete rows; the file ends in a cut record, which is rejected with its line number
    assert (f.records, f.ingested, f.duplicate, f.rejected) == (408, 407, 0, 1)
    assert f.accounts == 86
    found = rows(tmp_path / "ds", "posts", "post_id = '894109669869985793'")
    assert found[0]["hashtags"] == ["syrianarmy", "hama", "insidesyriamc"]
    assert found[0]["client"] == "WordPress.com"


def _archive_with_ties(path: Path, n: int) -> None:
    """An IO-archive tweets file of ``n`` records: many tweets per account in the same minute (ties broken by record order, with differing profile
    copies), repeated tweet ids, a bad timestamp and a ragged row."""
    import csv

    from unmask.ingest.io_archive import TWEET_COLUMNS

    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(TWEET_COLUMNS)
        for i in range(n):
            row = dict.fromkeys(TWEET_COLUMNS, "")
            row.update(tweetid=str(10**12 + i % (n - 50)), userid=str(i % 97), user_screen_name=f"u{i % 97}",
                       follower_count=str(i), tweet_time=f"2020-01-0{1 + i % 3} 10:{(i // 997) % 60:02d}",
                       tweet_text=f"text {i} #tag{i % 5} https://Example.com/p/{i}?utm_source=x", is_retweet="false",
                       hashtags=f"['tag{i % 5}']", urls=f"['https://example.com/p/{i}/']", user_mentions="[]")
            if i == n // 3:
                row["tweet_time"] = "yesterday"
            w.writerow([row[c] for c in TWEET_COLUMNS])
            if i == n // 2:
                f.write("1,2,3\n")  # ragged


def test_streamed_tweets_file_equals_staged_records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A tweets file goes in straight from the file (its posts staged in file order, numbered by
    position; the 1 M and 5 M-row benchmark files, read in parallel, were compared the same way);
    with staging forced (as when the engine's plan could reorder rows) every table is
    the same, record numbers and latest-profile ties included."""
    import duckdb

    import unmask.ingest._base as base

    src = tmp_path / "tweets_csv_hashed.csv"
    _archive_with_ties(src, 20_000)
    streamed = unmask.ingest_files([src], tmp_path / "streamed").files[0]
    monkeypatch.setattr(base, "_keeps_order", lambda con, sql: False)
    staged = unmask.ingest_files([src], tmp_path / "staged").files[0]
    assert (streamed.records, streamed.ingested, streamed.duplicate, streamed.rejected) == (
        staged.records, staged.ingested, staged.duplicate, staged.rejected) == (20_001, 19_949, 50, 2)
    con = duckdb.connect()
    for table in ("posts", "accounts", "rejects"):
        a, b = (f"SELECT * FROM read_parquet('{tmp_path / d / table}/*.parquet')" for d in ("streamed", "staged"))
        assert con.execute(f"SELECT count(*) FROM (({a}) EXCEPT ALL ({b}))").fetchone()[0] == 0, table
        assert con.execute(f"SELECT count(*) FROM (({b}) EXCEPT ALL ({a}))").fetchone()[0] == 0, table
    # record numbers are positions among readable records (the ragged row is not counted)
    last = con.execute(f"SELECT max(source_record) FROM read_parquet('{tmp_path}/streamed/posts/*.parquet')").fetchone()
    assert last == (19_950,)  # the last 50 records repeat earlier ids
    assert not list((tmp_path / "streamed").rglob("stage_posts.parquet"))


def test_in_file_order_refuses_a_plan_that_could_reorder(tmp_path: Path) -> None:
    from unmask.engine import connect
    from unmask.ingest._base import IngestContext

    src = tmp_path / "t.csv"
    src.write_text("a,b\n1,x\n2,y\n", encoding="utf-8")
    con = connect()
    ctx = IngestContext(con=con, path=src, format="io-archive")
    scan, _ = ctx.csv_scan()
    con.execute("CREATE TEMP TABLE o (a VARCHAR)")
    # a long IN list would become a join: the rewrite is turned off, so this plan keeps order
    assert ctx.in_file_order(f"INSERT INTO o SELECT a FROM {scan} WHERE b IN ('x', 'y', 'z', 'u', 'v', 'w', 'q', 'r')", check=True)
    assert not ctx.in_file_order(f"INSERT INTO o SELECT s.a FROM {scan} AS s JOIN o ON o.a = s.a", check=True)
    assert [r[0] for r in con.execute("SELECT a FROM o ORDER BY rowid").fetchall()] == ["1", "2"]
