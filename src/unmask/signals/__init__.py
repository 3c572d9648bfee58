"""Coordination signals: one module per signal, each turning ``posts`` into account-pair edges.

Every signal reads the ``posts`` view on a DuckDB connection (see :meth:`unmask.dataset.Dataset.
register`) and writes a temp table with the columns of :data:`unmask.signals._window.EDGE_COLUMNS`
(one row per unordered account pair, ``account_a < account_b``). Significance (p and q values) is
added afterwards by :mod:`unmask.network.significance`.

Adding a signal = one module with a ``compute(con, out, *, time_window, max_bucket, evidence,
**params)`` function and a ``SIGNAL`` description, plus one line in :data:`_MODULES`. A signal
with many candidate pairs may leave the evidence to a ``details`` function run on the kept pairs
only (see ``sync_activity``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["SIGNALS", "Signal", "get", "names"]


@dataclass(frozen=True)
class Signal:
    """A registered signal: its name, what it measures and its own parameters' defaults."""

    name: str
    description: str
    compute: Callable[..., dict[str, Any]]
    defaults: dict[str, Any] = field(default_factory=dict)
    windowed: bool = True  # False: time_window does not apply (own time unit)
    #: Optional ``details(con, out, kept, result, *, evidence)``: for signals whose ``compute``
    #: leaves the costly per-pair columns (evidence, median gap) empty, fills them for the pairs
    #: significance keeps only (``out`` is the table ``compute`` wrote).
    details: Callable[..., None] | None = None


#: module, attribute of every signal, in output order (one line per signal).
_MODULES: list[tuple[str, str]] = [
    ("unmask.signals.co_repost", "SIGNAL"),
    ("unmask.signals.co_reply", "CO_REPLY"),
    ("unmask.signals.co_reply", "CO_QUOTE"),
    ("unmask.signals.co_link", "CO_URL"),
    ("unmask.signals.co_link", "CO_DOMAIN"),
    ("unmask.signals.co_hashtag_sequence", "SIGNAL"),
    ("unmask.signals.co_text", "CO_TEXT"),
    ("unmask.signals.co_text", "CO_TEXT_NEAR"),
    ("unmask.signals.fast_repost", "SIGNAL"),
    ("unmask.signals.sync_activity", "SIGNAL"),
]

SIGNALS: dict[str, Signal] = {}
for _m, _a in _MODULES:
    _s: Signal = getattr(importlib.import_module(_m), _a)
    SIGNALS[_s.name] = _s


def names() -> list[str]:
    """Names of all registered signals, in output order."""
    return list(SIGNALS)


def get(name: str) -> Signal:
    """The signal called ``name`` (KeyError listing the known names otherwise)."""
    try:
        return SIGNALS[name]
    except KeyError:
        raise KeyError(f"unknown signal {name!r}; known: {', '.join(SIGNALS)}") from None
