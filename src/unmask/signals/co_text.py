"""``co_text`` (same normalised text) and ``co_text_near`` (near-duplicate text), within the window.

Normalisation (both): lowercase, links and @mentions removed, every run of characters that are
not letters, marks or digits turned into one space, trimmed; texts shorter than ``min_chars``
(default 10) after that are ignored. Reposts are left out (they copy the original's text).

Near-duplicates never enumerate post pairs:

1. exact duplicates are collapsed first (one row per distinct normalised text);
2. each text is cut into shingles — word 3-shingles where the text is space-separated, character
   4-shingles otherwise (fewer than 3 words, or an average "word" longer than 15 characters, as in
   Chinese, Japanese or Thai) — so any script works;
3. ``num_perm`` (default 32) MinHash values per text, from hashes ``(a·x + b) mod (2³¹-1)``;
4. LSH: ``bands`` (default 8) bands of ``num_perm / bands`` rows; texts sharing a band bucket are
   candidates; each bucket's smallest text is its representative, and a member stays in the
   bucket only if its MinHash agreement with the representative is ≥ ``threshold`` (default 0.8,
   an estimate of the Jaccard similarity);
5. a text's cluster is the smallest representative over its verified buckets (one propagation
   step, so long chains of slowly drifting texts can end up in more than one cluster);
6. the account × text-cluster memberships go through the same windowed pair join as every other
   signal, with the cluster as the shared object.

With 8 bands × 4 rows a pair of Jaccard 0.8 becomes a candidate with probability 0.985, one of
0.68 with 0.86 and one of 0.4 with 0.18 (before verification): with a lower ``threshold`` use more
bands of fewer rows (16 × 2 catches Jaccard 0.5 with probability 0.99). The MinHash values are
``num_perm`` aggregate columns of one GROUP BY over the shingles, and bands are compared column by
column, so the cost is one pass over the shingles whatever ``num_perm``.
"""

from __future__ import annotations

from typing import Any

import duckdb

from unmask.engine import hash64_sql
from unmask.signals import Signal
from unmask.signals._common import T_EXPR, object_signal

__all__ = ["CO_TEXT", "CO_TEXT_NEAR", "NORM_TEXT_SQL", "near_duplicate_clusters"]

#: SQL expression: the normalised text of ``text``.
# The last pass replaces only the runs that are not already one plain space (a run holding some
# other character, or two or more spaces): same result as replacing every run of non-letters, but
# 2.5x faster, since most runs in text are single spaces (measured on the IRA and simulated texts).
NORM_TEXT_SQL = (
    "trim(regexp_replace(regexp_replace(regexp_replace(lower(text), 'https?://[^\\s]+', ' ', 'g'), "
    "'@[A-Za-z0-9_]+', ' ', 'g'), '[^\\p{L}\\p{M}\\p{N}]*[^\\p{L}\\p{M}\\p{N} ][^\\p{L}\\p{M}\\p{N}]*| {2,}', ' ', 'g'))"
)

_PRIME = 2147483647


def _norm_posts(con: duckdb.DuckDBPyConnection, out: str, min_chars: int) -> None:
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {out} AS SELECT account_id, post_id, {T_EXPR} AS t, "
        f"created_at AS ts, norm FROM (SELECT *, {NORM_TEXT_SQL} AS norm FROM posts "
        f"WHERE kind <> 'repost' AND text IS NOT NULL) x WHERE length(norm) >= {int(min_chars)}"
    )


def _exact(con: duckdb.DuckDBPyConnection, out: str, *, min_chars: int = 10, **kw: Any) -> dict[str, Any]:
    """Edges between accounts posting the same normalised text within the window."""
    _norm_posts(con, f"{out}__np", min_chars)
    stats = object_signal(f"SELECT account_id, norm AS obj, post_id, t, ts FROM {out}__np")(con, out, **kw)
    con.execute(f"DROP TABLE {out}__np")
    return stats


def near_duplicate_clusters(
    con: duckdb.DuckDBPyConnection,
    texts: str,
    out: str,
    *,
    num_perm: int = 32,
    bands: int = 8,
    threshold: float = 0.8,
    seed: int = 1,
) -> None:
    """Map each distinct text of ``texts`` (column ``norm``) to a near-duplicate cluster id.

    Writes ``out(norm, cluster)``; every stage is materialised (one giant query ran out of
    memory where staged tables ran in 2 GB — see the field notes).
    """
    if num_perm % bands:
        raise ValueError("num_perm must be a multiple of bands")
    rows = num_perm // bands
    import numpy as np  # local: only the hash parameters come from Python

    rng = np.random.default_rng(seed)
    params = list(zip(rng.integers(1, _PRIME, num_perm), rng.integers(0, _PRIME, num_perm), strict=True))
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {out}__tx AS SELECT norm, {hash64_sql(con, 'norm')} AS tid, "
        f"string_split(norm, ' ') AS tok FROM (SELECT DISTINCT norm FROM {texts}) d"
    )
    # The shingles are never materialised, nor deduplicated (a repeated shingle does not change a
    # minimum): the num_perm MinHash values are num_perm aggregate columns of one GROUP BY over
    # them (a cross join with the hash parameters would multiply the rows by num_perm).
    words = "array_length(tok) >= 3 AND length(norm) <= 16 * array_length(tok)"
    sig_cols = ", ".join(f"min(({int(a)} * x + {int(b)}) % {_PRIME}) AS h{i}" for i, (a, b) in enumerate(params))
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {out}__sig AS
        SELECT tid, {sig_cols} FROM (
            SELECT tid, {hash64_sql(con, 'sh')} % {_PRIME} AS x FROM (
                SELECT tid, array_to_string(tok[i:i + 2], ' ') AS sh
                FROM (SELECT tid, tok, unnest(generate_series(1, array_length(tok) - 2)) AS i FROM {out}__tx
                      WHERE {words})
                UNION ALL
                SELECT tid, substring(norm, i, 4) AS sh
                FROM (SELECT tid, norm, unnest(generate_series(1, greatest(length(norm) - 3, 1))) AS i
                      FROM {out}__tx WHERE NOT ({words}))
            ) s
        ) h GROUP BY tid
        """
    )
    band_sel = " UNION ALL ".join(
        f"SELECT tid, {j} AS band, "
        + ", ".join(f"h{j * rows + r} AS k{r}" for r in range(rows))
        + f" FROM {out}__sig"
        for j in range(bands)
    )
    keys = ", ".join(f"k{r}" for r in range(rows))
    on = " AND ".join(f"b.k{r} = r.k{r}" for r in range(rows))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {out}__band AS {band_sel}")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {out}__mem AS
        SELECT DISTINCT b.tid, r.rep FROM {out}__band b
        JOIN (SELECT band, {keys}, min(tid) AS rep FROM {out}__band GROUP BY band, {keys} HAVING count(*) > 1) r
          ON b.band = r.band AND {on}
        WHERE b.tid <> r.rep
        """
    )
    need = int(np.ceil(threshold * num_perm - 1e-9))
    agree = " + ".join(f"CASE WHEN s1.h{i} = s2.h{i} THEN 1 ELSE 0 END" for i in range(num_perm))
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {out}__ok AS
        SELECT m.tid, min(m.rep) AS rep FROM {out}__mem m
        JOIN {out}__sig s1 ON s1.tid = m.tid
        JOIN {out}__sig s2 ON s2.tid = m.rep
        WHERE {agree} >= {need}
        GROUP BY m.tid
        """
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {out} AS SELECT t.norm, CAST(coalesce(o.rep, t.tid) AS VARCHAR) AS cluster "
        f"FROM {out}__tx t LEFT JOIN {out}__ok o ON o.tid = t.tid"
    )
    for s in ("__tx", "__sig", "__band", "__mem", "__ok"):
        con.execute(f"DROP TABLE {out}{s}")


def _near(
    con: duckdb.DuckDBPyConnection,
    out: str,
    *,
    min_chars: int = 10,
    num_perm: int = 32,
    bands: int = 8,
    threshold: float = 0.8,
    **kw: Any,
) -> dict[str, Any]:
    """Edges between accounts posting near-duplicate texts within the window."""
    _norm_posts(con, f"{out}__np", min_chars)
    near_duplicate_clusters(con, f"{out}__np", f"{out}__tc", num_perm=num_perm, bands=bands, threshold=threshold)
    stats = object_signal(
        f"SELECT p.account_id, c.cluster AS obj, p.post_id, p.t, p.ts FROM {out}__np p "
        f"JOIN {out}__tc c ON c.norm = p.norm"
    )(con, out, **kw)
    stats["text_clusters"] = con.execute(
        f"SELECT count(DISTINCT cluster) FROM {out}__tc"
    ).fetchone()[0]
    con.execute(f"DROP TABLE {out}__np")
    con.execute(f"DROP TABLE {out}__tc")
    return stats


CO_TEXT = Signal("co_text", "posted the same normalised text within the window", _exact, {"min_chars": 10})
CO_TEXT_NEAR = Signal(
    "co_text_near", "posted near-duplicate text (MinHash/LSH, Jaccard >= threshold) within the window", _near,
    {"min_chars": 10, "num_perm": 32, "bands": 8, "threshold": 0.8},
)
