"""Each face's font written once for the book joined from its parts (parts_join.py).

Every part's PDF has its own font dictionaries for each face, the same but
for its widths and its font box, which hold only the glyphs the part drew.
Those two are left out of the parts' objects (``Joinable.widths`` and
``boxes``) and given by the book: every part's widths of a face together,
and the box that holds them, as WeasyPrint makes a font's box (0, the
descent, the widest glyph, the ascent). The parts' font dictionaries are
then one, written once (pdf_objects.Numbering). A part that gives a glyph
another width than the parts before it (the glyphs' positions in its text
were set against its own) keeps its own widths and box. So does one whose
descriptor differs otherwise: WeasyPrint flags a font fixed-pitch when the
glyphs a document drew all have one width, which a part of a few words can.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from publish.outputs.pdf_objects import Numbering

# The parts of a /W array's text: its brackets, and its numbers as written.
W_TOKENS = re.compile(rb"\[|\]|[^\s\[\]]+")


class Fonted(Protocol):
    @property
    def widths(self) -> dict[str, dict[int, bytes]]: ...

    @property
    def boxes(self) -> dict[str, tuple[bytes, ...]]: ...


class BookFonts:
    """The faces' widths and boxes of the book's parts."""

    def __init__(self, parts: Sequence[Fonted]):
        self.widths: dict[str, dict[int, bytes]] = {}
        self.boxes: dict[str, tuple[bytes, ...]] = {}
        for part in parts:
            for face, widths in part.widths.items():
                merged = self.widths.setdefault(face, {})
                for glyph, width in widths.items():
                    merged.setdefault(glyph, width)
                self.boxes.setdefault(face, part.boxes[face])
        self.numbers: dict[str, tuple[int, int]] = {}

    def written(self, numbering: Numbering) -> list[tuple[int, bytes]]:
        """The book's widths and box of each face, numbered."""
        objects = []
        for face in sorted(self.widths):
            widths, box = self.numbers[face] = numbering.take(), numbering.take()
            objects += [(widths, width_array(self.widths[face])), (box, _box(self.boxes[face], self.widths[face]))]
        return objects

    def given(self, part: Fonted, numbering: Numbering) -> tuple[dict[str, int], list[tuple[int, bytes]]]:
        """What ``part``'s fonts' widths and boxes stand for: the book's, or where it disagrees its own (numbered
        here, with their bytes)."""
        symbols: dict[str, int] = {}
        own: list[tuple[int, bytes]] = []
        for face in sorted(part.widths):
            merged = self.widths[face]
            agrees = all(merged[glyph] == width for glyph, width in part.widths[face].items())
            if agrees and _sides(part.boxes[face]) == _sides(self.boxes[face]):
                symbols[f"widths:{face}"], symbols[f"box:{face}"] = self.numbers[face]
                continue
            widths, box = numbering.take(), numbering.take()
            own += [(widths, width_array(part.widths[face])), (box, b"[ %s ]" % b" ".join(part.boxes[face]))]
            symbols[f"widths:{face}"], symbols[f"box:{face}"] = widths, box
        return symbols, own


def widths_of(array: Any) -> dict[int, bytes]:
    """A font's /W as each glyph's width, as written: a run of glyphs' widths after the first's number, or a range
    of glyphs of one width. Read from the array's text: walking pikepdf's objects one by one was most of what
    reading a part's PDF took."""
    tokens = W_TOKENS.findall(array.unparse(resolved=True))[1:-1]
    found: dict[int, bytes] = {}
    at = 0
    while at < len(tokens):
        first = int(tokens[at])
        if tokens[at + 1] == b"[":
            end = tokens.index(b"]", at + 2)
            found.update((first + offset, width) for offset, width in enumerate(tokens[at + 2 : end]))
            at = end + 1
        else:
            width = tokens[at + 2]
            found.update((glyph, width) for glyph in range(first, int(tokens[at + 1]) + 1))
            at += 3
    return found


def width_array(widths: Mapping[int, bytes]) -> bytes:
    """``widths`` as a /W array: each run of consecutive glyphs after the first's number, as WeasyPrint writes it."""
    runs: list[list[int]] = []
    for glyph in sorted(widths):
        if runs and glyph == runs[-1][-1] + 1:
            runs[-1].append(glyph)
        else:
            runs.append([glyph])
    return b"[ %s ]" % b" ".join(b"%d [ %s ]" % (run[0], b" ".join(widths[glyph] for glyph in run)) for run in runs)


def _sides(box: tuple[bytes, ...]) -> tuple[bytes, ...]:
    """A font box but its right side, which is its widest glyph's width."""
    return box[:2] + box[3:]


def _box(box: tuple[bytes, ...], widths: Mapping[int, bytes]) -> bytes:
    widest = max(widths.values(), key=float) if widths else box[2]
    return b"[ %s %s %s %s ]" % (box[0], box[1], widest, box[3])
