"""Pictures of what was built: page spreads, imposed sheets, one contact sheet.

For looking at a book before printing it (and for the README); pdfium
renders the pages, Pillow lays them out.
"""

from __future__ import annotations

import io
from pathlib import Path

import pypdfium2
from PIL import Image, ImageDraw

from publish.errors import PublishError
from publish.outputs.registry import IMPOSITIONS
from publish.pipeline.files import write_atomically

SPREAD_DPI = 100
SHEET_DPI = 80
THUMBNAIL_DPI = 28
BACKGROUND = "#d9d4c7"
GUTTER = "#b8b2a3"


def preview(out_dir: Path) -> list[Path]:
    """Write PNGs for every PDF in ``out_dir`` into ``out_dir/preview``; return them."""
    pdfs = sorted(out_dir.glob("*.pdf"))
    if not pdfs:
        raise PublishError("nothing to preview: run 'publish build' first", out_dir)
    written: list[Path] = []
    for path in pdfs:
        document = pypdfium2.PdfDocument(str(path))
        if path.name.endswith(tuple(IMPOSITIONS.values())):
            for number, page in enumerate(document):
                side = "front" if number % 2 == 0 else "back"
                name = f"{path.stem}-sheet-{number // 2 + 1}-{side}.png"
                written.append(_save(out_dir / "preview" / name, _framed([render_page(page, SHEET_DPI)])))
            continue
        pages = [render_page(page, SPREAD_DPI) for page in document]
        for number, spread in enumerate(spreads(len(pages)), start=1):
            images = [pages[i] if i is not None else None for i in spread]
            written.append(_save(out_dir / "preview" / f"{path.stem}-spread-{number:02d}.png", _framed(images)))
        thumbnails = [render_page(page, THUMBNAIL_DPI) for page in document]
        written.append(_save(out_dir / f"{path.stem}-contact.png", _contact_sheet(thumbnails)))
    return written


def spreads(page_count: int) -> list[tuple[int | None, int | None]]:
    """Pages as a reader sees them open: the cover alone on the right, then pairs, the back cover alone."""
    pairs: list[tuple[int | None, int | None]] = [(None, 0)]
    for left in range(1, page_count, 2):
        pairs.append((left, left + 1 if left + 1 < page_count else None))
    return pairs


def render_page(page: pypdfium2.PdfPage, dpi: int) -> Image.Image:
    """One PDF page as an RGB picture at ``dpi``."""
    return page.render(scale=dpi / 72).to_pil().convert("RGB")


def _framed(images: list[Image.Image | None], pad: int = 24) -> Image.Image:
    """Pages side by side on a mat, with a hairline where they meet."""
    shown = [image for image in images if image is not None]
    width, height = shown[0].size
    canvas = Image.new("RGB", (len(images) * width + 2 * pad, height + 2 * pad), BACKGROUND)
    for slot, image in enumerate(images):
        if image is not None:
            canvas.paste(image, (pad + slot * width, pad))
    draw = ImageDraw.Draw(canvas)
    for slot in range(1, len(images)):
        draw.line([(pad + slot * width, pad), (pad + slot * width, pad + height)], fill=GUTTER)
    return canvas


def _contact_sheet(pages: list[Image.Image], columns: int = 8, pad: int = 10) -> Image.Image:
    """Every spread, in rows: the whole book at a glance."""
    rows = [_framed([pages[i] if i is not None else None for i in spread], pad=0) for spread in spreads(len(pages))]
    per_row = max(1, columns // 2)
    width = max(row.width for row in rows)
    height = rows[0].height
    lines = (len(rows) + per_row - 1) // per_row
    sheet = Image.new("RGB", (per_row * (width + pad) + pad, lines * (height + pad) + pad), BACKGROUND)
    for index, row in enumerate(rows):
        line, column = divmod(index, per_row)
        sheet.paste(row, (pad + column * (width + pad), pad + line * (height + pad)))
    return sheet


def _save(path: Path, image: Image.Image) -> Path:
    write_atomically(path, png_bytes(image))
    return path


def png_bytes(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
