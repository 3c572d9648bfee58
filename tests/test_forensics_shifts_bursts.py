"""Work shifts and account-creation bursts on hand-built worlds with known answers."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from forensics_synth import EPOCH, accounts_table, local_times, posts_table, write_dataset
from unmask.engine import connect
from unmask.forensics import bursts, shifts


def _con(path, posts, accounts=None):
    ds = write_dataset(path, posts, accounts)
    con = connect()
    ds.register(con)
    return con


def test_three_eight_hour_shifts(tmp_path):
    rng = np.random.default_rng(2)
    ts, acc = [], []
    for s in range(3):
        hw = np.zeros(24)
        hw[s * 8:(s + 1) * 8] = 1
        for a in range(10):
            ts.append(local_times(rng, 120, offset=3, hour_weights=hw))
            acc += [f"s{s}a{a}"] * 120
    f = shifts(_con(tmp_path, posts_table(np.array(acc), np.concatenate(ts))), offset=3)
    s = f.summary
    assert s["shifts"] == 3
    assert sorted(h["hour_local"] for h in s["handovers"]) == [0, 8, 16]
    assert sorted(h["hour_utc"] for h in s["handovers"]) == [5, 13, 21]
    assert all(h["sharpness"] > 0.9 for h in s["handovers"])
    assert [r["accounts"] for r in s["shift_table"]] == [10, 10, 10]
    assert s["weekly_drift_hours"] < 1
    shift_of = dict(zip(f.table.column("account_id").to_pylist(), f.table.column("shift").to_pylist(), strict=True))
    assert {shift_of[f"s{s}a0"] for s in range(3)} == {0, 1, 2}
    assert f.plots["hour_shift"].num_rows == 72


def test_no_shifts_for_ordinary_humans(tmp_path):
    rng = np.random.default_rng(3)
    t = local_times(rng, 4000, offset=3)
    s = shifts(_con(tmp_path, posts_table(rng.integers(0, 30, len(t)), t)), offset=3).summary
    assert s["shifts"] == 1 and s["verdict"] == "no shift structure"


@pytest.fixture(scope="module")
def creation_world(tmp_path_factory):
    rng = np.random.default_rng(3)
    start = dt.datetime(2012, 1, 1, tzinfo=dt.UTC).timestamp()
    bg = start + rng.uniform(0, 5 * 365 * 86400, 5000)
    burst = dt.datetime(2015, 6, 1, tzinfo=dt.UTC).timestamp() + rng.uniform(0, 7 * 86400, 50)
    rows = [{"account_id": str(1000 + i), "handle": f"user{i}", "created_at": float(t), "description": f"me {i}"}
            for i, t in enumerate(bg)]
    rows += [{"account_id": str(9000 + i), "handle": f"anna{rng.integers(10**7, 10**8)}", "created_at": float(t),
              "default_profile": True, "description": "Patriot. Love my country"} for i, t in enumerate(burst)]
    path = tmp_path_factory.mktemp("creation")
    return _con(path, posts_table(np.array(["1000"]), np.array([start])), accounts_table(rows))


def test_creation_burst_is_found(creation_world):
    f = bursts(creation_world, [str(9000 + i) for i in range(50)], reps=199)
    s = f.summary
    assert s["burst"] is True and s["p_value"] <= 0.005
    w = s["burst_windows"][0]
    assert w["accounts"] == 50 and w["start"].startswith("2015-06-0") and w["p_local"] < 1e-50
    assert s["id_neighbourhoods"]["adjacent_pairs"] == 49
    assert s["profile_patterns"]["handle_name_8_digits"]["group_share"] == 1.0
    assert s["reused_profile_fields"][0] == {"field": "description", "value": "patriot. love my country", "accounts": 50}
    assert all(f.table.column("in_burst_window").to_pylist())
    hist = f.plots["creation_histogram"]
    assert sum(hist.column("group_accounts").to_pylist()) == 50


def test_uniform_creation_is_no_burst(creation_world):
    ids = [str(1000 + i) for i in np.random.default_rng(0).choice(5000, 50, replace=False)]
    s = bursts(creation_world, ids, reps=199).summary
    assert s["burst"] is False and s["p_value"] > 0.05
    assert s["profile_patterns"]["handle_name_8_digits"]["group_share"] == 0.0


def test_small_background_falls_back_to_uniform(tmp_path):
    rng = np.random.default_rng(4)
    t0 = EPOCH.timestamp()
    rows = [{"account_id": f"a{i}", "created_at": t0 + float(x)} for i, x in enumerate(rng.uniform(0, 2 * 86400, 20))]
    rows += [{"account_id": f"b{i}", "created_at": t0 + float(x)} for i, x in enumerate(rng.uniform(0, 900 * 86400, 10))]
    con = _con(tmp_path, posts_table(np.array(["a0"]), np.array([t0])), accounts_table(rows))
    s = bursts(con, None, reps=99).summary
    assert s["background"].startswith("uniform") and s["burst"] is True


def test_schedulers_every_few_hours_are_not_shifts(tmp_path):
    # accounts posting every 3 hours at their own phase: sub-groups by hour, but interleaved
    rng = np.random.default_rng(4)
    t = np.concatenate([EPOCH.timestamp() + p + np.arange(0, 56 * 86400, 3 * 3600) + rng.normal(0, 60, 448)
                        for p in rng.uniform(0, 3 * 3600, 20)])
    s = shifts(_con(tmp_path, posts_table(np.repeat(np.arange(20), 448), t))).summary
    assert s["handovers"] == [] and "not shifts" in s["verdict"]


def test_organic_control_is_not_a_burst(tmp_path):
    # group and background drawn from one creation-date distribution (log-uniform age, sparse in
    # the past): the null must not make sparse dates look like bursts
    rng = np.random.default_rng(8)
    now = EPOCH.timestamp()
    ages = np.exp(rng.uniform(np.log(30), np.log(15 * 365), 3000)) * 86400
    acc = accounts_table([{"account_id": f"a{i}", "created_at": now - a} for i, a in enumerate(ages)])
    posts = posts_table(np.array([f"a{i}" for i in range(3000)]), np.full(3000, now))
    con = _con(tmp_path, posts, acc)
    sel = [[f"a{i}" for i in rng.choice(3000, 600, replace=False)] for _ in range(5)]
    ps = [bursts(con, s, reps=199).summary["p_value"] for s in sel]
    assert min(ps) > 0.01  # a null drawn with replacement from the background gave 0.005 here
