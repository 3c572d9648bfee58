"""Twitter API v2 JSON as written by twarc2: raw response pages and flattened tweets.

A raw page (one line: ``data``, ``includes.users``/``includes.tweets``, ``meta``, ``__twarc``)
holds many tweets; each tweet in ``data`` is one input record, while the tweets and users in
``includes`` are context: they supply the reposted tweet's author and profile snapshots. A
flattened line (``twarc2 flatten``) is one tweet with ``author`` and the ``referenced_tweets``
expanded inline. ``referenced_tweets`` types ``retweeted``/``replied_to``/``quoted`` decide the
kind. Profiles (``includes.users``, ``author``, referenced authors, and pages of users from
``twarc2 users``) update ``accounts``, timed by ``__twarc.retrieved_at`` where present.
"""

from __future__ import annotations

import re
from pathlib import Path

from unmask.ingest._base import MAX_RAW, IngestContext, Reader, Sniff, head_text, json_structure_type, sql_lit

__all__ = ["Twarc2Reader"]

_USER = (
    '{"id": "VARCHAR", "username": "VARCHAR", "name": "VARCHAR", "description": "VARCHAR", '
    '"location": "VARCHAR", "url": "VARCHAR", "entities": {"url": {"urls": [{"expanded_url": "VARCHAR"}]}}, '
    '"created_at": "VARCHAR", "verified": "VARCHAR", "profile_image_url": "VARCHAR", '
    '"public_metrics": {"followers_count": "VARCHAR", "following_count": "VARCHAR", "tweet_count": "VARCHAR"}}'
)
_ENT = (
    '{"hashtags": [{"tag": "VARCHAR"}], "urls": [{"url": "VARCHAR", "expanded_url": "VARCHAR", '
    '"unwound_url": "VARCHAR", "media_key": "VARCHAR"}], "mentions": [{"id": "VARCHAR", "username": "VARCHAR"}]}'
)
_TWEET = (
    '{"id": "VARCHAR", "author_id": "VARCHAR", "created_at": "VARCHAR", "text": "VARCHAR", '
    '"lang": "VARCHAR", "source": "VARCHAR", "conversation_id": "VARCHAR", "in_reply_to_user_id": "VARCHAR", '
    '"note_tweet": {"text": "VARCHAR", "entities": ' + _ENT + '}, "entities": ' + _ENT + ", "
    '"referenced_tweets": [{"type": "VARCHAR", "id": "VARCHAR", "author_id": "VARCHAR", "author": ' + _USER + "}], "
    '"author": ' + _USER + ', "in_reply_to_user": ' + _USER + ', "__twarc": {"retrieved_at": "VARCHAR"}}'
)

#: What a page line holds besides its data: parsed once per line, straight into typed lists.
_PAGE = (
    '{"__twarc": {"retrieved_at": "VARCHAR"}, "includes": {"users": [' + _USER + '], '
    '"tweets": [{"id": "VARCHAR", "author_id": "VARCHAR"}]}}'
)

_TIME = "TRY_CAST({} AS TIMESTAMPTZ)"



def _ref(kind: str) -> str:
    """The first referenced tweet of ``kind`` (a struct, or NULL)."""
    return f"list_filter(t.referenced_tweets, lambda r: r.type = '{kind}')[1]"


class Twarc2Reader(Reader):
    """Twitter API v2 tweets from twarc2: raw response pages or flattened one-tweet lines."""

    name = "twarc2"
    description = "Twitter API v2 JSON lines from twarc2 (raw response pages or flattened tweets)"
    platform = "twitter"

    def sniff(self, path: Path, head: bytes) -> Sniff:
        text = head_text(head).lstrip()
        if not text.startswith("{"):
            return Sniff(0, "not JSON lines")
        if re.search(r'"__twarc"\s*:', text):
            return Sniff(95, "twarc2 metadata (__twarc)")
        if re.search(r'"id_str"\s*:', text) or re.search(r'"did"\s*:\s*"did:', text):
            return Sniff(0, "v1.1 or AT Protocol fields")
        if re.search(r'"data"\s*:\s*[\[{]', text) and re.search(r'"(?:author_id|username)"\s*:', text):
            return Sniff(85, "Twitter API v2 response pages (data + author_id/username)")
        if re.search(r'"author_id"\s*:', text) and re.search(r'"(?:edit_history_tweet_ids|conversation_id|referenced_tweets)"\s*:', text):
            return Sniff(80, "Twitter API v2 tweets (author_id, conversation_id)")
        return Sniff(0, "no Twitter API v2 fields")

    def stage(self, ctx: IngestContext) -> int:
        c = ctx.con
        n = empty = 0
        ctx.account_records = 0
        # what crosses chunks: referenced tweets' authors (includes.tweets may sit on another
        # page), reposts still waiting for one, and each account's latest profile so far
        c.execute("CREATE OR REPLACE TEMP TABLE t2_ref_all (id VARCHAR, author_id VARCHAR)")
        c.execute("CREATE OR REPLACE TEMP TABLE t2_pending (_record BIGINT, post_id VARCHAR, rt_id VARCHAR)")
        c.execute(f"CREATE OR REPLACE TEMP TABLE t2_best (account_id VARCHAR, s STRUCT(u {json_structure_type(_USER)}, "
                  "t_at TIMESTAMPTZ, src VARCHAR), k STRUCT(t_at TIMESTAMPTZ, _record BIGINT))")
        for records in ctx.json_chunks("lines"):  # one bounded chunk of lines at a time
            chunk, pages_empty = self._chunk(ctx, records)
            n += chunk
            empty += pages_empty
        if empty:
            ctx.note(f"{empty} response page(s) held no tweets")
        # a repost whose original's author was on another chunk's page gets it now (as if read whole)
        c.execute(
            """UPDATE stage_posts SET reposted_account_id = r.author_id
            FROM t2_pending AS p JOIN (SELECT id, any_value(author_id) AS author_id FROM t2_ref_all GROUP BY id) AS r
                 ON r.id = p.rt_id
            WHERE stage_posts._record = p._record AND stage_posts.post_id = p.post_id"""
        )
        c.execute("UPDATE stage_posts SET _err_field = NULL WHERE _err_field = ''")
        self._insert_accounts(ctx)
        for t in ("t2_snap", "t2_ref", "t2", "t2_lines", "t2_ref_all", "t2_pending", "t2_best"):
            c.execute(f"DROP TABLE IF EXISTS {t}")  # free the memory before the next file
        c.execute("DROP VIEW IF EXISTS t2_posts")
        c.execute("DROP VIEW IF EXISTS t2_rec")
        return n

    def _chunk(self, ctx: IngestContext, records: int) -> tuple[int, int]:
        """Stage one chunk; return its record count (a page counts its tweets) and empty pages."""
        c = ctx.con
        is_page = (
            "(coalesce(data_type IN ('ARRAY', 'OBJECT'), false) "
            "OR (NOT list_contains(keys, 'id') AND list_contains(keys, 'meta')))"
        )
        c.execute(
            f"""CREATE OR REPLACE TEMP TABLE t2_lines AS
            SELECT *, {is_page} AS is_page,
                   CASE data_type WHEN 'ARRAY' THEN json_array_length(line, '$.data')
                                  WHEN 'OBJECT' THEN 1 ELSE 0 END AS n_data
            FROM (SELECT _record, line, json_type(line, '$.data') AS data_type, json_keys(line) AS keys,
                         p.__twarc.retrieved_at AS retrieved_at, p.includes.users AS inc_users,
                         p.includes.tweets AS inc_tweets
                  FROM (SELECT _record, line, json_transform(line, '{_PAGE}') AS p FROM lines))"""
        )
        is_tweet = "(list_contains(keys, 'id') AND data_type IS NULL)"
        # every line that is not a page is one record; a page holds as many as its data
        pages, in_pages, empty = c.execute(
            "SELECT count(*), coalesce(sum(n_data), 0), count(*) FILTER (WHERE n_data = 0) "
            "FROM t2_lines WHERE is_page"
        ).fetchall()[0]
        c.execute(
            f"""INSERT INTO stage_rejects
            SELECT {sql_lit(ctx.source)}, _record, NULL,
                CASE WHEN list_contains(keys, 'errors') THEN 'API error response: '
                        || coalesce(json_extract_string(line, '$.errors[0].title'),
                                    json_extract_string(line, '$.errors[0].message'), 'no details')
                     ELSE 'not a twarc2 response page or tweet (keys: '
                        || array_to_string(keys[1:8], ', ') || ')' END,
                left(line, {MAX_RAW}), {sql_lit(self.name)}
            FROM t2_lines WHERE NOT is_page AND NOT {is_tweet}"""
        )
        # one row per tweet (or user) record: the elements of each page's data, and flattened lines
        c.execute(
            f"""CREATE OR REPLACE TEMP VIEW t2_rec AS
            SELECT _record, retrieved_at, unnest(CASE WHEN data_type = 'ARRAY' THEN json_extract(line, '$.data[*]')
                                                 ELSE [json_extract(line, '$.data')] END) AS j
            FROM t2_lines WHERE data_type IN ('ARRAY', 'OBJECT')
            UNION ALL
            SELECT _record, retrieved_at, CAST(line AS JSON) AS j FROM t2_lines WHERE {is_tweet}"""
        )
        c.execute(
            f"""CREATE OR REPLACE TEMP TABLE t2 AS
            SELECT _record, retrieved_at, j, json_transform(j, '{_TWEET}') AS t,
                   json_type(j) = 'OBJECT' AND json_exists(j, '$.username') AND NOT json_exists(j, '$.text')
                   AS is_user
            FROM t2_rec"""
        )

        # referenced tweets' authors: from includes.tweets on any page and from expanded references
        c.execute(
            """CREATE OR REPLACE TEMP TABLE t2_ref AS
            SELECT id, any_value(author_id) AS author_id FROM (
                SELECT r.id, r.author_id FROM (SELECT unnest(inc_tweets) AS r FROM t2_lines)
                UNION ALL
                SELECT r.id, coalesce(r.author_id, r.author.id) FROM (SELECT unnest(t.referenced_tweets) AS r FROM t2)
            ) WHERE id IS NOT NULL AND author_id IS NOT NULL GROUP BY id"""
        )
        rt = _ref("retweeted")
        ent = "coalesce(t.note_tweet.entities, t.entities)"
        c.execute(
            f"""CREATE OR REPLACE TEMP VIEW t2_posts AS
            SELECT t2.*, {rt}.id AS rt_id, {_ref("replied_to")}.id AS reply_id, {_ref("quoted")}.id AS quote_id,
                   coalesce({rt}.author_id, {rt}.author.id, m.author_id) AS rt_known,
                   coalesce({rt}.author_id, {rt}.author.id, m.author_id,
                            CASE WHEN starts_with(t.text, 'RT @' || {ent}.mentions[1].username || ':')
                                 THEN {ent}.mentions[1].id END) AS rt_author
            FROM t2 LEFT JOIN t2_ref AS m ON m.id = {rt}.id
            WHERE NOT is_user"""
        )
        urls = (
            f"unmask_norm_urls(list_transform(list_filter(coalesce({ent}.urls, []), lambda u: u.media_key IS NULL), "
            "lambda u: coalesce(u.expanded_url, u.unwound_url, u.url)))"
        )
        ctx.insert_posts(
            {
                "post_id": "unmask_id(t.id)",
                "account_id": "unmask_id(coalesce(t.author_id, t.author.id))",
                "created_at": _TIME.format("t.created_at"),
                "kind": "CASE WHEN rt_id IS NOT NULL THEN 'repost' WHEN reply_id IS NOT NULL THEN 'reply' "
                "WHEN quote_id IS NOT NULL THEN 'quote' ELSE 'post' END",
                "text": "coalesce(t.note_tweet.text, t.text)",
                "lang": "unmask_nullif_blank(t.lang)",
                "hashtags": f"unmask_norm_tags(list_transform(coalesce({ent}.hashtags, []), lambda h: h.tag))",
                "urls": urls,
                "mentions": f"list_filter(list_transform(coalesce({ent}.mentions, []), lambda m: coalesce(m.id, lower(m.username))), lambda x: x IS NOT NULL)",
                "reposted_post_id": "rt_id",
                "reposted_account_id": "rt_author",
                "replied_post_id": "reply_id",
                "replied_account_id": "CASE WHEN reply_id IS NOT NULL THEN unmask_id(t.in_reply_to_user_id) END",
                "quoted_post_id": "CASE WHEN rt_id IS NULL THEN quote_id END",
                "client": "unmask_nullif_blank(t.source)",
            },
            "t2_posts",
            platform=self.platform,
            raw="j",
            checks=(
                ("", "json_type(j) <> 'OBJECT'", "data element is not a JSON object"),
                ("created_at", f"t.created_at IS NOT NULL AND {_TIME.format('t.created_at')} IS NULL",
                 "unparseable created_at (expected ISO 8601, e.g. '2022-03-01T12:00:00.000Z')"),
            ),
        )  # fmt: skip
        c.execute("INSERT INTO t2_pending SELECT _record, unmask_id(t.id), rt_id FROM t2_posts "
                  "WHERE rt_id IS NOT NULL AND rt_known IS NULL")
        c.execute("INSERT INTO t2_ref_all SELECT id, author_id FROM t2_ref")
        self._accounts(ctx)
        return records - pages + in_pages, empty

    def _accounts(self, ctx: IngestContext) -> None:
        """Profile snapshots from includes.users, authors and user records; latest per account."""
        c = ctx.con
        when = "coalesce(TRY_CAST(retrieved_at AS TIMESTAMPTZ), {})"
        c.execute(
            f"""CREATE OR REPLACE TEMP TABLE t2_snap AS
            SELECT u, t_at, _record, src FROM (
                SELECT u, t_at, _record, 'post' AS src FROM (
                    SELECT unnest(l.inc_users) AS u, l._record, {when.format("p.t_max")} AS t_at
                    FROM t2_lines AS l LEFT JOIN (
                        SELECT _record, max({_TIME.format("t.created_at")}) AS t_max FROM t2 GROUP BY 1
                    ) AS p USING (_record)
                    WHERE l.inc_users IS NOT NULL)
                UNION ALL
                SELECT unnest([t.author, t.in_reply_to_user]) AS u, {when.format(_TIME.format("t.created_at"))},
                       _record, 'post' FROM t2 WHERE NOT is_user
                UNION ALL
                SELECT unnest(list_transform(t.referenced_tweets, lambda r: r.author)),
                       {when.format(_TIME.format("t.created_at"))}, _record, 'post' FROM t2 WHERE NOT is_user
                UNION ALL
                SELECT json_transform(j, '{_USER}'), TRY_CAST(retrieved_at AS TIMESTAMPTZ), _record, 'profile'
                FROM t2 WHERE is_user
            ) WHERE u IS NOT NULL AND unmask_id(u.id) IS NOT NULL"""
        )
        # the latest snapshot per account in this chunk; the file's latest is picked at the end
        c.execute(
            """INSERT INTO t2_best SELECT unmask_id(u.id), arg_max(struct_pack(u, t_at, src), struct_pack(t_at, _record)),
                   max(struct_pack(t_at, _record)) FROM t2_snap GROUP BY 1"""
        )
        # user records without an id cannot become accounts: reject them rather than lose them
        c.execute(
            f"""INSERT INTO stage_rejects SELECT {sql_lit(ctx.source)}, _record, 'id', 'user object without an id',
                left(CAST(j AS VARCHAR), {MAX_RAW}), {sql_lit(self.name)}
            FROM t2 WHERE is_user AND unmask_id(json_extract_string(j, '$.id')) IS NULL"""
        )
        ctx.account_records += c.execute(
            "SELECT count(*) FROM t2 WHERE is_user AND unmask_id(json_extract_string(j, '$.id')) IS NOT NULL"
        ).fetchall()[0][0]

    def _insert_accounts(self, ctx: IngestContext) -> None:
        """The latest profile snapshot per account over the whole file into ``stage_accounts``."""
        m = "s.u.public_metrics"
        ctx.insert_accounts(
            {
                "account_id": "account_id",
                "handle": "unmask_nullif_blank(s.u.username)",
                "display_name": "unmask_nullif_blank(s.u.name)",
                "description": "unmask_nullif_blank(s.u.description)",
                "location": "unmask_nullif_blank(s.u.location)",
                "url": "unmask_nullif_blank(coalesce(s.u.entities.url.urls[1].expanded_url, s.u.url))",
                "created_at": _TIME.format("s.u.created_at"),
                "followers": f"unmask_count({m}.followers_count)",
                "following": f"unmask_count({m}.following_count)",
                "posts_count": f"unmask_count({m}.tweet_count)",
                "verified": "unmask_bool(s.u.verified)",
                "default_image": "CASE WHEN s.u.profile_image_url IS NOT NULL "
                "THEN contains(s.u.profile_image_url, 'default_profile_images') END",
                "snapshot_at": "s.t_at",
                "snapshot_source": "s.src",
            },
            "(SELECT account_id, arg_max(s, k) AS s FROM t2_best GROUP BY 1)",
            platform=self.platform,
        )
        ctx.note("account profiles come from includes.users and expanded authors; the latest copy per account is kept")
