"""X/Twitter Information-Operations archive CSVs (``*_tweets_csv_hashed*.csv``, ``*_users_csv_hashed.csv``).

The archive's 31-column tweet files hold Python-literal lists (``['tag', 'tag']``) in
``hashtags``/``urls``/``user_mentions``, ``absent`` for missing coordinates, hashed ids for small
accounts, ``YYYY-MM-DD HH:MM`` UTC times and float-looking counts. Each tweet row carries a copy
of its author's profile; the latest copy per account is kept (``snapshot_source = 'post'``).
"""

from __future__ import annotations

from pathlib import Path

from unmask.ingest._base import IngestContext, Reader, Sniff, header_columns

__all__ = ["IOArchiveReader"]

TWEET_COLUMNS = (
    "tweetid", "userid", "user_display_name", "user_screen_name", "user_reported_location",
    "user_profile_description", "user_profile_url", "follower_count", "following_count",
    "account_creation_date", "account_language", "tweet_language", "tweet_text", "tweet_time",
    "tweet_client_name", "in_reply_to_userid", "in_reply_to_tweetid", "quoted_tweet_tweetid",
    "is_retweet", "retweet_userid", "retweet_tweetid", "latitude", "longitude", "quote_count",
    "reply_count", "like_count", "retweet_count", "hashtags", "urls", "user_mentions",
    "poll_choices",
)  # fmt: skip
USER_COLUMNS = (
    "userid", "user_display_name", "user_screen_name", "user_reported_location",
    "user_profile_description", "user_profile_url", "follower_count", "following_count",
    "account_creation_date", "account_language",
)  # fmt: skip

#: The per-tweet profile columns read back for each account's latest tweet.
_PROFILE = (
    "user_screen_name", "user_display_name", "user_profile_description", "user_reported_location",
    "user_profile_url", "account_creation_date", "follower_count", "following_count", "account_language",
)  # fmt: skip
_TIME = "try_strptime(trim(tweet_time), ['%Y-%m-%d %H:%M', '%Y-%m-%d %H:%M:%S', '%Y-%m-%dT%H:%M:%SZ'])"
_CREATED = "try_strptime(trim(account_creation_date), ['%Y-%m-%d', '%Y-%m-%d %H:%M', '%Y-%m-%d %H:%M:%S'])"



class IOArchiveReader(Reader):
    """Twitter's Information-Operations archive: tweets files and users files."""

    name = "io-archive"
    description = "X/Twitter Information-Operations archive CSV (tweets and users files)"
    platform = "twitter"

    def sniff(self, path: Path, head: bytes) -> Sniff:
        cols = set(header_columns(head))
        if {"tweetid", "userid", "tweet_time", "is_retweet"} <= cols:
            return Sniff(95, "IO-archive tweets header")
        if {"userid", "user_screen_name", "account_creation_date"} <= cols and "tweetid" not in cols:
            return Sniff(90, "IO-archive users header")
        return Sniff(0, "no IO-archive header")

    def stage(self, ctx: IngestContext) -> int:
        cols = {c.lower() for c in ctx.csv_header()}
        if "tweetid" in cols:
            return self._tweets(ctx)
        return self._users(ctx)

    def _tweets(self, ctx: IngestContext) -> int:
        required = ("tweetid", "userid", "tweet_time")
        is_rt = "unmask_bool(is_retweet) IS TRUE"
        reply = "unmask_id(in_reply_to_tweetid) IS NOT NULL"
        quote = "unmask_id(quoted_tweet_tweetid) IS NOT NULL"
        urls = "unmask_norm_urls(unmask_literal_list(urls))"
        posts = {
            "post_id": "unmask_id(tweetid)",
            "account_id": "unmask_id(userid)",
            "created_at": _TIME,
            "kind": f"CASE WHEN {is_rt} THEN 'repost' WHEN {reply} THEN 'reply' "
            f"WHEN {quote} THEN 'quote' ELSE 'post' END",
            "text": "tweet_text",
            "lang": "unmask_nullif_blank(tweet_language)",
            "hashtags": "unmask_norm_tags(unmask_literal_list(hashtags))",
            "urls": urls,
            "mentions": "unmask_literal_list(user_mentions)",
            "reposted_post_id": f"CASE WHEN {is_rt} THEN unmask_id(retweet_tweetid) END",
            "reposted_account_id": f"CASE WHEN {is_rt} THEN unmask_id(retweet_userid) END",
            "replied_post_id": "unmask_id(in_reply_to_tweetid)",
            "replied_account_id": "unmask_id(in_reply_to_userid)",
            "quoted_post_id": "unmask_id(quoted_tweet_tweetid)",
            "client": "unmask_nullif_blank(tweet_client_name)",
        }
        raw = "to_json(struct_pack(tweetid, userid, tweet_time, tweet_text))"
        checks = (
            ("tweet_time", "\"__c_created_at\" IS NULL AND unmask_nullif_blank(tweet_time) IS NOT NULL",
             "unparseable timestamp (expected YYYY-MM-DD HH:MM, UTC)"),
            ("is_retweet", "unmask_nullif_blank(is_retweet) IS NOT NULL AND unmask_bool(is_retweet) IS NULL",
             "is_retweet is neither true nor false"),
        )  # fmt: skip
        c = ctx.con
        if ctx.streams_csv:
            # the posts straight from the file (one parallel pass; the records are not staged, so
            # memory does not grow with the file's 31 columns), and the profile columns of each
            # account's latest record from a second, narrow pass that numbers the records
            n = ctx.stream_csv_posts(posts, required=required, platform=self.platform, raw=raw, checks=checks)
            scan, _ = ctx.csv_scan(required=required, rejects="_csv_rej_profiles")
            records = f"(SELECT row_number() OVER () AS _record, {', '.join(_PROFILE)} FROM {scan})"
        else:
            ctx.stage_csv("records", required=required)
            n = c.execute("SELECT count(*) FROM records").fetchone()[0] + c.execute(
                "SELECT count(*) FROM stage_rejects"
            ).fetchone()[0]
            ctx.insert_posts(posts, "records", platform=self.platform, raw=raw, checks=checks)
            records = "records"
        # one profile snapshot per account: the copy on its latest tweet
        ctx.insert_accounts(
            {
                "account_id": "account_id",
                "handle": "s.user_screen_name",
                "display_name": "s.user_display_name",
                "description": "s.user_profile_description",
                "location": "s.user_reported_location",
                "url": "s.user_profile_url",
                "created_at": "s.created",
                "followers": "s.followers",
                "following": "s.following",
                "lang": "s.account_language",
                "snapshot_at": "s.t",
                "snapshot_source": "'post'",
            },
            # the latest row per account is found on a narrow key (time, record), then joined back:
            # only the chosen rows' profile fields are read and cleaned. The key comes from the
            # staged posts, whose account_id and created_at are these very expressions, already
            # computed (parsing every row's time and id again cost more than the rest)
            f"""(SELECT b.account_id, struct_pack(
                    user_screen_name := unmask_nullif_blank(user_screen_name),
                    user_display_name := unmask_nullif_blank(user_display_name),
                    user_profile_description := unmask_nullif_blank(user_profile_description),
                    user_reported_location := unmask_nullif_blank(user_reported_location),
                    user_profile_url := unmask_nullif_blank(user_profile_url),
                    created := {_CREATED},
                    followers := unmask_count(follower_count),
                    following := unmask_count(following_count),
                    account_language := unmask_nullif_blank(account_language),
                    t := b.k.t) AS s
                FROM (SELECT account_id, max(struct_pack(t := created_at, r := source_record)) AS k
                      FROM stage_posts WHERE account_id IS NOT NULL AND created_at IS NOT NULL GROUP BY 1) AS b
                JOIN {records} AS records ON records._record = b.k.r)""",
            platform=self.platform,
            in_file_order=ctx.streams_csv,  # the records are numbered as the file is read
        )
        ctx.note("account profiles come from per-tweet copies; the latest copy per account is kept")
        return n

    def _users(self, ctx: IngestContext) -> int:
        ctx.stage_csv("records", required=("userid",))
        c = ctx.con
        n = c.execute("SELECT (SELECT count(*) FROM records) + (SELECT count(*) FROM stage_rejects)").fetchone()[0]
        c.execute(
            f"""INSERT INTO stage_rejects SELECT {_q(ctx.source)}, _record, 'userid', 'missing userid',
                to_json(struct_pack(userid, user_screen_name)), {_q(self.name)}
                FROM records WHERE unmask_id(userid) IS NULL"""
        )
        ctx.insert_accounts(
            {
                "account_id": "unmask_id(userid)",
                "handle": "unmask_nullif_blank(user_screen_name)",
                "display_name": "unmask_nullif_blank(user_display_name)",
                "description": "unmask_nullif_blank(user_profile_description)",
                "location": "unmask_nullif_blank(user_reported_location)",
                "url": "unmask_nullif_blank(user_profile_url)",
                "created_at": _CREATED,
                "followers": "unmask_count(follower_count)",
                "following": "unmask_count(following_count)",
                "lang": "unmask_nullif_blank(account_language)",
                "snapshot_source": "'profile'",
            },
            "(SELECT * FROM records WHERE unmask_id(userid) IS NOT NULL)",
            platform=self.platform,
        )
        ctx.account_records = c.execute(
            "SELECT count(*) FROM records WHERE unmask_id(userid) IS NOT NULL"
        ).fetchone()[0]
        return n


def _q(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"
