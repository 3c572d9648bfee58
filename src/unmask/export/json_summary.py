"""``summary.json`` (what was found, with the result's own summary and counts), the dossiers as
``evidence/{accounts,clusters}/*.json`` with ``evidence/index.json``, and the forensic summaries
as ``forensics/cluster_<id>/<analysis>.json``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.compute as pc

from unmask import __version__

__all__ = ["counts", "write"]


def _dump(path: Path, obj: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=1, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    return path


def counts(src) -> dict[str, Any]:
    """Accounts, flagged accounts, clusters and the number of each verdict; rows per table."""
    out: dict[str, Any] = {"tables": {n: src.result.num_rows(n) for n in src.result.table_names()}}
    acc = src.table("accounts")
    out["accounts"] = acc.num_rows
    if "flagged" in acc.column_names:
        out["flagged"] = int(pc.sum(acc.column("flagged").fill_null(False)).as_py() or 0)
    for name in ("accounts", "clusters"):
        t = src.table(name)
        if t is not None and "verdict" in t.column_names:
            vc = pc.value_counts(t.column("verdict")).to_pylist()
            out[f"{name}_by_verdict"] = {str(x["values"]): x["counts"] for x in vc}
    cl = src.table("clusters")
    out["clusters"] = cl.num_rows if cl is not None else 0
    return out


def write(src, out: Path) -> list[Path]:
    """Write the summary, dossiers and forensic summaries into ``out``."""
    paths = []
    index = []
    for kind, key, rel, doss in src.dossiers():
        paths.append(_dump(out / rel, doss))
        index.append({"kind": kind, "id": key, "path": rel})
    if index:
        paths.append(_dump(out / "evidence" / "index.json", index))
    for key, summ in src.forensics_summaries():
        paths.append(_dump(out / "forensics" / f"{key}.json", summ))
    summary = {
        "export": {"tool": "unmask", "tool_version": __version__, "pseudonymized": src.pseudo is not None,
                   "missing": src.result.missing},
        "counts": counts(src),
        "result": src.summary,
    }
    paths.insert(0, _dump(out / "summary.json", summary))
    return paths
