"""The output formats a build can make: each registers itself from its own module in ``outputs/formats/``.

A new format (the web edition, issue 20) is one module there that calls
``register``: the CLI's ``--format`` offers it, the pipeline renders its
pieces for its ``target`` and makes it at its turn, and nothing else names
it. Light to import (the CLI reads the names before anything heavy is
loaded), so a format's module imports its own libraries inside ``make``.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from publish.targets import Target

if TYPE_CHECKING:
    import datetime as dt
    from pathlib import Path

    from publish.outputs.checks import CheckResult
    from publish.outputs.pages import PageStart
    from publish.read.remembering import Remembering
    from publish.render.assemble import AssembledBook
    from publish.request import BuildRequest

# The ways the print edition can also be written imposed for folding (outputs/print_edition.py makes them), with
# the ending of the imposed PDF's file name.
IMPOSITIONS = {"saddle": "-zine.pdf", "minizine": "-minizine.pdf"}


@dataclass(frozen=True)
class BookParts:
    """What a format made in the main process is made from: the assembled book, what its ``prepare`` step
    made, and what it borrows from the print layout (its cover, and where each printed page begins)."""

    book: AssembledBook
    prepared: object
    cover_jpeg: bytes
    page_starts: list[PageStart]
    moment: dt.datetime


@dataclass(frozen=True)
class OutputFormat:
    """One kind of file a build writes.

    A ``printed`` format is the print edition itself: laid out by WeasyPrint
    in the second process (outputs/print_edition.py). Any other is made in
    the main process by ``make``, once its pieces are rendered for
    ``target``; its ``prepare`` step (reported as ``prepare_stage``) runs
    while the print edition is laid out, and with ``borrows_layout`` the
    print layout also gives it a cover and the printed pages' starts.

    A format not ``in_all`` is made only when asked for by name. One that
    can ``unpack`` its file (the web edition's zip) is also written as the
    folder of what it holds, beside it.

    Every new file of the format is read back by ``read_back`` before it
    replaces the last good one (given the page count laid out, for a
    printed file; outputs/verify.py), and ``publish check`` runs ``check``
    on the format's files in a folder (given the theme's font families).
    """

    name: str
    suffix: str
    target: Target
    in_all: bool = True
    printed: bool = False
    borrows_layout: bool = False
    prepare_stage: str = ""
    prepare: Callable[[AssembledBook, Remembering], object] | None = None
    make: Callable[[BookParts], bytes] | None = None
    read_back: Callable[[bytes, int], None] | None = None
    check: Callable[[Path, list[str]], list[CheckResult]] | None = None
    unpack: Callable[[bytes], dict[str, bytes]] | None = None

    @property
    def folder_suffix(self) -> str:
        """What the folder an ``unpack``ed file is written into ends with: its own name, less the archive's suffix."""
        return self.suffix.rsplit(".", 1)[0]


_REGISTERED: dict[str, OutputFormat] = {}


def register(output_format: OutputFormat) -> OutputFormat:
    """Add a format; called by its module in ``outputs/formats/`` when imported."""
    _REGISTERED[output_format.name] = output_format
    return output_format


@functools.cache
def output_formats() -> dict[str, OutputFormat]:
    """Every format, by name: the printed ones first (their layout starts first), then by name."""
    from publish.outputs import formats

    for module in pkgutil.iter_modules(formats.__path__):
        importlib.import_module(f"{formats.__name__}.{module.name}")
    return {fmt.name: fmt for fmt in sorted(_REGISTERED.values(), key=lambda fmt: (not fmt.printed, fmt.name))}


def format_of(path: Path) -> OutputFormat | None:
    """The format whose files end as ``path`` does (an imposed PDF is a PDF)."""
    return next((fmt for fmt in output_formats().values() if path.name.endswith(fmt.suffix)), None)


def requested(request: BuildRequest) -> list[OutputFormat]:
    """The formats ``request`` asks for (every one ``in_all`` when it names none), in ``output_formats`` order."""
    return [
        fmt
        for name, fmt in output_formats().items()
        if (fmt.in_all if request.formats is None else name in request.formats)
    ]


def with_book_formats(request: BuildRequest, listed: list[str], book_toml: Path) -> BuildRequest:
    """``request`` with ``--format all`` meaning the formats book.toml ``listed``, if it lists any (and each
    listed name is a format, whatever was asked for: a typo should not wait for the day ``all`` is built)."""
    from dataclasses import replace

    from publish.errors import PublishError, line_of_key

    unknown = [name for name in listed if name not in output_formats()]
    if unknown:
        raise PublishError(
            f"'formats' lists {unknown[0]!r}, which is no format: use some of " + ", ".join(output_formats()),
            book_toml,
            line_of_key(book_toml.read_text(encoding="utf-8"), "formats"),
        )
    return replace(request, formats=tuple(listed)) if listed and request.formats is None else request


def lays_out_in_full(request: BuildRequest) -> bool:
    """Whether the print edition is laid out in full: for a printed format or an imposition.

    Formats that only borrow from the layout (an EPUB built alone) need
    just its cover, and carry no print page numbers.
    """
    return any(fmt.printed for fmt in requested(request)) or request.impose is not None
