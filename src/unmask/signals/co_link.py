"""``co_link`` (normalised URL) and ``co_domain``: shared the same link within the time window.

URLs are already normalised by the readers (``posts.urls``; ``posts.domains`` one host per URL).
Reposts are left out: they copy the original's links, which ``co_repost`` already counts. A post
naming the same URL twice counts once; URL-less posts never match.

``co_domain`` leaves out link shorteners and the platforms' own hosts by default
(:data:`SHORTENER_DOMAINS`, parameter ``exclude_domains``): an unresolved ``t.co`` link says
nothing about where it leads, and in the IRA data 615 k posts share that one "domain", which
would pair every two accounts posting any link in the same minute.
"""

from __future__ import annotations

from typing import Any

import duckdb

from unmask.signals import Signal
from unmask.signals._common import T_EXPR, object_signal

__all__ = ["CO_DOMAIN", "CO_URL", "SHORTENER_DOMAINS"]

#: Hosts whose links say nothing about the destination (shorteners) or are the platform itself.
SHORTENER_DOMAINS = (
    "t.co", "bit.ly", "ow.ly", "buff.ly", "dlvr.it", "ift.tt", "goo.gl", "tinyurl.com", "fb.me", "is.gd",
    "tiny.cc", "trib.al", "lnkd.in", "shar.es", "j.mp", "wp.me", "twitter.com", "x.com", "pic.twitter.com",
    "mobile.twitter.com", "facebook.com", "m.facebook.com",
)  # fmt: skip


def _select(col: str, exclude: tuple[str, ...] = ()) -> str:
    ex = ""
    if exclude:
        ex = " WHERE u NOT IN (" + ", ".join("'" + d.replace("'", "''") + "'" for d in exclude) + ")"
    return (
        f"SELECT DISTINCT account_id, u AS obj, post_id, t, ts FROM ("
        f"SELECT account_id, unnest({col}) AS u, post_id, {T_EXPR} AS t, created_at AS ts "
        f"FROM posts WHERE kind <> 'repost') x{ex}"
    )


def _domain(
    con: duckdb.DuckDBPyConnection, out: str, *, exclude_domains: list[str] | tuple[str, ...] = SHORTENER_DOMAINS,
    **kw: Any,
) -> dict[str, Any]:
    """Edges between accounts linking to the same domain within the window (shorteners excluded)."""
    return object_signal(_select("domains", tuple(exclude_domains)))(con, out, **kw)


CO_URL = Signal("co_link", "shared the same normalised URL within the window", object_signal(_select("urls")))
CO_DOMAIN = Signal("co_domain", "shared a link to the same domain within the window (shorteners excluded)",
                   _domain, {"exclude_domains": list(SHORTENER_DOMAINS)})
