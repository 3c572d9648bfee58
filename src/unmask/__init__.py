"""unmask: find coordinated inauthentic behaviour in social-media data you already hold.

unmask analyses posts; it never posts, automates accounts or scrapes.
"""

from __future__ import annotations

__version__ = "0.1.0"

from unmask.dataset import Dataset, DatasetError  # noqa: E402
from unmask.ingest import FileReport, IngestReport, ingest_files, readers  # noqa: E402

__all__ = [
    "__version__",
    "Dataset",
    "DatasetError",
    "FileReport",
    "IngestReport",
    "ingest_files",
    "readers",
]
