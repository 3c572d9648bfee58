"""Any table of posts (CSV, JSON lines or Parquet) with a column map: the ``generic`` format.

The reader never guesses a file is its own (it is chosen with ``--format generic`` or by giving a
map). The map comes from ``--map FILE`` (TOML) and/or ``--column CANONICAL=SOURCE``::

    platform = "telegram"          # posts.platform (default "generic")
    input = "csv"                  # "csv" | "jsonl" | "parquet"; default from the file extension
    delimiter = ";"                # CSV only (default ",", or tab for .tsv)
    encoding = "latin-1"           # "utf-8" | "utf-16" | "latin-1" (default: detected; --encoding wins)
    time_format = "%d.%m.%Y %H:%M" # strptime format, or "epoch", "epoch_ms", "iso"; default "auto"
    timezone = "Europe/Moscow"     # zone of times written without an offset (default UTC)
    list_separator = ","           # splits list columns given as text (default: whitespace)

    [columns]                      # canonical name = source column (JSON lines: dotted path)
    post_id = "id"
    account_id = "user.id"
    created_at = "date"
    text = "message"
    reposted_post_id = "fwd_from"

    [accounts]                     # optional: profile fields found on the same rows
    handle = "user.username"
    followers = "user.followers"

Canonical post columns: post_id, account_id, created_at (required), kind, text, lang, hashtags,
urls, domains, mentions, reposted_post_id, reposted_account_id, replied_post_id,
replied_account_id, quoted_post_id, client. A column of the file that already has a canonical
name is used without being mapped. Rules:

* ``kind`` when mapped accepts post/repost/reply/quote (and retweet, rt, original, tweet,
  quote_tweet, replied_to); otherwise it follows from the repost, reply and quote id columns.
* list columns (hashtags, urls, mentions) may be JSON/Python list literals (``["a", "b"]``),
  JSON arrays (JSON lines), Parquet lists, or text split by ``list_separator``. Unmapped
  hashtags, urls and mentions are extracted from ``text``; domains always come from the urls.
* times: ``auto`` reads numbers as Unix seconds and other values as ISO 8601; a time with an
  offset (``Z``, ``+03:00``) keeps it, one without is read in ``timezone`` and stored as UTC.
  A value that does not parse is a reject naming the expected format.
* account profile fields under ``[accounts]`` are per-post copies: the latest per account is kept
  (``snapshot_source = 'post'``).

A mapped column missing from the file is a :class:`FormatError` naming the column and the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb

from unmask.ingest._base import FormatError, IngestContext, Reader, Sniff, sql_lit

__all__ = ["GenericReader"]

POST_FIELDS = (
    "post_id", "account_id", "created_at", "kind", "text", "lang", "hashtags", "urls", "domains",
    "mentions", "reposted_post_id", "reposted_account_id", "replied_post_id", "replied_account_id",
    "quoted_post_id", "client",
)  # fmt: skip
LIST_FIELDS = ("hashtags", "urls", "domains", "mentions")
ID_FIELDS = ("post_id", "account_id", "reposted_post_id", "reposted_account_id", "replied_post_id",
             "replied_account_id", "quoted_post_id")  # fmt: skip
ACCOUNT_FIELDS = (
    "handle", "display_name", "description", "location", "url", "created_at", "followers",
    "following", "posts_count", "lang", "verified", "default_profile", "default_image",
)  # fmt: skip
REQUIRED = ("post_id", "account_id", "created_at")
_KINDS = {
    "post": "post", "original": "post", "tweet": "post", "status": "post",
    "repost": "repost", "retweet": "repost", "rt": "repost", "retweeted": "repost", "share": "repost",
    "reply": "reply", "replied_to": "reply", "comment": "reply",
    "quote": "quote", "quoted": "quote", "quote_tweet": "quote",
}  # fmt: skip


def _input_kind(path: Path, opts: Mapping[str, Any]) -> str:
    given = str(opts.get("input") or "").lower()
    if given:
        if given in ("json", "ndjson", "jsonl", "json_lines"):
            return "jsonl"
        if given in ("csv", "tsv", "parquet"):
            return "csv" if given == "tsv" else given
        raise FormatError(f"{path}: input = {given!r}; expected 'csv', 'jsonl' or 'parquet'")
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    ext = suffixes[-1] if suffixes else ""
    if ext in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if ext in (".parquet", ".pq"):
        return "parquet"
    return "csv"


def _json_path(dotted: str) -> str:
    return "$." + ".".join('"' + p.replace('"', '\\"') + '"' for p in dotted.split("."))


def _qi(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class GenericReader(Reader):
    """CSV, JSON lines or Parquet with a column map (TOML ``--map`` and/or ``--column``)."""

    name = "generic"
    description = "Generic CSV / JSON lines / Parquet with a column map (--map FILE.toml, --column canonical=source)"
    platform = "generic"

    def sniff(self, path: Path, head: bytes) -> Sniff:
        return Sniff(0, "generic is chosen with --format generic or --map, never by sniffing")

    def stage(self, ctx: IngestContext) -> int:
        opts = ctx.options
        kind = _input_kind(ctx.path, opts)
        if ctx.encoding is None and opts.get("encoding"):
            ctx.encoding = str(opts["encoding"]).lower().replace("latin1", "latin-1").replace("utf8", "utf-8")
        cmap = {str(k): str(v) for k, v in dict(opts.get("columns") or {}).items()}
        amap = {str(k): str(v) for k, v in dict(opts.get("accounts") or {}).items()}
        unknown = sorted(set(cmap) - set(POST_FIELDS)) + sorted(f"accounts.{k}" for k in set(amap) - set(ACCOUNT_FIELDS))
        if unknown:
            raise FormatError(f"{ctx.path}: unknown canonical column(s) in the map: {', '.join(unknown)} "
                              f"(known: {', '.join(POST_FIELDS)})")
        c = ctx.con
        if kind == "csv":
            delim = str(opts.get("delimiter") or ("\t" if ".tsv" in [s.lower() for s in ctx.path.suffixes] else ","))
            names = ctx.stage_csv("records", delimiter=delim)
            n = c.execute("SELECT count(*) FROM records").fetchone()[0] + c.execute(
                "SELECT count(*) FROM stage_rejects").fetchone()[0]
            types = {nm: "VARCHAR" for nm in names}
            col = self._table_col(types)
        elif kind == "jsonl":
            return self._stage_jsonl(ctx, cmap, amap)
        else:
            try:
                c.execute("DROP TABLE IF EXISTS records")
                c.execute(f"CREATE TEMP TABLE records AS SELECT row_number() OVER () AS _record, * "
                          f"FROM read_parquet({sql_lit(ctx.source)})")
            except duckdb.Error as e:
                raise FormatError(f"{ctx.path}: could not be read as Parquet: {e}") from e
            n = c.execute("SELECT count(*) FROM records").fetchone()[0]
            types = {r[0]: r[1] for r in c.execute("DESCRIBE records").fetchall() if r[0] != "_record"}
            col = self._table_col(types)
        c.execute("DROP TABLE IF EXISTS _gen_best")
        self._stage_rows(ctx, kind, cmap, amap, self._present(c, kind, types), col, None)
        self._finish_accounts(ctx, amap)
        return n

    def _stage_jsonl(self, ctx: IngestContext, cmap: dict[str, str], amap: dict[str, str]) -> int:
        """JSON lines, one bounded chunk at a time: the map is settled on the first chunk, and a
        mapped path found in no line of the whole file is an error, as for a table."""
        c = ctx.con
        c.execute("DROP TABLE IF EXISTS _gen_best")
        n = total = 0
        present: dict[str, str] | None = None
        sources: dict[str, str] = {}
        found: dict[str, int] = {}
        for records in ctx.json_chunks("records"):
            n += records
            if present is None:
                present = self._present(c, "jsonl", None)
            sources = self._stage_rows(ctx, "jsonl", dict(cmap), amap, present, self._json_col(), "line")
            paths = sorted(set(sources.values()))
            counts = c.execute(
                "SELECT count(*)" + "".join(f", count(*) FILTER (WHERE json_exists(line, {sql_lit(_json_path(p))}))"
                                            for p in paths) + " FROM records"
            ).fetchall()[0]
            total += counts[0]
            for p, k in zip(paths, counts[1:], strict=True):
                found[p] = found.get(p, 0) + k
        if present is None:  # no lines at all: the map must still name the required columns
            self._check_map(ctx, cmap)
        if total:
            for canon, source in sources.items():
                if not found.get(source):
                    raise FormatError(f"{ctx.path}: mapped column {source!r} (for {canon.removeprefix('a_')}) "
                                      "is not in the file")
        self._finish_accounts(ctx, amap)
        return n

    def _check_map(self, ctx: IngestContext, cmap: Mapping[str, str]) -> None:
        missing_map = [f for f in REQUIRED if f not in cmap]
        if missing_map:
            raise FormatError(f"{ctx.path}: the column map lacks {', '.join(missing_map)} "
                              "(give them under [columns] in --map, or --column NAME=SOURCE)")

    def _stage_rows(self, ctx: IngestContext, kind: str, cmap: dict[str, str], amap: Mapping[str, str],
                    present: Mapping[str, str], col: Any, raw_of: str | None) -> dict[str, str]:
        """Stage the posts (and profile snapshots) of ``records``; return canonical -> source."""
        opts = ctx.options
        c = ctx.con
        # canonical names the file already has count as mapped (explicit entries win)
        for f in POST_FIELDS:
            if f not in cmap and f in present:
                cmap[f] = present[f]
        self._check_map(ctx, cmap)
        src: dict[str, str] = {}
        src_names = {**cmap, **{f"a_{k}": v for k, v in amap.items()}}
        for canon, source in [*cmap.items(), *((f"a_{k}", v) for k, v in amap.items())]:
            expr = col(source, canon.removeprefix("a_") in LIST_FIELDS and not canon.startswith("a_"))
            if expr is None:
                raise FormatError(f"{ctx.path}: mapped column {source!r} (for {canon.removeprefix('a_')}) "
                                  f"is not in the file")
            src[canon] = expr
        sep = opts.get("list_separator")
        proj = ", ".join(f"{e} AS {_qi('s_' + k)}" for k, e in src.items())
        raw_cols = ", ".join(
            f"{sql_lit(v)}, " + (f"CASE WHEN len({_qi('s_' + k)}) = 1 THEN {_qi('s_' + k)}[1] ELSE {_qi('s_' + k)}::VARCHAR END"
                                 if k in LIST_FIELDS else f"{_qi('s_' + k)}::VARCHAR")
            for k, v in src_names.items()
        )
        raw = raw_of or f"json_object({raw_cols})"
        c.execute("DROP VIEW IF EXISTS _gen_src")
        c.execute(f"CREATE TEMP VIEW _gen_src AS SELECT _record, {proj}{', line' if raw_of else ''} FROM records")

        tz = opts.get("timezone")
        if tz:
            try:
                c.execute(f"SELECT timezone({sql_lit(str(tz))}, TIMESTAMP '2020-01-01 00:00:00')").fetchone()
            except duckdb.Error as e:
                raise FormatError(f"{ctx.path}: unknown timezone {tz!r}: {e}") from e
        tfmt = str(opts.get("time_format") or "auto")
        t_expr, t_desc = self._time(tfmt, str(tz) if tz else None, '"s_created_at"')
        exprs: dict[str, str] = {}
        for f in ("post_id", "account_id", "reposted_post_id", "reposted_account_id", "replied_post_id",
                  "replied_account_id", "quoted_post_id"):
            if f in src:
                exprs[f] = f'unmask_id("s_{f}")'
        exprs["created_at"] = t_expr
        for f in ("text", "lang", "client"):
            if f in src:
                exprs[f] = f'unmask_nullif_blank("s_{f}")'
        text = '"s_text"' if "text" in src else "NULL::VARCHAR"
        lists = {f: self._list(f'"s_{f}"', sep) for f in LIST_FIELDS if f in src}
        exprs["hashtags"] = f"unmask_norm_tags({lists['hashtags']})" if "hashtags" in lists else f"unmask_text_hashtags({text})"
        urls = f"unmask_norm_urls({lists['urls']})" if "urls" in lists else f"unmask_norm_urls(unmask_text_urls({text}))"
        exprs["urls"] = urls
        # domains are derived once from the normalised urls (see posts_stage_sql)
        exprs["mentions"] = (
            f"list_filter(list_transform({lists['mentions']}, lambda x: lower(ltrim(trim(x), '@'))), lambda x: x <> '')"
            if "mentions" in lists else f"unmask_text_mentions({text})"
        )
        checks: list[tuple[str, str, str]] = [
            ("created_at", f'unmask_nullif_blank("s_created_at") IS NOT NULL AND {t_expr} IS NULL',
             f"unparseable timestamp (expected {t_desc})"),
        ]  # fmt: skip
        if "kind" in src:
            cases = " ".join(f"WHEN {sql_lit(k)} THEN {sql_lit(v)}" for k, v in _KINDS.items())
            exprs["kind"] = f"CASE lower(trim(coalesce(\"s_kind\", 'post'))) WHEN '' THEN 'post' {cases} ELSE lower(trim(\"s_kind\")) END"
        else:
            rp = 'unmask_id("s_reposted_post_id") IS NOT NULL' if "reposted_post_id" in src else "false"
            rq = 'unmask_id("s_replied_post_id") IS NOT NULL' if "replied_post_id" in src else "false"
            qq = 'unmask_id("s_quoted_post_id") IS NOT NULL' if "quoted_post_id" in src else "false"
            exprs["kind"] = f"CASE WHEN {rp} THEN 'repost' WHEN {rq} THEN 'reply' WHEN {qq} THEN 'quote' ELSE 'post' END"
        platform = str(opts.get("platform") or self.platform)
        ctx.insert_posts(exprs, "_gen_src", platform=platform, raw=raw, checks=tuple(checks))

        if amap:
            a_exprs = {"account_id": "account_id", "snapshot_at": "s._t", "snapshot_source": "'post'"}
            fields = []
            for k in amap:
                v = f'"s_a_{k}"'
                if k in ("followers", "following", "posts_count"):
                    e = f"unmask_count({v})"
                elif k in ("verified", "default_profile", "default_image"):
                    e = f"unmask_bool({v})"
                elif k == "created_at":
                    e = self._time("auto", None, v)[0]
                else:
                    e = f"unmask_nullif_blank({v})"
                fields.append(f"{_qi(k)} := {e}")
                a_exprs[k] = f"s.{_qi(k)}"
            # the latest copy per account in these rows; the file's latest is picked at the end
            best = f"""SELECT unmask_id("s_account_id") AS account_id,
                        arg_max(struct_pack({', '.join(fields)}, _t := {t_expr}), struct_pack(t := {t_expr}, r := _record)) AS s,
                        max(struct_pack(t := {t_expr}, r := _record)) AS k
                    FROM _gen_src WHERE unmask_id("s_account_id") IS NOT NULL AND {t_expr} IS NOT NULL GROUP BY 1"""
            if c.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = '_gen_best'").fetchall()[0][0]:
                c.execute(f"INSERT INTO _gen_best {best}")
            else:
                c.execute(f"CREATE TEMP TABLE _gen_best AS {best}")
            self._account_exprs = (a_exprs, platform)
            ctx.note("account fields from [accounts] are per-post copies; the latest per account is kept")
        ctx.note(f"generic {kind}: columns {', '.join(f'{k}<-{v}' for k, v in cmap.items())}; times {t_desc}")
        return src_names

    def _finish_accounts(self, ctx: IngestContext, amap: Mapping[str, str]) -> None:
        """The latest copy of each account's [accounts] fields over the whole file."""
        c = ctx.con
        if amap and c.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = '_gen_best'").fetchall()[0][0]:
            a_exprs, platform = self._account_exprs
            ctx.insert_accounts(a_exprs, "(SELECT account_id, arg_max(s, k) AS s FROM _gen_best GROUP BY 1)",
                                platform=platform)
        c.execute("DROP TABLE IF EXISTS _gen_best")

    # -- column access per input kind --------------------------------------------------------

    @staticmethod
    def _table_col(types: Mapping[str, str]) -> Any:
        lower = {k.lower(): k for k in types}

        def col(source: str, is_list: bool) -> str | None:
            name = source if source in types else lower.get(source.lower())
            if name is not None:
                t = types[name]
                if t.endswith("[]"):
                    return f"CAST({_qi(name)} AS VARCHAR[])" if is_list else f"array_to_string(CAST({_qi(name)} AS VARCHAR[]), ' ')"
                return f"[CAST({_qi(name)} AS VARCHAR)]" if is_list else f"CAST({_qi(name)} AS VARCHAR)"
            head, _, rest = source.partition(".")
            top = head if head in types else lower.get(head.lower())
            if rest and top is not None and types[top].upper().startswith("STRUCT"):
                e = _qi(top) + "".join(f"[{sql_lit(p)}]" for p in rest.split("."))
                return f"[CAST({e} AS VARCHAR)]" if is_list else f"CAST({e} AS VARCHAR)"
            return None

        return col

    @staticmethod
    def _json_col() -> Any:
        def col(source: str, is_list: bool) -> str | None:
            p = sql_lit(_json_path(source))
            if is_list:
                return (f"CASE WHEN json_type(line, {p}) = 'ARRAY' THEN "
                        f"list_transform(json_extract(line, {p})::JSON[], lambda x: x ->> '$') "
                        f"ELSE [json_extract_string(line, {p})] END")
            return f"json_extract_string(line, {p})"

        return col

    @staticmethod
    def _present(con: duckdb.DuckDBPyConnection, kind: str, types: Mapping[str, str] | None) -> dict[str, str]:
        if types is not None:
            lower = {k.lower(): k for k in types}
            return {f: lower[f] for f in POST_FIELDS if f in lower}
        keys = con.execute(
            "SELECT DISTINCT unnest(json_keys(line)) FROM (SELECT line FROM records LIMIT 1000)"
        ).fetchall()
        have = {k[0] for k in keys}
        return {f: f for f in POST_FIELDS if f in have}

    @staticmethod
    def _list(e: str, sep: Any) -> str:
        """A VARCHAR[] from a list column, a list literal or separated text."""
        splitter = (f"string_split(trim(x), {sql_lit(str(sep))})" if sep else "string_split_regex(trim(x), '\\s+')")
        return (
            f"flatten(list_transform({e}, lambda x: CASE WHEN x IS NULL OR trim(x) = '' THEN []::VARCHAR[] "
            f"WHEN starts_with(trim(x), '[') THEN unmask_literal_list(x) "
            f"ELSE list_filter(list_transform({splitter}, lambda y: trim(y)), lambda y: y <> '') END))"
        )

    @staticmethod
    def _time(fmt: str, tz: str | None, v: str) -> tuple[str, str]:
        """SQL turning text ``v`` into a UTC TIMESTAMPTZ under ``fmt``, and a description."""
        def local(ts: str) -> str:
            return f"timezone({sql_lit(tz)}, {ts})" if tz else f"CAST({ts} AS TIMESTAMPTZ)"

        zone = f" in {tz}" if tz else " (UTC)"
        epoch = f"unmask_epoch(trim({v}))"
        # out of years 1..9999 the engine would raise and sink the file: such values are NULL
        epoch_ms = (f"CASE WHEN TRY_CAST(trim({v}) AS DOUBLE) BETWEEN -62135596800000 AND 253402300799000 THEN "
                    f"make_timestamptz(CAST(round(TRY_CAST(trim({v}) AS DOUBLE) * 1000) AS BIGINT)) END")
        iso = (f"CASE WHEN regexp_matches(trim({v}), '(Z|z|[+-][0-9]{{2}}(:?[0-9]{{2}})?)$') "
               f"THEN TRY_CAST(trim({v}) AS TIMESTAMPTZ) ELSE {local(f'TRY_CAST(trim({v}) AS TIMESTAMP)')} END")
        if fmt == "epoch":
            return epoch, "seconds since the epoch"
        if fmt == "epoch_ms":
            return epoch_ms, "milliseconds since the epoch"
        if fmt == "iso":
            return iso, "ISO 8601" + zone
        if fmt == "auto":
            return (f"CASE WHEN TRY_CAST(trim({v}) AS DOUBLE) IS NOT NULL THEN {epoch} ELSE {iso} END",
                    "ISO 8601" + zone + " or seconds since the epoch")
        if "%z" in fmt or "%Z" in fmt:
            return f"CAST(try_strptime(trim({v}), {sql_lit(fmt)}) AS TIMESTAMPTZ)", f"'{fmt}'"
        return local(f"try_strptime(trim({v}), {sql_lit(fmt)})"), f"'{fmt}'" + zone
