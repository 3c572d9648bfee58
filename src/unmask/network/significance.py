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

from unmask.engine import dialect

__all__ = ["benjamini_hochberg", "poisson_sf", "score_edges"]


def poisson_sf(n: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """``P(X >= n)`` for ``X ~ Poisson(lam)``, vectorised (1 for ``n <= 0``)."""
    n = np.asarray(n, dtype=np.float64)
    lam = np.maximum(np.asarray(lam, dtype=np.float64), 1e-300)
    return np.where(n <= 0, 1.0, stats.poisson.sf(n - 1, lam))


def benjamini_hochberg(p: np.ndarray, n_tests: int | None = None) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values), same order as ``p``.

    ``n_tests`` (>= ``len(p)``) is the size of the whole family when the remaining tests have
    ``p = 1`` and are not listed.
    """
    p = np.asarray(p, dtype=np.float64)
    if p.size == 0:
        return p.copy()
    m = max(int(n_tests or 0), p.size)
    order = np.argsort(p, kind="stable")
    ranked = p[order] * m / np.arange(1, p.size + 1)
    q_sorted = np.minimum.accumulate(ranked[::-1])[::-1]
    q = np.empty(p.size)
    q[order] = np.minimum(q_sorted, 1.0)
    return q


def score_edges(con: duckdb.DuckDBPyConnection, table: str, out: str, *, n_tests: int | None = None) -> None:
    """Write ``out`` = ``table`` plus ``p_value`` and ``q_value`` (BH over ``n_tests`` pairs).

    Only three numeric columns travel to NumPy (the Poisson tail has no portable SQL form): row
    id, ``n_shared``, ``expected`` — 24 bytes per candidate pair; the scores are joined back by
    row id (DuckDB's ``rowid``; on Spark an id numbered once into a materialised copy).
    """
    src, rid, cols = table, "rowid", "t.*"
    if dialect(con) != "duckdb":
        names = [d[0] for d in con.execute(f"SELECT * FROM {table} LIMIT 0").description]
        con.execute(f"CREATE OR REPLACE TEMP TABLE {out}__rid AS SELECT *, monotonically_increasing_id() AS rid__ "
                    f"FROM {table}")
        src, rid, cols = f"{out}__rid", "rid__", ", ".join(f"t.{c}" for c in names)
    arr = con.execute(f"SELECT {rid} AS rid, n_shared, expected FROM {src}").fetchnumpy()
    n = np.asarray(arr["n_shared"])
    lam = np.asarray(arr["expected"])
    p = poisson_sf(n, lam)
    q = benjamini_hochberg(p, n_tests)
    scores = pa.table({"rid": np.asarray(arr["rid"]), "p_value": p, "q_value": q})
    con.register(f"{out}__scores", scores)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {out} AS SELECT {cols}, s.p_value, s.q_value FROM {src} t "
        f"JOIN {out}__scores s ON s.rid = t.{rid}"
    )
    con.unregister(f"{out}__scores")
    if src != table:
        con.execute(f"DROP TABLE {src}")
