"""``parquet/<table>.parquet``: every result table as Parquet, types kept (lists, structs, UTC times)."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

__all__ = ["write"]


def write(src, out: Path) -> list[Path]:
    """Write one Parquet file per table into ``out/parquet``."""
    d = out / "parquet"
    d.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, t in src.tables().items():
        pq.write_table(t, d / f"{name}.parquet", compression="zstd")
        paths.append(d / f"{name}.parquet")
    return paths
