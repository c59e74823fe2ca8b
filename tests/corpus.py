"""Loaders for ``../shared/corpus`` used by tests and the development benchmarks.

The corpus is never copied into the project: every caller goes through :func:`shared_dir`,
which returns ``None`` when ``../shared`` is absent so tests can skip cleanly. People's Daily
(January 1998) is split by day: **days 1-15 are the development set**; days 16-31 are kept for
acceptance and must not be used to tune anything, so :func:`peoples_daily` refuses them unless
asked explicitly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEV_DAYS = range(1, 16)

# One token of the PKU format: an optional "[" opening a compound, the word, "/TAG", and an
# optional "]tag" closing the compound (`[中央/n  人民/n  广播/vn  电台/n]nt`).
PKU_TOKEN = re.compile(r"^(\[?)(.+?)/([A-Za-z]+)(?:\]([A-Za-z]+))?$")
# Full-width ASCII letters and digits; PD 1998 writes years as １９９８.
FULLWIDTH_ALNUM = {c: c - 0xFEE0 for c in range(0xFF10, 0xFF5B) if chr(c).isalnum()}


def shared_dir() -> Path | None:
    """``../shared`` next to the project checkout, or ``None`` when it is not there."""
    candidate = PROJECT_ROOT.parent / "shared"
    return candidate if (candidate / "corpus").is_dir() else None


def corpus_path(*parts: str) -> Path | None:
    """A path inside ``../shared/corpus``, or ``None`` when the corpus is absent."""
    root = shared_dir()
    if root is None:
        return None
    path = root.joinpath("corpus", *parts)
    return path if path.exists() else None


@dataclass(frozen=True)
class PDArticle:
    """One People's Daily article: its id, its paragraphs as plain text, and the gold entities.

    ``persons`` merges adjacent ``nr`` tokens (the corpus splits 江/nr 泽民/nr); ``places`` are
    ``ns`` tokens and ``[...]ns`` compounds; ``organizations`` are ``nt`` tokens and ``[...]nt``
    compounds. Lists keep first-appearance order without repeats.
    """

    id: str
    day: int
    lines: tuple[str, ...]
    tokens: tuple[tuple[str, str], ...]
    persons: tuple[str, ...]
    places: tuple[str, ...]
    organizations: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def fold_fullwidth(text: str) -> str:
    """Fold full-width ASCII letters and digits, the way docexport's output writes them."""
    return text.translate(FULLWIDTH_ALNUM)


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def peoples_daily(
    days: Iterable[int] = DEV_DAYS, *, fold: bool = True, allow_acceptance: bool = False
) -> Iterator[PDArticle]:
    """Yield People's Daily articles of the given days, in corpus order.

    ``fold`` folds full-width ASCII letters/digits so the text is what clean docexport output
    looks like (normalising it must be the identity).
    """
    days = set(days)
    if not allow_acceptance and days - set(DEV_DAYS):
        raise ValueError("People's Daily days 16-31 are kept for acceptance; use days 1-15")
    path = corpus_path("peoples_daily_199801_pku", "199801.utf8.txt")
    if path is None:
        return
    articles: dict[str, list[list[tuple[str, str, str, str | None]]]] = {}
    order: list[str] = []
    with path.open(encoding="utf-8", newline="") as handle:
        for raw in handle:
            line = raw.replace("\r", "").strip()
            if not line:
                continue
            head, _, rest = line.partition("  ")
            article_id = head.split("/")[0].rsplit("-", 1)[0]
            if int(article_id[6:8]) not in days:
                continue
            tokens: list[tuple[str, str, str, str | None]] = []
            for piece in rest.split():
                match = PKU_TOKEN.match(piece)
                if match is None:
                    continue
                opening, word, tag, closing = match.groups()
                tokens.append((opening, fold_fullwidth(word) if fold else word, tag, closing))
            if article_id not in articles:
                articles[article_id] = []
                order.append(article_id)
            articles[article_id].append(tokens)
    for article_id in order:
        yield _build_article(article_id, articles[article_id])


def _build_article(
    article_id: str, paragraphs: list[list[tuple[str, str, str, str | None]]]
) -> PDArticle:
    persons: list[str] = []
    places: list[str] = []
    orgs: list[str] = []
    flat: list[tuple[str, str]] = []
    for tokens in paragraphs:
        name = ""
        compound: list[str] | None = None
        for opening, word, tag, closing in tokens:
            flat.append((word, tag))
            if opening:
                compound = []
            if compound is not None:
                compound.append(word)
            if tag == "nr":
                name += word
                continue
            if name:
                persons.append(name)
                name = ""
            if tag == "ns":
                places.append(word)
            elif tag == "nt":
                orgs.append(word)
            if closing is not None and compound is not None:
                if closing == "ns":
                    places.append("".join(compound))
                elif closing == "nt":
                    orgs.append("".join(compound))
                compound = None
        if name:
            persons.append(name)
    lines = tuple("".join(token[1] for token in tokens) for tokens in paragraphs)
    return PDArticle(
        id=article_id,
        day=int(article_id[6:8]),
        lines=tuple(line for line in lines if line),
        tokens=tuple(flat),
        persons=_unique(persons),
        places=_unique(places),
        organizations=_unique(orgs),
    )
