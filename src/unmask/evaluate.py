"""``unmask evaluate``: score a per-account detection result against a truth table.

A result is a table with ``account_id``, ``score`` and ``flagged`` (Parquet or CSV, or a directory
holding ``accounts.parquet``). A truth table has ``account_id``, ``label`` (1 = planted) and
``group`` (any generator can write it; ``unmask simulate`` writes ``truth/accounts.parquet``).
Accounts of the truth that are absent from the result count as not flagged with score 0, so a
detector cannot look better by leaving hard accounts out.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from scipy.stats import rankdata

__all__ = ["average_precision", "evaluate", "load_result", "load_truth", "roc_auc"]


def _read_table(path: Path) -> pa.Table:
    if path.suffix.lower() in (".csv", ".tsv", ".txt"):
        conv = pacsv.ConvertOptions(column_types={"account_id": pa.string()})
        parse = pacsv.ParseOptions(delimiter="\t" if path.suffix.lower() == ".tsv" else ",")
        return pacsv.read_csv(path, parse_options=parse, convert_options=conv)
    return pq.read_table(path)


def load_result(path: str | os.PathLike[str], *, threshold: float | None = None) -> pa.Table:
    """The result table at ``path`` as (account_id: str, score: float, flagged: bool)."""
    p = Path(path)
    if p.is_dir():
        for cand in (p / "accounts.parquet", p / "accounts.csv", p / "verdict" / "accounts.parquet"):
            if cand.exists():
                p = cand
                break
        else:
            raise FileNotFoundError(f"{path}: no accounts.parquet or accounts.csv in this directory")
    t = _read_table(p)
    return _normalise_result(t, threshold, str(p))


def _normalise_result(t: pa.Table, threshold: float | None, where: str = "result") -> pa.Table:
    names = set(t.column_names)
    if "account_id" not in names:
        raise ValueError(f"{where}: no account_id column (columns: {', '.join(t.column_names)})")
    if "score" not in names and "flagged" not in names:
        raise ValueError(f"{where}: needs a score or a flagged column")
    ids = np.array([str(x) for x in t.column("account_id").to_pylist()], dtype=object)
    if "score" in names:
        score = np.asarray(t.column("score").cast(pa.float64()).fill_null(0.0).to_numpy(zero_copy_only=False))
        score = np.nan_to_num(score, nan=0.0)
    else:
        score = None
    if "flagged" in names:
        fl = t.column("flagged")
        if pa.types.is_string(fl.type) or pa.types.is_large_string(fl.type):
            flagged = np.array([str(x).strip().lower() in ("1", "true", "t", "yes") for x in fl.to_pylist()])
        else:
            flagged = np.asarray(fl.cast(pa.bool_()).fill_null(False).to_numpy(zero_copy_only=False), bool)
    elif threshold is not None and score is not None:
        flagged = score >= threshold
    else:
        raise ValueError(f"{where}: no flagged column; pass a threshold to flag score >= threshold")
    if score is None:
        score = flagged.astype(float)
    if threshold is not None:
        flagged = score >= threshold
    return pa.table({"account_id": pa.array(ids, pa.string()), "score": score, "flagged": flagged})


def load_truth(path: str | os.PathLike[str]) -> pa.Table:
    """The truth table at ``path`` (a truth dir, a simulate output dir, or a Parquet/CSV file)."""
    p = Path(path)
    if p.is_dir():
        for cand in (p / "accounts.parquet", p / "truth" / "accounts.parquet", p / "accounts.csv"):
            if cand.exists():
                p = cand
                break
        else:
            raise FileNotFoundError(f"{path}: no accounts.parquet (or truth/accounts.parquet) here")
    t = _read_table(p)
    for c in ("account_id", "label"):
        if c not in t.column_names:
            raise ValueError(f"{p}: truth needs account_id, label and group columns; {c} is missing")
    return t


def roc_auc(y: np.ndarray, score: np.ndarray) -> float | None:
    """Area under the ROC curve (Mann-Whitney U with average ranks for ties); None if one class."""
    y = np.asarray(y, bool)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return None
    r = rankdata(score)
    return float((r[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def average_precision(y: np.ndarray, score: np.ndarray) -> float | None:
    """Average precision: sum over distinct score thresholds of (R_k - R_{k-1}) * P_k."""
    y = np.asarray(y, bool)
    n_pos = int(y.sum())
    if n_pos == 0:
        return None
    o = np.argsort(-np.asarray(score, float), kind="stable")
    s, yy = np.asarray(score, float)[o], y[o]
    tp = np.cumsum(yy)
    fp = np.cumsum(~yy)
    last = np.r_[np.nonzero(np.diff(s))[0], len(s) - 1]  # the last index of each tie group
    prec = tp[last] / (tp[last] + fp[last])
    rec = tp[last] / n_pos
    return float(np.sum(np.diff(np.r_[0.0, rec]) * prec))


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def evaluate(result_accounts: pa.Table | str | os.PathLike[str], truth: pa.Table | str | os.PathLike[str],
             *, threshold: float | None = None) -> dict[str, Any]:
    """Precision/recall/F1 of ``flagged``, ROC-AUC/AP of ``score``, recall per planted group and
    operation, false-positive rate per organic group; absent accounts count as not flagged."""
    res = load_result(result_accounts, threshold=threshold) if not isinstance(result_accounts, pa.Table) \
        else _normalise_result(result_accounts, threshold)
    tru = load_truth(truth) if not isinstance(truth, pa.Table) else truth
    t_ids = np.array([str(x) for x in tru.column("account_id").to_pylist()], dtype=object)
    label = np.asarray(tru.column("label").cast(pa.int64()).fill_null(0).to_numpy(zero_copy_only=False)) > 0
    group = np.array([str(x) if x is not None else ("planted" if lb else "organic")
                      for x, lb in zip(tru.column("group").to_pylist() if "group" in tru.column_names
                                       else [None] * len(t_ids), label, strict=True)], dtype=object)
    operation = (np.array([x if x is not None else "" for x in tru.column("operation").to_pylist()], dtype=object)
                 if "operation" in tru.column_names else None)
    r_ids = np.array(res.column("account_id").to_pylist(), dtype=object)
    r_score = res.column("score").to_numpy()
    r_flag = res.column("flagged").to_numpy(zero_copy_only=False)
    if len(set(r_ids.tolist())) != len(r_ids):
        raise ValueError("the result lists an account more than once")
    pos = {a: i for i, a in enumerate(r_ids.tolist())}
    idx = np.array([pos.get(a, -1) for a in t_ids.tolist()], dtype=np.int64)
    found = idx >= 0
    score = np.where(found, r_score[np.maximum(idx, 0)] if len(r_ids) else 0.0, 0.0)
    flagged = np.where(found, r_flag[np.maximum(idx, 0)] if len(r_ids) else False, False).astype(bool)
    tp = int((flagged & label).sum())
    fp = int((flagged & ~label).sum())
    fn = int((~flagged & label).sum())
    tn = int((~flagged & ~label).sum())
    precision = _ratio(tp, tp + fp)
    recall = _ratio(tp, tp + fn)
    f1 = (2 * precision * recall / (precision + recall)) if precision and recall else (0.0 if precision is not None and recall is not None else None)
    by_group_recall = {}
    by_group_fpr = {}
    for g in sorted(set(group.tolist())):
        m = group == g
        pos_m, neg_m = m & label, m & ~label
        if pos_m.any():
            by_group_recall[g] = {"accounts": int(pos_m.sum()), "flagged": int((flagged & pos_m).sum()),
                                  "recall": _ratio(int((flagged & pos_m).sum()), int(pos_m.sum()))}
        if neg_m.any():
            by_group_fpr[g] = {"accounts": int(neg_m.sum()), "flagged": int((flagged & neg_m).sum()),
                               "fpr": _ratio(int((flagged & neg_m).sum()), int(neg_m.sum()))}
    by_op = {}
    if operation is not None:
        for op in sorted(set(operation[label].tolist()) - {""}):
            m = label & (operation == op)
            by_op[op] = {"accounts": int(m.sum()), "flagged": int((flagged & m).sum()),
                         "recall": _ratio(int((flagged & m).sum()), int(m.sum()))}
    return {
        "accounts": len(t_ids),
        "planted": int(label.sum()),
        "flagged": int(flagged.sum()),
        "absent_from_result": int((~found).sum()),
        "result_accounts_not_in_truth": int(len(r_ids) - len(set(r_ids.tolist()) & set(t_ids.tolist()))),
        "tp": tp, "fp": fp, "fn": fn, "tn": tn,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "roc_auc": roc_auc(label, score),
        "average_precision": average_precision(label, score),
        "fpr": _ratio(fp, fp + tn),
        "recall_by_group": by_group_recall,
        "recall_by_operation": by_op,
        "fpr_by_group": by_group_fpr,
    }
