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
    # one word histogram per post (ASCII word tokens, the words a regex word boundary delimits),
    # then a lookup per function word: one pass instead of a regex per word
    fw = ", ".join(f"coalesce(wc['{w}'], 0) / nw AS fw_{w}" for w in FUNCTION_WORDS)
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
      FROM (SELECT account_id, post_id, created_at, client, text AS t,
                   list_histogram(string_split_regex(lower(text), '[^0-9a-z_]+')) AS wc,
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
    # a histogram of hashed character 3-grams per post, built as a list (lower-cased once): about
    # three times faster than a join of every post with its character positions
    ng = con.execute(
        f"""SELECT i, unnest(map_keys(m)) AS b, unnest(map_values(m)) AS n FROM (
              SELECT i, list_histogram(list_transform(range(1, greatest(length(lt) - 1, 1)),
                                                      lambda g: hash(substr(lt, g, 3)) % {NGRAM_BUCKETS})) AS m
              FROM (SELECT i, lower(t) AS lt FROM fx_style_k))"""
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


#: Writing habits read off each post (hashtags, links and mentions at the end stripped first): the
#: case of the text, the final punctuation run, the symbol/emoji after it, a short opening phrase
#: before a comma and a short closing phrase after an ellipsis or dash. Operators sharing one
#: persona keep such tics (sign-offs, favourite emoji, "!!" vs "?!"), each a categorical variable.
HABITS = ["case", "punct", "symbol", "opening", "closing"]


def _habits_sql(src: str) -> str:
    return f"""
    WITH s AS (SELECT i, trim(regexp_replace(t, '(\\s+(#\\S+|https?://\\S+|@\\S+))+\\s*$', '')) AS b FROM {src}),
         e AS (SELECT i, b, regexp_extract(b, '[^\\w\\s]+(\\s+[^\\w\\s]+)*$') AS tail FROM s)
    SELECT i,
      CASE WHEN NOT regexp_matches(b, '[[:lower:]]') THEN 'upper' WHEN NOT regexp_matches(b, '[[:upper:]]') THEN 'lower'
           WHEN regexp_matches(b, '^\\W*[[:upper:]]') THEN 'capital' ELSE 'mixed' END AS "case",
      regexp_extract(tail, '^[.!?…,;:]+') AS punct,
      trim(regexp_replace(tail, '^[.!?…,;:]+', '')) AS symbol,
      lower(regexp_extract(b, '^(\\w+(\\s\\w+){{0,3}}),\\s', 1)) AS opening,
      lower(regexp_extract(b, '(\\.\\.\\.|…|-|—)\\s+(\\w+(\\s\\w+){{0,3}})[^\\w\\s]*(\\s+[^\\w\\s]+)*$', 2)) AS closing
    FROM e ORDER BY i"""


def habit_codes(con: duckdb.DuckDBPyConnection, src: str = "fx_style_k", min_count: int = 5) -> np.ndarray:
    """[posts, len(HABITS)] integer codes of each post's habits (values seen under ``min_count``
    times, or under 0.5 % of posts, share one 'other' code)."""
    h = con.execute(_habits_sql(src)).fetchnumpy()
    n = len(h["i"])
    out = np.zeros((n, len(HABITS)), np.int64)
    for j, name in enumerate(HABITS):
        _vals, inv, cnt = np.unique(np.asarray(h[name], dtype=object).astype(str), return_inverse=True, return_counts=True)
        rare = cnt < max(min_count, 0.005 * n)
        code = np.where(rare, 0, np.cumsum(~rare))  # 0 = other
        out[:, j] = code[inv]
    return out


def latent_classes(codes: np.ndarray, k: int, *, seed: int = 0, n_init: int = 2, iters: int = 200
                   ) -> tuple[float, np.ndarray, int]:
    """Latent class model (a mixture of independent categoricals) by EM: (log-likelihood,
    posterior [n, k], number of free parameters). The best of ``n_init`` random starts."""
    n, f = codes.shape
    levels = codes.max(0) + 1
    start = np.r_[0, np.cumsum(levels)[:-1]]
    oh = np.zeros((n, int(levels.sum())))
    oh[np.arange(n)[:, None], codes + start[None]] = 1.0
    block = np.repeat(np.arange(f), levels)  # feature of each one-hot column
    to_block = np.eye(f)[block]  # [columns, features]
    rng = np.random.default_rng(seed)
    best_ll, best_r = -np.inf, np.ones((n, 1))
    # first start: k frequent, mutually unlike habit signatures as class seeds, each post to its
    # nearest seed (Hamming); then random starts
    sig, cnt = np.unique(codes, axis=0, return_counts=True)
    chosen = [int(cnt.argmax())]
    for _ in range(1, min(k, len(sig))):  # frequent and unlike the seeds so far (k-means++ in spirit)
        d = (sig[:, None, :] != sig[chosen][None]).sum(2).min(1)
        chosen.append(int((cnt * d).argmax()))
    seeds = sig[chosen]
    near = (codes[:, None, :] != seeds[None]).sum(2).argmin(1)
    first = np.full((n, k), 0.1 / k)
    first[np.arange(n), near] += 0.9
    first /= first.sum(1, keepdims=True)
    for init in range(n_init):
        r = first if init == 0 else rng.dirichlet(np.ones(k), n)
        ll = -np.inf
        for _it in range(iters):
            cnt = r.T @ oh + 0.01  # [k, columns]
            tot = cnt @ to_block
            logp = np.log(r.mean(0) + 1e-12)[None] + oh @ (np.log(cnt) - np.log(tot[:, block])).T
            m = logp.max(1, keepdims=True)
            new_ll = float((m[:, 0] + np.log(np.exp(logp - m).sum(1))).sum())
            r = np.exp(logp - m)
            r /= r.sum(1, keepdims=True)
            if new_ll - ll < 1e-5 * abs(new_ll):
                ll = new_ll
                break
            ll = new_ll
        if ll > best_ll:
            best_ll, best_r = ll, r
    params = (k - 1) + k * int((levels - 1).sum())
    return best_ll, best_r, params


def _pairwise_g(codes: np.ndarray) -> float:
    """Sum over column pairs of the G statistic of independence (2 Σ O ln(O/E))."""
    n, f = codes.shape
    lv = codes.max(0) + 1
    g = 0.0
    for i in range(f):
        for j in range(i + 1, f):
            o = np.bincount(codes[:, i] * lv[j] + codes[:, j], minlength=lv[i] * lv[j]).reshape(lv[i], lv[j])
            e = np.outer(o.sum(1), o.sum(0)) / n
            m = o > 0
            g += 2 * float((o[m] * np.log(o[m] / e[m])).sum())
    return g


def _habit_authors(codes: np.ndarray, max_k: int, seed: int) -> dict[str, Any]:
    """Number of habit classes by BIC, with their posterior confidence and labels."""
    n = len(codes)
    keep = [j for j in range(codes.shape[1]) if codes[:, j].max() > 0]
    out: dict[str, Any] = {"k": 1, "bic": {}, "confidence": 1.0, "labels": np.zeros(n, int)}
    if not keep or n < 30:
        return out
    c = codes[:, keep]
    best = None
    for k in range(1, max_k + 1):
        ll, r, par = latent_classes(c, k, seed=seed, n_init=1, iters=100)
        bic = -2 * ll + par * np.log(n)
        out["bic"][k] = float(bic)
        if best is None or bic < best[0]:
            best = (bic, k, r)
        elif k > best[1] + 1:
            break  # BIC has risen for two k in a row
    _, k, r = best
    lab = r.argmax(1)
    # classes that hold no post after assignment do not count as authors
    used, lab = np.unique(lab, return_inverse=True)
    out.update(k=len(used), confidence=float(r.max(1).mean()), labels=lab)
    return out


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

    A second test reads categorical habits (:data:`HABITS`) and the hour: one author's habits are
    independent of each other and of the hour (null: each column shuffled on its own), several
    authors' are not. ``p_single_author`` is the Bonferroni-combined p of both tests. A latent class
    model of the habits and the hour (k by BIC) gives ``authors_habits``; it is the answer when it
    confidently (mean posterior >= 0.9) separates more hands than the style clustering. Hands that
    differ in one habit only and write at the same hours cannot be told apart by any such model.
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
    # habits (case, final punctuation, emoji, openings, sign-offs) and the hour: one author's tics
    # do not depend on each other or on the hour; several authors' do (each keeps their own set)
    hrs = np.array(keys.column("h").to_pylist(), int)
    codes = np.column_stack([habit_codes(con), hrs])
    g_obs = _pairwise_g(codes)
    g_null = np.array([_pairwise_g(np.column_stack([c[rng.permutation(n)] for c in codes.T])) for _ in range(reps)])
    p_h = float((1 + (g_null >= g_obs).sum()) / (reps + 1))
    p_runs = p
    p = min(1.0, 2 * min(p_runs, p_h))  # Bonferroni over the two tests
    multi = (p_runs * 2 < 0.02 and ratio > 1.05) or p_h * 2 < 0.02
    nc = n // chunk
    cm = z[: nc * chunk].reshape(nc, chunk, -1).mean(1)
    summary.update({"between_run_spread": obs, "null_mean": float(null.mean()), "spread_ratio": ratio,
                    "p_single_author": p, "p_single_author_runs": p_runs, "p_single_author_habits": p_h,
                    "habit_dependence_g": g_obs, "habit_dependence_null_mean": float(g_null.mean()),
                    "single_author_rejected": bool(multi)})
    labels = np.zeros(n, int)
    if multi:
        # three views of the hands: runs of posts (robust to noisy short posts), single posts
        # (sharp when each operator has strong habits) and habit classes (a latent class model of
        # the categorical habits and the hour, k by BIC); the style views keep the better separated,
        # and the habit view wins when it confidently separates more hands
        red_c = _reduce(cm, dims=min(10, nc - 1))
        kc, sc_c, lab_c, scores_c = _cluster(red_c, min(max_authors, nc - 1), seed)
        sample = rng.permutation(n)[:800]
        kp, sc_p, lab_p, scores_p = _cluster(_reduce(x), max_authors, seed, sample)
        if sc_p >= max(sc_c, 0.35):
            k, best_s, labels, view, scores = kp, sc_p, lab_p, "posts", scores_p
        else:
            k, best_s, view, scores = kc, sc_c, "runs", scores_c
            labels = np.r_[np.repeat(lab_c, chunk), np.full(n - nc * chunk, lab_c[-1])]
        hab = _habit_authors(codes, max_authors, seed)
        summary.update({"authors_style": int(k), "authors_habits": int(hab["k"]),
                        "habit_confidence": hab["confidence"], "habit_bic_by_k": hab["bic"]})
        if hab["k"] > k and hab["confidence"] >= 0.9:
            k, labels, view = hab["k"], hab["labels"], "habits"
        summary.update({"silhouette_by_k": scores, "silhouette": best_s, "authors": int(k), "clustered": view,
                        "silhouette_runs": sc_c, "silhouette_posts": sc_p,
                        "verdict": f"{k} likely authors (single author rejected, p={p:.3g})"})
    else:
        summary.update({"authors": 1, "verdict": f"consistent with a single author (p={p:.3g})"})
    t = keys.append_column("author", pa.array(labels.astype("int64")))
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
    posts_per_account: int = 60,
) -> Finding:
    """Link accounts whose mean writing style is unusually close (robust z of cosine similarity).

    Client and hour are left out so that only the writing hand links accounts. Each account's
    style is the mean over at most ``posts_per_account`` of its posts (a fixed pseudo-random
    sample: the stylometric features are the costly part on big clusters).
    """
    v = scope(con, accounts)
    keys, x, _ = style_matrix(con, v, limit=posts_per_account, with_context=False)
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
