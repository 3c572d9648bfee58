"""Spark ingest parity: the project's fixtures ingested through DuckDB and through Spark ``local[2]``.

For every format that runs on Spark (``unmask.engines.spark_ingest.SPARK_FORMATS``) the canonical
posts and accounts are identical (every column, after sorting; ``source_file`` too), and so are
the per-file counts (records, ingested, duplicate, rejected) and the reject reasons apart from the
CSV parser's own wording. One SparkSession for the whole run (the same local[2] session as
``test_spark_parity.py``); skipped only where Java is missing.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import unmask
from unmask.dataset import Dataset
from unmask.engines import EngineUnavailable
from unmask.engines.spark import SMALL_DATA_CONF, check_spark, spark_session

pytestmark = pytest.mark.slow

FIXTURES = Path(__file__).resolve().parent / "fixtures"
#: DuckDB names the CSV error (e.g. 'MISSING COLUMNS: …'); Spark's CSV reader only says the record is malformed
_CSV_REASON = "malformed CSV record (wrong number of fields or broken quoting)"


@pytest.fixture(scope="session")
def spark():
    """One local[2] SparkSession for the whole test run (shared with test_spark_parity.py)."""
    try:
        check_spark()
    except EngineUnavailable as e:
        if "pyspark" in str(e):
            raise
        pytest.skip(f"Java is not available here: {e}")
    s = spark_session("local[2]", config=SMALL_DATA_CONF)
    yield s
    s.stop()


def _generic_parquet(path: Path) -> Path:
    utc = dt.UTC
    pq.write_table(pa.table({
        "id": ["a1", "a2", "a3", "a2", None],
        "user": [{"id": "u1", "name": "Ann", "followers": 5}, {"id": "u2", "name": "Bob", "followers": 7},
                 {"id": "u1", "name": "Ann2", "followers": 9}, {"id": "u2", "name": "B", "followers": 1},
                 {"id": "u3", "name": "C", "followers": 1}],
        "ts": [dt.datetime(2020, 1, 1, 10, tzinfo=utc), dt.datetime(2020, 1, 1, 11, tzinfo=utc),
               dt.datetime(2020, 1, 2, tzinfo=utc), dt.datetime(2020, 1, 3, tzinfo=utc), dt.datetime(2020, 1, 3, tzinfo=utc)],
        "body": ["Hi #X https://A.com/p/?utm_source=1&b=2", "RT", "yo @bob www.x.org", None, "z"],
        "tags": [["A", "#b"], [], None, ["c"], []],
        "rt": [None, "a1", None, None, None],
    }), path)
    return path


def _cases(tmp: Path) -> dict[str, tuple[list[Path], dict]]:
    f = FIXTURES
    tweets = f / "io_archive" / "tweets_csv_hashed.csv"
    return {
        "io-archive": ([tweets, f / "io_archive" / "users_csv_hashed.csv"], {}),
        "cnt": ([f / "cnt" / "messages.csv"], {"format": "cnt"}),
        "coortweet": ([f / "coortweet" / "shares.csv", f / "coortweet" / "multi.csv"], {}),
        # the by-author tweets look their authors up in the authors.csv beside them (read_csv in the SQL)
        "ira": ([f / "ira" / "IRAhandle_tweets_1.csv", f / "ira" / "by_author" / "tweets.csv"], {}),
        "generic-csv": ([f / "generic" / "posts.csv"], {"format": "generic", "options": {
            **tomllib.loads((f / "generic" / "posts_map.toml").read_text(encoding="utf-8")),
            "accounts": {"handle": "user"}}}),
        "generic-parquet": ([_generic_parquet(tmp / "posts.parquet")], {"format": "generic", "options": {
            "columns": {"post_id": "id", "account_id": "user.id", "created_at": "ts", "text": "body",
                        "hashtags": "tags", "reposted_post_id": "rt"},
            "accounts": {"handle": "user.name", "followers": "user.followers"}}}),
        # UTF-16 (and a URI: the Spark run reads it as file://…)
        "encodings": ([f / "cnt" / "utf16.csv"], {}),
    }


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, spark) -> dict[str, dict]:
    from unmask.engines.spark_ingest import ingest_spark

    tmp = tmp_path_factory.mktemp("spark_ingest")
    cases = _cases(tmp)
    # the Spark ingests side by side (each in a session of its own): most of a small file's time
    # is per-job latency, not work
    with ThreadPoolExecutor(4) as pool:
        spk = {name: pool.submit(ingest_spark, [p.resolve().as_uri() for p in files] if name == "encodings" else files,
                                 (tmp / name / "spark").resolve().as_uri() if name == "encodings" else tmp / name / "spark",
                                 spark=spark, **kw)
               for name, (files, kw) in cases.items()}
        duck = {name: unmask.ingest_files(files, tmp / name / "duckdb", **kw) for name, (files, kw) in cases.items()}
        return {name: {"duckdb": duck[name], "spark": spk[name].result(), "dir": tmp / name} for name in cases}


def _table(ds: Path, table: str, keys: list[str]) -> pa.Table:
    t = pq.read_table(ds / table)
    return t.sort_by([(k, "ascending") for k in keys])


CASES = ["io-archive", "cnt", "coortweet", "ira", "generic-csv", "generic-parquet", "encodings"]


@pytest.mark.parametrize("case", CASES)
def test_counts_identical(runs, case: str) -> None:
    r = runs[case]
    assert len(r["duckdb"].files) == len(r["spark"].files)
    for a, b in zip(r["duckdb"].files, r["spark"].files, strict=True):
        assert a.error is None and b.error is None, (a.error, b.error)
        assert (a.format, a.records, a.ingested, a.duplicate, a.rejected, a.accounts) == \
            (b.format, b.records, b.ingested, b.duplicate, b.rejected, b.accounts), a.path
        assert b.adds_up
        ra = {k: v for k, v in a.reject_reasons.items() if not re.match(r"[A-Z ]+: ", k)}
        csv_a = sum(v for k, v in a.reject_reasons.items() if k not in ra)
        rb = dict(b.reject_reasons)
        assert rb.pop(_CSV_REASON, 0) == csv_a
        assert ra == rb, a.path


@pytest.mark.parametrize("case", CASES)
def test_posts_and_accounts_identical(runs, case: str) -> None:
    d = runs[case]["dir"]
    for table, keys in (("posts", ["platform", "post_id"]), ("accounts", ["platform", "account_id"])):
        a = _table(d / "duckdb", table, keys)
        b = _table(d / "spark", table, keys)
        assert a.num_rows == b.num_rows > 0, table
        assert a.column_names == b.column_names
        for c in a.column_names:
            got = b.column(c).to_pylist()
            if c == "source_file":  # an input given as a URI is recorded as that URI
                got = [x.removeprefix("file://") if x else x for x in got]
            assert a.column(c).to_pylist() == got, (table, c)
    # the Spark dataset is a dataset like any other: manifest, schema version, parts
    ds = Dataset.open(d / "spark")
    m = ds.manifest
    assert [i["records"] for i in m["inputs"]] == [f.records for f in runs[case]["spark"].files]
    assert all(i["engine"] == "spark" for i in m["inputs"])
    rej_a = pq.read_table(d / "duckdb" / "rejects").num_rows if Dataset.open(d / "duckdb").parts("rejects") else 0
    rej_b = pq.read_table(d / "spark" / "rejects").num_rows if ds.parts("rejects") else 0
    assert rej_a == rej_b == sum(f.rejected for f in runs[case]["spark"].files)


def test_duckdb_appends_to_a_spark_dataset(runs) -> None:
    """A dataset ingested on Spark takes more files from DuckDB, which finds their duplicates there."""
    d = runs["coortweet"]["dir"]
    first = runs["coortweet"]["spark"].files[0]
    rep = unmask.ingest_files([FIXTURES / "coortweet" / "shares.csv"], d / "spark")
    assert (rep.files[0].ingested, rep.files[0].duplicate) == (0, first.ingested + first.duplicate)
    assert rep.files[0].accounts == runs["coortweet"]["spark"].files[-1].accounts


def test_uris_and_coordinate_on_spark(runs, spark) -> None:
    """Input and dataset given as URIs; the dataset there is what coordinate(engine='spark') reads."""
    from unmask.coordinate import _register_spark_dataset
    from unmask.engine import connect_spark

    d = runs["encodings"]["dir"]
    src = (FIXTURES / "cnt" / "utf16.csv").resolve().as_uri()
    assert runs["encodings"]["spark"].dataset == (d / "spark").resolve().as_uri()
    assert json.loads((d / "spark" / "manifest.json").read_text())["inputs"][0]["path"] == src
    con = connect_spark(session=spark.newSession())
    _register_spark_dataset(con, runs["encodings"]["spark"].dataset)
    got = sorted(tuple(r) for r in con.execute("SELECT post_id, account_id, text FROM posts").fetchall())
    want = sorted(tuple(r.values()) for r in pq.read_table(d / "duckdb" / "posts")
                  .select(["post_id", "account_id", "text"]).to_pylist())
    assert got == want and len(got) > 0


def test_cli_engine_spark_appends(runs, spark) -> None:
    """``unmask ingest --engine spark`` into a dataset that has the file already: all duplicates."""
    from unmask.cli import cli

    d = runs["cnt"]["dir"] / "spark"
    first = runs["cnt"]["spark"].files[0]
    r = CliRunner().invoke(cli, ["ingest", str(FIXTURES / "cnt" / "messages.csv"), "-o", str(d), "--format", "cnt",
                                 "--engine", "spark", "--spark-master", "local[2]", "--json"])
    assert r.exit_code == 0, r.output
    f = json.loads(r.output)["files"][0]
    assert (f["records"], f["ingested"], f["duplicate"], f["rejected"]) == \
        (first.records, 0, first.ingested + first.duplicate, first.rejected)
    assert pq.read_table(d / "posts").num_rows == first.ingested


def test_json_formats_are_refused_clearly(spark, tmp_path: Path) -> None:
    from unmask.engines.spark_ingest import ingest_spark

    rep = ingest_spark([FIXTURES / "twitter_v1" / "tweets.jsonl"], tmp_path / "ds", spark=spark)
    assert rep.files[0].error and "not read on Spark" in rep.files[0].error and "DuckDB" in rep.files[0].error
    with pytest.raises(unmask.ingest.FormatError, match="not read on Spark"):
        ingest_spark([FIXTURES / "jetstream" / "events.jsonl"], tmp_path / "ds", spark=spark, format="jetstream")


# -- no Spark needed -------------------------------------------------------------------------------


def test_reader_sql_transpiles() -> None:
    """The shared macros expand from their DuckDB definitions; the DuckDB-only functions are rewritten."""
    from unmask.engines.spark_ingest import ingest_sql

    sql = ingest_sql("SELECT unmask_norm_urls(unmask_literal_list(urls)), unmask_text_hashtags(t), unmask_epoch(s), "
                     "try_strptime(trim(x), ['%Y-%m-%d %H:%M', '%m/%d/%Y %H:%M:%S']), timezone('Europe/Moscow', y), "
                     "regexp_extract_all(t, 'a(b)', 0), l[1] FROM r")
    assert "unmask_" not in sql.lower()
    for part in ("STRUCT(REGEXP_EXTRACT(", "AS scheme", "TRY_TO_TIMESTAMP(TRIM(x), 'yyyy-M-d H:m')",
                 "TRY_TO_TIMESTAMP(TRIM(x), 'M/d/yyyy H:m:s')", "TIMESTAMP_MICROS(", "TO_UTC_TIMESTAMP(y, 'Europe/Moscow')",
                 "REGEXP_EXTRACT_ALL(t, 'a(b)', 0)", "TRY_ELEMENT_AT(l, 1)", "RLIKE '^(?:[0-9_]+)$'"):
        assert part in sql, (part, sql)
    assert "MATERIALIZED" not in ingest_sql("SELECT * FROM (WITH b AS MATERIALIZED (SELECT 1 AS a) SELECT a FROM b) AS t")
