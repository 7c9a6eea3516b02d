"""A piece's page (or its warning's), remembered by everything it shows: the EPUB's and the site's
(epub_pages.py, web_pages.py), so that an edit renders only the pages it changes."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

from publish.markup.convert import RenderedPiece
from publish.read.remembering import Remembering

# The pages that show one piece; the others (the contents, the colophon…) show every piece, and are made each time.
REMEMBERED = ("piece", "warning")


def shown_on_every_page(context: dict, pieces: Sequence[RenderedPiece], *more: object) -> str:
    """A digest of what any page may show of the book: its context, and each piece's title and metadata (a
    theme's contents or links show them, not the pieces' text), and ``more`` of the same."""
    titles = [(rendered.piece.id, rendered.title.markup, rendered.piece.meta) for rendered in pieces]
    return hashlib.sha256(repr((context, titles, *more)).encode()).hexdigest()


def remembered_page(
    memo: Remembering | None, part: str, label: str, key: Sequence[str], fill: Callable[[], str]
) -> str:
    """``fill()``'s page, or, for a piece's or a warning's page, what the store has of it under ``key``."""
    if memo is None or part not in REMEMBERED:
        return fill()
    return memo.remember(memo.key(*key), label, lambda: fill().encode("utf-8")).decode("utf-8")
