"""A part's pages made a WeasyPrint document to write: the end of WeasyPrint's layout, once the part is settled.

WeasyPrint makes each page's margin boxes (running heads, folios) after
breaking the pages; a part laid out apart (weasyprint_parts.py) makes them
once it is settled where it falls: with the named strings the parts before
it leave, and the theme's blank page before it where it must open on the
other side. WeasyPrint's own steps, in its order, for the version pdf.py
checks.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import weasyprint
from weasyprint.document import Document, Page
from weasyprint.html import get_html_metadata
from weasyprint.layout import background, make_margin_boxes
from weasyprint.layout import page as pages_module
from weasyprint.layout.page import make_page
from weasyprint.pdf.metadata import DocumentMetadata

from publish.outputs.weasyprint_parts import Paginated, pages_numbered_from


def document(part: Paginated) -> Document:
    """The part's pages, settled, with their margin boxes."""
    with pages_numbered_from(part.placement.first_page):
        pages = list(_with_margin_boxes(part))
        if part.placement.blank_before:
            pages.insert(0, _blank_page(part))
    return _document(part, pages)


def _blank_page(part: Paginated) -> Any:
    """The theme's blank page on the left of the part's first: WeasyPrint's own, as a break to a right-hand
    page makes it, with the body's page name and no page group."""
    context, first = part.context, part.placement.first_page
    page_type = pages_module.PageType("left", True, part.root_box.style["page"], -1, ())
    pages_module.set_page_type_computed_styles(page_type, part.html, context.style_for)
    state = copy.deepcopy(context.page_maker[0][3])
    state[1]["page"] = [first - 2]
    page, _, _ = make_page(context, part.root_box, page_type, None, len(context.page_maker), state)
    root, _, _ = page.children
    context.current_page = 0
    page.children = (root, *make_margin_boxes(context, page, state))
    background.layout_backgrounds(page, context.get_image_from_uri)
    return page


def _with_margin_boxes(part: Paginated) -> Iterator[Any]:
    """The end of WeasyPrint's layout_document: named strings, bookmark labels, then each page's margin boxes."""
    context, pages = part.context, part.pages
    seen: dict[str, list[Any]] = {"": [], "::before": [], "::after": []}
    for number, page in enumerate(pages, start=1):
        page_counter_values = context.page_maker[number][3][1]
        for child in page.descendants():
            if child.bookmark_label:
                kind = next((end for end in ("::before", "::after") if child.element_tag.endswith(end)), "")
                if child.element in seen[kind]:
                    child.bookmark_label = ""
                else:
                    seen[kind].append(child.element)
            if child.missing_link:
                for (box, css_token), item in context.target_collector.counter_lookup_items.items():
                    if child.missing_link == box and css_token != "content":
                        if css_token == "bookmark-label" and not child.bookmark_label:
                            continue
                        item.parse_again(page_counter_values)
                        if css_token == "bookmark-label":
                            child.bookmark_label = box.bookmark_label
            if child.string_set and child.string_set != "none":
                for name, text in child.string_set:
                    context.string_set[name][number].append(text)
    _carry_strings(part)
    for number, page in enumerate(pages, start=1):
        root, footnote_area, note_area = page.children
        root.children = [
            *weasyprint.layout.layout_fixed_boxes(context, pages[: number - 1], page),
            *root.children,
            *weasyprint.layout.layout_fixed_boxes(context, pages[number:], page),
        ]
        context.current_page = number
        children = [root, *(area for area in (footnote_area, note_area) if area.children)]
        children.extend(make_margin_boxes(context, page, context.page_maker[number][3]))
        page.children = tuple(children)
        background.layout_backgrounds(page, context.get_image_from_uri)
        yield page


def _carry_strings(part: Paginated) -> None:
    """Named strings the part does not set yet are as the parts before left them (WeasyPrint looks no further
    back than the document's first page)."""
    context, carried = part.context, part.placement.strings
    own = context.get_string_set_for

    def string_set_for(page: Any, name: str, keyword: str = "first") -> tuple[str, ...]:
        found = own(page, name, keyword)
        set_here = context.current_page in context.string_set[name]
        if found or name not in carried or keyword == "all-once" or (set_here and keyword == "first-except"):
            return found
        return (carried[name],)

    context.get_string_set_for = string_set_for


def _document(part: Paginated, pages: list[Any]) -> Document:
    html = part.html
    document = Document(
        [Page(page) for page in pages],
        DocumentMetadata(**get_html_metadata(html)),
        html.url_fetcher,
        part.shared.font_config,
        {},
        None,
    )
    document._html = html
    return document
