"""The offline HTML investigation report (work in progress)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["render_report"]


def render_report(result_dir: str | Path, out_html: str | Path, *, max_nodes: int = 300,
                  max_clusters: int = 50, max_campaigns: int = 12) -> Path:
    raise NotImplementedError("unmask report is being written")
