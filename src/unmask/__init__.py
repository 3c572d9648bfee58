"""unmask: find coordinated inauthentic behaviour in social-media data you already hold.

unmask analyses posts; it never posts, automates accounts or scrapes.
"""

from __future__ import annotations

__version__ = "0.1.0"

from unmask.dataset import Dataset, DatasetError
from unmask.ingest import FileReport, IngestReport, ingest_files, readers

__all__ = [
    "Dataset",
    "DatasetError",
    "FileReport",
    "IngestReport",
    "__version__",
    "ingest_files",
    "readers",
]
