"""The print edition laid out in parts (the front matter, each piece with its warning, the back matter) and joined.

A piece is a natural unit of layout: its pages break the same wherever it
starts, its running heads and notes are its own, and only a few page numbers
cross between pieces (the contents', each warning's "skip to page", a
spoiler's "revealed on page"). Each part is paginated with a guess at where
it falls (weasyprint_parts.py); then, in the book's order, each is settled
where the parts before it end, its references to other parts set with their
pages, until no page number moves; then each is written, and the PDFs are
joined into one, with the book's links, outline and metadata.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import lxml.html
import pikepdf
import weasyprint

from publish.outputs.weasyprint_parts import Paginated, Placement
from publish.outputs.weasyprint_shared import Shared

# The body's elements a part begins with (templates/book.html): a piece, or the warning before it.
PIECE, WARNING = "piece", "spoiler-warning"
# How often the parts are settled again for page numbers that moved, at most (each time, fewer move).
MAX_SETTLINGS = 4


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


def paginate(
    part: Part, base_url: str, fetcher: weasyprint.urls.URLFetcher, first_page: int, shared: Shared
) -> Paginated:
    """A part paginated as if it began on ``first_page``, its references to other parts on page 1."""
    html = weasyprint.HTML(string=part.html, base_url=base_url, url_fetcher=fetcher)
    return Paginated(html, Placement(first_page, targets=dict.fromkeys(part.targets, 1)), shared)


def settle(paginated: Sequence[Paginated]) -> list[Placement]:
    """Each part where the parts before it end, each reference to another part at its page: again, until none
    moves."""
    placements: list[Placement] = []
    for _ in range(MAX_SETTLINGS):
        anchors: dict[str, int] = {}
        for part in paginated:
            anchors.update(part.anchor_pages())
        counts = [part.page_count + part.placement.blank_before for part in paginated]
        total = sum(counts)
        first, wanted = 1, []
        strings: dict[str, str] = {}
        for part in paginated:
            blank = part.opens_right is not None and (first % 2 == 1) != part.opens_right
            placement = Placement(
                first + blank, total, strings, {name: anchors[name] for name in part.placement.targets}, blank
            )
            wanted.append(placement)
            first += part.page_count + blank
            strings = {**strings, **part.strings_set()}
        if wanted == placements:
            break
        placements = wanted
        for part, placement in zip(paginated, placements, strict=True):
            if part.placement != placement:
                part.settle(placement)
    return placements


def lay_out(
    parts: Sequence[Part],
    base_url: str,
    fetcher: Callable[[], weasyprint.urls.URLFetcher],
    first_pages: Sequence[int] | None = None,
) -> bytes:
    """The book's PDF, from its parts laid out one after another, each guessed to begin at ``first_pages``
    (by default, where the parts before it end)."""
    paginated: list[Paginated] = []
    first, shared = 1, Shared()
    for index, part in enumerate(parts):
        paginated.append(paginate(part, base_url, fetcher(), first_pages[index] if first_pages else first, shared))
        first += paginated[-1].page_count
    settle(paginated)
    return join([written(part.document(), frozenset(part.placement.targets)) for part in paginated])


@dataclass(frozen=True)
class Written:
    """A part's PDF, with what joining it needs: the anchors it only links to (WeasyPrint gave them a stand-in
    destination, dropped in the join) and the level of each of its bookmarks, in order."""

    pdf: bytes
    stand_ins: frozenset[str]
    levels: tuple[int, ...]


def written(document: weasyprint.Document, stand_ins: frozenset[str]) -> Written:
    levels = tuple(level for page in document.pages for level, *_ in page.bookmarks)
    return Written(document.write_pdf(), stand_ins, levels)


def join(parts: Sequence[Written]) -> bytes:
    """One PDF of the parts' pages, with their links, named destinations and outline; the document's
    information and catalogue entries are the first part's."""
    book = pikepdf.Pdf.new()
    destinations: dict[str, pikepdf.Array] = {}
    bookmarks: list[tuple[int, pikepdf.OutlineItem]] = []
    for number, part in enumerate(parts):
        source = pikepdf.Pdf.open(io.BytesIO(part.pdf))
        offset = len(book.pages)
        book.pages.extend(source.pages)
        index_of = {page.obj.objgen: offset + index for index, page in enumerate(source.pages)}
        if number == 0:
            book.trailer.Info = book.copy_foreign(source.docinfo)
            if "/Lang" in source.Root:
                book.Root.Lang = pikepdf.String(str(source.Root.Lang))
        if "/Names" in source.Root and "/Dests" in source.Root.Names:
            for name, target in pikepdf.NameTree(source.Root.Names.Dests).items():
                if name not in part.stand_ins:
                    destinations[str(name)] = _moved(target, book, index_of)
        with source.open_outline() as outline:
            items = list(_flattened(outline.root))
        for level, item in zip(part.levels, items, strict=True):
            page = index_of[_xyz_page(item.destination)]
            left, top = _xyz(item.destination)
            moved = pikepdf.OutlineItem(item.title, page, "XYZ", left=left, top=top)
            moved.is_closed = item.is_closed
            bookmarks.append((level, moved))
    names = pikepdf.NameTree.new(book)
    for name in sorted(destinations):
        names[name] = destinations[name]
    book.Root.Names = pikepdf.Dictionary(Dests=names.obj)
    with book.open_outline() as outline:
        _nest(outline.root, bookmarks)
    out = io.BytesIO()
    book.save(out, deterministic_id=True)
    return out.getvalue()


def _moved(target: pikepdf.Object, book: pikepdf.Pdf, index_of: dict) -> pikepdf.Array:
    """A destination on the part's page, on the same page of the book."""
    page = book.pages[index_of[_xyz_page(target)]].obj
    return pikepdf.Array([page, pikepdf.Name.XYZ, *_xyz(target), 0])


def _xyz(destination: Any) -> tuple[float, float]:
    """A WeasyPrint destination's point: [page /XYZ left top zoom]."""
    return float(destination[2]), float(destination[3])


def _xyz_page(destination: Any) -> tuple[int, int]:
    return destination[0].objgen


def _flattened(items: list) -> Iterator[pikepdf.OutlineItem]:
    for item in items:
        yield item
        yield from _flattened(item.children)


def _nest(root: list, bookmarks: list[tuple[int, pikepdf.OutlineItem]]) -> None:
    """The bookmarks as WeasyPrint nests them: each under the last one before it of a lower level."""
    stack: list[tuple[int, list]] = [(0, root)]
    for level, item in bookmarks:
        while len(stack) > 1 and stack[-1][0] >= level:
            stack.pop()
        stack[-1][1].append(item)
        stack.append((level, item.children))
