"""coordination-network-toolkit's CSV: ``message_id, user_id, username, repost_id, reply_id, message, timestamp, urls``.

Files made for that tool read the same here. Like its ``preprocess_csv_files``, the columns are
taken by position (the header row is skipped, its names are not checked), every row must have
exactly eight fields, empty ``repost_id``/``reply_id`` mean none, ``timestamp`` is seconds (read
as seconds since the Unix epoch, UTC) and ``urls`` is a space-separated list. The first row
with a given ``message_id`` wins, as with the tool's ``insert or ignore``.

Differences, on purpose:

* an empty ``urls`` field means no URL (the tool splits ``''`` into ``['']`` and so links every
  URL-less message through a shared empty URL); runs of spaces are one separator;
* URLs are normalised like every other format's (tracking parameters, case, trailing slash);
  scheme-less URLs (``youtu.be/123``) are kept as written and their domain is read as if they
  had ``http://``;
* a row with an unusable timestamp or id, or without eight fields, is rejected with its line
  rather than stopping the run; a header without eight columns is an error naming the missing ones;
* hashtags and mentions (handles) are extracted from ``message``; the tool ignores URLs of
  reposts for co-link, here they are kept and a signal can filter on ``kind``.

``repost_id`` makes a ``repost`` (it wins when both ids are set), else ``reply_id`` a ``reply``.
The file says nothing about the platform: posts get ``platform = 'cnt'`` (override with the
``platform`` option) so that its ids never collide with another source's. ``username`` gives the
account's handle (latest row per account, ``snapshot_source = 'post'``).
"""

from __future__ import annotations

from pathlib import Path

from unmask.ingest._base import FormatError, IngestContext, Reader, Sniff, header_columns

__all__ = ["CNTReader"]

COLUMNS = ("message_id", "user_id", "username", "repost_id", "reply_id", "message", "timestamp", "urls")

_TIME = "unmask_epoch(trim(timestamp))"
_URLS = "unmask_norm_urls(string_split_regex(trim(coalesce(urls, '')), '\\s+'))"



class CNTReader(Reader):
    """coordination-network-toolkit's 8-column CSV, read by position like the tool itself."""

    name = "cnt"
    description = "coordination-network-toolkit CSV (message_id, user_id, username, repost_id, reply_id, message, timestamp, urls)"
    platform = "cnt"

    def sniff(self, path: Path, head: bytes) -> Sniff:
        cols = header_columns(head)
        if tuple(cols) == COLUMNS:
            return Sniff(95, "coordination-network-toolkit header")
        if len(cols) == 8 and sum(a == b for a, b in zip(cols, COLUMNS, strict=True)) >= 6:
            return Sniff(70, "8 columns, mostly coordination-network-toolkit names")
        return Sniff(0, "no coordination-network-toolkit header")

    def stage(self, ctx: IngestContext) -> int:
        # by position, like the tool: the header's own names do not matter, their number does
        header = ctx.csv_header()
        if len(header) != len(COLUMNS):
            missing = f"missing column(s) {', '.join(COLUMNS[len(header):])}" if len(header) < len(COLUMNS) else (
                f"{len(header) - len(COLUMNS)} column(s) too many")
            raise FormatError(f"{ctx.path}: {missing} for format 'cnt': the header has {len(header)} columns "
                              f"({', '.join(header[:12])}); expected 8 in this order: {', '.join(COLUMNS)}")
        ctx.stage_csv("records", columns=list(COLUMNS), header=True)
        c = ctx.con
        n = c.execute("SELECT count(*) FROM records").fetchone()[0] + c.execute(
            "SELECT count(*) FROM stage_rejects"
        ).fetchone()[0]
        platform = str(ctx.options.get("platform") or self.platform)
        repost = "unmask_nullif_blank(trim(repost_id))"
        reply = "unmask_nullif_blank(trim(reply_id))"
        ctx.insert_posts(
            {
                "post_id": "unmask_nullif_blank(trim(message_id))",
                "account_id": "unmask_nullif_blank(trim(user_id))",
                "created_at": _TIME,
                "kind": f"CASE WHEN {repost} IS NOT NULL THEN 'repost' WHEN {reply} IS NOT NULL THEN 'reply' ELSE 'post' END",
                "text": "message",
                "hashtags": "unmask_text_hashtags(message)",
                "mentions": "unmask_text_mentions(message)",
                "urls": _URLS,
                "domains": f"unmask_domains(list_transform({_URLS}, "
                "lambda u: CASE WHEN contains(u, '://') THEN u ELSE 'http://' || u END))",
                "reposted_post_id": repost,
                "replied_post_id": f"CASE WHEN {repost} IS NULL THEN {reply} END",
            },
            "records",
            platform=platform,
            raw="to_json(struct_pack(message_id, user_id, username, repost_id, reply_id, message, timestamp, urls))",
            checks=(
                ("timestamp", "\"__c_created_at\" IS NULL AND unmask_nullif_blank(timestamp) IS NOT NULL",
                 "unparseable timestamp (expected seconds since the epoch)"),
            ),
        )  # fmt: skip
        ctx.insert_accounts(
            {"account_id": "account_id", "handle": "s.handle", "snapshot_at": "s.t", "snapshot_source": "'post'"},
            f"""(SELECT trim(user_id) AS account_id,
                    arg_max(struct_pack(handle := unmask_nullif_blank(trim(username)), t := {_TIME}),
                            struct_pack(t := {_TIME}, r := _record)) AS s
                FROM records WHERE unmask_nullif_blank(trim(user_id)) IS NOT NULL AND {_TIME} IS NOT NULL
                  AND unmask_nullif_blank(trim(username)) IS NOT NULL
                GROUP BY 1)""",
            platform=platform,
        )
        ctx.note("columns read by position as coordination-network-toolkit does; timestamp read as Unix seconds (UTC)")
        return n
