"""The generic reader: CSV, JSON lines and Parquet with a column map (TOML or --column)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import unmask
from helpers import counts, rows
from unmask.cli import cli
from unmask.ingest import FormatError, sniff


def _map(fixtures: Path, name: str) -> dict:
    return tomllib.loads((fixtures / "generic" / name).read_text(encoding="utf-8"))


def test_csv_with_map_delimiter_time_format_and_zone(tmp_path: Path, fixtures: Path) -> None:
    src = fixtures / "generic" / "posts.csv"
    rep = unmask.ingest_files([src], tmp_path / "ds", format="generic", options=_map(fixtures, "posts_map.toml"))
    # 7 records: 4 good, post 3 twice, 31 February, a cut row
    assert counts(rep) == [("generic", 7, 4, 1, 2)] and rep.files[0].adds_up
    posts = {p["post_id"]: p for p in rows(tmp_path / "ds", "posts")}
    assert sorted(posts) == ["1", "2", "3", "5"]
    p1 = posts["1"]
    assert (p1["platform"], p1["account_id"], p1["kind"]) == ("telegram", "u1", "post")
    assert str(p1["created_at"]) == "2020-03-01 09:00:00+00:00"  # 12:00 in Moscow (UTC+3)
    assert p1["hashtags"] == [] and p1["urls"] == []  # mapped list columns are blank: no entities
    p2 = posts["2"]
    assert (p2["kind"], p2["reposted_post_id"]) == ("repost", "1")
    assert p2["hashtags"] == ["news", "vote"]  # list_separator ","
    assert p2["urls"] == ["https://b.com", "https://c.com"] and p2["domains"] == ["b.com", "c.com"]
    p3 = posts["3"]
    assert (p3["kind"], p3["replied_post_id"], p3["mentions"]) == ("reply", "2", ["u2"])
    assert posts["5"]["text"] == 'multi\nline; with "quotes"'
    rej = rows(tmp_path / "ds", "rejects", order="source_record")
    assert [(r["source_record"], r["field"]) for r in rej] == [(5, "created_at"), (8, "date")]
    assert rej[0]["reason"] == "unparseable timestamp (expected '%d.%m.%Y %H:%M' in Europe/Moscow)"
    assert '"date":"31.02.2020 10:00"' in rej[0]["raw"]
    assert "MISSING COLUMNS" in rej[1]["reason"] and rej[1]["raw"] == "6;u4"


def test_same_file_twice_adds_nothing(tmp_path: Path, fixtures: Path) -> None:
    src = fixtures / "generic" / "posts.csv"
    opts = _map(fixtures, "posts_map.toml")
    unmask.ingest_files([src], tmp_path / "ds", format="generic", options=opts)
    rep = unmask.ingest_files([src], tmp_path / "ds", format="generic", options=opts)
    assert counts(rep) == [("generic", 7, 0, 5, 2)]


def test_json_lines_dotted_paths_kinds_and_accounts(tmp_path: Path, fixtures: Path) -> None:
    src = fixtures / "generic" / "posts.jsonl"
    rep = unmask.ingest_files([src], tmp_path / "ds", format="generic", options=_map(fixtures, "posts_jsonl_map.toml"))
    # 7 lines: 3 good, no time, truncated JSON, unknown kind 'boost', a JSON array
    assert counts(rep) == [("generic", 7, 3, 0, 4)]
    posts = {p["post_id"]: p for p in rows(tmp_path / "ds", "posts")}
    p10 = posts["10"]
    assert (p10["platform"], p10["account_id"], p10["kind"]) == ("forum", "a", "post")
    assert str(p10["created_at"]) == "2021-01-01 08:00:00+00:00"  # the offset is kept
    assert p10["urls"] == ["https://x.org/p"] and p10["hashtags"] == ["tag"] and p10["mentions"] == ["bob"]
    p11 = posts["11"]
    assert str(p11["created_at"]) == "2021-01-01 10:00:00+00:00"  # epoch seconds
    assert (p11["kind"], p11["reposted_post_id"], p11["urls"]) == ("repost", "10", [])
    assert posts["12"]["kind"] == "quote" and str(posts["12"]["created_at"]) == "2021-01-01 12:00:00+00:00"
    rej = {r["source_record"]: r for r in rows(tmp_path / "ds", "rejects")}
    assert sorted(rej) == [4, 5, 6, 7]
    assert rej[4]["field"] == "created_at" and rej[6]["reason"] == "unknown kind"
    assert rej[5]["reason"].startswith("not valid JSON") and rej[7]["reason"] == "JSON value is not an object"
    acc = {a["account_id"]: a for a in rows(tmp_path / "ds", "accounts")}
    assert (acc["a"]["handle"], acc["a"]["followers"]) == ("Ann B", 6)  # the latest copy
    assert (acc["b"]["handle"], acc["b"]["followers"], acc["b"]["snapshot_source"]) == ("Bob", 7, "post")


def test_parquet_with_canonical_names_lists_and_timestamps(tmp_path: Path) -> None:
    src = tmp_path / "in.parquet"
    pq.write_table(pa.table({
        "post_id": pa.array([1, 2, 2], pa.int64()),
        "account_id": ["x", "y", "y"],
        "created_at": pa.array([1_600_000_000_000_000, 1_600_000_060_000_000, 1_600_000_060_000_000], pa.timestamp("us")),
        "text": ["see https://a.org #ignored", "b", "b"],
        "tags": pa.array([["One", "#Two"], [], None], pa.list_(pa.string())),
        "quote_of": [None, "1", "1"],
    }), src)  # fmt: skip
    opts = {"columns": {"hashtags": "tags", "quoted_post_id": "quote_of"}, "timezone": "America/New_York"}
    rep = unmask.ingest_files([src], tmp_path / "ds", format="generic", options=opts)
    assert counts(rep) == [("generic", 3, 2, 1, 0)]
    posts = rows(tmp_path / "ds", "posts", order="post_id")
    assert [(p["platform"], p["post_id"], p["kind"], p["hashtags"], p["quoted_post_id"]) for p in posts] == [
        ("generic", "1", "post", ["one", "two"], None), ("generic", "2", "quote", [], "1")]
    assert posts[0]["urls"] == ["https://a.org"]  # urls not mapped: taken from the text
    # a naive Parquet timestamp is local time in the given zone (EDT, UTC-4, in September)
    assert str(posts[0]["created_at"]) == "2020-09-13 16:26:40+00:00"


def test_column_option_epoch_ms_and_sniff_never_claims(tmp_path: Path) -> None:
    src = tmp_path / "t.tsv"
    src.write_text("mid\twho\tms\n1\tu\t1600000000123\n2\tu\tnope\n3\tu\t1e300\n", encoding="utf-8")
    from unmask.ingest.generic import GenericReader

    assert GenericReader().sniff(src, src.read_bytes()).score == 0
    with pytest.raises(FormatError):
        sniff(src)
    opts = {"time_format": "epoch_ms", "columns": {"post_id": "mid", "account_id": "who", "created_at": "ms"}}
    rep = unmask.ingest_files([src], tmp_path / "ds", format="generic", options=opts)
    assert counts(rep) == [("generic", 3, 1, 0, 2)]
    (p,) = rows(tmp_path / "ds", "posts")
    assert str(p["created_at"]) == "2020-09-13 12:26:40.123000+00:00"
    rej = rows(tmp_path / "ds", "rejects", order="source_record")
    assert [r["reason"] for r in rej] == ["unparseable timestamp (expected milliseconds since the epoch)"] * 2


def test_missing_mapped_column_names_column_and_file(tmp_path: Path, fixtures: Path) -> None:
    src = fixtures / "generic" / "posts.csv"
    opts = _map(fixtures, "posts_map.toml")
    opts["columns"]["text"] = "body"
    rep = unmask.ingest_files([src], tmp_path / "ds", format="generic", options=opts)
    err = rep.files[0].error or ""
    assert "'body'" in err and "posts.csv" in err
    rep = unmask.ingest_files([src], tmp_path / "ds", format="generic", options={"delimiter": ";"})
    assert "lacks post_id, account_id, created_at" in (rep.files[0].error or "")
    rep = unmask.ingest_files([fixtures / "generic" / "posts.jsonl"], tmp_path / "ds", format="generic",
                              options={"columns": {"post_id": "id", "account_id": "user.handle", "created_at": "ts"}})
    assert "'user.handle'" in (rep.files[0].error or "")
    bad_zone = {**_map(fixtures, "posts_map.toml"), "timezone": "Mars/Olympus"}
    rep = unmask.ingest_files([src], tmp_path / "ds", format="generic", options=bad_zone)
    assert "Mars/Olympus" in (rep.files[0].error or "")


@pytest.mark.parametrize("name", ["latin1.csv", "utf16.csv", "bom.csv"])
def test_encodings_read_the_same(tmp_path: Path, fixtures: Path, name: str) -> None:
    src = fixtures / "generic" / name
    opts = {"encoding": "latin-1"} if name == "latin1.csv" else {}
    rep = unmask.ingest_files([src], tmp_path / "ds", format="generic", options=opts)
    assert counts(rep) == [("generic", 2, 2, 0, 0)]
    posts = rows(tmp_path / "ds", "posts", order="post_id")
    assert [(p["account_id"], p["text"], p["hashtags"]) for p in posts] == [
        ("zoë", "Grüße #Straße", ["straße"]), ("josé", "Ça va", [])]
    assert [str(p["created_at"]) for p in posts] == ["2020-05-01 10:00:00+00:00", "2020-05-01 08:00:00+00:00"]


def test_cli_map_selects_generic(tmp_path: Path, fixtures: Path) -> None:
    out = tmp_path / "ds"
    res = CliRunner().invoke(cli, ["ingest", str(fixtures / "generic" / "posts.csv"), "-o", str(out),
                                   "--map", str(fixtures / "generic" / "posts_map.toml"), "--json"])
    assert res.exit_code == 0, res.output
    assert '"format": "generic"' in res.output and len(rows(out, "posts")) == 4
