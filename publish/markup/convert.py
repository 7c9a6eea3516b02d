"""Markdown, plain text and Word pieces → HTML fragments, one per piece and target.

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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import markdown
from markdown.extensions import Extension
from markdown.extensions.attr_list import AttrListExtension
from markdown.extensions.def_list import DefListExtension
from markdown.extensions.fenced_code import FencedCodeExtension
from markdown.extensions.footnotes import FootnoteExtension
from markdown.extensions.smarty import SmartyExtension
from markdown.extensions.tables import TableExtension
from markdown.extensions.toc import TocExtension
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup

from publish.errors import PublishError, PublishWarning
from publish.markup.blocks import HEADINGS, BookShapesExtension
from publish.markup.budget import OverBudget, cpu_budget
from publish.markup.fragment import Image, check_pixels, finish_fragment
from publish.markup.notes import NotesTreeprocessor
from publish.markup.sanitize import sanitize, sanitize_inline, strip_bidi_overrides
from publish.markup.spoilers import REVEALS_TAG, SPOILER_FENCE, SpoilerExtension
from publish.markup.typography import typeset
from publish.markup.word import word_source
from publish.read.manuscript import Piece
from publish.read.resources import ResourcePolicy
from publish.read.wording import Wording, english
from publish.targets import Target

CURLY_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})
# A hyphen closed up to the word before it and spaced after ("movie- or") is a dash.
LOOSE_DASH = re.compile(r"(?<=\w)- (?=\w)|(?<=\w) -- ?(?=\w)| - ")
# A line of dialogue in plain text: a hyphen, two or three, or a dash, then the words.
# Spanish and Catalan set the dash close to the words ("—Fue el viento"); hyphens and en dashes stand apart.
DIALOGUE_LINE = re.compile(r"^(?:-{1,3}|–)(?=\s+\S)|^—(?=\s*\S)")
# A line of dialogue follows a finished sentence; after one that runs on, a dash at a line start is a dash in the text.
SENTENCE_END = re.compile(r"[.!?…:;»”\"')]\s*$")
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
# CPU time a piece may take to convert: many times what prose of its length needs (benchmarks/NOTES.md), so that
# only a pattern a parser reads in quadratic time reaches it, however long the piece.
CONVERT_SECONDS = 5.0
CONVERT_SECONDS_PER_MILLION_CHARACTERS = 20.0


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
        return json.dumps(
            {
                "title": [str(self.title), self.title.markup],
                "html": self.html,
                "images": [[image.source, image.epub_name] for image in self.images],
                "reveals_html": self.reveals_html,
                "warnings": [[w.message, str(w.path) if w.path else None, w.line] for w in self.warnings],
            }
        ).encode("utf-8")

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
    piece: Piece,
    target: Target,
    spoiler_style: str,
    resources: ResourcePolicy | None = None,
    words: Wording | None = None,
    book_pieces: dict[str, str] | None = None,
) -> RenderedPiece:
    """Render a piece's body to an HTML fragment for ``target`` (print or epub).

    ``spoiler_style`` says how marked spoilers are shown (see spoilers.py);
    with ``endnotes`` and ``notes`` their words come back separately, as ``reveals_html``.
    ``resources`` says which files and addresses images may come from (by
    default the piece's own folder, and no network). ``words`` are the book's
    (its language, and what its spoiler markers say); by default English.
    ``book_pieces`` maps the book's piece files to their ids, for links from
    one piece to another.
    """
    words = words or english()
    language = piece.meta.language or words.language
    warnings: list[PublishWarning] = list(piece.warnings)
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
            BookShapesExtension(piece, target),
            PieceTreeExtension(piece, target, warnings),
        ],
        output_format="xhtml",
    )
    source = MARKDOWN_SOURCES[piece.format](md, piece.body)
    source, overrides = strip_bidi_overrides(source, piece)
    resources = resources or ResourcePolicy((piece.path.parent,))
    budget = CONVERT_SECONDS + CONVERT_SECONDS_PER_MILLION_CHARACTERS * len(source) / 1_000_000
    try:
        with cpu_budget(budget):
            body, removals = sanitize(md.convert(source), piece)
            body, images, pixel_checks, misplaced = finish_fragment(body, piece, target, resources, book_pieces)
            body = typeset(body, language)
    except OverBudget:
        raise PublishError(
            f"converting this piece took more than {budget:.0f} s of CPU, far longer than its size needs: it holds a "
            "pattern that is slow to convert (thousands of unclosed '[' or '<', or of tags inside one word, say); "
            "remove it or put it in a code block",
            piece.path,
        ) from None
    check_pixels(pixel_checks, piece, resources)
    warnings += overrides + removals + misplaced
    reveals = ""
    if spoiler_style in ("endnotes", "notes"):
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

    def __html__(self) -> Markup:
        # Markup, not str: MarkupSafe escapes a plain string an __html__ returns when it fills a format field.
        return Markup(self.markup)

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

    Setting one up costs as much as converting a title, and a book converts
    a title for every piece.
    """
    if not hasattr(_per_thread, "inline"):
        _per_thread.inline = markdown.Markdown(extensions=[SmartyExtension(**SMARTY)], output_format="xhtml")
    return _per_thread.inline


def plain_text_paragraphs(text: str) -> str:
    """Normalise plain text for the paragraphs-and-typography-only parser.

    Paragraphs are split on blank lines and their lines joined; quotes are
    straightened so that smarty curls them all by the same rules (a quote
    typed the wrong way round is turned); a hyphen used as a dash becomes one.
    A line that opens with a dash after a finished sentence is a line of
    dialogue: a paragraph of its own, opened by an em dash. Spoiler block fences (``::: spoiler`` …
    ``:::``) keep lines of their own.
    """
    blocks = []
    for block in re.split(r"\n\s*\n", text):
        lines: list[str] = []
        for line in (line.strip() for line in block.splitlines()):
            if DIALOGUE_LINE.match(line) and (not lines or not lines[-1] or SENTENCE_END.search(lines[-1])):
                lines += ["", DIALOGUE_LINE.sub("---", line)]
            elif SPOILER_FENCE.match(line) or not lines or not lines[-1] or SPOILER_FENCE.match(lines[-1]):
                lines.append(line)
            else:
                lines[-1] += " " + line
        joined = re.sub(r"\n{3,}", "\n\n", "\n".join(lines).strip("\n"))
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
    # A registry lists its items' names only in its private _priority (Python-Markdown has no public way).
    for name in [item.name for item in md.parser.blockprocessors._priority]:  # type: ignore[attr-defined]
        if name not in ("empty", "paragraph") and not name.startswith("spoiler"):
            md.parser.blockprocessors.deregister(name)
    for name in [item.name for item in md.inlinePatterns._priority]:  # type: ignore[attr-defined]
        if not name.startswith(("smarty", "spoiler")):
            md.inlinePatterns.deregister(name)


class PieceTreeExtension(Extension):
    """Headings, and notes for the target medium."""

    def __init__(self, piece: Piece, target: Target, warnings: list[PublishWarning]):
        super().__init__()
        self.piece = piece
        self.target = target
        self.warnings = warnings

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.treeprocessors.register(HeadingLevelsTreeprocessor(md), "publish-headings", 4)
        md.treeprocessors.register(NotesTreeprocessor(md, self.target, self.warnings, self.piece), "publish-notes", 4)


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


def _plain_text_source(md: markdown.Markdown, body: str) -> str:
    _plain_text_only(md)
    return plain_text_paragraphs(body)


# What each kind of piece file (read/readers/) gives Python-Markdown, by the reader's format: a new kind of
# piece whose text is not Markdown adds its entry here.
MARKDOWN_SOURCES: dict[str, Callable[[markdown.Markdown, str], str]] = {
    "markdown": lambda md, body: body,
    "text": _plain_text_source,
    "docx": word_source,
}
