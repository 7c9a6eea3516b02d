"""Each face's program cut once for a book written in several PDFs, as WeasyPrint would cut it for the whole.

WeasyPrint cuts a face down to the glyphs one document draws (HarfBuzz,
keeping each glyph's number). The runs of a book laid out in parts each
draw some of a face's glyphs; ``recorded`` notes, as a run's PDF is
written, which glyphs each face drew and the face as WeasyPrint had it
before cutting; ``program`` cuts a face to every run's glyphs at once, with
WeasyPrint's own step, so the joined book embeds the program a single
layout would. Faces are named by WeasyPrint's hash of their description,
which every process computes alike.
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
# WeasyPrint's handles on a face in HarfBuzz, made again from its bytes where the face is cut for the book.
HANDLES = ("hb_font", "hb_face")

ffi.cdef(
    """
    hb_blob_t * hb_blob_create (const char *data, unsigned int length, int mode, void *user_data, void *destroy);
    hb_face_t * hb_face_create (hb_blob_t *blob, unsigned int index);
    """
)


@dataclass(frozen=True)
class FaceUse:
    """A face as one PDF drew it: WeasyPrint's description of the face, its whole program included, and the
    glyphs drawn (their numbers, with the text each stands for; none: the whole face was kept), and whether its
    hints were kept."""

    font: dict[str, Any]
    glyphs: dict[int, str]
    hinting: bool


@contextlib.contextmanager
def recorded() -> Iterator[dict[str, FaceUse]]:
    """The faces the PDFs written meanwhile (in this process) drew, by WeasyPrint's hash."""
    faces: dict[str, FaceUse] = {}
    clean = pdf_fonts.Font.clean

    def recording(font: pdf_fonts.Font, to_unicode: dict[int, str], hinting: bool) -> None:
        state = {name: value for name, value in vars(font).items() if name not in HANDLES}
        faces[font.hash] = FaceUse(state, dict(to_unicode), hinting)
        clean(font, to_unicode, hinting)

    pdf_fonts.Font.clean = recording
    try:
        yield faces
    finally:
        pdf_fonts.Font.clean = clean


def program(uses: Sequence[FaceUse]) -> tuple[bytes, bool]:
    """The face's program cut to the glyphs every use drew, and whether it is an OpenType (CFF) program."""
    glyphs: dict[int, str] = {}
    for use in uses:
        if not use.glyphs:  # one PDF kept the whole face: so does the book
            glyphs = {}
            break
        glyphs.update(use.glyphs)
    font = object.__new__(pdf_fonts.Font)
    vars(font).update(uses[0].font)
    font.missing = {codepoint: glyph for use in uses for codepoint, glyph in use.font["missing"].items()}
    data = font.file_content
    blob = harfbuzz.hb_blob_create(data, len(data), HB_MEMORY_MODE_DUPLICATE, ffi.NULL, ffi.NULL)
    font.hb_face = ffi.gc(harfbuzz.hb_face_create(blob, font.index), harfbuzz.hb_face_destroy)
    harfbuzz.hb_blob_destroy(blob)
    font.clean(glyphs, uses[0].hinting)
    return font.file_content, font.type == "otf"
