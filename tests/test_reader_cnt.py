"""The coordination-network-toolkit CSV reader on hand-written files in the tool's layout."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

import unmask
from helpers import counts, rows
from unmask.ingest import FormatError, sniff


def test_rows_kinds_urls_and_rejects(tmp_path: Path, fixtures: Path) -> None:
    src = fixtures / "cnt" / "messages.csv"
    assert sniff(src)[0].name == "cnt"
    rep = unmask.ingest_files([src], tmp_path / "ds")
    # 8 records: 5 good, m1 again (first wins), a bad timestamp, a 6-field row
    assert counts(rep) == [("cnt", 8, 5, 1, 2)] and rep.files[0].adds_up
    posts = {r["post_id"]: r for r in rows(tmp_path / "ds", "posts")}
    assert sorted(posts) == ["m1", "m2", "m3", "m4", "m6"]
    m1 = posts["m1"]
    assert (m1["platform"], m1["account_id"], m1["kind"], m1["text"]) == ("cnt", "u1", "post", m1["text"])
    assert m1["text"].startswith("Read this") and m1["hashtags"] == ["news"]
    assert m1["urls"] == ["https://example.com/a"] and m1["domains"] == ["example.com"]
    assert str(m1["created_at"]) == "2020-09-13 12:26:40+00:00"
    assert str(posts["m2"]["created_at"]) == "2020-09-13 12:27:10.500000+00:00"
    assert (posts["m2"]["kind"], posts["m2"]["reposted_post_id"]) == ("repost", "m1")
    m3 = posts["m3"]
    assert (m3["kind"], m3["replied_post_id"], m3["mentions"]) == ("reply", "m1", ["alice"])
    assert m3["urls"] == [] and m3["domains"] == []  # an empty urls field is no URL, never ''
    m4 = posts["m4"]
    assert m4["text"] == "two links\non two lines"
    assert m4["urls"] == ["www.google.com", "youtu.be/123"] and m4["domains"] == ["google.com", "youtu.be"]
    m6 = posts["m6"]  # both ids: a repost, as the tool treats it
    assert (m6["kind"], m6["reposted_post_id"], m6["replied_post_id"]) == ("repost", "m1", None)
    assert posts["m1"]["source_record"] == 1 and posts["m6"]["source_record"] == 7

    rejects = rows(tmp_path / "ds", "rejects", order="source_record")
    assert [(r["source_record"], r["field"]) for r in rejects] == [(6, "timestamp"), (9, "timestamp")]
    assert rejects[0]["reason"].startswith("unparseable timestamp") and '"not a time"' in rejects[0]["raw"]
    assert "MISSING COLUMNS" in rejects[1]["reason"] and rejects[1]["raw"] == "m7,u4,dave,,,cut short"

    acc = {r["account_id"]: r["handle"] for r in rows(tmp_path / "ds", "accounts")}
    assert acc["u2"] == "bobby" and acc["u1"] == "alice"  # the latest username per account


def test_no_url_is_shared_between_url_less_messages(tmp_path: Path, fixtures: Path) -> None:
    unmask.ingest_files([fixtures / "cnt" / "messages.csv"], tmp_path / "ds")
    con = duckdb.connect()
    n = con.execute(
        f"SELECT count(*) FROM (SELECT unnest(urls) AS u FROM read_parquet('{tmp_path}/ds/posts/*.parquet')) WHERE u = '' OR u IS NULL"
    ).fetchone()[0]
    assert n == 0


def test_same_file_twice_adds_nothing(tmp_path: Path, fixtures: Path) -> None:
    src = fixtures / "cnt" / "messages.csv"
    unmask.ingest_files([src], tmp_path / "ds")
    rep = unmask.ingest_files([src], tmp_path / "ds")
    assert counts(rep) == [("cnt", 8, 0, 6, 2)]


def test_columns_are_read_by_position_like_the_tool(tmp_path: Path, fixtures: Path) -> None:
    src = fixtures / "cnt" / "renamed_header.csv"
    with pytest.raises(FormatError):
        sniff(src)  # names unlike the tool's: not claimed, but --format cnt reads it
    rep = unmask.ingest_files([src], tmp_path / "ds", format="cnt", options={"platform": "twitter"})
    assert counts(rep) == [("cnt", 2, 2, 0, 0)]
    posts = rows(tmp_path / "ds", "posts", order="post_id")
    assert [(p["platform"], p["post_id"], p["account_id"], p["kind"], p["reposted_post_id"]) for p in posts] == [
        ("twitter", "x1", "a1", "post", None), ("twitter", "x2", "a2", "repost", "x1")]


def test_a_missing_column_names_column_and_file(tmp_path: Path, fixtures: Path) -> None:
    src = fixtures / "cnt" / "missing_column.csv"
    rep = unmask.ingest_files([src], tmp_path / "ds", format="cnt")
    err = rep.files[0].error or ""
    assert "missing column(s) urls" in err and "missing_column.csv" in err


@pytest.mark.parametrize("name", ["latin1.csv", "utf16.csv", "bom.csv"])
def test_encodings_read_the_same(tmp_path: Path, fixtures: Path, name: str) -> None:
    src = fixtures / "cnt" / name
    assert sniff(src)[0].name == "cnt"
    rep = unmask.ingest_files([src], tmp_path / "ds")
    assert counts(rep) == [("cnt", 2, 2, 0, 0)]
    posts = rows(tmp_path / "ds", "posts", order="post_id")
    assert [p["text"] for p in posts] == ["Crème brûlée #Délice"] * 2
    assert posts[0]["hashtags"] == ["délice"] and posts[0]["urls"] == ["https://exemple.fr/crème"]
    assert posts[1]["urls"] == [] and posts[1]["reposted_post_id"] == "e1"
    assert {r["handle"] for r in rows(tmp_path / "ds", "accounts")} == {"zoë", "josé"}


def test_sniff_leaves_other_formats_alone(fixtures: Path) -> None:
    from unmask.ingest.cnt import CNTReader

    r = CNTReader()
    for p in [*(fixtures / "io_archive").glob("*.csv"), *(fixtures / "ira").glob("*.csv")]:
        assert r.sniff(p, p.read_bytes()[:65536]).score == 0
