"""The Twitter v1.1 reader on hand-written JSON lines, JSON arrays and user-object files."""

from __future__ import annotations

from pathlib import Path

import unmask
from helpers import rows
from unmask.ingest import sniff
from unmask.ingest.twitter_v1 import iter_json_array

LINES = "twitter_v1/tweets.jsonl"



def test_json_lines_kinds_entities_and_counts(tmp_path: Path, fixtures: Path) -> None:
    src = fixtures / LINES
    assert sniff(src)[0].name == "twitter-v1"
    f = unmask.ingest_files([src], tmp_path / "ds").files[0]
    # 13 non-blank lines (BOM first, a blank line, no final newline): 5 tweets, 1 duplicate of
    # 1001, 1 bad date, 1 string, 2 stream notices, 1 unknown object, 1 cut line
    assert (f.format, f.records, f.ingested, f.duplicate, f.rejected) == ("twitter-v1", 12, 5, 1, 6)
    posts = {r["post_id"]: r for r in rows(tmp_path / "ds", "posts")}
    assert sorted(posts) == ["1001", "1002", "1003", "1004", "1005"]

    p = posts["1001"]
    assert (p["kind"], p["account_id"], p["lang"]) == ("post", "2001", "ar")
    assert p["text"] == "مرحبا بالعالم 🌍 #Peace #سلام https://t.co/xyz @bob_q"
    assert p["hashtags"] == ["peace", "سلام"]
    assert p["urls"] == ["https://www.example.com/News?id=7"]  # utm_*, fragment, trailing slash gone
    assert p["domains"] == ["example.com"]
    assert p["mentions"] == ["2002"]
    assert p["client"] == "Twitter for Android"
    assert str(p["created_at"]) == "2018-10-10 20:19:24+00:00"
    assert (p["source_file"], p["source_record"]) == (str(src), 1)

    ext = posts["1002"]  # truncated: text and entities come from extended_tweet
    assert ext["text"].endswith("#LongRead https://t.co/long") and "…" not in ext["text"]
    assert ext["hashtags"] == ["longread"]
    assert ext["urls"] == ["http://blog.example.net/post/1"]  # default port and fbclid dropped
    assert ext["client"] == "Twitter Web App"

    q = posts["1003"]
    assert (q["kind"], q["quoted_post_id"], q["reposted_post_id"]) == ("quote", "1001", None)
    rt = posts["1004"]  # a retweet of the quote
    assert rt["kind"] == "repost"
    assert (rt["reposted_post_id"], rt["reposted_account_id"]) == ("1003", "2002")
    assert rt["quoted_post_id"] is None and rt["mentions"] == ["2002"]
    assert rt["client"] == "BotKit & Co"  # HTML stripped and entities decoded
    r = posts["1005"]
    assert (r["kind"], r["replied_post_id"], r["replied_account_id"]) == ("reply", "1003", "2002")
    assert r["text"] == "@bob_q שלום, thanks! 🙏" and r["source_record"] == 6  # line 5 is blank

    rejects = rows(tmp_path / "ds", "rejects", order="source_record")
    got = [(x["source_record"], x["field"], x["reason"]) for x in rejects]
    assert got == [
        (7, "created_at", "unparseable created_at (expected Twitter's format, e.g. 'Wed Oct 10 20:19:24 +0000 2018')"),
        (9, None, "JSON value is not an object"),
        (10, None, "stream notice, not a tweet: delete"),
        (11, None, "stream notice, not a tweet: limit"),
        (12, None, "not a Twitter v1.1 tweet or user object (keys: hello)"),
        (13, None, "not valid JSON (truncated or malformed line)"),
    ]
    assert "yesterday at noon" in rejects[0]["raw"] and rejects[-1]["raw"].startswith('{"created_at"')


def test_user_objects_update_accounts_latest_copy_wins(tmp_path: Path, fixtures: Path) -> None:
    ds = tmp_path / "ds"
    unmask.ingest_files([fixtures / LINES], ds)
    accounts = {r["account_id"]: r for r in rows(ds, "accounts")}
    assert set(accounts) == {"2001", "2002", "2003"}
    a = accounts["2001"]
    # three copies (tweet 1001: 100, embedded in the quote: 101, reply 1005: 120); the latest wins
    assert (a["followers"], a["posts_count"], a["handle"], a["display_name"]) == (120, 77, "amira_news", "أميرة 🌙")
    assert (a["location"], a["description"], a["url"], a["lang"]) == ("Tehran, Iran", "أخبار", "https://Example.org/about/", "ar")
    assert str(a["created_at"]) == "2018-01-01 08:00:00+00:00"
    assert str(a["snapshot_at"]) == "2018-10-11 07:15:00+00:00" and a["snapshot_source"] == "post"
    assert str(a["first_seen"]) == "2018-10-10 20:19:24+00:00" and str(a["last_seen"]) == "2018-10-11 07:15:00+00:00"
    b = accounts["2002"]
    assert (b["verified"], b["default_profile"], b["default_image"], b["following"]) == (True, False, False, 10)
    assert accounts["2003"]["default_image"] is True

    users = unmask.ingest_files([fixtures / "twitter_v1" / "users.jsonl"], ds).files[0]
    assert (users.format, users.records, users.ingested, users.rejected) == ("twitter-v1", 2, 2, 0)
    accounts = {r["account_id"]: r for r in rows(ds, "accounts")}
    assert accounts["2004"]["handle"] == "fresh_acct" and accounts["2004"]["snapshot_source"] == "profile"
    assert accounts["2004"]["first_seen"] is None
    assert accounts["2001"]["handle"] == "amira_news"  # the dated tweet copy beats an undated profile


def test_same_file_twice_adds_nothing(tmp_path: Path, fixtures: Path) -> None:
    ds = tmp_path / "ds"
    unmask.ingest_files([fixtures / LINES], ds)
    again = unmask.ingest_files([fixtures / LINES], ds).files[0]
    assert (again.records, again.ingested, again.duplicate, again.rejected) == (12, 0, 6, 6)
    assert len(rows(ds, "posts")) == 5


def test_pretty_printed_array_salvages_good_elements(tmp_path: Path, fixtures: Path) -> None:
    src = fixtures / "twitter_v1" / "tweets_array.json"
    assert sniff(src)[0].name == "twitter-v1"
    f = unmask.ingest_files([src], tmp_path / "ds").files[0]
    # 7 elements: 3001, 3002 (retweet), a broken object, 42, 3004, 3001 again, a cut last element
    assert (f.records, f.ingested, f.duplicate, f.rejected) == (7, 3, 1, 3)
    assert any("position in the array" in n for n in f.notes)
    posts = {r["post_id"]: r for r in rows(tmp_path / "ds", "posts")}
    assert [(k, v["kind"], v["source_record"]) for k, v in sorted(posts.items())] == [
        ("3001", "post", 1), ("3002", "repost", 2), ("3004", "post", 5),
    ]  # fmt: skip
    assert posts["3002"]["reposted_post_id"] == "3001" and posts["3001"]["hashtags"] == ["array"]
    rejects = rows(tmp_path / "ds", "rejects", order="source_record")
    assert [x["source_record"] for x in rejects] == [3, 4, 7]
    assert rejects[0]["reason"].startswith("malformed JSON array element at line ")
    assert "Expecting ',' delimiter" in rejects[0]["reason"] and '"id_str": "3003"' in rejects[0]["raw"]
    assert rejects[1]["reason"] == "JSON value is not an object" and rejects[1]["raw"] == "42"
    assert "the file ends inside it" in rejects[2]["reason"] and '"id_str": "3005"' in rejects[2]["raw"]


def test_compact_array_and_array_splitter_edge_cases(tmp_path: Path, fixtures: Path) -> None:
    f = unmask.ingest_files([fixtures / "twitter_v1" / "tweets_compact.json"], tmp_path / "ds").files[0]
    assert (f.records, f.ingested, f.rejected) == (2, 2, 0)
    assert [r["source_record"] for r in rows(tmp_path / "ds", "posts", order="source_record")] == [1, 2]

    def split(text: str) -> list[tuple[int, str, str | None]]:
        return list(iter_json_array(text))

    assert split("[]") == []
    assert split('[{"a": 1},\n {"b": 2},]') == [(1, '{"a": 1}', None), (2, '{"b": 2}', None)]  # trailing comma
    assert split("[1][2]") == [(1, "1", None), (1, "2", None)]  # concatenated arrays
    ((_line, raw, why),) = split('[{"a": 1}] trailing')[1:]  # fmt: skip
    assert raw == "trailing" and "after the array's end" in why
    assert split('[{"a": 1} {"b": 2}]') == [(1, '{"a": 1}', None), (1, '{"b": 2}', None)]  # missing comma
    stray = split('[{"a": 1}}, {"b": 2}]')  # a stray '}' is rejected on its own, reading goes on
    assert [(raw, why is None) for _, raw, why in stray] == [('{"a": 1}', True), ("}", False), ('{"b": 2}', True)]
    assert len(split("[" * 3000)) == 1  # deep nesting: one reject, no recursion error
    got = split('[{"a": [1, 2}, {"b": 3}]')  # a bracket mismatch swallows the rest, reported once
    assert len(got) == 1 and got[0][2] is not None


def test_streaming_timestamp_ms_fallback_and_out_of_range_times(tmp_path: Path) -> None:
    src = tmp_path / "stream.jsonl"
    src.write_text(
        '{"id_str": "1", "text": "a", "user": {"id_str": "9"}, "timestamp_ms": "1539245000000"}\n'
        '{"id_str": "2", "text": "b", "user": {"id_str": "9"}, "timestamp_ms": "1e30"}\n'
    )
    f = unmask.ingest_files([src], tmp_path / "ds", format="twitter-v1").files[0]
    assert f.error is None and (f.records, f.ingested, f.rejected) == (2, 1, 1)
    (p,) = rows(tmp_path / "ds", "posts")
    assert str(p["created_at"]) == "2018-10-11 08:03:20+00:00"
    assert rows(tmp_path / "ds", "rejects")[0]["reason"] == "missing or unparseable created_at"


def test_array_file_with_garbage_is_counted(tmp_path: Path) -> None:
    src = tmp_path / "broken.json"
    src.write_text('[{"id_str": "1", "text": "x"}, nonsense, {"id_str": "2"')
    f = unmask.ingest_files([src], tmp_path / "ds", format="twitter-v1").files[0]
    assert f.error is None and f.adds_up and (f.records, f.rejected) == (3, 3)
    reasons = [r["reason"] for r in rows(tmp_path / "ds", "rejects", order="source_record")]
    assert reasons[0] == "tweet without a user object"
    assert reasons[1].startswith("malformed JSON array element at line 1")
    assert "ends inside it" in reasons[2]


def test_gzip_array_and_utf16_lines_read_the_same(tmp_path: Path, fixtures: Path) -> None:
    import gzip

    gz = tmp_path / "tweets_array.json.gz"
    gz.write_bytes(gzip.compress((fixtures / "twitter_v1" / "tweets_array.json").read_bytes()))
    u16 = tmp_path / "tweets16.jsonl"
    u16.write_bytes((fixtures / LINES).read_text(encoding="utf-8-sig").encode("utf-16"))
    rep = unmask.ingest_files([gz, u16], tmp_path / "ds")
    assert [(f.format, f.records, f.ingested, f.duplicate, f.rejected) for f in rep.files] == [
        ("twitter-v1", 7, 3, 1, 3), ("twitter-v1", 12, 5, 1, 6),
    ]  # fmt: skip
    texts = {r["post_id"]: r["text"] for r in rows(tmp_path / "ds", "posts")}
    assert texts["1001"] == "مرحبا بالعالم 🌍 #Peace #سلام https://t.co/xyz @bob_q"


def test_latin1_array_is_decoded(tmp_path: Path) -> None:
    src = tmp_path / "latin.json"
    src.write_bytes(
        b'[{"id_str": "1", "text": "caf\xe9 ok", "created_at": "Wed Oct 10 20:19:24 +0000 2018",'
        b' "user": {"id_str": "9", "screen_name": "s"}}]'
    )
    f = unmask.ingest_files([src], tmp_path / "ds", format="twitter-v1").files[0]
    assert (f.records, f.ingested) == (1, 1)
    (p,) = rows(tmp_path / "ds", "posts")
    assert p["text"] == "café ok"  # the sample is not UTF-8: read as latin-1
