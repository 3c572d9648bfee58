"""Per-edge p-values under a null model, and false-discovery control per signal.

Every signal writes, for each account pair, the observed number of shared objects ``n_shared``
and its expectation ``expected`` under a null model that keeps each account's volume and each
object's popularity and timing (see :func:`unmask.signals._window.volume_expectation`). Here
``n_shared`` is treated as Poisson with that mean: ``p = P(X >= n_shared)``. Within one signal the
p-values are turned into Benjamini–Hochberg q-values over the family of *all* account pairs of
the signal (``C(accounts, 2)``): pairs with no co-share have ``p = 1`` and are not stored, but they
count in ``m``. Testing only the pairs that co-shared at least once would be a selection effect —
in a viral swarm every one of the hundreds of thousands of co-sharing pairs has a small ``p``
(about the chance of two given accounts meeting on that post) and would all pass. The default keeps edges with
``q <= 0.01`` and ``n_shared >= 2``.

Peers instead keep the top percentile of edge weights or a fixed count; that fires on pure noise
(some pair is always in the top 0.5 %) and on every viral swarm (thousands of accounts sharing one
post). Under this null, one co-share of a popular post is expected and not significant.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
from scipy import stats

__all__ = ["benjamini_hochberg", "poisson_sf", "score_edges"]


def poisson_sf(n: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """``P(X >= n)`` for ``X ~ Poisson(lam)``, vectorised (1 for ``n <= 0``)."""
    n = np.asarray(n, dtype=np.float64)
    lam = np.maximum(np.asarray(lam, dtype=np.float64), 1e-300)
    return np.where(n <= 0, 1.0, stats.poisson.sf(n - 1, lam))


def benjamini_hochberg(
    p: np.ndarray, n_tests: int | None = None, *, counts: np.ndarray | None = None
) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values), same order as ``p``.

    ``n_tests`` (>= the number of tests listed) is the size of the whole family when the
    remaining tests have ``p = 1`` and are not listed. ``counts`` (optional) says how many tests
    each entry of ``p`` stands for; the q-value of an entry is then that of its tests.
    """
    p = np.asarray(p, dtype=np.float64)
    if p.size == 0:
        return p.copy()
    w = np.ones(p.size, dtype=np.int64) if counts is None else np.asarray(counts, dtype=np.int64)
    m = max(int(n_tests or 0), int(w.sum()))
    order = np.argsort(p, kind="stable")
    ranked = p[order] * m / np.cumsum(w[order]).astype(np.float64)
    q_sorted = np.minimum.accumulate(ranked[::-1])[::-1]
    q = np.empty(p.size)
    q[order] = np.minimum(q_sorted, 1.0)
    return q


def score_edges(
    con: duckdb.DuckDBPyConnection,
    table: str,
    out: str,
    *,
    n_tests: int | None = None,
    where: str = "true",
    unlisted: str | None = None,
) -> None:
    """Write ``out`` = the rows of ``table`` plus ``p_value`` and ``q_value`` (BH over ``n_tests``
    pairs) that match the SQL condition ``where`` (on any column, the scores included).

    The p-value depends only on (``n_shared``, ``expected``), and many pairs share both (the
    expectation depends on the two volumes only), so the engine groups the pairs by that couple
    and only the distinct couples with their counts travel to NumPy — a few thousand rows where
    there are hundreds of millions of candidate pairs. Benjamini–Hochberg on the weighted couples
    is exactly BH on the pairs: tied p-values get the same q-value either way, the one of the
    last rank of the tie.

    ``unlisted`` (optional) names a table ``(n_shared, expected, c)`` of pairs a signal scored but
    did not list (they cannot be kept): they take part in the false-discovery control all the same.
    """
    groups = f"SELECT n_shared, expected, count(*) AS c FROM {table} GROUP BY n_shared, expected"
    if unlisted:
        groups = (f"SELECT n_shared, expected, CAST(sum(c) AS BIGINT) AS c FROM ({groups} UNION ALL "
                  f"SELECT n_shared, expected, c FROM {unlisted}) u GROUP BY n_shared, expected")
    arr = con.execute(f"SELECT * FROM ({groups}) g ORDER BY n_shared, expected").fetchnumpy()
    n = np.asarray(arr["n_shared"], dtype=np.float64)
    lam = np.asarray(arr["expected"], dtype=np.float64)
    c = np.asarray(arr["c"], dtype=np.int64)
    p = poisson_sf(n, lam)
    q = benjamini_hochberg(p, n_tests, counts=c)
    scores = pa.table({"n_shared__": pa.array(np.asarray(arr["n_shared"]), pa.int64()),
                       "expected__": pa.array(lam, pa.float64()), "p_value": p, "q_value": q})
    con.register(f"{out}__scores", scores)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {out} AS SELECT * FROM (SELECT t.*, s.p_value, s.q_value FROM {table} t "
        f"JOIN {out}__scores s ON s.n_shared__ = t.n_shared AND s.expected__ = t.expected) x WHERE {where}"
    )
    con.unregister(f"{out}__scores")
