"""Twitter API v1.1 JSON: tweets as JSON lines or JSON arrays, and files of bare user objects.

Each tweet becomes one post: ``retweeted_status`` makes a repost, ``in_reply_to_*`` a reply,
``quoted_status``/``quoted_status_id_str`` a quote; ``extended_tweet`` (or ``full_text``) gives the
untruncated text and entities. Reposts keep their own ``RT @x: …`` text and entities as published.
The ``user`` object on each tweet (and on the tweets it embeds) updates ``accounts``: the latest
copy per account is kept (``snapshot_source = 'post'``). A line that is a user object on its own
is a profile record (``snapshot_source = 'profile'``). Streaming-API notices (``delete``,
``limit``, ...) are rejected with their kind. A JSON array (``[{...}, ...]``, pretty-printed or
not) is split into its elements; a malformed element is rejected and reading resumes after it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from unmask.ingest._base import (
    MAX_RAW,
    IngestContext,
    Reader,
    Sniff,
    detect_encoding,
    head_text,
    json_structure_type,
    open_binary,
    read_head,
)

__all__ = ["TwitterV1Reader", "iter_json_array", "json_record_chunks"]

#: Twitter's v1.1 timestamp, e.g. ``Wed Oct 10 20:19:24 +0000 2018``.
TWITTER_TIME = "%a %b %d %H:%M:%S %z %Y"
_TWITTER_TIME_RE = re.compile(r'"created_at"\s*:\s*"[A-Z][a-z]{2} [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d [+-]\d{4} \d{4}"')

_ENT = (
    '{"hashtags": [{"text": "VARCHAR"}], "urls": [{"url": "VARCHAR", "expanded_url": "VARCHAR"}], '
    '"user_mentions": [{"id_str": "VARCHAR", "id": "VARCHAR"}]}'
)
_USER = (
    '{"id_str": "VARCHAR", "id": "VARCHAR", "screen_name": "VARCHAR", "name": "VARCHAR", '
    '"description": "VARCHAR", "location": "VARCHAR", "url": "VARCHAR", '
    '"entities": {"url": {"urls": [{"expanded_url": "VARCHAR"}]}}, "created_at": "VARCHAR", '
    '"followers_count": "VARCHAR", "friends_count": "VARCHAR", "statuses_count": "VARCHAR", '
    '"lang": "VARCHAR", "verified": "VARCHAR", "default_profile": "VARCHAR", '
    '"default_profile_image": "VARCHAR"}'
)
_EMBEDDED = '{"id_str": "VARCHAR", "id": "VARCHAR", "user": ' + _USER + "}"
_TWEET = (
    '{"id_str": "VARCHAR", "id": "VARCHAR", "created_at": "VARCHAR", "timestamp_ms": "VARCHAR", '
    '"text": "VARCHAR", "full_text": "VARCHAR", "lang": "VARCHAR", "source": "VARCHAR", '
    '"extended_tweet": {"full_text": "VARCHAR", "entities": ' + _ENT + '}, "entities": ' + _ENT + ", "
    '"user": ' + _USER + ', "retweeted_status": {"id_str": "VARCHAR", "id": "VARCHAR", "user": '
    + _USER + ', "quoted_status": ' + _EMBEDDED + '}, "quoted_status_id_str": "VARCHAR", '
    '"quoted_status_id": "VARCHAR", "quoted_status": ' + _EMBEDDED + ", "
    '"in_reply_to_status_id_str": "VARCHAR", "in_reply_to_status_id": "VARCHAR", '
    '"in_reply_to_user_id_str": "VARCHAR", "in_reply_to_user_id": "VARCHAR"}'
)
#: Top-level keys of the streaming API's non-tweet messages.
STREAM_NOTICES = (
    "delete", "scrub_geo", "limit", "status_withheld", "user_withheld", "disconnect", "warning",
    "event", "friends", "friends_str", "control", "for_user",
)  # fmt: skip


def _time(e: str) -> str:
    return f"coalesce(try_strptime({e}, '{TWITTER_TIME}'), TRY_CAST({e} AS TIMESTAMPTZ))"


def html_unescape(e: str) -> str:
    """SQL decoding the HTML entities Twitter leaves in ``source`` (``&amp;``, ``&lt;``, ...)."""
    for ent, ch in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&#39;", "''"), ("&amp;", "&")):
        e = f"replace({e}, '{ent}', '{ch}')"
    return e


def _id(prefix: str) -> str:
    return f"unmask_id(coalesce({prefix}.id_str, {prefix}.id))"


# -- JSON arrays ------------------------------------------------------------------------------

#: Array elements handed to the engine per batch (the decoded file itself is held in memory).
ARRAY_BATCH = 20_000

_WS = re.compile(r"[ \t\r\n]*")
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{},]', re.S)


def _skip_value(text: str, pos: int) -> int:
    """The end of a (possibly broken) array element starting at ``pos``: the ``,``/``]`` after it."""
    depth = 0
    for m in _TOKENS.finditer(text, pos):
        t = m.group()
        if t in "[{":
            depth += 1
        elif t in "]}":
            if depth == 0:
                if t == "]" and m.start() > pos:
                    return m.start()
                continue  # a stray closing bracket is part of the junk
            depth -= 1
        elif t == "," and depth == 0:
            return m.start()
    return len(text)


def iter_json_array(text: str) -> Iterator[tuple[int, str, str | None]]:
    """Split a JSON array (or several in a row) into ``(line, raw element, reject reason)``.

    Valid elements have reason ``None``; they are parsed again by the engine. A malformed element
    is rejected and reading resumes at the next ``,`` at its nesting level; anything that is not
    an array is rejected with a reason. Never raises.
    """
    dec = json.JSONDecoder()
    n = len(text)
    line_pos, line_no = 0, 1

    def line_at(p: int) -> int:
        nonlocal line_pos, line_no
        line_no += text.count("\n", line_pos, p)
        line_pos = p
        return line_no

    pos = _WS.match(text, 0).end()
    while pos < n:
        if text[pos] != "[":
            yield line_at(pos), text[pos:].strip(), "not part of a JSON array (text after the array's end)"
            return
        pos = _WS.match(text, pos + 1).end()
        while True:
            if pos >= n:
                return  # the array is not closed: the last element (if any) was reported already
            if text[pos] == "]":
                pos = _WS.match(text, pos + 1).end()
                break
            start = pos
            try:
                _, end = dec.raw_decode(text, pos)
                yield line_at(start), text[start:end], None
            except (json.JSONDecodeError, RecursionError) as e:
                end = max(_skip_value(text, start), start + 1)
                raw = text[start:end].strip()
                if end >= n:
                    why = f"malformed or truncated JSON array element at line {line_at(start)} (the file ends inside it)"
                else:
                    msg = e.msg if isinstance(e, json.JSONDecodeError) else "nested too deeply"
                    why = f"malformed JSON array element at line {line_at(start)}: {msg}"
                yield line_at(start), raw or text[start : start + 1], why
            pos = _WS.match(text, end).end()
            if pos < n and text[pos] == ",":
                pos = _WS.match(text, pos + 1).end()


def json_record_chunks(ctx: IngestContext, table: str = "lines") -> Iterator[int]:
    """Stage a JSON-lines file or a JSON array chunk by chunk (see ``IngestContext.json_chunks``).

    JSON lines keep their line numbers and are read in bounded chunks. Array elements are numbered
    by position (1-based) and the source line is named in reject reasons; they go to the engine
    in batches of ``ARRAY_BATCH`` (the decoded array itself is held in memory).
    """
    head = read_head(ctx.path, 1 << 16)
    if not head_text(head).lstrip().startswith("["):
        yield from ctx.json_chunks(table)
    else:
        yield from ctx.json_chunks(table, _array_batches(ctx, head))


def _array_batches(ctx: IngestContext, head: bytes) -> Iterator[tuple[pa.Table, int]]:
    enc = ctx.encoding or detect_encoding(head)
    with open_binary(ctx.path) as f:
        data = f.read()
    try:
        text = data.decode(enc)
    except UnicodeDecodeError:
        text = data.decode(enc, errors="replace")
        ctx.note(f"bytes that are not valid {enc} were replaced with U+FFFD")
    text = text.lstrip("\ufeff")
    del data
    ctx.note("JSON array: source_record is the element's position in the array (1-based)")
    recs: list[int] = []
    lines: list[str] = []
    count = done = 0
    for _line, raw, why in iter_json_array(text):
        count += 1
        if why is None:
            recs.append(count)
            lines.append(raw)
        else:
            ctx.reject(count, None, why, raw[:MAX_RAW])
        if len(recs) >= ARRAY_BATCH:
            yield pa.table({"_record": pa.array(recs, pa.int64()), "line": pa.array(lines, pa.string())}), count - done
            done = count
            recs.clear()
            lines.clear()
    if count > done:
        yield pa.table({"_record": pa.array(recs, pa.int64()), "line": pa.array(lines, pa.string())}), count - done


# -- the reader -------------------------------------------------------------------------------


class TwitterV1Reader(Reader):
    """Twitter API v1.1 tweets (and user objects), as JSON lines or JSON arrays."""

    name = "twitter-v1"
    description = "Twitter API v1.1 JSON (JSON lines or arrays of tweets; user objects)"
    platform = "twitter"

    def sniff(self, path: Path, head: bytes) -> Sniff:
        text = head_text(head).lstrip()
        if not text.startswith(("{", "[")):
            return Sniff(0, "not JSON")
        if re.search(r'"__twarc"\s*:|"author_id"\s*:|"edit_history_tweet_ids"\s*:', text):
            return Sniff(0, "Twitter API v2 fields")
        has_id = re.search(r'"id_str"\s*:', text) is not None
        has_user = re.search(r'"screen_name"\s*:', text) is not None
        if has_id and has_user and _TWITTER_TIME_RE.search(text):
            if re.search(r'"(?:full_)?text"\s*:', text):
                return Sniff(95, "v1.1 tweets: id_str, user.screen_name, Twitter-format created_at")
            return Sniff(85, "v1.1 user objects")
        if has_id and re.search(r'"(?:full_)?text"\s*:', text) and re.search(r'"user"\s*:\s*\{', text):
            return Sniff(60, "id_str, text and a user object")
        return Sniff(0, "no v1.1 tweet fields")

    def stage(self, ctx: IngestContext) -> int:
        c = ctx.con
        n = tweets = 0
        ctx.account_records = 0
        c.execute(f"CREATE OR REPLACE TEMP TABLE v1_best (account_id VARCHAR, s STRUCT(u {json_structure_type(_USER)}, "
                  "t_at TIMESTAMPTZ, src VARCHAR), k STRUCT(t_at TIMESTAMPTZ, _record BIGINT))")
        for records in json_record_chunks(ctx, "lines"):  # one bounded chunk at a time
            n += records
            tweets += self._chunk(ctx)
        self._insert_accounts(ctx)
        if tweets:
            ctx.note("account profiles come from per-tweet user objects; the latest copy per account is kept")
        for t in ("v1", "v1_users", "v1_snap", "v1_best"):  # free the memory before the next file
            c.execute(f"DROP TABLE IF EXISTS {t}")
        return n

    def _chunk(self, ctx: IngestContext) -> int:
        """Stage one chunk of tweets and user objects; return the number of tweet records."""
        c = ctx.con
        c.execute(
            f"""CREATE OR REPLACE TEMP TABLE v1 AS
            SELECT _record, line, json_transform(line, '{_TWEET}') AS t,
                   json_keys(line) AS keys
            FROM lines"""
        )
        # a line that is a user object on its own is a profile record
        is_user = (
            "(t.user IS NULL AND t.text IS NULL AND t.full_text IS NULL AND "
            "list_contains(keys, 'screen_name') AND coalesce(t.id_str, t.id) IS NOT NULL)"
        )
        c.execute(f"CREATE OR REPLACE TEMP TABLE v1_users AS SELECT _record, line FROM v1 WHERE {is_user}")
        c.execute(f"DELETE FROM v1 WHERE {is_user}")

        notices = "[" + ", ".join(f"'{k}'" for k in STREAM_NOTICES) + "]"
        is_rt = "t.retweeted_status IS NOT NULL"
        reply = "coalesce(t.in_reply_to_status_id_str, t.in_reply_to_status_id, t.in_reply_to_user_id_str, t.in_reply_to_user_id) IS NOT NULL"
        quoted = "unmask_id(coalesce(t.quoted_status_id_str, t.quoted_status_id, t.quoted_status.id_str, t.quoted_status.id))"
        ent = "coalesce(t.extended_tweet.entities, t.entities)"
        urls = f"unmask_norm_urls(list_transform({ent}.urls, lambda u: coalesce(u.expanded_url, u.url)))"
        ctx.insert_posts(
            {
                "post_id": _id("t"),
                "account_id": _id("t.user"),
                "created_at": f"coalesce({_time('t.created_at')}, "
                "CASE WHEN t.created_at IS NULL THEN unmask_epoch(TRY_CAST(t.timestamp_ms AS DOUBLE) / 1000) END)",
                "kind": f"CASE WHEN {is_rt} THEN 'repost' WHEN {reply} THEN 'reply' "
                f"WHEN {quoted} IS NOT NULL THEN 'quote' ELSE 'post' END",
                "text": "coalesce(t.extended_tweet.full_text, t.full_text, t.text)",
                "lang": "unmask_nullif_blank(t.lang)",
                "hashtags": f"unmask_norm_tags(list_transform({ent}.hashtags, lambda h: h.text))",
                "urls": urls,
                "mentions": f"list_filter(list_transform({ent}.user_mentions, lambda m: unmask_id(coalesce(m.id_str, m.id))), lambda x: x IS NOT NULL)",
                "reposted_post_id": _id("t.retweeted_status"),
                "reposted_account_id": _id("t.retweeted_status.user"),
                "replied_post_id": "unmask_id(coalesce(t.in_reply_to_status_id_str, t.in_reply_to_status_id))",
                "replied_account_id": "unmask_id(coalesce(t.in_reply_to_user_id_str, t.in_reply_to_user_id))",
                "quoted_post_id": f"CASE WHEN NOT ({is_rt}) THEN {quoted} END",
                "client": html_unescape("unmask_strip_html(t.source)"),
            },
            "v1",
            platform=self.platform,
            raw="line",
            checks=(
                ("", f"len(list_intersect(keys, {notices})) > 0 AND coalesce(t.id_str, t.id) IS NULL",
                 "stream notice, not a tweet"),
                ("", "coalesce(t.id_str, t.id) IS NULL AND t.user IS NULL AND t.text IS NULL",
                 "not a Twitter v1.1 tweet or user object"),
                ("created_at", f"t.created_at IS NOT NULL AND {_time('t.created_at')} IS NULL",
                 "unparseable created_at (expected Twitter's format, e.g. 'Wed Oct 10 20:19:24 +0000 2018')"),
                ("user", "t.user IS NULL", "tweet without a user object"),
            ),
        )  # fmt: skip
        self._fix_notice_reasons(ctx, notices)
        self._accounts(ctx)
        return c.execute("SELECT count(*) FROM v1").fetchall()[0][0]

    @staticmethod
    def _fix_notice_reasons(ctx: IngestContext, notices: str) -> None:
        """Name the notice kind in the reason (check reasons are constant strings)."""
        ctx.con.execute(
            f"""UPDATE stage_posts SET _err_field = NULL, _err_reason = CASE
                WHEN _err_reason = 'stream notice, not a tweet'
                THEN _err_reason || ': ' || array_to_string(list_intersect(v1.keys, {notices}), ', ')
                ELSE _err_reason || ' (keys: ' || array_to_string(v1.keys[1:8], ', ') || ')' END
            FROM v1 WHERE v1._record = stage_posts._record
              AND stage_posts._record >= (SELECT min(_record) FROM v1)
              AND _err_reason IN ('stream notice, not a tweet', 'not a Twitter v1.1 tweet or user object')"""
        )

    def _accounts(self, ctx: IngestContext) -> None:
        """Profile snapshots: every tweet's (and embedded tweet's) user, latest per account."""
        c = ctx.con
        t_time = _time("t.created_at")
        c.execute(
            f"""CREATE OR REPLACE TEMP TABLE v1_snap AS
            SELECT u, t_at, _record, src FROM (
                SELECT unnest([t.user, t.retweeted_status.user, t.quoted_status.user,
                               t.retweeted_status.quoted_status.user]) AS u,
                       {t_time} AS t_at, _record, 'post' AS src
                FROM v1 WHERE {t_time} IS NOT NULL
                UNION ALL
                SELECT json_transform(line, '{_USER}') AS u, NULL AS t_at, _record, 'profile' AS src
                FROM v1_users
            ) WHERE u IS NOT NULL AND {_id("u")} IS NOT NULL"""
        )
        # the latest snapshot per account in this chunk; the file's latest is picked at the end
        c.execute(
            f"""INSERT INTO v1_best SELECT {_id("u")}, arg_max(struct_pack(u, t_at, src), struct_pack(t_at, _record)),
                   max(struct_pack(t_at, _record)) FROM v1_snap GROUP BY 1"""
        )
        ctx.account_records += c.execute("SELECT count(*) FROM v1_users").fetchall()[0][0]

    def _insert_accounts(self, ctx: IngestContext) -> None:
        """The latest profile snapshot per account over the whole file into ``stage_accounts``."""
        ctx.insert_accounts(
            {
                "account_id": "account_id",
                "handle": "unmask_nullif_blank(s.u.screen_name)",
                "display_name": "unmask_nullif_blank(s.u.name)",
                "description": "unmask_nullif_blank(s.u.description)",
                "location": "unmask_nullif_blank(s.u.location)",
                "url": "unmask_nullif_blank(coalesce(s.u.entities.url.urls[1].expanded_url, s.u.url))",
                "created_at": _time("s.u.created_at"),
                "followers": "unmask_count(s.u.followers_count)",
                "following": "unmask_count(s.u.friends_count)",
                "posts_count": "unmask_count(s.u.statuses_count)",
                "lang": "unmask_nullif_blank(s.u.lang)",
                "verified": "unmask_bool(s.u.verified)",
                "default_profile": "unmask_bool(s.u.default_profile)",
                "default_image": "unmask_bool(s.u.default_profile_image)",
                "snapshot_at": "s.t_at",
                "snapshot_source": "s.src",
            },
            "(SELECT account_id, arg_max(s, k) AS s FROM v1_best GROUP BY 1)",
            platform=self.platform,
        )
