"""The kinds of file a piece may be: each registers itself from its own module in ``read/readers/``.

A new kind (Word documents, issue 18) is one module there that calls
``register`` with its suffixes and how its text is read: book.toml may
then list such files, the store keys them by their text, and the error for
a file no reader takes names it. Light to import.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from publish.errors import PublishWarning
from publish.read.decoding import read_utf8


@dataclass(frozen=True)
class PieceReader:
    """One kind of piece file.

    ``format`` is what ``Piece.format`` says (markup converts by it);
    ``label`` names the kind to a writer, after its first suffix: ".md
    (Markdown)". ``read_text`` gives the file's text, front matter and all.
    """

    format: str
    suffixes: tuple[str, ...]
    label: str
    read_text: Callable[[Path], str] = read_utf8
    # Whether ``read_text`` bounds the file's size itself: the text's limit (manuscript.MAX_PIECE_BYTES) does not
    # fit a Word document, which carries its pictures.
    bounds_size: bool = False
    # Whether a line of the text given is a line of the file, for locating what a later stage reports.
    by_line: bool = True
    # What a file beside a piece that ``read_text`` reads into its text adds to the piece's name (".yaml": a Word
    # document's front matter in "name.docx.yaml"), if there is such a file.
    sidecar: str = ""


class PieceText(str):
    """The text a reader gives, with warnings about what it left out or had to guess (``read_text`` may return
    a plain string, with none)."""

    warnings: tuple[PublishWarning, ...]

    def __new__(cls, text: str, warnings: tuple[PublishWarning, ...] = ()) -> PieceText:
        made = super().__new__(cls, text)
        made.warnings = warnings
        return made


_REGISTERED: list[PieceReader] = []


def register(reader: PieceReader) -> PieceReader:
    """Add a kind of piece; called by its module in ``read/readers/`` when imported."""
    _REGISTERED.append(reader)
    return reader


@functools.cache
def piece_readers() -> dict[str, PieceReader]:
    """Every reader, by the suffixes (lowercase, with the dot) it reads."""
    from publish.read import readers

    for module in pkgutil.iter_modules(readers.__path__):
        importlib.import_module(f"{readers.__name__}.{module.name}")
    return {suffix: reader for reader in _REGISTERED for suffix in reader.suffixes}


def reader_for(path: Path) -> PieceReader | None:
    return piece_readers().get(path.suffix.lower())


def piece_suffixes() -> tuple[str, ...]:
    return tuple(piece_readers())


def piece_file_endings() -> tuple[str, ...]:
    """How the files read into pieces' texts end: the pieces' suffixes and their sidecars' (".docx.yaml")."""
    readers = dict.fromkeys(piece_readers().values())
    return piece_suffixes() + tuple(
        suffix + reader.sidecar for reader in readers if reader.sidecar for suffix in reader.suffixes
    )


def kinds_accepted() -> str:
    """The kinds of piece there are, for an error: ".md (Markdown) or .txt (plain text)"."""
    kinds = [f"{reader.suffixes[0]} ({reader.label})" for reader in dict.fromkeys(piece_readers().values())]
    return " or ".join([", ".join(kinds[:-1]), kinds[-1]] if len(kinds) > 1 else kinds)
