"""``sync_activity`` beyond its work budget: MinHash/LSH candidates, exact counts, conservative FDR."""

from __future__ import annotations

import itertools
from collections import defaultdict
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from coord_helpers import posts_table, write_dataset
from unmask.coordinate import coordinate, run_signal
from unmask.engine import connect

BIN = 300
GROUP = [f"g{i}" for i in range(10)]


def _world(seed: int = 0, *, n_bg: int = 300, n_bins: int = 576, group_bins: int = 30, group_bg: int = 5) -> list[dict]:
    """Background accounts active in random bins (heavy-tailed volumes, a daily rhythm) and one
    group of 10 accounts active in the same ``group_bins`` bins within seconds, each with
    ``group_bg`` bins of its own (Jaccard about 30 / 40 within the group)."""
    rng = np.random.default_rng(seed)
    rhythm = 1.0 + 0.8 * np.sin(np.arange(n_bins) * 2 * np.pi / 288)
    rhythm /= rhythm.sum()
    rows: list[dict] = []
    for i in range(n_bg):
        k = int(min(5 + rng.zipf(1.8), 120))
        for b in rng.choice(n_bins, k, replace=False, p=rhythm):
            rows.append({"account_id": f"u{i:03d}", "t": float(b * BIN + rng.uniform(0, BIN))})
    shared = rng.choice(n_bins, group_bins, replace=False)
    for a in GROUP:
        for b in shared:
            rows.append({"account_id": a, "t": float(b * BIN + 100 + rng.uniform(0, 8))})
        for b in rng.choice(np.setdiff1d(np.arange(n_bins), shared), group_bg, replace=False):
            rows.append({"account_id": a, "t": float(b * BIN + rng.uniform(0, BIN))})
    return [dict(r, post_id=f"p{i}") for i, r in enumerate(rows)]


def _con(rows: list[dict]):
    con = connect(threads=1)
    con.register("posts_arrow", posts_table(rows))
    con.execute("CREATE VIEW posts AS SELECT * FROM posts_arrow")
    return con


KEEP = "q_value <= 0.01 AND n_shared >= 2"


def _edges(con, name: str, params: dict | None = None, keep: str = KEEP) -> tuple[dict, dict]:
    st = run_signal(con, "sync_activity", name, params=params, keep=keep, min_shared=2)
    cols = [d[0] for d in con.execute(f"SELECT * FROM {name} LIMIT 0").description]
    got = {}
    for r in con.execute(f"SELECT * FROM {name}").fetchall():
        d = dict(zip(cols, r, strict=True))
        got[(d["account_a"], d["account_b"])] = d
    return got, st


def _bins(rows: list[dict]) -> dict[str, set[int]]:
    bins: dict[str, set[int]] = defaultdict(set)
    for r in rows:
        bins[r["account_id"]].add(int(r["t"] // BIN))
    return bins


def test_lsh_path_finds_the_group_beyond_the_budget() -> None:
    rows = _world()
    con = _con(rows)
    exact, st_e = _edges(con, "ex")
    assert st_e["path"] == "exact" and st_e["capped_cells"] == 0
    # a budget of 10 pair rows: the work cap would drop almost every event, so the LSH path takes over
    lsh, st = _edges(con, "lsh", {"max_matched_rows": 10})
    assert st["path"] == "lsh" and st["bin_cap"] == 2000 and st["capped_cells"] == 0
    # no banding fits a budget of 10 rows: 20 bands of 3 rows, the least sensitive, over the budget
    assert (st["lsh_num_perm"], st["lsh_bands"], st["lsh_rows"], st["lsh_over_budget"]) == (60, 20, 3, True)
    assert 0 < st["lsh_candidates"] == st["candidate_pairs"] < st_e["candidate_pairs"]
    want = set(itertools.combinations(GROUP, 2))
    assert set(lsh) == want and set(exact) == want  # every group pair kept, no background pair
    for k in want:
        assert lsh[k]["q_value"] <= 0.01
        # the same exact count and expectation as the exact path, q never below it (conservative)
        assert lsh[k]["n_shared"] == exact[k]["n_shared"] >= 30
        assert lsh[k]["expected"] == exact[k]["expected"]
        assert lsh[k]["q_value"] >= exact[k]["q_value"]
        assert lsh[k]["evidence"] == exact[k]["evidence"] and lsh[k]["median_dt_s"] == exact[k]["median_dt_s"]
    # the pairs that are not candidates count in the family all the same
    assert st["n_tests"] == st_e["n_tests"] == st["accounts"] * (st["accounts"] - 1) // 2


def test_lsh_counts_are_exact_for_every_listed_pair() -> None:
    rows = _world(3, n_bg=120, n_bins=200)
    bins = _bins(rows)
    con = _con(rows)
    got, st = _edges(con, "e", {"candidates": "lsh"}, keep="true")
    assert st["path"] == "lsh"
    assert got and all(v["n_shared"] == len(bins[a] & bins[b]) >= 2 for (a, b), v in got.items())
    ok = [a for a in sorted(bins) if len(bins[a]) >= 5]
    assert st["accounts"] == len(ok)
    # LSH only leaves pairs out: the listed ones are a subset of all co-active pairs
    every = {(a, b) for a, b in itertools.combinations(ok, 2) if len(bins[a] & bins[b]) >= 2}
    assert set(got) <= every and set(itertools.combinations(GROUP, 2)) <= set(got)


def test_lsh_takes_the_fewest_rows_the_budget_pays_for() -> None:
    rows = _world(6)
    con = _con(rows)
    one, st1 = _edges(con, "r1", {"candidates": "lsh"})
    # 200 M rows pay for single-row bands (the most sensitive) here
    assert (st1["lsh_rows"], st1["lsh_bands"], st1["lsh_over_budget"]) == (1, 60, False)
    bound = st1["lsh_work_bounds"]["1"]
    assert list(st1["lsh_work_bounds"]) == ["1"] and st1["lsh_counted_rows"] <= bound
    two, st2 = _edges(con, "r2", {"candidates": "lsh", "max_matched_rows": bound - 1})
    assert (st2["lsh_rows"], st2["lsh_bands"], st2["lsh_over_budget"]) == (2, 30, False)
    assert st2["lsh_work_bounds"]["1"] in (None, bound) and st2["lsh_work_bounds"]["2"] < bound
    assert st2["lsh_candidates"] < st1["lsh_candidates"]
    assert set(one) == set(two) == set(itertools.combinations(GROUP, 2))
    with pytest.raises(ValueError, match="lsh_rows"):
        run_signal(con, "sync_activity", "bad", params={"candidates": "lsh", "lsh_rows": 7})


def test_under_budget_the_exact_path_is_unchanged() -> None:
    rows = _world(1)
    con = _con(rows)
    auto, st_a = _edges(con, "a", keep="true")
    exact, st_x = _edges(con, "x", {"candidates": "exact"}, keep="true")
    assert st_a["path"] == st_x["path"] == "exact"
    assert {k: v for k, v in st_a.items() if k != "parameters"} == {k: v for k, v in st_x.items() if k != "parameters"}
    assert auto == exact
    # and the pair counts are the brute-force ones
    bins = _bins(rows)
    ok = [a for a in sorted(bins) if len(bins[a]) >= 5]
    want = {(a, b): len(bins[a] & bins[b]) for a, b in itertools.combinations(ok, 2) if len(bins[a] & bins[b]) >= 2}
    assert {k: v["n_shared"] for k, v in auto.items()} == want


def test_auto_keeps_the_work_cap_while_it_drops_little() -> None:
    rows = _world(2)
    con = _con(rows)
    _, full = _edges(con, "f", keep="true")
    m = full["matched_rows"]
    # a budget just under the exact pair count: the cap drops a few of the busiest bins only
    _, st = _edges(con, "c", {"max_matched_rows": int(m * 0.9)}, keep="true")
    assert st["path"] == "exact" and 0 < st["capped_events"] < 0.5 * st["events"] and st["bin_cap"] < 2000
    _, st2 = _edges(con, "c2", {"max_matched_rows": int(m * 0.9), "max_capped_share": 0.0}, keep="true")
    assert st2["path"] == "lsh"


def test_big_lsh_buckets_are_capped_and_counted() -> None:
    rows = _world(4, n_bg=100, group_bg=0)  # the group's accounts have identical bins
    con = _con(rows)
    got, st = _edges(con, "e", {"candidates": "lsh", "lsh_max_bucket": 9, "lsh_rows": 3})
    # the 10 identical accounts share one bucket in every band: all 20 are capped, no group pair is a candidate
    assert st["lsh_capped_buckets"] >= 20 and st["lsh_capped_members"] >= 200
    assert st["lsh_work_bounds"] == {} and not st["lsh_over_budget"]
    assert not any(a in GROUP and b in GROUP for a, b in got)
    got, st = _edges(con, "e2", {"candidates": "lsh", "lsh_num_perm": 8, "lsh_rows": 2})
    assert (st["lsh_num_perm"], st["lsh_bands"]) == (8, 4) and set(got) == set(itertools.combinations(GROUP, 2))
    with pytest.raises(ValueError, match="candidates"):
        run_signal(con, "sync_activity", "bad", params={"candidates": "both"})


@pytest.mark.slow
def test_lsh_path_on_spark_is_identical(tmp_path: Path) -> None:
    pytest.importorskip("pyspark")
    from unmask.engines import EngineUnavailable
    from unmask.engines.spark import SMALL_DATA_CONF, check_spark, spark_session

    try:
        check_spark()
    except EngineUnavailable as e:
        pytest.skip(f"Java is not available here: {e}")
    from pyspark.sql import SparkSession

    had = SparkSession.getActiveSession() is not None
    spark = spark_session("local[2]", config=SMALL_DATA_CONF)
    try:
        write_dataset(tmp_path / "ds", posts_table(_world(5, n_bg=150, n_bins=300)))
        params = {"sync_activity": {"candidates": "lsh"}}
        a = coordinate(tmp_path / "ds", tmp_path / "duck", signals=["sync_activity"], signal_params=params)
        b = coordinate(tmp_path / "ds", tmp_path / "spark", signals=["sync_activity"], signal_params=params, spark=spark)
    finally:
        if not had:
            spark.stop()
    sa, sb = a.parameters["per_signal"]["sync_activity"], b.parameters["per_signal"]["sync_activity"]
    assert sa["path"] == "lsh" and sa["lsh_candidates"] > 0 and sa["lsh_work_bounds"]  # the banding chosen on both
    assert {k: v for k, v in sa.items() if k != "seconds"} == {k: v for k, v in sb.items() if k != "seconds"}
    ea = pq.read_table(tmp_path / "duck" / "edges.parquet").sort_by([("account_a", "ascending"), ("account_b", "ascending")])
    eb = pq.read_table(tmp_path / "spark" / "edges.parquet").sort_by([("account_a", "ascending"), ("account_b", "ascending")])
    assert ea.num_rows == eb.num_rows == 45
    for c in ea.column_names:
        if c in ("p_value", "q_value", "expected", "median_dt_s", "symmetry"):
            np.testing.assert_allclose(ea.column(c).to_numpy(zero_copy_only=False).astype(float),
                                       eb.column(c).to_numpy(zero_copy_only=False).astype(float), rtol=1e-9, err_msg=c)
        else:
            assert ea.column(c).to_pylist() == eb.column(c).to_pylist(), c
