"""Booklet economy: the breaks a second layout needs so that the print edition wastes the fewest pages.

The theme lays the book out with pieces opening on any page (``openings =
"auto"``) and the contents on the title page's verso. WeasyPrint's layout
is deterministic and a section's length does not depend on the side it
starts on (left and right pages have the same measure), so the first
layout's sections, as units of pages with their break rules, predict any
other choice of breaks exactly. From them this module chooses:

- which pieces open on a right-hand page, where that costs no sheet
  (``auto`` only);
- whether the contents must leave the title verso (they do not fit above
  the imprint);
- how many "Notes" pages make the page count up to the booklet's multiple
  of four.

and says it as a short style sheet for the second layout, or nothing when
the first layout is already the book.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import weasyprint

# break-before values that start a new page, and the side they ask for.
PAGE_BREAKS = {"page": None, "left": 0, "verso": 0, "right": 1, "recto": 1}
# The theme's padding pages (templates/book.html): at most three make up a multiple of four.
NOTES_PAGES = 3
BOOKLET = 4


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
    """What the first layout says: its sections in order, its page count, whether the contents fit above the
    imprint on the title verso."""

    units: list[Unit]
    page_count: int
    contents_fit: bool


def measure(document: weasyprint.Document) -> Measured:
    """The body's sections as laid out: where each begins and ends, and its break."""
    spans: dict[str, list[int]] = {}
    found: dict[str, tuple[frozenset[str], str]] = {}
    contents_bottom = imprint_top = None
    for number, page in enumerate(document.pages, start=1):
        html = page._page_box.children
        for box in html[0].children[0].children if html and html[0].children else []:
            element = box.element
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
    return Measured(units, len(document.pages), contents_fit)


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
        if unit.runs_on:
            start = page + unit.gap
        else:
            start = page + 1
            if unit.side is not None and start % 2 != unit.side:
                start += 1
        page = start + unit.pages - 1
        ends.append(page)
    return ends


def _blanks(units: list[Unit]) -> int:
    """How many pages the breaks leave blank."""
    return simulate(units) - sum(unit.pages - (unit.runs_on and unit.gap == 0) for unit in units)


def second_layout_style(measured: Measured, openings: str) -> str:
    """The style sheet that turns the first layout into the economical one, or "" if it already is."""
    units = list(measured.units)
    if simulate(units) != measured.page_count:
        return ""  # a layout this model does not predict (a section that changes length with its side): kept as is
    rules: list[str] = []
    if not measured.contents_fit:
        units = _contents_apart(units)
        rules.append("#contents { break-before: right; }")
    padded = -(-simulate(units) // BOOKLET) * BOOKLET
    right: list[str] = []
    if openings == "auto":
        for index, unit in enumerate(units):
            behind_warning = index > 0 and "spoiler-warning" in units[index - 1].classes
            already_right = index > 0 and _ends(units)[index - 1] % 2 == 0
            if "piece" not in unit.classes or unit.runs_on or unit.side is not None or behind_warning or already_right:
                continue
            trial = [*units[:index], Unit(unit.id, unit.classes, 1, unit.pages), *units[index + 1 :]]
            if _notes_needed(trial, padded) is not None:
                units, right = trial, [*right, unit.id]
    if right:
        rules.append(", ".join(f"#{_css_id(name)}" for name in right) + " { break-before: right; }")
    notes = _notes_needed(units, padded)
    if notes:
        rules.append(", ".join(f"#notes-page-{n}" for n in range(1, notes + 1)) + " { display: block; }")
    return "\n".join(rules)


def _contents_apart(units: list[Unit]) -> list[Unit]:
    """The units with the contents on a right-hand page of their own (in the first layout they shared a page)."""
    return [Unit(u.id, u.classes, 1, u.pages) if u.id == "contents" else u for u in units]


def _notes_needed(units: list[Unit], padded: int) -> int | None:
    """How many notes pages before the colophon make ``units`` exactly ``padded`` pages, or None if none do; of
    those that do, the one that leaves fewest blanks (no blank between the colophon and the back cover)."""
    at = next((i for i, unit in enumerate(units) if unit.id == "colophon"), len(units))
    fitting = []
    for count in range(NOTES_PAGES + 1):
        notes = [Unit(f"notes-page-{n}", frozenset(), None, 1) for n in range(1, count + 1)]
        padded_units = [*units[:at], *notes, *units[at:]]
        if simulate(padded_units) == padded:
            fitting.append((_blanks(padded_units), count))
    return min(fitting)[1] if fitting else None


def _css_id(name: str) -> str:
    """An id as a CSS identifier: a piece's id may begin with a digit ("001-foreword"), which CSS must escape."""
    return "".join(
        ch if (ch.isascii() and (ch.isalpha() or ch in "-_" or (ch.isdigit() and index > 0))) else f"\\{ord(ch):x} "
        for index, ch in enumerate(name)
    )


def with_style(html: str, style: str) -> str:
    """The print HTML with ``style`` read last, after the theme's own."""
    return html.replace("</head>", f"<style>\n{style}\n</style>\n</head>", 1)
