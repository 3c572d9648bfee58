"""Forensics against a simulator world's truth (skipped where the simulator is not installed)."""

from __future__ import annotations

import json

import numpy as np
import pyarrow.parquet as pq
import pytest

from unmask.dataset import Dataset
from unmask.engine import connect
from unmask.forensics import automation, bursts, persona, shifts, timezone
from unmask.forensics._common import circ_dist


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    sim = pytest.importorskip("unmask.simulate")
    out = tmp_path_factory.mktemp("sim")
    sim.simulate(out, seed=2, profile="small")
    con = connect()
    Dataset.open(out / "dataset").register(con)
    truth = pq.read_table(out / "truth" / "accounts.parquet").to_pylist()
    ops = json.loads((out / "truth" / "operations.json").read_text())["operations"]
    return con, truth, ops, out


def test_organic_region_offsets(world):
    con, truth, _, _ = world
    regions: dict[str, list[dict]] = {}
    for r in truth:
        if r["group"] == "organic":
            regions.setdefault(r["region"], []).append(r)
    ok = []
    for rows in regions.values():
        if sum(r["posts"] for r in rows) >= 200:
            s = timezone(con, [r["account_id"] for r in rows], bootstrap=30).summary
            ok.append(circ_dist(s["offset"], rows[0]["utc_offset_h"]) <= 1)
    assert len(ok) >= 8 and all(ok)


def test_farm_shifts_bursts_and_benign_automation(world):
    con, truth, ops, _ = world
    farm = ops["shift_farm"]
    fids = [r["account_id"] for r in truth if r["group"] == "shift_farm"]
    sh = shifts(con, fids, offset=round(farm["utc_offset_h"])).summary
    assert sh["shifts"] == 3
    assert sorted(h["hour_local"] for h in sh["handovers"]) == sorted(int(x) % 24 for x in farm["shift_start_local_h"])
    assert bursts(con, fids, reps=199).summary["burst"] is True
    bots = [r["account_id"] for r in truth if r["group"] == "botnet"]
    ben = ops["benign_automation"]["accounts"]
    v = {r["account_id"]: r["verdict"] for r in automation(con, ben + bots, coordinated=bots).table.to_pylist()}
    assert all(v[a] == "automated: benign (declared/scheduled)" for a in ben)
    assert all(v[a] == "automated: in coordinated group" for a in bots)


def test_persona_is_not_one_author(world):
    con, _, _, out = world
    pp = pq.read_table(out / "truth" / "persona_posts.parquet").to_pylist()
    writers: dict[str, set[int]] = {}
    for r in pp:
        writers.setdefault(r["account_id"], set()).add(r["operator_id"])
    for acc, w in writers.items():  # 9 writers each, about 35 posts apiece in the small world
        s = persona(con, acc).summary
        assert s["single_author_rejected"] and np.isfinite(s["p_single_author"])
        assert len(w) // 2 <= s["authors"] <= len(w) + 2


def test_operation_clocks(world):
    # the farm's three shifts keep no night trough, but hand-overs and its weekend place it;
    # the botnet posts on a 24/7 schedule and gets no offset at all
    con, truth, ops, _ = world
    farm = ops["shift_farm"]
    s = timezone(con, [r["account_id"] for r in truth if r["group"] == "shift_farm"], bootstrap=30).summary
    assert s["source"] == "calendar + shift hand-overs"
    assert circ_dist(s["offset"], farm["utc_offset_h"]) <= 1
    b = timezone(con, [r["account_id"] for r in truth if r["group"] == "botnet"], bootstrap=30).summary
    assert b["offset"] is None and b["rhythm"].startswith("not human rhythm")


def _same(a, b) -> bool:
    """Findings equal in summary, table and plots (NaN equal to NaN)."""
    def norm(o):
        return json.loads(json.dumps(o, default=str).replace("NaN", "null"))
    return (norm(a.summary) == norm(b.summary) and a.table.equals(b.table)
            and a.plots.keys() == b.plots.keys() and all(a.plots[k].equals(b.plots[k]) for k in a.plots))


def test_hourly_table_gives_the_same_findings(world):
    """Inside post_hours the time-of-day analyses read one hourly table instead of the posts: the
    findings are the same, group after group, in whatever order the groups come."""
    from unmask.forensics._common import post_hours

    con, truth, _, _ = world
    groups = [[r["account_id"] for r in truth if r["group"] == g] for g in ("shift_farm", "botnet", "organic")]
    plain = [(timezone(con, g, bootstrap=30), shifts(con, g, offset=3)) for g in groups]
    with post_hours(con):
        for _ in range(2):  # the second round finds its groups' tables cached
            for g, (tz, sh) in zip(groups, plain, strict=True):
                assert _same(timezone(con, g, bootstrap=30), tz)
                assert _same(shifts(con, g, offset=3), sh)
    assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'fx_hours_all'").fetchall()[0][0] == 0


def test_automation_is_the_same_on_every_run(world):
    con, truth, _, _ = world
    ids = [r["account_id"] for r in truth]
    a, b = automation(con, ids), automation(con, ids)
    assert a.table.equals(b.table) and a.plots["gap_histogram"].equals(b.plots["gap_histogram"])
