"""The canonical tables of unmask: one source of truth for every stage.

Every reader writes ``posts`` and ``accounts`` rows in exactly these layouts, every signal reads
them, and the dataset manifest records :data:`SCHEMA_VERSION` so that a dataset written by an
older unmask is recognised rather than misread.
"""

from __future__ import annotations

import pyarrow as pa

__all__ = [
    "ACCOUNTS",
    "ACCOUNTS_REQUIRED",
    "POSTS",
    "POSTS_REQUIRED",
    "POST_KINDS",
    "REJECTS",
    "SCHEMA_VERSION",
    "duckdb_columns",
    "duckdb_type",
]

#: Bumped whenever a column is added, removed or changes meaning.
SCHEMA_VERSION = "1.0"

#: Values of ``posts.kind``.
POST_KINDS = ("post", "repost", "reply", "quote")

_TS = pa.timestamp("us", tz="UTC")
_STRS = pa.list_(pa.string())

#: One row per post (original, repost, reply or quote) as the platform published it.
POSTS = pa.schema(
    [
        pa.field("platform", pa.string(), nullable=False),
        pa.field("post_id", pa.string(), nullable=False),
        pa.field("account_id", pa.string(), nullable=False),
        pa.field("created_at", _TS, nullable=False),
        pa.field("kind", pa.string(), nullable=False),
        pa.field("text", pa.string()),
        pa.field("lang", pa.string()),
        pa.field("hashtags", _STRS),  # lowercased, without '#', in order of appearance
        pa.field("urls", _STRS),  # normalised (see unmask.ingest._sql.norm_url)
        pa.field("domains", _STRS),  # lowercased host without 'www.', one per url
        pa.field("mentions", _STRS),  # account ids where the source has them, else handles
        pa.field("reposted_post_id", pa.string()),
        pa.field("reposted_account_id", pa.string()),
        pa.field("replied_post_id", pa.string()),
        pa.field("replied_account_id", pa.string()),
        pa.field("quoted_post_id", pa.string()),
        pa.field("client", pa.string()),  # source application, HTML stripped
        pa.field("source_file", pa.string()),  # provenance: the input file's path
        pa.field("source_record", pa.int64()),  # provenance: line (JSON) or record (CSV) number, 1-based
    ],
    metadata={"unmask.table": "posts", "unmask.schema_version": SCHEMA_VERSION},
)

#: One row per account: the latest profile snapshot seen in the data.
ACCOUNTS = pa.schema(
    [
        pa.field("platform", pa.string(), nullable=False),
        pa.field("account_id", pa.string(), nullable=False),
        pa.field("handle", pa.string()),
        pa.field("display_name", pa.string()),
        pa.field("description", pa.string()),
        pa.field("location", pa.string()),
        pa.field("url", pa.string()),
        pa.field("created_at", _TS),
        pa.field("followers", pa.int64()),
        pa.field("following", pa.int64()),
        pa.field("posts_count", pa.int64()),
        pa.field("lang", pa.string()),
        pa.field("verified", pa.bool_()),
        pa.field("default_profile", pa.bool_()),
        pa.field("default_image", pa.bool_()),
        pa.field("first_seen", _TS),  # earliest post time (or snapshot time) in the data
        pa.field("last_seen", _TS),  # latest post time (or snapshot time) in the data
        pa.field("snapshot_at", _TS),  # when the kept profile snapshot was taken
        pa.field("snapshot_source", pa.string()),  # 'profile' (a profile record) or 'post' (per-post copy)
        pa.field("source_file", pa.string()),
    ],
    metadata={"unmask.table": "accounts", "unmask.schema_version": SCHEMA_VERSION},
)

#: One row per input record that could not be ingested, with the reason and the raw text.
REJECTS = pa.schema(
    [
        pa.field("source_file", pa.string(), nullable=False),
        pa.field("source_record", pa.int64()),  # line (JSON) or record/line (CSV) number, 1-based
        pa.field("field", pa.string()),  # the offending field or column, where one is to blame
        pa.field("reason", pa.string(), nullable=False),
        pa.field("raw", pa.string()),  # the raw record (truncated to 100 kB)
        pa.field("format", pa.string()),
    ],
    metadata={"unmask.table": "rejects", "unmask.schema_version": SCHEMA_VERSION},
)

POSTS_REQUIRED = ("platform", "post_id", "account_id", "created_at", "kind")
ACCOUNTS_REQUIRED = ("platform", "account_id")


def duckdb_type(t: pa.DataType) -> str:
    """The DuckDB type name for an Arrow type used in the canonical schema."""
    if pa.types.is_list(t):
        return duckdb_type(t.value_type) + "[]"
    if pa.types.is_timestamp(t):
        return "TIMESTAMPTZ" if t.tz else "TIMESTAMP"
    return {
        pa.string(): "VARCHAR",
        pa.int64(): "BIGINT",
        pa.bool_(): "BOOLEAN",
        pa.float64(): "DOUBLE",
    }[t]


def duckdb_columns(schema: pa.Schema) -> str:
    """``name TYPE, ...`` for a CREATE TABLE statement that matches ``schema``."""
    return ", ".join(f'"{f.name}" {duckdb_type(f.type)}' for f in schema)
