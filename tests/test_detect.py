"""unmask detect / run: verdicts on a simulated world with known truth, the result contract,
config overrides, determinism, dossiers, and the CLI end to end from raw files to the report."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from unmask.cli import cli
from unmask.detect import detect
from unmask.evaluate import evaluate
from unmask.simulate import simulate
from unmask.verdict.config import load_config
from unmask.verdict.features import FEATURES
from unmask.verdict.model import VERDICTS, load_model

ACCOUNT_COLUMNS = {"account_id", "platform", "handle", "display_name", "score", "flagged", "verdict", "cluster_id",
                   "reasons", "n_posts", "n_partners", "best_q", "signals", "coordination", "inauthenticity",
                   "automation", "bot_score", "operator_offset", "created_at", "location"}
CLUSTER_COLUMNS = {"cluster_id", "size", "verdict", "score", "n_flagged", "reasons", "signal_shares", "density",
                   "median_dt_s", "first_at", "last_at", "span_s", "top_objects", "members", "operator_offset",
                   "offset_low", "offset_high", "human_rhythm", "weekend", "claimed_locations", "shifts", "burst_p",
                   "bursts", "automated_share"}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("detect") / "w"
    simulate(d, seed=3, scale=1.0, profile="small")
    return d


@pytest.fixture(scope="module")
def result(world: Path) -> Path:
    out = world / "result"
    detect(world / "dataset", out)
    return out


def test_result_contract(result: Path, world: Path) -> None:
    acc = pq.read_table(result / "accounts.parquet")
    assert set(acc.column_names) >= ACCOUNT_COLUMNS
    assert {f.name for f in FEATURES} <= set(acc.column_names)
    n_accounts = pq.read_table(world / "truth" / "accounts.parquet").num_rows
    assert acc.num_rows == n_accounts  # every account that posted is judged
    rows = acc.to_pylist()
    assert all(0.0 <= r["score"] <= 1.0 for r in rows)
    assert all(0.0 <= r[f.name] <= 1.0 for r in rows for f in FEATURES)
    assert {r["verdict"] for r in rows} <= set(VERDICTS)
    for r in rows:
        if r["flagged"]:
            assert r["verdict"] in ("coordinated_inauthentic", "automated_coordinated")
            assert r["coordinated"] and r["reasons"]
    cl = pq.read_table(result / "clusters.parquet")
    assert set(cl.column_names) >= CLUSTER_COLUMNS
    for name in ("summary.json", "config.toml", "edges.parquet", "fused.parquet", "campaigns.parquet",
                 "graph.gexf", "graph.graphml", "accounts.csv", "clusters.csv", "evidence/index.parquet"):
        assert (result / name).exists(), name
    summary = json.loads((result / "summary.json").read_text())
    assert summary["counts"]["flagged"] == sum(r["flagged"] for r in rows)
    assert summary["dataset"]["inputs"], "provenance: the dataset's inputs"


def test_detects_planted_operations_not_lookalikes(result: Path, world: Path) -> None:
    ev = evaluate(result, world / "truth")
    # the farm is found; the organic look-alikes are not accused
    assert ev["recall_by_group"]["shift_farm"]["recall"] >= 0.9
    assert ev["precision"] >= 0.9
    for grp in ("news_swarm", "activist", "fan_chant", "benign_automation", "organic"):
        fpr = ev["fpr_by_group"][grp]
        assert fpr["flagged"] <= max(1, 0.01 * fpr["accounts"]), (grp, fpr)


def test_dossiers_carry_the_evidence(result: Path) -> None:
    acc = pq.read_table(result / "accounts.parquet").to_pylist()
    index = {(r["kind"], r["id"]): r["path"] for r in pq.read_table(result / "evidence" / "index.parquet").to_pylist()}
    flagged = [r for r in acc if r["flagged"]]
    assert flagged
    for r in flagged[:20]:
        d = json.loads((result / "evidence" / index[("account", r["account_id"])]).read_text())
        assert d["account_id"] == r["account_id"] and d["verdict"] == r["verdict"]
        assert d["partners"], "a flagged account names its partners"
        p = d["partners"][0]
        assert p["signals"][0]["q_value"] <= 0.01
        # evidence items carry both accounts' times and the gap
        ev = [e for s in p["signals"] for e in s["evidence"]]
        assert ev and all(e["dt_s"] >= 0 for e in ev)
    cl = pq.read_table(result / "clusters.parquet").to_pylist()
    for c in cl:
        d = json.loads((result / "evidence" / index[("cluster", str(c["cluster_id"]))]).read_text())
        assert d["size"] == c["size"] and d["verdict"] == c["verdict"]


def test_same_input_same_output(result: Path, world: Path, tmp_path: Path) -> None:
    again = detect(world / "dataset", tmp_path / "again", reuse=False)
    a = pq.read_table(result / "accounts.parquet").select(["account_id", "score", "flagged", "verdict", "reasons"])
    b = pq.read_table(again.out_dir / "accounts.parquet").select(["account_id", "score", "flagged", "verdict", "reasons"])
    assert a.equals(b)


def test_config_overrides_and_effective_config(result: Path, world: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("[verdict]\nthreshold = 0.999999\n")
    out = tmp_path / "strict"
    # reuse the coordination stage of the module's result: copy it, same dataset and parameters
    import shutil

    shutil.copytree(result, out)
    r = detect(world / "dataset", out, config=cfg)
    assert r.threshold == 0.999999
    assert r.timings["coordinate"] < 1.0, "coordination was reused"
    base = pq.read_table(result / "accounts.parquet").column("flagged").to_pylist()
    assert r.flagged < sum(base)
    eff = load_config(out / "config.toml")
    assert eff["verdict"]["threshold"] == 0.999999
    with pytest.raises(ValueError, match=r"verdict\.treshold"):
        load_config({"verdict": {"treshold": 0.5}})


def test_model_is_monotone(tmp_path: Path) -> None:
    m = load_model()
    signs = {f.name: f.sign for f in FEATURES}
    assert all(w * signs[k] >= 0 for k, w in m["weights"].items())
    bad = dict(m, weights=dict(m["weights"], coord_strength=-1.0))
    p = tmp_path / "bad.json"
    p.write_text(json.dumps(bad))
    with pytest.raises(ValueError, match="monotone"):
        load_model(str(p))


def test_cli_run_from_raw_files_to_report(tmp_path: Path) -> None:
    sim = tmp_path / "sim"
    simulate(sim, seed=5, scale=0.5, profile="small", format="io-archive")
    inputs = sorted(str(p) for p in (sim / "input").iterdir())
    out = tmp_path / "out"
    r = CliRunner().invoke(cli, ["run", *inputs, "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert (out / "report.html").stat().st_size > 10_000
    acc = pq.read_table(out / "result" / "accounts.parquet")
    assert acc.num_rows > 0
    r = CliRunner().invoke(cli, ["detect", str(out / "dataset"), "-o", str(out / "result"), "--json",
                                 "--threshold", "0.9"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["threshold"] == 0.9
