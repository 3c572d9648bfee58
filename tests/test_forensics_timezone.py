"""Operator time zone and calendar on hand-built worlds with known answers."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from forensics_synth import EPOCH, accounts_table, local_times, posts_table, write_dataset
from unmask.engine import connect
from unmask.forensics import timezone
from unmask.forensics.locations import claimed_offset
from unmask.forensics.timezone import FLAT, fit_offset

SAT_SUN = [1, 1, 1, 1, 1, 0.1, 0.1]
FRI_SAT = [1, 1, 1, 1, 0.1, 0.1, 1]


def _con(tmp_path, posts, accounts=None):
    ds = write_dataset(tmp_path, posts, accounts)
    con = connect()
    ds.register(con)
    return con


@pytest.mark.parametrize("offset", [-8, -5, 0, 3, 5, 9])
def test_human_rhythm_offset_within_one_hour(tmp_path, offset):
    rng = np.random.default_rng(100 + offset)
    t = local_times(rng, 400, offset=offset, weekday_weights=SAT_SUN)
    f = timezone(_con(tmp_path, posts_table(rng.integers(0, 8, len(t)), t)))
    s = f.summary
    assert abs(((s["offset"] - offset + 12) % 24) - 12) <= 1
    assert s["offset_ci"][0] <= s["offset"] <= s["offset_ci"][1]
    assert s["verdict"] == "human"
    assert {"hour_weekday", "fitted_curve", "daily"} <= set(f.plots)
    assert f.plots["hour_weekday"].column("posts").to_numpy().sum() == 400


def test_flat_activity_is_not_human(tmp_path):
    rng = np.random.default_rng(1)
    t = EPOCH.timestamp() + rng.uniform(0, 84 * 86400, 3000)
    s = timezone(_con(tmp_path, posts_table(rng.integers(0, 5, 3000), t))).summary
    assert s["verdict"] == FLAT
    assert s["human_share"] <= 0.25


@pytest.mark.parametrize(("weights", "expected"), [(SAT_SUN, "Sat-Sun"), (FRI_SAT, "Fri-Sat"),
                                                    ([1, 1, 1, 1, 0.1, 1, 1], "Fri"),
                                                    ([1] * 7, "none")])
def test_weekend_detection(tmp_path, weights, expected):
    rng = np.random.default_rng(7)
    t = local_times(rng, 3000, offset=3.5 if expected == "Fri" else 3, weekday_weights=weights)
    s = timezone(_con(tmp_path, posts_table(rng.integers(0, 20, len(t)), t))).summary
    assert s["weekend"] == expected


def test_closure_on_a_holiday(tmp_path):
    rng = np.random.default_rng(3)
    t = local_times(rng, 6000, offset=3, weekday_weights=SAT_SUN)
    local_day = ((t + 3 * 3600 - EPOCH.timestamp()) // 86400).astype(int)
    t = t[local_day != 23]  # Wednesday 2017-01-25 local: office closed
    s = timezone(_con(tmp_path, posts_table(rng.integers(0, 20, len(t)), t))).summary
    assert [c["date"] for c in s["closures"]] == ["2017-01-25"]


def test_daylight_saving_shift(tmp_path):
    rng = np.random.default_rng(5)
    parts = []
    for m in range(1, 13):
        start = dt.datetime(2017, m, 1, tzinfo=dt.UTC)
        off = 2 if m in (4, 5, 6, 7, 8, 9, 10) else 1  # Central European time
        parts.append(local_times(rng, 600, days=28, offset=off, start=start))
    t = np.concatenate(parts)
    s = timezone(_con(tmp_path, posts_table(rng.integers(0, 20, len(t)), t))).summary
    assert s["dst"]["kind"] == "northern-hemisphere DST"
    assert s["dst"]["winter_offset"] == 1


def test_claimed_location_mismatch(tmp_path):
    rng = np.random.default_rng(9)
    t = local_times(rng, 2000, offset=1)  # a Tirana office week (UTC+1)
    ids = rng.integers(0, 4, len(t))
    acc = accounts_table([{"account_id": str(i), "location": "Tehran, Iran"} for i in range(4)])
    f = timezone(_con(tmp_path, posts_table(ids, t), acc), min_account_posts=300)
    assert f.summary["location_mismatch"] is True
    assert f.summary["claimed_offset_mode"] == 3.5
    assert all(f.table.column("mismatch").to_pylist())


def test_gazetteer():
    assert claimed_offset("St Petersburg, Russia")[0] == 3
    assert claimed_offset("Atlanta, GA")[0] == -5
    assert claimed_offset("somewhere nice") == (None, None)


def test_fit_offset_vectorised():
    rng = np.random.default_rng(0)
    from forensics_synth import HUMAN
    rows = [np.bincount((rng.choice(24, 500, p=HUMAN / HUMAN.sum()) - o) % 24, minlength=24) for o in (0, 4, -6)]
    got = fit_offset(np.array(rows))["offset"]
    assert all(abs(g - o) <= 1 for g, o in zip(got, (0, 4, -6), strict=True))


@pytest.mark.parametrize("offset", [-5, 3, 8])
def test_round_the_clock_shift_farm_offset_from_calendar_and_handovers(tmp_path, offset):
    from forensics_synth import shift_farm_times
    rng = np.random.default_rng(20 + offset)
    acc, t = shift_farm_times(rng, offset)
    s = timezone(_con(tmp_path, posts_table(acc, t))).summary
    assert s["verdict"] == FLAT  # no night trough: the daily curve alone cannot place it
    assert s["source"] == "calendar + shift hand-overs"
    assert abs(((s["offset"] - offset + 12) % 24) - 12) <= 1
    assert sorted((h + offset) % 24 for h in s["handovers_utc"]) == [7, 15, 23]
    assert s["weekend"] == "Sat-Sun"
    assert [c["date"] for c in s["closures"]] == [str((EPOCH + dt.timedelta(days=30)).date())]


@pytest.mark.parametrize("offset", [-6, 2])
def test_round_the_clock_account_offset_from_its_calendar(tmp_path, offset):
    # one account written around the clock, quieter at weekends, closed on two local dates
    rng = np.random.default_rng(40 + offset)
    t = EPOCH.timestamp() + rng.uniform(0, 56 * 86400, 56 * 36)
    local_day = ((t + offset * 3600 - EPOCH.timestamp()) // 86400).astype(int)
    weekend = np.isin((local_day + EPOCH.weekday()) % 7, (5, 6))
    t = t[~np.isin(local_day, (17, 38)) & ~(weekend & (rng.random(len(t)) < 0.4))]
    s = timezone(_con(tmp_path, posts_table(np.zeros(len(t), int), t))).summary
    assert s["source"] == "calendar" and s["rhythm"] == "round-the-clock with a human calendar"
    assert abs(((s["offset"] - offset + 12) % 24) - 12) <= 1
    assert len(s["closures"]) == 2


def test_flat_schedule_without_calendar_gets_no_offset(tmp_path):
    # a 24/7 scheduler: every 3 hours ± 1 minute, weekends and holidays alike
    rng = np.random.default_rng(4)
    t = np.concatenate([EPOCH.timestamp() + p + np.arange(0, 56 * 86400, 3 * 3600) + rng.normal(0, 60, 448)
                        for p in rng.uniform(0, 3 * 3600, 20)])
    s = timezone(_con(tmp_path, posts_table(np.repeat(np.arange(20), 448), t))).summary
    assert s["verdict"] == FLAT and s["offset"] is None and s["offset_ci"] is None
    assert s["rhythm"].startswith("not human rhythm")
