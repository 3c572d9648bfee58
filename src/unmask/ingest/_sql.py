"""SQL macros shared by the readers: URL normalisation, entity extraction, safe parsing.

They are created once per connection by :func:`install_macros` and keep the per-row work in the
engine. Every reader that needs to normalise a URL or pull hashtags out of text calls these, so
the rules are the same for every format.
"""

from __future__ import annotations

import duckdb

__all__ = ["HASHTAG_RE", "MENTION_RE", "TRACKING_PARAMS", "URL_RE", "install_macros"]

#: Query parameters dropped from URLs: they identify the click, not the page.
TRACKING_PARAMS = (
    "utm_[a-z0-9_]*",
    "fbclid",
    "gclid",
    "dclid",
    "gbraid",
    "wbraid",
    "msclkid",
    "yclid",
    "igshid",
    "mc_cid",
    "mc_eid",
    "_ga",
    "_gl",
    "ref_src",
    "ref_url",
    "s_cid",
    "cmpid",
    "__twitter_impression",
)

#: A hashtag: '#' then letters, marks, digits (any script) or underscores. Links are removed from
#: the text first (their '#fragment' is no hashtag) and all-digit tags (HTML entities such as
#: '&#39;') are dropped. No look-behind: a leading-context group made the regex ~8x slower.
HASHTAG_RE = r"[#＃]([\p{L}\p{M}\p{N}_]+)"
#: A Twitter-style mention.
MENTION_RE = r"(?:^|[^A-Za-z0-9_.])@([A-Za-z0-9_]{1,15})"
#: A URL in free text. No capturing group: the whole match is the URL, and a regex without
#: groups is matched by the engine's fast automaton (extracting a group took twice as long).
URL_RE = r"https?://[^\s<>\"'\x{201C}\x{201D}]*[^\s<>\"'\x{201C}\x{201D}.,;:!?)\]…]"

_TRACKING = "|".join(TRACKING_PARAMS)


def _lit(s: str) -> str:
    """A SQL string literal for ``s``."""
    return "'" + s.replace("'", "''") + "'"


_MACROS = [
    # Split a URL into scheme, host, port, path, query (without '?'); fragment dropped.
    r"""
    CREATE OR REPLACE MACRO unmask_url_parts(u) AS regexp_extract(
        trim(u),
        '^([A-Za-z][A-Za-z0-9+.\-]*)://([^/?#:@]*@)?([^/?#:]*)(:[0-9]*)?([^?#]*)(\?[^#]*)?(#.*)?$',
        ['scheme', 'userinfo', 'host', 'port', 'path', 'query', 'fragment'])
    """,
    # Rebuild a normalised URL from its parts (a struct from unmask_url_parts): lowercase scheme
    # and host, no default port, tracking parameters, fragment or trailing slashes.
    rf"""
    CREATE OR REPLACE MACRO unmask_url_from_parts(p) AS
        lower(p.scheme) || '://' || lower(p.host)
        || CASE WHEN p.port IN ('', ':')
                  OR (lower(p.scheme) = 'http' AND p.port = ':80')
                  OR (lower(p.scheme) = 'https' AND p.port = ':443')
                THEN '' ELSE p.port END
        || rtrim(p.path, '/')
        || coalesce('?' || nullif(array_to_string(list_filter(
                string_split(ltrim(p.query, '?'), '&'),
                lambda x: x <> '' AND NOT regexp_matches(lower(x), '^({_TRACKING})(=|$)')
            ), '&'), ''), '')
    """,
    # Normalise a list of URLs, dropping empties (a URL-less post must never share a '' URL). One
    # pass over the list: the fast path (lowercase http(s) URL without port, query or fragment)
    # only trims trailing slashes, the same result as splitting and rebuilding at a fraction of
    # the cost; the rest are split once into parts (a struct, in a one-element list so that the
    # regex runs once per URL) and rebuilt, non-URLs kept trimmed.
    r"""
    CREATE OR REPLACE MACRO unmask_norm_urls(us) AS
        list_transform(
            list_filter(us, lambda x: x IS NOT NULL AND trim(x) <> ''),
            lambda x: CASE
                WHEN regexp_full_match(trim(x), '(?:http|https)://[a-z0-9.\-]+(?:/[^?#]*)?') THEN rtrim(trim(x), '/')
                ELSE list_transform([unmask_url_parts(x)], lambda p: CASE WHEN p.scheme = '' THEN trim(x)
                                                                   ELSE unmask_url_from_parts(p) END)[1]
            END)
    """,
    r"""
    CREATE OR REPLACE MACRO unmask_norm_url(u) AS unmask_norm_urls([u])[1]
    """,
    # The domain of a (normalised) URL: lowercased host without a leading 'www.'. Without an '@'
    # in the URL there is no user part, and the regex without that optional group is matched in
    # one pass (a third of the time).
    r"""
    CREATE OR REPLACE MACRO unmask_url_host(u) AS
        lower(CASE
            WHEN contains(u, '@') THEN regexp_extract(u, '^[A-Za-z][A-Za-z0-9+.\-]*://([^@/?#]*@)?([^/?#:]*)', 2)
            ELSE regexp_extract(u, '^[A-Za-z][A-Za-z0-9+.\-]*://([^/?#:]*)', 1) END)
    """,
    r"""
    CREATE OR REPLACE MACRO unmask_domain(u) AS nullif(regexp_replace(unmask_url_host(u), '^www\.', ''), '')
    """,
    # unmask_domain over a list, the leading 'www.' cut by a prefix test instead of a regex
    # replace (half the cost: the same values), in a second pass over the hosts so that the
    # host regex runs once per URL.
    r"""
    CREATE OR REPLACE MACRO unmask_domains(us) AS
        list_filter(list_transform(list_transform(us, lambda x: unmask_url_host(x)),
                                   lambda h: nullif(CASE WHEN starts_with(h, 'www.') THEN substr(h, 5) ELSE h END, '')),
                    lambda x: x IS NOT NULL)
    """,
    # Lowercase hashtags, strip '#', drop empties.
    r"""
    CREATE OR REPLACE MACRO unmask_norm_tags(ts) AS
        list_filter(list_transform(ts, lambda x: lower(ltrim(trim(x), '#＃'))), lambda x: x <> '')
    """,
    # A tag matched by HASHTAG_RE is never empty and holds no space or '#': of unmask_norm_tags
    # only the lowercasing is left to do (one list pass fewer).
    f"""
    CREATE OR REPLACE MACRO unmask_text_hashtags(t) AS
        CASE WHEN contains(coalesce(t, ''), '#') OR contains(coalesce(t, ''), '＃') THEN
            list_transform(list_filter(
                regexp_extract_all(regexp_replace(t, 'https?://[^\\s]+', ' ', 'g'), {_lit(HASHTAG_RE)}, 1),
                lambda x: NOT regexp_full_match(x, '[0-9_]+')), lambda x: lower(x))
        ELSE []::VARCHAR[] END
    """,
    f"""
    CREATE OR REPLACE MACRO unmask_text_mentions(t) AS
        CASE WHEN contains(coalesce(t, ''), '@') THEN
            list_transform(regexp_extract_all(t, {_lit(MENTION_RE)}, 1), lambda x: lower(x))
        ELSE []::VARCHAR[] END
    """,
    f"""
    CREATE OR REPLACE MACRO unmask_text_urls(t) AS
        CASE WHEN contains(coalesce(t, ''), '://') THEN regexp_extract_all(t, {_lit(URL_RE)}, 0)
        ELSE []::VARCHAR[] END
    """,
    # unmask_norm_urls of the URLs found in a text (unmask_text_urls): such a URL is never NULL or
    # empty and starts with 'http', so the filter has nothing to do; the fast path takes only
    # URLs without a space separator (the characters trim removes; a URL may hold a no-break
    # space), so it needs no trim, and most need no rtrim either (rtrim builds a new string: only
    # where one ends with '/'). A URL with a space separator is split and rebuilt, which trims it:
    # the same result. The same lists, in half the time.
    r"""
    CREATE OR REPLACE MACRO unmask_norm_text_urls(t) AS
        list_transform(unmask_text_urls(t), lambda x: CASE
            WHEN regexp_full_match(x, '(?:http|https)://[a-z0-9.\-]+(?:/[^?#\p{Zs}]*)?') THEN
                CASE WHEN ends_with(x, '/') THEN rtrim(x, '/') ELSE x END
            ELSE list_transform([unmask_url_parts(x)], lambda p: CASE WHEN p.scheme = '' THEN trim(x)
                                                               ELSE unmask_url_from_parts(p) END)[1]
        END)
    """,
    # Items of a Python-literal or JSON list of strings/numbers: "['a', 'b']", "[1, 2]", "".
    r"""
    CREATE OR REPLACE MACRO unmask_literal_list(s) AS
        CASE WHEN s IS NULL OR trim(s) IN ('', '[]', 'absent', 'None', 'null') THEN []::VARCHAR[]
        ELSE list_transform(
            regexp_extract_all(s, '''([^'']*)''|"([^"]*)"|([^\[\],''"\s]+)', 0),
            lambda x: trim(x, '''"'))
        END
    """,
    # The text inside an HTML anchor, e.g. a v1.1 'source' field.
    r"""
    CREATE OR REPLACE MACRO unmask_strip_html(s) AS
        nullif(trim(regexp_replace(coalesce(s, ''), '<[^>]*>', '', 'g')), '')
    """,
    # trim(s) without its cost where it changes nothing: the engine's trim decodes UTF-8 to find
    # Unicode space separators (3x the cost of this test on short values). A value of ASCII
    # characters only (as many bytes as characters) without a space at either end is its own trim.
    # ``s`` is repeated: pass a column, not an expensive expression.
    r"""
    CREATE OR REPLACE MACRO unmask_trim(s) AS
        CASE WHEN strlen(s) = length(s) AND NOT starts_with(s, ' ') AND NOT ends_with(s, ' ') THEN s
             ELSE trim(s) END
    """,
    # Empty strings and the usual null spellings become NULL.
    r"""
    CREATE OR REPLACE MACRO unmask_nullif_blank(s) AS
        CASE WHEN s IS NULL OR trim(s) IN ('', 'absent', 'None', 'null', 'NULL', 'nan', 'NaN')
             THEN NULL ELSE s END
    """,
    # An id written as a float ('1234.0') or with stray spaces becomes its plain string.
    r"""
    CREATE OR REPLACE MACRO unmask_id(s) AS
        CASE WHEN unmask_nullif_blank(s) IS NULL THEN NULL
             -- the regex only where there is a '.': most ids are plain digits
             WHEN contains(s, '.') AND regexp_matches(trim(s), '^[0-9]+\.0+$') THEN regexp_replace(trim(s), '\.0+$', '')
             ELSE trim(s) END
    """,
    # Counts written as '19816', '19816.0' or blank.
    r"""
    CREATE OR REPLACE MACRO unmask_count(s) AS TRY_CAST(TRY_CAST(unmask_nullif_blank(s) AS DOUBLE) AS BIGINT)
    """,
    r"""
    CREATE OR REPLACE MACRO unmask_bool(s) AS
        CASE lower(trim(CAST(s AS VARCHAR)))
            WHEN 'true' THEN true WHEN '1' THEN true WHEN 't' THEN true WHEN 'yes' THEN true
            WHEN '1.0' THEN true
            WHEN 'false' THEN false WHEN '0' THEN false WHEN 'f' THEN false WHEN 'no' THEN false
            WHEN '0.0' THEN false
            ELSE NULL END
    """,
    # Seconds since the epoch (int or float, as text) to a UTC timestamp.
    r"""
    CREATE OR REPLACE MACRO unmask_epoch(s) AS
        CASE WHEN TRY_CAST(s AS DOUBLE) IS NULL THEN NULL
             -- outside years 1..9999 the engine would raise and sink the whole file: NULL instead
             WHEN NOT TRY_CAST(s AS DOUBLE) BETWEEN -62135596800 AND 253402300799 THEN NULL
             ELSE make_timestamptz(CAST(round(TRY_CAST(s AS DOUBLE) * 1000000) AS BIGINT)) END
    """,
]


def install_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Create (or replace) the ``unmask_*`` macros on ``con``."""
    for m in _MACROS:
        con.execute(m)
