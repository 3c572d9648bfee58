"""Profile bot score, the ``unmask forensics`` command, and the IRA data (where ../shared exists)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from forensics_synth import accounts_table, local_times, posts_table, write_dataset
from unmask.cli import cli
from unmask.engine import connect
from unmask.forensics import profile_score, read_clusters, shifts, timezone
from unmask.forensics.profile_score import FEATURES, MODEL_PATH

ROOT = Path(__file__).resolve().parents[1]


def test_model_is_plain_json_with_metrics():
    m = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    assert m["features"] == list(FEATURES)
    assert len(m["coef"]) == len(m["mean"]) == len(m["scale"]) == len(FEATURES)
    assert m["metrics"]["cv_auc_cresci2017"] > 0.9


def test_profile_score_ranks_a_default_spam_profile_above_a_person(tmp_path):
    acc = accounts_table([
        {"account_id": "p", "handle": "jane_doe", "display_name": "Jane Doe", "description": "Mum, nurse, runner.",
         "location": "Leeds", "created_at": 1.2e9, "snapshot_at": None, "followers": 420, "following": 380,
         "posts_count": 5200, "default_profile": False, "default_image": False, "verified": False},
        {"account_id": "s", "handle": "anna48291734", "display_name": "anna48291734", "description": "",
         "created_at": 1.48e9, "followers": 3, "following": 1900, "posts_count": 21000,
         "default_profile": True, "default_image": True, "verified": False},
    ])
    ds = write_dataset(tmp_path, posts_table(np.array(["p"]), np.array([1.5e9])), acc)
    con = connect()
    ds.register(con)
    f = profile_score(con)
    s = dict(zip(f.table.column("account_id").to_pylist(), f.table.column("bot_score").to_pylist(), strict=True))
    assert 0 <= s["p"] < s["s"] <= 1


@pytest.fixture
def world(tmp_path):
    rng = np.random.default_rng(11)
    t = local_times(rng, 1500, offset=3, weekday_weights=[1, 1, 1, 1, 1, 0.1, 0.1])
    ids = rng.integers(0, 6, len(t)).astype(str)
    acc = accounts_table([{"account_id": str(i), "location": "Moscow", "created_at": 1.4e9 + i} for i in range(6)])
    ds = write_dataset(tmp_path / "ds", posts_table(ids, t), acc)
    return ds.path


def test_cli_forensics_all_and_group(world, tmp_path):
    r = CliRunner().invoke(cli, ["forensics", str(world), "-o", str(tmp_path / "out"), "--json"])
    assert r.exit_code == 0, r.output
    rep = json.loads(r.stdout)
    assert rep["all"]["timezone"]["offset"] in (2, 3, 4)
    assert rep["all"]["timezone"]["location_mismatch"] is False
    out = tmp_path / "out" / "all"
    for name in ("timezone", "shifts", "bursts", "automation", "profile_score", "shared_hands"):
        assert (out / f"{name}.parquet").exists() and (out / f"{name}.json").exists()
    assert pq.read_table(out / "timezone_hour_weekday.parquet").num_rows > 0
    (tmp_path / "g.txt").write_text("# a group\n0\n1\n", encoding="utf-8")
    r = CliRunner().invoke(cli, ["forensics", str(world), "--group", str(tmp_path / "g.txt"), "-o", str(tmp_path / "o2")])
    assert r.exit_code == 0, r.output
    assert json.loads((tmp_path / "o2" / "group" / "timezone.json").read_text())["accounts"] == 2


def test_cli_forensics_clusters(world, tmp_path):
    clusters = tmp_path / "clusters.parquet"
    pq.write_table(pa.table({"cluster_id": [0, 1], "members": [["0", "1", "2"], ["5"]]}), clusters)
    assert read_clusters(clusters) == {"0": ["0", "1", "2"], "1": ["5"]}
    r = CliRunner().invoke(cli, ["forensics", str(world), "--cluster", str(clusters), "-o", str(tmp_path / "o")])
    assert r.exit_code == 0, r.output
    rep = json.loads((tmp_path / "o" / "forensics.json").read_text())
    assert list(rep) == ["cluster_0"]  # the singleton is below --min-size
    assert rep["cluster_0"]["automation"]["coordinated_given"] == 3
    pq.write_table(pa.table({"x": [1]}), tmp_path / "bad.parquet")
    r = CliRunner().invoke(cli, ["forensics", str(world), "--cluster", str(tmp_path / "bad.parquet"), "-o", str(tmp_path / "o3")])
    assert r.exit_code != 0 and "not a clusters table" in r.output


@pytest.mark.shared
def test_ira_time_zone_and_shifts(shared_data):
    sys.path.insert(0, str(ROOT / "scripts"))
    from forensics_ira import register_ira

    con = connect()
    register_ira(con, shared_data / "ira")
    ids = [r[0] for r in con.execute("SELECT account_id FROM accounts WHERE category = 'NonEnglish'").fetchall()]
    tz = timezone(con, ids, bootstrap=50)
    s = tz.summary
    assert s["posts"] > 300_000
    # Russian-language accounts: an office-day rhythm about 1 h ahead of the timestamps, no DST shift
    assert s["template"] == "office" and s["offset"] == 1
    assert s["dst"]["shift"] == 0
    sh = shifts(con, ids, offset=s["offset"])
    assert sh.summary["accounts_used"] > 100
