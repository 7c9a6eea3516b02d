"""Reading a text file a writer saved, whatever their editor did to it.

UTF-8 with or without a byte-order mark, any line endings; text kept
composed; what no book may hold refused with its line.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from publish.errors import PublishError

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def read_utf8(path: Path) -> str:
    """A text file's contents, whatever its line endings and with or without a byte-order mark.

    Characters XML cannot carry (NUL and the other C0 controls but tab and
    newline) are errors: they mean a binary or damaged file, and would make
    the EPUB unreadable.
    """
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise PublishError(f"not UTF-8 text{_guess_encoding(data)}: save the file as UTF-8", path, line) from None
    # Composed (NFC), as Standard Ebooks' tools keep text: a decomposed "é" shares its glyph with the composed
    # ones, and a PDF maps each glyph to one text, so one decomposed letter made every "é" copy out decomposed.
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    control = CONTROL_CHARACTERS.search(text)
    if control:
        line = text.count("\n", 0, control.start()) + 1
        what = (
            "a NUL byte (is this a binary file?)"
            if control.group() == "\0"
            else f"the control character U+{ord(control.group()):04X}"
        )
        raise PublishError(f"contains {what}, which cannot go into a book: remove it", path, line)
    return text


def _guess_encoding(data: bytes) -> str:
    """Most text that is not UTF-8 is Windows-1252 or Latin-1; say so, with the command that converts it."""
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return ""
    return " (it looks like Windows-1252 or Latin-1; convert it with: iconv -f cp1252 -t utf-8)"
