"""The print edition: WeasyPrint lays out the book's one HTML document."""

from __future__ import annotations

import io

import pypdfium2
import weasyprint

from .assemble import AssembledBook, PrintLayout

COVER_LONG_SIDE = 1600  # pixels: what Kindle and Kobo stores ask of a cover
PDF_VARIANTS = ("pdf/a-3b", "pdf/ua-1")


def layout(book: AssembledBook, page: PrintLayout) -> weasyprint.Document:
    """Lay out the book into pages (fonts come from the theme only)."""
    html = weasyprint.HTML(string=book.print_html(page), base_url=str(book.manuscript.root.resolve()) + "/")
    return html.render(font_config=weasyprint.text.fonts.FontConfiguration())


def pdf_bytes(document: weasyprint.Document, variant: str | None = None) -> bytes:
    return document.write_pdf(pdf_variant=variant)


def cover_jpeg(document: weasyprint.Document) -> bytes:
    """The first page, rendered to a JPEG for the EPUB's cover image."""
    single = document.copy([document.pages[0]]).write_pdf()
    page = pypdfium2.PdfDocument(single)[0]
    width, height = page.get_size()
    image = page.render(scale=COVER_LONG_SIDE / max(width, height)).to_pil().convert("RGB")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=88, optimize=True)
    return out.getvalue()
