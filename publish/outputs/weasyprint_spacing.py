"""Justified lines within a book designer's limits, which WeasyPrint 70 does not set.

WeasyPrint fills each line with as many words as fit and stretches only
its word spaces to the measure, however wide that makes them: a long word
that cannot be hyphenated leaves a line with spaces three times their width.
Composers such as InDesign's work within limits instead, and so does this,
line by line:

- A line may take the next word (or part of it) by tightening its spaces,
  to no less than ``NARROWEST_SPACE``, when that changes its spaces less
  than stretching them would (tightening counts ``TIGHTENING_COST`` times
  as much, as it is the more visible). The line is laid out with that room
  first, so that most lines are laid out once.
- A line whose spaces would grow past ``WIDEST_SPACE`` takes the rest in
  its letters' spacing, up to ``WIDEST_LETTER_SPACING``; only what is left
  after that goes to the spaces.

Both replace module functions of WeasyPrint's inline layout, which pdf.py
does only for the version they were written for; tests/test_book_design.py
measures the spaces of the printed lines.
"""

from __future__ import annotations

from typing import Any

from weasyprint.formatting_structure import boxes
from weasyprint.layout import inline
from weasyprint.text.line_break import create_layout, line_size

# Of the font's own word space.
NARROWEST_SPACE = 0.8
WIDEST_SPACE = 2.0
# Of the font's size.
WIDEST_LETTER_SPACING = 0.03
TIGHTENING_COST = 2.0
# A line tightened this little is taken without laying out the loose line it replaces (which would be a
# word shorter, and looser than this costs).
SLIGHTLY_TIGHT = -0.05
# About how wide a word and its space are, in spaces (five letters of a book face): how many spaces a line of a
# given width has, and so how much more it may hold by tightening them, before it is laid out.
WORD_IN_SPACES = 12

SPLIT_INLINE_BOX = inline.split_inline_box
TEXT_ALIGN = inline.text_align
# Among the arguments after ``max_x``: the lists the split adds the line's out-of-flow boxes and children to.
LINE_LISTS = slice(3, 8)


def justify_within_limits() -> None:
    inline.split_inline_box = _split_line_tightening_spaces
    inline.text_align = _align_within_limits


def _split_line_tightening_spaces(context, box, position_x, max_x, *args) -> tuple:
    """WeasyPrint's split of a line, given the room its spaces could give up: the line it makes is kept when it
    fits, or is tightened only a little; else it is weighed against the line WeasyPrint alone would make."""
    if not isinstance(box, boxes.LineBox) or not _justified(box):
        return SPLIT_INLINE_BOX(context, box, position_x, max_x, *args)
    available = max_x - position_x
    space = _space_width(context, box.style)
    room = (available / (WORD_IN_SPACES * space) + 1) * space * (1 - NARROWEST_SPACE)
    before = _line_state(context, args)
    wide = SPLIT_INLINE_BOX(context, box, position_x, max_x + room, *args)
    line, resume_at, preserved_line_break = wide[:3]
    last = resume_at is None or preserved_line_break
    change = None if last else _space_change(context, line, available)
    if change is None:
        inline.remove_last_whitespace(context, line)
        if line.width <= available:
            return wide
    elif change >= SLIGHTLY_TIGHT:
        return wide
    after_wide = _line_state(context, args)
    _restore(context, args, before)
    greedy = SPLIT_INLINE_BOX(context, box, position_x, max_x, *args)
    if change is None or change < NARROWEST_SPACE - 1 or greedy[1] is None or greedy[2]:
        return greedy
    loose = _space_change(context, greedy[0], available)
    if loose is None or _cost(change) >= _cost(loose):
        return greedy
    _restore(context, args, after_wide)
    return wide


def _line_state(context, args: tuple) -> tuple:
    return list(context.excluded_shapes), [list(kept) for kept in args[LINE_LISTS]]


def _restore(context, args: tuple, state: tuple) -> None:
    """Put back what a split of the line had added to the layout's lists, as they were before (or after) it."""
    excluded_shapes, lists = state
    context.excluded_shapes = list(excluded_shapes)
    for kept, saved in zip(args[LINE_LISTS], lists, strict=True):
        kept[:] = saved


def _align_within_limits(context, line, available_width, last) -> float:
    """WeasyPrint's alignment of a line, with a tightened line's spaces narrowed and a loose line's letters spaced."""
    if last or not _justified(line) or line.style["direction"] != "ltr":
        return TEXT_ALIGN(context, line, available_width, last)
    spaces = inline.count_expandable_spaces(line)
    extra = available_width - line.width
    space = _space_width(context, line.style) if spaces else 0
    if not spaces or extra == 0 or extra < -spaces * space * (1 - NARROWEST_SPACE) - 1e-3:
        return TEXT_ALIGN(context, line, available_width, last)
    beyond = extra - spaces * space * (WIDEST_SPACE - 1)
    if beyond > 0:
        letters = _letters(line)
        if letters:
            spacing = min(beyond / letters, WIDEST_LETTER_SPACING * line.style["font_size"])
            _add_letter_spacing(context, line, spacing, 0)
            extra = available_width - line.width
    inline.justify_line(context, line, extra)
    return 0


def _space_change(context, line, available: float) -> float | None:
    """How much a line's word spaces change, as a fraction of a space, to fill ``available`` (negative: tighten)."""
    inline.remove_last_whitespace(context, line)
    spaces = inline.count_expandable_spaces(line)
    if not spaces:
        return None
    return (available - line.width) / spaces / _space_width(context, line.style)


def _cost(change: float) -> float:
    return change if change >= 0 else -change * TIGHTENING_COST


def _justified(line) -> bool:
    return line.style["text_align_all"] == "justify" and line.style["white_space"] in ("normal", "nowrap", "pre-line")


def _space_width(context, style) -> float:
    """The width of a word space in the line's font, measured once per font and size in a layout."""
    key = (tuple(style["font_family"]), style["font_size"], style["font_style"], style["font_weight"])
    measured: dict[tuple, float] = context.__dict__.setdefault("publish_space_widths", {})
    if key not in measured:
        measured[key] = _natural_width(context, "x x", style) - _natural_width(context, "xx", style)
    return measured[key]


def _natural_width(context, text: str, style: Any, measured_as: Any = None) -> float:
    layout = create_layout(text, style, context, None, 0)
    width = line_size(layout.get_first_line()[0], measured_as or style)[0]
    layout.deactivate()
    return width


def _spaceable(box) -> bool:
    return box.style["letter_spacing"] == "normal" and bool(box.text)


def _letters(box) -> int:
    if isinstance(box, boxes.TextBox):
        return len(box.text.replace(" ", "")) if _spaceable(box) else 0
    if isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        return sum(_letters(child) for child in box.children if child.is_in_normal_flow())
    return 0


def _add_letter_spacing(context, box, spacing: float, x_advance: float) -> float:
    """Space the letters of a line's text boxes, moving what follows them along (as WeasyPrint's
    ``add_word_spacing`` does for word spaces)."""
    if isinstance(box, boxes.TextBox):
        box.position_x += x_advance
        if not _spaceable(box):
            return x_advance
        spaced = box.style.copy()
        spaced["letter_spacing"] = spacing
        growth = _natural_width(context, box.text, spaced, box.style) - _natural_width(context, box.text, box.style)
        box.style = spaced
        box.pango_layout = create_layout(box.text, spaced, context, None, box.justification_spacing)
        box.pango_layout.deactivate()
        box.width += growth
        return x_advance + growth
    if isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        box.position_x += x_advance
        before = x_advance
        for child in box.children:
            if child.is_in_normal_flow():
                x_advance = _add_letter_spacing(context, child, spacing, x_advance)
        box.width += x_advance - before
        return x_advance
    box.translate(x_advance, 0)
    return x_advance
