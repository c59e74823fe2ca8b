"""The ``docexport`` command: a thin shell over :mod:`docexport.pipeline`.

Diagnostics go to stderr and data to stdout, so ``docexport parse a.txt | jq`` works. Every
error is one line, ``docexport: error: …``, never a traceback. Exit codes scripts can trust:

- 0: the run completed; rejected documents do not change this (they are in ``rejects.jsonl``).
- 1: a run error: the output cannot be written (read-only, disk full), the output directory is
  refused (not empty and not a docexport dataset, already complete, or an unfinished run without
  ``--resume``), a worker died; or, with ``--strict``, any document was rejected or duplicated.
  A refused output directory is a run error, not a usage error: the command line is well formed,
  it is the state of the disk that stops it, as for a full disk.
- 2: a usage error: a bad option value, an input path that does not exist or lies inside the
  output directory, options that differ from the interrupted run on ``--resume``.
- 130: interrupted (Ctrl-C or SIGTERM); committed shards are kept and ``--resume`` finishes.
"""

from __future__ import annotations

import re
import signal
import sys
from enum import Enum
from pathlib import Path
from types import FrameType
from typing import Annotated, NoReturn

import orjson
import typer

from docexport import __version__
from docexport._launch import EXIT_INTERRUPTED
from docexport.errors import DocexportError, DocumentError, InputError, OptionError
from docexport.normalise import PASSES

app = typer.Typer(
    name="docexport",
    help="Repair damaged Chinese news text and export it as Parquet, JSONL and CSV datasets.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain help text: a docstring's lines are joined into paragraphs (rich mode kept every
    # line break, so the terminal wrapped each source line on its own).
    rich_markup_mode=None,
)

# typer vendors click in recent releases; find its exception bases from a public name so this
# works whichever click typer carries.
_CLICK_EXCEPTION = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")
_USAGE_ERROR = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")

EXIT_RUN_ERROR = 1
EXIT_USAGE = 2
# EXIT_INTERRUPTED (130) comes from docexport._launch, which says it before this module loads.

# "256MB", "1.5 GiB", "4096": a byte size with an optional decimal or binary unit.
SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b?|b)?\s*$", re.IGNORECASE)
SIZE_UNITS = {"": 1, "b": 1, "k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12}
BINARY_UNITS = {"k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}


class Script(str, Enum):
    simplified = "simplified"
    traditional = "traditional"
    keep = "keep"


class Segmenter(str, Enum):
    rjieba = "rjieba"
    jieba = "jieba"


class Executor(str, Enum):
    local = "local"
    ray = "ray"


class Compression(str, Enum):
    gz = "gz"
    zst = "zst"


# Whether a command said why it ends (typer turns a bare Ctrl-C into a silent exit code 130).
_REPORTED: list[str] = []


def _fail(message: str, code: int) -> NoReturn:
    typer.echo(f"docexport: error: {message}", err=True)
    _REPORTED.append(message)
    raise typer.Exit(code)


def _size(value: str) -> int:
    match = SIZE.match(value)
    if not match:
        raise typer.BadParameter(f"{value!r} is not a size such as 256MB or 1GiB")
    number, unit = match.groups()
    unit = (unit or "").lower()
    factor = BINARY_UNITS[unit[0]] if "i" in unit else SIZE_UNITS[unit[:1]]
    size = int(float(number) * factor)
    if size < 1:
        raise typer.BadParameter("the size must be at least one byte")
    return size


def _version(value: bool) -> None:
    if value:
        typer.echo(f"docexport {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Repair damaged Chinese news text and export it as Parquet, JSONL and CSV datasets."""


ScriptOpt = Annotated[
    Script, typer.Option(help="Output script: simplified (OpenCC t2s), traditional, or keep.")
]
YearOpt = Annotated[
    int | None,
    typer.Option(help="Publication year for datelines that state none (never guessed).", min=1000),
]
SkipOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--skip",
        metavar="PASS",
        help=f"Switch a repair pass off (repeatable): {', '.join(PASSES)}.",
    ),
]
EnrichOpt = Annotated[
    bool, typer.Option("--enrich/--no-enrich", help="Segment and extract tokens/entities/keywords.")
]
TokensOpt = Annotated[bool, typer.Option("--tokens/--no-tokens", help="Keep the token list.")]
SegmenterOpt = Annotated[
    Segmenter,
    typer.Option("--segmenter", help="Segmenter: rjieba (fast) or jieba (the reference)."),
]
UserDictOpt = Annotated[
    Path | None,
    typer.Option(
        exists=True, dir_okay=False, readable=True, help="Extra words, one per line (jieba format)."
    ),
]
KeywordsOpt = Annotated[int, typer.Option(min=0, help="How many keywords to keep per document.")]


def _doc_options(
    script: Script,
    year: int | None,
    skip: list[str] | None,
    enrich: bool,
    tokens: bool,
    segmenter: Segmenter,
    user_dict: Path | None,
    keywords: int,
) -> dict[str, object]:
    return {
        "script": script.value,
        "year": year,
        "skip": tuple(skip or ()),
        "enrich": enrich,
        "tokens": tokens,
        "segmenter": segmenter.value,
        "user_dict": str(user_dict) if user_dict else None,
        "keywords": keywords,
    }


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@app.command()
def convert(
    inputs: Annotated[
        list[str],
        typer.Argument(
            metavar="INPUT...", help="Files, directories, glob patterns, or - for stdin."
        ),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="The dataset directory to write.")],
    format: Annotated[
        list[str] | None,
        typer.Option(
            "--format",
            "-f",
            help="Any of parquet,jsonl,csv: comma-separated or repeated (default parquet).",
            metavar="<str>",
            show_default=False,
        ),
    ] = None,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs", "-j", min=0, help="Workers (0: one per core, or per cluster CPU on Ray)."
        ),
    ] = 0,
    executor: Annotated[
        Executor,
        typer.Option(
            "--engine",
            help="Where documents are processed: local (a process pool) or ray "
            "(a Ray cluster; needs pip install 'docexport[ray]').",
        ),
    ] = Executor.local,
    ray_address: Annotated[
        str | None,
        typer.Option(
            help="The Ray cluster to join (auto, ray://head:10001); default: RAY_ADDRESS, "
            "else a new local instance."
        ),
    ] = None,
    glob: Annotated[
        list[str] | None,
        typer.Option(help="Only files in directories matching this pattern (repeatable)."),
    ] = None,
    text_field: Annotated[
        str | None, typer.Option(help="JSONL field holding the text (default text/content).")
    ] = None,
    shard_rows: Annotated[int, typer.Option(min=1, help="At most this many rows per shard.")] = (
        50_000
    ),
    shard_size: Annotated[
        str, typer.Option(help="At most this many bytes per shard, e.g. 256MB.")
    ] = "256MB",
    compress: Annotated[
        Compression | None, typer.Option(help="Compress JSONL shards: gz or zst.")
    ] = None,
    excel: Annotated[bool, typer.Option(help="UTF-8 BOM in CSV files, for Excel.")] = False,
    dedup: Annotated[
        bool, typer.Option("--dedup/--no-dedup", help="Drop exact and near duplicates.")
    ] = True,
    near_dedup: Annotated[
        bool, typer.Option("--near-dedup/--no-near-dedup", help="Also drop near duplicates.")
    ] = True,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing output directory.")] = False,
    resume: Annotated[bool, typer.Option(help="Finish an interrupted run in OUT.")] = False,
    max_doc_size: Annotated[
        str,
        typer.Option(
            help="Reject documents larger than this (read/too_large) without loading them; "
            "0 for no limit.",
        ),
    ] = "10MiB",
    strict: Annotated[bool, typer.Option(help="Exit 1 when any document is rejected.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress, no summary.")] = False,
    script: ScriptOpt = Script.simplified,
    year: YearOpt = None,
    skip: SkipOpt = None,
    enrich: EnrichOpt = True,
    tokens: TokensOpt = True,
    segmenter: SegmenterOpt = Segmenter.rjieba,
    user_dict: UserDictOpt = None,
    keywords: KeywordsOpt = 10,
) -> None:
    """Turn many documents into a dataset directory (data/, manifest, card, rejects).

    A .txt file is one document, a .jsonl line one, a .json array one per object, a Sogou
    news dump (a file opening with a <doclist> or <doc> line) one per <doc> record; any of
    them may be .gz, .bz2, .xz or .zst. Directories yield .txt, .text, .jsonl, .ndjson and
    .json files; --glob chooses others (--glob '*.dat' for Sogou dumps).
    """
    from docexport.pipeline import convert as run_convert

    try:
        shard_bytes = _size(shard_size)
        doc_limit = None if max_doc_size.strip() == "0" else _size(max_doc_size)
    except typer.BadParameter as exc:
        _fail(str(exc), EXIT_USAGE)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    progress = _Progress(enabled=not quiet and sys.stderr.isatty())
    try:
        report = run_convert(
            inputs,
            out,
            # Checked by convert(), like every other option; "-f jsonl -f csv" means both.
            formats=",".join(format) if format else "parquet",
            jobs=jobs,
            executor=executor.value,
            ray_address=ray_address,
            glob=glob or (),
            text_field=text_field,
            shard_rows=shard_rows,
            shard_bytes=shard_bytes,
            jsonl_compression=compress.value if compress else None,
            excel=excel,
            dedup=dedup,
            near_dedup=near_dedup,
            overwrite=overwrite,
            resume=resume,
            max_doc_size=doc_limit,
            progress=progress.update,
            **_doc_options(script, year, skip, enrich, tokens, segmenter, user_dict, keywords),
        )
    except KeyboardInterrupt:
        progress.close()
        _fail(
            f"interrupted; committed shards are kept in {out}. "
            "Run the same command with --resume to finish",
            EXIT_INTERRUPTED,
        )
    except (OptionError, InputError) as exc:
        progress.close()
        _fail(str(exc), EXIT_USAGE)
    except DocexportError as exc:
        progress.close()
        _fail(str(exc), EXIT_RUN_ERROR)
    progress.close()
    if not quiet:
        typer.echo(report.summary(), err=True)
    if strict and (report.rejects or report.duplicates):
        _fail(f"{report.rejects} documents rejected (--strict); see {out}/rejects.jsonl", 1)


@app.command()
def parse(
    file: Annotated[str, typer.Argument(metavar="FILE|-", help="A document, or - for stdin.")],
    compact: Annotated[bool, typer.Option(help="One line of JSON instead of pretty.")] = False,
    script: ScriptOpt = Script.simplified,
    year: YearOpt = None,
    skip: SkipOpt = None,
    enrich: EnrichOpt = True,
    tokens: TokensOpt = True,
    segmenter: SegmenterOpt = Segmenter.rjieba,
    user_dict: UserDictOpt = None,
    keywords: KeywordsOpt = 10,
) -> None:
    """Print the record one document becomes, as JSON on stdout.

    FILE is read as convert reads it: a text file is the document; a JSONL, JSON or Sogou
    file (or stdin) must hold exactly one.
    """
    from docexport.pipeline import _parse_one, parse_file

    options = _doc_options(script, year, skip, enrich, tokens, segmenter, user_dict, keywords)
    try:
        if file == "-":
            record = _parse_one("-", sys.stdin.buffer, options)
        else:
            record = parse_file(file, **options)
    except DocumentError as exc:
        _fail(str(exc), EXIT_RUN_ERROR)
    except (OptionError, InputError) as exc:
        _fail(str(exc), EXIT_USAGE)
    except DocexportError as exc:
        _fail(str(exc), EXIT_RUN_ERROR)
    flags = 0 if compact else orjson.OPT_INDENT_2
    sys.stdout.buffer.write(orjson.dumps(record, option=flags) + b"\n")


@app.command()
def schema() -> None:
    """Print the record JSON Schema (draft 2020-12)."""
    from docexport.schema import load_schema

    sys.stdout.buffer.write(orjson.dumps(load_schema(), option=orjson.OPT_INDENT_2) + b"\n")


@app.command()
def cache(
    build: Annotated[
        bool, typer.Option("--build", help="Build and save every table now (e.g. in an image).")
    ] = False,
    clear: Annotated[bool, typer.Option("--clear", help="Delete docexport's cache files.")] = False,
) -> None:
    """Show where the cache of tables derived from jieba, pypinyin and OpenCC is, and its size.

    The tables (~17 MB), and the compiled programs of docexport's large regular expressions, are
    built on a machine's first run and loaded from here afterwards; DOCEXPORT_CACHE_DIR moves
    the cache, and set empty turns it off.
    """
    from docexport import cache as derived

    directory = derived.cache_dir()
    if directory is None:
        _fail(f"the cache is off ({derived.CACHE_ENV} is set and empty)", EXIT_USAGE)
    if clear:
        try:
            count, size = derived.clear_cache(directory)
        except OSError as exc:
            _fail(f"cannot clear {directory}: {exc.strerror or exc}", EXIT_RUN_ERROR)
        typer.echo(f"deleted {count} cache files ({size / 2**20:.1f} MB) from {directory}")
    if build and not all(path.is_file() for path in derived.build_cache()):
        _fail(f"could not save the tables in {directory} (is it writable?)", EXIT_RUN_ERROR)
    files = derived.cache_files(directory)
    size = sum(path.stat().st_size for path in files)
    typer.echo(
        f"{directory}: {len(files)} file{'' if len(files) == 1 else 's'}, {size / 2**20:.1f} MB"
    )


class _Progress:
    """A live count of documents and their rate on a terminal; nothing when not a TTY."""

    def __init__(self, *, enabled: bool) -> None:
        self._bar = None
        if enabled:
            from rich.console import Console
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self._bar = Progress(
                SpinnerColumn(),
                TextColumn("{task.completed:,} documents"),
                TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._bar.start()
            self._task = self._bar.add_task("convert", total=None, rate="")

    def update(self, done: int) -> None:
        if self._bar is not None and done % 64 == 0:
            speed = self._bar.tasks[0].speed
            rate = f"{speed:,.0f} docs/s" if speed else ""
            self._bar.update(self._task, completed=done, rate=rate)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


def main() -> None:
    """Console-script entry point: every error is one line on stderr, never a traceback.

    Click's own usage errors print a usage block and a boxed message; scripts and people
    reading logs want the same one-line ``docexport: error: …`` form as every other error.
    """
    # Loading is over: Ctrl-C raises KeyboardInterrupt again, which the commands handle.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    _REPORTED.clear()
    try:
        code = app(standalone_mode=False)
    except _USAGE_ERROR as exc:
        message = exc.format_message()
        if not message:  # no arguments at all: the help was printed, nothing else to say
            raise SystemExit(EXIT_USAGE) from None
        command = exc.ctx.command_path if exc.ctx else "docexport"
        _fail_plain(f"{message} (see '{command} --help')", EXIT_USAGE)
    except (typer.Abort, KeyboardInterrupt):  # the latter: while typer builds the commands
        _fail_plain("interrupted", EXIT_INTERRUPTED)
    except _CLICK_EXCEPTION as exc:
        _fail_plain(exc.format_message(), exc.exit_code)
    except DocexportError as exc:  # anything a command did not map itself
        _fail_plain(str(exc), EXIT_RUN_ERROR)
    if code == EXIT_INTERRUPTED and not _REPORTED:  # Ctrl-C before a command's own handling
        _fail_plain("interrupted", EXIT_INTERRUPTED)
    raise SystemExit(code if isinstance(code, int) else 0)


def _fail_plain(message: str, code: int) -> NoReturn:
    sys.stderr.write(f"docexport: error: {message}\n")
    raise SystemExit(code)
