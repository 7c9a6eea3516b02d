"""The print edition's parts, written one PDF a part, joined into the book's one PDF with pikepdf.

The book is the same bytes however its parts were grouped to be laid out
(how many processes, which parts an earlier build lent): each part's
objects come whole from its own PDF, what the join makes (the names, the
outline, each face's program and text map) is made from every part's
``Joinable``, and qpdf numbers the objects as it writes them. ``join``
gathers the parts' PDFs; ``splice`` puts new parts in place of old ones in
a book joined before, keeping the pages of the others.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pikepdf

from publish.outputs.weasyprint_fonts import Drawn, program, text_map

# A font descriptor's embedded program: TrueType, or OpenType (here, CFF-based).
PROGRAMS = ("/FontFile2", "/FontFile3")


@dataclass(frozen=True)
class Bookmark:
    level: int
    title: str
    page: int
    left: float
    top: float
    closed: bool


@dataclass(frozen=True)
class Joinable:
    """What joining needs of a part besides its pages: how many it has, its named destinations and bookmarks
    (pages counted from its first), and what it drew of each face, by WeasyPrint's hash of it (its programs are
    stubs: weasyprint_fonts.py)."""

    pages: int
    destinations: dict[str, tuple[int, float, float]]
    bookmarks: tuple[Bookmark, ...]
    drawn: dict[str, Drawn]


@dataclass(frozen=True)
class Written:
    """A part's PDF, and what joining it needs."""

    pdf: bytes
    joinable: Joinable


def written(pdf: bytes, stand_ins: frozenset[str], levels: tuple[int, ...], drawn: dict[str, Drawn]) -> Written:
    """A part's PDF as WeasyPrint wrote it, with what joining it needs: its anchors but ``stand_ins`` (those it
    only links to, which WeasyPrint was given a place for on its first page), and its bookmarks, whose
    ``levels`` WeasyPrint knows and its outline does not keep."""
    with pikepdf.Pdf.open(io.BytesIO(pdf)) as source:
        index_of = {page.obj.objgen: index for index, page in enumerate(source.pages)}
        destinations = {}
        if "/Names" in source.Root and "/Dests" in source.Root.Names:
            for name, target in pikepdf.NameTree(source.Root.Names.Dests).items():
                if name not in stand_ins:
                    destinations[str(name)] = (index_of[_page(target)], *_xyz(target))
        with source.open_outline() as outline:
            items = list(_flattened(outline.root))
        bookmarks = tuple(
            Bookmark(level, item.title, index_of[_page(item.destination)], *_xyz(item.destination), item.is_closed)
            for level, item in zip(levels, items, strict=True)
        )
        return Written(pdf, Joinable(len(source.pages), destinations, bookmarks, drawn))


def join(parts: Sequence[Written], programs: dict[str, bytes]) -> bytes:
    """One PDF of the parts' pages, with their links, named destinations and outline, and each face's program (of
    ``programs``, whole) embedded once; the document's information and language are the parts' own (they share
    their head)."""
    book = pikepdf.Pdf.new()
    for number, part in enumerate(parts):
        source = pikepdf.Pdf.open(io.BytesIO(part.pdf))
        if number == 0:
            book.trailer.Info = book.copy_foreign(source.docinfo)
            if "/Lang" in source.Root:
                book.Root.Lang = pikepdf.String(str(source.Root.Lang))
        book.pages.extend(source.pages)
    return _finished(book, [part.joinable for part in parts], programs)


def splice(
    earlier: bytes,
    kept: Sequence[bool],
    earlier_parts: Sequence[Joinable],
    parts: Sequence[Written | Joinable],
    programs: dict[str, bytes],
) -> bytes:
    """The book ``earlier`` with the new parts (those of ``parts`` that are ``Written``) in place of its parts not
    ``kept``; the kept parts come in the same order.

    The pages are copied into a new document in the book's order, as
    ``join`` copies them: qpdf numbers the objects of an object stream in
    the order they were made, so the book is the same bytes as one joined
    from every part's own PDF.
    """
    source = pikepdf.Pdf.open(io.BytesIO(earlier))
    ends = list(itertools.accumulate(part.pages for part in earlier_parts))
    ranges = iter((end - part.pages, end) for keep, part, end in zip(kept, earlier_parts, ends, strict=True) if keep)
    book = pikepdf.Pdf.new()
    book.trailer.Info = book.copy_foreign(source.docinfo)
    if "/Lang" in source.Root:
        book.Root.Lang = pikepdf.String(str(source.Root.Lang))
    copying: list[int] = []  # the earlier pages to copy next, gathered while they follow one another
    for part in parts:
        if isinstance(part, Written):
            book.pages.extend(source.pages[index] for index in copying)
            copying = []
            with pikepdf.Pdf.open(io.BytesIO(part.pdf)) as new:
                book.pages.extend(new.pages)
        else:
            copying.extend(range(*next(ranges)))
    book.pages.extend(source.pages[index] for index in copying)
    return _finished(book, [_joinable(part) for part in parts], programs)


def _joinable(part: Written | Joinable) -> Joinable:
    return part.joinable if isinstance(part, Written) else part


def _finished(book: pikepdf.Pdf, parts: Sequence[Joinable], programs: dict[str, bytes]) -> bytes:
    """The book's named destinations, outline and fonts made from its parts', and the book written."""
    firsts = [0]
    for part in parts:
        firsts.append(firsts[-1] + part.pages)
    destinations = {
        name: (first + page, left, top)
        for part, first in zip(parts, firsts, strict=False)
        for name, (page, left, top) in part.destinations.items()
    }
    names = pikepdf.NameTree.new(book)
    for name in sorted(destinations):
        page, left, top = destinations[name]
        names[name] = pikepdf.Array([book.pages[page].obj, pikepdf.Name.XYZ, left, top, 0])
    book.Root.Names = pikepdf.Dictionary(Dests=names.obj)
    if "/Outlines" in book.Root:
        del book.Root.Outlines
    with book.open_outline() as outline:
        _nest(
            outline.root,
            [
                (mark.level, _item(mark, first + mark.page))
                for part, first in zip(parts, firsts, strict=False)
                for mark in part.bookmarks
            ],
        )
    _embed(book, programs, parts, firsts)
    out = io.BytesIO()
    book.save(out, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return out.getvalue()


def _item(mark: Bookmark, page: int) -> pikepdf.OutlineItem:
    item = pikepdf.OutlineItem(mark.title, page, "XYZ", left=mark.left, top=mark.top)
    item.is_closed = mark.closed
    return item


def _xyz(destination: Any) -> tuple[float, float]:
    """A WeasyPrint destination's point: [page /XYZ left top zoom]."""
    return float(destination[2]), float(destination[3])


def _page(destination: Any) -> tuple[int, int]:
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


def _embed(book: pikepdf.Pdf, programs: dict[str, bytes], parts: Sequence[Joinable], firsts: Sequence[int]) -> None:
    """Each face's program embedded once, cut to the glyphs every part drew, and one map from its glyphs to their
    text, shared by the parts whose glyphs it maps as they do (a part that disagrees has its own)."""
    drawn: dict[str, list[Drawn]] = {}
    for part in parts:
        for face, drawing in part.drawn.items():
            drawn.setdefault(face, []).append(drawing)
    maps: dict[str, dict[int, str]] = {}
    for face, drawings in drawn.items():
        merged = maps[face] = {}
        for drawing in drawings:
            for glyph, text in drawing.glyphs.items():
                merged.setdefault(glyph, text)
    embedded = {face: _program(book, programs[face], drawn[face]) for face in sorted(drawn) if face in programs}
    shared_maps = {face: book.make_stream(text_map(glyphs)) for face, glyphs in sorted(maps.items())}
    for part, first in zip(parts, firsts, strict=False):
        for font in _fonts(book.pages[first : first + part.pages]):
            descriptor = font.DescendantFonts[0].FontDescriptor
            face = str(descriptor.FontName)[1:].partition("+")[0]
            if face not in embedded:
                continue
            for key in PROGRAMS:
                if key in descriptor:
                    del descriptor[key]
            shared = embedded[face]
            descriptor[PROGRAMS[shared.get("/Subtype") == pikepdf.Name.OpenType]] = shared
            own = part.drawn[face].glyphs if face in part.drawn else {}
            agrees = all(maps[face][glyph] == text for glyph, text in own.items())
            font.ToUnicode = shared_maps[face] if agrees else book.make_stream(text_map(own))


def _program(book: pikepdf.Pdf, whole: bytes, drawn: list[Drawn]) -> pikepdf.Stream:
    data, opentype = program(whole, drawn)
    stream = book.make_stream(data)
    if opentype:
        stream.Subtype = pikepdf.Name.OpenType
    else:
        stream.Length1 = len(data)
    return stream


def _fonts(pages: Sequence[pikepdf.Page]) -> Iterator[pikepdf.Object]:
    """The composite fonts with an embedded program that ``pages`` use, each once."""
    seen: set[tuple[int, int]] = set()
    for page in pages:
        resources = page.obj.get("/Resources")
        fonts = resources.get("/Font") if resources is not None else None
        for _, font in fonts.items() if fonts is not None else ():
            if font.objgen in seen or font.get("/Subtype") != "/Type0":
                continue
            seen.add(font.objgen)
            descriptor = font.DescendantFonts[0].get("/FontDescriptor")
            if descriptor is not None and any(key in descriptor for key in PROGRAMS):
                yield font
