"""The print edition's runs of parts, written apart, joined into the book's one PDF with pikepdf."""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pikepdf

from publish.outputs.weasyprint_fonts import FaceUse, program

# A font descriptor's embedded program: TrueType, or OpenType (here, CFF-based).
PROGRAMS = ("/FontFile2", "/FontFile3")


@dataclass(frozen=True)
class Written:
    """A run's PDF, with what joining it needs: the anchors it only links to (WeasyPrint gave them a stand-in
    destination, dropped in the join) and the level of each of its bookmarks, in order."""

    pdf: bytes
    stand_ins: frozenset[str]
    levels: tuple[int, ...]
    # The faces it drew, by WeasyPrint's hash of their description.
    faces: dict[str, FaceUse]


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
    uses: dict[str, list[FaceUse]] = {}
    for part in parts:
        for face, use in part.faces.items():
            uses.setdefault(face, []).append(use)
    _fonts_once(book, uses)
    out = io.BytesIO()
    book.save(out, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
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


def _fonts_once(book: pikepdf.Pdf, uses: dict[str, list[FaceUse]]) -> None:
    """Each face's program embedded once, cut to the glyphs every part drew (weasyprint_fonts.py), and shared
    by every part's font."""
    descriptors: dict[str, dict[tuple[int, int], pikepdf.Object]] = {}
    for page in book.pages:
        resources = page.obj.get("/Resources")
        fonts = resources.get("/Font") if resources is not None else None
        for _, font in fonts.items() if fonts is not None else ():
            descriptor = _descriptor(font)
            if descriptor is not None and any(key in descriptor for key in PROGRAMS):
                face = str(descriptor.FontName)[1:].partition("+")[0]
                descriptors.setdefault(face, {})[descriptor.objgen] = descriptor
    for face, found in descriptors.items():
        if len(found) < 2 or face not in uses:
            continue
        data, opentype = program(uses[face])
        shared = book.make_stream(data)
        if opentype:
            shared.Subtype = pikepdf.Name.OpenType
        else:
            shared.Length1 = len(data)
        for descriptor in found.values():
            for key in PROGRAMS:
                if key in descriptor:
                    del descriptor[key]
            descriptor[PROGRAMS[opentype]] = shared


def _descriptor(font: pikepdf.Object) -> pikepdf.Object | None:
    if font.get("/Subtype") != "/Type0":
        return None
    return font.DescendantFonts[0].get("/FontDescriptor")
