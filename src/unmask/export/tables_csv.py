"""``csv/<table>.csv``: every result table as CSV; lists and structs as JSON text, times as ISO 8601 UTC.

Cells that a spreadsheet would run as a formula (``= + - @`` first) get a leading ``'``.
"""

from __future__ import annotations

from pathlib import Path

from unmask.export._text import flat
from unmask.export.gephi_csv import write_csv

__all__ = ["write"]


def write(src, out: Path) -> list[Path]:
    """Write one CSV per table into ``out/csv``."""
    d = out / "csv"
    d.mkdir(parents=True, exist_ok=True)
    return [write_csv(flat(t), d / f"{name}.csv") for name, t in src.tables().items()]
