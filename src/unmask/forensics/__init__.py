"""Behavioural forensics: who is behind a group of accounts, and how it is run.

Each analysis takes a DuckDB connection with the dataset's ``posts`` / ``accounts`` views (see
:meth:`unmask.dataset.Dataset.register`) and one account or any group of account ids, and returns a
:class:`Finding`: a headline summary, an evidence table and the plot data, all Parquet-ready.

- :func:`timezone` — operator UTC offset, human-rhythm fit, weekend, closures, DST, claimed location
- :func:`shifts` — sub-groups covering the day with sharp hand-over hours, and their stability
- :func:`bursts` — account-creation bursts (scan statistic), id neighbourhoods, default profiles
- :func:`automation` — per-account automation traces; benign declared vs coordinated automation
- :func:`profile_score` — a small profile-only bot score shipped as JSON
- :func:`persona` / :func:`shared_hands` — how many hands write one account; accounts sharing a hand
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from unmask.forensics._common import Finding
from unmask.forensics.automation import automation
from unmask.forensics.bursts import bursts
from unmask.forensics.persona import persona, shared_hands
from unmask.forensics.profile_score import profile_score
from unmask.forensics.shifts import shifts
from unmask.forensics.timezone import timezone

__all__ = [
    "Finding",
    "automation",
    "bursts",
    "persona",
    "profile_score",
    "read_clusters",
    "run_all",
    "shared_hands",
    "shifts",
    "timezone",
]


def read_clusters(path: str | Path) -> dict[str, list[str]]:
    """Groups from a coordination-stage ``clusters.parquet`` (columns ``cluster_id``, ``members``)."""
    t = pq.read_table(path)
    missing = {"cluster_id", "members"} - set(t.column_names)
    if missing:
        raise ValueError(f"{path}: not a clusters table (missing {', '.join(sorted(missing))})")
    return {str(c): [str(m) for m in (ms or [])] for c, ms in
            zip(t.column("cluster_id").to_pylist(), t.column("members").to_pylist(), strict=True)}


def run_all(
    con: duckdb.DuckDBPyConnection,
    accounts: Sequence[str] | None = None,
    *,
    coordinated: Sequence[str] | None = None,
    personas: int = 3,
    persona_min_posts: int = 300,
) -> list[Finding]:
    """Every analysis on one group: time zone → shifts (in the inferred local time) → bursts →
    automation → profile score → shared hands → personas of the ``personas`` busiest accounts."""
    tz = timezone(con, accounts)
    offset = int(tz.summary.get("offset") or 0)
    sh = shifts(con, accounts, offset=offset)
    out = [tz, sh, bursts(con, accounts), automation(con, accounts, coordinated=coordinated),
           profile_score(con, accounts), shared_hands(con, accounts)]
    handovers = [h["hour_utc"] for h in sh.summary.get("handovers", [])]
    busiest = tz.table.sort_by([("posts", "descending")]).slice(0, personas).to_pylist() if tz.table.num_rows else []
    for row in busiest:
        if row["posts"] >= persona_min_posts:
            f = persona(con, row["account_id"], handover_hours=handovers or None)
            f.analysis = f"persona_{_safe(row['account_id'])}"
            out.append(f)
    return out


def _safe(s: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in s)[:60]
