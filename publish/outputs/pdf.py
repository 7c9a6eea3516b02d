"""The print edition: WeasyPrint lays out the book's one HTML document."""

from __future__ import annotations

import contextlib
import io
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from dataclasses import dataclass

import pydyf
import weasyprint

from publish.errors import PublishError
from publish.outputs import (
    weasyprint_backgrounds,
    weasyprint_footnotes,
    weasyprint_held,
    weasyprint_spacing,
    weasyprint_targets,
    weasyprint_titles,
)
from publish.outputs.pages import PageStart, page_starts
from publish.outputs.verify import unreadable
from publish.outputs.weasyprint_shared import Shared
from publish.read.cover import EPUB_COVER_LONG_SIDE
from publish.read.resources import RefusedResource, ResourcePolicy
from publish.targets import Target

WEASYPRINT_PAGE_STYLING = weasyprint.layout.page.set_page_type_computed_styles


def _style_page_and_its_margin_boxes(page_type, html, style_for) -> None:
    """WeasyPrint's page styling, without its walk over every page's styles.

    WeasyPrint finds a new page's margin boxes by walking the whole cascade,
    which every page adds about 18 entries to, so styling the pages takes
    time quadratic in their number, which dominates a long anthology's
    layout (Kozea/WeasyPrint#578). This looks up the page's own entries by
    the margin-box names the page rules use: the same styles, in linear time. A
    test checks that books come out byte for byte as WeasyPrint's own
    styling makes them.
    """
    style_for.add_page_declarations(page_type)
    root = html.etree_element
    style_for.set_computed_styles(page_type, root=root, parent=root, base_url=html.base_url)
    cascaded = style_for.get_cascaded_styles()
    for pseudo_type in _margin_box_names(style_for):
        if (page_type, pseudo_type) in cascaded:
            style_for.set_computed_styles(
                page_type, pseudo_type=pseudo_type, root=root, parent=page_type, base_url=html.base_url
            )


def _margin_box_names(style_for) -> tuple[str, ...]:
    names = getattr(style_for, "margin_box_names", None)
    if names is None:
        names = style_for.margin_box_names = tuple(
            dict.fromkeys(
                pseudo_type
                for sheet, _origin, _specificity in style_for._sheets
                for _rule, selectors, _declarations in sheet.page_rules
                for _, pseudo_type, _ in selectors
                if pseudo_type
            )
        )
    return names


WEASYPRINT_INLINE_DRAWING = weasyprint.draw.draw_inline_level
WEASYPRINT_TEXT_DRAWING = weasyprint.draw.draw_text
# Set apart in the markup so that the layout can find it (see blocks.OpeningTreeprocessor).
OPENING_WORD = "opening-word"


@contextlib.contextmanager
def _as_written(stream, text: str) -> Iterator[None]:
    """A marked span whose ActualText is ``text``: what viewers search and copy for the glyphs inside it."""
    stream.begin_marked_content("Span", pydyf.Dictionary({"ActualText": pydyf.String(text)}))
    yield
    stream.end_marked_content()


def _draw_inline_with_whole_words(stream, page, box, *args, **kwargs) -> None:
    """WeasyPrint's inline drawing, with a piece's opening word marked as the one word it is.

    The raised initial is a larger size than the rest of its word, and
    Poppler splits a word where the size changes ("N ever").
    """
    element = box.element if isinstance(box, weasyprint.formatting_structure.boxes.InlineBox) else None
    if element is None or OPENING_WORD not in (element.get("class") or "").split():
        WEASYPRINT_INLINE_DRAWING(stream, page, box, *args, **kwargs)
        return
    # The text this box holds, not the element's: a word too long for a line (a run of CJK, say) is one box a line.
    text = "".join(
        child.text for child in box.descendants() if isinstance(child, weasyprint.formatting_structure.boxes.TextBox)
    )
    _WITHIN_OPENING_WORD.append(True)
    try:
        with _as_written(stream, text):
            WEASYPRINT_INLINE_DRAWING(stream, page, box, *args, **kwargs)
    finally:
        _WITHIN_OPENING_WORD.pop()


# Set while the opening word is drawn: its ActualText already holds the whole word, and Poppler, given a second
# ActualText inside it (the letter-spaced small caps of the lead-in), drops the outer one's first letters.
_WITHIN_OPENING_WORD: list[bool] = []


def _draw_text_with_whole_words(stream, textbox, *args, **kwargs) -> None:
    """WeasyPrint's text drawing, with letter-spaced words (small-caps labels, a loose justified line) marked as the
    words they are: Poppler (pdftotext, Evince, Okular) reads widely spaced letters as separate words, and letters
    spaced even a little lose their ligatures, after which it reads "f ilm" for "film"."""
    spacing = textbox.style["letter_spacing"]
    if _WITHIN_OPENING_WORD or spacing == "normal" or spacing <= 0 or not textbox.text.strip():
        WEASYPRINT_TEXT_DRAWING(stream, textbox, *args, **kwargs)
        return
    with _as_written(stream, textbox.text):
        WEASYPRINT_TEXT_DRAWING(stream, textbox, *args, **kwargs)


# They read WeasyPrint's internals (the sheets' page rules, the drawing of inline boxes, text and backgrounds, the
# line layout's notes): only for the version they are checked against.
if weasyprint.__version__.startswith("70."):
    weasyprint.layout.page.set_page_type_computed_styles = _style_page_and_its_margin_boxes
    weasyprint.draw.draw_inline_level = _draw_inline_with_whole_words
    weasyprint.draw.draw_text = _draw_text_with_whole_words
    weasyprint_footnotes.keep_notes_with_their_calls()
    weasyprint_spacing.justify_within_limits()
    weasyprint_titles.balance_titles()
    weasyprint_held.hold_lines()
    weasyprint_backgrounds.draw_one_colour_in_place()
    weasyprint_targets.number_targets_once()


@dataclass(frozen=True)
class Printed:
    """The laid-out pages, and the document they were laid out from."""

    document: weasyprint.Document
    root: ElementTree.Element

    @property
    def page_starts(self) -> list[PageStart]:
        return page_starts(self.document, self.root)


def layout(html_text: str, base_url: str, resources: ResourcePolicy, shared: Shared | None = None) -> Printed:
    """Lay out the book's print HTML into pages, reading only what ``resources`` allows; the layouts of one
    build share their fonts and parsed style sheets (``shared``)."""
    html = weasyprint.HTML(string=html_text, base_url=base_url, url_fetcher=ConfinedFetcher(resources))
    shared = shared or Shared()
    try:
        document = html.render(font_config=shared.font_config, counter_style=shared.counter_style)
    except weasyprint.urls.FatalURLFetchingError as refusal:
        raise PublishError(f"while laying out the print edition: {refusal}") from None
    return Printed(document, html.etree_element)


class FetchRefused(weasyprint.urls.FatalURLFetchingError):
    """Stops WeasyPrint's rendering: a refused resource is an error, not a warning."""


class ConfinedFetcher(weasyprint.urls.URLFetcher):
    """WeasyPrint's fetcher, limited to what a ``ResourcePolicy`` allows, with images checked and fitted to the page
    (from a piece, a template or a style sheet alike)."""

    def __init__(self, policy: ResourcePolicy):
        super().__init__(timeout=policy.timeout, fail_on_errors=True)
        self.policy = policy

    def fetch(self, url: str, headers: dict | None = None) -> weasyprint.urls.URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        try:
            resource = self.policy.read(url, self.policy.roots[0])
            data = self.policy.image(resource.data, resource.url, Target.PRINT)
        except RefusedResource as refusal:
            raise FetchRefused(str(refusal)) from None
        response = weasyprint.urls.URLFetcherResponse if data is resource.data else FittedResponse
        return response(resource.url, data, {"Content-Type": resource.media_type})


class FittedResponse(weasyprint.urls.URLFetcherResponse):
    """An image fitted to the page: WeasyPrint reads a local image's file again by its path when it writes the
    PDF, which would put the original's bytes (a 7,000-pixel picture) under the fitted one's size."""

    path = None


def pdf_bytes(document: weasyprint.Document, variant: str | None = None) -> bytes:
    return document.write_pdf(pdf_variant=variant, pdf_identifier=True)


def first_page(document: weasyprint.Document) -> bytes:
    """A PDF of the document's first page alone: all the cover image needs."""
    return document.copy([document.pages[0]]).write_pdf()


def cover_jpeg(written: bytes) -> bytes:
    """The first page of a PDF (the book's, or its first page alone), rendered to a JPEG for the EPUB's cover."""
    import pypdfium2  # only a build that makes the EPUB draws a cover: a PDF rebuild spares the print process it

    try:
        page = pypdfium2.PdfDocument(written)[0]
    except pypdfium2.PdfiumError as error:  # the book's own new PDF, which the build then keeps from replacing the last
        raise unreadable("PDF", str(error)) from None
    width, height = page.get_size()
    image = page.render(scale=EPUB_COVER_LONG_SIDE / max(width, height)).to_pil().convert("RGB")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=88, optimize=True)
    return out.getvalue()
