"""The Jetstream reader on hand-written Bluesky events: posts, reposts, profiles and the rest."""

from __future__ import annotations

from pathlib import Path

import duckdb

import unmask
from helpers import rows
from unmask.ingest import sniff

A = "did:plc:alice4n2xq7w3ztlm5k6vj"
B = "did:plc:bob77aa2ve5cqk3hy2wrwm5"
C = "did:plc:carolz7k2mxe2ns7h6g3pd"
D = "did:web:dave.example.com"
ALICE_POST = f"at://{A}/app.bsky.feed.post/3l3qo2vuowo2b"
BOB_REPLY = f"at://{B}/app.bsky.feed.post/3l3qp5bxyz22a"



def test_posts_reposts_and_counts(tmp_path: Path, fixtures: Path) -> None:
    src = fixtures / "jetstream" / "events.jsonl"
    assert sniff(src)[0].name == "jetstream"
    f = unmask.ingest_files([src], tmp_path / "ds").files[0]
    # 17 lines: 8 distinct posts/reposts, 1 replayed post, 2 account records (identity + profile),
    # like, follow, delete, account event, '42' and a cut line
    assert (f.format, f.records, f.ingested, f.duplicate, f.rejected) == ("jetstream", 17, 10, 1, 6)
    assert any("timed by the event's time_us" in n for n in f.notes)
    posts = {r["post_id"]: r for r in rows(tmp_path / "ds", "posts")}
    assert len(posts) == 8 and {p["platform"] for p in posts.values()} == {"bluesky"}

    p = posts[ALICE_POST]
    assert (p["kind"], p["account_id"], p["lang"], p["source_record"]) == ("post", A, "ar", 1)
    assert p["text"] == "صوتوا اليوم 🗳️ #Vote2024 example.com/a @bob.bsky.social"
    assert p["hashtags"] == ["vote2024"]
    assert p["urls"] == ["https://example.com/a"]  # link facet and external card, normalised, once
    assert p["domains"] == ["example.com"] and p["mentions"] == [B]
    assert str(p["created_at"]) == "2024-09-09 19:46:02.102000+00:00"

    r = posts[BOB_REPLY]
    assert (r["kind"], r["replied_post_id"], r["replied_account_id"], r["lang"]) == ("reply", ALICE_POST, A, "he")
    q = posts[f"at://{C}/app.bsky.feed.post/3l3qq1aaaaa2c"]
    assert (q["kind"], q["quoted_post_id"], q["hashtags"]) == ("quote", ALICE_POST, ["vote2024", "ελλάδα"])
    qm = posts[f"at://{C}/app.bsky.feed.post/3l3qq1bbbbb2c"]  # recordWithMedia
    assert (qm["kind"], qm["quoted_post_id"]) == ("quote", BOB_REPLY)
    feed = posts[f"at://{C}/app.bsky.feed.post/3l3qt0ggggg2c"]  # embeds a feed generator, not a post
    assert (feed["kind"], feed["quoted_post_id"]) == ("post", None)
    rp = posts[f"at://{D}/app.bsky.feed.repost/3l3qr7ccccc2d"]
    assert (rp["kind"], rp["account_id"], rp["text"]) == ("repost", D, None)
    assert (rp["reposted_post_id"], rp["reposted_account_id"]) == (ALICE_POST, A)
    assert str(rp["created_at"]) == "2024-09-09 19:49:02+00:00"
    late = posts[f"at://{B}/app.bsky.feed.post/3l3qs9fffff2b"]  # createdAt 'not a date': time_us used
    assert str(late["created_at"]) == "2024-09-09 19:49:42.329308+00:00"
    old = posts[f"at://{B}/app.bsky.feed.post/3l3qu1hhhhh2b"]  # early Jetstream layout
    assert (old["kind"], old["text"]) == ("post", "old jetstream layout")

    rejects = rows(tmp_path / "ds", "rejects", order="source_record")
    assert [(x["source_record"], x["reason"]) for x in rejects] == [
        (6, "out of scope: app.bsky.feed.like create"),
        (7, "out of scope: app.bsky.graph.follow create"),
        (8, "out of scope: app.bsky.feed.post delete"),
        (10, "out of scope: account status event"),
        (14, "JSON value is not an object"),
        (17, "not valid JSON (truncated or malformed line)"),
    ]
    assert '"app.bsky.feed.like"' in rejects[0]["raw"]


def test_profiles_and_handles_update_accounts(tmp_path: Path, fixtures: Path) -> None:
    unmask.ingest_files([fixtures / "jetstream" / "events.jsonl"], tmp_path / "ds")
    acc = {r["account_id"]: r for r in rows(tmp_path / "ds", "accounts")}
    assert set(acc) == {A, B, C, D}
    a = acc[A]
    assert (a["handle"], a["display_name"], a["description"]) == ("alice.bsky.social", "أليس 🌸", "reporter · مراسلة")
    assert str(a["created_at"]) == "2023-04-01 10:00:00+00:00" and a["default_image"] is False
    assert a["snapshot_source"] == "profile" and str(a["snapshot_at"]) == "2024-09-09 19:49:32.329308+00:00"
    assert str(a["first_seen"]) == "2024-09-09 19:46:02.102000+00:00"
    assert acc[D]["handle"] is None and str(acc[D]["last_seen"]) == "2024-09-09 19:49:02+00:00"


def test_same_file_twice_adds_nothing(tmp_path: Path, fixtures: Path) -> None:
    ds = tmp_path / "ds"
    src = fixtures / "jetstream" / "events.jsonl"
    unmask.ingest_files([src], ds)
    again = unmask.ingest_files([src], ds).files[0]
    # the two account records are ingested again (they refresh profiles), posts are all duplicates
    assert (again.records, again.ingested, again.duplicate, again.rejected) == (17, 2, 9, 6)
    assert len(rows(ds, "posts")) == 8
    assert len(rows(ds, "accounts")) == 4


def test_bad_events_are_rejected_with_reasons(tmp_path: Path) -> None:
    src = tmp_path / "bad.jsonl"
    src.write_text(
        '{"did": "did:plc:x", "time_us": 1725911162329308, "kind": "identity", "identity": {"did": "did:plc:x"}}\n'
        '{"did": "did:plc:x", "time_us": 1725911162329308, "kind": "commit", "commit": {"operation": "create",'
        ' "collection": "app.bsky.feed.repost", "rkey": "r1", "record": {"createdAt": "2024-09-09T00:00:00Z"}}}\n'
        '{"did": "did:plc:x", "time_us": 1725911162329308, "kind": "commit", "commit": {"operation": "create",'
        ' "collection": "app.bsky.feed.post", "record": {"text": "no rkey"}}}\n'
        '{"hello": 1}\n'
        '{"did": "did:plc:x", "time_us": 9223372036854775807, "kind": "commit", "commit": {"operation": "create",'
        ' "collection": "app.bsky.feed.post", "rkey": "r2", "record": {"text": "time out of range"}}}\n'
        '{"did": "did:plc:x", "time_us": 1725911162329308, "kind": "commit", "commit": {"operation": "create",'
        ' "collection": "app.bsky.feed.post", "rkey": "r3"}}\n'
    )
    f = unmask.ingest_files([src], tmp_path / "ds", format="jetstream").files[0]
    assert f.error is None and (f.records, f.rejected) == (6, 6)
    reasons = [(r["source_record"], r["field"], r["reason"]) for r in rows(tmp_path / "ds", "rejects", order="1, 2")]
    assert reasons == [
        (1, None, "identity event without a DID or handle"),
        (2, "subject.uri", "repost without subject.uri"),
        (3, "commit.rkey", "missing commit.rkey"),
        (4, None, "not a Jetstream event (keys: hello)"),
        (5, "created_at", "missing or unparseable created_at"),
        (6, "commit.record", "create event without a record"),
    ]


def test_mixed_json_formats_in_one_run_pick_their_readers(tmp_path: Path, fixtures: Path) -> None:
    files = [fixtures / "twitter_v1" / "tweets.jsonl", fixtures / "twarc2" / "pages.jsonl",
             fixtures / "jetstream" / "events.jsonl", fixtures / "twitter_v1" / "tweets_array.json"]  # fmt: skip
    rep = unmask.ingest_files(files, tmp_path / "ds")
    assert [f.format for f in rep.files] == ["twitter-v1", "twarc2", "jetstream", "twitter-v1"]
    assert all(f.ok and f.adds_up for f in rep.files)
    counts = dict(duckdb.sql(f"SELECT platform, count(*) FROM '{tmp_path}/ds/posts/*.parquet' GROUP BY 1").fetchall())
    assert counts == {"twitter": 5 + 7 + 3, "bluesky": 8}
