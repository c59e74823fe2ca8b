"""docexport: repair damaged Chinese news text and export it as schema-validated datasets."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
