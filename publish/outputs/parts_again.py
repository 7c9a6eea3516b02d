"""The book laid out again from the last build's parts: only the parts that changed, or that fall elsewhere.

A part whose HTML the last build laid out, and which falls where it fell
then (the same first page, blank page, running heads, page numbers it
refers to, book length and booklet ending), has the same pages: its
objects are kept from the last build. The parts whose HTML is new are laid out in
this process, each run of consecutive ones together, then any part they
push elsewhere (the economy the book's lengths now call for may open other
pieces on a right-hand page). Where it takes the contents off the title
verso or puts them back, a part whose length depends on its side moves to
the other, or more than ``MOST_AGAIN`` of the book would be laid out
again, this gives way to the whole layout (part_pool.py). The book is
written from the kept parts' objects and the new ones' (parts_join.py),
the bytes the whole layout would make.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from publish.outputs import economy, parts_memory
from publish.outputs.parts import MAX_SETTLINGS, InParts, Laid, PartPdf, Run, SettledRun, measured, placements
from publish.outputs.parts_join import Joinable, join
from publish.outputs.parts_memory import KeptBook, KeptPart, Recalled
from publish.outputs.parts_split import Part
from publish.outputs.weasyprint_parts import Placement
from publish.outputs.weasyprint_shared import Shared
from publish.read.remembering import Remembering
from publish.read.resources import ResourcePolicy

# Laying parts out one after another in this process beats laying the whole book out side by side while they are
# fewer than this share of it.
MOST_AGAIN = 1 / 3


class Again:
    """The book's parts, the last build's, and the runs of parts laid out again in this process."""

    def __init__(
        self,
        parts: Sequence[Part],
        earlier: Recalled,
        store: Remembering,
        resources: ResourcePolicy,
        shared: Shared,
        base_url: str,
    ):
        self.parts, self.earlier, self.store = list(parts), earlier, store
        self.resources, self.shared, self.base_url = resources, shared, base_url
        self.keys = parts_memory.part_keys(store, parts)
        where = {kept.key: index for index, kept in enumerate(earlier.book.parts)}
        # Each part's place in the last build, if it had the part.
        self.found = [where.get(key) for key in self.keys]
        self.runs: list[tuple[int, Run]] = []
        # Each run's parts as last settled and written, by its first part's index.
        self.settled: dict[int, SettledRun] = {}
        self.most = max(1, int(len(parts) * MOST_AGAIN))

    def lay_out(self, openings: str) -> InParts | None:
        """The book, with the parts of the last build whose HTML and place are unchanged kept; None where the whole
        layout is the one to make."""
        earlier = self.earlier.book.parts
        kept = [index for index in self.found if index is not None]
        if kept != sorted(set(kept)) or len(self.parts) - len(kept) > self.most:
            return None
        laid = [None if index is None else earlier[index].laid for index in self.found]
        chosen = [None if index is None else earlier[index].chosen_from for index in self.found]
        for start, end in _spans([index for index, kept in enumerate(self.found) if kept is None]):
            before = self.found[start - 1] if start else None
            first = 1 if before is None else earlier[before].placement.first_page + earlier[before].laid.pages
            # Measured as the whole layout measures them (each link guessed to lead to page 1), for the economy.
            laid[start:end] = chosen[start:end] = self._paginate(
                start, end, Placement(first), follows=before is not None
            )
        complete = [part for part in chosen if part is not None]
        if len(complete) < len(chosen) or not all(part.begins_page for part in complete[1:]):
            return None
        natural = self._measured_where_they_fall(complete)
        if natural is None:
            return None
        choice = economy.economical(measured(complete, natural), openings)
        if choice.contents_apart != self.earlier.book.economy.contents_apart:
            return None
        settled = [
            chosen_now if index in self.laying else part
            for index, (part, chosen_now) in enumerate(zip(laid, complete, strict=True))
            if part is not None
        ]
        if choice.contents_apart and 0 in self.laying:
            settled[0] = next(run for start, run in self.runs if start == 0).set_contents_apart()
        moved = frozenset(index for index, part in enumerate(self.parts) if part.ids[0] in choice.right)
        placed = self._settled(settled, moved, choice.contents_apart)
        if placed is None:
            return None
        return self._written(placed, settled, complete, choice)

    @property
    def laying(self) -> set[int]:
        """The parts laid out again, by index."""
        return {start + index for start, run in self.runs for index in range(len(run.parts))}

    def _paginate(
        self, start: int, end: int, place: Placement, contents_apart: bool | None = None, follows: bool = False
    ) -> list[Laid]:
        """The parts from ``start`` to ``end`` laid out as a run from ``place`` on (the page after the part before,
        where it ``follows`` one, on the side the first asks for), their links guessed to lead where ``place``
        says, else to page 1."""
        run = Run(self.parts[start:end], self.base_url, self.resources, place.first_page, self.shared, place.targets)
        self.runs.append((start, run))
        return run.paginate(contents_apart, follows)

    def _measured_where_they_fall(self, chosen: list[Laid]) -> list[Placement] | None:
        """Where each part falls before the economy moves any (part_pool.py measures them there): a kept part whose
        length depends on its side, and which now falls on the other, is laid out again there (``chosen`` then
        has it so)."""
        for _ in range(self.most + 1):
            natural = placements(chosen)
            flipped = [
                index
                for index, (part, placement) in enumerate(zip(chosen, natural, strict=True))
                if part.breaks_to_a_side and part.first_page % 2 != placement.first_page % 2
            ]
            if not flipped:
                return natural
            if self.laying & set(flipped) or len(self.laying) + len(flipped) > self.most:
                return None
            for index in flipped:
                chosen[index] = self._paginate(index, index + 1, natural[index])[0]
        return None

    def _settled(self, laid: list[Laid], moved: frozenset[int], contents_apart: bool) -> list[Placement] | None:
        """Where each part falls, the parts laid out again settled there (``laid`` says how they are then): a kept
        part that falls elsewhere than it did is laid out again too."""
        earlier, last = self.earlier.book.parts, len(self.parts) - 1
        for _ in range(MAX_SETTLINGS + self.most):
            placed = placements(laid, moved)
            stale = [
                index
                for index, found in enumerate(self.found)
                if found is not None
                and index not in self.laying
                and not earlier[found].falls_as_before(placed[index], index == last)
            ]
            if len(self.laying) + len(stale) > self.most:
                return None
            for index in stale:
                laid[index] = self._paginate(index, index + 1, placed[index], contents_apart)[0]
            if stale:
                continue
            for start, run in self.runs:
                end = start + len(run.parts)
                self.settled[start] = run.settle_and_write(placed[start:end], booklet=end - 1 == last)
                if self.settled[start].misjudged:
                    return None
                laid[start:end] = self.settled[start].laid
            if placements(laid, moved) == placed:
                return placed
        return None

    def _written(
        self, placed: list[Placement], laid: list[Laid], chosen: list[Laid], choice: economy.Economy
    ) -> InParts:
        """The book written from the parts laid out again and the last build's others."""
        earlier, last = self.earlier.book.parts, len(self.parts) - 1
        written: dict[int, PartPdf] = {}
        programs = dict(self.earlier.programs)
        for start, settled in self.settled.items():
            written.update((start + index, part) for index, part in enumerate(settled.written.parts))
            programs.update(settled.written.programs)
        book: list[KeptPart] = []
        joined: list[Joinable] = []
        for index, found in enumerate(self.found):
            if index in written:
                joined.append(written[index].joinable)
                book.append(
                    KeptPart.of(
                        written[index], self.keys[index], laid[index], chosen[index], placed[index], index == last
                    )
                )
            else:
                assert found is not None, "a part not laid out again is the last build's"
                joined.append(earlier[found].joinable)
                book.append(earlier[found])
        pdf, cut = join(joined, programs, self.earlier.book.cut_faces)
        kept = KeptBook(book, choice, cut)
        self.resources.later.append(lambda: parts_memory.remembered(self.store, self.base_url, kept, programs))
        return InParts(pdf, [start for part in book for start in part.page_starts])


def _spans(indices: list[int]) -> Iterator[tuple[int, int]]:
    """Runs of consecutive ``indices``, as index ranges."""
    start = None
    for position, index in enumerate(indices):
        if start is None:
            start = index
        if position + 1 == len(indices) or indices[position + 1] != index + 1:
            yield start, index + 1
            start = None
