"""Output formats of a simulated world, written chunk by chunk.

``parquet`` writes a canonical unmask dataset directly. The other formats reproduce what an
investigator holds, written from each format's public documentation (not from unmask's readers,
so that a round trip tests the readers independently):

* ``io-archive``: Twitter's information-operations archive, 31-column CSV, every value quoted,
  lists as Python literals, ``tweet_time`` as ``YYYY-MM-DD HH:MM`` (UTC), coordinates ``absent``,
  plus the release's ``users_csv_hashed.csv``.
* ``twarc2``: raw Twitter API v2 response pages, one JSON object per line with ``data``,
  ``includes`` (users, referenced tweets), ``meta`` and twarc's ``__twarc`` block.
* ``jetstream``: Bluesky Jetstream JSON lines: ``commit`` events for ``app.bsky.feed.post`` and
  ``app.bsky.feed.repost`` (and ``app.bsky.actor.profile``), and ``identity`` events.
"""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from unmask import __version__
from unmask.dataset import Dataset
from unmask.schema import ACCOUNTS, POSTS, SCHEMA_VERSION
from unmask.simulate.world import KINDS, QUOTE, REGIONS, REPLY, REPOST, Chunk, World

__all__ = ["FORMATS", "IO_ARCHIVE_COLUMNS", "Writer", "did_of", "make_writer", "rkey_of"]

FORMATS = ("parquet", "io-archive", "twarc2", "jetstream")

IO_ARCHIVE_COLUMNS = [
    "tweetid", "userid", "user_display_name", "user_screen_name", "user_reported_location",
    "user_profile_description", "user_profile_url", "follower_count", "following_count",
    "account_creation_date", "account_language", "tweet_language", "tweet_text", "tweet_time",
    "tweet_client_name", "in_reply_to_userid", "in_reply_to_tweetid", "quoted_tweet_tweetid",
    "is_retweet", "retweet_userid", "retweet_tweetid", "latitude", "longitude", "quote_count",
    "reply_count", "like_count", "retweet_count", "hashtags", "urls", "user_mentions", "poll_choices",
]
IO_USERS_COLUMNS = ["userid", "user_display_name", "user_screen_name", "user_reported_location",
                    "user_profile_description", "user_profile_url", "follower_count", "following_count",
                    "account_creation_date", "account_language"]
CITY = {"us_east": "New York, NY", "us_west": "Los Angeles, CA", "uk": "London", "germany": "Berlin",
        "nigeria": "Lagos, Nigeria", "russia": "Moscow", "iran": "Tehran, Iran", "india": "Mumbai, India",
        "brazil": "São Paulo, Brasil", "japan": "東京", "indonesia": "Jakarta"}
_B32S = "234567abcdefghijklmnopqrstuvwxyz"  # base32-sortable (AT Protocol TIDs)


def rkey_of(n: int) -> str:
    """A 13-character TID-shaped record key for a numeric id (unique, time-sortable)."""
    s = []
    for _ in range(13):
        s.append(_B32S[n & 31])
        n >>= 5
    return "".join(reversed(s))


def did_of(n: int) -> str:
    """A ``did:plc:`` identifier (24 base32 characters) for a numeric account id."""
    s = []
    x = (n * 0x9E3779B97F4A7C15) & ((1 << 120) - 1) | (n << 64)
    for _ in range(24):
        s.append("abcdefghijklmnopqrstuvwxyz234567"[x & 31])
        x >>= 5
    return "did:plc:" + "".join(s)


def _iso_z(ms: int) -> str:
    return _dt.datetime.fromtimestamp(ms / 1000, _dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def _minute(ms: np.ndarray) -> list[str]:
    return [x.replace("T", " ") for x in np.datetime_as_string(ms.astype("datetime64[ms]"), unit="m").tolist()]


class Writer:
    """Base writer: canonical Arrow conversion shared by all formats."""

    platform = "twitter"

    def __init__(self, world: World, out: Path) -> None:
        self.w = world
        self.out = out
        self.records = 0
        self.lang = np.array([r[3] for r in REGIONS], dtype=object)

    # ids as the platform spells them
    def account_ids(self, idx: np.ndarray) -> np.ndarray:
        """Platform account ids of account indices."""
        return self.w.account_num[idx].astype(str).astype(object)

    def post_ids(self, num: np.ndarray, acct: np.ndarray, kind: np.ndarray | None = None) -> np.ndarray:
        """Platform post ids of numeric post ids."""
        return num.astype(str).astype(object)

    def canonical(self, ch: Chunk, source_file: str = "") -> pa.Table:
        """The chunk as rows of :data:`unmask.schema.POSTS`."""
        w, n = self.w, len(ch)
        tags = ch.tags
        has = tags >= 0
        tag_vals = np.array(w.tags, dtype=object)[tags[has]]
        tag_off = np.concatenate([[0], np.cumsum(has.sum(1))]).astype(np.int32)
        hu = ch.url >= 0
        urls = np.array([w.url_str(u) for u in ch.url[hu].tolist()], dtype=object)
        doms = np.array([w.domains[int(u) >> 32] for u in ch.url[hu].tolist()], dtype=object)
        u_off = np.concatenate([[0], np.cumsum(hu)]).astype(np.int32)
        hm = ch.mention >= 0
        m_off = np.concatenate([[0], np.cumsum(hm)]).astype(np.int32)
        ment = self.account_ids(ch.mention[hm])

        def ref(kind: int, acct: bool = False) -> pa.Array:
            m = ch.kind == kind
            vals = np.full(n, None, dtype=object)
            if m.any():
                vals[m] = self.account_ids(ch.ref_acct[m]) if acct else self.post_ids(ch.ref_id[m], ch.ref_acct[m])
            return pa.array(vals, pa.string())

        cols = {
            "platform": pa.array(np.full(n, self.platform, dtype=object), pa.string()),
            "post_id": pa.array(self.post_ids(ch.post_id, ch.acct, ch.kind), pa.string()),
            "account_id": pa.array(self.account_ids(ch.acct), pa.string()),
            "created_at": pa.array(ch.t_ms * 1000, pa.timestamp("us", tz="UTC")),
            "kind": pa.array(np.array(KINDS, dtype=object)[ch.kind], pa.string()),
            "text": pa.array(ch.text, pa.string()),
            "lang": pa.array(self.lang[w.region[ch.acct]], pa.string()),
            "hashtags": pa.ListArray.from_arrays(pa.array(tag_off), pa.array(tag_vals, pa.string())),
            "urls": pa.ListArray.from_arrays(pa.array(u_off), pa.array(urls, pa.string())),
            "domains": pa.ListArray.from_arrays(pa.array(u_off), pa.array(doms, pa.string())),
            "mentions": pa.ListArray.from_arrays(pa.array(m_off), pa.array(ment, pa.string())),
            "reposted_post_id": ref(REPOST),
            "reposted_account_id": ref(REPOST, True),
            "replied_post_id": ref(REPLY),
            "replied_account_id": ref(REPLY, True),
            "quoted_post_id": ref(QUOTE),
            "client": pa.array(np.array(w.clients, dtype=object)[w.client[ch.acct]], pa.string()),
            "source_file": pa.array(np.full(n, source_file, dtype=object), pa.string()),
            "source_record": pa.array(np.arange(self.records + 1, self.records + n + 1), pa.int64()),
        }
        return pa.Table.from_pydict(cols, schema=POSTS)

    def accounts_table(self, source_file: str = "") -> pa.Table:
        """Every account that posted, as rows of :data:`unmask.schema.ACCOUNTS`."""
        w = self.w
        ix = np.nonzero(w.n_posts > 0)[0]
        prof = self.profiles(ix)
        ts = pa.timestamp("us", tz="UTC")
        return pa.Table.from_pydict({
            "platform": pa.array([self.platform] * len(ix), pa.string()),
            "account_id": pa.array(self.account_ids(ix), pa.string()),
            "handle": pa.array(prof["handle"], pa.string()),
            "display_name": pa.array(prof["name"], pa.string()),
            "description": pa.array(prof["description"], pa.string()),
            "location": pa.array(prof["location"], pa.string()),
            "url": pa.array([None] * len(ix), pa.string()),
            "created_at": pa.array(w.created_ms[ix] * 1000, ts),
            "followers": pa.array(w.followers[ix], pa.int64()),
            "following": pa.array(w.following[ix], pa.int64()),
            "posts_count": pa.array(prof["posts_count"], pa.int64()),
            "lang": pa.array(self.lang[w.region[ix]], pa.string()),
            "verified": pa.array(w.verified[ix], pa.bool_()),
            "default_profile": pa.array(w.default_profile[ix], pa.bool_()),
            "default_image": pa.array(w.default_image[ix], pa.bool_()),
            "first_seen": pa.array(w.first_ms[ix] * 1000, ts),
            "last_seen": pa.array(w.last_ms[ix] * 1000, ts),
            "snapshot_at": pa.array(np.full(len(ix), w.t1 * 1000), ts),
            "snapshot_source": pa.array(["profile"] * len(ix), pa.string()),
            "source_file": pa.array([source_file] * len(ix), pa.string()),
        }, schema=ACCOUNTS)

    def profiles(self, ix: np.ndarray) -> dict[str, list[Any]]:
        """Profile strings of accounts ``ix`` (deterministic from the world)."""
        from unmask.simulate.world import FIRST, LAST, WORDS

        w = self.w
        name = [f"{FIRST[w.first_name[i]].capitalize()} {LAST[w.last_name[i]].capitalize()}" for i in ix.tolist()]
        desc = []
        for i in ix.tolist():
            if not w.has_description[i]:
                desc.append("")
                continue
            k = 4 + (i * 7) % 9
            desc.append(" ".join(WORDS[(i * 31 + j * 17) % len(WORDS)] for j in range(k)))
        loc = [CITY[REGIONS[w.region[i]][0]] if (i * 13) % 10 < 6 else "" for i in ix.tolist()]
        age_d = (w.t1 - w.created_ms[ix]) / 86_400_000
        prior = (np.minimum(w.rate[ix], 300) * age_d * 0.5).astype(np.int64)
        return {"handle": [w.handles[i] for i in ix.tolist()], "name": name, "description": desc,
                "location": loc, "posts_count": (w.n_posts[ix] + prior).tolist()}

    def write(self, ch: Chunk) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def close(self) -> list[Path]:  # pragma: no cover - abstract
        raise NotImplementedError


class ParquetWriter(Writer):
    """A canonical unmask dataset: ``posts/part-*.parquet``, ``accounts/``, ``manifest.json``."""

    def __init__(self, world: World, out: Path) -> None:
        super().__init__(world, out)
        self.ds = Dataset.open(out / "dataset", create=True)
        self.files: list[Path] = []

    def write(self, ch: Chunk) -> None:
        """Write one chunk as the next posts part."""
        part = self.ds.next_part("posts")
        t = self.canonical(ch, "simulate")
        pq.write_table(t, part, compression="zstd", row_group_size=500_000)
        self.records += len(ch)
        self.files.append(part)

    def close(self) -> list[Path]:
        """Write the accounts table and the manifest's input record."""
        pq.write_table(self.accounts_table("simulate"), self.ds.path / "accounts" / "accounts.parquet",
                       compression="zstd")
        self.ds.add_input({
            "path": "simulate", "size": sum(p.stat().st_size for p in self.files), "sha256": None,
            "format": "simulate", "records": self.records, "ingested": self.records, "duplicate": 0,
            "rejected": 0, "tool_version": __version__, "schema_version": SCHEMA_VERSION,
            "simulation": {"seed": self.w.p.seed, "profile": self.w.p.profile, "scale": self.w.p.scale},
        })
        return [self.ds.path]


class IOArchiveWriter(Writer):
    """Twitter information-operations archive CSVs (tweets and users)."""

    def __init__(self, world: World, out: Path) -> None:
        super().__init__(world, out)
        (out / "input").mkdir(parents=True, exist_ok=True)
        self.path = out / "input" / "simulated_tweets_csv_hashed.csv"
        self.schema = pa.schema([(c, pa.string()) for c in IO_ARCHIVE_COLUMNS])
        self.writer = pacsv.CSVWriter(self.path, self.schema,
                                      write_options=pacsv.WriteOptions(quoting_style="all_valid"))

    def _prof_cols(self, acct: np.ndarray) -> dict[str, list[Any]]:
        w = self.w
        u, inv = np.unique(acct, return_inverse=True)
        pr = self.profiles(u)
        created = np.datetime_as_string(w.created_ms[u].astype("datetime64[ms]"), unit="D").astype(object)
        per = {
            "userid": self.account_ids(u), "user_display_name": np.array(pr["name"], dtype=object),
            "user_screen_name": np.array(pr["handle"], dtype=object),
            "user_reported_location": np.array(pr["location"], dtype=object),
            "user_profile_description": np.array(pr["description"], dtype=object),
            "user_profile_url": np.full(len(u), "", dtype=object),
            "follower_count": w.followers[u].astype(str).astype(object),
            "following_count": w.following[u].astype(str).astype(object),
            "account_creation_date": created,
            "account_language": self.lang[w.region[u]],
        }
        return {k: v[inv].tolist() for k, v in per.items()}

    def write(self, ch: Chunk) -> None:
        """Append one chunk's rows."""
        w, n = self.w, len(ch)
        cols: dict[str, list[Any]] = self._prof_cols(ch.acct)
        tco = [f"https://t.co/{rkey_of(int(x))[:10]}" for x in ch.post_id.tolist()]
        text = []
        for i, (t, u) in enumerate(zip(ch.text, ch.url.tolist(), strict=True)):
            text.append(t.replace(w.url_str(u), tco[i]) if u >= 0 else t)
        empty = [""] * n
        kind = ch.kind
        sid = self.account_ids

        def opt(mask: np.ndarray, vals: np.ndarray) -> list[str]:
            out = np.full(n, "", dtype=object)
            out[mask] = vals[mask].astype(str)
            return out.tolist()

        cols.update({
            "tweetid": ch.post_id.astype(str).tolist(),
            "tweet_language": self.lang[w.region[ch.acct]].tolist(),
            "tweet_text": text,
            "tweet_time": _minute(ch.t_ms),
            "tweet_client_name": np.array(w.clients, dtype=object)[w.client[ch.acct]].tolist(),
            "in_reply_to_userid": opt(kind == REPLY, w.account_num[np.maximum(ch.ref_acct, 0)]),
            "in_reply_to_tweetid": opt(kind == REPLY, ch.ref_id),
            "quoted_tweet_tweetid": opt(kind == QUOTE, ch.ref_id),
            "is_retweet": np.where(kind == REPOST, "true", "false").tolist(),
            "retweet_userid": opt(kind == REPOST, w.account_num[np.maximum(ch.ref_acct, 0)]),
            "retweet_tweetid": opt(kind == REPOST, ch.ref_id),
            "latitude": ["absent"] * n, "longitude": ["absent"] * n,
            "quote_count": ["0"] * n, "reply_count": ["0"] * n, "like_count": ["0"] * n,
            "retweet_count": ["0"] * n,
            "hashtags": [repr([w.tags[t] for t in row if t >= 0]) for row in ch.tags.tolist()],
            "urls": [repr([w.url_str(u)]) if u >= 0 else "[]" for u in ch.url.tolist()],
            "user_mentions": [repr([str(x)]) if m >= 0 else "[]"
                              for m, x in zip(ch.mention.tolist(), sid(np.maximum(ch.mention, 0)).tolist(), strict=True)],
            "poll_choices": empty,
        })
        self.writer.write_table(pa.Table.from_pydict(cols, schema=self.schema))
        self.records += n

    def close(self) -> list[Path]:
        """Close the tweets file and write the users file."""
        self.writer.close()
        ix = np.nonzero(self.w.n_posts > 0)[0]
        cols = self._prof_cols(ix)
        users = self.out / "input" / "simulated_users_csv_hashed.csv"
        pacsv.write_csv(pa.Table.from_pydict({c: cols[c] for c in IO_USERS_COLUMNS},
                                             schema=pa.schema([(c, pa.string()) for c in IO_USERS_COLUMNS])),
                        users, write_options=pacsv.WriteOptions(quoting_style="all_valid"))
        return [self.path, users]


class Twarc2Writer(Writer):
    """twarc2 raw output: one Twitter API v2 response page (<= 100 tweets) per line."""

    PAGE = 100

    def __init__(self, world: World, out: Path) -> None:
        super().__init__(world, out)
        (out / "input").mkdir(parents=True, exist_ok=True)
        self.path = out / "input" / "simulated_twarc2.jsonl"
        self.f = self.path.open("w", encoding="utf-8")
        self._users: dict[int, dict[str, Any]] = {}

    def _user(self, i: int, prof: dict[str, list[Any]], j: int) -> dict[str, Any]:
        w = self.w
        return {
            "id": str(int(w.account_num[i])), "username": prof["handle"][j], "name": prof["name"][j],
            "created_at": _iso_z(int(w.created_ms[i])), "description": prof["description"][j],
            "location": prof["location"][j] or None, "protected": False, "verified": bool(w.verified[i]),
            "profile_image_url": ("https://abs.twimg.com/sticky/default_profile_images/default_profile_normal.png"
                                  if w.default_image[i] else f"https://pbs.twimg.com/profile_images/{i}/photo_normal.jpg"),
            "public_metrics": {"followers_count": int(w.followers[i]), "following_count": int(w.following[i]),
                               "tweet_count": int(prof["posts_count"][j]), "listed_count": 0},
        }

    def write(self, ch: Chunk) -> None:
        """Write the chunk as API pages."""
        w = self.w
        ts = _dt.datetime.fromtimestamp(w.t1 / 1000, _dt.UTC).isoformat()
        for a in range(0, len(ch), self.PAGE):
            sl = slice(a, min(a + self.PAGE, len(ch)))
            acct, pid = ch.acct[sl], ch.post_id[sl]
            users = np.unique(np.concatenate([acct, ch.ref_acct[sl][ch.ref_acct[sl] >= 0],
                                              ch.mention[sl][ch.mention[sl] >= 0]]))
            new = np.array([u for u in users.tolist() if u not in self._users], np.int64)
            if len(new):
                prof = self.profiles(new)
                for j, i in enumerate(new.tolist()):
                    self._users[i] = self._user(i, prof, j)
            data, inc_tweets = [], []
            for k in range(sl.start, sl.stop):
                text, u, kind = ch.text[k], int(ch.url[k]), int(ch.kind[k])
                tid = str(int(ch.post_id[k]))
                ents: dict[str, list[dict[str, Any]]] = {}
                if u >= 0:
                    full = w.url_str(u)
                    tco = f"https://t.co/{rkey_of(int(ch.post_id[k]))[:10]}"
                    text = text.replace(full, tco)
                    s = text.find(tco)
                    ents["urls"] = [{"start": s, "end": s + len(tco), "url": tco, "expanded_url": full,
                                     "display_url": full.split("://", 1)[1][:25]}]
                tags = [w.tags[t] for t in ch.tags[k].tolist() if t >= 0]
                if tags:
                    ents["hashtags"] = []
                    for tg in tags:
                        s = text.find("#" + tg)
                        if s >= 0:
                            ents["hashtags"].append({"start": s, "end": s + 1 + len(tg), "tag": tg})
                if ch.mention[k] >= 0 or kind == REPOST:
                    m = int(ch.mention[k]) if ch.mention[k] >= 0 else int(ch.ref_acct[k])
                    h = w.handles[m]
                    s = text.find("@" + h)
                    ents["mentions"] = [{"start": s, "end": s + 1 + len(h), "username": h,
                                         "id": str(int(w.account_num[m]))}]
                tw: dict[str, Any] = {
                    "id": tid, "text": text, "author_id": str(int(w.account_num[ch.acct[k]])),
                    "created_at": _iso_z(int(ch.t_ms[k])), "conversation_id": tid,
                    "lang": self.lang[w.region[ch.acct[k]]], "source": w.clients[w.client[ch.acct[k]]],
                    "edit_history_tweet_ids": [tid], "possibly_sensitive": False,
                    "public_metrics": {"retweet_count": 0, "reply_count": 0, "like_count": 0, "quote_count": 0},
                }
                if ents:
                    tw["entities"] = ents
                if kind:
                    rtype = {REPOST: "retweeted", REPLY: "replied_to", QUOTE: "quoted"}[kind]
                    ref = str(int(ch.ref_id[k]))
                    tw["referenced_tweets"] = [{"type": rtype, "id": ref}]
                    if kind == REPLY:
                        tw["in_reply_to_user_id"] = str(int(w.account_num[ch.ref_acct[k]]))
                        tw["conversation_id"] = ref
                    if kind == REPOST:
                        inc_tweets.append({"id": ref, "text": text.split(": ", 1)[-1],
                                           "author_id": str(int(w.account_num[ch.ref_acct[k]])),
                                           "created_at": _iso_z(int(ch.ref_t_ms[k])),
                                           "edit_history_tweet_ids": [ref]})
                data.append(tw)
            page = {
                "data": data,
                "includes": {"users": [self._users[i] for i in users.tolist()],
                             **({"tweets": inc_tweets} if inc_tweets else {})},
                "meta": {"newest_id": str(int(pid.max())), "oldest_id": str(int(pid.min())),
                         "result_count": len(data), "next_token": f"b26v89c19zqg8o3f{a:08x}"},
                "__twarc": {"url": "https://api.twitter.com/2/tweets/search/all?query=simulated&max_results=100",
                            "version": "2.14.0", "retrieved_at": ts},
            }
            self.f.write(json.dumps(page, ensure_ascii=False) + "\n")
        self.records += len(ch)

    def close(self) -> list[Path]:
        """Close the file."""
        self.f.close()
        return [self.path]


class JetstreamWriter(Writer):
    """Bluesky Jetstream JSON lines (posts/reposts as commits; identities and profiles)."""

    platform = "bluesky"

    def __init__(self, world: World, out: Path) -> None:
        super().__init__(world, out)
        (out / "input").mkdir(parents=True, exist_ok=True)
        self.path = out / "input" / "simulated_jetstream.jsonl"
        self.f = self.path.open("w", encoding="utf-8")

    def account_ids(self, idx: np.ndarray) -> np.ndarray:
        """Bluesky DIDs."""
        return np.array([did_of(int(x)) for x in self.w.account_num[idx].tolist()], dtype=object)

    def post_ids(self, num: np.ndarray, acct: np.ndarray, kind: np.ndarray | None = None) -> np.ndarray:
        """``at://`` URIs of posts (and reposts, whose record lives in ``app.bsky.feed.repost``)."""
        dids = self.account_ids(acct)
        coll = np.full(len(num), "app.bsky.feed.post", dtype=object)
        if kind is not None:
            coll[kind == REPOST] = "app.bsky.feed.repost"
        return np.array([f"at://{d}/{c}/{rkey_of(int(n))}" for d, c, n in zip(dids.tolist(), coll.tolist(), num.tolist(), strict=True)],
                        dtype=object)

    @staticmethod
    def _cid(n: int) -> str:
        return "bafyrei" + (rkey_of(n) * 4)[:52]

    def write(self, ch: Chunk) -> None:
        """Write one commit event per post."""
        w = self.w
        dids = self.account_ids(ch.acct)
        rdid = self.account_ids(np.maximum(ch.ref_acct, 0))
        mdid = self.account_ids(np.maximum(ch.mention, 0))
        lines = []
        for k in range(len(ch)):
            n, kind = int(ch.post_id[k]), int(ch.kind[k])
            created = _iso_z(int(ch.t_ms[k]))
            rk = rkey_of(n)
            if kind:
                ref = {"cid": self._cid(int(ch.ref_id[k])),
                       "uri": f"at://{rdid[k]}/app.bsky.feed.post/{rkey_of(int(ch.ref_id[k]))}"}
            if kind == REPOST:
                coll = "app.bsky.feed.repost"
                rec: dict[str, Any] = {"$type": coll, "createdAt": created, "subject": ref}
            else:
                coll = "app.bsky.feed.post"
                text = ch.text[k]
                b = text.encode("utf-8")
                facets = []
                for t in ch.tags[k].tolist():
                    if t < 0:
                        continue
                    tb = ("#" + w.tags[t]).encode()
                    s = b.find(tb)
                    if s >= 0:
                        facets.append({"index": {"byteStart": s, "byteEnd": s + len(tb)},
                                       "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": w.tags[t]}]})
                if ch.url[k] >= 0:
                    ub = w.url_str(int(ch.url[k])).encode()
                    s = b.find(ub)
                    facets.append({"index": {"byteStart": s, "byteEnd": s + len(ub)},
                                   "features": [{"$type": "app.bsky.richtext.facet#link", "uri": ub.decode()}]})
                if ch.mention[k] >= 0:
                    hb = ("@" + w.handles[int(ch.mention[k])]).encode()
                    s = b.find(hb)
                    if s >= 0:
                        facets.append({"index": {"byteStart": s, "byteEnd": s + len(hb)},
                                       "features": [{"$type": "app.bsky.richtext.facet#mention", "did": mdid[k]}]})
                rec = {"$type": coll, "createdAt": created, "langs": [self.lang[w.region[ch.acct[k]]]], "text": text}
                if facets:
                    rec["facets"] = facets
                if kind == REPLY:
                    rec["reply"] = {"root": ref, "parent": ref}
                elif kind == QUOTE:
                    rec["embed"] = {"$type": "app.bsky.embed.record", "record": ref}
            ev = {"did": dids[k], "time_us": int(ch.t_ms[k]) * 1000 + 250_000 + (n % 997) * 100, "kind": "commit",
                  "commit": {"rev": rk, "operation": "create", "collection": coll, "rkey": rk,
                             "record": rec, "cid": self._cid(n)}}
            lines.append(json.dumps(ev, ensure_ascii=False))
        self.f.write("\n".join(lines) + ("\n" if lines else ""))
        self.records += len(ch)

    def close(self) -> list[Path]:
        """Write identity and profile events of every account that posted (a second file)."""
        self.f.close()
        w = self.w
        ix = np.nonzero(w.n_posts > 0)[0]
        pr = self.profiles(ix)
        dids = self.account_ids(ix)
        path = self.out / "input" / "simulated_jetstream_identities.jsonl"
        with path.open("w", encoding="utf-8") as f:
            for j, i in enumerate(ix.tolist()):
                t_us = int(w.first_ms[i]) * 1000 - 1_000_000
                when = _iso_z(t_us // 1000)
                f.write(json.dumps({"did": dids[j], "time_us": t_us, "kind": "identity",
                                    "identity": {"did": dids[j], "handle": pr["handle"][j].lower().replace("_", "-") + ".bsky.social",
                                                 "seq": 1000 + j, "time": when}}, ensure_ascii=False) + "\n")
                f.write(json.dumps({"did": dids[j], "time_us": t_us + 1, "kind": "commit",
                                    "commit": {"rev": rkey_of(t_us), "operation": "update",
                                               "collection": "app.bsky.actor.profile", "rkey": "self",
                                               "record": {"$type": "app.bsky.actor.profile",
                                                          "displayName": pr["name"][j],
                                                          "description": pr["description"][j],
                                                          "createdAt": _iso_z(int(w.created_ms[i]))},
                                               "cid": self._cid(t_us)}}, ensure_ascii=False) + "\n")
        return [self.path, path]


def make_writer(fmt: str, world: World, out: Path) -> Writer:
    """The writer for output format ``fmt``."""
    cls = {"parquet": ParquetWriter, "io-archive": IOArchiveWriter, "twarc2": Twarc2Writer,
           "jetstream": JetstreamWriter}.get(fmt)
    if cls is None:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return cls(world, out)
