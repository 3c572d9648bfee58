"""Significance: Poisson tails, Benjamini–Hochberg, planted groups vs organic noise and viral swarms."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from coord_helpers import planted_world, posts_table
from unmask.coordinate import run_signal
from unmask.engine import connect
from unmask.network.significance import benjamini_hochberg, poisson_sf


def _con(rows):
    con = connect(threads=2)
    con.register("posts_arrow", posts_table(rows))
    con.execute("CREATE VIEW posts AS SELECT * FROM posts_arrow")
    return con


def test_poisson_sf() -> None:
    n = np.array([0, 1, 2, 5, 30])
    lam = np.array([0.5, 0.5, 0.01, 3.0, 1e-4])
    want = [1.0] + [1 - stats.poisson.cdf(k - 1, m) for k, m in zip(n[1:4], lam[1:4], strict=True)]
    assert poisson_sf(n, lam)[:4] == pytest.approx(want)
    assert 0 < poisson_sf(n, lam)[4] < 1e-100  # tiny tails stay positive, not 0 - 0 cancellation


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=0, max_size=40))
def test_bh_matches_definition(p: list[float]) -> None:
    p_arr = np.array(p)
    m = len(p)
    q = benjamini_hochberg(p_arr)
    # definition: q_i = min over j with p_j >= p_i of m p_j / rank_j, capped at 1
    order = sorted(range(m), key=lambda i: p[i])
    rank = {i: r + 1 for r, i in enumerate(order)}
    for i in range(m):
        want = min(1.0, min(m * p[j] / rank[j] for j in range(m) if rank[j] >= rank[i]))
        assert q[i] == pytest.approx(want)
    # unlisted tests with p = 1 enlarge the family
    if m:
        assert np.all(benjamini_hochberg(p_arr, 10 * m) >= q - 1e-12)


def _kept(con, sig, q=0.01, min_shared=2, **kw):
    run_signal(con, sig, "e", **kw)
    return {(a, b) for a, b in con.execute(
        f"SELECT account_a, account_b FROM e WHERE q_value <= {q} AND n_shared >= {min_shared}").fetchall()}


@pytest.mark.parametrize("sig", ["co_repost", "co_link", "co_hashtag_sequence", "co_text_near", "fast_repost",
                                 "sync_activity"])
def test_planted_group_found_and_organic_not(sig: str) -> None:
    rows, group = planted_world(1, n_org=250)
    con = _con(rows)
    kept = _kept(con, sig)
    group_pairs = set(itertools.combinations(sorted(group), 2))
    assert group_pairs <= kept  # recall 1 on the planted operation
    organic = kept - group_pairs
    assert len(organic) == 0, sorted(organic)[:5]
    con.close()


def test_pure_noise_gives_no_edges() -> None:
    rows, _ = planted_world(2, n_org=250, n_group=0)
    con = _con(rows)
    for sig in ("co_repost", "sync_activity", "co_domain"):
        run_signal(con, sig, "e")
        cand, kept = con.execute("SELECT count(*), count(*) FILTER (WHERE q_value <= 0.01 AND n_shared >= 2) "
                                 "FROM e").fetchone()
        assert cand > 0 and kept == 0, sig
    con.close()


def test_viral_swarm_does_not_explode_or_pass() -> None:
    """A post reposted by 4,000 accounts within an hour: bounded work, no significant swarm edge."""
    rows, group = planted_world(3, n_org=200, swarm=4000)
    con = _con(rows)
    t0 = time.perf_counter()
    st_ = run_signal(con, "co_repost", "e")
    assert time.perf_counter() - t0 < 20
    # ~67 reposts a minute: every pair within 60 s, so ~4000 * 134 / 2 pairs — linear in posts x rate
    assert st_["candidate_pairs"] < 400_000
    kept = {(a, b) for a, b in con.execute(
        "SELECT account_a, account_b FROM e WHERE q_value <= 0.01 AND n_shared >= 2").fetchall()}
    assert kept == set(itertools.combinations(sorted(group), 2))
    # also without the n_shared >= 2 rule no single swarm co-share is significant
    assert con.execute("SELECT count(*) FROM e WHERE q_value <= 0.01 AND n_shared < 2").fetchone()[0] == 0
    # the fan-out cap is counted, never silent
    st2 = run_signal(con, "co_repost", "e2", max_bucket=30)
    assert st2["capped_objects"] >= 1 and st2["capped_events"] >= 3000
    assert st2["candidate_pairs"] < st_["candidate_pairs"]
    con.close()
