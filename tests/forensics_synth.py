"""Hand-built synthetic worlds with known answers for the forensics tests (numpy, explicit seeds)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from unmask.dataset import Dataset
from unmask.schema import ACCOUNTS, POSTS

EPOCH = dt.datetime(2017, 1, 2, tzinfo=dt.UTC)  # a Monday

#: A human day by local hour, deliberately not one of the fitting templates.
HUMAN = np.array([3, 1.5, 1, .6, .5, .6, 1.5, 4, 7, 8, 8.5, 9, 9, 8.5, 8.5, 9, 9, 9.5, 10, 11, 11.5, 11, 9, 6.])


def local_times(rng: np.random.Generator, n: int, *, days: int = 84, offset: float = 0.0,
                hour_weights: np.ndarray = HUMAN, weekday_weights: np.ndarray | None = None,
                start: dt.datetime = EPOCH) -> np.ndarray:
    """``n`` UTC epoch seconds for posts made on a local clock at UTC+``offset``."""
    ww = np.ones(7) if weekday_weights is None else np.asarray(weekday_weights, float)
    dw = ww[(np.arange(days) + start.weekday()) % 7]
    d = rng.choice(days, size=n, p=dw / dw.sum())
    h = rng.choice(24, size=n, p=hour_weights / hour_weights.sum())
    s = rng.integers(0, 3600, size=n)
    return start.timestamp() + d * 86400 + h * 3600 + s - offset * 3600


def posts_table(account_ids: np.ndarray, t: np.ndarray, **cols: Any) -> pa.Table:
    """A canonical posts table; extra columns (kind, text, client, urls, ...) by keyword."""
    n = len(t)
    data: dict[str, Any] = {
        "platform": ["twitter"] * n,
        "post_id": [f"p{i}" for i in range(n)],
        "account_id": [str(a) for a in account_ids],
        "created_at": pa.array((np.asarray(t) * 1e6).astype("int64"), pa.timestamp("us", tz="UTC")),
        "kind": cols.pop("kind", ["post"] * n),
    }
    data.update(cols)
    return pa.table({f.name: data.get(f.name, pa.nulls(n, f.type)) for f in POSTS}, schema=POSTS)


def accounts_table(rows: list[dict[str, Any]]) -> pa.Table:
    """A canonical accounts table from dicts (missing fields null)."""
    out = []
    for r in rows:
        r = dict(r)
        r.setdefault("platform", "twitter")
        if isinstance(r.get("created_at"), (int, float)):
            r["created_at"] = dt.datetime.fromtimestamp(r["created_at"], dt.UTC)
        out.append(r)
    return pa.Table.from_pylist(out, schema=ACCOUNTS)


def write_dataset(path: Path, posts: pa.Table, accounts: pa.Table | None = None) -> Dataset:
    """Write ``posts`` (and ``accounts``) as an unmask dataset at ``path``."""
    ds = Dataset.open(path, create=True)
    pq.write_table(posts, ds.path / "posts" / "part-00001.parquet")
    if accounts is None:
        ids = sorted(set(posts.column("account_id").to_pylist()))
        accounts = accounts_table([{"account_id": a} for a in ids])
    pq.write_table(accounts, ds.path / "accounts" / "accounts.parquet")
    return ds


CONTENT = ["election", "vote", "media", "truth", "police", "city", "people", "news", "today", "country", "world", "money", "power", "video", "freedom", "school", "family", "war", "game", "music", "police", "story", "women", "workers", "tax", "border", "law", "church"]
FUNC = ["the", "a", "an", "and", "but", "or", "of", "to", "in", "on", "at", "for", "with", "by", "from", "is", "are", "was", "it", "this", "that", "i", "you", "we", "they", "not", "so", "just", "very"]


def make_style(rng: np.random.Generator) -> dict[str, Any]:
    """A synthetic writing hand: function-word taste, punctuation habits, sentence length, case."""
    return {
        "fw": rng.dirichlet(np.full(len(FUNC), 0.3)),
        "fw_rate": rng.uniform(0.2, 0.6),
        "end": rng.dirichlet(np.full(4, 0.4)),  # '.', '!', '?', '...'
        "comma": rng.uniform(0, 0.4),
        "sent_len": rng.uniform(4, 14),
        "lower": rng.random() < 0.5,
        "sentences": rng.uniform(1, 3),
    }


def write_post(rng: np.random.Generator, st: dict[str, Any]) -> str:
    """One post in style ``st``."""
    out = []
    for _ in range(max(1, rng.poisson(st["sentences"]))):
        n = max(2, rng.poisson(st["sent_len"]))
        words = [FUNC[rng.choice(len(FUNC), p=st["fw"])] if rng.random() < st["fw_rate"]
                 else CONTENT[rng.integers(len(CONTENT))] for _ in range(n)]
        s = " ".join(w + ("," if rng.random() < st["comma"] / 3 else "") for w in words).rstrip(",")
        s = s if st["lower"] else s[0].upper() + s[1:]
        out.append(s + [".", "!", "?", "..."][rng.choice(4, p=st["end"])])
    return " ".join(out)


def shift_farm_times(rng: np.random.Generator, offset: float, *, days: int = 56, holiday: int = 30,
                     per_shift: int = 10, staffing_weekend: float = 0.4) -> tuple[np.ndarray, np.ndarray]:
    """(account ids, UTC epoch seconds) of a three-shift farm at UTC+``offset``: shifts 07-15,
    15-23, 23-07 local, ``per_shift`` accounts each, posting uniformly inside their shift; an
    operation day begins with the 07:00 shift; Saturday and Sunday staffed at ``staffing_weekend``;
    day ``holiday`` closed (and the night shift running into it)."""
    accs, ts = [], []
    for d in range(days):
        if d == holiday:
            continue
        weekend = (d + EPOCH.weekday()) % 7 in (5, 6)
        for s, start in enumerate((7, 15, 23)):
            if start == 23 and d + 1 == holiday:
                continue
            for a in range(s * per_shift, (s + 1) * per_shift):
                if weekend and rng.random() > staffing_weekend:
                    continue
                k = rng.poisson(6)
                accs.append(np.full(k, a))
                ts.append(EPOCH.timestamp() + d * 86400 + start * 3600 + rng.uniform(0, 8 * 3600, k) - offset * 3600)
    return np.concatenate(accs), np.concatenate(ts)


def habit_post(rng: np.random.Generator, body: str, habit: dict[str, str]) -> str:
    """``body`` dressed in an operator's habits: case, opening phrase, sign-off, final punctuation, emoji."""
    x = body.lower() if habit["case"] == "lower" else body.upper() if habit["case"] == "upper" else body
    if habit.get("opening"):
        x = f"{habit['opening']}, {x}"
    if habit.get("closing"):
        x = f"{x} ... {habit['closing']}"
    x = x.rstrip(".!?") + habit["punct"]
    return f"{x} {habit['emoji']}".strip()
