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
  its letters' spacing, within a limit (weasyprint_letters.py); only what
  is left after that goes to the spaces.

Both replace module functions of WeasyPrint's inline layout, which pdf.py
does only for the version they were written for; tests/test_book_design.py
measures the spaces of the printed lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from weasyprint.formatting_structure import boxes
from weasyprint.layout import block, inline
from weasyprint.layout.leader import handle_leader
from weasyprint.layout.percent import resolve_one_percentage, resolve_percentages

from publish.outputs.weasyprint_letters import natural_width, spread_letters

# Of the font's own word space.
NARROWEST_SPACE = 0.8
WIDEST_SPACE = 2.0
TIGHTENING_COST = 2.0
# A line tightened this little is taken without laying out the loose line it replaces (which would be a
# word shorter, and looser than this costs).
SLIGHTLY_TIGHT = -0.05
# About how wide a word and its space are, in spaces (five letters of a book face): how many spaces a line of a
# given width has, and so how much more it may hold by tightening them, before it is laid out.
WORD_IN_SPACES = 12

# A line whose spaces stretch more than this is weighed against the line before it laid out a word shorter.
LOOSE = 0.7

ITER_LINE_BOXES = inline.iter_line_boxes
SPLIT_INLINE_BOX = inline.split_inline_box
TEXT_ALIGN = inline.text_align
# Set on the layout context for the next split of a line: the width it is to fill, narrower than the line's own.
NARROWED = "publish_narrowed_line"
# Set on a justified line by its alignment: its width before, and how much its spaces changed.
NATURAL_WIDTH = "publish_natural_width"
SPACING = "publish_spacing"
# Set on a line laid out to be weighed (``Paragraph.line``), whose spacing waits until it is taken: the width its
# alignment is to fill, kept meanwhile under ``UNALIGNED``.
ALIGNED_LATER = "publish_aligned_later"
UNALIGNED = "publish_unaligned"
# Among the arguments after ``max_x``: the lists the split adds the line's out-of-flow boxes and children to.
LINE_LISTS = slice(3, 8)


def justify_within_limits() -> None:
    block.iter_line_boxes = _lines_weighed_in_pairs
    inline.split_inline_box = _split_line_tightening_spaces
    inline.text_align = _align_within_limits


@dataclass(frozen=True)
class LineStart:
    """Where a line of a paragraph begins: what ``get_next_linebox`` needs to lay it out."""

    position_y: float
    skip_stack: Any
    text_indent: float
    first_letter_style: Any
    first_line_style: Any


@dataclass(frozen=True)
class Paragraph:
    """The paragraph's box and what its lines are laid out in, which every line shares."""

    context: Any
    box: Any
    bottom_space: float
    containing_block: Any
    absolute_boxes: list
    fixed_boxes: list

    def line(self, start: LineStart, narrowed: float | None = None) -> tuple | None:
        """The line from ``start``, with its ``resume_at``; filling ``narrowed`` rather than the whole measure. Its
        spaces and letters are not spaced yet (``finished`` does it): a line laid out to be weighed is often dropped.
        """
        self.box.text_indent = start.text_indent
        if narrowed is not None:
            self.context.__dict__[NARROWED] = narrowed
        # The line is a copy of the paragraph's box, made during the call: it carries the mark, which the box
        # does not keep (WeasyPrint lays the paragraph out again elsewhere, where nothing would finish a line).
        self.box.__dict__[ALIGNED_LATER] = True
        try:
            line, resume_at = inline.get_next_linebox(
                self.context,
                self.box,
                start.position_y,
                self.bottom_space,
                start.skip_stack,
                self.containing_block,
                self.absolute_boxes,
                self.fixed_boxes,
                start.first_letter_style,
                start.first_line_style,
            )
        finally:
            del self.box.__dict__[ALIGNED_LATER]
        if line is None:
            return None
        return line, resume_at

    def finished(self, laid: tuple) -> tuple:
        """The line as WeasyPrint gives it: justified as ``_align_within_limits`` found it should be, its leaders
        filled."""
        line = laid[0]
        line.__dict__.pop(ALIGNED_LATER, None)
        if (available_width := line.__dict__.pop(UNALIGNED, None)) is not None:
            _justify(self.context, line, available_width)
        handle_leader(self.context, line, self.containing_block)
        return laid

    @property
    def out_of_flow(self) -> tuple[int, int]:
        return len(self.absolute_boxes), len(self.fixed_boxes)


def _lines_weighed_in_pairs(
    context, box, position_y, bottom_space, skip_stack, containing_block, absolute_boxes, fixed_boxes, *first_styles
):
    """WeasyPrint's lines of a paragraph, each laid out with the next before it is given: when the next is loose,
    the line is laid out again a word shorter (and the next after it), and the more even pair is given."""
    arguments = (position_y, bottom_space, skip_stack, containing_block, absolute_boxes, fixed_boxes, *first_styles)
    if not _justified(box) or context.excluded_shapes:
        yield from ITER_LINE_BOXES(context, box, *arguments)
        return
    resolve_percentages(box, containing_block)
    if skip_stack is None:
        resolve_one_percentage(box, "text_indent", containing_block.width)
    else:
        box.text_indent = 0
    paragraph = Paragraph(context, box, bottom_space, containing_block, absolute_boxes, fixed_boxes)
    start = LineStart(position_y, skip_stack, box.text_indent, *first_styles)
    mark = paragraph.out_of_flow
    current = paragraph.line(start)
    while current is not None:
        if current[1] is None:
            yield paragraph.finished(current)
            return
        following_mark = paragraph.out_of_flow
        following = paragraph.line(_after(current))
        weigh = paragraph.out_of_flow == mark and not context.excluded_shapes
        if following is not None and weigh and _spacing(following[0]) > LOOSE:
            current, following = _more_even(paragraph, start, current, following)
        yield paragraph.finished(current)
        start, mark, current = _after(current), following_mark, following


def _after(laid: tuple) -> LineStart:
    line, resume_at = laid
    return LineStart(line.position_y + line.height, resume_at, 0, None, None)


def _more_even(paragraph: Paragraph, start: LineStart, current: tuple, following: tuple) -> tuple[tuple, tuple]:
    """The pair of lines from ``start`` whose spaces change least: as laid out, or with the first a word shorter.
    Laying out lines changes nothing but the lines (what could, out-of-flow boxes, is left alone), so the pair not
    chosen is simply dropped."""
    natural = getattr(current[0], NATURAL_WIDTH, None)
    if natural is None:
        return current, following
    shorter = paragraph.line(start, narrowed=natural - 0.5)
    if shorter is None or shorter[1] is None or shorter[1] == current[1]:
        return current, following
    after = paragraph.line(_after(shorter))
    if after is not None and _uneven(shorter, after) < _uneven(current, following):
        return shorter, after
    return current, following


def _uneven(*lines: tuple) -> float:
    return sum(_cost(_spacing(line)) ** 2 for line, _resume_at in lines)


def _spacing(line) -> float:
    """How much the line's spaces were changed to fill it, as a fraction of a space (0 for a line not justified)."""
    return getattr(line, SPACING, 0.0)


def _split_line_tightening_spaces(context, box, position_x, max_x, *args) -> tuple:
    """WeasyPrint's split of a line, given the room its spaces could give up: the line it makes is kept when it
    fits, or is tightened only a little; else it is weighed against the line WeasyPrint alone would make."""
    if not isinstance(box, boxes.LineBox) or not _justified(box):
        return SPLIT_INLINE_BOX(context, box, position_x, max_x, *args)
    narrowed = context.__dict__.pop(NARROWED, None)
    if narrowed is not None:
        return SPLIT_INLINE_BOX(context, box, position_x, position_x + narrowed, *args)
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
    setattr(line, NATURAL_WIDTH, line.width)
    setattr(line, SPACING, extra / spaces / space)
    if line.__dict__.get(ALIGNED_LATER):
        line.__dict__[UNALIGNED] = available_width
    else:
        _justify(context, line, available_width)
    return 0


def _justify(context, line, available_width: float) -> None:
    """Fill the line to ``available_width``: with its letters spaced, where its spaces would be too wide alone."""
    extra = available_width - line.width
    spaces = inline.count_expandable_spaces(line)
    space = _space_width(context, line.style)
    beyond = extra - spaces * space * (WIDEST_SPACE - 1)
    if beyond > 0:
        spread_letters(context, line, beyond)
        extra = available_width - line.width
    inline.justify_line(context, line, extra)


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
        measured[key] = natural_width(context, "x x", style) - natural_width(context, "xx", style)
    return measured[key]
