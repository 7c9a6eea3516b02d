"""Booklet economy: the print edition wastes the fewest pages, with one layout where it can.

The theme lays the book out with pieces opening on any page (``openings =
"auto"``), the contents on the title page's verso, and two pages for the
reader's notes, one of each side, between the colophon and the back cover.
WeasyPrint's layout is deterministic and a section's length does not depend
on the side it starts on (left and right pages have the same measure), so the
first layout's sections, as units of pages with their break rules, predict
any other choice of breaks exactly. From them this module chooses:

- which pieces open on a right-hand page, where that costs no sheet
  (``auto`` only);
- whether the contents must leave the title verso (they do not fit above
  the imprint);

and says it as a short style sheet for a second layout, or nothing when the
first layout is already the book. Then the pages between the colophon and
the back cover are made up to the booklet's multiple of four by copying or
dropping the notes pages: they hold no words and no folio, and nothing after
them but the back cover, so no page number the book prints moves.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import weasyprint

# break-before values that start a new page, and the side they ask for.
PAGE_BREAKS = {"page": None, "left": 0, "verso": 0, "right": 1, "recto": 1}
BOOKLET = 4
# The theme's pages for the reader's notes (templates/book.html).
NOTES_PAGE = "notes-page"


@dataclass(frozen=True)
class Unit:
    """A section of the body as laid out: its id and classes, the side its break asks for, its length in pages.

    A section with no page break before it runs on: it begins ``gap`` pages after the last one's end (0, on
    the same page, or 1, when that one filled its page).
    """

    id: str
    classes: frozenset[str]
    side: int | None
    pages: int
    runs_on: bool = False
    gap: int = 0


@dataclass(frozen=True)
class Measured:
    """What the first layout says: its sections in order, its page count without the notes pages, whether the
    contents fit above the imprint on the title verso."""

    units: list[Unit]
    page_count: int
    contents_fit: bool


def measure(pages: Sequence[Any]) -> Measured:
    """The body's sections as laid out on ``pages`` (WeasyPrint's page boxes): where each begins and ends, and its
    break."""
    spans: dict[str, list[int]] = {}
    found: dict[str, tuple[frozenset[str], str]] = {}
    notes_pages: set[int] = set()
    contents_bottom = imprint_top = None
    for number, box in body_sections(pages):
        element = box.element
        if _has_class(box, NOTES_PAGE):
            notes_pages.add(number)
        name = element.get("id") if element is not None else None
        if not name:
            continue
        if name not in spans:
            spans[name] = [number, number]
            found[name] = (frozenset((element.get("class") or "").split()), box.style["break_before"])
        spans[name][1] = number
        if name == "contents" and spans[name][0] == number:
            contents_bottom = box.border_box_y() + box.border_height()
        if name == "imprint":
            text = next((child for child in box.descendants() if _has_class(child, "imprint-text")), None)
            imprint_top = (number, text.border_box_y()) if text is not None else None
    units: list[Unit] = []
    for name, (classes, rule) in found.items():
        first, last = spans[name]
        runs_on = rule not in PAGE_BREAKS and bool(units)
        gap = first - spans[units[-1].id][1] if runs_on else 0
        units.append(Unit(name, classes, PAGE_BREAKS.get(rule), last - first + 1, runs_on, gap))
    contents = spans.get("contents")
    contents_fit = (
        contents is None
        or imprint_top is None
        or contents_bottom is None
        or (contents[0] == contents[1] == imprint_top[0] and contents_bottom <= imprint_top[1])
    )
    return Measured(units, len(pages) - len(notes_pages), contents_fit)


def page_boxes(document: weasyprint.Document) -> list[Any]:
    return [page._page_box for page in document.pages]


def body_sections(pages: Sequence[Any]) -> Iterator[tuple[int, Any]]:
    """Each page's number and the boxes of the body's children laid out on it (``pages``: WeasyPrint's page
    boxes)."""
    for number, page in enumerate(pages, start=1):
        html = page.children
        for box in html[0].children[0].children if html and html[0].children else []:
            yield number, box


def _has_class(box, name: str) -> bool:
    element = getattr(box, "element", None)
    return element is not None and name in (element.get("class") or "").split()


def simulate(units: list[Unit]) -> int:
    """The page count of the units laid out one after another, each break honoured."""
    return _ends(units)[-1] if units else 0


def _ends(units: list[Unit]) -> list[int]:
    """The page each unit ends on."""
    page, ends = 0, []
    for unit in units:
        page = _end(unit, page)
        ends.append(page)
    return ends


def _end(unit: Unit, page: int) -> int:
    """The page ``unit`` ends on, after units that ended on ``page``."""
    if unit.runs_on:
        start = page + unit.gap
    else:
        start = page + 1
        if unit.side is not None and start % 2 != unit.side:
            start += 1
    return start + unit.pages - 1


def _pages_after(units: list[Unit]) -> list[tuple[int, int]]:
    """For each index, how many pages ``units[index:]`` add after units that ended on an even page, and on an odd
    one: their breaks ask for sides, so the side is all it depends on."""
    added = [(0, 0)]
    for unit in reversed(units):
        later = added[-1]
        steps = [_end(unit, parity) - parity for parity in (0, 1)]
        added.append((steps[0] + later[steps[0] % 2], steps[1] + later[(1 + steps[1]) % 2]))
    return added[::-1]


@dataclass(frozen=True)
class Economy:
    """The breaks that waste fewest pages: the pieces that open on a right-hand page where the first layout let
    them open on any, and whether the contents leave the title verso."""

    right: tuple[str, ...] = ()
    contents_apart: bool = False

    @property
    def style(self) -> str:
        """The style sheet that lays the book out so."""
        rules = ["#contents { break-before: right; }"] if self.contents_apart else []
        if self.right:
            rules.append(", ".join(f"#{css_id(name)}" for name in self.right) + " { break-before: right; }")
        return "\n".join(rules)


def second_layout_style(measured: Measured, openings: str) -> str:
    """The style sheet that turns the first layout into the economical one, or "" if it already is."""
    return economical(measured, openings).style


def economical(measured: Measured, openings: str) -> Economy:
    """What turns the first layout into the economical one (nothing, if it already is)."""
    units = list(measured.units)
    if simulate(units) != measured.page_count:
        return Economy()  # a layout this model does not predict (a section that changes length with its side)
    if not measured.contents_fit:
        units = _contents_apart(units)
    padded = -(-simulate(units) // BOOKLET) * BOOKLET
    right: list[str] = []
    if openings == "auto":
        # Each piece, in order, is tried on a right-hand page: the pages before it are counted as they go, and
        # those after it are known by the side it would end on.
        after = _pages_after(units)
        page = 0
        for index, unit in enumerate(units):
            behind_warning = index > 0 and "spoiler-warning" in units[index - 1].classes
            already_right = index > 0 and page % 2 == 0
            free = not (unit.runs_on or unit.side is not None or behind_warning or already_right)
            if "piece" in unit.classes and free:
                on_the_right = Unit(unit.id, unit.classes, 1, unit.pages)
                end = _end(on_the_right, page)
                if end + after[index + 1][end % 2] <= padded:
                    units[index] = on_the_right
                    right.append(unit.id)
            page = _end(units[index], page)
    return Economy(tuple(right), not measured.contents_fit)


def _contents_apart(units: list[Unit]) -> list[Unit]:
    """The units with the contents on a right-hand page of their own (in the first layout they shared a page)."""
    return [Unit(u.id, u.classes, 1, u.pages) if u.id == "contents" else u for u in units]


def booklet_pages(document: weasyprint.Document, first_page: int = 1) -> list[Any] | None:
    """The pages with as many notes pages between the colophon and the back cover as make the booklet's
    multiple of four, or None if the layout has them already (or has no notes page of each side to copy).

    ``document`` may be the book's last pages alone, from ``first_page`` on.
    """
    colophon_end = back_cover = 0
    notes: dict[int, Any] = {}
    before = first_page - 1
    for number, box in body_sections(page_boxes(document)):
        number += before
        name = box.element.get("id") if box.element is not None else None
        if name == "colophon":
            colophon_end = number
        elif name == "back-cover" and not back_cover:
            back_cover = number
        elif _has_class(box, NOTES_PAGE):
            notes.setdefault(number % 2, document.pages[number - 1 - before])
    if not (colophon_end and back_cover > colophon_end and len(notes) == 2):
        return None
    pages = document.pages
    # The back cover keeps its side, and the book ends on a multiple of four.
    fitting = [
        count
        for count in range(BOOKLET)
        if (colophon_end + count + 1) % 2 == back_cover % 2
        and (colophon_end + count + before + len(pages) - back_cover + 1) % BOOKLET == 0
    ]
    if not fitting or fitting[0] == back_cover - colophon_end - 1:
        return None
    fillers = [notes[(colophon_end + n) % 2] for n in range(1, fitting[0] + 1)]
    return [*pages[: colophon_end - before], *fillers, *pages[back_cover - 1 - before :]]


def css_id(name: str) -> str:
    """An id as a CSS identifier: a piece's id may begin with a digit ("001-foreword"), which CSS must escape."""
    return "".join(
        ch if (ch.isascii() and (ch.isalpha() or ch in "-_" or (ch.isdigit() and index > 0))) else f"\\{ord(ch):x} "
        for index, ch in enumerate(name)
    )


def with_style(html: str, style: str) -> str:
    """The print HTML with ``style`` read last, after the theme's own."""
    return html.replace("</head>", f"<style>\n{style}\n</style>\n</head>", 1)
