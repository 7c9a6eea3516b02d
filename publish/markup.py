"""Markdown and plain text → HTML fragments, one per piece and target.

The two targets differ only where the media differ: in print a note lives in
the text flow (WeasyPrint floats it to the page foot); in an EPUB it is an
``aside`` the reading system pops up from a ``noteref`` link.
"""

from __future__ import annotations

import html
import json
import re
import threading
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field
from pathlib import Path

import markdown
from markdown.extensions import Extension
from markdown.extensions.attr_list import AttrListExtension
from markdown.extensions.def_list import DefListExtension
from markdown.extensions.fenced_code import FencedCodeExtension
from markdown.extensions.footnotes import NBSP_PLACEHOLDER, FootnoteExtension
from markdown.extensions.smarty import SmartyExtension
from markdown.extensions.tables import TableExtension
from markdown.extensions.toc import TocExtension
from markdown.treeprocessors import Treeprocessor

from .errors import PublishError, PublishWarning
from .fragment import Image, finish_fragment
from .manuscript import Piece
from .resources import ResourcePolicy
from .sanitize import sanitize, sanitize_inline, strip_bidi_overrides
from .signals import OverBudget, cpu_budget
from .spoilers import REVEALS_TAG, SPOILER_FENCE, SpoilerExtension
from .structure import PHRASING
from .typography import typeset
from .wording import Wording, english

TARGETS = ("print", "epub")
CURLY_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})
# A hyphen closed up to the word before it and spaced after ("movie- or") is a dash.
LOOSE_DASH = re.compile(r"(?<=\w)- (?=\w)|(?<=\w) -- ?(?=\w)| - ")
# Characters, not named entities: EPUB documents are XML and know no &rsquo;.
SMARTY = {
    "substitutions": {
        "left-single-quote": "‘",
        "right-single-quote": "’",
        "left-double-quote": "“",
        "right-double-quote": "”",
        "left-angle-quote": "«",
        "right-angle-quote": "»",
        "mdash": "—",
        "ndash": "–",
        "ellipsis": "…",
    }
}
PAGE_FOOT_NOTES = 250
# CPU time a piece may take to convert: a million characters of prose take about a second.
CONVERT_SECONDS = 5.0
CONVERT_SECONDS_PER_MILLION_CHARACTERS = 20.0
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# Opening punctuation, the initial letter, then the rest of the first few
# words (up to four, stopping at a comma, colon, semicolon or dash). Smarty's
# quotes are still placeholders (STX…ETX) here, so they count as one token.
_STASHED = "\x02[^\x03]*\x03"
_WORD = f"(?:{_STASHED}|[^\\s,;:—–\x02])"
LEAD_IN = re.compile(f"((?:{_STASHED}|[^\\w\x02])*)(\\w)({_WORD}*(?:\\s{_WORD}+){{0,3}})(.*)", re.DOTALL)


@dataclass(frozen=True)
class RenderedPiece:
    """A piece as an HTML fragment for one target, plus what it refers to."""

    piece: Piece
    title: InlineText
    html: str
    images: list[Image] = field(default_factory=list)
    reveals_html: str = ""
    warnings: list[PublishWarning] = field(default_factory=list)

    def to_json(self) -> bytes:
        """Everything but the piece itself (which the reader of the cache has), for ``from_json``."""
        return json.dumps({
            "title": [str(self.title), self.title.markup],
            "html": self.html,
            "images": [[image.source, image.epub_name] for image in self.images],
            "reveals_html": self.reveals_html,
            "warnings": [[w.message, str(w.path) if w.path else None, w.line] for w in self.warnings],
        }).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes, piece: Piece) -> RenderedPiece:
        fields = json.loads(data)
        return cls(
            piece,
            InlineText(*fields["title"]),
            fields["html"],
            [Image(source, epub_name) for source, epub_name in fields["images"]],
            fields["reveals_html"],
            [PublishWarning(message, Path(path) if path else None, line) for message, path, line in fields["warnings"]],
        )


def render_piece(
    piece: Piece, target: str, spoiler_style: str, resources: ResourcePolicy | None = None, words: Wording | None = None
) -> RenderedPiece:
    """Render a piece's body to an HTML fragment for ``target`` (print or epub).

    ``spoiler_style`` says how marked spoilers are shown (see spoilers.py);
    with ``endnotes`` their words come back separately, as ``reveals_html``.
    ``resources`` says which files and addresses images may come from (by
    default the piece's own folder, and no network). ``words`` are the book's
    (its language, and what its spoiler markers say); by default English.
    """
    words = words or english()
    language = piece.meta.language or words.language
    warnings: list[PublishWarning] = []
    md = markdown.Markdown(
        # Instances, not names: a name is looked up among every installed package's entry points.
        extensions=[
            FootnoteExtension(),
            SmartyExtension(**SMARTY),
            TableExtension(),
            AttrListExtension(),
            DefListExtension(),
            FencedCodeExtension(),
            TocExtension(),
            SpoilerExtension(piece=piece, style=spoiler_style, words=words),
            PieceTreeExtension(piece, target, warnings),
        ],
        output_format="xhtml",
    )
    if piece.format == "text":
        _plain_text_only(md)
        source = plain_text_paragraphs(piece.body)
    else:
        source = piece.body
    source, overrides = strip_bidi_overrides(source, piece)
    budget = CONVERT_SECONDS + CONVERT_SECONDS_PER_MILLION_CHARACTERS * len(source) / 1_000_000
    try:
        with cpu_budget(budget):
            body, removals = sanitize(md.convert(source), piece)
            body, images, misplaced = finish_fragment(body, piece, target, resources or ResourcePolicy((piece.path.parent,)))
            body = typeset(body, language)
    except OverBudget:
        raise PublishError(
            f"converting this piece took more than {budget:.0f} s of CPU, far longer than its size needs: it holds a "
            "pattern that is slow to convert (thousands of unclosed '[' or '<', or of tags inside one word, say); "
            "remove it or put it in a code block",
            piece.path,
        ) from None
    warnings += overrides + removals + misplaced
    reveals = ""
    if spoiler_style == "endnotes":
        body, _, reveals = body.partition(REVEALS_TAG)
        reveals = reveals.removesuffix("</section>")
    return RenderedPiece(piece, inline(piece.meta.title, language), body, images, reveals, warnings)


class InlineText(str):
    """A short text from metadata (a title, a subtitle): plain as a string, marked up in templates.

    Metadata may use inline Markdown (``*La La Land*``); the string value is
    the plain text, for PDF and EPUB metadata, while Jinja2 renders
    ``__html__``. Templates write ``.plain`` where markup may not go (a
    ``<title>``, an attribute).
    """

    markup: str

    def __new__(cls, plain: str, markup: str) -> InlineText:
        text = super().__new__(cls, plain)
        text.markup = markup
        return text

    def __html__(self) -> str:
        return self.markup

    @property
    def plain(self) -> str:
        return str(self)


def inline(text: str, language: str = "") -> InlineText:
    """Inline Markdown with curled quotes and proper dashes and ellipses, set by the rules of ``language``."""
    converted = _inline_markdown().reset().convert(text)
    markup = typeset(sanitize_inline(re.sub(r"^<p>|</p>$", "", converted.strip())), language)
    return InlineText(html.unescape(re.sub(r"<[^>]+>", "", markup)), markup)


_per_thread = threading.local()


def _inline_markdown() -> markdown.Markdown:
    """One converter for every title and subtitle (per thread: a converter holds its state while it works).

    Setting one up takes milliseconds, as long as converting a title: a
    book of 300 pieces set up 300 of them.
    """
    if not hasattr(_per_thread, "inline"):
        _per_thread.inline = markdown.Markdown(extensions=[SmartyExtension(**SMARTY)], output_format="xhtml")
    return _per_thread.inline


def plain_text_paragraphs(text: str) -> str:
    """Normalise plain text for the paragraphs-and-typography-only parser.

    Paragraphs are split on blank lines and their lines joined; quotes are
    straightened so that smarty curls them all by the same rules (a quote
    typed the wrong way round is turned); a hyphen used as a dash becomes one.
    Spoiler block fences (``::: spoiler`` … ``:::``) keep lines of their own.
    """
    blocks = []
    for block in re.split(r"\n\s*\n", text):
        lines: list[str] = []
        for line in (line.strip() for line in block.splitlines()):
            if SPOILER_FENCE.match(line) or not lines or SPOILER_FENCE.match(lines[-1]):
                lines.append(line)
            else:
                lines[-1] += " " + line
        joined = "\n".join(line for line in lines if line)
        if joined:
            blocks.append(LOOSE_DASH.sub("---", joined.translate(CURLY_QUOTES)))
    return "\n\n".join(blocks) + "\n"


def _plain_text_only(md: markdown.Markdown) -> None:
    """Strip a Markdown parser down to paragraphs and smart typography.

    Plain text is not Markdown: an asterisk, a leading "1." or a "<" are the
    writer's words, so no other block or inline syntax may fire. Spoiler
    markers are the exception: they are how plain text marks spoilers too.
    """
    md.preprocessors.deregister("html_block")
    for name in [item.name for item in md.parser.blockprocessors._priority]:
        if name not in ("empty", "paragraph") and not name.startswith("spoiler"):
            md.parser.blockprocessors.deregister(name)
    for name in [item.name for item in md.inlinePatterns._priority]:
        if not name.startswith(("smarty", "spoiler")):
            md.inlinePatterns.deregister(name)


class PieceTreeExtension(Extension):
    """Headings, notes for the target medium, and the opening flourish."""

    def __init__(self, piece: Piece, target: str, warnings: list[PublishWarning]):
        super().__init__()
        if target not in TARGETS:
            raise ValueError(f"unknown target {target!r}")
        self.piece = piece
        self.target = target
        self.warnings = warnings

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.treeprocessors.register(HeadingLevelsTreeprocessor(md), "publish-headings", 4)
        md.treeprocessors.register(NotesTreeprocessor(md, self.target, self.warnings, self.piece), "publish-notes", 4)
        md.treeprocessors.register(OpeningTreeprocessor(md), "publish-opening", 3)


class HeadingLevelsTreeprocessor(Treeprocessor):
    """Make a piece's top heading level h2, whichever level the writer used.

    The piece title is the h1; shifting keeps the hierarchy without gaps.
    """

    def run(self, root: etree.Element) -> None:
        headings = [el for el in root.iter() if el.tag in HEADINGS]
        if not headings:
            return
        shift = 2 - min(int(el.tag[1]) for el in headings)
        for heading in headings:
            heading.tag = f"h{min(6, int(heading.tag[1]) + shift)}"


class NotesTreeprocessor(Treeprocessor):
    """Move Python-Markdown's footnotes to where each medium wants them.

    In print they go to the page foot, unless a piece has more than
    ``PAGE_FOOT_NOTES`` of them: WeasyPrint re-lays a page for each note it
    places there, so thousands would take minutes; they become endnotes.
    """

    def __init__(self, md: markdown.Markdown, target: str, warnings: list[PublishWarning], piece: Piece):
        super().__init__(md)
        self.target = target
        self.warnings = warnings
        self.piece = piece

    def run(self, root: etree.Element) -> None:
        container = next((el for el in root if el.tag == "div" and el.get("class") == "footnote"), None)
        if container is None:
            return
        root.remove(container)
        notes = {li.get("id"): li for li in container.find("ol")}
        for note in notes.values():
            for link in note.iter("a"):
                if link.get("class") == "footnote-ref":
                    label = link.get("href").removeprefix("#fn:")
                    raise PublishError(
                        f"a note cites another note ([^{label}]): notes cannot hold notes; fold it into the first",
                        self.piece.path,
                        self.piece.line_matching(re.compile(rf"^\s*\[\^[^\]]+\]:.*\[\^{re.escape(label)}\]"))
                        or self.piece.line_of(f"[^{label}]"),
                    )
        at_page_foot = self.target == "print" and len(notes) <= PAGE_FOOT_NOTES
        if self.target == "print" and not at_page_foot:
            self.warnings.append(PublishWarning(
                f"{len(notes)} notes: printed as endnotes after the piece (the page foot takes up to {PAGE_FOOT_NOTES})",
                self.piece.path,
            ))
        asides = []
        calls: dict[str, int] = {}
        for parent in list(root.iter()):
            for index, sup in enumerate(list(parent)):
                link = sup.find("a") if sup.tag == "sup" else None
                if link is None or link.get("class") != "footnote-ref":
                    continue
                number = link.text
                calls[number] = calls.get(number, 0) + 1
                if calls[number] > 1:
                    replacement = _repeated_call(number, calls[number], self.target, at_page_foot)
                    replacement.tail = sup.tail
                    parent.remove(sup)
                    parent.insert(index, replacement)
                    continue
                body = _note_body(notes[link.get("href")[1:]])
                if at_page_foot:
                    # A note at the page foot is a line of text: its paragraphs, and any list or quote in them, become spans.
                    replacement = etree.Element("span", {"class": "footnote"})
                    for block in body:
                        for inner in block.iter():
                            if inner is block or inner.tag not in PHRASING:
                                inner.tag = "span"
                                inner.set("class", "note-para")
                                inner.text = (inner.text or "").lstrip() or None
                        block.tail = None
                        replacement.append(block)
                else:
                    replacement = etree.Element(
                        "a",
                        {"epub:type": "noteref", "role": "doc-noteref", "class": "noteref",
                         "href": f"#note-{number}", "id": f"noteref-{number}"},
                    )
                    replacement.text = number
                    asides.append(_aside(number, body, "footnote" if self.target == "epub" else "endnote"))
                replacement.tail = sup.tail
                parent.remove(sup)
                parent.insert(index, replacement)
        if asides:
            section = etree.SubElement(root, "section", {"class": "notes", "role": "doc-endnotes"})
            section.extend(asides)


def _repeated_call(number: str, count: int, target: str, at_page_foot: bool) -> etree.Element:
    """A second call of the same note: its number again, pointing at the one note."""
    if at_page_foot:
        call = etree.Element("sup", {"class": "note-again"})
    else:
        call = etree.Element("a", {"class": "noteref", "href": f"#note-{number}", "id": f"noteref-{number}-{count}"})
        if target == "epub":
            call.set("epub:type", "noteref")
            call.set("role", "doc-noteref")
    call.text = number
    return call


def _note_body(li: etree.Element) -> list[etree.Element]:
    """A footnote's blocks, without Python-Markdown's own back-link."""
    for element in li.iter():
        for backref in [child for child in element if child.get("class") == "footnote-backref"]:
            if backref.tail:
                element.text = (element.text or "") + backref.tail
            element.remove(backref)
        if element.text:
            element.text = element.text.replace(NBSP_PLACEHOLDER, "")
        if element.tail:
            element.tail = element.tail.replace(NBSP_PLACEHOLDER, "")
    return list(li)


def _aside(number: str, body: list[etree.Element], css_class: str) -> etree.Element:
    aside = etree.Element(
        "aside", {"epub:type": "footnote", "role": "doc-footnote", "id": f"note-{number}", "class": css_class}
    )
    aside.extend(body)
    first = body[0] if body and body[0].tag == "p" else etree.SubElement(aside, "p")
    backlink = etree.Element("a", {"href": f"#noteref-{number}", "role": "doc-backlink", "class": "note-number"})
    backlink.text = f"{number}."
    backlink.tail = " " + (first.text or "")
    first.text = None
    first.insert(0, backlink)
    return aside


class OpeningTreeprocessor(Treeprocessor):
    """Mark a piece's first letter and first words, for the theme's opening flourish.

    Real elements rather than ``::first-letter`` and ``::first-line``:
    WeasyPrint does not flow text around a floated pseudo-element, and
    ``::first-line`` styling leaks onto the next page when the paragraph breaks.
    """

    def run(self, root: etree.Element) -> None:
        first = next(iter(root), None)
        if first is None or first.tag != "p" or not first.text:
            return
        match = LEAD_IN.match(first.text)
        if match is None:
            return
        before, letter, rest, after = match.groups()
        initial = etree.Element("span", {"class": "initial"})
        initial.text = letter
        lead_in = etree.Element("span", {"class": "lead-in"})
        lead_in.text = rest
        lead_in.tail = after
        first.text = before
        first.insert(0, initial)
        first.insert(1, lead_in)
