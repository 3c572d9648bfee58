"""JSON readers stage files in bounded chunks: the result must not depend on where chunks fall.

Every test forces tiny chunks (down to one byte per read, so every line boundary, every UTF-16
code unit and every bad line falls on a chunk boundary somewhere) and compares with reading the
file in one chunk: the same posts, accounts, rejects, line numbers and counts.
"""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest

import unmask
from helpers import counts, rows
from unmask.engine import connect
from unmask.ingest import _base
from unmask.ingest import twitter_v1 as v1
from unmask.ingest._base import IngestContext
from unmask.ingest._sql import install_macros


def _ingest(monkeypatch: pytest.MonkeyPatch, srcs: list[Path], ds: Path, chunk: int, **kw) -> tuple:
    monkeypatch.setattr(IngestContext, "chunk_bytes", lambda self: chunk)
    rep = unmask.ingest_files(srcs, ds, **kw)
    assert all(f.error is None and f.adds_up for f in rep.files), [f.error for f in rep.files]
    posts = rows(ds, "posts", order="platform, post_id") if list((ds / "posts").glob("*.parquet")) else []
    rejects = rows(ds, "rejects", order="source_record, reason") if list((ds / "rejects").glob("*.parquet")) else []
    return (
        counts(rep),
        [{k: v for k, v in p.items() if k != "source_file"} for p in posts],
        rows(ds, "accounts", order="platform, account_id"),
        [(r["source_record"], r["field"], r["reason"], r["raw"]) for r in rejects],
        [f.notes for f in rep.files],
    )


@pytest.mark.parametrize(
    ("files", "kw"),
    [
        (["twarc2/pages.jsonl"], {}),
        (["twarc2/flat.jsonl", "twarc2/users.jsonl"], {}),
        (["jetstream/events.jsonl"], {}),
        (["twitter_v1/tweets.jsonl", "twitter_v1/users.jsonl"], {}),
        (["generic/posts.jsonl"], {"format": "generic", "options": "generic/posts_jsonl_map.toml"}),
    ],
)
def test_fixtures_read_the_same_in_any_chunking(tmp_path: Path, fixtures: Path, monkeypatch, files, kw) -> None:
    srcs = [fixtures / f for f in files]
    if "options" in kw:
        import tomllib

        kw = dict(kw, options=tomllib.loads((fixtures / kw["options"]).read_text()))
    whole = _ingest(monkeypatch, srcs, tmp_path / "whole", 64 << 20, **kw)
    assert whole[0] and whole[1]
    for chunk in (1, 150):
        assert _ingest(monkeypatch, srcs, tmp_path / f"c{chunk}", chunk, **kw) == whole, chunk


def test_json_array_batches_read_the_same(tmp_path: Path, fixtures: Path, monkeypatch) -> None:
    srcs = [fixtures / "twitter_v1" / "tweets_array.json"]
    whole = _ingest(monkeypatch, srcs, tmp_path / "whole", 64 << 20)
    monkeypatch.setattr(v1, "ARRAY_BATCH", 1)
    assert _ingest(monkeypatch, srcs, tmp_path / "batched", 64 << 20) == whole


def _page(tweets: list[dict], users: list[dict], refs: list[dict], when: str) -> str:
    page = {"data": tweets, "includes": {"users": users, "tweets": refs}, "__twarc": {"retrieved_at": when}}
    return json.dumps(page) + "\n"


@pytest.mark.parametrize("order", ["context first", "context last"])
def test_twarc2_context_on_another_page_is_found(tmp_path: Path, monkeypatch, order: str) -> None:
    # page A holds the original (by 500) in includes.tweets and an older profile of 500; page B a
    # retweet of it with no author in referenced_tweets and an 'RT @x:' mention pointing elsewhere
    # (the mention is only a fallback: includes.tweets wins, wherever it is in the file)
    orig = {"id": "900", "author_id": "500", "text": "original"}
    rt = {"id": "901", "author_id": "7", "created_at": "2022-01-02T00:00:00.000Z", "text": "RT @x: original",
          "referenced_tweets": [{"type": "retweeted", "id": "900"}],
          "entities": {"mentions": [{"username": "x", "id": "666"}]}}
    post = {"id": "902", "author_id": "500", "created_at": "2022-01-01T00:00:00.000Z", "text": "hello"}
    a = _page([post], [{"id": "500", "username": "old_name"}], [orig], "2022-01-01T00:00:00Z")
    b = _page([rt], [{"id": "500", "username": "new_name"}, {"id": "7", "username": "seven"}], [],
              "2022-02-01T00:00:00Z")
    src = tmp_path / "pages.jsonl"
    src.write_text(a + b if order == "context first" else b + a)
    whole = _ingest(monkeypatch, [src], tmp_path / "whole", 64 << 20, format="twarc2")
    split = _ingest(monkeypatch, [src], tmp_path / "split", 1, format="twarc2")
    assert split == whole
    posts = {p["post_id"]: p for p in split[1]}
    assert posts["901"]["reposted_account_id"] == "500"
    accounts = {a["account_id"]: a for a in split[2]}
    assert accounts["500"]["handle"] == "new_name"  # the latest retrieval wins across chunks


def _lines_of(ctx: IngestContext, chunk: int) -> tuple[list[tuple[int, str]], int]:
    got: list[tuple[int, str]] = []
    total = 0
    for table, n in ctx.iter_line_batches(chunk):
        got += list(zip(table["_record"].to_pylist(), table["line"].to_pylist(), strict=True))
        total += n
    return got, total


def test_line_splitting_at_every_chunk_size(tmp_path: Path) -> None:
    # CRLF, a blank and a whitespace-only line, a line of invalid UTF-8, multi-byte characters,
    # a long line and no newline at the end: every chunk size must give the same lines and numbers
    lines = [b'{"a": 1}\r', b"", b'{"b": "\xc3\xa9\xe2\x82\xac\xf0\x9f\x8c\x8d"}', b"  \t", b'{"c": "\xff"}',
             b'{"d": "' + b"x" * 300 + b'"}', b"[1, 2]", b'{"e": 5}']
    data = b"\n".join(lines)
    src = tmp_path / "f.jsonl"
    src.write_bytes(data)
    con = connect()
    install_macros(con)
    ctx = IngestContext(con=con, path=src, format="test", encoding="utf-8")  # the head sniffs as latin-1
    ctx.create_stage_tables()
    expected = [(i + 1, b.decode()) for i, b in enumerate(lines) if i != 4 and b.strip()]
    for chunk in range(1, len(data) + 2):
        con.execute("DELETE FROM stage_rejects")
        assert _lines_of(ctx, chunk) == (expected, 6), chunk
        assert con.execute("SELECT source_record, reason FROM stage_rejects").fetchall() == [
            (5, "not valid UTF-8 at byte 7")
        ]


@pytest.mark.parametrize("enc", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig", "latin-1"])
def test_transcoded_chunks_at_every_size(tmp_path: Path, enc: str) -> None:
    text = '{"a": "é"}\r\n\r\n{"b": "ü 🌍"}\n{"c": 3}' if enc != "latin-1" else '{"a": "é"}\r\n\r\n{"b": "ü"}\n{"c": 3}'
    src = tmp_path / "f.jsonl"
    raw = text.encode(enc)
    if enc == "utf-16-be":
        raw = codecs.BOM_UTF16_BE + raw
    src.write_bytes(raw)
    con = connect()
    ctx = IngestContext(con=con, path=src, format="test", encoding=None if enc != "latin-1" else "latin-1")
    ctx.create_stage_tables()
    expected = [(1, text.split("\n")[0]), (3, text.split("\n")[2]), (4, text.split("\n")[3])]
    for chunk in range(1, len(raw) + 2):
        assert _lines_of(ctx, chunk) == (expected, 3), (enc, chunk)


def test_bad_line_exactly_at_a_chunk_boundary(tmp_path: Path, monkeypatch) -> None:
    good = '{"id": "%d", "user": "u%d", "time": "2022-01-01T00:00:00Z"}'
    lines = [good % (i, i % 3) for i in range(1, 40)]
    lines[9] = '{"id": "10", "user": '  # cut line
    lines[19] = "not json"
    lines[29] = '"a string"'
    data = "\n".join(lines) + "\n"
    src = tmp_path / "p.jsonl"
    src.write_text(data)
    opts = {"columns": {"post_id": "id", "account_id": "user", "created_at": "time"}}
    whole = _ingest(monkeypatch, [src], tmp_path / "whole", 64 << 20, format="generic", options=opts)
    assert whole[0] == [("generic", 39, 36, 0, 3)]
    assert [r[:3] for r in whole[3]] == [
        (10, None, "not valid JSON (truncated or malformed line)"),
        (20, None, "not valid JSON (truncated or malformed line)"),
        (30, None, "JSON value is not an object"),
    ]
    # chunks that end exactly before, inside and after each bad line
    starts = [len("\n".join(lines[:i])) + (1 if i else 0) for i in (9, 19, 29)]
    sizes = sorted({s + d for s in starts for d in (-1, 0, 1)})
    for chunk in sizes:
        assert _ingest(monkeypatch, [src], tmp_path / f"c{chunk}", chunk, format="generic", options=opts) == whole


def test_mapped_path_only_in_a_later_chunk(tmp_path: Path, monkeypatch) -> None:
    # the map is settled on the first chunk, but a path found in any chunk counts as in the file
    lines = [json.dumps({"id": str(i), "user": "u", "time": "2022-01-01T00:00:00Z"}) for i in range(20)]
    lines.append(json.dumps({"id": "99", "user": "u", "time": "2022-01-01T00:00:00Z", "lang_code": "fr"}))
    src = tmp_path / "p.jsonl"
    src.write_text("\n".join(lines))
    opts = {"columns": {"post_id": "id", "account_id": "user", "created_at": "time", "lang": "lang_code"}}
    split = _ingest(monkeypatch, [src], tmp_path / "split", 100, format="generic", options=opts)
    assert split[0] == [("generic", 21, 21, 0, 0)]
    assert [p["lang"] for p in split[1] if p["post_id"] == "99"] == ["fr"]
    opts["columns"]["client"] = "nowhere"
    monkeypatch.setattr(IngestContext, "chunk_bytes", lambda self: 100)
    f = unmask.ingest_files([src], tmp_path / "bad", format="generic", options=opts).files[0]
    assert f.error is not None and "'nowhere' (for client) is not in the file" in f.error


def test_chunk_size_follows_the_memory_limit() -> None:
    con = connect(memory_limit="320MB")
    ctx = IngestContext(con=con, path=Path("x"), format="test")
    assert 9_000_000 < ctx.chunk_bytes() < 10_500_000  # a 32nd of the limit
    con.execute("SET memory_limit = '16GB'")
    assert ctx.chunk_bytes() == _base.LINE_BATCH_BYTES
    con.execute("SET memory_limit = '8MB'")
    assert ctx.chunk_bytes() == 1 << 20
