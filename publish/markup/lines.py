"""How a piece's lines run: right to left where its text does, and breakable where a run is too long for one.

The last pass over a piece's tree (fragment.py) settles what it points at;
these two settle how its words are laid out, from the text alone.
"""

from __future__ import annotations

import bisect
import re
import unicodedata

from lxml import etree

from publish.markup.structure import PHRASING

# Blocks whose direction follows their text (a Hebrew or Arabic paragraph in an English book).
DIRECTIONAL_BLOCKS = {"p", "li", "blockquote", "h2", "h3", "h4", "h5", "h6", "td", "th", "dd", "dt", "figcaption"}
# Runs this long with no space get a break opportunity every 24 letters.
LONG_RUN = re.compile(r"\S{48,}")
# Tags inside a line of text: a run of letters goes on through them.
INLINE_FLOW = (PHRASING - {"br", "img", "wbr"}) | {"rp", "rt"}


def mark_right_to_left(container: etree.Element) -> None:
    """A block whose first strongly directional letter is Hebrew or Arabic runs right to left, in any book:
    without ``dir``, a right-to-left paragraph in an English book would be laid out from the left."""
    for element in container.iter(*DIRECTIONAL_BLOCKS):
        if not element.get("dir") and _first_strong_direction(element.text_content()) == "rtl":
            element.set("dir", "rtl")


def offer_breaks(container: etree.Element) -> None:
    """Give very long unbroken runs (a 10,000-letter word, a URL) a break opportunity every few letters.

    CSS ``overflow-wrap`` would wrap them too, but WeasyPrint's line breaker
    re-shapes the rest of the run for every line, so its time grows with the
    square of the run's length; ``<wbr/>`` adds no character to the text. A run is
    counted across inline tags (``a<b>b</b>a<b>b</b>…`` is one word to the
    line breaker), and ends at a space or a block.
    """
    flat, segments = [], []
    offset = 0
    for event, element in etree.iterwalk(container, events=("start", "end")):
        if element.tag not in INLINE_FLOW:
            flat.append("\n")
            offset += 1
        slot = "text" if event == "start" else "tail"
        text = getattr(element, slot) if (event == "start" or element is not container) else None
        if text:
            segments.append((offset, element, slot))
            flat.append(text)
            offset += len(text)
    cuts = [cut for run in LONG_RUN.finditer("".join(flat)) for cut in range(run.start() + 24, run.end(), 24)]
    for start, element, slot in reversed(segments):
        text = getattr(element, slot)
        local = [
            cut - start for cut in cuts[bisect.bisect_left(cuts, start) : bisect.bisect_left(cuts, start + len(text))]
        ]
        if local:
            _cut(element, slot, text, local)


def _cut(element: etree.Element, slot: str, text: str, cuts: list[int]) -> None:
    """Split ``element``'s text or tail at ``cuts`` with a ``<wbr/>`` at each."""
    parts = [text[start:end] for start, end in zip([0, *cuts], [*cuts, len(text)], strict=True)]
    setattr(element, slot, parts[0])
    previous = None if slot == "text" else element
    for part in parts[1:]:
        wbr = etree.Element("wbr")
        wbr.tail = part
        if previous is None:
            element.insert(0, wbr)
        else:
            previous.addnext(wbr)  # not parent.index(), which counts every sibling
        previous = wbr


def _first_strong_direction(text: str) -> str | None:
    """The direction of the first strongly directional character (Unicode's rule P2)."""
    for character in text:
        kind = unicodedata.bidirectional(character)
        if kind == "L":
            return "ltr"
        if kind in ("R", "AL"):
            return "rtl"
    return None
