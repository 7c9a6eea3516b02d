"""The print edition's parts, written one PDF a part, joined into the book's one PDF.

The book is the same bytes however its parts were grouped to be laid out
(how many processes, which parts an earlier build kept): each part's PDF is
read once, as it is written, into what joining it needs (``Joinable``: its
objects as templates, pdf_objects.py), and the book is written from those
alone. What the join makes (the page tree, the names, the outline, each
face's program, text map and widths: parts_fonts.py) is made from every
part's ``Joinable``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pikepdf

from publish.outputs.parts_fonts import BookFonts, widths_of
from publish.outputs.pdf_objects import Numbering, Template, Writer, real, rendered, symbol, templates, text
from publish.outputs.weasyprint_fonts import Drawn, program, text_map

# A font descriptor's embedded program: TrueType, or OpenType (here, CFF-based).
PROGRAMS = ("/FontFile2", "/FontFile3")
# How an annotation says what it is, as qpdf writes a part's objects (sorted keys, one space): WeasyPrint 70 gives
# every annotation it makes (links, form fields) its /Type.
ANNOTATION = b"/Type /Annot"
# The book's own objects' numbers; each face's program and text map follow, then the parts.
CATALOG, PAGES, INFO = 1, 2, 3


@dataclass(frozen=True)
class Bookmark:
    level: int
    title: str
    page: int
    left: float
    top: float
    closed: bool


@dataclass(frozen=True)
class CutFace:
    """A face's program cut to the glyphs the book draws, and its map from glyphs to text, compressed as the book
    holds them; ``cut_for`` says what they were cut for (the next build's join takes them as they are when it is
    the same: cutting four faces was a third of a join's time)."""

    cut_for: str
    program: bytes
    opentype: bool
    text_map: bytes
    # The program's length before it was compressed (a TrueType program's stream says it).
    program_length: int


@dataclass(frozen=True)
class Joinable:
    """What joining needs of a part: its objects (``objects``, its pages among them at ``page_objects``), its
    named destinations and bookmarks (pages counted from its first), what it drew of each face, by WeasyPrint's
    hash of it (its PDF had stubs for programs: weasyprint_fonts.py), and the document's information and language
    (every part has the book's); each face's widths and box, which its font holds only for the glyphs the part
    drew, are left out of the objects for the book to give (so that the parts' fonts are one font, written once)."""

    objects: tuple[Template, ...]
    page_objects: tuple[int, ...]
    destinations: dict[str, tuple[int, float, float]]
    bookmarks: tuple[Bookmark, ...]
    drawn: dict[str, Drawn]
    info: bytes
    lang: bytes | None
    # Each face's widths, by glyph, and its font's box, as the part's own font gave them: left for the book to give.
    widths: dict[str, dict[int, bytes]] = dataclasses.field(default_factory=dict)
    boxes: dict[str, tuple[bytes, ...]] = dataclasses.field(default_factory=dict)

    @property
    def pages(self) -> int:
        return len(self.page_objects)


def joinable(pdf: bytes, stand_ins: frozenset[str], levels: tuple[int, ...], drawn: dict[str, Drawn]) -> Joinable:
    """What joining needs of a part's PDF as WeasyPrint wrote it: its anchors but ``stand_ins`` (those it only
    links to, which WeasyPrint was given a place for on its first page), its bookmarks, whose ``levels``
    WeasyPrint knows and its outline does not keep, and the objects its pages need, with each page's parent and
    each face's program and text map left for the book to give."""
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
        for page in source.pages:
            page.obj.Parent = symbol("pages")
        widths, boxes = {}, {}
        for font in _fonts(source.pages):
            face = _face(font)
            if face in drawn:
                descendant = font.DescendantFonts[0]
                descriptor = descendant.FontDescriptor
                key = next(key for key in PROGRAMS if key in descriptor)
                descriptor[key] = symbol(f"program:{face}")
                font.ToUnicode = symbol(f"map:{face}")
                # A second font of the face (WeasyPrint makes one a face) would keep its own.
                if face not in widths and "/W" in descendant and "/FontBBox" in descriptor:
                    widths[face] = widths_of(descendant.W)
                    boxes[face] = tuple(str(descriptor.FontBBox[side]).encode() for side in range(4))
                    descendant.W = symbol(f"widths:{face}")
                    descriptor.FontBBox = symbol(f"box:{face}")
        objects, page_objects = templates(source, [page.obj for page in source.pages])
        lang = source.Root.Lang.unparse() if "/Lang" in source.Root else None
        return Joinable(
            tuple(objects),
            tuple(page_objects),
            destinations,
            bookmarks,
            drawn,
            source.docinfo.unparse(resolved=True),
            lang,
            widths,
            boxes,
        )


def join(
    parts: Sequence[Joinable], programs: Mapping[str, bytes], cut_before: Mapping[str, CutFace]
) -> tuple[bytes, dict[str, CutFace]]:
    """One PDF of the parts' pages, with their links, named destinations and outline; each face's program (of
    ``programs``, whole) embedded once, cut to the glyphs every part drew, and one map from its glyphs to their
    text, shared by the parts whose glyphs it maps as they do (a part that disagrees has its own). Each face is cut
    as it was ``cut_before`` where that was for the same glyphs; the faces as cut now come back with the PDF."""
    drawn: dict[str, list[Drawn]] = {}
    for part in parts:
        for face, drawing in part.drawn.items():
            drawn.setdefault(face, []).append(drawing)
    maps: dict[str, dict[int, str]] = {}
    for face, drawings in drawn.items():
        merged = maps[face] = {}
        for drawing in drawings:
            for glyph, glyph_text in drawing.glyphs.items():
                merged.setdefault(glyph, glyph_text)
    writer, numbering = Writer(), Numbering(INFO + 1)
    shared: dict[str, dict[str, int]] = {}
    cut: dict[str, CutFace] = {}
    fonts = BookFonts(parts)
    for face in sorted(drawn):
        cut[face] = _cut(face, programs[face], drawn[face], maps[face], cut_before.get(face))
        kind = b"/Subtype /OpenType" if cut[face].opentype else b"/Length1 %d" % cut[face].program_length
        shared[face] = {"program": numbering.take(), "map": numbering.take()}
        writer.stream(shared[face]["program"], b"<< %s /Filter /FlateDecode >>" % kind, cut[face].program)
        writer.stream(shared[face]["map"], b"<< /Filter /FlateDecode >>", cut[face].text_map)
    if faces_fonts := fonts.written(numbering):
        writer.packed(numbering.take(), faces_fonts)
    pages: list[int] = []
    for part in parts:
        symbols = {"pages": PAGES}
        for face, drawing in sorted(part.drawn.items()):
            symbols[f"program:{face}"] = shared[face]["program"]
            if all(maps[face][glyph] == glyph_text for glyph, glyph_text in drawing.glyphs.items()):
                symbols[f"map:{face}"] = shared[face]["map"]
            else:
                symbols[f"map:{face}"] = number = numbering.take()
                writer.stream(number, b"<< /Filter /FlateDecode >>", zlib.compress(text_map(drawing.glyphs)))
        given, packed = fonts.given(part, numbering)
        symbols.update(given)
        # A page is in the book once, and so is an annotation: the PDF standard gives one only one page.
        alone = [*part.page_objects, *(index for index, kept in enumerate(part.objects) if _annotation(kept))]
        numbers, new = numbering.part(part.objects, alone, symbols)
        for index in new:
            template = part.objects[index]
            if template.data is None:
                packed.append((numbers[index], rendered(template, numbers, symbols)))
            else:
                writer.stream(numbers[index], rendered(template, numbers, symbols), template.data)
        if packed:
            writer.packed(numbering.take(), packed)
        pages += [numbers[index] for index in part.page_objects]
    number = numbering.take()
    writer.packed(number, _book_objects(parts, pages, number + 1))
    return writer.finished(CATALOG, INFO), cut


def _annotation(kept: Template) -> bool:
    return kept.data is None and any(ANNOTATION in piece for piece in kept.pieces)


def _cut(face: str, whole: bytes, drawings: list[Drawn], glyphs: dict[int, str], before: CutFace | None) -> CutFace:
    """The face cut for the glyphs ``drawings`` drew (``glyphs``, with their text), or as ``before`` was, if for
    the same."""
    first = drawings[0]
    whole_kept = any(not drawing.glyphs for drawing in drawings)
    described = (face, whole_kept, sorted(glyphs.items()), first.hinting, first.face)
    # The program too: WeasyPrint's hash of a face is of its description, which an updated font file may keep.
    cut_for = hashlib.sha256(
        hashlib.sha256(whole).digest() + repr(described).encode("utf-8", "surrogatepass")
    ).hexdigest()
    if before is not None and before.cut_for == cut_for:
        return before
    data, opentype = program(whole, drawings)
    return CutFace(cut_for, zlib.compress(data), opentype, zlib.compress(text_map(glyphs)), len(data))


def _book_objects(parts: Sequence[Joinable], pages: Sequence[int], number: int) -> list[tuple[int, bytes]]:
    """The catalog, page tree, information, named destinations and outline, the last two numbered from
    ``number``."""
    firsts = [0]
    for part in parts:
        firsts.append(firsts[-1] + part.pages)
    destinations = {
        name: (first + page, left, top)
        for part, first in zip(parts, firsts, strict=False)
        for name, (page, left, top) in part.destinations.items()
    }
    kids = b" ".join(b"%d 0 R" % page for page in pages)
    objects = [(PAGES, b"<< /Type /Pages /Kids [ %s ] /Count %d >>" % (kids, len(pages))), (INFO, parts[0].info)]
    catalog = b"/Type /Catalog /Pages %d 0 R" % PAGES
    if parts[0].lang is not None:
        catalog += b" /Lang " + parts[0].lang
    if destinations:
        names = b" ".join(
            text(name) + b" " + _destination(pages[page], left, top)
            for name, (page, left, top) in sorted(destinations.items())
        )
        objects.append((number, b"<< /Names [ %s ] >>" % names))
        catalog += b" /Names << /Dests %d 0 R >>" % number
        number += 1
    marks = [(mark, first + mark.page) for part, first in zip(parts, firsts, strict=False) for mark in part.bookmarks]
    if marks:
        objects += _outline(marks, pages, number)
        catalog += b" /Outlines %d 0 R" % number
    objects.append((CATALOG, b"<< %s >>" % catalog))
    return objects


def _destination(page: int, left: float, top: float) -> bytes:
    return b"[ %d 0 R /XYZ %s %s 0 ]" % (page, real(left), real(top))


@dataclass
class _Item:
    """An outline item (the root's ``mark`` is None), numbered, with the items under it."""

    mark: Bookmark | None
    number: int
    children: list[_Item]

    @property
    def closed(self) -> bool:
        return self.mark is not None and self.mark.closed

    def shown(self) -> int:
        """How many items under it are shown while it is open."""
        return sum(1 + (child.shown() if not child.closed else 0) for child in self.children)

    def fields(self) -> list[bytes]:
        """Its first and last item under it, and how many are shown (negative while it is closed)."""
        if not self.children:
            return []
        shown = self.shown()
        first, last = self.children[0].number, self.children[-1].number
        return [b"/First %d 0 R /Last %d 0 R /Count %d" % (first, last, -shown if self.closed else shown)]


def _outline(marks: Sequence[tuple[Bookmark, int]], pages: Sequence[int], root: int) -> list[tuple[int, bytes]]:
    """The outline's objects, its root numbered ``root``: the bookmarks (each with its page in the book) nested as
    WeasyPrint nests them, each under the last one before it of a lower level."""
    top = _Item(None, root, [])
    stack: list[tuple[int, _Item]] = [(0, top)]
    for number, (mark, page) in enumerate(marks, start=root + 1):
        while len(stack) > 1 and stack[-1][0] >= mark.level:
            stack.pop()
        item = _Item(dataclasses.replace(mark, page=page), number, [])
        stack[-1][1].children.append(item)
        stack.append((mark.level, item))
    objects = [(root, b"<< %s >>" % b" ".join([b"/Type /Outlines", *top.fields()]))]
    parents = [top]
    while parents:
        parent = parents.pop(0)
        for index, item in enumerate(parent.children):
            assert item.mark is not None, "only the root has no bookmark"
            fields = [
                b"/Title " + text(item.mark.title),
                b"/Parent %d 0 R" % parent.number,
                b"/Dest " + _destination(pages[item.mark.page], item.mark.left, item.mark.top),
            ]
            if index:
                fields.append(b"/Prev %d 0 R" % parent.children[index - 1].number)
            if index + 1 < len(parent.children):
                fields.append(b"/Next %d 0 R" % parent.children[index + 1].number)
            objects.append((item.number, b"<< %s >>" % b" ".join(fields + item.fields())))
            parents.append(item)
    return objects


def _xyz(destination: Any) -> tuple[float, float]:
    """A WeasyPrint destination's point: [page /XYZ left top zoom]."""
    return float(destination[2]), float(destination[3])


def _page(destination: Any) -> tuple[int, int]:
    return destination[0].objgen


def _flattened(items: list) -> Iterator[pikepdf.OutlineItem]:
    for item in items:
        yield item
        yield from _flattened(item.children)


def _fonts(pages: Iterable[pikepdf.Page]) -> Iterator[pikepdf.Object]:
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


def _face(font: pikepdf.Object) -> str:
    """WeasyPrint's hash of a font's face, which begins the name of its subset."""
    return str(font.DescendantFonts[0].FontDescriptor.FontName)[1:].partition("+")[0]
