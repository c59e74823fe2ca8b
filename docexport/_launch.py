"""Ctrl-C while the ``docexport`` command is still loading ends it with one line, no traceback.

Importing the package takes ~0.3 s (pyarrow, numpy, OpenCC, the compiled patterns), and the
command's own handling of Ctrl-C starts only after that. An interrupt in between would print a
traceback through the import machinery. So when the import is the command's (the script, or
``python -m docexport``), this module, imported first by the package, installs a handler that
says what any interrupt says and exits with 130; :func:`docexport.cli.main` puts Python's own
handler back as soon as it runs, before anything is written. A library import is untouched.
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType

EXIT_INTERRUPTED = 130


def launched_as_command(argv: list[str] = sys.argv) -> bool:
    """Whether this process is the ``docexport`` command: the console script, or ``python -m
    docexport`` (while ``-m`` imports the package, ``sys.argv[0]`` is ``"-m"``).

    >>> launched_as_command(["/venv/bin/docexport", "convert"]), launched_as_command(["-c"])
    (True, False)
    """
    launcher = argv[0] if argv else ""
    return launcher == "-m" or os.path.basename(launcher) in ("docexport", "docexport.exe")


def _quiet_interrupt(signum: int, frame: FrameType | None) -> None:
    sys.stderr.write("docexport: error: interrupted\n")
    raise SystemExit(EXIT_INTERRUPTED)  # unwinds the imports, running their cleanup


if launched_as_command():
    signal.signal(signal.SIGINT, _quiet_interrupt)
