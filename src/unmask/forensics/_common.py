"""Shared plumbing of the forensics stage: the group scope, the result type, small helpers."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

__all__ = ["Finding", "forget_group", "hours", "post_hours", "scope", "table_from_rows"]


@dataclass
class Finding:
    """One analysis' answer: a headline ``summary``, an evidence ``table`` and the ``plots`` data.

    Every number behind a verdict is in ``summary`` or ``table``; ``plots`` holds the small arrays a
    report draws (hour × weekday matrix, fitted curve, creation histogram), all Parquet-ready.
    """

    analysis: str
    summary: dict[str, Any]
    table: pa.Table
    plots: dict[str, pa.Table] = field(default_factory=dict)

    def write(self, out_dir: str | Path) -> list[Path]:
        """Write ``<analysis>.parquet``, ``<analysis>_<plot>.parquet`` and ``<analysis>.json``."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths = [out / f"{self.analysis}.parquet"]
        pq.write_table(self.table, paths[0])
        for name, t in self.plots.items():
            p = out / f"{self.analysis}_{name}.parquet"
            pq.write_table(t, p)
            paths.append(p)
        j = out / f"{self.analysis}.json"
        j.write_text(json.dumps(self.summary, indent=2, default=_jsonable) + "\n", encoding="utf-8")
        paths.append(j)
        return paths


def _jsonable(o: Any) -> Any:
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return None if not np.isfinite(o) else float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)


def scope(con: duckdb.DuckDBPyConnection, accounts: Sequence[str] | None, name: str = "fx_posts") -> str:
    """Create the temp view ``name`` of the posts of ``accounts`` (all posts when None) and return it.

    The group is kept in the temp table ``fx_group(account_id)`` so every query joins, never loops.
    """
    if accounts is None:
        forget_group(con)
        con.execute("CREATE OR REPLACE TEMP TABLE fx_group AS SELECT DISTINCT account_id FROM posts")
    else:
        ids = [str(a) for a in accounts]
        digest = hashlib.sha1("\0".join(sorted(ids)).encode()).digest()
        if id(con) in _HOURLY and _GROUP.get(id(con)) == digest and _VIEWS.get(id(con)) == name:
            return name  # the same group again, inside post_hours (the posts do not change there)
        forget_group(con)
        con.register("fx_group_arrow", pa.table({"account_id": pa.array(ids, pa.string())}))
        con.execute("CREATE OR REPLACE TEMP TABLE fx_group AS SELECT DISTINCT account_id FROM fx_group_arrow")
        con.unregister("fx_group_arrow")
        _GROUP[id(con)] = digest
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {name} AS "
        "SELECT p.* FROM posts p WHERE p.account_id IN (SELECT account_id FROM fx_group)"
    )
    _VIEWS[id(con)] = name
    return name


#: The UTC hour a post falls in (a TIMESTAMP truncated to the hour).
_HOUR = "date_trunc('hour', created_at AT TIME ZONE 'UTC')"
#: Connections inside :func:`post_hours`: their hourly table of all posts stands in for the posts,
#: and which group's counts ``fx_hours`` holds now (None: none known).
_HOURLY: dict[int, bytes | None] = {}
#: The group :func:`scope` last put in ``fx_group`` on a connection (a digest of its ids), and the
#: view it last made of that group's posts.
_GROUP: dict[int, bytes] = {}
_VIEWS: dict[int, str] = {}


@contextmanager
def post_hours(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Count every account's posts per UTC hour once, for all the group analyses run inside.

    The time-of-day analyses (:func:`~unmask.forensics.timezone`, :func:`~unmask.forensics.shifts`)
    only count posts per account and hour; inside this block :func:`hours` takes a group's counts
    out of the one table made here instead of scanning the posts again for every group and query.
    The ``posts`` view must not change inside the block.
    """
    con.execute(f"CREATE OR REPLACE TEMP TABLE fx_hours_all AS SELECT account_id, {_HOUR} AS hr, count(*) AS n "
                "FROM posts GROUP BY ALL")
    _HOURLY[id(con)] = None
    try:
        yield
    finally:
        _HOURLY.pop(id(con), None)
        forget_group(con)
        con.execute("DROP TABLE IF EXISTS fx_hours_all")


def hours(con: duckdb.DuckDBPyConnection, name: str = "fx_hours") -> str:
    """Create the temp table ``name(account_id, hr, n)``: posts of the group in ``fx_group`` (see
    :func:`scope`) per account and UTC hour (``hr``, a TIMESTAMP); return its name.

    Inside :func:`post_hours` a group's table is kept while the analyses of that same group follow
    each other (time zone, its shift check, shifts).
    """
    cached = id(con) in _HOURLY
    group = _GROUP.get(id(con))
    if cached and name == "fx_hours" and group is not None and _HOURLY[id(con)] == group:
        return name
    src = ("fx_hours_all WHERE account_id IN (SELECT account_id FROM fx_group)" if cached else
           f"(SELECT account_id, {_HOUR} AS hr, count(*) AS n FROM posts "
           "WHERE account_id IN (SELECT account_id FROM fx_group) GROUP BY ALL)")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT account_id, hr, n FROM {src}")
    if cached and name == "fx_hours":
        _HOURLY[id(con)] = group
    return name


def forget_group(con: duckdb.DuckDBPyConnection) -> None:
    """Say that ``fx_group`` on ``con`` is about to hold a group :func:`scope` did not record."""
    _GROUP.pop(id(con), None)
    _VIEWS.pop(id(con), None)


def table_from_rows(rows: Iterable[dict[str, Any]], schema: pa.Schema | None = None) -> pa.Table:
    """A pyarrow table from a list of dicts (empty but typed when ``schema`` is given)."""
    rows = list(rows)
    if not rows:
        return schema.empty_table() if schema is not None else pa.table({})
    return pa.Table.from_pylist(rows, schema=schema)


def circ_dist(a: float, b: float, period: float = 24.0) -> float:
    """Distance between two points on a circle of ``period``."""
    d = abs(a - b) % period
    return min(d, period - d)
