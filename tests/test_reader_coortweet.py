"""The CooRTweet reader: the 4-column share table and the 7-column multi-modal table."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

import unmask
from helpers import counts, rows
from unmask.ingest import sniff


def test_share_table_rows_and_rejects(tmp_path: Path, fixtures: Path) -> None:
    src = fixtures / "coortweet" / "shares.csv"
    assert sniff(src)[0].name == "coortweet"
    rep = unmask.ingest_files([src], tmp_path / "ds")
    # 6 records: 2 good, a repeated content_id, a bad timestamp, no object_id, a cut row
    assert counts(rep) == [("coortweet", 6, 2, 1, 3)] and rep.files[0].adds_up
    posts = rows(tmp_path / "ds", "posts", order="source_record")
    assert [(p["platform"], p["post_id"], p["account_id"], p["kind"], p["reposted_post_id"], str(p["created_at"]))
            for p in posts] == [
        ("twitter", "114e22f1b2b648528277b76f0b0224e7", "0fb4232d1b7b37069c13ee17579bd10e", "repost",
         "85d2d12251a735ce05255061f7f231e2", "2021-06-16 22:04:51+00:00"),
        ("twitter", "60e1901aa670f6c05a2d7f7e74cadaf3", "7d0e462c10d52c4ec1db5af953bf9b26", "repost",
         "85d2d12251a735ce05255061f7f231e2", "2021-06-16 22:05:00+00:00"),
    ]  # fmt: skip
    assert posts[0]["urls"] == [] and posts[0]["hashtags"] == []
    rej = rows(tmp_path / "ds", "rejects", order="source_record")
    assert [(r["source_record"], r["field"]) for r in rej] == [(4, "timestamp_share"), (5, "object_id"), (7, "content_id")]
    assert rej[0]["reason"].startswith("unparseable timestamp") and '"soon"' in rej[0]["raw"]
    assert "MISSING COLUMNS" in rej[2]["reason"]


def test_share_table_object_option(tmp_path: Path, fixtures: Path) -> None:
    src = fixtures / "coortweet" / "shares_bom.csv"
    unmask.ingest_files([src], tmp_path / "ds", options={"object": "hashtag", "platform": "telegram"})
    posts = rows(tmp_path / "ds", "posts", order="post_id")
    assert [(p["platform"], p["kind"], p["hashtags"], p["reposted_post_id"]) for p in posts] == [
        ("telegram", "post", ["o1"], None)] * 2
    rep = unmask.ingest_files([src], tmp_path / "ds2", options={"object": "bogus"})
    assert "object='bogus'" in (rep.files[0].error or "")


def test_multi_modal_table_merges_rows_of_a_post(tmp_path: Path, fixtures: Path) -> None:
    src = fixtures / "coortweet" / "multi.csv"
    assert sniff(src)[0].name == "coortweet"
    rep = unmask.ingest_files([src], tmp_path / "ds")
    # 8 records: post 129235 in 3 rows (2 merged = duplicates), 84441 twice (second by
    # another account: a duplicate id), one row without post_id, one bad timestamp
    assert counts(rep) == [("coortweet", 8, 3, 3, 2)]
    posts = {p["post_id"]: p for p in rows(tmp_path / "ds", "posts")}
    fb = posts["129235"]
    assert (fb["platform"], fb["account_id"], fb["kind"]) == ("facebook", "fb_12670", "post")
    assert (fb["urls"], fb["hashtags"], fb["domains"]) == (["23678"], ["6874", "6875"], ["3498"])
    assert str(fb["created_at"]) == "2021-08-21 23:50:36+00:00"
    tw = posts["84441"]
    assert (tw["platform"], tw["account_id"], tw["urls"], tw["domains"]) == ("twitter", "tw_5966", [], [])
    assert posts["500"]["platform"] == "coortweet"  # unknown prefix
    rej = rows(tmp_path / "ds", "rejects", order="source_record")
    assert [(r["source_record"], r["field"]) for r in rej] == [(6, "post_id"), (8, "timestamp")]


def test_same_file_twice_adds_nothing(tmp_path: Path, fixtures: Path) -> None:
    src = fixtures / "coortweet" / "multi.csv"
    unmask.ingest_files([src], tmp_path / "ds")
    rep = unmask.ingest_files([src], tmp_path / "ds")
    assert counts(rep) == [("coortweet", 8, 0, 6, 2)]


@pytest.mark.parametrize("name", ["shares_latin1.csv", "shares_utf16.csv", "shares_bom.csv"])
def test_encodings_read_the_same(tmp_path: Path, fixtures: Path, name: str) -> None:
    src = fixtures / "coortweet" / name
    assert sniff(src)[0].name == "coortweet"
    rep = unmask.ingest_files([src], tmp_path / "ds")
    assert counts(rep) == [("coortweet", 2, 2, 0, 0)]
    assert [p["account_id"] for p in rows(tmp_path / "ds", "posts", order="post_id")] == ["josé", "zoë"]


def test_sniff_leaves_other_formats_alone(fixtures: Path) -> None:
    from unmask.ingest.coortweet import CooRTweetReader

    r = CooRTweetReader()
    for d in ("io_archive", "ira", "cnt"):
        for p in (fixtures / d).glob("*.csv"):
            assert r.sniff(p, p.read_bytes()[:65536]).score == 0, p


def test_real_coortweet_files(tmp_path: Path, shared_data: Path) -> None:
    d = shared_data / "coortweet"
    files = sorted(d.glob("*.csv"))
    assert {p.name for p in files} == {"german_elections.csv", "russian_coord_tweets.csv"}
    assert all(sniff(p)[0].name == "coortweet" for p in files)
    rep = unmask.ingest_files(files, tmp_path / "ds")
    ge, ru = rep.files
    assert all(f.ok and f.adds_up for f in rep.files)
    assert (ge.records, ge.rejected) == (218_971, 3)  # three rows have no post_id
    assert ge.ingested == 194_323  # one post per (platform, post_id)
    assert (ru.records, ru.ingested, ru.duplicate, ru.rejected) == (35_125, 35_085, 40, 0)
    con = duckdb.connect()
    by = dict(con.execute(
        f"SELECT platform, count(*) FROM read_parquet('{tmp_path}/ds/posts/*.parquet') GROUP BY 1").fetchall())
    assert by == {"facebook": 81_566, "twitter": 112_757 + 35_085}
