"""Lines held back: a page that prints a page number no one knows yet is set once, when it is known.

A part that opens with a spoiler warning says on that page where its piece
ends ("skip to page 123"), which its run does not know while it paginates:
the page would be laid out twice, with a guess and then with the number. So
the first time its paragraphs are given no lines (the page still ends where
it did, since the piece after it begins a page of its own), and they are set
when the part is settled (weasyprint_parts.py). The book's economy is chosen
from the parts' lengths before: a warning too long for its page makes the
part longer once set, and the book is then laid out again with nothing held
(part_pool.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from weasyprint.layout import block

# Set on a layout context: the elements (by id) whose paragraphs are given no lines yet, the held one's and all
# within it (WeasyPrint's elements know no parent).
HELD = "publish_held"


def hold_lines() -> None:
    """Give no lines to the paragraphs a layout context holds, through whatever lays out lines now."""
    block.iter_line_boxes = _unless_held(block.iter_line_boxes)


def _unless_held(lines_of: Callable[..., Iterator[tuple]]) -> Callable[..., Iterator[tuple]]:
    def iter_line_boxes(
        context, box, position_y, bottom_space, skip_stack, containing_block, *arguments
    ) -> Iterator[tuple]:
        held = context.__dict__.get(HELD)
        if held and id(getattr(containing_block, "element", None)) in held:
            return iter(())
        return lines_of(context, box, position_y, bottom_space, skip_stack, containing_block, *arguments)

    return iter_line_boxes


def holding(element) -> set[int]:
    """What a layout context holds to give ``element``'s paragraphs no lines."""
    return {id(inside) for inside in element.iter()}
