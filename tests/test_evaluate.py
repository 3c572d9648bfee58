"""``unmask evaluate``: known answers on hand-made result and truth tables."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from unmask.cli import cli
from unmask.evaluate import average_precision, evaluate, roc_auc

TRUTH = pa.table({
    "account_id": ["a", "b", "c", "d", "e", "f", "g", "h"],
    "label": [1, 1, 1, 0, 0, 0, 0, 1],
    "group": ["botnet", "botnet", "shift_farm", "organic", "news_swarm", "news_swarm", "organic", "shift_farm"],
})
# h is absent from the result: not flagged, score 0. z is not in the truth: ignored.
RESULT = pa.table({
    "account_id": ["a", "b", "c", "d", "e", "f", "g", "z"],
    "score": [0.9, 0.8, 0.4, 0.7, 0.4, 0.1, 0.0, 0.99],
    "flagged": [True, True, False, True, False, False, False, True],
})


def test_auc_and_ap_by_hand() -> None:
    y = np.array([1, 0, 1, 1, 0, 0])
    s = np.array([0.9, 0.8, 0.7, 0.4, 0.4, 0.1])
    # positive-negative pairs won: .9 beats 3, .7 beats 2, .4 beats 1 and ties 1 -> 6.5 / 9
    assert roc_auc(y, s) == pytest.approx(6.5 / 9)
    # thresholds .9 (P 1, R 1/3), .7 (P 2/3, R 2/3), .4 tie group (P 3/5, R 1)
    assert average_precision(y, s) == pytest.approx(1 / 3 + (1 / 3) * (2 / 3) + (1 / 3) * 0.6)
    assert roc_auc(np.array([1, 1, 0]), np.array([0.5, 0.5, 0.5])) == pytest.approx(0.5)
    assert roc_auc(np.array([1, 1]), np.array([0.1, 0.2])) is None
    assert average_precision(np.array([0, 1, 0]), np.array([3, 2, 1])) == pytest.approx(0.5)


def test_evaluate_known_answers() -> None:
    m = evaluate(RESULT, TRUTH)
    assert (m["tp"], m["fp"], m["fn"], m["tn"]) == (2, 1, 2, 3)
    assert m["precision"] == pytest.approx(2 / 3)
    assert m["recall"] == pytest.approx(0.5)
    assert m["f1"] == pytest.approx(2 * (2 / 3) * 0.5 / (2 / 3 + 0.5))
    assert m["fpr"] == pytest.approx(0.25)
    assert m["absent_from_result"] == 1
    assert m["result_accounts_not_in_truth"] == 1
    # scores with h = 0: positives .9 .8 .4 0 ; negatives .7 .4 .1 0
    # wins: .9->4, .8->4, .4->2 + tie .5, 0->tie .5 = 11 / 16
    assert m["roc_auc"] == pytest.approx(11 / 16)
    # ranking: a .9(+) b .8(+) d .7(-) {c .4(+), e .4(-)} f .1(-) {g 0(-), h 0(+)}
    ap = 0.25 * 1 + 0.25 * 1 + 0.25 * (3 / 5) + 0.25 * (4 / 8)
    assert m["average_precision"] == pytest.approx(ap)
    assert m["recall_by_group"]["botnet"]["recall"] == pytest.approx(1.0)
    assert m["recall_by_group"]["shift_farm"]["recall"] == pytest.approx(0.0)
    assert m["fpr_by_group"]["organic"]["fpr"] == pytest.approx(0.5)
    assert m["fpr_by_group"]["news_swarm"]["fpr"] == pytest.approx(0.0)


def test_evaluate_empty_result_flags_nothing() -> None:
    empty = pa.table({"account_id": pa.array([], pa.string()), "score": pa.array([], pa.float64()),
                      "flagged": pa.array([], pa.bool_())})
    m = evaluate(empty, TRUTH)
    assert m["flagged"] == 0 and m["recall"] == 0.0 and m["precision"] is None
    assert m["roc_auc"] == pytest.approx(0.5)


def test_threshold_and_missing_flagged() -> None:
    r = RESULT.drop(["flagged"])
    with pytest.raises(ValueError, match="threshold"):
        evaluate(r, TRUTH)
    m = evaluate(r, TRUTH, threshold=0.75)
    assert (m["tp"], m["fp"]) == (2, 0)


def test_cli_reads_csv_and_directories(tmp_path) -> None:
    (tmp_path / "truth").mkdir()
    pq.write_table(TRUTH, tmp_path / "truth" / "accounts.parquet")
    lines = ["account_id,score,flagged"] + [
        f"{a},{s},{str(f).lower()}" for a, s, f in zip(*(RESULT.column(c).to_pylist() for c in RESULT.column_names), strict=True)
    ]
    (tmp_path / "result.csv").write_text("\n".join(lines) + "\n")
    out = tmp_path / "m.json"
    r = CliRunner().invoke(cli, ["evaluate", str(tmp_path / "result.csv"), "--truth", str(tmp_path), "--json-out", str(out)])
    assert r.exit_code == 0, r.output
    m = json.loads(out.read_text())
    assert m["precision"] == pytest.approx(2 / 3) and m["roc_auc"] == pytest.approx(11 / 16)
    (tmp_path / "res").mkdir()
    pq.write_table(RESULT, tmp_path / "res" / "accounts.parquet")
    r = CliRunner().invoke(cli, ["evaluate", str(tmp_path / "res"), "--truth", str(tmp_path / "truth" / "accounts.parquet"), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["recall"] == pytest.approx(0.5)
