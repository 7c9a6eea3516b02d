"""Each face's program embedded once in a book written in many PDFs, cut as WeasyPrint would cut it for the whole.

WeasyPrint cuts a face down to the glyphs one document draws (HarfBuzz,
keeping each glyph's number). A book laid out in parts is written one PDF
a part; ``programs_left_out`` writes them with a stub in place of each
program, noting which glyphs each part drew and how WeasyPrint described
the face (``Drawn``); ``program`` cuts a face to every part's glyphs at
once, with WeasyPrint's own step, so the joined book embeds the program a
single layout would. Faces are named by WeasyPrint's hash of
their description, which every process computes alike.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from weasyprint.pdf import fonts as pdf_fonts
from weasyprint.text.ffi import ffi, harfbuzz

# Where HarfBuzz reads a face from memory: it copies the bytes, which then need not outlive the call.
HB_MEMORY_MODE_DUPLICATE = 0
# How many glyphs a ToUnicode CMap maps in one bfchar block (WeasyPrint's, and at most what the format allows).
CMAP_BATCH = 100
# How much of a program a part's PDF keeps: the tag that tells WeasyPrint a CFF program from a TrueType one.
STUB = 4

ffi.cdef(
    """
    hb_blob_t * hb_blob_create (const char *data, unsigned int length, int mode, void *user_data, void *destroy);
    hb_face_t * hb_face_create (hb_blob_t *blob, unsigned int index);
    """
)

# What a part's PDF leaves out of WeasyPrint's description of a face: its handles in HarfBuzz (made again from the
# program's bytes), the program (the same for every part), and what each document has of its own.
LEFT_OUT = ("hb_font", "hb_face", "file_content", "widths", "to_unicode", "missing")


@dataclass(frozen=True)
class Drawn:
    """What a part drew of a face: WeasyPrint's description of the face, as the part's first font of it had it,
    whether its hints are kept, the glyphs drawn (each one's number, with the text it stands for), and whether
    WeasyPrint kept the whole face (it does for a face drawn in a form)."""

    face: dict[str, Any]
    hinting: bool
    glyphs: dict[int, str]
    whole: bool = False


@contextlib.contextmanager
def programs_left_out(programs: dict[str, bytes]) -> Iterator[dict[str, Drawn]]:
    """What the PDF written meanwhile (in this process) drew of each face, by WeasyPrint's hash of it; the PDF has
    a stub for each program, and ``programs`` gains the whole program of each face it drew."""
    drawn: dict[str, Drawn] = {}
    clean = pdf_fonts.Font.clean

    def noting(font: pdf_fonts.Font, to_unicode: dict[int, str], hinting: bool) -> None:
        programs.setdefault(font.hash, font.file_content)
        described = {name: value for name, value in vars(font).items() if name not in LEFT_OUT}
        drawn[font.hash] = Drawn(described, hinting, dict(to_unicode), font.used_in_forms)
        if not font.used_in_forms:  # WeasyPrint reads a whole face's widths from its program once it is cleaned
            font.file_content = font.file_content[:STUB]

    pdf_fonts.Font.clean = noting
    try:
        yield drawn
    finally:
        pdf_fonts.Font.clean = clean


def program(whole: bytes, drawn: Sequence[Drawn]) -> tuple[bytes, bool]:
    """A face's program (``whole``) cut to the glyphs every part drew, as the first part describes the face, and
    whether it is an OpenType (CFF) program."""
    glyphs: dict[int, str] = {}
    for part in drawn:
        if (
            not part.glyphs
        ):  # a part kept the whole face (WeasyPrint does, for a face drawn in a form): so does the book
            glyphs = {}
            break
        glyphs.update(part.glyphs)
    font = object.__new__(pdf_fonts.Font)
    vars(font).update(drawn[0].face)
    font.file_content = whole
    # A glyph past the face's own stands for a character it lacks (Font.get_unused_glyph_id).
    font.missing = {glyph: glyph for glyph in glyphs if glyph >= font.glyph_count}
    blob = harfbuzz.hb_blob_create(whole, len(whole), HB_MEMORY_MODE_DUPLICATE, ffi.NULL, ffi.NULL)
    font.hb_face = ffi.gc(harfbuzz.hb_face_create(blob, font.index), harfbuzz.hb_face_destroy)
    harfbuzz.hb_blob_destroy(blob)
    font.clean(glyphs, drawn[0].hinting)
    return font.file_content, font.type == "otf"


def text_map(glyphs: dict[int, str]) -> bytes:
    """A ToUnicode CMap of ``glyphs`` (each glyph's number, with the text it stands for), as WeasyPrint writes one."""
    lines = [
        b"/CIDInit /ProcSet findresource begin",
        b"12 dict begin",
        b"begincmap",
        b"/CIDSystemInfo",
        b"<< /Registry (Adobe)",
        b"/Ordering (UCS)",
        b"/Supplement 0",
        b">> def",
        b"/CMapName /Adobe-Identity-UCS def",
        b"/CMapType 2 def",
        b"1 begincodespacerange",
        b"<0000> <ffff>",
        b"endcodespacerange",
    ]
    items = sorted(glyphs.items())
    for start in range(0, len(items), CMAP_BATCH):
        batch = items[start : start + CMAP_BATCH]
        lines.append(f"{len(batch)} beginbfchar".encode())
        lines += [f"<{glyph:04x}> <{text.encode('utf-16-be').hex()}>".encode() for glyph, text in batch]
        lines.append(b"endbfchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    return b"\n".join(lines)
