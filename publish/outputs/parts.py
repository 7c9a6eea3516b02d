"""The print edition laid out in parts: the front matter, each piece with its warning, the back matter.

A piece is a natural unit of layout: its pages break the same wherever it
starts, its running heads and notes are its own, and only a few page numbers
cross between pieces (the contents', each warning's "skip to page", a
spoiler's "revealed on page"). The book's HTML is split into parts
(parts_split.py). A ``Run`` of consecutive parts is laid out in one
process: each part paginated with a guess at where it falls
(weasyprint_parts.py), reported (``Laid``), settled where ``placements``
puts it once every part's length is known, and written, a PDF a part. The
book is the parts' PDFs joined (parts_join.py); part_pool.py runs them
side by side.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import weasyprint

from publish.outputs import economy, pdf, weasyprint_document, weasyprint_fonts
from publish.outputs.pages import PageStart, page_starts
from publish.outputs.parts_join import Joinable, joinable
from publish.outputs.parts_split import WARNING, Part
from publish.outputs.weasyprint_parts import Paginated, Placement
from publish.outputs.weasyprint_shared import Shared
from publish.read.resources import ResourcePolicy

# The contents' id (templates/book.html): the front matter holds them.
CONTENTS = "contents"
# Where a part after the first is guessed to begin before the parts before it are laid out: a right-hand page
# past any a theme singles out with :first or :nth() (a wrong guess costs only the settling).
GUESSED_FIRST_PAGE = 101
# Settling moves a page number only where one printed in the text changed width: it settles in one or two rounds.
MAX_SETTLINGS = 4


@dataclass(frozen=True)
class Laid:
    """What placing the parts needs to know of one, as it is laid out now."""

    pages: int
    # The break before its first element: a part that does not begin a page cannot be laid out apart.
    first_break: str
    # The side it asks to begin on ("right", "left"), if any, and which side the book's first page is.
    side: str | None
    left_to_right: bool
    # Where it is laid out now: its first page, after a blank page or not.
    first_page: int
    blank_before: bool
    # A page break within it asks for one side: on the other, it is longer or shorter.
    breaks_to_a_side: bool
    # The page of each anchor it holds, counted from its first (0).
    anchors: dict[str, int]
    # The last value it gives each named string.
    strings: dict[str, str]
    targets: frozenset[str]
    # Its sections as units of pages (economy.py), to choose where pieces open.
    measured: economy.Measured

    @property
    def begins_page(self) -> bool:
        return self.first_break in economy.PAGE_BREAKS

    def opens_on_odd(self, moved_right: bool) -> bool | None:
        """Whether it must begin on an odd page (True), an even one (False), or on either: a right-hand page is
        odd in a left-to-right book, even in a right-to-left one."""
        side = "right" if moved_right else self.side
        return None if side is None else (side == "right") == self.left_to_right


def _laid(part: Part, paginated: Paginated) -> Laid:
    anchors, strings = paginated.marks()
    return Laid(
        paginated.page_count,
        paginated.first_break,
        paginated.opens_on,
        paginated.left_to_right,
        paginated.placement.first_page,
        paginated.placement.blank_before,
        paginated.breaks_to_a_side,
        anchors,
        strings,
        part.targets,
        economy.measure(paginated.pages),
    )


def placements(laid: Sequence[Laid], moved_right: frozenset[int] = frozenset()) -> list[Placement]:
    """Each part where the parts before it end (after a blank page, where it must open on the other side), its
    references to other parts at their pages; ``moved_right``: the parts chosen to open on a right-hand page."""
    firsts, blanks, first = [], [], 1
    for index, part in enumerate(laid):
        odd = part.opens_on_odd(index in moved_right)
        blank = odd is not None and (first % 2 == 1) != odd
        firsts.append(first + blank)
        blanks.append(blank)
        first += blank + part.pages
    anchors = {
        name: start + page for part, start in zip(laid, firsts, strict=True) for name, page in part.anchors.items()
    }
    found: list[Placement] = []
    strings: dict[str, str] = {}
    for part, start, blank in zip(laid, firsts, blanks, strict=True):
        targets = {name: anchors[name] for name in part.targets if name in anchors}
        found.append(Placement(start, first - 1, dict(strings), targets, blank))
        strings.update(part.strings)
    return found


def where_lengths_change(laid: Sequence[Laid], placed: Sequence[Placement]) -> list[Placement | None]:
    """``placed`` for each part whose length depends on its side and that is laid out on the other one; None for
    the others, which have their length already."""
    return [
        placement if part.breaks_to_a_side and part.first_page % 2 != placement.first_page % 2 else None
        for part, placement in zip(laid, placed, strict=True)
    ]


def measured(laid: Sequence[Laid], placed: Sequence[Placement]) -> economy.Measured:
    """The book's sections as the parts, placed so, lay them out."""
    units = [unit for part in laid for unit in part.measured.units]
    pages = sum(part.measured.page_count + placement.blank_before for part, placement in zip(laid, placed, strict=True))
    return economy.Measured(units, pages, laid[0].measured.contents_fit)


@dataclass(frozen=True)
class InParts:
    """The book laid out in parts: its PDF, and where each of its pages begins. What laying it out made for the store
    (the parts, images fitted to the page) is in its ResourcePolicy's ``new_entries``."""

    pdf: bytes
    page_starts: list[PageStart]


@dataclass(frozen=True)
class PartPdf:
    """A part's pages, written: what joining them needs, and where each of them begins."""

    joinable: Joinable
    page_starts: list[PageStart]
    # Whether it prints the book's length: where that changes, so does the part.
    counts_pages: bool


@dataclass(frozen=True)
class RunPdf:
    """A run's parts, written, with the whole program of each face they drew (weasyprint_fonts.py), and what the run
    made for the store (images fitted to the page), by key (a forked run's would be lost with it)."""

    parts: list[PartPdf]
    programs: dict[str, bytes]
    new_entries: dict[str, bytes]


@dataclass(frozen=True)
class SettledRun:
    """A run's parts settled, and written where they are; ``misjudged``: a part's length, once its held lines were
    set, is not the one the book's economy was chosen from (its PDF is then not the one a single layout makes)."""

    laid: list[Laid]
    written: RunPdf
    misjudged: bool = False


class Run:
    """Consecutive parts of the book, laid out in one process, sharing their fonts and parsed style sheets."""

    def __init__(
        self,
        parts: Sequence[Part],
        base_url: str,
        resources: ResourcePolicy,
        first_page: int,
        shared: Shared,
        targets: Mapping[str, int] | None = None,
        hold: bool = True,
    ):
        """``targets``: the pages the parts' links to other parts are guessed to lead to (page 1 where none is);
        ``hold``: whether a spoiler warning's page is set only once the part is settled (weasyprint_held.py)."""
        self.parts = list(parts)
        self.hold = hold
        self.base_url, self.resources, self.first_page = base_url, resources, first_page
        self.shared, self.targets = shared, targets or {}
        # One for every part: making one reads the proxy settings and sets up a handler for each protocol.
        self.fetcher = pdf.ConfinedFetcher(resources)
        self.paginated: list[Paginated] = []
        # Each part's PDF, with where it was written: writing makes a part's pages final, so one placed elsewhere
        # after it is laid out afresh.
        self.written: list[tuple[Placement, PartPdf] | None] = []
        self.programs: dict[str, bytes] = {}
        # The front matter with the contents on a page of their own, laid out at once where they do not fit on
        # the title verso (economy.py): this run's, if it holds them.
        self.contents_apart: tuple[Part, Paginated] | None = None

    def _paginate(
        self, part: Part, first_page: int, sided: bool, targets: Mapping[str, int] | None = None
    ) -> Paginated:
        """The part laid out from ``first_page``, its links to other parts leading to ``targets`` (else to where the
        run guesses)."""
        html = weasyprint.HTML(string=part.html, base_url=self.base_url, url_fetcher=self.fetcher)
        guessed = targets if targets is not None else self.targets
        return Paginated(
            html,
            Placement(first_page, targets={name: guessed.get(name, 1) for name in part.targets}),
            self.shared,
            sided,
            held=WARNING if self.hold else None,
        )

    def paginate(self, contents_apart: bool | None = None, follows: bool = False) -> list[Laid]:
        """Every part, each guessed to begin where the one before it ends (on the side it asks for; the first too,
        where the run ``follows`` a part whose end is its first page). The front matter is laid out with the
        contents on the title verso and, where they do not fit there, apart; or only as ``contents_apart`` says,
        where that is known."""
        first = self.first_page
        for index, part in enumerate(self.parts):
            if not self.paginated and CONTENTS in part.ids and contents_apart:
                part = self.parts[index] = part.with_style(economy.Economy(contents_apart=True).style)
            paginated = self._paginate(part, first, sided=bool(self.paginated) or follows)
            if (
                not self.paginated
                and CONTENTS in part.ids
                and contents_apart is None
                and not economy.measure(paginated.pages).contents_fit
            ):
                apart = part.with_style(economy.Economy(contents_apart=True).style)
                self.contents_apart = apart, self._paginate(apart, first, sided=False)
            self.paginated.append(paginated)
            first = paginated.placement.first_page + paginated.page_count
        self.written = [None] * len(self.paginated)
        return self._laid()

    def set_contents_apart(self) -> Laid:
        """The front matter with the contents on a page of their own, in place of the one laid out first."""
        assert self.contents_apart is not None, "paginate lays it out where the contents do not fit"
        self.parts[0], self.paginated[0] = self.contents_apart
        return _laid(self.parts[0], self.paginated[0])

    def settle(self, placed: Sequence[Placement | None]) -> list[Laid]:
        """Each part where ``placed`` puts it (one placed None stays where it is)."""
        for paginated, placement in zip(self.paginated, placed, strict=True):
            if placement is not None and paginated.placement != placement:
                paginated.settle(placement)
        return self._laid()

    def _laid(self) -> list[Laid]:
        return [_laid(part, paginated) for part, paginated in zip(self.parts, self.paginated, strict=True)]

    def settle_and_write(self, placed: Sequence[Placement], booklet: bool) -> SettledRun:
        """Each part settled where ``placed`` puts it and written there, a PDF each; with ``booklet``, the run's last
        part made up to the booklet's multiple of four.

        Written at once, not once the book's page numbers are known to have
        settled: they nearly always have, and a run that settles sooner than
        another need not wait for it. Where they had not, the next call lays
        out afresh and writes again the parts placed elsewhere.
        """
        last = len(self.paginated) - 1
        for index, placement in enumerate(placed):
            done = self.written[index]
            paginated = self.paginated[index]
            counts_pages = paginated.counts_pages
            if done is not None and done[0].as_printed(counts_pages) == placement.as_printed(counts_pages):
                continue
            if done is not None:
                paginated = self._paginate(self.parts[index], placement.first_page, False, placement.targets)
                self.paginated[index] = paginated
            if paginated.placement != placement or paginated.held is not None:
                paginated.settle(placement)
            self.written[index] = placement, self._written(paginated, self.programs, booklet and index == last)
        parts = [written[1] for written in self.written if written is not None]
        misjudged = any(paginated.misjudged for paginated in self.paginated)
        return SettledRun(self._laid(), RunPdf(parts, dict(self.programs), self.resources.new_entries), misjudged)

    @staticmethod
    def _written(paginated: Paginated, programs: dict[str, bytes], booklet: bool) -> PartPdf:
        document = weasyprint_document.document(paginated)
        first = paginated.placement.first_page - paginated.placement.blank_before
        if booklet:
            pages = economy.booklet_pages(document, first)
            document = document.copy(pages) if pages is not None else document
        starts = [
            PageStart(start.number + first - 1, start.section, start.offset)
            for start in page_starts(document, paginated.html.etree_element)
        ]
        # A link to another part is kept (WeasyPrint drops a link to an anchor it has not laid out): its anchor
        # stands in on the first page, until the parts are joined.
        stand_ins = frozenset(set(paginated.placement.targets) - set(paginated.marks()[0]))
        for name in stand_ins:
            document.pages[0].anchors.setdefault(name, (0, 0, 0, 0))
        levels = tuple(level for page in document.pages for level, *_ in page.bookmarks)
        with weasyprint_fonts.programs_left_out(programs) as drawn:
            data = pdf.pdf_bytes(document)
        return PartPdf(joinable(data, stand_ins, levels, drawn), starts, paginated.counts_pages)
