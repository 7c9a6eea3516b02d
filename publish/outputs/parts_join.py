"""The print edition's runs of parts, written apart, joined into the book's one PDF with pikepdf."""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pikepdf

# The longest charstring that draws nothing: a width (up to five bytes) and endchar.
EMPTY_CHARSTRING = 6
# A font descriptor's embedded program: TrueType, or OpenType (here, CFF-based).
PROGRAMS = ("/FontFile2", "/FontFile3")


@dataclass(frozen=True)
class Written:
    """A run's PDF, with what joining it needs: the anchors it only links to (WeasyPrint gave them a stand-in
    destination, dropped in the join) and the level of each of its bookmarks, in order."""

    pdf: bytes
    stand_ins: frozenset[str]
    levels: tuple[int, ...]


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
    _fonts_once(book)
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


def _fonts_once(book: pikepdf.Pdf) -> None:
    """Each face's program embedded once: the runs' subsets of it merged into one, shared by every run's font.

    WeasyPrint keeps a glyph's number (and name) in its subsets, leaving the
    glyphs it drops empty, so a face's subsets merge by taking each glyph from
    the subset that has it: the outlines of a TrueType face, or the
    self-contained charstrings of a CFF one.
    """
    programs: dict[tuple[str, str], dict[tuple[int, int], pikepdf.Object]] = {}
    for page in book.pages:
        resources = page.obj.get("/Resources")
        fonts = resources.get("/Font") if resources is not None else None
        for _, font in fonts.items() if fonts is not None else ():
            descriptor = _descriptor(font)
            program = next((key for key in PROGRAMS if descriptor is not None and key in descriptor), None)
            if descriptor is not None and program is not None:
                face = str(descriptor.FontName).partition("+")[2] or str(descriptor.FontName)
                programs.setdefault((face, program), {})[descriptor[program].objgen] = descriptor
    for (_, program), descriptors in programs.items():
        if len(descriptors) > 1:
            _merge(book, list(descriptors.values()), program)


def _descriptor(font: pikepdf.Object) -> pikepdf.Object | None:
    if font.get("/Subtype") != "/Type0":
        return None
    return font.DescendantFonts[0].get("/FontDescriptor")


def _merge(book: pikepdf.Pdf, descriptors: list[pikepdf.Object], program: str) -> None:
    from fontTools.ttLib import TTFont

    fonts = [TTFont(io.BytesIO(descriptor[program].read_bytes())) for descriptor in descriptors]
    merged = max(fonts, key=lambda font: len(font.getGlyphOrder()))
    glyphs, order = _glyphs(merged), merged.getGlyphOrder()
    if glyphs is None:
        return
    for font in fonts:
        theirs = _glyphs(font)
        if font is merged or theirs is None:
            continue
        # By number: a TrueType subset's glyph names come from its own character map, so they differ.
        for number, name in enumerate(font.getGlyphOrder()):
            if _drawn(theirs, name) and not _drawn(glyphs, order[number]):
                glyph = theirs[name]
                for component in getattr(glyph, "components", ()):
                    component.glyphName = order[font.getGlyphID(component.glyphName)]
                glyphs[order[number]] = glyph
                merged["hmtx"][order[number]] = font["hmtx"][name]
    data = io.BytesIO()
    merged.save(data)
    shared = book.make_stream(data.getvalue())
    for key in ("/Subtype", "/Length1"):
        if key in descriptors[0][program]:
            shared[key] = descriptors[0][program][key]
    if "/Length1" in shared:
        shared.Length1 = len(data.getvalue())
    for descriptor in descriptors:
        descriptor[program] = shared


def _glyphs(font: Any) -> Any:
    """The font's glyphs by name: its TrueType outlines, or its CFF charstrings (None for other kinds)."""
    if "glyf" in font:
        return font["glyf"]
    if "CFF " in font:
        return font["CFF "].cff.topDictIndex[0].CharStrings
    return None


def _drawn(glyphs: Any, name: str) -> bool:
    """Whether a glyph has an outline (a subset leaves the glyphs it drops empty)."""
    glyph = glyphs[name]
    if hasattr(glyph, "numberOfContours"):
        return bool(glyph.numberOfContours)
    # A charstring too long to be a width and an end draws: read as bytes, it is copied and written as it was.
    if len(getattr(glyph, "bytecode", None) or b"") > EMPTY_CHARSTRING:
        return True
    glyph.decompile()
    return any(isinstance(operator, str) and operator.endswith("moveto") for operator in glyph.program) or (
        len(glyph.program) >= 5 and glyph.program[-1] == "endchar"  # an accented letter, as two glyphs (seac)
    )
