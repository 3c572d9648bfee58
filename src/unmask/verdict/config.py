"""The configuration of ``unmask detect``: documented defaults, TOML overrides, the effective copy.

One TOML file can override any parameter; sections mirror the stages::

    [coordinate]            # unmask.coordinate.coordinate keyword arguments
    time_window = 60
    [coordinate.signal_params.co_text_near]
    threshold = 0.9
    [forensics]
    min_cluster_size = 3
    [verdict]
    threshold = 0.5

The effective configuration (defaults merged with the overrides) is written beside the result as
``config.toml`` so that a run can be repeated exactly.
"""

from __future__ import annotations

import copy
import os
import tomllib
from pathlib import Path
from typing import Any

import tomli_w

__all__ = ["DEFAULTS", "dump_config", "load_config"]

#: Every parameter of detect with its default. Keys of ``coordinate`` are passed to
#: :func:`unmask.coordinate.coordinate` as they are.
DEFAULTS: dict[str, Any] = {
    "coordinate": {
        "signals": [],  # empty = all registered signals
        "time_window": 60.0,
        "mode": "significance",
        "q_max": 0.01,
        "min_shared": 2,
        "max_bucket": 250,
        "evidence": 5,
        "seed": 42,
        "resolution": 1.0,
        "signal_params": {},
        # "" = UNMASK_ENGINE or duckdb; "spark" runs the signals and significance on Spark (docs/scale.md)
        "engine": "",
        "spark_master": "",
    },
    "forensics": {
        # clusters with at least this many members get the group analyses (time zone, shifts, bursts)
        "min_cluster_size": 3,
        # at most this many clusters (the largest) get them; the rest are listed without
        "max_clusters": 200,
    },
    "verdict": {
        # score at or above which an account is flagged (None = the model's own threshold)
        "threshold": None,
        # posts shown per dossier, partners per account dossier, evidence items per partner signal
        "sample_posts": 5,
        "partners": 20,
        # dossiers are written for flagged accounts and for clustered accounts up to this many
        "max_dossiers": 20000,
    },
    "campaigns": {
        # top hashtags and domains followed over time in campaigns.parquet
        "top": 15,
    },
}


def _merge(base: dict[str, Any], over: dict[str, Any], path: str = "") -> dict[str, Any]:
    out = copy.deepcopy(base)
    for k, v in over.items():
        where = f"{path}{k}"
        if k not in base:
            raise ValueError(f"unknown configuration key {where!r}; known here: {', '.join(sorted(base))}")
        if isinstance(base[k], dict) and k != "signal_params":
            if not isinstance(v, dict):
                raise ValueError(f"configuration key {where!r} must be a table")
            out[k] = _merge(base[k], v, where + ".")
        else:
            out[k] = copy.deepcopy(v)
    return out


def load_config(config: str | os.PathLike[str] | dict[str, Any] | None = None) -> dict[str, Any]:
    """The effective configuration: :data:`DEFAULTS` overridden by a TOML file or a dict.

    Unknown keys are an error naming the key (a typo must not silently keep a default).
    """
    if config is None:
        return copy.deepcopy(DEFAULTS)
    if isinstance(config, dict):
        return _merge(DEFAULTS, config)
    path = Path(config)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise ValueError(f"{path}: not valid TOML ({e})") from None
    try:
        return _merge(DEFAULTS, data)
    except ValueError as e:
        raise ValueError(f"{path}: {e}") from None


def _tomlable(o: Any) -> Any:
    if isinstance(o, dict):
        return {k: _tomlable(v) for k, v in o.items() if v is not None}
    if isinstance(o, list | tuple):
        return [_tomlable(v) for v in o]
    return o


def dump_config(config: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """Write ``config`` as TOML (``None`` values, meaning "automatic", are left out)."""
    Path(path).write_text("# effective configuration of this unmask detect run\n"
                          + tomli_w.dumps(_tomlable(config)), encoding="utf-8")
