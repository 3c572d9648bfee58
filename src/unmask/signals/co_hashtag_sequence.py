"""``co_hashtag_sequence``: posted the same ordered sequence of at least ``k`` hashtags.

The object is a post's whole hashtag list in order of appearance (lowercased by the readers),
kept only when it has at least ``min_hashtags`` (default 3) entries: copy-pasted hashtag blocks
are a classic trace of scripted campaigns (Luceri et al. 2024). Reposts are left out.

**Its own window: 600 s.** A block of three or more hashtags in the same order is a rare object,
unlike a post or a link that a whole swarm shares in the same minute; an operation that hands a
block to its accounts sees them paste it over minutes, not seconds (a sleeper cell of 50 accounts
posting ~150 times over three hours meets within 60 s too seldom to pass significance, within
600 s it does). The null model scales with the window, so organic users of popular hashtags are
not favoured by it. ``signal_params = {"co_hashtag_sequence": {"time_window": ...}}`` changes it
(``0`` = same sequence at any time); the shared ``time_window`` does not apply to this signal.
"""

from __future__ import annotations

from typing import Any

import duckdb

from unmask.signals import Signal
from unmask.signals._common import T_EXPR, object_signal

__all__ = ["SIGNAL", "compute"]


def compute(con: duckdb.DuckDBPyConnection, out: str, *, min_hashtags: int = 3, **kw: Any) -> dict[str, Any]:
    """Edges between accounts posting the same ordered hashtag sequence within the window."""
    sel = (
        f"SELECT account_id, array_to_string(hashtags, ' ') AS obj, post_id, {T_EXPR} AS t, "
        f"created_at AS ts FROM posts WHERE kind <> 'repost' AND array_length(hashtags) >= {int(min_hashtags)}"
    )
    return object_signal(sel)(con, out, **kw)


SIGNAL = Signal("co_hashtag_sequence", "posted the same ordered sequence of >= k hashtags within the window",
                compute, {"min_hashtags": 3, "time_window": 600.0})
