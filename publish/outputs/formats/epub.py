"""The EPUB: its fonts cut while the print edition is laid out, then packaged with the layout's cover and page
numbers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from publish.outputs.registry import BookParts, OutputFormat, register

if TYPE_CHECKING:
    from publish.read.remembering import Remembering
    from publish.render.assemble import AssembledBook


def subset_fonts(book: AssembledBook, memo: Remembering) -> object:
    from publish.outputs import epub  # EbookLib and fontTools: imported only when an EPUB is made

    return epub.subset_fonts(book, memo)


def epub_bytes(parts: BookParts) -> bytes:
    from publish.outputs import epub

    assert isinstance(parts.prepared, dict)
    return epub.epub_bytes(parts.book, parts.prepared, parts.cover_jpeg, parts.moment, parts.page_starts)


EPUB = register(
    OutputFormat(
        name="epub",
        suffix=".epub",
        target="epub",
        borrows_layout=True,
        prepare_stage="fonts",
        prepare=subset_fonts,
        make=epub_bytes,
    )
)
