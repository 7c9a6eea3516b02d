"""The print edition laid out in parts: the front matter, each piece with its warning, the back matter.

A piece is a natural unit of layout: its pages break the same wherever it
starts, its running heads and notes are its own, and only a few page numbers
cross between pieces (the contents', each warning's "skip to page", a
spoiler's "revealed on page"). A ``Run`` of consecutive parts is laid out in
one process: each part paginated with a guess at where it falls
(weasyprint_parts.py), reported (``Laid``), settled where ``placements``
puts it once every part's length is known, and written. The book is the
runs' PDFs joined (parts_join.py); part_pool.py runs them side by side.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import lxml.html
import weasyprint

from publish.outputs import economy, pdf
from publish.outputs.pages import PageStart, page_starts
from publish.outputs.parts_join import Written
from publish.outputs.weasyprint_parts import Paginated, Placement
from publish.outputs.weasyprint_shared import Shared
from publish.read.resources import ResourcePolicy

# The body's elements a part begins with (templates/book.html): a piece, or the warning before it.
PIECE, WARNING = "piece", "spoiler-warning"
# Where a part after the first is guessed to begin before the parts before it are laid out: a right-hand page
# past any a theme singles out with :first or :nth() (a wrong guess costs only the settling).
GUESSED_FIRST_PAGE = 101


@dataclass(frozen=True)
class Part:
    """The print HTML with only some of the body's elements: ``ids`` names them; ``targets`` are the anchors its
    links lead to in other parts."""

    ids: tuple[str, ...]
    html: str
    targets: frozenset[str]


def _classes(element) -> set[str]:
    return set((element.get("class") or "").split())


def split(html: str) -> list[Part]:
    """The book's parts, in order: what comes before the first piece, each piece (with the warning before it),
    what comes after the last."""
    body = lxml.html.document_fromstring(html).find("body")
    groups: list[list[int]] = [[]]
    children = list(body)
    for index, element in enumerate(children):
        classes = _classes(element)
        behind_warning = index > 0 and WARNING in _classes(children[index - 1])
        after_piece = bool(groups[-1]) and PIECE in _classes(children[groups[-1][-1]])
        if (((classes & {PIECE, WARNING}) and not behind_warning) or after_piece) and groups[-1]:
            groups.append([])
        groups[-1].append(index)
    every_id = {element.get("id") for element in body.iter() if element.get("id")}
    parts = []
    for group in groups:
        root = lxml.html.document_fromstring(html)
        part_body = root.find("body")
        kept = set(group)
        for index, element in reversed(list(enumerate(part_body))):
            if index not in kept:
                part_body.remove(element)
        ids = {element.get("id") for element in part_body.iter() if element.get("id")}
        links = {href[1:] for href in part_body.xpath(".//a/@href") if href.startswith("#")}
        parts.append(
            Part(
                tuple(children[index].get("id") or "" for index in group),
                lxml.html.tostring(root.getroottree(), doctype="<!DOCTYPE html>", encoding="unicode"),
                frozenset((links & every_id) - ids),
            )
        )
    return parts


@dataclass(frozen=True)
class Laid:
    """What placing the parts needs to know of one, as it is laid out now."""

    pages: int
    # The break before its first element: a part that does not begin a page cannot be laid out apart.
    first_break: str
    left_to_right: bool
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

    def opens_right(self, moved_right: bool) -> bool | None:
        """Whether it must begin on a right-hand page (True), a left-hand one (False), or on either."""
        side = "right" if moved_right else self.first_break
        if side in ("recto", "verso"):
            side = "right" if (side == "recto") == self.left_to_right else "left"
        return {"right": True, "left": False}.get(side)


def _laid(part: Part, paginated: Paginated) -> Laid:
    return Laid(
        paginated.page_count,
        paginated.first_break,
        paginated.left_to_right,
        paginated.anchor_pages(),
        paginated.strings_set(),
        part.targets,
        economy.measure(paginated.pages),
    )


def placements(laid: Sequence[Laid], moved_right: frozenset[int] = frozenset()) -> list[Placement]:
    """Each part where the parts before it end (after a blank page, where it must open on the other side), its
    references to other parts at their pages; ``moved_right``: the parts chosen to open on a right-hand page."""
    firsts, blanks, first = [], [], 1
    for index, part in enumerate(laid):
        right = part.opens_right(index in moved_right)
        blank = right is not None and (first % 2 == 1) != right
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


def measured(laid: Sequence[Laid], placed: Sequence[Placement]) -> economy.Measured:
    """The book's sections as the parts, placed so, lay them out."""
    units = [unit for part in laid for unit in part.measured.units]
    pages = sum(part.measured.page_count + placement.blank_before for part, placement in zip(laid, placed, strict=True))
    return economy.Measured(units, pages, laid[0].measured.contents_fit)


@dataclass(frozen=True)
class RunPdf:
    """A run's pages, written: the PDF and what joining it needs, and where each of its pages begins."""

    written: Written
    page_starts: list[PageStart]


class Run:
    """Consecutive parts of the book, laid out in one process, sharing their fonts and parsed style sheets."""

    def __init__(self, parts: Sequence[Part], base_url: str, resources: ResourcePolicy, first_page: int):
        self.parts = list(parts)
        self.base_url, self.resources, self.first_page = base_url, resources, first_page
        self.shared = Shared()
        self.paginated: list[Paginated] = []

    def _paginate(self, part: Part, first_page: int) -> Paginated:
        html = weasyprint.HTML(
            string=part.html, base_url=self.base_url, url_fetcher=pdf.ConfinedFetcher(self.resources)
        )
        return Paginated(html, Placement(first_page, targets=dict.fromkeys(part.targets, 1)), self.shared)

    def paginate(self) -> list[Laid]:
        """Every part, each guessed to begin where the one before it ends."""
        first = self.first_page
        for part in self.parts:
            self.paginated.append(self._paginate(part, first))
            first += self.paginated[-1].page_count
        return [_laid(part, paginated) for part, paginated in zip(self.parts, self.paginated, strict=True)]

    def restyle(self, index: int, style: str) -> Laid:
        """Part ``index`` laid out again with ``style`` read last (the contents moved to a page of their own)."""
        part = self.parts[index]
        self.parts[index] = Part(part.ids, economy.with_style(part.html, style), part.targets)
        self.paginated[index] = self._paginate(self.parts[index], self.paginated[index].placement.first_page)
        return _laid(self.parts[index], self.paginated[index])

    def settle(self, placed: Sequence[Placement]) -> list[Laid]:
        for paginated, placement in zip(self.paginated, placed, strict=True):
            if paginated.placement != placement:
                paginated.settle(placement)
        return [_laid(part, paginated) for part, paginated in zip(self.parts, self.paginated, strict=True)]

    def write(self, booklet: bool) -> RunPdf:
        """The run's pages as one PDF; with ``booklet``, its last part made up to the booklet's multiple of four."""
        documents, starts = [], []
        held: set[str] = set()
        targets: set[str] = set()
        for index, paginated in enumerate(self.paginated):
            document = paginated.document()
            first = paginated.placement.first_page - paginated.placement.blank_before
            if booklet and index == len(self.paginated) - 1:
                pages = economy.booklet_pages(document, first)
                document = document.copy(pages) if pages is not None else document
            starts += [
                PageStart(start.number + first - 1, start.section, start.offset)
                for start in page_starts(document, paginated.html.etree_element)
            ]
            documents.append(document)
            held.update(paginated.anchor_pages())
            targets.update(paginated.placement.targets)
        run = documents[0].copy([page for document in documents for page in document.pages])
        # A link to another run is kept (WeasyPrint drops a link to an anchor it has not laid out): its anchor
        # stands in on the first page, until the runs are joined.
        stand_ins = frozenset(targets - held)
        for name in stand_ins:
            run.pages[0].anchors.setdefault(name, (0, 0, 0, 0))
        levels = tuple(level for page in run.pages for level, *_ in page.bookmarks)
        return RunPdf(Written(pdf.pdf_bytes(run), stand_ins, levels), starts)
