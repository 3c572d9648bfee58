"""Bluesky / AT Protocol Jetstream JSON lines (``{"did", "time_us", "kind", "commit" | "identity" | "account"}``).

``app.bsky.feed.post`` creates become posts (``at://DID/app.bsky.feed.post/RKEY``): facets give
hashtags (``#tag``), links (``#link``) and mentions (``#mention``, as DIDs); ``reply.parent``
makes a reply; a record embed of a post (``app.bsky.embed.record``, or inside
``recordWithMedia``) makes a quote; an external embed adds its link. ``app.bsky.feed.repost``
creates become reposts of the subject URI. Profile commits (``app.bsky.actor.profile``) and
``identity`` events (handles) update ``accounts`` and count as ingested account records. Every
other event (likes, follows, blocks, deletes, account status) is rejected as out of scope with
its collection and operation, so each line is accounted for. The early Jetstream layout
(``"type": "com"``, ``commit.type: "c"``) is read too.
"""

from __future__ import annotations

import re
from pathlib import Path

from unmask.ingest._base import MAX_RAW, IngestContext, Reader, Sniff, head_text, sql_lit

__all__ = ["JetstreamReader"]

_REF = '{"uri": "VARCHAR", "cid": "VARCHAR"}'
_RECORD = (
    '{"$type": "VARCHAR", "text": "VARCHAR", "langs": ["VARCHAR"], "createdAt": "VARCHAR", "via": "VARCHAR", '
    '"facets": [{"features": [{"$type": "VARCHAR", "tag": "VARCHAR", "uri": "VARCHAR", "did": "VARCHAR"}]}], '
    '"reply": {"root": ' + _REF + ', "parent": ' + _REF + "}, "
    '"embed": {"$type": "VARCHAR", "record": {"$type": "VARCHAR", "uri": "VARCHAR", "record": ' + _REF + "}, "
    '"external": {"uri": "VARCHAR"}}, "subject": ' + _REF + ", "
    '"displayName": "VARCHAR", "description": "VARCHAR", "avatar": "JSON"}'
)
_EVENT = (
    '{"did": "VARCHAR", "time_us": "BIGINT", "kind": "VARCHAR", "type": "VARCHAR", '
    '"commit": {"operation": "VARCHAR", "type": "VARCHAR", "collection": "VARCHAR", "rkey": "VARCHAR", '
    '"record": ' + _RECORD + '}, "identity": {"did": "VARCHAR", "handle": "VARCHAR", "time": "VARCHAR"}}'
)
_POST = "app.bsky.feed.post"
_REPOST = "app.bsky.feed.repost"
_PROFILE = "app.bsky.actor.profile"


def _did_of(uri: str) -> str:
    """SQL: the DID (authority) of an ``at://`` URI, or NULL."""
    return f"nullif(regexp_extract({uri}, '^at://([^/]+)', 1), '')"


def _features(kind: str, field: str) -> str:
    """SQL: the ``field`` of every facet feature of type ``app.bsky.richtext.facet#kind``, in order."""
    return (
        f"list_transform(list_filter(flatten(list_transform(coalesce(r.facets, []), lambda f: coalesce(f.features, []))), "
        f"lambda x: x.\"$type\" = 'app.bsky.richtext.facet#{kind}' AND x.{field} IS NOT NULL), lambda x: x.{field})"
    )


def _distinct(e: str) -> str:
    """SQL: ``e`` without repeated items, first occurrence kept (order preserved)."""
    return f"list_filter({e}, lambda x, i: list_position({e}, x) = i)"


class JetstreamReader(Reader):
    """Bluesky Jetstream events: posts, reposts, profile updates and identity (handle) events."""

    name = "jetstream"
    description = "Bluesky / AT Protocol Jetstream JSON lines (posts, reposts, profiles, handles)"
    platform = "bluesky"

    def sniff(self, path: Path, head: bytes) -> Sniff:
        text = head_text(head).lstrip()
        if not text.startswith("{"):
            return Sniff(0, "not JSON lines")
        if re.search(r'"did"\s*:\s*"did:', text) and re.search(r'"time_us"\s*:\s*\d', text):
            if re.search(r'"(?:kind|type)"\s*:\s*"(?:commit|identity|account|com|id|acc)"', text):
                return Sniff(95, "Jetstream events (did, time_us, kind)")
            return Sniff(60, "did and time_us")
        return Sniff(0, "no Jetstream fields")

    def stage(self, ctx: IngestContext) -> int:
        n = fallback = 0
        ctx.account_records = 0
        for records in ctx.json_chunks("lines"):  # one bounded chunk of lines at a time
            n += records
            fallback += self._chunk(ctx)
        if fallback:
            ctx.note(f"{fallback} post(s) without a parseable createdAt were timed by the event's time_us")
        for t in ("js_posts", "js"):  # free the memory before the next file
            ctx.con.execute(f"DROP TABLE IF EXISTS {t}")
        return n

    def _chunk(self, ctx: IngestContext) -> int:
        """Stage one chunk of events; return how many posts were timed by time_us."""
        c = ctx.con
        c.execute(
            f"""CREATE OR REPLACE TEMP TABLE js AS
            SELECT _record, line, e, e.commit.record AS r,
                   coalesce(e.kind, CASE e.type WHEN 'com' THEN 'commit' WHEN 'id' THEN 'identity'
                                                WHEN 'acc' THEN 'account' END) AS kind,
                   coalesce(e.commit.operation, CASE e.commit.type WHEN 'c' THEN 'create' WHEN 'u' THEN 'update'
                                                                   WHEN 'd' THEN 'delete' END) AS op,
                   e.commit.collection AS coll,
                   CASE WHEN e.time_us BETWEEN -62135596800000000 AND 253402300799999999
                        THEN make_timestamptz(e.time_us) END AS t_us
            FROM (SELECT _record, line, json_transform(line, '{_EVENT}') AS e FROM lines)"""
        )
        is_post = f"(kind = 'commit' AND op = 'create' AND coll IN ('{_POST}', '{_REPOST}'))"
        is_profile = f"(kind = 'commit' AND op IN ('create', 'update') AND coll = '{_PROFILE}' AND e.did IS NOT NULL)"
        is_identity = "(kind = 'identity' AND coalesce(e.identity.did, e.did) IS NOT NULL AND e.identity.handle IS NOT NULL)"
        c.execute(
            f"""INSERT INTO stage_rejects
            SELECT {sql_lit(ctx.source)}, _record, NULL,
                CASE WHEN kind = 'commit' THEN 'out of scope: ' || coalesce(coll, '(no collection)') || ' '
                                               || coalesce(op, '(no operation)')
                     WHEN kind = 'identity' THEN 'identity event without a DID or handle'
                     WHEN kind = 'account' THEN 'out of scope: account status event'
                     WHEN kind IS NULL THEN 'not a Jetstream event (keys: '
                                            || array_to_string(json_keys(line)[1:8], ', ') || ')'
                     ELSE 'out of scope: ' || kind || ' event' END,
                left(line, {MAX_RAW}), {sql_lit(self.name)}
            FROM js WHERE NOT coalesce({is_post} OR {is_profile} OR {is_identity}, false)"""
        )
        fallback = self._posts(ctx, is_post)
        self._accounts(ctx, is_profile, is_identity)
        return fallback

    def _posts(self, ctx: IngestContext, is_post: str) -> int:
        """Posts and reposts, with facets, replies and embeds resolved in SQL; returns how many were
        timed by the event's time_us."""
        quoted = (
            "CASE WHEN r.embed.\"$type\" = 'app.bsky.embed.record' THEN r.embed.record.uri "
            "WHEN r.embed.\"$type\" = 'app.bsky.embed.recordWithMedia' THEN r.embed.record.record.uri END"
        )
        ctx.con.execute(
            f"""CREATE OR REPLACE TEMP TABLE js_posts AS
            SELECT *, CASE WHEN contains(q_uri, '/{_POST}/') THEN q_uri END AS quoted_uri FROM (
                SELECT *, {quoted} AS q_uri,
                       coalesce(TRY_CAST(r.createdAt AS TIMESTAMPTZ), t_us) AS t_at
                FROM js WHERE {is_post})"""
        )
        fallback = ctx.con.execute(
            "SELECT count(*) FROM js_posts WHERE TRY_CAST(r.createdAt AS TIMESTAMPTZ) IS NULL AND t_us IS NOT NULL"
        ).fetchone()[0]
        links = _distinct(
            f"unmask_norm_urls(list_concat({_features('link', 'uri')}, "
            "CASE WHEN r.embed.\"$type\" = 'app.bsky.embed.external' THEN [r.embed.external.uri] ELSE [] END))"
        )
        is_repost = f"coll = '{_REPOST}'"
        ctx.insert_posts(
            {
                "post_id": "'at://' || e.did || '/' || coll || '/' || e.commit.rkey",
                "account_id": "e.did",
                "created_at": "t_at",
                "kind": f"CASE WHEN {is_repost} THEN 'repost' WHEN r.reply.parent.uri IS NOT NULL THEN 'reply' "
                "WHEN quoted_uri IS NOT NULL THEN 'quote' ELSE 'post' END",
                "text": f"CASE WHEN NOT ({is_repost}) THEN r.text END",
                "lang": "unmask_nullif_blank(r.langs[1])",
                "hashtags": f"unmask_norm_tags({_features('tag', 'tag')})",
                "urls": links,
                "mentions": _features("mention", "did"),
                "reposted_post_id": f"CASE WHEN {is_repost} THEN r.subject.uri END",
                "reposted_account_id": f"CASE WHEN {is_repost} THEN {_did_of('r.subject.uri')} END",
                "replied_post_id": "r.reply.parent.uri",
                "replied_account_id": _did_of("r.reply.parent.uri"),
                "quoted_post_id": "quoted_uri",
                "client": "unmask_nullif_blank(r.via)",
            },
            "js_posts",
            platform=self.platform,
            raw="line",
            checks=(
                ("did", "e.did IS NULL OR NOT starts_with(e.did, 'did:')", "missing or malformed did"),
                ("commit.rkey", "e.commit.rkey IS NULL OR e.commit.rkey = ''", "missing commit.rkey"),
                ("commit.record", "r IS NULL", "create event without a record"),
                ("subject.uri", f"{is_repost} AND r.subject.uri IS NULL", "repost without subject.uri"),
            ),
        )  # fmt: skip
        return fallback

    def _accounts(self, ctx: IngestContext, is_profile: str, is_identity: str) -> None:
        """Profiles and handles; each event is one account record, the latest per field wins."""
        c = ctx.con
        ctx.insert_accounts(
            {
                "account_id": "e.did",
                "display_name": "unmask_nullif_blank(r.displayName)",
                "description": "unmask_nullif_blank(r.description)",
                "created_at": "TRY_CAST(r.createdAt AS TIMESTAMPTZ)",
                "default_image": "r.avatar IS NULL",
                "snapshot_at": "t_us",
                "snapshot_source": "'profile'",
            },
            f"(SELECT * FROM js WHERE {is_profile})",
            platform=self.platform,
        )
        ctx.insert_accounts(
            {
                "account_id": "coalesce(e.identity.did, e.did)",
                "handle": "lower(e.identity.handle)",
                "snapshot_at": "coalesce(t_us, TRY_CAST(e.identity.time AS TIMESTAMPTZ))",
                "snapshot_source": "'profile'",
            },
            f"(SELECT * FROM js WHERE {is_identity})",
            platform=self.platform,
        )
        ctx.account_records += c.execute(
            f"SELECT count(*) FROM js WHERE coalesce({is_profile} OR {is_identity}, false)"
        ).fetchone()[0]
