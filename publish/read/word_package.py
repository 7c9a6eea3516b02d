"""A Word document's package opened and checked, and what mammoth does not report read from its XML.

A .docx is a zip of XML parts. A file that is not one (a renamed .doc, a
password-protected document, which Word writes as an encrypted OLE file),
a damaged one or one that would unpack to far more than its size is one
PublishError naming it. From the parts this module reads the core
properties (title, author), and where the document had tracked changes and
comments: mammoth accepts the first as shown and leaves out the second
without a word, and the writer should know.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from publish.errors import PublishError, PublishWarning

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
DC = "http://purl.org/dc/elements/1.1/"
# The compound-file signature: Word 97–2003 documents, and any document saved with a password.
OLE_SIGNATURE = bytes.fromhex("d0cf11e0a1b11ae1")
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
ZIP_SIGNATURE = b"PK\x03\x04"
# What unpacking a damaged zip raises: a bad CRC, a cut-short stream, a method or encryption zipfile cannot read.
UNPACKING_ERRORS = (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError, RuntimeError)
# What a piece's package may unpack to: XML compresses tenfold, pictures not at all; a zip that claims more is
# damaged or built to exhaust memory.
MAX_UNPACKED_BYTES = 200_000_000
# The XML of a document's words (Word writes some 60 to 80 bytes of markup a word): a bound that keeps the
# conversion, which holds the whole document in memory several times over, within a build's time and memory.
MAX_TEXT_BYTES = 15_000_000
TEXT_PARTS = ("word/document.xml", "word/footnotes.xml", "word/endnotes.xml", "word/comments.xml")
# Beyond this many, the rest of a document's tracked changes or comments are counted, not listed one by one.
MAX_LISTED = 20
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)


@dataclass(frozen=True)
class WordPackage:
    """A checked .docx: its bytes (for mammoth), and the parts this module reads itself."""

    data: bytes
    parts: dict[str, etree._Element]

    def core(self, name: str) -> str:
        """A core property (``title``, ``creator``) with its spaces tidied, or ""."""
        core = self.parts.get("docProps/core.xml")
        found = core.find(f"{{{DC}}}{name}") if core is not None else None
        return " ".join("".join(found.itertext()).split()) if found is not None else ""


def open_package(path: Path) -> WordPackage:
    """The document at ``path``, checked as a zip of well-formed XML, or a PublishError that says what it is."""
    data = path.read_bytes()
    if data.startswith(OLE_SIGNATURE):
        if ENCRYPTED_STREAM in data:
            raise PublishError(
                "the Word document is password-protected: remove the password in Word (File, Info, Protect "
                "Document) and save it again",
                path,
            )
        raise PublishError(
            "this is an old Word 97–2003 document (.doc) named .docx: open it in Word and save it as a Word "
            "Document (.docx)",
            path,
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        if data.startswith(ZIP_SIGNATURE):
            raise PublishError(_damaged("the zip archive is cut short or broken"), path) from None
        raise PublishError(
            "is not a Word document (a .docx is a zip archive, and this file is not one): save it from Word as a "
            "Word Document (.docx)",
            path,
        ) from None
    with archive:
        names = set(archive.namelist())
        if "word/document.xml" not in names:
            raise PublishError(
                "is not a Word document: it is a zip archive with no word/document.xml in it", path
            ) from None
        if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
            raise PublishError(_damaged(f"it would unpack to more than {MAX_UNPACKED_BYTES // 1_000_000} MB"), path)
        text_bytes = sum(info.file_size for info in archive.infolist() if info.filename in TEXT_PARTS)
        if text_bytes > MAX_TEXT_BYTES:
            raise PublishError(
                f"the Word document's text is {text_bytes / 1_000_000:.0f} MB of XML, more than one piece may hold "
                f"({MAX_TEXT_BYTES // 1_000_000} MB, some 200,000 words): split it into several pieces",
                path,
            )
        parts = {}
        for name in (*TEXT_PARTS, "docProps/core.xml"):
            if name not in names:
                continue
            try:
                parts[name] = etree.fromstring(archive.read(name), _PARSER)
            except UNPACKING_ERRORS as error:
                raise PublishError(_damaged(f"{name} cannot be unpacked: {error}"), path) from None
            except etree.XMLSyntaxError as error:
                raise PublishError(_damaged(f"{name} is not well-formed XML: {error.msg}"), path) from None
        try:
            damaged = archive.testzip()
        except UNPACKING_ERRORS as error:
            raise PublishError(_damaged(str(error)), path) from None
        if damaged is not None:
            raise PublishError(_damaged(f"{damaged} is corrupt"), path)
    return WordPackage(data, parts)


def _damaged(why: str) -> str:
    return f"the Word document is damaged ({why}): open it in Word and save it again"


def changes_and_comments(package: WordPackage, path: Path) -> list[PublishWarning]:
    """A warning for each paragraph with tracked changes (accepted as shown) and for each comment (dropped)."""
    document = package.parts["word/document.xml"]
    paragraphs = [p for p in document.iter(f"{{{W}}}p") if _shown_text(p).strip() or _deleted_text(p).strip()]
    numbers = {p: number for number, p in enumerate(paragraphs, start=1)}
    warnings = []
    changed = [p for p in paragraphs if _changes(p)]
    for paragraph in changed[:MAX_LISTED]:
        warnings.append(
            PublishWarning(
                f"{_where(paragraph, numbers)} has tracked changes, accepted as shown: {_changes(paragraph)}", path
            )
        )
    if len(changed) > MAX_LISTED:
        warnings.append(
            PublishWarning(f"{len(changed) - MAX_LISTED} more paragraphs with tracked changes, accepted as shown", path)
        )
    for kind in ("footnote", "endnote"):
        notes = package.parts.get(f"word/{kind}s.xml")
        for note in notes.iter(f"{{{W}}}{kind}") if notes is not None else ():
            if _changes(note):
                number = note.get(f"{{{W}}}id")
                warnings.append(
                    PublishWarning(f"{kind} {number} has tracked changes, accepted as shown: {_changes(note)}", path)
                )
    comments = _comments(package)
    anchors = _comment_anchors(document)
    for number, (identifier, (author, said)) in enumerate(comments.items()):
        if number == MAX_LISTED:
            warnings.append(PublishWarning(f"dropped {len(comments) - MAX_LISTED} more comments", path))
            break
        anchored, paragraph = anchors.get(identifier, ("", None))
        on = f" on “{_clip(anchored, 8)}”" if anchored.strip() else ""
        at = f" in {_where(paragraph, numbers)}" if paragraph is not None else ""
        by = author or "someone"
        warnings.append(PublishWarning(f"dropped a comment by {by}{on}{at}: “{_clip(said, 12)}”", path))
    return warnings


def _changes(element: etree._Element) -> str:
    """What the tracked changes in ``element`` were, in a few words: "kept “sailed”; dropped “drifted”"."""
    said = []
    inserted = [_text(ins, "t") for ins in element.iter(f"{{{W}}}ins", f"{{{W}}}moveTo")]
    deleted = [_text(removed, "delText") for removed in element.iter(f"{{{W}}}del")]
    deleted += [_text(moved, "t") for moved in element.iter(f"{{{W}}}moveFrom")]
    if any(text.strip() for text in inserted):
        said.append("kept " + ", ".join(f"“{_clip(text, 6)}”" for text in inserted if text.strip()))
    if any(text.strip() for text in deleted):
        said.append("dropped " + ", ".join(f"“{_clip(text, 6)}”" for text in deleted if text.strip()))
    if not said and any(element.iter(f"{{{W}}}rPrChange", f"{{{W}}}pPrChange", f"{{{W}}}ins", f"{{{W}}}del")):
        said.append("its formatting as it is now")
    return "; ".join(said)


def _comments(package: WordPackage) -> dict[str, tuple[str, str]]:
    """Each comment's author and words, by id, in the order Word lists them."""
    part = package.parts.get("word/comments.xml")
    if part is None:
        return {}
    return {
        comment.get(f"{{{W}}}id", ""): (comment.get(f"{{{W}}}author", ""), " ".join(_text(comment, "t").split()))
        for comment in part.iter(f"{{{W}}}comment")
    }


def _comment_anchors(document: etree._Element) -> dict[str, tuple[str, etree._Element | None]]:
    """The words each comment is on, and the paragraph it starts in, by comment id."""
    anchors: dict[str, tuple[str, etree._Element | None]] = {}
    open_ranges: dict[str, list[str]] = {}
    paragraph = None
    for element in document.iter():
        if element.tag == f"{{{W}}}p":
            paragraph = element
        elif element.tag == f"{{{W}}}commentRangeStart":
            identifier = element.get(f"{{{W}}}id", "")
            open_ranges[identifier] = []
            anchors[identifier] = ("", paragraph)
        elif element.tag == f"{{{W}}}commentRangeEnd":
            identifier = element.get(f"{{{W}}}id", "")
            if identifier in open_ranges:
                anchors[identifier] = ("".join(open_ranges.pop(identifier)), anchors[identifier][1])
        elif element.tag == f"{{{W}}}t" and element.text:
            for words in open_ranges.values():
                words.append(element.text)
        elif element.tag == f"{{{W}}}commentReference":
            identifier = element.get(f"{{{W}}}id", "")
            anchors.setdefault(identifier, ("", paragraph))
    return anchors


def _where(paragraph: etree._Element, numbers: dict[etree._Element, int]) -> str:
    """ "paragraph 3 (“Later the boats…”)": its place among the paragraphs with words, and how it opens."""
    number = numbers.get(paragraph)
    opening = _clip(_shown_text(paragraph) or _deleted_text(paragraph), 5)
    return f"paragraph {number} (“{opening}”)" if number else f"a paragraph (“{opening}”)"


def _shown_text(element: etree._Element) -> str:
    return _text(element, "t")


def _deleted_text(element: etree._Element) -> str:
    return _text(element, "delText")


def _text(element: etree._Element, tag: str) -> str:
    return "".join(found.text or "" for found in element.iter(f"{{{W}}}{tag}"))


def _clip(text: str, words: int) -> str:
    """The first ``words`` words of ``text``, with an ellipsis if there were more."""
    found = re.findall(r"\S+", text)
    return " ".join(found[:words]) + ("…" if len(found) > words else "")
