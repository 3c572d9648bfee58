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
``num_perm`` aggregate columns of one GROUP BY over the shingle hashes, and bands are compared
column by column, so the cost is one pass over the shingles whatever ``num_perm``. Signatures
and bands are computed only for the texts that share a shingle hash with another text (the only
ones that can share a bucket; the rest are clusters of one), which are few in generated worlds.

Both signals start from the same table of every post's normalised text (:data:`NORM_TABLE`):
run inside :func:`unmask.signals._common.shared_scope` (as ``coordinate`` does) it is computed
once for the two of them, otherwise each computes and drops its own.
"""

from __future__ import annotations

from typing import Any

import duckdb

from unmask.engine import hash64_sql
from unmask.signals import Signal
from unmask.signals._common import T_EXPR, object_signal, shared_table
from unmask.signals._window import drop_relation

__all__ = ["CO_TEXT", "CO_TEXT_NEAR", "NORM_TABLE", "NORM_TEXT_SQL", "near_duplicate_clusters"]

#: SQL expression: the normalised text of ``text``.
# The last pass replaces only the runs that are not already one plain space (a run holding some
# other character, or two or more spaces): same result as replacing every run of non-letters, but
# 2.5x faster, since most runs in text are single spaces (measured on the IRA and simulated texts).
NORM_TEXT_SQL = (
    "trim(regexp_replace(regexp_replace(regexp_replace(lower(text), 'https?://[^\\s]+', ' ', 'g'), "
    "'@[A-Za-z0-9_]+', ' ', 'g'), '[^\\p{L}\\p{M}\\p{N}]*[^\\p{L}\\p{M}\\p{N} ][^\\p{L}\\p{M}\\p{N}]*| {2,}', ' ', 'g'))"
)

_PRIME = 2147483647

#: Leave out the texts sharing no shingle hash with another (they need no signature) when less
#: than this share of the shingles have a hash that another text has too (see
#: :func:`near_duplicate_clusters`).
_SPARSE_SHARED = 0.05

#: Name of the table of every post's normalised text, shared by both signals (see
#: :func:`unmask.signals._common.shared_scope`).
NORM_TABLE = "shared__text_norm"


def _norm_query() -> str:
    """Every non-repost post with a text: account_id, post_id, t, ts and its normalised text ``norm``.

    Not filtered on length: a ``WHERE length(norm) >= k`` on this query would be pushed into the
    scan and the normalisation computed twice (measured: 2x the CPU); each signal filters instead.
    """
    return (
        f"SELECT account_id, post_id, {T_EXPR} AS t, created_at AS ts, {NORM_TEXT_SQL} AS norm FROM posts "
        "WHERE kind <> 'repost' AND text IS NOT NULL"
    )


def _exact(con: duckdb.DuckDBPyConnection, out: str, *, min_chars: int = 10, **kw: Any) -> dict[str, Any]:
    """Edges between accounts posting the same normalised text within the window."""
    with shared_table(con, NORM_TABLE, _norm_query()) as norm:
        return object_signal(
            f"SELECT account_id, norm AS obj, post_id, t, ts FROM {norm} WHERE length(norm) >= {int(min_chars)}",
            view=True,
        )(con, out, **kw)


def _packed(cols: list[str]) -> list[str]:
    """SQL: the band columns (values below 2^31) two by two as one exact BIGINT, fewer join keys."""
    return [
        f"{cols[i]} * {_PRIME + 1} + {cols[i + 1]}" if i + 1 < len(cols) else cols[i] for i in range(0, len(cols), 2)
    ]


def near_duplicate_clusters(
    con: duckdb.DuckDBPyConnection,
    texts: str,
    out: str,
    *,
    num_perm: int = 32,
    bands: int = 8,
    threshold: float = 0.8,
    seed: int = 1,
) -> int:
    """Map each distinct text of ``texts`` (column ``norm``) to a near-duplicate cluster id.

    Writes ``out(norm, cluster, cid)`` (``cluster`` = ``cid``, a BIGINT, as text) and returns the
    number of clusters; every stage is materialised (one giant query ran out of memory where
    staged tables ran in 2 GB — see the field notes).
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
    # Each text's shingle hashes x (a repeated shingle does not change a minimum, so they are not
    # deduplicated).
    words = "array_length(tok) >= 3 AND length(norm) <= 16 * array_length(tok)"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {out}__hx AS
        SELECT tid, {hash64_sql(con, 'sh')} % {_PRIME} AS x FROM (
            SELECT tid, array_to_string(tok[i:i + 2], ' ') AS sh
            FROM (SELECT tid, tok, unnest(generate_series(1, array_length(tok) - 2)) AS i FROM {out}__tx
                  WHERE {words})
            UNION ALL
            SELECT tid, substring(norm, i, 4) AS sh
            FROM (SELECT tid, norm, unnest(generate_series(1, greatest(length(norm) - 3, 1))) AS i
                  FROM {out}__tx WHERE NOT ({words}))
        ) s
        """
    )
    # Only texts sharing a shingle hash x with another text can share a band bucket: a MinHash
    # value (a·x + b) mod p is a bijection of x < p, so two texts' values are equal only if their
    # arg-min x are. The others are clusters of their own and need no signature. Finding them is
    # a grouping of every shingle hash, which pays only when few are shared (generated worlds:
    # 0.4 % of the shingles, 99 % of the texts left out; IRA's tweets: 35 % of the shingles, 22 %
    # of the texts): decided on a 1/64 sample of the hash values. Either way the result is the same.
    # (count(*) > 1 first, then distinct texts on those few hashes: 20 % cheaper than min < max.)
    shared = con.execute(
        f"SELECT coalesce(sum(CASE WHEN t0 < t1 THEN c ELSE 0 END) / sum(c), 0) FROM "
        f"(SELECT count(*) AS c, min(tid) AS t0, max(tid) AS t1 FROM {out}__hx WHERE x % 64 = 0 GROUP BY x) s"
    ).fetchone()[0]
    if float(shared) < _SPARSE_SHARED:
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE {out}__cx AS
            SELECT tid, x FROM {out}__hx WHERE tid IN (SELECT tid FROM {out}__hx WHERE x IN (
                SELECT x FROM {out}__hx WHERE x IN (SELECT x FROM {out}__hx GROUP BY x HAVING count(*) > 1)
                GROUP BY x HAVING min(tid) < max(tid)))
            """
        )
        con.execute(f"DROP TABLE {out}__hx")
    else:
        con.execute(f"CREATE OR REPLACE TEMP VIEW {out}__cx AS SELECT * FROM {out}__hx")
    # The num_perm MinHash values are num_perm aggregate columns of one GROUP BY over the shingle
    # hashes (a cross join with the hash parameters would multiply the rows by num_perm).
    sig_cols = ", ".join(f"min(({int(a)} * x + {int(b)}) % {_PRIME}) AS h{i}" for i, (a, b) in enumerate(params))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {out}__sig AS SELECT tid, {sig_cols} FROM {out}__cx GROUP BY tid")
    drop_relation(con, f"{out}__cx")
    drop_relation(con, f"{out}__hx")
    # Band buckets, one band at a time (smaller hash tables than one grouping over every band);
    # each bucket's rows are packed two by two into exact BIGINT keys.
    per_band = []
    for j in range(bands):
        ks = _packed([f"h{j * rows + r}" for r in range(rows)])
        keys = ", ".join(f"{k} AS p{i}" for i, k in enumerate(ks))
        on = " AND ".join(f"r.p{i} = {k}" for i, k in enumerate(_packed([f"s.h{j * rows + r}" for r in range(rows)])))
        per_band.append(
            f"SELECT s.tid, r.rep FROM {out}__sig s JOIN (SELECT {keys}, min(tid) AS rep FROM {out}__sig "
            f"GROUP BY {', '.join(f'p{i}' for i in range(len(ks)))} HAVING count(*) > 1) r ON {on} WHERE s.tid <> r.rep"
        )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {out}__mem AS SELECT DISTINCT tid, rep FROM ({' UNION ALL '.join(per_band)}) u"
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
        f"CREATE OR REPLACE TEMP TABLE {out} AS SELECT norm, CAST(cid AS VARCHAR) AS cluster, cid "
        f"FROM (SELECT t.norm, coalesce(o.rep, t.tid) AS cid FROM {out}__tx t LEFT JOIN {out}__ok o ON o.tid = t.tid) c"
    )
    for s in ("__tx", "__sig", "__mem", "__ok"):
        con.execute(f"DROP TABLE {out}{s}")
    return int(con.execute(f"SELECT count(DISTINCT cid) FROM {out}").fetchone()[0])


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
    with shared_table(con, NORM_TABLE, _norm_query()) as norm:
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {out}__np AS SELECT * FROM {norm} WHERE length(norm) >= {int(min_chars)}"
        )
        n_clusters = near_duplicate_clusters(
            con, f"{out}__np", f"{out}__tc", num_perm=num_perm, bands=bands, threshold=threshold
        )
        stats = object_signal(
            f"SELECT p.account_id, c.cluster AS obj, p.post_id, p.t, p.ts FROM {out}__np p "
            f"JOIN {out}__tc c ON c.norm = p.norm"
        )(con, out, **kw)
        drop_relation(con, f"{out}__np")
    stats["text_clusters"] = n_clusters
    con.execute(f"DROP TABLE {out}__tc")
    return stats


CO_TEXT = Signal("co_text", "posted the same normalised text within the window", _exact, {"min_chars": 10})
CO_TEXT_NEAR = Signal(
    "co_text_near", "posted near-duplicate text (MinHash/LSH, Jaccard >= threshold) within the window", _near,
    {"min_chars": 10, "num_perm": 32, "bands": 8, "threshold": 0.8},
)
