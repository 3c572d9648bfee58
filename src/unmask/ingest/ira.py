"""Russian Internet Research Agency (IRA) tweets as released by FiveThirtyEight/Clemson.

Two layouts are read:

* the original ``IRAhandle_tweets_N.csv`` files (external_author_id, author, content, region,
  language, publish_date ``M/D/YYYY HH:MM``, harvested_date, following, followers, updates,
  post_type ``RETWEET``/``QUOTE_TWEET``/blank, account_type, retweet, account_category,
  new_june_2018, alt_external_id, tweet_id, article_url, tco1_step1..tco3_step1);
* the by-author derivative (``tweets.csv.gz``: author_id, content, region, language,
  publish_date ``YYYY-MM-DD HH:MM:SS``, harvested_date, following, followers, updates,
  post_type blank/``R``/``Q``, retweet) with its ``authors.csv`` (author_id, author,
  external_author_id, account_type, account_category, ...), which ingests as account profiles.

Rules (the same for every layout, so one account gets one id whichever file comes first):

* **account_id** is ``external_author_id`` when it is a real id: digits only and not a value
  rounded by a spreadsheet (many are written as e.g. ``906000000000000000``; nine or more
  trailing zeros mark them). Otherwise it is the lowercased handle (``author``). A derivative
  tweets file looks its ``author_id`` up in the ``authors.csv`` beside it; without that file,
  the lowercased ``author_id`` is used (and a note says so).
* **post_id** is ``tweet_id`` where the file has one (digits; ``1234.0`` is read as ``1234``, a
  value in scientific notation is not an id). Otherwise it is derived:
  ``'ira:' || md5`` of all the row's original columns joined by a unit separator. Identical rows
  are therefore true duplicates and collapse; any difference (e.g. the ``updates`` count) keeps
  two rows apart.
* **reposts**: ``retweet = 1`` or a retweet post_type. Most carry the original text without an
  ``RT @user:`` prefix and without the original's id, so ``reposted_post_id`` is derived from
  the text: ``'ira-text:' || md5(t)`` where ``t`` is the text lowercased, with a leading
  ``RT @user:`` and all links removed and whitespace collapsed. Reposts of the same text share
  that id (a co-repost signal can use it); it never equals a real tweet id.
  ``reposted_account_id`` is the lowercased handle of an ``RT @user:`` prefix where there is one.
* quotes (``Q``/``QUOTE_TWEET``) have kind ``quote`` without a quoted id (the data has none).
* **times** have no stated zone; they are read as UTC.
* hashtags, mentions (lowercased handles) and urls come from the text.
* following/followers/updates are per-post copies of the profile: the latest per account is kept
  as its snapshot (``snapshot_source = 'post'``).
* account_type, account_category and the congress flags have no canonical column and are not kept.
"""

from __future__ import annotations

from pathlib import Path

from unmask.ingest._base import IngestContext, Reader, Sniff, header_columns, sql_lit

__all__ = ["IRAReader"]

ORIGINAL_COLUMNS = (
    "external_author_id", "author", "content", "region", "language", "publish_date",
    "harvested_date", "following", "followers", "updates", "post_type", "account_type",
    "retweet", "account_category", "new_june_2018", "alt_external_id", "tweet_id",
    "article_url", "tco1_step1", "tco2_step1", "tco3_step1",
)  # fmt: skip
DERIVED_COLUMNS = (
    "author_id", "content", "region", "language", "publish_date", "harvested_date",
    "following", "followers", "updates", "post_type", "retweet",
)  # fmt: skip
AUTHORS_COLUMNS = ("author_id", "author", "external_author_id", "account_type", "account_category")

_TIME = (
    "try_strptime(unmask_trim(publish_date), ['%Y-%m-%d %H:%M:%S', '%m/%d/%Y %H:%M', '%Y-%m-%d %H:%M', "
    "'%m/%d/%Y %H:%M:%S'])::TIMESTAMPTZ"
)
_RT_PREFIX = r"^\s*RT @([A-Za-z0-9_]{1,15}):?\s*"
#: The text normalisation behind derived reposted_post_ids, in one regex pass over the lowercased
#: text: a leading ``RT @user:`` and every run of links and whitespace become one space; trimmed.
#: A run that is already one plain space is left alone (replacing it changes nothing, and matching
#: every space between words made the pass 30% slower), so a run matches only when it holds a
#: link, a whitespace character other than a space, or two or more spaces: the same text as
#: ``^\s*rt @[a-z0-9_]{1,15}:?|(?:https?://\S+|\s)+`` replaced by ' ' everywhere.
_RUN = r"(?:https?://\S+|\s)*"
_NORM_RE = rf"^\s*rt @[a-z0-9_]{{1,15}}:?|\s*https?://\S+{_RUN}|\s*[^\S ]{_RUN}|  +{_RUN}"
#: The normalised text before its trim (a column of the source view, so that unmask_trim, which
#: repeats its argument, does not run the regex again); the derived id is made from it by _REPOST_ID.
_REPOST_TEXT = f"regexp_replace(lower(coalesce(content, '')), '{_NORM_RE}', ' ', 'g')"
_REPOST_ID = "'ira-text:' || md5(unmask_trim(_rt_text))"
#: The spellings unmask_nullif_blank reads as NULL.
_BLANKS = "'', 'absent', 'None', 'null', 'NULL', 'nan', 'NaN'"


def external_id_sql(col: str) -> str:
    """SQL: ``col`` when it is a usable account id (digits, not a rounded float), else NULL."""
    return (
        f"CASE WHEN regexp_matches(trim({col}), '^[0-9]+$') AND NOT regexp_matches(trim({col}), "
        f"'0{{9}}$') THEN trim({col}) END"
    )


def account_id_sql(external: str, handle: str) -> str:
    """SQL for the account id rule: a real external id, else the lowercased handle."""
    return f"coalesce({external_id_sql(external)}, lower(unmask_nullif_blank(trim({handle}))))"



class IRAReader(Reader):
    """FiveThirtyEight/Clemson IRA tweets (original and by-author layouts) and authors.csv."""

    name = "ira"
    description = "FiveThirtyEight/Clemson IRA tweets CSV (IRAhandle_tweets_N.csv, by-author tweets + authors.csv)"
    platform = "twitter"

    def sniff(self, path: Path, head: bytes) -> Sniff:
        cols = set(header_columns(head))
        if {"external_author_id", "author", "content", "publish_date", "account_category"} <= cols:
            return Sniff(95, "FiveThirtyEight IRA header")
        if {"author_id", "content", "publish_date", "post_type", "retweet"} <= cols:
            return Sniff(90, "IRA by-author tweets header")
        if {"author_id", "author", "external_author_id", "account_category"} <= cols:
            return Sniff(90, "IRA authors header")
        return Sniff(0, "no IRA header")

    def stage(self, ctx: IngestContext) -> int:
        cols = {c.lower() for c in ctx.csv_header()}
        if "content" not in cols and {"author_id", "author", "external_author_id"} <= cols:
            return self._authors(ctx)
        original = "external_author_id" in cols or "author" in cols
        required = ("author", "content", "publish_date") if original else ("author_id", "content", "publish_date")
        names = ctx.stage_csv("records", required=required)
        lower = {n.lower(): n for n in names}
        c = ctx.con
        n = c.execute("SELECT count(*) FROM records").fetchone()[0] + c.execute(
            "SELECT count(*) FROM stage_rejects"
        ).fetchone()[0]

        def col(name: str) -> str:
            return f'r."{lower[name]}"' if name in lower else "NULL::VARCHAR"

        if original:
            account = account_id_sql(col("external_author_id"), col("author"))
            source = "records AS r"
            handle = f"unmask_nullif_blank({col('author')})"
        else:
            authors = ctx.path.parent / "authors.csv"
            if authors.is_file():
                c.execute("DROP TABLE IF EXISTS _ira_authors")
                c.execute(
                    f"""CREATE TEMP TABLE _ira_authors AS
                    SELECT trim(author_id) AS author_id, any_value({account_id_sql('external_author_id', 'author')}) AS aid,
                           any_value(unmask_nullif_blank(author)) AS handle
                    FROM read_csv({sql_lit(str(authors))}, all_varchar=true, header=true)
                    GROUP BY 1"""
                )
                source = "records AS r LEFT JOIN _ira_authors AS a ON unmask_trim(r.author_id) = a.author_id"
                account = f"coalesce(a.aid, lower(unmask_nullif_blank(trim({col('author_id')}))))"
                handle = "a.handle"
                ctx.note(f"account ids taken from {authors.name} beside the file (external_author_id, else handle)")
            else:
                source = "records AS r"
                account = f"lower(unmask_nullif_blank(trim({col('author_id')})))"
                handle = "NULL"
                ctx.note("no authors.csv beside the file: account ids are the lowercased author_id")

        # post_type and retweet trimmed once (in an inner select), trimmed by unmask_trim (the same
        # values as trim, at a third of the cost where there is nothing to trim)
        ptype = f"coalesce(upper(unmask_trim({col('post_type')})), '')"
        retweet = f"coalesce(unmask_trim({col('retweet')}), '')"
        # quotes carry retweet = 1 in the by-author data: post_type decides first
        is_q = "_ptype IN ('Q', 'QUOTE_TWEET', 'QUOTE')"
        is_rt = f"(NOT {is_q} AND (_retweet IN ('1', '1.0') OR _ptype IN ('R', 'RETWEET')))"
        tid = col("tweet_id")
        # derived post id over all the row's original columns (identical rows = true duplicates)
        row_cols = [f'r."{nm}"' for nm in names]
        row_hash = "'ira:' || md5(concat_ws(chr(31), " + ", ".join(f"coalesce({x}, '')" for x in row_cols) + "))"
        # a tweet_id a spreadsheet turned into '9.14E+17' is no id: such rows get the derived one
        real_tid = f"CASE WHEN regexp_full_match(unmask_id({tid}), '[0-9]+') THEN unmask_id({tid}) END"
        post_id = f"coalesce({real_tid}, {row_hash})" if tid != "NULL::VARCHAR" else row_hash
        urls = "unmask_norm_text_urls(content)"
        c.execute("DROP VIEW IF EXISTS _ira_src")
        c.execute(
            f"""CREATE TEMP VIEW _ira_src AS
            SELECT *, CASE WHEN is_rt THEN {_REPOST_TEXT} END AS _rt_text FROM (
                SELECT *, {is_rt} AS is_rt, {is_q} AS is_q FROM (
                    SELECT r._record, r.content AS content,
                        {col('publish_date')} AS publish_date, {col('language')} AS language,
                        {account} AS account_id, {handle} AS handle, {post_id} AS post_id,
                        {ptype} AS _ptype, {retweet} AS _retweet,
                        {col('followers')} AS followers, {col('following')} AS following, {col('updates')} AS updates,
                        {col('post_type')} AS post_type, {col('retweet')} AS retweet
                    FROM {source}) AS _t) AS _k"""
        )
        ctx.insert_posts(
            {
                "post_id": "post_id",
                "account_id": "account_id",
                "created_at": _TIME,
                "kind": "CASE WHEN is_rt THEN 'repost' WHEN is_q THEN 'quote' ELSE 'post' END",
                "text": "content",
                "lang": f"CASE WHEN unmask_trim(language) IN ({_BLANKS}) THEN NULL ELSE language END",
                "hashtags": "unmask_text_hashtags(content)",
                "urls": urls,
                # the host of a URL found in text is the same before and after normalising it:
                # reading it from the raw URL saves normalising every URL twice
                "mentions": "unmask_text_mentions(content)",
                "reposted_post_id": f"CASE WHEN is_rt THEN {_REPOST_ID} END",
                "reposted_account_id": f"CASE WHEN is_rt THEN nullif(lower(regexp_extract(content, {sql_lit(_RT_PREFIX)}, 1)), '') END",
            },
            "_ira_src",
            platform=self.platform,
            raw="to_json(struct_pack(account_id, publish_date, post_type, retweet, content))",
            checks=(
                ("publish_date", "\"__c_created_at\" IS NULL AND unmask_nullif_blank(publish_date) IS NOT NULL",
                 "unparseable timestamp (expected YYYY-MM-DD HH:MM:SS or M/D/YYYY HH:MM, read as UTC)"),
                ("retweet", f"_retweet NOT IN ({_BLANKS}, '0', '1', '0.0', '1.0')",
                 "retweet is neither 0 nor 1"),
            ),
        )  # fmt: skip
        ctx.insert_accounts(
            {
                "account_id": "account_id",
                "handle": "s.handle",
                "followers": "s.followers",
                "following": "s.following",
                "posts_count": "s.updates",
                "snapshot_at": "s.t",
                "snapshot_source": "'post'",
            },
            # each account's latest row is found on a narrow key (time, record) from the staged
            # posts (account_id and created_at are computed there already), then joined back:
            # only the chosen rows' counts are read and cleaned
            """(SELECT b.account_id, struct_pack(
                    handle := handle,
                    followers := unmask_count(followers),
                    following := unmask_count(following),
                    updates := unmask_count(updates),
                    t := b.k.t) AS s
                FROM (SELECT account_id, max(struct_pack(t := created_at, r := source_record)) AS k
                      FROM stage_posts WHERE account_id IS NOT NULL AND created_at IS NOT NULL GROUP BY 1) AS b
                JOIN _ira_src ON _ira_src._record = b.k.r)""",
            platform=self.platform,
        )
        ctx.note("account profiles (followers/following/updates) come from per-tweet copies; the latest is kept")
        ctx.note("retweets without ids get reposted_post_id 'ira-text:' + md5 of the normalised text")
        ctx.note("publish_date has no stated time zone; read as UTC")
        return n

    def _authors(self, ctx: IngestContext) -> int:
        ctx.stage_csv("records", required=("author_id", "author", "external_author_id"))
        c = ctx.con
        aid = account_id_sql("external_author_id", "author")
        c.execute(
            f"""INSERT INTO stage_rejects SELECT {sql_lit(ctx.source)}, _record, 'author',
                'missing author and external_author_id', to_json(struct_pack(author_id, author, external_author_id)),
                {sql_lit(self.name)} FROM records WHERE {aid} IS NULL"""
        )
        ctx.insert_accounts(
            {"account_id": aid, "handle": "unmask_nullif_blank(author)", "snapshot_source": "'profile'"},
            f"(SELECT * FROM records WHERE {aid} IS NOT NULL)",
            platform=self.platform,
        )
        ctx.account_records = c.execute(f"SELECT count(*) FROM records WHERE {aid} IS NOT NULL").fetchone()[0]
        ctx.note("authors: account_id is external_author_id when a real id, else the lowercased handle")
        return c.execute("SELECT count(*) FROM records").fetchone()[0] + c.execute(
            "SELECT count(*) FROM stage_rejects WHERE reason <> 'missing author and external_author_id'"
        ).fetchone()[0]
