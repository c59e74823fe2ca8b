"""The exceptions docexport raises.

A bad *document* is never an exception: it becomes a :class:`~docexport.data.Reject` and the run
goes on. Exceptions are for what the caller must fix: a bad option, a path that cannot be read at
all, an output directory that cannot be written. Every class inherits :class:`DocexportError` so
one ``except`` catches them all, and the matching built-in so generic handlers still work.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from docexport.data import Reject

__all__ = [
    "DocexportError",
    "DocumentError",
    "InputError",
    "MissingExtraError",
    "OptionError",
    "OutputError",
    "SchemaError",
]


class DocexportError(Exception):
    """Root of every error docexport raises on purpose."""


class OptionError(DocexportError, ValueError):
    """An option has a value docexport cannot use; the message names the option."""


class InputError(DocexportError, OSError):
    """No input could be read at all (a single unreadable file is a reject, not this)."""


class OutputError(DocexportError, OSError):
    """The output directory cannot be created, written or safely reused."""


class SchemaError(DocexportError, ValueError):
    """A record does not satisfy the record schema (raised only by strict library calls)."""


class MissingExtraError(DocexportError, ImportError):
    """An optional dependency is missing; the message names the ``pip install`` that adds it."""


class DocumentError(DocexportError, ValueError):
    """A single document could not become a record (raised by ``parse()``/``parse_file()``).

    ``convert()`` never raises this: there a bad document is a reject. ``reject`` carries the
    stage, the stable reason id and the detail.
    """

    def __init__(self, reject: Reject) -> None:
        super().__init__(f"{reject.uri}: {reject.stage}/{reject.reason}: {reject.detail}")
        self.reject = reject
