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
