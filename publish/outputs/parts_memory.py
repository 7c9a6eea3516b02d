"""The book's parts as the last build laid them out, remembered in the store, so that the next lays out only
what changed.

A part is known by its HTML (``part_keys``: the store's key, which its
salt ties to the theme, the manuscript's other files and the tool). After a
build laid the book out in parts, ``remembered`` gives the store what the
next needs: each part's report, where it fell, what joining it needs, the
economy chosen and the whole program of each face it embeds. The next
build ``recall``s it, lays out again only the parts whose HTML changed or
that fall elsewhere, and writes the book from every part's objects
(parts_again.py).
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Sequence
from dataclasses import dataclass

from publish.outputs.economy import Economy
from publish.outputs.pages import PageStart
from publish.outputs.parts import Laid, PartPdf
from publish.outputs.parts_join import CutFace, Joinable
from publish.outputs.parts_split import Part
from publish.outputs.weasyprint_parts import Placement
from publish.read.remembering import Remembering


@dataclass(frozen=True)
class KeptPart:
    """A part as the last build laid it out."""

    key: str
    # Its report where it fell, and as the economy was chosen from it (the front matter's may be another layout).
    laid: Laid
    chosen_from: Laid
    placement: Placement
    # Made up to the booklet's multiple of four pages: the book's last part.
    booklet: bool
    joinable: Joinable
    page_starts: list[PageStart]
    # Whether it prints the book's length (parts.PartPdf).
    counts_pages: bool

    @classmethod
    def of(
        cls, part: PartPdf, key: str, laid: Laid, chosen_from: Laid, placement: Placement, booklet: bool
    ) -> KeptPart:
        """A part as this build laid it out and wrote it."""
        return cls(key, laid, chosen_from, placement, booklet, part.joinable, part.page_starts, part.counts_pages)

    def falls_as_before(self, placement: Placement, last: bool) -> bool:
        """Whether a part placed so has the pages this one has: the same place, the same page numbers, running heads
        and booklet ending, and the same book length if it prints it."""
        before, now = self.placement.as_printed(self.counts_pages), placement.as_printed(self.counts_pages)
        return now == before and self.booklet == last


@dataclass(frozen=True)
class KeptBook:
    """The last build's parts (what joining each needs holds its objects: the book is written from them again), the
    economy chosen for them, and each face as the book embedded it, cut to the glyphs it drew (by WeasyPrint's hash
    of the face)."""

    parts: list[KeptPart]
    economy: Economy
    cut_faces: dict[str, CutFace]


@dataclass(frozen=True)
class _Stored:
    """The book as the store keeps it: with the store key of each face's whole program, kept apart (a program is
    the same from build to build, and each is stored once)."""

    book: KeptBook
    programs: dict[str, str]


@dataclass(frozen=True)
class Recalled:
    """The last build's parts, with its faces' programs, as the store had them."""

    book: KeptBook
    programs: dict[str, bytes]


def part_keys(store: Remembering, parts: Sequence[Part]) -> list[str]:
    """Each part's key: its HTML, and the anchors its links lead to in other parts (a link to an anchor the book
    does not have is laid out without its target, so an anchor added elsewhere changes the part)."""
    return [store.key("laid part", part.html, *sorted(part.targets)) for part in parts]


def _book_key(store: Remembering, base_url: str) -> str:
    """The key of what the last build laid out of the book at ``base_url``: one a book, so that the store holds one
    copy of its parts, not one an edit."""
    return store.key("parts laid out last", base_url)


def recall(store: Remembering, base_url: str) -> Recalled | None:
    """The last build's parts, if the store has them whole."""
    data = store.get(_book_key(store, base_url), "print:parts")
    if data is None:
        return None
    stored: _Stored = pickle.loads(data)
    programs = {face: store.get(key, f"print:font {face}") for face, key in stored.programs.items()}
    if None in programs.values():
        return None
    return Recalled(stored.book, {face: program for face, program in programs.items() if program is not None})


def remembered(store: Remembering, base_url: str, book: KeptBook, programs: dict[str, bytes]) -> dict[str, bytes]:
    """The store's new entries for the book laid out so: its parts and its faces' programs, by key."""
    entries = {}
    program_keys = {}
    drawn = {face for part in book.parts for face in part.joinable.drawn}
    for face, program in programs.items():
        if face not in drawn:
            continue
        program_keys[face] = store.key("font program", hashlib.sha256(program).hexdigest())
        entries[program_keys[face]] = program
    entries[_book_key(store, base_url)] = pickle.dumps(_Stored(book, program_keys))
    return entries
