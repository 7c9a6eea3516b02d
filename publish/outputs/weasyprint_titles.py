"""Balanced titles: a title that wraps leaving a short last line is set again in a narrower measure, in even lines.

WeasyPrint 70 ignores ``text-wrap: balance``. This sets it for the theme's
titles (the cover's, the title page's and each piece's) as they are laid
out: a title whose last line is less than half its longest is laid out
again in a measure about as wide as its lines would be if they were even,
centred in its own, so that "The Lighthouse Keeper's / Daughter" becomes
"The Lighthouse / Keeper's Daughter". The measure still holds the longest
word and a little more than the average line; where the title would have
another number of lines in it, the title keeps the lines it had. Only the
title's own lines are laid out again, in the book's one layout.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from weasyprint.formatting_structure.boxes import LineBox, TextBox
from weasyprint.layout import block

# The theme's titles (templates/book.html), by class.
TITLES = frozenset(("cover-title", "book-title", "piece-title"))
# A last line shorter than this part of the longest is the one a reader notices.
SHORT_LAST_LINE = 0.5
# Room over the narrowest even width, for the estimate of the words' widths from their letters.
ROOM = 1.04


def balance_titles() -> None:
    """Lay the titles' lines out even, through whatever lays out lines now (weasyprint_spacing.py's, say)."""
    block.iter_line_boxes = _balancing(block.iter_line_boxes)


def _balancing(lines_of: Callable[..., Iterator[tuple]]) -> Callable[..., Iterator[tuple]]:
    def iter_line_boxes(
        context, box, position_y, bottom_space, skip_stack, containing_block, absolute_boxes, fixed_boxes, *styles
    ) -> Iterator[tuple]:
        """A title's lines (WeasyPrint's ``iter_line_boxes``), even where they would end in a short one."""
        arguments = [context, box, position_y, bottom_space, skip_stack, containing_block, absolute_boxes, fixed_boxes]
        if skip_stack is not None or not _is_title(containing_block):
            yield from lines_of(*arguments, *styles)
            return
        out_of_flow = len(absolute_boxes), len(fixed_boxes), len(context.footnotes)
        lines = list(lines_of(*arguments, *styles))
        laid_once = out_of_flow == (len(absolute_boxes), len(fixed_boxes), len(context.footnotes))
        width = _balanced_width([line for line, _ in lines], containing_block.width) if laid_once else None
        if width is None:
            yield from lines
            return
        narrower = containing_block.copy()
        narrower.position_x += (containing_block.width - width) / 2
        narrower.width = width
        arguments[5] = narrower
        even = list(lines_of(*arguments, *styles))
        yield from even if len(even) == len(lines) else lines

    return iter_line_boxes


def _is_title(box: Any) -> bool:
    element = getattr(box, "element", None)
    if element is None or getattr(box, "element_tag", "") not in ("h1", "h2"):
        return False
    return not TITLES.isdisjoint((element.get("class") or "").split())


def _balanced_width(lines: list[Any], measure: float) -> float | None:
    """The measure that evens the lines, if the last is short and evening them changes where they break.

    Words are measured by the letters of the lines the layout made (a title is set in one face and size): the
    narrowest measure that wraps them into as many lines, with a little room for that estimate.
    """
    lines = [line for line in lines if isinstance(line, LineBox) and line.children]
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
    narrow, wide = max(len(word) for word in words) * letter, float(measure)
    for _ in range(24):
        middle = (narrow + wide) / 2
        narrow, wide = (narrow, middle) if len(_wrapped(words, middle, letter)) <= len(lines) else (middle, wide)
    width = min(float(measure), wide * ROOM + letter)
    return None if _wrapped(words, width, letter) == words_by_line else width


def _wrapped(words: list[str], width: float, letter: float) -> list[list[str]]:
    """``words`` broken into lines no wider than ``width``, first fit, at ``letter`` a character."""
    lines: list[list[str]] = [[]]
    for word in words:
        if lines[-1] and len(" ".join([*lines[-1], word])) * letter > width:
            lines.append([])
        lines[-1].append(word)
    return lines
