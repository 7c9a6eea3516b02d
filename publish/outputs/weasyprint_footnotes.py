"""Two mends to WeasyPrint 70's footnotes, without which a hidden spoiler can turn up a page after its marker.

Each is a condition in one of WeasyPrint's own functions, recompiled in its
module from its source with the condition changed: neither has a smaller
place to hook. Both are checked against the version they were written for
(pdf.py applies them only to 70.x) and left out if the source they change is
not found. tests/test_book_design.py lays out small documents that fail
without them.
"""

from __future__ import annotations

import weasyprint

from publish.outputs.weasyprint_source import recompiled

# WeasyPrint's choice, for a line that overflows the page where widows and orphans forbid a break before it.
REPORT_TO_MAKE_ROOM = "report = not context.in_column and can_break_now and not could_break_before"
KEEP_LINE_NOTES = " and not any(note.style['footnote_policy'] == 'line' for note in context.current_page_footnotes)"
# Whether the page's notes overflow their area: two sums of the same lengths, in another order.
AREA_OVERFLOW = "overflow = last_child_bottom > footnote_area_bottom"
# A thousandth of a CSS pixel: far below anything drawn, far above a sum's rounding.
TOLERANCE = " + 1e-3"


def keep_notes_with_their_calls() -> None:
    """Mend the two ways WeasyPrint 70 moves a ``footnote-policy: line`` note to the page after its call.

    - When a line overflows the page and widows or orphans forbid a break
      before it, WeasyPrint makes room by moving the page's last notes on,
      whatever their policy. A page holding a note that must stay with its
      call breaks as any other does instead (its paragraph moves on whole).
    - A note area that exactly fits its notes is found to overflow when the
      two sums compared differ in their last bit (816.2837509284776 against
      …777), and the note then moves on: compared with a tolerance.
    """
    block, context = weasyprint.layout.block, weasyprint.layout.LayoutContext
    linebox = recompiled(block._linebox_layout, REPORT_TO_MAKE_ROOM, REPORT_TO_MAKE_ROOM + KEEP_LINE_NOTES)
    if linebox is not None:
        block._linebox_layout = linebox
    area = recompiled(context._update_footnote_area, AREA_OVERFLOW, AREA_OVERFLOW + TOLERANCE)
    if area is not None:
        context._update_footnote_area = area
