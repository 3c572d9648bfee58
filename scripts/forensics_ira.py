"""Time zone, calendar and shifts of the IRA troll accounts in ../shared/data/ira.

``publish_date`` has no stated zone; it is read *as if* UTC, so the inferred offset is relative to
whatever zone the timestamps are really in: if the operators sat in St Petersburg (UTC+3, no DST
since 2014), an inferred offset of +3 means the timestamps are UTC; an inferred offset of
+3 - z means they are in UTC+z (e.g. -4/-5 → +7/+8 h apart, US Eastern would give about -2 … -1).

    .venv/bin/python scripts/forensics_ira.py [--data ../shared/data/ira] [-o DIR]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import duckdb

from unmask.engine import connect
from unmask.forensics import shifts, timezone

ROOT = Path(__file__).resolve().parents[1]


def register_ira(con: duckdb.DuckDBPyConnection, data: Path) -> None:
    """Views ``posts`` (publish_date read as UTC) and ``accounts`` (category, no location) on ``con``."""
    f = (data / "tweets.csv.gz").as_posix()
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE posts AS
            SELECT 'twitter' AS platform, CAST(row_number() OVER () AS VARCHAR) AS post_id, author_id AS account_id,
                   strptime(publish_date, '%Y-%m-%d %H:%M:%S') AT TIME ZONE 'UTC' AS created_at,
                   CASE post_type WHEN 'R' THEN 'repost' WHEN 'Q' THEN 'quote' ELSE 'post' END AS kind,
                   content AS text, CAST(NULL AS VARCHAR) AS client,
                   CAST(NULL AS VARCHAR) AS reposted_post_id, CAST(NULL AS VARCHAR) AS replied_post_id,
                   CAST(NULL AS VARCHAR) AS quoted_post_id, CAST([] AS VARCHAR[]) AS urls
            FROM read_csv('{f}', all_varchar=true)"""
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP VIEW accounts AS
            SELECT author_id AS account_id, any_value(account_category) AS category,
                   CAST(NULL AS VARCHAR) AS location FROM read_csv('{(data / 'authors.csv').as_posix()}', all_varchar=true)
            GROUP BY 1"""
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "ira")
    ap.add_argument("-o", "--output", type=Path, default=None)
    a = ap.parse_args()
    con = connect()
    register_ira(con, a.data)
    groups: dict[str, list[str] | None] = {"all": None}
    for (cat,) in con.execute("SELECT DISTINCT category FROM accounts WHERE category IS NOT NULL ORDER BY 1").fetchall():
        ids = [r[0] for r in con.execute("SELECT account_id FROM accounts WHERE category = ?", [cat]).fetchall()]
        groups[cat] = ids
    keys = ("posts", "accounts", "offset", "offset_ci", "template", "human_share", "r", "night_trough_ratio",
            "verdict", "rhythm", "source", "rhythm_offset", "calendar_offset", "calendar_lr", "weekend",
            "weekend_ratio", "dst")
    report = {}
    for name, ids in groups.items():
        tz = timezone(con, ids)
        sh = shifts(con, ids, offset=int(tz.summary.get("offset") or 0))
        report[name] = {"timezone": {k: tz.summary.get(k) for k in keys},
                        "closures": tz.summary.get("closures", [])[:15],
                        "monthly_offsets": tz.summary.get("monthly_offsets"),
                        "shifts": {k: sh.summary.get(k) for k in ("verdict", "shifts", "silhouette", "handovers",
                                                                  "shift_table", "weekly_drift_hours")}}
        if a.output:
            for f in (tz, sh):
                f.write(a.output / name)
        print(name, json.dumps(report[name]["timezone"], default=str))
        print("   shifts:", sh.summary.get("verdict"), "handovers:", [(h["hour_local"], round(h["sharpness"], 2)) for h in sh.summary.get("handovers", [])])
    if a.output:
        (a.output / "ira_forensics.json").write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
