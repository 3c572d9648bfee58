"""CooRTweet's input tables: the 4-column share table and the 7-column multi-modal table.

**4 columns** ``object_id, account_id, content_id, timestamp_share`` (e.g. the package's
``russian_coord_tweets``): one row is one share. ``content_id`` is the sharing post's id and
becomes ``post_id``; ``object_id`` is what was shared. CooRTweet's own data documents it as the
retweeted tweet ("referenced_tweet_id"), so by default a row is a ``repost`` with
``reposted_post_id = object_id``: co-repost signals then see exactly the pairs CooRTweet
compares. Where a file's objects are something else, the ``object`` option says so:
``"url"`` (→ ``urls``, kind ``post``) or ``"hashtag"`` (→ ``hashtags``, kind ``post``).
``timestamp_share`` is seconds since the Unix epoch (UTC). The platform is ``twitter`` (CooRTweet
is a Twitter tool and its bundled data is Twitter's), overridable with the ``platform`` option.

**7 columns** ``account_id, post_id, url_id, hashtag_id, domain_id, phash_id, timestamp`` (the
package's ``german_elections``): a post with several URLs, hashtags or images is written as
several rows, one per object, with the same ``post_id``. Rows are therefore merged per post (and
account): the first row of a post is ingested with the distinct ``url_id`` values of its rows as ``urls``,
``hashtag_id`` as ``hashtags`` and ``domain_id`` as ``domains`` (anonymised ids, kept as the
strings they are); the post's other rows are counted as duplicates. Kind is ``post`` (the table
records no reposts). The platform comes from the account id's prefix (``fb_`` facebook, ``tw_``
twitter, ``ig_`` instagram, ``tt_`` tiktok, ``yt_`` youtube, ``tg_`` telegram; otherwise the
``platform`` option or ``coortweet``); account ids are kept with their prefix. ``phash_id``
(a perceptual hash of an image) has no canonical column and is not kept.

Ids are anonymised in CooRTweet's data: they match within a dataset, never with other sources.
"""

from __future__ import annotations

from pathlib import Path

from unmask.ingest._base import FormatError, IngestContext, Reader, Sniff, header_columns, sql_lit

__all__ = ["CooRTweetReader"]

SHARE_COLUMNS = ("object_id", "account_id", "content_id", "timestamp_share")
MULTI_COLUMNS = ("account_id", "post_id", "url_id", "hashtag_id", "domain_id", "phash_id", "timestamp")
PREFIXES = {"fb": "facebook", "tw": "twitter", "ig": "instagram", "tt": "tiktok", "yt": "youtube", "tg": "telegram"}



class CooRTweetReader(Reader):
    """CooRTweet's share table (object_id, account_id, content_id, timestamp_share) and 7-column table."""

    name = "coortweet"
    description = "CooRTweet table (object_id, account_id, content_id, timestamp_share; or the 7-column multi-modal one)"
    platform = "twitter"

    def sniff(self, path: Path, head: bytes) -> Sniff:
        cols = set(header_columns(head))
        if set(SHARE_COLUMNS) <= cols:
            return Sniff(95, "CooRTweet share table header")
        extra = {"url_id", "hashtag_id", "domain_id", "phash_id"} & cols
        if {"account_id", "post_id", "timestamp"} <= cols and len(extra) >= 2:
            return Sniff(90, "CooRTweet multi-modal table header")
        return Sniff(0, "no CooRTweet header")

    def stage(self, ctx: IngestContext) -> int:
        cols = {c.lower() for c in ctx.csv_header()}
        if "content_id" in cols or "object_id" in cols:
            return self._shares(ctx)
        return self._multi(ctx)

    def _count(self, ctx: IngestContext) -> int:
        c = ctx.con
        return c.execute("SELECT count(*) FROM records").fetchone()[0] + c.execute(
            "SELECT count(*) FROM stage_rejects"
        ).fetchone()[0]

    def _shares(self, ctx: IngestContext) -> int:
        ctx.stage_csv("records", required=SHARE_COLUMNS)
        n = self._count(ctx)
        obj = str(ctx.options.get("object") or "repost").lower()
        if obj not in ("repost", "url", "hashtag"):
            raise FormatError(f"{ctx.path}: option object={obj!r}; expected 'repost', 'url' or 'hashtag'")
        platform = str(ctx.options.get("platform") or self.platform)
        o = "unmask_id(object_id)"
        exprs = {
            **{k: "[]" for k in ("hashtags", "urls", "domains", "mentions")},
            "post_id": "unmask_id(content_id)",
            "account_id": "unmask_id(account_id)",
            "created_at": "unmask_epoch(trim(timestamp_share))",
            "kind": "'repost'" if obj == "repost" else "'post'",
        }
        if obj == "repost":
            exprs["reposted_post_id"] = o
        elif obj == "url":
            exprs["urls"] = f"unmask_norm_urls([{o}])"
            exprs["domains"] = f"unmask_domains(unmask_norm_urls([{o}]))"
        else:
            exprs["hashtags"] = f"unmask_norm_tags([coalesce({o}, '')])"
        ctx.insert_posts(
            exprs,
            "records",
            platform=platform,
            raw="to_json(struct_pack(object_id, account_id, content_id, timestamp_share))",
            checks=(
                ("timestamp_share", "unmask_nullif_blank(timestamp_share) IS NOT NULL AND unmask_epoch(trim(timestamp_share)) IS NULL",
                 "unparseable timestamp (expected seconds since the epoch)"),
                ("object_id", f"{o} IS NULL", "missing object_id"),
            ),
        )  # fmt: skip
        ctx.note(f"CooRTweet share table: content_id = post_id, object_id read as {obj} ({platform})")
        return n

    def _multi(self, ctx: IngestContext) -> int:
        names = {x.lower() for x in ctx.stage_csv("records", required=("account_id", "post_id", "timestamp"))}
        n = self._count(ctx)
        c = ctx.con
        fallback = sql_lit(str(ctx.options.get("platform") or "coortweet"))
        cases = " ".join(f"WHEN {sql_lit(k)} THEN {sql_lit(v)}" for k, v in PREFIXES.items())
        plat = f"CASE lower(split_part(trim(account_id), '_', 1)) {cases} ELSE {fallback} END"

        def opt(col: str) -> str:
            return f"unmask_id({col})" if col in names else "NULL::VARCHAR"

        c.execute("DROP TABLE IF EXISTS _ct_rows")
        c.execute(
            f"""CREATE TEMP TABLE _ct_rows AS SELECT *, {plat} AS _platform, unmask_id(post_id) AS _pid,
                {opt('url_id')} AS _url, {opt('hashtag_id')} AS _tag, {opt('domain_id')} AS _dom, unmask_id(account_id) AS _aid
            FROM records"""
        )
        # one post, many rows: every row of a post carries the post's merged lists
        c.execute("DROP TABLE IF EXISTS _ct_posts")
        c.execute(
            """CREATE TEMP TABLE _ct_posts AS SELECT _platform, _pid, _aid,
                list_sort(list_distinct(list(_url))) AS _urls, list_sort(list_distinct(list(_tag))) AS _tags,
                list_sort(list_distinct(list(_dom))) AS _doms
            FROM _ct_rows WHERE _pid IS NOT NULL AND unmask_epoch(trim(timestamp)) IS NOT NULL GROUP BY ALL"""
        )
        ctx.insert_posts(
            {
                "platform": "r._platform",
                "post_id": "r._pid",
                "account_id": "unmask_id(r.account_id)",
                "created_at": "unmask_epoch(trim(r.timestamp))",
                "kind": "'post'",
                "urls": "coalesce(r._urls, [])",
                "hashtags": "coalesce(r._tags, [])",
                "domains": "coalesce(r._doms, [])",
                "mentions": "[]",
            },
            "(SELECT r.*, p._urls, p._tags, p._doms FROM _ct_rows AS r "
            "LEFT JOIN _ct_posts AS p ON r._platform = p._platform AND r._pid = p._pid AND r._aid IS NOT DISTINCT FROM p._aid) AS r",
            platform=self.platform,
            raw="to_json(struct_pack(account_id, post_id, timestamp))",
            checks=(
                ("timestamp", "unmask_nullif_blank(timestamp) IS NOT NULL AND unmask_epoch(trim(timestamp)) IS NULL",
                 "unparseable timestamp (expected seconds since the epoch)"),
            ),
        )  # fmt: skip
        ctx.note("CooRTweet multi-modal table: rows of one post are merged (url/hashtag/domain ids as lists); "
                 "the extra rows count as duplicates; phash_id is not kept; platform from the account id prefix")
        return n
