"""Automation (benign vs coordinated), persona authorship and shared writing hands."""

from __future__ import annotations

import numpy as np
import pytest

from forensics_synth import EPOCH, local_times, make_style, posts_table, write_dataset, write_post
from unmask.engine import connect
from unmask.forensics import automation, persona, shared_hands


def _con(path, posts):
    ds = write_dataset(path, posts)
    con = connect()
    ds.register(con)
    return con


@pytest.fixture(scope="module")
def bots(tmp_path_factory):
    rng = np.random.default_rng(4)
    t0, n = EPOCH.timestamp(), 1500
    news = t0 + np.arange(n) * 900 + rng.integers(0, 5, n)  # every 15 min, one client, links
    farm = [t0 + np.arange(n) * 600 + rng.integers(0, 20, n) + k * 7 for k in range(2)]  # reposts, 2 clients
    human = local_times(rng, 500, offset=1)
    t = np.concatenate([news, *farm, human])
    acc = ["news"] * n + ["farm0"] * n + ["farm1"] * n + ["human"] * 500
    kind = ["post"] * n + ["repost"] * (2 * n) + list(rng.choice(["post", "repost", "reply"], 500))
    client = (["Feedly"] * n + list(rng.choice(["Twitter Web Client", "TweetDeck"], 2 * n))
              + list(rng.choice(["Twitter for iPhone", "Twitter Web Client"], 500, p=[0.8, 0.2])))
    urls = [[f"https://news.example/{i}"] for i in range(n)] + [[]] * (2 * n + 500)
    return _con(tmp_path_factory.mktemp("bots"), posts_table(np.array(acc), t, kind=kind, client=client, urls=urls))


def test_benign_vs_coordinated_automation(bots):
    f = automation(bots, coordinated=["farm0", "farm1"])
    v = dict(zip(f.table.column("account_id").to_pylist(), f.table.column("verdict").to_pylist(), strict=True))
    assert v["news"] == "automated: benign (declared/scheduled)"
    assert v["farm0"] == v["farm1"] == "automated: in coordinated group"
    assert v["human"] == "not automated"
    news = {r["account_id"]: r for r in f.table.to_pylist()}["news"]
    assert news["gap_cv"] < 0.05 and news["modal_gap_min"] == 15 and news["top_client_share"] == 1.0
    assert f.plots["gap_histogram"].num_rows > 0


def test_uncoordinated_farm_bot_is_unexplained_not_benign(bots):
    f = automation(bots, ["farm0", "news"])
    v = dict(zip(f.table.column("account_id").to_pylist(), f.table.column("verdict").to_pylist(), strict=True))
    assert v == {"farm0": "automated: unexplained", "news": "automated: benign (declared/scheduled)"}


@pytest.fixture(scope="module")
def personas(tmp_path_factory):
    rng = np.random.default_rng(10)
    styles = [make_style(rng) for _ in range(5)]
    n = 1000
    t = EPOCH.timestamp() + np.sort(rng.uniform(0, 14 * 86400, n))
    turn = ((t - EPOCH.timestamp()) // (8 * 3600)).astype(int) % 5  # 8-hour turns at 0, 8, 16 UTC
    texts = [write_post(rng, styles[b]) for b in turn] + [write_post(rng, styles[0]) for _ in range(n)]
    return _con(tmp_path_factory.mktemp("persona"),
                posts_table(np.array(["many"] * n + ["one"] * n), np.concatenate([t, t]), text=texts))


def test_persona_written_by_five_hands(personas):
    f = persona(personas, "many", handover_hours=[0, 8, 16])
    s = f.summary
    assert s["single_author_rejected"] and s["authors"] == 5
    assert s["changes_at_handover_share"] > 1.5 * s["posts_at_handover_share"]
    assert f.table.num_rows == 1000 and set(f.table.column("author").to_pylist()) == set(range(5))


def test_persona_single_author(personas):
    s = persona(personas, "one").summary
    assert not s["single_author_rejected"] and s["authors"] == 1


def test_shared_writing_hands(tmp_path):
    rng = np.random.default_rng(7)
    styles = [make_style(rng) for _ in range(12)]
    owners = {f"a{i}": 0 for i in range(3)} | {f"b{i}": 1 for i in range(3)} | {f"u{i}": 2 + i for i in range(10)}
    acc, txt = [], []
    for a, s in owners.items():
        for _ in range(60):
            acc.append(a)
            txt.append(write_post(rng, styles[s]))
    t = EPOCH.timestamp() + rng.uniform(0, 30 * 86400, len(acc))
    s = shared_hands(_con(tmp_path, posts_table(np.array(acc), t, text=txt))).summary
    assert sorted(map(sorted, s["shared_hands"])) == [["a0", "a1", "a2"], ["b0", "b1", "b2"]]


HABITS = [  # seven operators: each differs from every other in at least two habits
    {"case": "normal", "opening": "honestly", "closing": "", "punct": "!!", "emoji": "🔥"},
    {"case": "lower", "opening": "", "closing": "just saying", "punct": ".", "emoji": ""},
    {"case": "upper", "opening": "", "closing": "", "punct": "?!", "emoji": "👉"},
    {"case": "normal", "opening": "", "closing": "folks", "punct": "!", "emoji": "🙏"},
    {"case": "normal", "opening": "wake up", "closing": "", "punct": "...", "emoji": "😡"},
    {"case": "lower", "opening": "", "closing": "", "punct": "!!!", "emoji": "💯"},
    {"case": "normal", "opening": "", "closing": "no joke", "punct": "...", "emoji": "👇"},
]


@pytest.fixture(scope="module")
def habit_personas(tmp_path_factory):
    # a persona written around the clock: each post by a random one of the operators on duty
    # (shifts of three, two and two operators), not in runs; and one author whose habits vary at
    # random, independently of each other and of the hour
    from forensics_synth import habit_post
    rng = np.random.default_rng(12)
    plain = make_style(rng)
    n = 1400
    t = EPOCH.timestamp() + np.sort(rng.uniform(0, 28 * 86400, n))
    shift = ((t - EPOCH.timestamp()) % 86400 // (8 * 3600)).astype(int)
    on_duty = [[0, 1, 2], [3, 4], [5, 6]]
    ops = np.array([on_duty[s][rng.integers(len(on_duty[s]))] for s in shift])
    many = [habit_post(rng, write_post(rng, plain), HABITS[o]) for o in ops]
    one = [habit_post(rng, write_post(rng, plain), {"case": "normal", "opening": "", "closing": "",
                                                    "punct": str(rng.choice(["!", "!!", "."])),
                                                    "emoji": str(rng.choice(["🔥", "", "🙏"]))}) for _ in range(n)]
    con = _con(tmp_path_factory.mktemp("habits"),
               posts_table(np.array(["many"] * n + ["one"] * n), np.concatenate([t, t]), text=many + one))
    return con, ops


def test_persona_hands_counted_from_habits(habit_personas):
    con, ops = habit_personas
    f = persona(con, "many")
    s = f.summary
    assert s["single_author_rejected"] and s["p_single_author_habits"] <= 0.01
    assert s["authors"] == 7 and s["clustered"] == "habits"
    # each found author is one operator (posts are in time order in both)
    lab = np.array(f.table.column("author").to_pylist())
    purity = sum(np.bincount(ops[lab == a]).max() for a in np.unique(lab)) / len(ops)
    assert purity > 0.95


def test_independent_habits_are_one_author(habit_personas):
    con, _ = habit_personas
    s = persona(con, "one").summary
    assert s["p_single_author_habits"] > 0.01
    assert not s["single_author_rejected"] and s["authors"] == 1
