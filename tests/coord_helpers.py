"""Helpers for the coordination tests: build canonical posts tables and write them as datasets."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from unmask.dataset import Dataset
from unmask.schema import ACCOUNTS, POSTS

T0 = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)


def posts_table(rows: list[dict[str, Any]]) -> pa.Table:
    """A posts table following schema.POSTS; missing fields are NULL, ``t`` (seconds) sets created_at."""
    cols: dict[str, list[Any]] = {f.name: [] for f in POSTS}
    for i, r in enumerate(rows):
        r = dict(r)
        if "t" in r:
            r["created_at"] = T0 + dt.timedelta(seconds=float(r.pop("t")))
        r.setdefault("platform", "x")
        r.setdefault("post_id", f"p{i}")
        r.setdefault("kind", "post")
        for f in POSTS:
            cols[f.name].append(r.get(f.name))
    return pa.table(cols, schema=POSTS)


def write_dataset(path: Path, posts: pa.Table) -> Dataset:
    """Write ``posts`` (and one accounts row per account, handle = '@' + id) as a dataset at ``path``."""
    import pyarrow.parquet as pq

    ds = Dataset.open(path, create=True)
    pq.write_table(posts, ds.next_part("posts"))
    accs = sorted(set(posts.column("account_id").to_pylist()))
    acc = {f.name: [None] * len(accs) for f in ACCOUNTS}
    acc["platform"] = ["x"] * len(accs)
    acc["account_id"] = accs
    acc["handle"] = ["@" + a for a in accs]
    pq.write_table(pa.table(acc, schema=ACCOUNTS), ds.path / "accounts" / "accounts.parquet")
    return ds


def planted_world(seed: int = 0, *, n_org: int = 300, n_group: int = 8, n_items: int = 25,
                  swarm: int = 0) -> tuple[list[dict[str, Any]], set[str]]:
    """Organic accounts acting independently plus one planted lockstep group (ids 'op*').

    Organic: each account reposts ~20 of 400 posts (Zipf popularity) at random times over 3 days,
    writes a few original posts with random hashtags/urls/texts. Operation: ``n_group`` accounts
    repost the same ``n_items`` posts within 30 s of each other (and within 5 s of publication),
    post the same texts (with small edits), the same hashtag block and the same links.
    ``swarm`` > 0 adds a viral post reposted by that many organic accounts within one hour.
    """
    rng = np.random.default_rng(seed)
    horizon = 3 * 86400
    rows: list[dict[str, Any]] = []
    orig_t = rng.uniform(0, horizon, 400)
    for j in range(400):
        rows.append({"post_id": f"o{j}", "account_id": f"src{j % 40}", "t": orig_t[j], "kind": "post",
                     "text": f"original news item number {j} about topic {j % 7}"})
    pop = 1.0 / np.arange(1, 401) ** 0.8
    pop /= pop.sum()
    words = [f"w{k}" for k in range(2000)]
    k = 0
    for a in range(n_org):
        acc = f"org{a:04d}"
        for j in rng.choice(400, size=20, p=pop):
            rows.append({"post_id": f"r{k}", "account_id": acc, "kind": "repost", "reposted_post_id": f"o{j}",
                         "t": orig_t[j] + (rng.uniform(0, 10) if rng.random() < 0.1 else rng.exponential(6 * 3600))})
            k += 1
        for _ in range(5):
            tags = [f"tag{x}" for x in rng.choice(50, size=rng.integers(0, 4), replace=False)]
            u = f"https://site{rng.integers(0, 30)}.example/a/{rng.integers(0, 200)}"
            rows.append({"post_id": f"r{k}", "account_id": acc, "kind": "post", "t": rng.uniform(0, horizon),
                         "text": " ".join(rng.choice(words, size=12)), "hashtags": tags, "urls": [u],
                         "domains": [u.split("/")[2]]})
            k += 1
    group = {f"op{g}" for g in range(n_group)}
    items = rng.choice(400, size=n_items, replace=False)
    for i, j in enumerate(items):
        base = orig_t[j] + rng.uniform(0, 3)
        text = f"shocking truth they hide from you about item {i} share before it gets deleted now"
        u = f"https://op-news.example/story/{i}"
        for g in range(n_group):
            tt = base + rng.uniform(0, 2)
            rows.append({"post_id": f"r{k}", "account_id": f"op{g}", "kind": "repost",
                         "reposted_post_id": f"o{j}", "t": tt})
            k += 1
            edit = text if g % 2 else text.replace("now", "today")
            rows.append({"post_id": f"r{k}", "account_id": f"op{g}", "kind": "post", "t": tt + 20 + rng.uniform(0, 5),
                         "text": edit, "hashtags": ["wake", "up", "truth"], "urls": [u], "domains": ["op-news.example"]})
            k += 1
    if swarm:
        tv = horizon / 2
        rows.append({"post_id": "viral", "account_id": "celebrity", "t": tv, "kind": "post", "text": "big news everyone"})
        for s in range(swarm):
            rows.append({"post_id": f"r{k}", "account_id": f"org{s % n_org:04d}" if s < n_org else f"fan{s}",
                         "kind": "repost", "reposted_post_id": "viral", "t": tv + rng.uniform(0, 3600)})
            k += 1
    return rows, group
