"""Bad input gets a clear error and loses nothing: encodings, empty and wrong files, huge lines, fuzz."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import unmask
from unmask.cli import cli
from unmask.ingest import READERS, FormatError

HEADER = (
    '"tweetid","userid","user_display_name","user_screen_name","user_reported_location",'
    '"user_profile_description","user_profile_url","follower_count","following_count",'
    '"account_creation_date","account_language","tweet_language","tweet_text","tweet_time",'
    '"tweet_client_name","in_reply_to_userid","in_reply_to_tweetid","quoted_tweet_tweetid","is_retweet",'
    '"retweet_userid","retweet_tweetid","latitude","longitude","quote_count","reply_count","like_count",'
    '"retweet_count","hashtags","urls","user_mentions","poll_choices"'
)


def _row(tid: str, text: str) -> str:
    return (
        f'"{tid}","77","Zoë","zoe","Zürich","café","","1","2","2017-01-01","de","de","{text}",'
        '"2018-05-01 12:00","Twitter Web Client","","","","false","","","absent","absent","0","0","0","0",'
        '"[\'Café\']","[]","[]",""'
    )


def _archive(rows: list[str]) -> str:
    return HEADER + "\n" + "\n".join(rows) + "\n"


def _texts(ds: Path) -> list[str]:
    return [r[0] for r in duckdb.sql(f"SELECT text FROM '{ds}/posts/*.parquet' ORDER BY post_id").fetchall()]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le", "latin-1"])
def test_encodings_are_detected_and_text_survives(tmp_path: Path, encoding: str) -> None:
    src = tmp_path / f"tweets_{encoding}.csv"
    src.write_bytes(_archive([_row("1", "Grüße aus Zürich"), _row("2", "ça va")]).encode(encoding))
    rep = unmask.ingest_files([src], tmp_path / "ds")
    f = rep.files[0]
    assert f.error is None, f.error
    assert (f.records, f.ingested, f.rejected) == (2, 2, 0)
    assert _texts(tmp_path / "ds") == ["Grüße aus Zürich", "ça va"]
    tags = duckdb.sql(f"SELECT hashtags FROM '{tmp_path}/ds/posts/*.parquet' LIMIT 1").fetchall()[0][0]
    assert tags == ["café"]


def test_ten_megabyte_line(tmp_path: Path) -> None:
    big = "x" * (10 * 1024 * 1024)
    src = tmp_path / "big.csv"
    src.write_text(_archive([_row("1", big), _row("2", "small")]), encoding="utf-8")
    f = unmask.ingest_files([src], tmp_path / "ds").files[0]
    assert (f.records, f.ingested, f.rejected) == (2, 2, 0)
    assert [len(t) for t in _texts(tmp_path / "ds")] == [len(big), 5]


def test_empty_wrong_and_missing_files_are_clear_errors(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    prose = tmp_path / "notes.txt"
    prose.write_text("Dear diary, today nothing was coordinated.\n")
    good = tmp_path / "good.csv"
    good.write_text(_archive([_row("1", "hi")]))
    rep = unmask.ingest_files([empty, prose, tmp_path / "absent.csv", good], tmp_path / "ds")
    errors = [f.error for f in rep.files]
    assert "empty file" in errors[0] and str(empty) in errors[0]
    assert "format not recognised" in errors[1] and "--format" in errors[1]
    assert "no such file" in errors[2]
    assert errors[3] is None and rep.files[3].ingested == 1  # the good file still goes in
    assert not rep.ok


def test_missing_required_column_names_column_and_file(tmp_path: Path) -> None:
    src = tmp_path / "cut_header.csv"
    src.write_text('"tweetid","userid","tweet_text"\n"1","2","hello"\n')
    f = unmask.ingest_files([src], tmp_path / "ds", format="io-archive").files[0]
    assert f.error is not None and "tweet_time" in f.error and str(src) in f.error


def test_unknown_format_name_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "x.csv"
    src.write_text("a,b\n1,2\n")
    with pytest.raises(FormatError, match="unknown format 'nope'"):
        unmask.ingest_files([src], tmp_path / "ds", format="nope")


def test_cli_ingest_info_rejects(tmp_path: Path, fixtures: Path) -> None:
    runner = CliRunner()
    src = fixtures / "io_archive" / "tweets_csv_hashed.csv"
    res = runner.invoke(cli, ["ingest", str(src), "-o", str(tmp_path / "ds"), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    t = out["totals"]
    assert t["records"] == t["ingested"] + t["duplicate"] + t["rejected"] == 9
    res = runner.invoke(cli, ["info", str(tmp_path / "ds"), "--json"])
    assert res.exit_code == 0, res.output
    info = json.loads(res.stdout)
    assert info["posts"] == 6 and info["accounts"] == 3
    assert dict(info["top_hashtags"])["world"] == 1
    assert sum(info["rejects"].values()) == 2
    res = runner.invoke(cli, ["rejects", str(tmp_path / "ds"), "--json"])
    lines = [json.loads(x) for x in res.stdout.splitlines()]
    assert {x["source_record"] for x in lines} >= {6} and all(x["reason"] for x in lines)
    bad = tmp_path / "bad.txt"
    bad.write_text("not a social media export\n")
    res = runner.invoke(cli, ["ingest", str(bad), "-o", str(tmp_path / "ds")])
    assert res.exit_code == 1 and "format not recognised" in res.output


def test_every_verb_has_help() -> None:
    runner = CliRunner()
    for name, cmd in cli.commands.items():
        assert cmd.help, f"`unmask {name}` has no help text"
        res = runner.invoke(cli, [name, "--help"])
        assert res.exit_code == 0, name


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=3000), fmt=st.sampled_from(sorted(READERS)))
def test_any_bytes_yield_rows_or_rejects_never_an_exception(tmp_path_factory, data: bytes, fmt: str) -> None:
    d = tmp_path_factory.mktemp("fuzz")
    src = d / "input.dat"
    src.write_bytes(data)
    rep = unmask.ingest_files([src], d / "ds", format=fmt)
    f = rep.files[0]
    if f.error is None:
        assert f.adds_up
    else:
        assert str(src) in f.error  # a clear, file-naming error — never a crash


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(st.one_of(st.text(max_size=80), st.just(_row("5", "ok"))), max_size=12))
def test_damaged_archive_lines_are_counted(tmp_path_factory, lines: list[str]) -> None:
    d = tmp_path_factory.mktemp("fuzz")
    src = d / "tweets.csv"
    src.write_text(HEADER + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    f = unmask.ingest_files([src], d / "ds", format="io-archive").files[0]
    if f.error is None:
        assert f.adds_up
        assert f.ingested <= 1
    else:
        assert str(src) in f.error
