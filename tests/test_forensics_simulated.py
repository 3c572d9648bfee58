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
    acc = pq.read_table(out / "truth" / "persona_posts.parquet").column("account_id").to_pylist()[0]
    s = persona(con, acc).summary
    assert s["single_author_rejected"] and s["authors"] >= 2
    assert np.isfinite(s["p_single_author"])
