"""docexport: repair damaged Chinese news text and export it as schema-validated datasets.

The library calls mirror the CLI::

    import docexport

    docexport.normalise("瀘州日報(bào)記者,精準(zhǔn)防控").text  # '泸州日报记者，精准防控'
    record = docexport.parse_file("seeds/000_6cb851ef0d431e0c.txt")
    report = docexport.convert(["seeds/"], "dataset/", formats=["parquet", "jsonl"])

The segmenter's dictionaries and the schema validator load on the first call that needs them,
not at import.
"""

from __future__ import annotations

__version__ = "0.1.0"

# First, before the modules below take their ~0.3 s to load: Ctrl-C meanwhile ends the command
# quietly (see the module).
from docexport import _launch  # noqa: F401, I001  (imported for its effect)


# The stage modules ``docexport.normalise`` and ``docexport.parse`` share their names with the
# functions below; importing a submodule binds the *module* to the package attribute, so the
# functions are imported here, eagerly and after their submodules, to stay bound.
from docexport.data import NormaliseResult
from docexport.errors import (
    DocexportError,
    DocumentError,
    InputError,
    OptionError,
    OutputError,
)
from docexport.normalise import normalise
from docexport.pipeline import Options, RunReport, convert, parse, parse_file
from docexport.schema import load_schema
from docexport.validate import validate_record

__all__ = [
    "DocexportError",
    "DocumentError",
    "InputError",
    "NormaliseResult",
    "OptionError",
    "Options",
    "OutputError",
    "RunReport",
    "__version__",
    "convert",
    "load_schema",
    "normalise",
    "parse",
    "parse_file",
    "validate_record",
]
