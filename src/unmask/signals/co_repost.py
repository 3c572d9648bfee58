"""``co_repost``: two accounts reposted the same post within the time window.

The classic co-retweet trace (Keller et al. 2020; coordination-network-toolkit ``co_retweet``;
CooRTweet on retweets). With ``time_window=None`` it becomes "reposted the same post, any time".
"""

from __future__ import annotations

from unmask.signals import Signal
from unmask.signals._common import T_EXPR, object_signal

__all__ = ["SIGNAL", "compute"]

compute = object_signal(
    f"SELECT account_id, reposted_post_id AS obj, post_id, {T_EXPR} AS t, created_at AS ts "
    "FROM posts WHERE kind = 'repost'"
)

SIGNAL = Signal("co_repost", "reposted the same post within the window", compute)
