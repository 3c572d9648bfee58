"""The IRA reader (FiveThirtyEight/Clemson original and by-author layouts) on hand-written files and the real set."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

import unmask
from helpers import counts, rows
from unmask.ingest import FormatError, sniff


def test_original_layout_rows_kinds_and_rejects(tmp_path: Path, fixtures: Path) -> None:
    src = fixtures / "ira" / "IRAhandle_tweets_1.csv"
    assert sniff(src)[0].name == "ira"
    rep = unmask.ingest_files([src], tmp_path / "ds")
    f = rep.files[0]
    # 9 records: 6 distinct good, 1 duplicate tweet_id, 1 bad timestamp, 1 cut (ragged) row
    assert counts(rep) == [("ira", 9, 6, 1, 2)] and f.adds_up
    posts = {r["post_id"]: r for r in rows(tmp_path / "ds", "posts")}
    p = posts["914580356430536707"]
    # a spreadsheet-rounded external_author_id is not an id: the lowercased handle is used
    assert p["account_id"] == "10_gop" and p["kind"] == "post" and p["platform"] == "twitter"
    assert str(p["created_at"]) == "2017-10-01 19:58:00+00:00"  # M/D/YYYY HH:MM read as UTC
    assert p["hashtags"] == ["senator"] and p["mentions"] == ["nedryun"]
    assert p["urls"] == ["https://t.co/gh6g0D1oiC"] and p["domains"] == ["t.co"]
    assert p["lang"] == "English" and p["source_record"] == 1
    rt1, rt2 = posts["914623490375979008"], posts["914800000000000001"]
    assert rt1["kind"] == rt2["kind"] == "repost"
    # same text (one with 'RT @10_GOP:', other links, extra spaces) -> same derived original id
    assert rt1["reposted_post_id"] == rt2["reposted_post_id"]
    assert rt1["reposted_post_id"].startswith("ira-text:") and len(rt1["reposted_post_id"]) == 9 + 32
    assert rt2["reposted_account_id"] == "10_gop" and rt1["reposted_account_id"] is None
    assert rt2["account_id"] == "2535564756"
    assert posts["914800000000000002"]["kind"] == "quote"
    assert posts["914800000000000004"]["text"] == 'Line one\nline two, "quoted"'
    derived = [k for k in posts if k.startswith("ira:")]
    assert len(derived) == 1 and posts[derived[0]]["text"] == "no id here"

    rejects = rows(tmp_path / "ds", "rejects", order="source_record")
    assert (rejects[0]["source_record"], rejects[0]["field"]) == (6, "publish_date")
    assert rejects[0]["reason"].startswith("unparseable timestamp") and "yesterday at noon" in rejects[0]["raw"]
    assert rejects[1]["source_record"] == 10 and "MISSING COLUMNS" in rejects[1]["reason"]
    assert rejects[1]["raw"].endswith("cut short,United States")

    accounts = {r["account_id"]: r for r in rows(tmp_path / "ds", "accounts")}
    assert set(accounts) == {"10_gop", "2535564756"}
    a = accounts["2535564756"]
    assert (a["handle"], a["followers"], a["following"], a["posts_count"]) == ("AMELIEBALDWIN", 1230, 303, 4004)
    assert a["snapshot_source"] == "post"


def test_same_file_twice_adds_nothing(tmp_path: Path, fixtures: Path) -> None:
    src = fixtures / "ira" / "IRAhandle_tweets_1.csv"
    unmask.ingest_files([src], tmp_path / "ds")
    rep = unmask.ingest_files([src], tmp_path / "ds")
    assert counts(rep) == [("ira", 9, 0, 7, 2)]
    assert len(rows(tmp_path / "ds", "posts")) == 6


def test_by_author_layout_with_authors_beside(tmp_path: Path, fixtures: Path) -> None:
    d = fixtures / "ira" / "by_author"
    assert sniff(d / "tweets.csv")[0].name == "ira" and sniff(d / "authors.csv")[0].name == "ira"
    rep = unmask.ingest_files([d / "tweets.csv", d / "authors.csv"], tmp_path / "ds")
    # tweets: 9 records, one identical row (a true duplicate), one bad date;
    # authors: 5 records, one with neither handle nor external id
    assert counts(rep) == [("ira", 9, 7, 1, 1), ("ira", 5, 4, 0, 1)]
    posts = rows(tmp_path / "ds", "posts", order="source_record")
    assert [p["source_record"] for p in posts] == [1, 2, 4, 5, 6, 7, 9]
    assert all(p["post_id"].startswith("ira:") for p in posts)
    by_rec = {p["source_record"]: p for p in posts}
    # author_id -> authors.csv -> external_author_id; two accounts share the handle 4MySquad
    assert by_rec[1]["account_id"] == "2535564756"
    assert (by_rec[4]["account_id"], by_rec[5]["account_id"]) == ("3312143142", "4036537452")
    assert by_rec[4]["kind"] == by_rec[5]["kind"] == "repost"
    assert by_rec[4]["reposted_post_id"] == by_rec[5]["reposted_post_id"]
    # Q rows carry retweet=1 but are quotes; the rounded external id falls back to the handle
    assert by_rec[6]["kind"] == "quote" and by_rec[6]["account_id"] == "heny_amberh"
    assert by_rec[6]["mentions"] == ["someone"]
    assert by_rec[9]["account_id"] == "unknown_author"  # not in authors.csv
    assert str(by_rec[7]["created_at"]) == "2015-06-01 09:00:00+00:00"
    rej = rows(tmp_path / "ds", "rejects", order="source_file, source_record")
    assert [(Path(r["source_file"]).name, r["source_record"], r["field"]) for r in rej] == [
        ("authors.csv", 5, "author"), ("tweets.csv", 8, "publish_date")]
    acc = {r["account_id"]: r for r in rows(tmp_path / "ds", "accounts")}
    assert set(acc) == {"2535564756", "3312143142", "4036537452", "heny_amberh", "unknown_author"}
    assert (acc["2535564756"]["handle"], acc["2535564756"]["followers"]) == ("1D_Nicole_", 55)  # latest copy


def test_account_ids_do_not_depend_on_file_order(tmp_path: Path, fixtures: Path) -> None:
    d = fixtures / "ira" / "by_author"
    unmask.ingest_files([d / "authors.csv", d / "tweets.csv"], tmp_path / "a")
    unmask.ingest_files([d / "tweets.csv", d / "authors.csv"], tmp_path / "b")
    ids_a = [r["account_id"] for r in rows(tmp_path / "a", "accounts")]
    ids_b = [r["account_id"] for r in rows(tmp_path / "b", "accounts")]
    assert ids_a == ids_b
    assert [r["account_id"] for r in rows(tmp_path / "a", "posts", order="post_id")] == [
        r["account_id"] for r in rows(tmp_path / "b", "posts", order="post_id")]


def test_without_authors_file_uses_author_id(tmp_path: Path, fixtures: Path) -> None:
    lone = tmp_path / "lone"
    lone.mkdir()
    shutil.copy(fixtures / "ira" / "by_author" / "tweets.csv", lone / "tweets.csv")
    rep = unmask.ingest_files([lone / "tweets.csv"], tmp_path / "ds")
    assert counts(rep) == [("ira", 9, 7, 1, 1)]
    assert any("no authors.csv" in n for n in rep.files[0].notes)
    ids = {r["account_id"] for r in rows(tmp_path / "ds", "posts")}
    assert ids == {"1d_nicole_", "4mysquad3312143142", "4mysquad4036537452", "heny_amberh889661000000000000", "unknown_author"}


@pytest.mark.parametrize("name", ["IRAhandle_tweets_latin1.csv", "IRAhandle_tweets_utf16.csv", "IRAhandle_tweets_bom.csv"])
def test_encodings_read_the_same(tmp_path: Path, fixtures: Path, name: str) -> None:
    src = fixtures / "ira" / name
    assert sniff(src)[0].name == "ira"
    rep = unmask.ingest_files([src], tmp_path / "ds")
    assert counts(rep) == [("ira", 2, 2, 0, 0)]
    posts = rows(tmp_path / "ds", "posts", order="post_id")
    assert [p["text"] for p in posts] == ["Café au lait #Noël", "Ça va? https://example.com/a/"]
    assert posts[0]["hashtags"] == ["noël"] and posts[1]["urls"] == ["https://example.com/a"]
    assert posts[0]["account_id"] == "2535564756"


def test_missing_required_column_names_column_and_file(tmp_path: Path, fixtures: Path) -> None:
    src = fixtures / "ira" / "IRAhandle_missing_content.csv"
    with pytest.raises(FormatError, match="not recognised"):
        sniff(src)
    rep = unmask.ingest_files([src], tmp_path / "ds", format="ira")
    err = rep.files[0].error or ""
    assert "content" in err and "IRAhandle_missing_content.csv" in err


def test_sniff_does_not_take_other_formats(fixtures: Path) -> None:
    from unmask.ingest.ira import IRAReader

    r = IRAReader()
    for p in (fixtures / "io_archive").glob("*.csv"):
        assert r.sniff(p, p.read_bytes()[:65536]).score == 0


def test_real_authors_and_tweets(tmp_path: Path, shared_data: Path) -> None:
    d = shared_data / "ira"
    ds = tmp_path / "ds"
    (a,) = unmask.ingest_files([d / "authors.csv"], ds).files
    assert (a.format, a.records, a.ingested, a.rejected) == ("ira", 1380, 1380, 0)
    author_ids = {r["account_id"] for r in rows(ds, "accounts")}
    (t,) = unmask.ingest_files([d / "tweets.csv.gz"], ds).files
    assert (t.format, t.records) == ("ira", 1_171_304) and t.adds_up and t.rejected == 0
    con = duckdb.connect()
    posts = f"read_parquet('{ds}/posts/*.parquet')"
    kinds = dict(con.sql(f"SELECT kind, count(*) FROM {posts} GROUP BY 1").fetchall())
    assert set(kinds) == {"post", "repost", "quote"} and kinds["quote"] > 10_000 and kinds["repost"] > 500_000
    # every posting account is one of authors.csv's accounts (ids mapped through authors.csv)
    post_accounts = {r[0] for r in con.sql(f"SELECT DISTINCT account_id FROM {posts}").fetchall()}
    assert post_accounts <= author_ids
    assert {r["account_id"] for r in rows(ds, "accounts")} == author_ids


def test_rounded_ids_are_not_ids(tmp_path: Path) -> None:
    src = tmp_path / "IRAhandle_tweets_9.csv"
    src.write_text(
        "external_author_id,author,content,region,language,publish_date,harvested_date,following,followers,"
        "updates,post_type,account_type,retweet,account_category,new_june_2018,alt_external_id,tweet_id\n"
        "9.06E+17,Some_One,first,Unknown,English,1/2/2017 3:04,1/2/2017 3:04,1,2,3,,Right,0,RightTroll,0,,9.14E+17\n"
        "9.06E+17,Some_One,second,Unknown,English,1/2/2017 3:05,1/2/2017 3:05,1,2,4,,Right,0,RightTroll,0,,9.14E+17\n"
        "9.06E+17,Some_One,third,Unknown,English,1/2/2017 3:06,1/2/2017 3:06,1,2,5,,Right,0,RightTroll,0,,914000000000000123.0\n",
        encoding="utf-8",
    )
    rep = unmask.ingest_files([src], tmp_path / "ds")
    assert counts(rep) == [("ira", 3, 3, 0, 0)]  # two rows with the same rounded id stay apart
    posts = rows(tmp_path / "ds", "posts", order="source_record")
    assert [p["post_id"][:4] for p in posts[:2]] == ["ira:", "ira:"] and posts[2]["post_id"] == "914000000000000123"
    assert {p["account_id"] for p in posts} == {"some_one"}
