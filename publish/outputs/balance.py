"""Balanced titles: a title that wraps leaving a short last line is set again in a narrower box, in even lines.

WeasyPrint 70 ignores ``text-wrap: balance``. A layout of the titles alone
(``titles_alone``: the book with everything but the titles and what holds
them taken out, a few pages however long the book) says how each title on
the cover, the title page and the pieces' openings wraps; a title whose
last line is less than half its longest gets, in the book's layout, a box
about as wide as its lines would be if they were even, centred, so that
"The Lighthouse Keeper's / Daughter" becomes "The Lighthouse / Keeper's
Daughter". The box still holds the longest word and a little more than the
average line, so the title keeps its number of lines. Measuring the titles
alone spares laying out the whole book a second time for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from publish.outputs.economy import body_sections, css_id, page_boxes

if TYPE_CHECKING:
    import weasyprint

    from publish.outputs.weasyprint_shared import Shared
    from publish.read.resources import ResourcePolicy

# The theme's titles (templates/book.html), by class.
TITLES = ("cover-title", "book-title", "piece-title")
# A last line shorter than this part of the longest is the one a reader notices.
SHORT_LAST_LINE = 0.5
# Room over the narrowest even width, for the estimate of the words' widths from their letters.
ROOM = 1.04
# From this many pieces, the titles are measured in a layout of their own, before the book's: below it, the book is
# laid out again when a title needs evening (a short book's layout costs little more than the titles' alone).
MEASURED_APART_FROM = 5


def titles_alone(html: str, gate: bool = True) -> str | None:
    """The print HTML with only its titles left in the body, each in what holds it (its section, its header): each
    still sets on its own page, in its own box, with the theme's rules for it.

    None where measuring the titles alone would not pay: a book of fewer
    than ``MEASURED_APART_FROM`` pieces (laying it out again, when a title
    needs it, costs less than this layout's fixed cost when none does), or
    one whose titles all have one or two words (which break once at most,
    so evening them changes nothing). Without the ``gate``, only the
    latter: the book's parts laid out apart measure their titles so once
    the book has passed it.
    """
    import lxml.html

    root = lxml.html.document_fromstring(html)
    body = root.find("body")
    titles = _titles(body)
    if not _worth_measuring(titles, gate):
        return None
    # The elements themselves (not their ids): lxml makes a new proxy, with a new id, each time one is looked at.
    kept = {holder for title in titles for holder in (title, *title.iterancestors())}
    for element in list(body.iterdescendants()):
        if element not in kept and not any(_is_title(ancestor) for ancestor in element.iterancestors()):
            element.getparent().remove(element)
    return lxml.html.tostring(root.getroottree(), doctype="<!DOCTYPE html>", encoding="unicode")


def titles_balanced(titles: str, base_url: str, resources: ResourcePolicy, shared: Shared) -> str:
    """The style that balances ``titles`` (``titles_alone``'s HTML), from a layout of them, or as remembered from
    one: an edit in a piece's text sets its title as before."""
    from publish.outputs import pdf

    def balancing() -> bytes:
        return balancing_style(pdf.layout(titles, base_url, resources, shared).document).encode("utf-8")

    return resources.remembered(("balanced titles", titles), "print:titles", balancing).decode("utf-8")


def titles_worth_measuring(html: str) -> bool:
    """Whether ``titles_alone`` would give the titles (without its HTML, which a book laid out in parts does not
    need: its runs measure their own titles)."""
    import lxml.html

    return _worth_measuring(_titles(lxml.html.document_fromstring(html).find("body")), gate=True)


def _titles(body: Any) -> list[Any]:
    return [element for element in body.iter("h1", "h2") if _is_title(element)]


def _worth_measuring(titles: list[Any], gate: bool) -> bool:
    pieces = sum(1 for title in titles if "piece-title" in (title.get("class") or "").split())
    if gate and pieces < MEASURED_APART_FROM:
        return False
    return any(len(title.text_content().split()) >= 3 for title in titles)


def _is_title(element: Any) -> bool:
    return element.tag in ("h1", "h2") and any(name in TITLES for name in (element.get("class") or "").split())


def balancing_style(document: weasyprint.Document) -> str:
    """The style sheet that balances the titles the layout left with a short last line, or "" if none did."""
    rules = []
    for _, section in body_sections(page_boxes(document)):
        name = section.element.get("id") if section.element is not None else None
        if not name:
            continue
        for box in section.descendants():
            title = _title_class(box)
            width = _balanced_width(box) if title else None
            if width is not None:
                rules.append(
                    f"#{css_id(name)} .{title} {{ max-width: {width:.1f}px; margin-left: auto; margin-right: auto; }}"
                )
    return "\n".join(dict.fromkeys(rules))


def _title_class(box: Any) -> str | None:
    element = getattr(box, "element", None)
    if element is None or not hasattr(box, "children") or getattr(box, "element_tag", "") not in ("h1", "h2"):
        return None
    return next((name for name in (element.get("class") or "").split() if name in TITLES), None)


def _balanced_width(title: Any) -> float | None:
    """The width that evens ``title``'s lines, if its last line is short and evening them changes its breaks.

    Words are measured by the letters of the lines the layout made (a title is set in one face and size): the
    narrowest width that wraps them into as many lines, with a little room for that estimate.
    """
    from weasyprint.formatting_structure.boxes import LineBox, TextBox

    lines = [child for child in title.children if isinstance(child, LineBox) and child.children]
    if len(lines) < 2:
        return None
    widths = [
        max(part.position_x + part.margin_width() for part in line.children)
        - min(part.position_x for part in line.children)
        for line in lines
    ]
    if widths[-1] >= SHORT_LAST_LINE * max(widths[:-1]):
        return None
    words_by_line = [
        " ".join(part.text for part in line.descendants() if isinstance(part, TextBox)).split() for line in lines
    ]
    words = [word for line in words_by_line for word in line]
    letter = sum(widths) / max(1, sum(len(" ".join(line)) for line in words_by_line))
    narrow, wide = max(len(word) for word in words) * letter, float(title.width)
    for _ in range(24):
        middle = (narrow + wide) / 2
        narrow, wide = (narrow, middle) if len(_wrapped(words, middle, letter)) <= len(lines) else (middle, wide)
    width = min(float(title.width), wide * ROOM + letter)
    return None if _wrapped(words, width, letter) == words_by_line else width


def _wrapped(words: list[str], width: float, letter: float) -> list[list[str]]:
    """``words`` broken into lines no wider than ``width``, first fit, at ``letter`` a character."""
    lines: list[list[str]] = [[]]
    for word in words:
        if lines[-1] and len(" ".join([*lines[-1], word])) * letter > width:
            lines.append([])
        lines[-1].append(word)
    return lines
