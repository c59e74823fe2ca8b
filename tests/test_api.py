"""The public API is small and stable: ``__all__`` is pinned, every name resolves."""

from __future__ import annotations

import subprocess
import sys

import docexport

PUBLIC = [
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


def test_all_is_pinned_and_sorted() -> None:
    assert docexport.__all__ == PUBLIC
    assert sorted(docexport.__all__) == docexport.__all__


def test_every_public_name_resolves() -> None:
    for name in docexport.__all__:
        assert getattr(docexport, name) is not None


def test_errors_inherit_the_root_and_the_matching_builtin() -> None:
    assert issubclass(docexport.OptionError, docexport.DocexportError)
    assert issubclass(docexport.OptionError, ValueError)
    assert issubclass(docexport.InputError, OSError)
    assert issubclass(docexport.OutputError, OSError)
    assert issubclass(docexport.DocumentError, ValueError)


def test_import_is_cheap_and_loads_no_segmenter() -> None:
    code = "import sys, docexport; print('jieba' in sys.modules, 'rjieba' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.split() == ["False", "False"]
