"""How a piece's lines run: right to left where its text does, breakable where a run is too long for one, and
never ending a paragraph on a short word alone.

The last pass over a piece's tree (fragment.py) settles what it points at;
these settle how its words are laid out, from the text alone.
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
# Where a line may break between words (not at a no-break space, which typography.py may have set).
BREAKABLE_SPACE = re.compile(r"[ \t\r\n]+")
# A last word this short, with the one before it, goes to the last line together: a pair this long at most still
# leaves the line before it full enough.
SHORT_LAST_WORD = 10
SHORT_LAST_PAIR = 18
# What a paragraph holds but does not print in its own lines (a note, or a hidden spoiler set at the page foot),
# and about how many letters wide the mark it leaves in the line is ("¹", "[spoiler 1]").
SET_APART = {"footnote": 1, "spoiler-reveal": 10}
# Paragraphs whose line breaks are the writer's (verse), or that are one line by design.
OWN_LINES = {"lines", "spoiler-block", "spoiler-removed"}


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


def keep_last_words_together(container: etree.Element) -> None:
    """Set a paragraph's short last word with the word before it in a ``last-words`` span, which the theme keeps on
    one line, so that no paragraph of the print edition ends with a word alone on its last line (a runt, which
    reads as a gap in the page).

    A span, not a no-break space: the text layer keeps the space as written, for search and copy. Only where both
    words are short (a long pair would leave the line before it loose) and lie in one run of text. Verse, and
    paragraphs set as one line by design, keep their breaks. The space kept is the one before the last word with
    a letter or digit in it, so "mot ?" keeps its space before the question mark as French typography set it.
    """
    for paragraph in container.iter("p"):
        if set((paragraph.get("class") or "").split()) & OWN_LINES or _in_verse(paragraph):
            continue
        segments = list(_flow(paragraph))
        text = "".join(getattr(element, slot) or "" for element, slot in segments if slot).rstrip(" \t\r\n")
        spaces = list(BREAKABLE_SPACE.finditer(text))
        last = next((i for i in range(len(spaces) - 1, -1, -1) if _has_word(text[spaces[i].end() :])), None)
        if last is None or last == 0:
            continue
        word, before = text[spaces[last].end() :], text[spaces[last - 1].end() : spaces[last].start()]
        marks = _marks_after(segments, spaces[last - 1].end())
        if len(word) <= SHORT_LAST_WORD and len(before) + 1 + len(word) + marks <= SHORT_LAST_PAIR:
            _wrap_from(segments, spaces[last - 1].end(), spaces[last].end())


def _flow(element: etree.Element):
    """The text and tails of ``element`` in reading order, as (element, slot); what it sets apart comes as
    (element, None), in place of its text."""
    yield element, "text"
    for child in element:
        if isinstance(child.tag, str):
            yield from (_flow(child) if _set_apart(child) is None else [(child, None)])
        yield child, "tail"


def _set_apart(element: etree.Element) -> str | None:
    return next((kind for kind in (element.get("class") or "").split() if kind in SET_APART), None)


def _marks_after(segments: list, start: int) -> int:
    """How many letters wide the marks of what the paragraph sets apart after ``start`` are."""
    offset, letters = 0, 0
    for element, slot in segments:
        kind = _set_apart(element) if slot is None else None
        if kind:
            letters += SET_APART[kind] if offset >= start else 0
        else:
            offset += len(getattr(element, slot) or "")
    return letters


def _in_verse(paragraph: etree.Element) -> bool:
    return any("verse" in (ancestor.get("class") or "").split() for ancestor in paragraph.iterancestors())


def _has_word(text: str) -> bool:
    return any(character.isalnum() for character in text)


def _wrap_from(segments: list, start: int, space_end: int) -> None:
    """Wrap the paragraph's characters from ``start`` to the end of their run of text in a ``last-words`` span, if
    that run also holds the space before the last word (which ends at ``space_end``)."""
    offset = 0
    for element, slot in segments:
        text = (getattr(element, slot) if slot else "") or ""
        if offset <= start and space_end <= offset + len(text):
            kept = etree.Element("span", {"class": "last-words"})
            try:
                kept.text = text[start - offset :]
            except ValueError:  # a character no XML may hold, which fragment.py refuses with its line next
                return
            setattr(element, slot, text[: start - offset])
            if slot == "text":
                element.insert(0, kept)
            else:
                element.addnext(kept)
            return
        offset += len(text)


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
