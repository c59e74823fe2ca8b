"""Writing datasets: sharded Parquet/JSONL/CSV, rejects, dataset card and manifest.

:class:`DatasetWriter` is the only thing the pipeline needs; the format modules
(``parquet``, ``jsonl``, ``csvfile``), the card and the journal are its parts.
"""

from __future__ import annotations

from docexport.write.csvfile import neutralise, unneutralise
from docexport.write.writer import FORMATS, VOLATILE_OPTIONS, DatasetWriter, dataset_status

__all__ = [
    "FORMATS",
    "VOLATILE_OPTIONS",
    "DatasetWriter",
    "dataset_status",
    "neutralise",
    "unneutralise",
]
