"""Personas written by many hands: how many authors write one account, and which accounts share one.

Why: a fictional columnist run by a farm is written in turns by many operators; each keeps their own
habits (function words, punctuation, sentence length, character n-grams, client, hours). Posts are
turned into stylometric vectors in DuckDB, reduced (SVD) and clustered (k-means, k by silhouette);
the single-author hypothesis is tested against a null in which every feature column is shuffled
independently (no joint structure = one style with noise). For many accounts, accounts whose mean
style vectors are unusually close are linked as sharing one writing hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from unmask.forensics._common import Finding, scope
from unmask.forensics.shifts import kmeans, silhouette

__all__ = ["FUNCTION_WORDS", "persona", "shared_hands", "style_matrix"]

FUNCTION_WORDS = ["the", "a", "an", "and", "but", "or", "of", "to", "in", "on", "at", "for", "with", "by", "from", "is", "are", "was", "were", "be", "been", "it", "its", "this", "that", "these", "i", "me", "my", "you", "your", "he", "she", "we", "our", "they", "them", "not", "no", "so", "just", "very", "all", "can", "will", "would", "should", "have", "has", "do", "if", "as", "what", "who", "about", "there"]
PUNCT = {"comma": ",", "period": ".", "exclaim": "!", "question": "?", "colon": ":", "semicolon": ";",
         "dash": "-", "dquote": '"', "squote": "'", "ellipsis": "…", "paren": "("}
NGRAM_BUCKETS = 64


def _post_features_sql(v: str, limit: int) -> str:
    fw = ", ".join(
        f"len(regexp_extract_all(lt, '\\b{w}\\b')) / nw AS fw_{w}" for w in FUNCTION_WORDS
    )
    pu = ", ".join(
        f"(length(t) - length(replace(t, '{c.replace(chr(39), chr(39) * 2)}', ''))) / nc AS p_{k}"
        for k, c in PUNCT.items()
    )
    return f"""
    SELECT * FROM (
      SELECT account_id, post_id, created_at, client, t, hour(created_at AT TIME ZONE 'UTC') AS h,
             {fw}, {pu},
             len(regexp_extract_all(t, '\\.\\.\\.')) / nc AS p_dots,
             nw / greatest(len(regexp_extract_all(t, '[.!?]+(\\s|$)')), 1) AS sentence_len,
             length(regexp_replace(t, '[^A-Za-zА-Яа-я]', '', 'g')) / nw AS word_len,
             length(regexp_replace(t, '[^A-ZА-Я]', '', 'g')) / nc AS upper_share,
             length(regexp_replace(t, '[^0-9]', '', 'g')) / nc AS digit_share,
             CAST(regexp_matches(t, '^[A-ZА-Я]') AS DOUBLE) AS starts_upper,
             CAST(regexp_matches(t, '[.!?…]\\s*$') AS DOUBLE) AS ends_punct,
             len(regexp_extract_all(t, '[\\x{{1F000}}-\\x{{1FAFF}}\\x{{2600}}-\\x{{27BF}}\\x{{2190}}-\\x{{21FF}}\\x{{203C}}\\x{{2049}}\\x{{2B00}}-\\x{{2BFF}}]')) / nc AS emoji_share,
             ln(nc) AS log_chars
      FROM (SELECT account_id, post_id, created_at, client, text AS t, lower(text) AS lt,
                   greatest(len(regexp_extract_all(text, '\\w+')), 1) * 1.0 AS nw, greatest(length(text), 1) * 1.0 AS nc,
                   row_number() OVER (PARTITION BY account_id ORDER BY hash(post_id)) AS rn
            FROM {v} WHERE text IS NOT NULL AND length(trim(text)) > 0 AND kind <> 'repost')
      WHERE rn <= {int(limit)})
    ORDER BY account_id, created_at, post_id"""


def style_matrix(con: duckdb.DuckDBPyConnection, v: str, *, limit: int = 5000,
                 with_context: bool = True) -> tuple[pa.Table, np.ndarray, list[str]]:
    """Per-post stylometric features of the posts in view ``v`` (originals, replies, quotes).

    Returns the post keys (account_id, post_id, created_at, client, hour), the feature matrix and the
    feature names. Character 3-grams are hashed into buckets, counted in DuckDB.
    """
    con.execute(f"CREATE OR REPLACE TEMP TABLE fx_style AS {_post_features_sql(v, limit)}")
    con.execute("CREATE OR REPLACE TEMP TABLE fx_style_k AS SELECT *, row_number() OVER () - 1 AS i FROM fx_style")
    keys = con.sql("SELECT account_id, post_id, created_at, client, h FROM fx_style_k ORDER BY i").to_arrow_table()
    cols = [c for c in con.sql("SELECT * FROM fx_style LIMIT 0").columns
            if c not in ("account_id", "post_id", "created_at", "client", "t", "h")]
    base = con.sql(f"SELECT {', '.join(cols)} FROM fx_style_k ORDER BY i").fetchnumpy()
    x = np.column_stack([np.asarray(base[c], float) for c in cols]) if cols else np.zeros((keys.num_rows, 0))
    ng = con.execute(
        f"""SELECT i, hash(substr(lower(t), g, 3)) % {NGRAM_BUCKETS} AS b, count(*) AS n
            FROM fx_style_k, range(1, greatest(length(t) - 1, 1)) r(g) GROUP BY ALL"""
    ).fetchnumpy()
    grams = np.zeros((keys.num_rows, NGRAM_BUCKETS))
    np.add.at(grams, (ng["i"].astype(int), ng["b"].astype(int)), ng["n"])
    grams /= np.maximum(grams.sum(1, keepdims=True), 1)
    names = cols + [f"ng_{j}" for j in range(NGRAM_BUCKETS)]
    x = np.hstack([x, np.sqrt(grams)])
    if with_context and keys.num_rows:
        clients = np.array([c or "" for c in keys.column("client").to_pylist()])
        top = [c for c, _ in sorted(zip(*np.unique(clients, return_counts=True), strict=True), key=lambda t: -t[1])[:5]]
        h = np.array(keys.column("h").to_pylist(), float) * 2 * np.pi / 24
        x = np.hstack([x, np.column_stack([clients == c for c in top] + [np.sin(h), np.cos(h)]).astype(float)])
        names += [f"client_{c}" for c in top] + ["hour_sin", "hour_cos"]
    return keys, np.nan_to_num(x), names


def _reduce(x: np.ndarray, dims: int = 10) -> np.ndarray:
    sd = x.std(0)
    z = (x[:, sd > 0] - x[:, sd > 0].mean(0)) / sd[sd > 0]
    _w, v = np.linalg.eigh(z.T @ z)  # principal axes from the small covariance matrix
    return z @ v[:, ::-1][:, :dims]


def _cluster(z: np.ndarray, max_k: int, seed: int, sample: np.ndarray | None = None
             ) -> tuple[int, float, np.ndarray, dict[int, float]]:
    """k-means for k = 2..max_k; the k with the best silhouette (on ``sample`` rows if given)."""
    best_k, best_s, best_lab, scores = 1, -1.0, np.zeros(len(z), int), {}
    idx = sample if sample is not None else np.arange(len(z))
    for k in range(2, max_k + 1):
        lab, _ = kmeans(z, k, seed=seed, n_init=3)
        s = silhouette(z[idx], lab[idx])
        scores[k] = s
        if s > best_s + 0.01:
            best_k, best_s, best_lab = k, s, lab
    return best_k, best_s, best_lab, scores


def _between(z: np.ndarray, chunk: int) -> float:
    """Mean squared distance of chunk means from the grand mean (scaled by chunk size)."""
    m = z[: len(z) // chunk * chunk].reshape(-1, chunk, z.shape[1]).mean(1)
    return float(((m - z.mean(0)) ** 2).sum(1).mean() * chunk)


def persona(
    con: duckdb.DuckDBPyConnection,
    account: str,
    *,
    chunk: int = 10,
    max_authors: int = 12,
    reps: int = 199,
    handover_hours: Sequence[int] | None = None,
    seed: int = 0,
) -> Finding:
    """How many hands write ``account``, and do author changes fall on shift hand-over hours?

    Operators write in turns, so runs of consecutive posts share a hand. Posts are cut into runs of
    ``chunk``; under the single-author hypothesis the style spread between runs equals that of runs
    drawn from shuffled posts (permutation p-value, ``reps`` shuffles). When rejected, run means are
    clustered (k by silhouette) and k is the number of likely authors. Hour of day is left out of
    the style (runs are contiguous in time) and topic drift can mimic a change of hand: read the
    evidence, not just the count. ``handover_hours`` are UTC hours (e.g. from :func:`shifts`).
    """
    v = scope(con, [account])
    keys, x, _ = style_matrix(con, v, with_context=False)
    n = len(x)
    summary: dict[str, Any] = {"analysis": "persona", "account_id": account, "posts_used": n, "chunk": chunk}
    if n < 6 * chunk:
        summary.update(authors=None, verdict=f"too few posts (need {6 * chunk} with text)")
        return Finding("persona", summary, keys)
    rng = np.random.default_rng(seed)
    sd = x.std(0)
    z = (x[:, sd > 0] - x[:, sd > 0].mean(0)) / sd[sd > 0]
    obs = _between(z, chunk)
    null = np.array([_between(z[rng.permutation(n)], chunk) for _ in range(reps)])
    p = float((1 + (null >= obs).sum()) / (reps + 1))
    ratio = obs / float(null.mean())
    multi = p < 0.01 and ratio > 1.05
    nc = n // chunk
    cm = z[: nc * chunk].reshape(nc, chunk, -1).mean(1)
    summary.update({"between_run_spread": obs, "null_mean": float(null.mean()), "spread_ratio": ratio,
                    "p_single_author": p, "single_author_rejected": bool(multi)})
    labels = np.zeros(n, int)
    if multi:
        # two views of the hands: runs of posts (robust to noisy short posts) and single posts
        # (sharp when each operator has strong habits); keep the better separated one
        red_c = _reduce(cm, dims=min(10, nc - 1))
        kc, sc_c, lab_c, scores_c = _cluster(red_c, min(max_authors, nc - 1), seed)
        sample = rng.permutation(n)[:800]
        kp, sc_p, lab_p, scores_p = _cluster(_reduce(x), max_authors, seed, sample)
        if sc_p >= max(sc_c, 0.35):
            k, best_s, labels, view, scores = kp, sc_p, lab_p, "posts", scores_p
        else:
            k, best_s, view, scores = kc, sc_c, "runs", scores_c
            labels = np.r_[np.repeat(lab_c, chunk), np.full(n - nc * chunk, lab_c[-1])]
        summary.update({"silhouette_by_k": scores, "silhouette": best_s, "authors": int(k), "clustered": view,
                        "silhouette_runs": sc_c, "silhouette_posts": sc_p,
                        "verdict": f"{k} likely authors (single author rejected, p={p:.3g})"})
    else:
        summary.update({"authors": 1, "verdict": f"consistent with a single author (p={p:.3g})"})
    t = keys.append_column("author", pa.array(labels.astype("int64")))
    hrs = np.array(keys.column("h").to_pylist(), int)
    ch = np.flatnonzero(labels[1:] != labels[:-1]) + 1
    ch_hist = np.bincount(hrs[ch], minlength=24) if len(ch) else np.zeros(24, int)
    post_hist = np.bincount(hrs, minlength=24)
    summary["author_changes"] = len(ch)
    if multi and len(ch) >= 5:
        pc, pp = ch_hist / ch_hist.sum(), post_hist / post_hist.sum()
        summary["change_hour_concentration"] = float(0.5 * np.abs(pc - pp).sum())  # 0 = like posting hours
        summary["top_change_hours_utc"] = [int(h) for h in np.argsort(-ch_hist)[:3]]
        if handover_hours:
            near = np.zeros(24, bool)
            for hh in handover_hours:
                near[[int(hh) % 24, (int(hh) + 1) % 24]] = True
            summary["changes_at_handover_share"] = float(pc[near].sum())
            summary["posts_at_handover_share"] = float(pp[near].sum())
    plots = {"change_hours": pa.table({"hour_utc": np.arange(24), "author_changes": ch_hist, "posts": post_hist}),
             "author_counts": pa.table({"author": np.arange(labels.max() + 1), "posts": np.bincount(labels)})}
    return Finding("persona", summary, t, plots)


def shared_hands(
    con: duckdb.DuckDBPyConnection,
    accounts: Sequence[str] | None = None,
    *,
    min_posts: int = 30,
    z_threshold: float = 4.0,
    min_similarity: float = 0.5,
) -> Finding:
    """Link accounts whose mean writing style is unusually close (robust z of cosine similarity).

    Client and hour are left out so that only the writing hand links accounts.
    """
    v = scope(con, accounts)
    keys, x, _ = style_matrix(con, v, limit=500, with_context=False)
    acc = np.array(keys.column("account_id").to_pylist())
    ids, idx, cnt = np.unique(acc, return_inverse=True, return_counts=True)
    summary: dict[str, Any] = {"analysis": "shared_hands"}
    if len(x) < 2:
        x = np.zeros((0, x.shape[1]))
        ids, idx, cnt = ids[:0], idx[:0], cnt[:0]
    sd = x.std(0) if len(x) else np.zeros(x.shape[1])
    z = (x[:, sd > 0] - x[:, sd > 0].mean(0)) / sd[sd > 0] if len(x) else x
    means = np.zeros((len(ids), z.shape[1]))
    np.add.at(means, idx, z)
    means /= np.maximum(cnt[:, None], 1)
    keep = cnt >= min_posts
    ids, means = ids[keep], means[keep]
    summary["accounts_used"] = len(ids)
    empty = pa.table({"account_a": pa.array([], pa.string()), "account_b": pa.array([], pa.string()),
                      "similarity": pa.array([], pa.float64()), "z": pa.array([], pa.float64())})
    if len(ids) < 3:
        summary["links"] = 0
        return Finding("shared_hands", summary, empty)
    m = means - means.mean(0)
    m /= np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-12)
    sim = m @ m.T
    iu = np.triu_indices(len(ids), 1)
    vals = sim[iu]
    med = np.median(vals)
    mad = np.median(np.abs(vals - med)) * 1.4826 + 1e-9
    zz = (vals - med) / mad
    sel = (zz >= z_threshold) & (vals >= min_similarity)
    rows = [{"account_a": str(ids[i]), "account_b": str(ids[j]), "similarity": float(s), "z": float(q)}
            for i, j, s, q in zip(iu[0][sel], iu[1][sel], vals[sel], zz[sel], strict=True)]
    # components = hands
    parent = list(range(len(ids)))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for i, j in zip(iu[0][sel], iu[1][sel], strict=True):
        parent[find(i)] = find(j)
    comps: dict[int, list[str]] = {}
    for i in range(len(ids)):
        comps.setdefault(find(i), []).append(str(ids[i]))
    hands = sorted((c for c in comps.values() if len(c) > 1), key=len, reverse=True)
    summary.update({"links": len(rows), "shared_hands": hands, "similarity_median": float(med)})
    t = pa.Table.from_pylist(rows) if rows else empty
    return Finding("shared_hands", summary, t)
