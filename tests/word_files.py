"""Small Word documents for the tests, written here: python-docx for the body, styles and pictures, and the parts
it cannot make (notes, tracked changes, comments, links) assembled as WordprocessingML by hand."""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

import docx
import docx.enum.style
from docx.oxml import parse_xml

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PARTS = {
    "footnotes": ("footnotes", "footnote"),
    "endnotes": ("endnotes", "endnote"),
    "comments": ("comments", "comments"),
}


def png(width: int = 8, height: int = 6, colour: tuple[int, int, int] = (200, 60, 40)) -> bytes:
    """A tiny solid PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\0" + bytes(colour) * width
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def run(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


@dataclass
class WordFile:
    """A document being written: ``paragraph`` and friends add to its body; ``save`` writes the .docx."""

    title: str | None = None
    author: str | None = None
    document: docx.document.Document = field(default_factory=docx.Document)
    notes: dict[str, list[str]] = field(default_factory=lambda: {"footnotes": [], "endnotes": [], "comments": []})
    links: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        properties = self.document.core_properties
        properties.title = self.title or ""
        properties.author = self.author or ""
        properties.last_modified_by = ""

    def paragraph(self, text: str = "", style: str | None = None):
        if style and style not in [known.name for known in self.document.styles]:
            self.document.styles.add_style(style, docx.enum.style.WD_STYLE_TYPE.PARAGRAPH)
        return self.document.add_paragraph(text, style)

    def heading(self, text: str, level: int = 1) -> None:
        self.document.add_heading(text, level)

    def xml(self, runs: str, style: str | None = None) -> None:
        """A paragraph of hand-written runs (``run()``, note calls, tracked changes…)."""
        paragraph = self.document.add_paragraph(style=style)
        body = parse_xml(f'<w:body xmlns:w="{W}" xmlns:r="{R}">{runs}</w:body>')
        for child in list(body):
            paragraph._p.append(child)

    def note(self, kind: str, text: str) -> str:
        """A footnote or endnote holding ``text``; returns the run that calls it."""
        number = len(self.notes[kind]) + 1
        tag = PARTS[kind][1]
        self.notes[kind].append(
            f'<w:{tag} w:id="{number}"><w:p><w:r><w:{tag}Ref/></w:r>{run(" " + text)}</w:p></w:{tag}>'
        )
        return f'<w:r><w:{tag}Reference w:id="{number}"/></w:r>'

    def comment(self, on: str, text: str, by: str = "An Editor") -> str:
        """Runs holding ``on``, with a comment ``text`` on them."""
        number = len(self.notes["comments"])
        self.notes["comments"].append(
            f'<w:comment w:id="{number}" w:author="{escape(by)}" w:initials="AE"><w:p>{run(text)}</w:p></w:comment>'
        )
        return (
            f'<w:commentRangeStart w:id="{number}"/>{run(on)}<w:commentRangeEnd w:id="{number}"/>'
            f'<w:r><w:commentReference w:id="{number}"/></w:r>'
        )

    def link(self, address: str, text: str) -> str:
        self.links.append(address)
        return f'<w:hyperlink r:id="rIdLink{len(self.links)}">{run(text)}</w:hyperlink>'

    def picture(self, data: bytes, description: str | None) -> None:
        self.document.add_picture(io.BytesIO(data))
        properties = self.document.inline_shapes[-1]._inline.docPr
        properties.set("descr", description or "")

    def save(self, path: Path) -> Path:
        out = io.BytesIO()
        self.document.save(out)
        with zipfile.ZipFile(out) as original:
            parts = {name: original.read(name) for name in original.namelist()}
        types = parts["[Content_Types].xml"].decode()
        rels = parts["word/_rels/document.xml.rels"].decode()
        added = []
        for kind, (root, _) in PARTS.items():
            if not self.notes[kind]:
                continue
            tag = PARTS[kind][1]
            separators = (
                ""
                if kind == "comments"
                else "".join(
                    f'<w:{tag} w:type="{t}" w:id="{i}"><w:p><w:r><w:separator/></w:r></w:p></w:{tag}>'
                    for i, t in ((-1, "separator"), (0, "continuationSeparator"))
                )
            )
            parts[f"word/{kind}.xml"] = (
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                f'<w:{root} xmlns:w="{W}">{separators}{"".join(self.notes[kind])}</w:{root}>'
            ).encode()
            types = types.replace(
                "</Types>",
                f'<Override PartName="/word/{kind}.xml" ContentType="application/'
                f'vnd.openxmlformats-officedocument.wordprocessingml.{kind}+xml"/></Types>',
            )
            added.append(f'<Relationship Id="rId{kind}" Type="{RELATIONSHIP}/{kind}" Target="{kind}.xml"/>')
        for number, address in enumerate(self.links, start=1):
            added.append(
                f'<Relationship Id="rIdLink{number}" Type="{RELATIONSHIP}/hyperlink" Target="{escape(address)}"'
                ' TargetMode="External"/>'
            )
        parts["word/_rels/document.xml.rels"] = rels.replace("</Relationships>", "".join(added) + "</Relationships>")
        parts["[Content_Types].xml"] = types.encode()
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as written:
            for name, data in parts.items():
                written.writestr(name, data)
        return path


def tracked(inserted: str = "", deleted: str = "", by: str = "An Editor") -> str:
    """A tracked insertion and deletion, as Word writes them."""
    runs = ""
    if deleted:
        runs += (
            f'<w:del w:id="901" w:author="{by}" w:date="2026-01-02T10:00:00Z"><w:r><w:delText xml:space="preserve">'
            f"{escape(deleted)}</w:delText></w:r></w:del>"
        )
    if inserted:
        runs += f'<w:ins w:id="902" w:author="{by}" w:date="2026-01-02T10:00:00Z">{run(inserted)}</w:ins>'
    return runs


def without_core_properties(path: Path) -> Path:
    """The same document with no docProps/core.xml, as some tools write it."""
    with zipfile.ZipFile(path) as original:
        parts = {name: original.read(name) for name in original.namelist() if name != "docProps/core.xml"}
    parts["_rels/.rels"] = re.sub(rb"<Relationship [^>]*core-properties[^>]*/>", b"", parts["_rels/.rels"])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as written:
        for name, data in parts.items():
            written.writestr(name, data)
    return path
