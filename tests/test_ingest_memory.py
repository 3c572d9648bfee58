"""A file too big for the memory limit fails with an actionable error and writes nothing."""

from __future__ import annotations

import json
import os
from pathlib import Path

import unmask


def test_out_of_memory_names_the_setting_and_loses_nothing(tmp_path: Path, monkeypatch) -> None:
    # a twarc2 page file of ~40 MB staged under a 16 MB limit
    tweet = {"id": "1", "author_id": "9", "created_at": "2022-01-01T00:00:00.000Z", "text": "x" * 2000}
    with open(tmp_path / "pages.jsonl", "w") as f:
        for i in range(200):
            data = [dict(tweet, id=str(i * 100 + j)) for j in range(100)]
            f.write(json.dumps({"data": data, "includes": {"users": []}, "__twarc": {"url": "u"}}) + "\n")
    monkeypatch.setenv("UNMASK_MEMORY_LIMIT", "16MB")
    rep = unmask.ingest_files([tmp_path / "pages.jsonl"], tmp_path / "ds", format="twarc2")
    err = rep.files[0].error
    assert err is not None and "UNMASK_MEMORY_LIMIT" in err and str(tmp_path / "pages.jsonl") in err
    assert not list((tmp_path / "ds" / "posts").glob("*.parquet"))
    monkeypatch.setenv("UNMASK_MEMORY_LIMIT", os.environ.get("UNMASK_TEST_BIG_LIMIT", "2GB"))
    ok = unmask.ingest_files([tmp_path / "pages.jsonl"], tmp_path / "ds", format="twarc2").files[0]
    assert ok.error is None and (ok.records, ok.ingested) == (20000, 20000)
