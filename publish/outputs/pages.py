"""Print page numbers in the e-book: where each printed page begins, from WeasyPrint's layout.

A page's start is given as the section it begins in (an element with
``data-section`` and an id, the same in the print document and the EPUB)
and how many characters of that section come before it. Counting only
characters both editions print makes the two comparable: notes and hidden
spoilers, which each edition places differently, are left out. So is what
the print layout changes: its case (``text-transform``), the hyphens it
adds, and what it does not draw (spaces, soft hyphens, joiners, combining
marks, which Unicode may also write as part of one character). A page that
begins inside a word, after a hyphen, is marked before the word.
"""

from __future__ import annotations

import unicodedata
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import lxml.html
from lxml import etree

from publish.markup.structure import PHRASING

if TYPE_CHECKING:
    import weasyprint

# Text each edition places or words differently: not counted on either side.
PRINT_ONLY = {"footnote", "spoiler-reveal", "spoiler-block", "spoiler-notice"}
# The hyphen WeasyPrint ends a broken word's line with (its default ``hyphenate-character``).
LAYOUT_HYPHEN = "\u2010"
# Format characters (soft hyphen, word joiner, zero-width space, byte-order mark) and combining marks.
UNCOUNTED_CATEGORIES = {"Cf", "Mn", "Mc", "Me"}
# Elements a word runs on through; any other starts or ends a run of text.
INLINE = PHRASING - {"br", "img"}
XHTML = "http://www.w3.org/1999/xhtml"
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
# A marker of either edition: what it is to assistive technology.
PAGEBREAK_ROLE = "doc-pagebreak"


@dataclass(frozen=True)
class ScreenEdition:
    """How a screen edition's documents are read and written, what of their text the print edition does not show
    there (each edition places notes and hidden spoilers its own way), and the attributes of page ``n``'s marker."""

    apart: frozenset[str]
    namespace: str
    read: Callable[[str], etree._Element]
    write: Callable[[etree._Element], str]
    marker: Callable[[int], dict[str, str]]


EPUB_EDITION = ScreenEdition(
    apart=frozenset({"noteref", "spoiler-ref", "notes", "spoiler-block", "spoiler-notice"}),
    namespace=XHTML,
    read=lambda content: etree.fromstring(content.encode("utf-8")),
    write=lambda tree: (
        '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html>\n' + etree.tostring(tree, encoding="unicode")
    ),
    marker=lambda number: {
        EPUB_TYPE: "pagebreak",
        "role": PAGEBREAK_ROLE,
        "id": f"page-{number}",
        "aria-label": str(number),
    },
)
# The web's markers are hidden until the reader asks for them; the theme's web.css then shows ``data-page``,
# which is what a screen reader reads (axe-core holds a name of its own, aria-label, prohibited on a page break).
WEB_EDITION = ScreenEdition(
    apart=frozenset({"noteref", "spoiler-ref", "footnote", "spoiler-note"}),
    namespace="",
    read=lambda content: lxml.html.document_fromstring(content),
    write=lambda tree: lxml.html.tostring(tree.getroottree(), doctype="<!DOCTYPE html>", encoding="unicode") + "\n",
    marker=lambda number: {
        "class": "print-page",
        "role": PAGEBREAK_ROLE,
        "id": f"page-{number}",
        "data-page": str(number),
    },
)


@dataclass(frozen=True)
class PageStart:
    """Where printed page ``number`` begins: in ``section``, after ``offset`` counted characters."""

    number: int
    section: str | None
    offset: int


def page_starts(document: weasyprint.Document, root: ElementTree.Element) -> list[PageStart]:
    """Every page's start, read off the laid-out boxes."""
    # Only a build with a print layout needs WeasyPrint.
    from weasyprint.formatting_structure.boxes import TextBox

    parents = {child: parent for parent in root.iter() for child in parent}
    places: dict[int, tuple[str | None, bool]] = {}

    def place(element: ElementTree.Element) -> tuple[str | None, bool]:
        """The section an element is in, and whether its text is counted."""
        key = id(element)
        if key not in places:
            classes = set((element.get("class") or "").split())
            if element.get("data-section") is not None:
                places[key] = (element.get("id"), True)
            elif classes & PRINT_ONLY:
                section, _ = place(parents[element]) if element in parents else (None, False)
                places[key] = (section, False)
            elif element in parents:
                places[key] = place(parents[element])
            else:
                places[key] = (None, False)
        return places[key]

    counted: dict[str, int] = {}
    starts = []
    for number, page in enumerate(document.pages, start=1):
        first: tuple[str, int] | None = None
        for box in page._page_box.descendants(placeholders=True):
            if not isinstance(box, TextBox) or box.element is None or "::" in (box.element_tag or ""):
                continue
            section, counts = place(box.element)
            if section is None or not counts:
                continue
            if first is None:
                first = (section, counted.get(section, 0))
            counted[section] = counted.get(section, 0) + _visible(box.text)
        starts.append(PageStart(number, *first) if first else PageStart(number, None, 0))
    return starts


def _visible(text: str) -> int:
    if text.isascii():
        return len("".join(text.split()))
    return sum(map(_weight, text))


@cache
def _weight(ch: str) -> int:
    """How many characters ``ch`` counts as: the same in either case (“ß” is “SS” in capitals) and
    in any Unicode form (a ligature such as “ﬁ” is two letters, an accent is not one)."""
    return sum(
        1
        for part in unicodedata.normalize("NFKD", ch.casefold())
        if not part.isspace() and part != LAYOUT_HYPHEN and unicodedata.category(part) not in UNCOUNTED_CATEGORIES
    )


def _in_word(ch: str) -> bool:
    """Whether ``ch`` may be inside a word: a letter or digit, or a mark or joiner that goes on with one."""
    return ch.isalnum() or unicodedata.category(ch) in UNCOUNTED_CATEGORIES


def place_page_markers(
    documents: dict[str, str], starts: list[PageStart], edition: ScreenEdition = EPUB_EDITION
) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Insert a marker for each printed page into a screen edition's documents.

    Returns the changed documents and the page list as (label, href) pairs.
    A page that begins in no section the EPUB has (a blank page, the back
    cover) is marked where the next page that does begins, or at the end.
    """
    trees = {name: edition.read(content) for name, content in documents.items()}
    where: dict[str, tuple[str, etree._Element]] = {}
    for name, tree in trees.items():
        for element in tree.iter():
            if element.get("data-section") is not None and element.get("id"):
                where[element.get("id")] = (name, element)
    last_name = list(documents)[-1]
    body = trees[last_name].find(_tag(edition, "body"))
    located: list[tuple[PageStart, str, etree._Element, int | None]] = []
    pending: list[PageStart] = []
    for start in starts:
        if start.section in where:
            name, section = where[start.section]
            for waiting in pending + [start]:
                located.append((waiting, name, section, start.offset))
            pending = []
        else:
            pending.append(start)
    located += [(waiting, last_name, body, None) for waiting in pending]

    # Inserted last page first, so that markers sharing a place end up in page order.
    for start, _name, section, offset in reversed(located):
        marker = etree.Element(_tag(edition, "span"), edition.marker(start.number))
        _insert(section, offset, marker, edition.apart)
    page_list = [(str(start.number), f"{name}#page-{start.number}") for start, name, _, _ in located]
    return {name: edition.write(tree) for name, tree in trees.items()}, page_list


def _tag(edition: ScreenEdition, tag: str) -> str:
    return f"{{{edition.namespace}}}{tag}" if edition.namespace else tag


def _insert(section: etree._Element, offset: int | None, marker: etree._Element, apart: frozenset[str]) -> None:
    """Put ``marker`` before the counted character number ``offset`` of ``section``, or before the
    word that character is in (None: at the section's end)."""
    if offset == 0:
        marker.tail = section.text
        section.text = None
        section.insert(0, marker)
        return
    if offset is not None:
        seen = 0
        word: tuple[etree._Element, str, int] | None = None
        for slot in _text_slots(section, apart):
            if slot is None:
                word = None
                continue
            owner, attribute, text = slot
            for index, ch in enumerate(text):
                weight = _weight(ch)
                if weight and seen + weight > offset:
                    _split_at(
                        *_before_later_pages(*(word if word and _in_word(ch) else (owner, attribute, index))), marker
                    )
                    return
                seen += weight
                if ch.isalnum():
                    word = word or (owner, attribute, index)
                elif not _in_word(ch):
                    word = None
    _append(section, marker)


def _before_later_pages(owner: etree._Element, attribute: str, index: int) -> tuple[etree._Element, str, int]:
    """The same place, but before the markers of later pages put there already (a word longer than a page)."""
    while attribute == "tail" and index == 0 and owner.get("role") == PAGEBREAK_ROLE:
        previous = owner.getprevious()
        if previous is None:
            owner, attribute = owner.getparent(), "text"
        else:
            owner = previous
        index = len(getattr(owner, attribute) or "")
    return owner, attribute, index


def _append(section: etree._Element, marker: etree._Element) -> None:
    """Put ``marker`` at the end of ``section``, before the markers of later pages put there already."""
    index = len(section)
    while index and section[index - 1].get("role") == PAGEBREAK_ROLE and not (section[index - 1].tail or "").strip():
        index -= 1
    section.insert(index, marker)


def _text_slots(element: etree._Element, apart: frozenset[str]):
    """(element, "text" or "tail", string) in reading order, for counted text only; None where no
    word runs on (the edge of a block, or of text not counted)."""
    if not isinstance(element.tag, str):
        return
    if set((element.get("class") or "").split()) & apart:
        yield None
        return
    block = etree.QName(element).localname not in INLINE
    if block:
        yield None
    if element.text:
        yield element, "text", element.text
    for child in element:
        yield from _text_slots(child, apart)
        if child.tail:
            yield child, "tail", child.tail
    if block:
        yield None


def _split_at(owner: etree._Element, attribute: str, index: int, marker: etree._Element) -> None:
    text = getattr(owner, attribute)
    if attribute == "text":
        owner.text = text[:index]
        marker.tail = text[index:]
        owner.insert(0, marker)
    else:
        owner.tail = text[:index]
        marker.tail = text[index:]
        owner.addnext(marker)
