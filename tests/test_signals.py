"""Every signal against a brute-force Python reference on small random posts tables."""

from __future__ import annotations

import itertools
import re
import statistics
from collections import defaultdict

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coord_helpers import posts_table
from unmask.coordinate import run_signal
from unmask.engine import connect
from unmask.signals import SIGNALS, names

W = 60

_row = st.fixed_dictionaries({
    "account_id": st.sampled_from([f"a{i}" for i in range(6)]),
    "kind": st.sampled_from(["post", "repost", "reply", "quote"]),
    "target": st.sampled_from([f"o{i}" for i in range(4)]),
    "t": st.integers(0, 400).map(float) | st.sampled_from([0.0, 60.0, 120.0, 30.5]),
    "text": st.sampled_from([None, "Hello World, again!", "hello   world again @bob http://x.y/z",
                             "another text entirely", "short"]),
    "hashtags": st.sampled_from([[], ["a", "b", "c"], ["a", "b"], ["c", "b", "a"], ["a", "b", "c", "d"]]),
    "urls": st.sampled_from([[], ["https://u.example/1"], ["https://u.example/1", "https://v.example/2"],
                             ["https://v.example/2", "https://v.example/2"]]),
})


def _rows(raw: list[dict]) -> list[dict]:
    rows = []
    for i, r in enumerate(raw):
        r = dict(r)
        tgt = r.pop("target")
        r["post_id"] = f"p{i}"
        if r["kind"] == "repost":
            r["reposted_post_id"] = tgt
        elif r["kind"] == "reply":
            r["replied_post_id"] = tgt
        elif r["kind"] == "quote":
            r["quoted_post_id"] = tgt
        r["domains"] = [u.split("/")[2] for u in r["urls"]]
        rows.append(r)
    # a few originals so that fast_repost has publication times
    for j in range(4):
        rows.append({"post_id": f"o{j}", "account_id": f"a{j}", "kind": "post", "t": float(40 * j)})
    return rows


def _norm(text: str) -> str:
    s = re.sub(r"https?://\S+", " ", text.lower())
    s = re.sub(r"@[A-Za-z0-9_]+", " ", s)
    return re.sub(r"[^0-9a-z]+", " ", s).strip()


def _events(sig: str, rows: list[dict]) -> list[tuple[str, str, str, float]]:
    ev = []
    for r in rows:
        a, p, t, k = r["account_id"], r["post_id"], r["t"], r["kind"]
        if sig == "co_repost" and k == "repost":
            ev.append((a, r["reposted_post_id"], p, t))
        elif sig == "co_reply" and r.get("replied_post_id"):
            ev.append((a, r["replied_post_id"], p, t))
        elif sig == "co_quote" and r.get("quoted_post_id"):
            ev.append((a, r["quoted_post_id"], p, t))
        elif sig in ("co_link", "co_domain") and k != "repost":
            for u in set(r.get("urls" if sig == "co_link" else "domains") or []):
                ev.append((a, u, p, t))
        elif sig == "co_hashtag_sequence" and k != "repost" and len(r.get("hashtags") or []) >= 3:
            ev.append((a, " ".join(r["hashtags"]), p, t))
        elif sig in ("co_text", "co_text_near") and k != "repost" and r.get("text"):
            n = _norm(r["text"])
            if len(n) >= 10:
                ev.append((a, n, p, t))
    return ev


def _pairs(ev: list[tuple[str, str, str, float]], window: float | None) -> dict[tuple[str, str], dict]:
    """Brute force: every pair of events on the same object by different accounts within the window."""
    acc: dict[tuple[str, str], dict] = defaultdict(lambda: {"pa": set(), "pb": set(), "obj": set(), "dt": []})
    for e1, e2 in itertools.permutations(ev, 2):
        if e1[1] != e2[1] or e1[0] >= e2[0]:
            continue
        if window is not None and abs(e1[3] - e2[3]) > window:
            continue
        d = acc[(e1[0], e2[0])]
        d["pa"].add(e1[2])
        d["pb"].add(e2[2])
        d["obj"].add(e1[1])
        d["dt"].append(abs(e1[3] - e2[3]))
    return {k: {"n_shared": min(len(v["pa"]), len(v["pb"])), "weight": max(len(v["pa"]), len(v["pb"])),
                "n_objects": len(v["obj"]), "median_dt_s": statistics.median(v["dt"])} for k, v in acc.items()}


def _run(rows: list[dict], sig: str, **kw) -> dict[tuple[str, str], dict]:
    con = connect(threads=1)
    con.register("posts_arrow", posts_table(rows))
    con.execute("CREATE VIEW posts AS SELECT * FROM posts_arrow")
    run_signal(con, sig, "e", **kw)
    out = {}
    for a, b, n, w, no, md, p, q in con.execute(
        "SELECT account_a, account_b, n_shared, weight, n_objects, median_dt_s, p_value, q_value FROM e"
    ).fetchall():
        assert a < b
        assert 0 <= p <= 1 and p <= q + 1e-12 <= 1 + 1e-12
        out[(a, b)] = {"n_shared": n, "weight": w, "n_objects": no, "median_dt_s": md}
    con.close()
    return out


_EXACT = ["co_repost", "co_reply", "co_quote", "co_link", "co_domain", "co_hashtag_sequence", "co_text"]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_row, min_size=0, max_size=30), st.sampled_from([W, None, 1]))
def test_windowed_signals_match_brute_force(raw: list[dict], window: float | None) -> None:
    rows = _rows(raw)
    for sig in _EXACT:
        # co_hashtag_sequence has its own window (a signal parameter): set it to the shared one
        own = {"time_window": window or 0} if sig == "co_hashtag_sequence" else None
        got = _run(rows, sig, time_window=window, params=own)
        want = _pairs(_events(sig, rows), window)
        assert set(got) == set(want), sig
        for k, v in want.items():
            g = got[k]
            assert (g["n_shared"], g["weight"], g["n_objects"]) == (v["n_shared"], v["weight"], v["n_objects"]), (sig, k)
            assert g["median_dt_s"] == pytest.approx(v["median_dt_s"]), (sig, k)


@settings(max_examples=15, deadline=None)
@given(st.lists(_row, min_size=0, max_size=30))
def test_near_text_contains_exact_text(raw: list[dict]) -> None:
    rows = _rows(raw)
    exact = _run(rows, "co_text")
    near = _run(rows, "co_text_near")
    assert set(exact) <= set(near)


@settings(max_examples=20, deadline=None)
@given(st.lists(_row, min_size=0, max_size=30), st.sampled_from([5, 10, 30]))
def test_fast_repost_matches_brute_force(raw: list[dict], fast: float) -> None:
    rows = _rows(raw)
    t_of = {r["post_id"]: (r["account_id"], r["t"]) for r in rows}
    fr = []
    for r in rows:
        if r["kind"] == "repost" and r["reposted_post_id"] in t_of:
            author, t0 = t_of[r["reposted_post_id"]]
            if 0 <= r["t"] - t0 <= fast and author != r["account_id"]:
                fr.append((r["account_id"], r["reposted_post_id"], r["post_id"], r["t"], author))
    want = set(_pairs([e[:4] for e in fr], fast))
    want |= {tuple(sorted((e[0], e[4]))) for e in fr}
    got = _run(rows, "fast_repost", params={"fast_seconds": fast})
    assert set(got) == want


@settings(max_examples=20, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c", "d"]), st.integers(0, 3000)), max_size=60),
       st.sampled_from([1, 2]))
def test_sync_activity_matches_brute_force(acts: list[tuple[str, int]], min_bins: int) -> None:
    rows = [{"account_id": a, "t": float(t), "post_id": f"p{i}"} for i, (a, t) in enumerate(acts)]
    bins: dict[str, set[int]] = defaultdict(set)
    for a, t in acts:
        bins[a].add(t // 300)
    ok = [a for a in sorted(bins) if len(bins[a]) >= min_bins]
    want = {(a, b): len(bins[a] & bins[b]) for a, b in itertools.combinations(ok, 2) if bins[a] & bins[b]}
    got = _run(rows, "sync_activity", params={"min_active_bins": min_bins})
    assert {k: v["n_shared"] for k, v in got.items()} == want


def test_sync_activity_work_budget_caps_busiest_bins_first() -> None:
    # bin 0..5: the same 3 accounts (3 pairs each); bin 10: 6 accounts (15 pairs)
    acts = [(a, b * 300 + 1) for b in range(6) for a in ("a", "b", "c")]
    acts += [(a, 3001) for a in ("a", "b", "c", "d", "e", "f")] + [(a, 300 * k + 5) for a in "def" for k in range(20, 25)]
    rows = [{"account_id": a, "t": float(t), "post_id": f"p{i}"} for i, (a, t) in enumerate(acts)]
    con = connect(threads=1)
    con.register("posts_arrow", posts_table(rows))
    con.execute("CREATE VIEW posts AS SELECT * FROM posts_arrow")
    full = run_signal(con, "sync_activity", "e1")
    tight = run_signal(con, "sync_activity", "e2", params={"max_matched_rows": 40})
    assert full["bin_cap"] == 2000 and full["capped_cells"] == 0
    # 11 bins x 3 pairs = 33 fit in 40; adding the 15-pair bin would not: it is capped and counted
    assert tight["bin_cap"] == 3 and tight["capped_cells"] == 1 and tight["capped_events"] == 6
    n = dict(((a, b), n) for a, b, n in con.execute("SELECT account_a, account_b, n_shared FROM e2").fetchall())
    assert n[("a", "b")] == 6 and ("a", "d") not in n
    n1 = dict(((a, b), n) for a, b, n in con.execute("SELECT account_a, account_b, n_shared FROM e1").fetchall())
    assert n1[("a", "b")] == 7 and n1[("d", "e")] == 6


def test_near_duplicates_cluster_without_pairs() -> None:
    base = "the quick brown fox jumps over the lazy dog while the cat watches from the old wooden fence"
    rows = [
        {"account_id": "a", "t": 0.0, "text": base},
        {"account_id": "b", "t": 10.0, "text": base.replace("old", "ancient")},  # one word edited
        {"account_id": "c", "t": 20.0, "text": base.upper() + " !!!"},  # same after normalisation
        {"account_id": "d", "t": 30.0, "text": "completely different words about football scores and weather today"},
        {"account_id": "e", "t": 40.0, "text": "今日はとても良い天気ですね散歩に行きましょう公園で会いましょう"},
        {"account_id": "f", "t": 45.0, "text": "今日はとても良い天気ですね散歩に行きましょう公園で会いましょうね"},
    ]
    # one-word edit: Jaccard 13/19 = 0.68 on word 3-shingles; 16 bands of 2 rows make such a pair a
    # candidate with probability 1 - (1 - 0.68^2)^16 > 0.99 (8 bands of 4: 0.86)
    got = _run(rows, "co_text_near", params={"threshold": 0.5, "bands": 16})
    assert {("a", "c"), ("e", "f")} <= set(got)
    assert not any("d" in k for k in got)
    assert ("a", "b") in got or ("b", "c") in got


def test_registry_lists_every_signal() -> None:
    assert names() == list(SIGNALS)
    for n in ("co_repost", "co_reply", "co_quote", "co_link", "co_domain", "co_hashtag_sequence", "co_text",
              "co_text_near", "fast_repost", "sync_activity"):
        assert n in SIGNALS and SIGNALS[n].description


def test_sql_transpiles_to_spark() -> None:
    """The pair join is plain SQL: SQLGlot can turn it into Spark SQL."""
    import sqlglot

    con = duckdb.connect()
    sql = ("SELECT e1.account_id, e2.account_id, count(DISTINCT e1.obj) FROM ev e1 CROSS JOIN "
           "(SELECT -1 AS d UNION ALL SELECT 0 UNION ALL SELECT 1) s JOIN ev e2 ON e2.obj = e1.obj "
           "AND e2.b = e1.b + s.d WHERE e1.account_id < e2.account_id AND abs(e1.t - e2.t) <= 60.0 "
           "GROUP BY e1.account_id, e2.account_id")
    out = sqlglot.transpile(sql, read="duckdb", write="spark")[0]
    assert "CROSS JOIN" in out
    con.close()
