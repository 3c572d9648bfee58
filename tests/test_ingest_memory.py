"""Memory stays bounded: a JSON file larger than the memory limit goes in whole, in chunks.

Below what the engine needs at all, the error names the setting and nothing is written.
"""

from __future__ import annotations

import json
from pathlib import Path

import unmask
from helpers import rows


def _pages(path: Path, pages: int, per_page: int, text: int) -> None:
    """A twarc2 file of raw response pages, each with its authors in includes.users."""
    with open(path, "w") as f:
        for i in range(pages):
            data = [
                {"id": str(i * per_page + j), "author_id": str(j), "created_at": f"2022-01-01T00:{i % 60:02d}:00.000Z",
                 "text": f"#t{j} " + "x" * text}
                for j in range(per_page)
            ]
            users = [{"id": str(j), "username": f"u{j}_{i}"} for j in range(per_page)]
            retrieved = f"2022-02-{1 + i // 24:02d}T{i % 24:02d}:00:00Z"
            f.write(json.dumps({"data": data, "includes": {"users": users}, "__twarc": {"retrieved_at": retrieved}}) + "\n")


def test_json_file_larger_than_the_memory_limit_goes_in_whole(tmp_path: Path, monkeypatch) -> None:
    src = tmp_path / "pages.jsonl"
    _pages(src, pages=70, per_page=100, text=20_000)  # 140 MB of JSON under a 128 MB limit
    assert src.stat().st_size > 128 * 2**20
    monkeypatch.setenv("UNMASK_MEMORY_LIMIT", "128MB")
    f = unmask.ingest_files([src], tmp_path / "ds", format="twarc2").files[0]
    assert f.error is None and (f.records, f.ingested, f.duplicate, f.rejected) == (7000, 7000, 0, 0)
    posts = rows(tmp_path / "ds", "posts", where="post_id IN ('0', '6999')", order="post_id")
    assert [(p["post_id"], p["source_record"], p["text"][:5]) for p in posts] == [("0", 1, "#t0 x"), ("6999", 70, "#t99 ")]
    # each account's latest profile over the whole file (the last page's), though pages came in chunks
    accounts = rows(tmp_path / "ds", "accounts", where="account_id = '7'")
    assert accounts[0]["handle"] == "u7_69"


def test_out_of_memory_names_the_setting_and_loses_nothing(tmp_path: Path, monkeypatch) -> None:
    src = tmp_path / "pages.jsonl"
    _pages(src, pages=20, per_page=100, text=2000)
    monkeypatch.setenv("UNMASK_MEMORY_LIMIT", "8MB")  # less than the engine needs for one chunk
    rep = unmask.ingest_files([src], tmp_path / "ds", format="twarc2")
    err = rep.files[0].error
    assert err is not None and "UNMASK_MEMORY_LIMIT" in err and str(src) in err
    assert not list((tmp_path / "ds" / "posts").glob("*.parquet"))
