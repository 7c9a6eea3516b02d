"""The EPUB: its fonts cut while the print edition is laid out, then packaged with the layout's cover and page
numbers."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from publish.outputs.registry import BookParts, OutputFormat, register
from publish.targets import Target

if TYPE_CHECKING:
    from publish.outputs.checks import CheckResult
    from publish.read.remembering import Remembering
    from publish.render.assemble import AssembledBook


def subset_fonts(book: AssembledBook, memo: Remembering) -> object:
    from publish.outputs import epub  # EbookLib and fontTools: imported only when an EPUB is made

    return epub.subset_fonts(book, memo)


def epub_bytes(parts: BookParts) -> bytes:
    from publish.outputs import epub

    assert isinstance(parts.prepared, dict)
    return epub.epub_bytes(parts.book, parts.prepared, parts.cover_jpeg, parts.moment, parts.page_starts)


def read_back(data: bytes, pages: int) -> None:
    from publish.outputs import verify

    verify.read_back_epub(data)


def check(path: Path, theme_families: list[str]) -> list[CheckResult]:
    from publish.outputs import checks

    return checks.check_epub(path)


EPUB = register(
    OutputFormat(
        name="epub",
        suffix=".epub",
        target=Target.EPUB,
        borrows_layout=True,
        prepare_stage="fonts",
        prepare=subset_fonts,
        make=epub_bytes,
        read_back=read_back,
        check=check,
    )
)
