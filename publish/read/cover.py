"""The book's cover picture (``cover`` in book.toml): a JPEG or PNG inside the manuscript folder, read whole.

The print edition's cover page shows it as the theme decides, and the
EPUB's cover image is that page, drawn 1,600 pixels on its long side
(outputs/pdf.py): a smaller picture would be enlarged there and look soft,
which a warning says with its size.
"""

from __future__ import annotations

from pathlib import Path

from publish.errors import PublishError, PublishWarning, line_of_key
from publish.read.config import PAGE_INCHES, BookConfig
from publish.read.decoding import read_utf8
from publish.read.images import ImageLimits, ImageRefused, checked_size, sniff_image

COVER_TYPES = ("image/jpeg", "image/png")
# The EPUB cover's long side, in pixels: what Kindle and Kobo stores ask of a cover.
EPUB_COVER_LONG_SIDE = 1600


def epub_cover_box(page_size: str) -> tuple[int, int]:
    """The EPUB cover image's width and height in pixels: the printed cover's shape, 1,600 on its long side."""
    width, height = PAGE_INCHES[page_size]
    scale = EPUB_COVER_LONG_SIDE / max(width, height)
    return round(width * scale), round(height * scale)


def read_cover(root: Path, config: BookConfig) -> tuple[Path | None, list[PublishWarning]]:
    """The cover picture's path (None when the book names none), and a warning if it is small for the EPUB."""
    if not config.cover:
        return None, []
    listed_in = root / "book.toml"
    line = line_of_key(read_utf8(listed_in), "cover")
    path = root / config.cover
    if not path.resolve().is_relative_to(root.resolve()):
        raise PublishError(
            f"the cover '{config.cover}' lies outside the manuscript folder: put it there", listed_in, line
        )
    if not path.is_file():
        raise PublishError(f"the cover '{config.cover}' does not exist", listed_in, line)
    data = path.read_bytes()
    if sniff_image(data) not in COVER_TYPES:
        raise PublishError(f"the cover '{config.cover}' is not a JPEG or PNG image: export it as one", listed_in, line)
    try:
        width, height = checked_size(data, config.cover, ImageLimits.for_book(config))
    except ImageRefused as refused:
        raise PublishError(f"the cover {refused}", listed_in, line) from None
    if max(width, height) >= EPUB_COVER_LONG_SIDE:
        return path, []
    return path, [
        PublishWarning(
            f"the cover is {width} × {height} pixels; the EPUB's cover is {EPUB_COVER_LONG_SIDE} pixels on its long "
            "side, so it will look soft on e-readers: use a picture at least that large",
            listed_in,
            line,
        )
    ]
