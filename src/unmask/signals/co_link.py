"""``co_link`` (normalised URL) and ``co_domain``: shared the same link within the time window.

URLs are already normalised by the readers (``posts.urls``; ``posts.domains`` one host per URL).
Reposts are left out: they copy the original's links, which ``co_repost`` already counts. A post
naming the same URL twice counts once; URL-less posts never match.
"""

from __future__ import annotations

from unmask.signals import Signal
from unmask.signals._common import T_EXPR, object_signal

__all__ = ["CO_DOMAIN", "CO_URL"]


def _select(col: str) -> str:
    return (
        f"SELECT DISTINCT account_id, u AS obj, post_id, {T_EXPR} AS t, created_at AS ts "
        f"FROM (SELECT *, unnest({col}) AS u FROM posts WHERE kind <> 'repost') x"
    )


CO_URL = Signal("co_link", "shared the same normalised URL within the window", object_signal(_select("urls")))
CO_DOMAIN = Signal("co_domain", "shared a link to the same domain within the window",
                   object_signal(_select("domains")))
