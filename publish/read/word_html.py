"""A Word document's body as HTML in the shape the book's Markdown gives, by mammoth and a pass after it.

mammoth maps Word's styles to HTML (the map below adds quotes, and marks the
Title and Author paragraphs so that they become the piece's metadata rather
than its text). What it leaves in Word's own shape is settled here: its notes
become Python-Markdown's footnotes (``<sup id="fnref:1">`` calls and a
``div.footnote`` list), which markup/notes.py then places as every piece's
notes are placed; pictures are kept as files (word_images.py), described
from the document or shown as decorative with a warning; a table cell's one
paragraph becomes the cell's text. Nothing here makes the HTML safe: the
piece goes through markup/sanitize.py as raw HTML does.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import lxml.html
from lxml import etree

from publish.errors import PublishError, PublishWarning
from publish.read.config import slugify
from publish.read.word_images import images_folder, keep_image
from publish.read.word_package import WordPackage

STYLE_MAP = "\n".join(
    [
        "p[style-name='Quote'] => blockquote > p:fresh",
        "p[style-name='Intense Quote'] => blockquote > p:fresh",
        "p[style-name='Quotations'] => blockquote > p:fresh",  # LibreOffice's
        "p[style-name='Title'] => p.word-title:fresh",
        "p[style-name='Author'] => p.word-author:fresh",
    ]
)
# The pictures every e-reader shows; Word also holds EMF, WMF and TIFF, which none does.
IMAGE_SUFFIXES = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "image/svg+xml": ".svg",
}
PICTURE_NUMBER = "data-word-picture"
UNSHOWN = "data-word-unshown"
ID_PREFIX = "word-"
NOTE_CALL = re.compile(rf"#{ID_PREFIX}(?:footnote|endnote)-\d+$")
NOTE_ID = re.compile(rf"{ID_PREFIX}(?:footnote|endnote)-\d+$")
BACKLINK = re.compile(rf"#{ID_PREFIX}(?:footnote|endnote)-ref-\d+$")
# mammoth's words that need not reach the writer: text in a style it has no mapping for is kept as plain
# paragraphs and runs, as it should be in a book; a picture of a type browsers do not show has a warning of its own.
QUIET_MESSAGES = re.compile(r"^(Unrecognised (paragraph|run|table|numbering) style|Image of type .* is unlikely to)")
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_PARSER = lxml.html.HTMLParser(huge_tree=True, remove_comments=True)


@dataclass
class WordBody:
    """The converted body (a ``div`` holding it), the Title and Author paragraphs' words, and warnings."""

    container: lxml.html.HtmlElement
    title: str = ""
    author: str = ""
    warnings: list[PublishWarning] = field(default_factory=list)

    def first_heading(self) -> lxml.html.HtmlElement | None:
        return next(self.container.iter(*HEADINGS), None)

    def opens_with(self, element: lxml.html.HtmlElement) -> bool:
        return len(self.container) > 0 and self.container[0] is element

    def text(self) -> str:
        """The body as HTML, one top-level block a line."""
        return "\n".join(
            lxml.html.tostring(child, encoding="unicode", with_tail=False)
            for child in self.container
            if isinstance(child.tag, str)
        )


def convert(package: WordPackage, path: Path) -> WordBody:
    """The document's body, converted; a PublishError if mammoth cannot read it."""
    import mammoth  # only a book with Word pieces loads it

    name = slugify(path.stem)
    pictures: list[str] = []

    def picture(image) -> dict[str, str]:
        pictures.append(image.content_type or "")
        number = str(len(pictures))
        suffix = IMAGE_SUFFIXES.get(image.content_type or "")
        if suffix is None:
            kind = image.content_type or "of an unknown type"
            why = f"it is {kind}, which e-readers cannot show; insert it as a PNG or JPEG picture"
            return {"src": "", PICTURE_NUMBER: number, UNSHOWN: why}
        try:
            with image.open() as stream:
                data = stream.read()
        except Exception:  # mammoth refuses a picture linked from outside the document (its own error types)
            why = "it is linked to a file outside the document; insert the picture itself (not Link to File)"
            return {"src": "", PICTURE_NUMBER: number, UNSHOWN: why}
        try:
            kept = keep_image(data, f"{name}-picture-{number}{suffix}")
        except OSError as error:
            raise PublishError(f"cannot keep the document's pictures in {images_folder()} ({error})", path) from None
        return {"src": kept.as_uri(), PICTURE_NUMBER: number}

    try:
        result = mammoth.convert_to_html(
            io.BytesIO(package.data),
            style_map=STYLE_MAP,
            convert_image=mammoth.images.img_element(picture),
            id_prefix=ID_PREFIX,
        )
    except PublishError:
        raise
    except Exception as error:  # mammoth reads any XML it is given; whatever it trips on, the file is at fault
        raise PublishError(
            f"the Word document cannot be converted ({type(error).__name__}: {error}): open it in Word and save it "
            "again",
            path,
        ) from None
    container = lxml.html.fragment_fromstring(result.value or "", create_parent="div", parser=_PARSER)
    body = WordBody(container)
    body.warnings += [
        PublishWarning(f"left out what could not be converted: {message.message}", path)
        for message in dict.fromkeys(result.messages)
        if message.type in ("warning", "error") and not QUIET_MESSAGES.match(message.message)
    ]
    body.title = _take_paragraphs(container, "word-title")
    body.author = _take_paragraphs(container, "word-author")
    body.warnings += _settle_notes(container, path)
    body.warnings += _settle_pictures(container, path)
    body.warnings += _unlink_missing_bookmarks(container, path)
    _unwrap_cell_paragraphs(container)
    return body


def _take_paragraphs(container: lxml.html.HtmlElement, style_class: str) -> str:
    """The words of the paragraphs mammoth gave ``style_class``, which are removed from the body."""
    found = [p for p in container.iter("p") if p.get("class") == style_class]
    words = " ".join(" ".join(p.text_content().split()) for p in found)
    for paragraph in found:
        paragraph.drop_tree()
    return words.strip()


def _settle_notes(container: lxml.html.HtmlElement, path: Path) -> list[PublishWarning]:
    """Footnotes and endnotes alike, numbered in the order they are called, in Python-Markdown's footnote shape."""
    notes = {li.get("id"): li for li in container.iter("li") if NOTE_ID.match(li.get("id") or "")}
    lists = {li.getparent() for li in notes.values()}
    calls = [
        link
        for link in container.iter("a")
        if NOTE_CALL.match(link.get("href") or "") and link.getparent() is not None and link.getparent().tag == "sup"
    ]
    warnings = []
    footnotes = etree.Element("div", {"class": "footnote"})
    etree.SubElement(footnotes, "hr")
    listed = etree.SubElement(footnotes, "ol")
    number = 0
    for link in calls:
        sup, note = link.getparent(), notes.get(link.get("href", "")[1:])
        if note is None:
            warnings.append(PublishWarning(f"left out the call to a note ({link.text_content()}) with no text", path))
            sup.drop_tree()
            continue
        number += 1
        sup.attrib.clear()
        sup.set("id", f"fnref:{number}")
        link.attrib.clear()
        link.set("class", "footnote-ref")
        link.set("href", f"#fn:{number}")
        link.text = str(number)
        for child in list(link):
            link.remove(child)
        item = etree.SubElement(listed, "li", {"id": f"fn:{number}"})
        for backlink in [a for a in note.iter("a") if BACKLINK.match(a.get("href") or "")]:
            backlink.drop_tree()
        item.text, item[:] = note.text, list(note)
        _trim(item)
    for note_list in lists:
        if note_list is not None and note_list.getparent() is not None:
            note_list.drop_tree()
    if number:
        container.append(footnotes)
    return warnings


def _trim(item: etree._Element) -> None:
    """A note's first and last words without the spaces mammoth kept around its number and its back-link."""
    blocks = [child for child in item if isinstance(child.tag, str)]
    if blocks:
        blocks[0].text = (blocks[0].text or "").lstrip() or None
        last = blocks[-1]
        tail_holder = last[-1] if len(last) else None
        if tail_holder is not None:
            tail_holder.tail = (tail_holder.tail or "").rstrip() or None
        else:
            last.text = (last.text or "").rstrip() or None


def _settle_pictures(container: lxml.html.HtmlElement, path: Path) -> list[PublishWarning]:
    """Pictures e-readers cannot show dropped, and those with no description marked decorative, each with a
    warning naming it by its place among the document's pictures and the words before it."""
    warnings = []
    for img in list(container.iter("img")):
        number = img.attrib.pop(PICTURE_NUMBER, "?")
        where = f"picture {number}{_after(img)}"
        unshown = img.attrib.pop(UNSHOWN, None)
        if unshown is not None:
            warnings.append(PublishWarning(f"left out {where}: {unshown}", path))
            img.drop_tree()
        elif not (img.get("alt") or "").strip():
            img.set("class", "decorative")
            warnings.append(
                PublishWarning(
                    f"{where} has no description (alt text): it is shown as decorative, which screen readers pass "
                    "over; describe it in Word (right-click it, View Alt Text) if it shows something",
                    path,
                )
            )
    return warnings


def _after(element: etree._Element) -> str:
    """(after “the last words before it”), to find a picture by in the document."""
    before = " ".join(element.xpath("preceding::text()")[-20:]).split()[-5:]
    return f" (after “…{' '.join(before)}”)" if before else " (at the start)"


def _unlink_missing_bookmarks(container: lxml.html.HtmlElement, path: Path) -> list[PublishWarning]:
    """A link to a bookmark the document no longer has (a heading deleted under its table of contents) keeps its
    words, unlinked: Word shows such a link without complaint, where a Markdown piece's would be an error."""
    ids = {element.get("id") for element in container.iter() if element.get("id")}
    warnings = []
    for link in list(container.iter("a")):
        href = link.get("href") or ""
        if href.startswith("#") and href[1:] not in ids:
            bookmark = href[1:].removeprefix(ID_PREFIX)
            warnings.append(
                PublishWarning(
                    f"the link “{' '.join(link.text_content().split())}” leads to a bookmark the document does not "
                    f"have ({bookmark}): its words are kept, unlinked",
                    path,
                )
            )
            link.drop_tag()
    return warnings


def _unwrap_cell_paragraphs(container: lxml.html.HtmlElement) -> None:
    """A table cell holding one paragraph holds its words: Word puts every cell's text in a paragraph."""
    for cell in container.iter("td", "th"):
        blocks = [child for child in cell if isinstance(child.tag, str)]
        if len(blocks) == 1 and blocks[0].tag == "p" and not (cell.text or "").strip():
            blocks[0].drop_tag()
