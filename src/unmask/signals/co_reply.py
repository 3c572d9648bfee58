"""``co_reply`` and ``co_quote``: replied to / quoted the same post within the time window."""

from __future__ import annotations

from unmask.signals import Signal
from unmask.signals._common import T_EXPR, object_signal

__all__ = ["CO_QUOTE", "CO_REPLY"]

_reply = object_signal(
    f"SELECT account_id, replied_post_id AS obj, post_id, {T_EXPR} AS t, created_at AS ts FROM posts"
)
_quote = object_signal(
    f"SELECT account_id, quoted_post_id AS obj, post_id, {T_EXPR} AS t, created_at AS ts FROM posts"
)

CO_REPLY = Signal("co_reply", "replied to the same post within the window", _reply)
CO_QUOTE = Signal("co_quote", "quoted the same post within the window", _quote)
