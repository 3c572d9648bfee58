"""The twarc2 reader on hand-written raw response pages, flattened tweets and user pages."""

from __future__ import annotations

from pathlib import Path

import unmask
from helpers import rows
from unmask.ingest import sniff

T = "15000000000000000"  # tweet ids in the fixtures are T + two digits



def test_raw_pages_rows_and_counts(tmp_path: Path, fixtures: Path) -> None:
    src = fixtures / "twarc2" / "pages.jsonl"
    assert sniff(src)[0].name == "twarc2"
    f = unmask.ingest_files([src], tmp_path / "ds").files[0]
    # 10 tweets in the data of two pages (one bad date, one null, one repeat of tweet 01), an empty
    # page (no records), an error response, a JSON array line and a cut line
    assert (f.format, f.records, f.ingested, f.duplicate, f.rejected) == ("twarc2", 13, 7, 1, 5)
    assert "1 response page(s) held no tweets" in f.notes
    posts = {r["post_id"][-2:]: r for r in rows(tmp_path / "ds", "posts")}
    assert sorted(posts) == ["01", "02", "03", "04", "06", "07", "08"]

    p = posts["01"]
    assert (p["kind"], p["account_id"], p["lang"], p["source_record"]) == ("post", "101", "ar", 1)
    assert p["text"] == "مرحبا 🌍 #Beirut #OSINT https://t.co/a1 @quoter"
    assert p["hashtags"] == ["beirut", "osint"]
    assert p["urls"] == ["https://bit.ly/3xYz"]  # expanded_url (shortener kept), utm dropped, media url skipped
    assert p["domains"] == ["bit.ly"] and p["mentions"] == ["103"]
    assert str(p["created_at"]) == "2022-03-01 12:00:00+00:00" and p["client"] == "Twitter Web App"

    rt = posts["02"]
    assert (rt["kind"], rt["reposted_post_id"], rt["reposted_account_id"]) == ("repost", T + "01", "101")
    assert rt["client"] == "amplifier-bot"
    q = posts["03"]
    assert (q["kind"], q["quoted_post_id"], q["hashtags"], q["mentions"]) == ("quote", T + "01", [], [])
    r = posts["04"]
    assert (r["kind"], r["replied_post_id"], r["replied_account_id"]) == ("reply", T + "03", "103")
    # the retweeted tweet's author comes from includes.tweets of its page
    assert (posts["06"]["reposted_post_id"], posts["06"]["reposted_account_id"]) == (T + "09", "109")
    # a retweet of a tweet missing from includes: the author is the 'RT @user:' mention
    assert (posts["07"]["reposted_post_id"], posts["07"]["reposted_account_id"]) == ("1400000000000000077", "177")
    long = posts["08"]  # note_tweet: the full text and its entities
    assert long["text"].endswith("#LongForm") and len(long["text"]) > 280 and long["hashtags"] == ["longform"]
    assert T + "09" not in {r["post_id"] for r in rows(tmp_path / "ds", "posts")}  # includes are context

    rejects = rows(tmp_path / "ds", "rejects", order="source_record, reason")
    assert [(x["source_record"], x["field"], x["reason"]) for x in rejects] == [
        (1, "created_at", "unparseable created_at (expected ISO 8601, e.g. '2022-03-01T12:00:00.000Z')"),
        (2, None, "data element is not a JSON object"),
        (4, None, "API error response: Not Found Error"),
        (5, None, "JSON value is not an object"),
        (6, None, "not valid JSON (truncated or malformed line)"),
    ]
    assert "last tuesday" in rejects[0]["raw"] and rejects[1]["raw"] == "null"


def test_accounts_from_includes_latest_page_wins(tmp_path: Path, fixtures: Path) -> None:
    ds = tmp_path / "ds"
    unmask.ingest_files([fixtures / "twarc2" / "pages.jsonl"], ds)
    acc = {r["account_id"]: r for r in rows(ds, "accounts")}
    assert set(acc) == {"101", "102", "103", "109"}
    a = acc["101"]
    assert (a["handle"], a["display_name"], a["description"], a["location"]) == ("Nadia_K", "نادية", "صحفية 📰", "Beirut")
    assert a["url"] == "https://nadia.example.org/"  # the expanded profile link, not t.co
    assert (a["followers"], a["following"], a["posts_count"]) == (1500, 7, 300)  # page 2 was retrieved later
    assert str(a["snapshot_at"]) == "2022-03-03 08:00:00+00:00" and a["snapshot_source"] == "post"
    assert str(a["created_at"]) == "2015-05-05 10:00:00+00:00"
    assert acc["102"]["default_image"] is True and acc["101"]["default_image"] is False
    assert acc["103"]["verified"] is True
    assert acc["109"]["first_seen"] is None  # only seen as the author of a referenced tweet


def test_flattened_tweets(tmp_path: Path, fixtures: Path) -> None:
    src = fixtures / "twarc2" / "flat.jsonl"
    assert sniff(src)[0].name == "twarc2"
    f = unmask.ingest_files([src], tmp_path / "ds").files[0]
    # 8 lines: quote, retweet of the quote, reply, note tweet, the quote again, a bad date,
    # a string and a cut line
    assert (f.records, f.ingested, f.duplicate, f.rejected) == (8, 4, 1, 3)
    posts = {r["post_id"][-2:]: r for r in rows(tmp_path / "ds", "posts")}
    assert {k: v["kind"] for k, v in posts.items()} == {"03": "quote", "04": "reply", "08": "post", "11": "repost"}
    rt = posts["11"]
    assert (rt["reposted_post_id"], rt["reposted_account_id"], rt["quoted_post_id"]) == (T + "03", "103", None)
    assert posts["03"]["quoted_post_id"] == T + "01"
    assert (posts["04"]["replied_post_id"], posts["04"]["replied_account_id"]) == (T + "03", "103")
    rejects = rows(tmp_path / "ds", "rejects", order="source_record")
    assert [(x["source_record"], x["field"]) for x in rejects] == [(6, "created_at"), (7, None), (8, None)]
    acc = {r["account_id"]: r for r in rows(tmp_path / "ds", "accounts")}
    assert set(acc) == {"101", "102", "103"}  # authors, in_reply_to_user and referenced authors
    assert acc["101"]["followers"] == 1000 and acc["103"]["handle"] == "quoter"


def test_user_pages_are_profile_records(tmp_path: Path, fixtures: Path) -> None:
    f = unmask.ingest_files([fixtures / "twarc2" / "users.jsonl"], tmp_path / "ds").files[0]
    assert (f.records, f.ingested, f.rejected) == (2, 1, 1)
    assert f.reject_reasons == {"user object without an id": 1}
    (a,) = rows(tmp_path / "ds", "accounts")
    assert (a["account_id"], a["handle"], a["snapshot_source"]) == ("109", "origin9", "profile")


def test_same_file_twice_adds_nothing(tmp_path: Path, fixtures: Path) -> None:
    ds = tmp_path / "ds"
    src = fixtures / "twarc2" / "pages.jsonl"
    unmask.ingest_files([src], ds)
    again = unmask.ingest_files([src], ds).files[0]
    assert (again.records, again.ingested, again.duplicate, again.rejected) == (13, 0, 8, 5)
    assert len(rows(ds, "posts")) == 7


def test_sniffers_do_not_steal_each_others_files(fixtures: Path) -> None:
    expected = {
        "twitter_v1/tweets.jsonl": "twitter-v1", "twitter_v1/tweets_array.json": "twitter-v1",
        "twitter_v1/users.jsonl": "twitter-v1", "twarc2/pages.jsonl": "twarc2", "twarc2/flat.jsonl": "twarc2",
        "twarc2/users.jsonl": "twarc2", "jetstream/events.jsonl": "jetstream",
    }  # fmt: skip
    assert {k: sniff(fixtures / k)[0].name for k in expected} == expected


def test_v2_tweets_without_twarc_metadata_are_sniffed(tmp_path: Path) -> None:
    src = tmp_path / "v2.jsonl"
    src.write_text(
        '{"data": [{"id": "1", "author_id": "2", "text": "hi", "created_at": "2022-01-01T00:00:00Z"}],'
        ' "includes": {"users": [{"id": "2", "username": "u2"}]}}\n'
    )
    assert sniff(src)[0].name == "twarc2"
    f = unmask.ingest_files([src], tmp_path / "ds").files[0]
    assert (f.records, f.ingested) == (1, 1)
