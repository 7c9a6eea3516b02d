"""Imposition: reading-order pages placed on printer sheets with pypdf.

``saddle`` puts two pages on each side of landscape sheets in saddle-stitch
order, for duplex printing flipped on the short edge; ``minizine`` puts an
eight-page book on one sheet, four panels by two, the top row upside down,
to be folded and cut once.
"""

from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter, Transformation
from pypdf.generic import NameObject, TextStringObject

from publish.errors import PublishError

# 1-based pages of an eight-page mini-zine, by row, seen from the printed side:
# the top row is upside down so that it reads the right way once folded.
MINIZINE_ROWS = ((5, 4, 3, 2), (6, 7, 8, 1))


def padded(page_count: int, multiple: int) -> list[int | None]:
    """Page indexes with blanks (None) before the back cover, to a multiple of ``multiple``."""
    pages: list[int | None] = list(range(page_count))
    blanks = [None] * (-page_count % multiple)
    if page_count < 2:
        return pages + blanks
    return pages[:-1] + blanks + pages[-1:]


def saddle_sides(page_count: int) -> list[tuple[int | None, int | None]]:
    """(left, right) page indexes for each sheet side, in printing order: sheet 1 front, sheet 1 back…"""
    sequence = padded(page_count, 4)
    last = len(sequence) - 1
    sides = []
    for sheet in range(len(sequence) // 4):
        sides.append((sequence[last - 2 * sheet], sequence[2 * sheet]))
        sides.append((sequence[2 * sheet + 1], sequence[last - 1 - 2 * sheet]))
    return sides


def saddle(pdf: bytes, sheet: tuple[float, float], creep: float) -> bytes:
    """Impose a booklet for saddle stitching; ``creep`` (points per sheet) pulls inner sheets toward the fold."""
    reader = PdfReader(io.BytesIO(pdf))
    width, height = max(sheet), min(sheet)
    page_width, page_height = _page_size(reader)
    if 2 * page_width > width + 0.5 or page_height > height + 0.5:
        raise PublishError(
            f"two {page_width:.0f}×{page_height:.0f} pt pages do not fit on a {width:.0f}×{height:.0f} pt sheet:"
            " choose a larger sheet_size in book.toml"
        )
    writer = PdfWriter()
    for side, pair in enumerate(saddle_sides(len(reader.pages))):
        shift = creep * (side // 2)
        target = writer.add_blank_page(width, height)
        for slot, index in enumerate(pair):
            if index is None:
                continue
            # Against the fold: any spare width goes to the sheet's outer edges.
            x = width / 2 - page_width + shift if slot == 0 else width / 2 - shift
            target.merge_transformed_page(
                reader.pages[index], Transformation().translate(x, (height - page_height) / 2)
            )
    return _finish(writer, reader)


def minizine(pdf: bytes, sheet: tuple[float, float]) -> bytes:
    """Impose an eight-page book on one sheet: four panels by two, the top row turned 180°."""
    reader = PdfReader(io.BytesIO(pdf))
    count = len(reader.pages)
    if count > 8:
        raise PublishError(
            f"the book has {count} pages at mini-zine size and a mini-zine holds 8: "
            "shorten the pieces, leave some out of book.toml, or use --impose saddle"
        )
    sequence = padded(count, 8)
    width, height = max(sheet), min(sheet)
    panel_width, panel_height = width / 4, height / 2
    page_width, page_height = _page_size(reader)
    writer = PdfWriter()
    target = writer.add_blank_page(width, height)
    for row, numbers in enumerate(MINIZINE_ROWS):
        for column, number in enumerate(numbers):
            index = sequence[number - 1]
            if index is None:
                continue
            x = column * panel_width + (panel_width - page_width) / 2
            y = (1 - row) * panel_height + (panel_height - page_height) / 2
            if row == 0:
                placement = Transformation().rotate(180).translate(x + page_width, y + page_height)
            else:
                placement = Transformation().translate(x, y)
            target.merge_transformed_page(reader.pages[index], placement)
    return _finish(writer, reader)


def _page_size(reader: PdfReader) -> tuple[float, float]:
    box = reader.pages[0].mediabox
    return float(box.width), float(box.height)


def _finish(writer: PdfWriter, reader: PdfReader) -> bytes:
    """The imposed sheets, described as the book is: its title, author and language (which screen readers and
    ``publish check`` ask of every PDF)."""
    if reader.metadata:
        writer.add_metadata(dict(reader.metadata))
    if "/Lang" in reader.root_object:
        writer.root_object[NameObject("/Lang")] = TextStringObject(str(reader.root_object["/Lang"]))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def printing_guide(kind: str, sheet_name: str, sheets: int) -> list[str]:
    """What to tell the person at the printer."""
    paper = sheet_name.upper() if sheet_name.startswith("a") else sheet_name.capitalize()
    if kind == "minizine":
        return [
            f"Print on one {paper} sheet, one-sided, landscape, at actual size (100%).",
            "Fold it in half the long way, then in half twice the other way, and unfold.",
            "Fold it in half the short way (short edges together) and cut from the folded edge"
            " along the centre crease, as far as the next crease.",
            "Open it out, push the ends together so the cut opens into a diamond, and flatten it into a booklet.",
        ]
    return [
        f"Print on {sheets} {paper} sheet{'s' if sheets != 1 else ''}, two-sided, flip on the SHORT edge, "
        "landscape, at actual size (100%).",
        "Keep the sheets in the order they come out, fold the stack in half, and staple twice along the fold.",
    ]
