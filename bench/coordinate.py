"""Benchmark the coordination signals on generated posts: per signal posts, seconds, peak memory, edges.

    python bench/coordinate.py --posts 1000000 [--signals co_repost,...] [--all] [--keep DIR]

The generated world (numpy, seeded): accounts with heavy-tailed activity over 30 days; originals
with random texts, hashtags and links; reposts of popular originals hours later; replies and
quotes; one viral post reposted by 3 % of all posts' worth of accounts within one hour; and
planted operations (groups of 10 accounts reposting, posting and linking the same items within
seconds). Each signal runs in its own process so that its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from unmask.dataset import Dataset
from unmask.schema import ACCOUNTS, POSTS

T0_US = 1_700_000_000 * 1_000_000
HORIZON = 30 * 86400


def _lists(values: np.ndarray, counts: np.ndarray) -> pa.ListArray:
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    vals = pa.array(values, pa.string())
    if isinstance(vals, pa.ChunkedArray):  # large inputs come back in chunks
        vals = vals.combine_chunks()
    return pa.ListArray.from_arrays(pa.array(offsets), vals)


def synth_posts(n: int, seed: int = 0, *, popularity: float = 0.7, delay: float = 6 * 3600) -> tuple[pa.Table, int]:
    """About ``n`` posts; returns the table and the number of planted operation accounts.

    ``popularity`` is the Zipf exponent of the originals' repost counts and ``delay`` the mean
    repost delay in seconds; ``--stress`` uses 0.9 and 2 h (tens of millions of co-repost pairs
    at 1 M posts).
    """
    rng = np.random.default_rng(seed)
    n_acc = max(n // 20, 100)
    act = rng.zipf(1.6, n_acc).astype(np.float64)
    act = np.minimum(act, 2000)
    act /= act.sum()
    n_orig = int(n * 0.3)
    n_rep = int(n * 0.55)
    n_viral = int(n * 0.03)
    n_reply = int(n * 0.07)
    n_op_groups, op_size, op_items = max(n // 50_000, 2), 10, 30
    vocab = np.array([f"w{i}" for i in range(20000)])
    # originals
    o_acc = rng.choice(n_acc, n_orig, p=act)
    o_t = rng.uniform(0, HORIZON, n_orig)
    words = vocab[rng.integers(0, len(vocab), (n_orig, 10))]
    o_text = [" ".join(r) for r in words]
    nh = rng.integers(0, 4, n_orig)
    tags = np.array([f"tag{i}" for i in range(3000)])[rng.integers(0, 3000, nh.sum())]
    nu = (rng.random(n_orig) < 0.4).astype(np.int64)
    dom = rng.integers(0, 5000, nu.sum())
    urls = np.array([f"https://site{d}.example/p/{x}" for d, x in zip(dom, rng.integers(0, 100, nu.sum()), strict=True)])
    doms = np.array([f"site{d}.example" for d in dom])
    # reposts (Zipf popularity over originals), the viral item, replies/quotes
    pop = 1.0 / np.arange(1, n_orig + 1) ** popularity
    pop /= pop.sum()
    r_tgt = rng.choice(n_orig, n_rep, p=pop)
    r_acc = rng.choice(n_acc, n_rep, p=act)
    fast = rng.random(n_rep) < 0.05
    r_t = o_t[r_tgt] + np.where(fast, rng.uniform(0, 10, n_rep), rng.exponential(delay, n_rep))
    v_acc = rng.choice(n_acc, n_viral, replace=n_viral > n_acc)
    v_t = o_t[0] + rng.uniform(0, 3600, n_viral)
    q_tgt = rng.choice(n_orig, n_reply, p=pop)
    q_acc = rng.choice(n_acc, n_reply, p=act)
    q_t = o_t[q_tgt] + rng.exponential(3600, n_reply)
    q_kind = np.where(rng.random(n_reply) < 0.7, "reply", "quote")
    # planted operations
    op_acc, op_tgt, op_t = [], [], []
    for g in range(n_op_groups):
        items = rng.choice(n_orig, op_items, replace=False)
        for m in range(op_size):
            op_acc.append(np.full(op_items, n_acc + g * op_size + m))
            op_tgt.append(items)
            op_t.append(o_t[items] + rng.uniform(0, 8, op_items))
    op_acc, op_tgt, op_t = (np.concatenate(x) for x in (op_acc, op_tgt, op_t))
    n_op = len(op_acc)
    op_text = [f"they do not want you to know about story {i} spread the word before it is gone" for i in op_tgt]

    acc_ids = np.array([f"u{i}" for i in range(n_acc + n_op_groups * op_size)])
    orig_ids = np.array([f"o{i}" for i in range(n_orig)])
    total = n_orig + n_rep + n_viral + n_reply + 2 * n_op
    kinds = (["post"] * n_orig + ["repost"] * (n_rep + n_viral) + list(q_kind) + ["repost"] * n_op
             + ["post"] * n_op)
    accounts = np.concatenate([o_acc, r_acc, v_acc, q_acc, op_acc, op_acc])
    times = np.concatenate([o_t, r_t, v_t, q_t, op_t, op_t + 30 + rng.uniform(0, 5, n_op)])
    rep_target = np.concatenate([np.full(n_orig, -1), r_tgt, np.zeros(n_viral, np.int64), np.full(n_reply, -1),
                                 op_tgt, np.full(n_op, -1)])
    reply_target = np.concatenate([np.full(n_orig + n_rep + n_viral, -1), q_tgt, np.full(2 * n_op, -1)])
    is_reply = np.array([k == "reply" for k in kinds])
    is_quote = np.array([k == "quote" for k in kinds])

    def ref(mask: np.ndarray, tgt: np.ndarray) -> pa.Array:
        return pa.array(np.where(mask & (tgt >= 0), orig_ids[np.maximum(tgt, 0)], None), pa.string())

    op_urls = [f"https://op{i % 3}.example/s/{t}" for i, t in enumerate(op_tgt)]
    text = o_text + [None] * (n_rep + n_viral) + ["reply text"] * n_reply + [None] * n_op + op_text
    empty = np.zeros(total - n_orig, np.int64)
    post_ids = np.concatenate([orig_ids, np.array([f"x{i}" for i in range(total - n_orig)])])
    hashtags = _lists(np.concatenate([tags, np.tile(["wake", "up", "truth"], n_op)]),
                      np.concatenate([nh, empty[: total - n_orig - n_op], np.full(n_op, 3)]))
    url_l = _lists(np.concatenate([urls, op_urls]), np.concatenate([nu, empty[: total - n_orig - n_op], np.ones(n_op, np.int64)]))
    dom_l = _lists(np.concatenate([doms, [u.split("/")[2] for u in op_urls]]),
                   np.concatenate([nu, empty[: total - n_orig - n_op], np.ones(n_op, np.int64)]))
    ts = pa.array((T0_US + times * 1e6).astype(np.int64), pa.timestamp("us", tz="UTC"))
    cols = {
        "platform": pa.array(["x"] * total), "post_id": pa.array(post_ids), "account_id": pa.array(acc_ids[accounts]),
        "created_at": ts, "kind": pa.array(kinds), "text": pa.array(text, pa.string()), "lang": pa.nulls(total, pa.string()),
        "hashtags": hashtags, "urls": url_l, "domains": dom_l, "mentions": pa.nulls(total, pa.list_(pa.string())),
        "reposted_post_id": ref(rep_target >= 0, rep_target),
        "reposted_account_id": pa.nulls(total, pa.string()),
        "replied_post_id": ref(is_reply, reply_target), "replied_account_id": pa.nulls(total, pa.string()),
        "quoted_post_id": ref(is_quote, reply_target), "client": pa.nulls(total, pa.string()),
        "source_file": pa.nulls(total, pa.string()), "source_record": pa.nulls(total, pa.int64()),
    }
    return pa.table(cols, schema=POSTS), n_op_groups * op_size


def write(ds_dir: Path, n: int, seed: int, stress: bool = False) -> dict:
    t0 = time.perf_counter()
    tbl, n_op = synth_posts(n, seed, **({"popularity": 0.9, "delay": 7200} if stress else {}))
    ds = Dataset.open(ds_dir, create=True)
    pq.write_table(tbl, ds.next_part("posts"), row_group_size=256_000)
    accs = pa.table({"platform": pa.array(["x"]), "account_id": pa.array(["u0"])})
    acc = {f.name: accs.column(f.name) if f.name in accs.column_names else pa.nulls(1, f.type) for f in ACCOUNTS}
    pq.write_table(pa.table(acc, schema=ACCOUNTS), ds.path / "accounts" / "accounts.parquet")
    return {"posts": tbl.num_rows, "operation_accounts": n_op, "generate_s": round(time.perf_counter() - t0, 1)}


def run_one(ds_dir: Path, signal: str | None, out: Path | None) -> dict:
    """One signal (or the whole coordinate run) in this process; prints JSON with peak RSS."""
    from unmask.coordinate import coordinate, run_signal
    from unmask.engine import connect

    t0 = time.perf_counter()
    if signal:
        con = connect()
        Dataset.open(ds_dir).register(con)
        st = run_signal(con, signal, "e", keep="q_value <= 0.01 AND n_shared >= 2")
        kept = con.execute("SELECT count(*) FROM e").fetchone()[0]
        res = {"signal": signal, "seconds": round(time.perf_counter() - t0, 2), "candidate_pairs": st["candidate_pairs"],
               "kept_edges": kept, "capped_events": st["capped_events"], "events": st["events"]}
    else:
        r = coordinate(ds_dir, out or Path(tempfile.mkdtemp()))
        res = {"signal": "ALL (coordinate)", "seconds": round(time.perf_counter() - t0, 2),
               "kept_edges": r.n_edges, "clusters": r.n_clusters}
    res["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 0)
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--signals", default=None)
    ap.add_argument("--all", action="store_true", help="also time the whole coordinate() run")
    ap.add_argument("--stress", action="store_true", help="denser reposts (Zipf 0.9, 2 h delays)")
    ap.add_argument("--keep", type=Path, default=None, help="dataset directory to reuse/keep")
    ap.add_argument("--run-one", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--dataset", type=Path, default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.run_one is not None:
        print(json.dumps(run_one(a.dataset, a.run_one or None, None)))
        return
    from unmask.signals import names

    ds_dir = a.keep or Path(tempfile.mkdtemp()) / "ds"
    if not (ds_dir / "manifest.json").exists():
        print(json.dumps(write(ds_dir, a.posts, a.seed, a.stress)), flush=True)
    sigs = a.signals.split(",") if a.signals else names()
    if a.all:
        sigs = [*sigs, ""]
    print(f"{'signal':<22}{'posts':>10}{'seconds':>9}{'peak MB':>9}{'cand. pairs':>13}{'edges':>8}", flush=True)
    n_posts = pq.ParquetFile(next((ds_dir / "posts").glob("*.parquet"))).metadata.num_rows
    for s in sigs:
        out = subprocess.run([sys.executable, __file__, "--run-one", s, "--dataset", str(ds_dir)],
                             capture_output=True, text=True, env={**os.environ}, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{r['signal']:<22}{n_posts:>10}{r['seconds']:>9}{r['peak_rss_mb']:>9.0f}"
              f"{r.get('candidate_pairs', ''):>13}{r['kept_edges']:>8}", flush=True)


if __name__ == "__main__":
    main()
