"""Spoiler syntax for Python-Markdown, and how each edition shows spoilers.

Inline: ``>!hidden!<`` (Reddit) and ``||hidden||`` (Discord). Block:
``::: spoiler`` or ``::: spoiler "label"`` … ``:::``. Malformed markers are
errors with file and line, never text printed by accident.

How a marked spoiler is shown depends on the edition (``style``):

- ``foot``: print; the words float to the foot of the page, upside down.
- ``endnotes``: print; the words move to a "Spoilers revealed" section.
- ``notes``: EPUB; a pop-up note (noteref → aside) with a back-link; the
  asides are collected like ``endnotes``, for a document of their own.
- ``disclosure``: the web; the words in a ``details`` the reader opens, in
  place of a block, after the block that holds an inline spoiler (whose
  marker links to it). Out of search engines' snippets (``data-nosnippet``).
- ``redact``: the words are replaced by a visible "[spoiler removed]".

What the markers say comes from the book's words (its theme's locale).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree

import markdown
from markdown.blockprocessors import BlockProcessor
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

from publish.errors import PublishError
from publish.markup.blocks import FENCE_END, take_fenced
from publish.markup.notes import block_holding, inline_blocks
from publish.read.manuscript import Piece
from publish.read.wording import Wording

STYLES = ("foot", "endnotes", "notes", "disclosure", "redact")
INLINE_MARKERS = (">!", "!<", "||")
BLOCK_START = re.compile(r'^:::[ \t]*spoiler(?:[ \t]+"(?P<label>[^"\n]*)")?[ \t]*$')
LOOKS_LIKE_BLOCK = re.compile(r":::[ \t]*spoiler")
SPOILER_FENCE = re.compile(r"^:::(?:[ \t]*spoiler\b.*)?[ \t]*$")
# The line a ``disclosure`` spoiler shows until it is opened.
SUMMARY = "spoiler-summary"
# Where the reveals of a piece begin in its HTML, when they are collected.
REVEALS_TAG = '<section class="spoiler-reveals">'
# The same class in a writer's raw HTML, which would cut the piece in the wrong place.
FORGED_REVEALS = re.compile(r"""class\s*=\s*["']?[^"'>]*\bspoiler-reveals\b""", re.IGNORECASE)


class SpoilerExtension(markdown.Extension):
    def __init__(self, piece: Piece, style: str, words: Wording):
        super().__init__()
        if style not in STYLES:
            raise ValueError(f"unknown spoiler style {style!r}")
        self.piece = piece
        self.style = style
        self.words = words

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.preprocessors.register(LineStartRedditPreprocessor(md), "spoiler-line-start", 25)
        md.parser.blockprocessors.register(SpoilerBlockProcessor(md.parser, self.piece), "spoiler-block", 105)
        md.inlinePatterns.register(
            SpoilerInlineProcessor(r"(?:>|&gt;)!((?:(?!(?:>|&gt;)!).)+?)!<", md, self.piece, ">!"),
            "spoiler-reddit",
            172,
        )
        md.inlinePatterns.register(
            SpoilerInlineProcessor(r"\|\|(.+?)\|\|", md, self.piece, "||"), "spoiler-discord", 171
        )
        md.treeprocessors.register(StrayMarkerTreeprocessor(md, self.piece), "spoiler-stray", 6)
        md.treeprocessors.register(SpoilerStyleTreeprocessor(md, self.style, self.words), "spoiler-style", 5)
        md.treeprocessors.register(RevealsLastTreeprocessor(md, self.piece), "spoiler-reveals-last", 3.5)


class LineStartRedditPreprocessor(Preprocessor):
    """Keep ``>!`` at the start of a line from being read as a block quote."""

    def run(self, lines: list[str]) -> list[str]:
        return [("&gt;" + line[1:]) if line.startswith(">!") else line for line in lines]


class SpoilerInlineProcessor(InlineProcessor):
    def __init__(self, pattern: str, md: markdown.Markdown, piece: Piece, opener: str):
        super().__init__(pattern, md)
        self.piece = piece
        self.opener = opener

    def handleMatch(self, m: re.Match, data: str):  # type: ignore[override]
        inner = m.group(1)
        if any(marker in inner for marker in INLINE_MARKERS) or "&gt;!" in inner:
            raise PublishError(
                "spoilers cannot be nested: close the first before opening another",
                self.piece.path,
                self.piece.line_of(inner.replace("&gt;", ">")[:30]),
            )
        span = etree.Element("span", {"class": "spoiler"})
        span.text = inner
        return span, m.start(0), m.end(0)


class SpoilerBlockProcessor(BlockProcessor):
    """``::: spoiler ["label"]`` … ``:::`` around one or more blocks."""

    def __init__(self, parser, piece: Piece):
        super().__init__(parser)
        self.piece = piece

    def test(self, parent: etree.Element, block: str) -> bool:
        return bool(BLOCK_START.match(block.split("\n", 1)[0]))

    def run(self, parent: etree.Element, blocks: list[str]) -> None:
        first_line, _, rest = blocks.pop(0).partition("\n")
        opening = BLOCK_START.match(first_line)
        assert opening is not None  # test() has seen it match
        label = opening.group("label")

        def refuse_nesting(line: str) -> None:
            if BLOCK_START.match(line):
                raise PublishError("spoiler blocks cannot be nested", self.piece.path, self._line(first_line, line))

        content = take_fenced(rest, blocks, refuse_nesting)
        if content is None:
            raise PublishError(
                "spoiler block is never closed: end it with a line ':::'",
                self.piece.path,
                self.piece.line_of(first_line),
            )
        self._emit(parent, label, content)

    def _emit(self, parent: etree.Element, label: str | None, content: list[str]) -> None:
        div = etree.SubElement(parent, "div", {"class": "spoiler"})
        if label:
            div.set("data-label", label)
        self.parser.parseBlocks(div, [block for block in content if block.strip()])

    def _line(self, start: str, nested: str) -> int | None:
        opened = self.piece.line_of(start)
        if opened is None:
            return None
        for offset, line in enumerate(self.piece.lines[opened - self.piece.body_line + 1 :], start=opened + 1):
            if line.strip() == nested.strip():
                return offset
        return None


class StrayMarkerTreeprocessor(Treeprocessor):
    """Any spoiler marker left in the text after parsing is malformed."""

    def __init__(self, md: markdown.Markdown, piece: Piece):
        super().__init__(md)
        self.piece = piece

    def run(self, root: etree.Element) -> None:
        self._check(root, in_cell=False)

    def _check(self, element: etree.Element, in_cell: bool) -> None:
        if element.tag in ("code", "pre"):
            return
        in_cell = in_cell or element.tag in ("td", "th")
        for text in (element.text, element.tail):
            if text:
                self._check_text(text, in_cell and text is element.text)
        for child in element:
            self._check(child, in_cell)

    def _check_text(self, text: str, in_cell: bool) -> None:
        text = text.replace("&gt;!", ">!")
        if LOOKS_LIKE_BLOCK.search(text):
            where = "inside a table cell" if in_cell else "in the middle of a paragraph"
            raise PublishError(
                f"a '::: spoiler' block cannot start {where}: put it on a line of its own, between paragraphs",
                self.piece.path,
                self.piece.line_of("::: spoiler") or self.piece.line_of(":::"),
            )
        if FENCE_END.match(text.strip()):
            raise PublishError("':::' closes no spoiler block", self.piece.path, self.piece.line_of(":::"))
        for marker in INLINE_MARKERS:
            if marker in text:
                raise PublishError(
                    f"unclosed spoiler: '{marker}' has no partner in the same paragraph",
                    self.piece.path,
                    self.piece.line_of(marker),
                )


class SpoilerStyleTreeprocessor(Treeprocessor):
    """Turn marked spoilers into what the edition shows (see module docstring)."""

    def __init__(self, md: markdown.Markdown, style: str, words: Wording):
        super().__init__(md)
        self.style = style
        self.words = words

    def run(self, root: etree.Element) -> None:
        reveals: list[etree.Element] = []
        # The last reveal set after each block that holds inline spoilers, for the next to follow.
        self.placed: dict[etree.Element, etree.Element] = {}
        parents = {child: parent for parent in root.iter() for child in parent}
        spoilers = [element for element in root.iter() if element.get("class") == "spoiler"]
        for number, spoiler in enumerate(spoilers, start=1):
            parent = parents[spoiler]
            block = spoiler.tag == "div"
            if self.style == "disclosure":
                replacement = self._disclose(spoiler, number, block, parents, root)
            else:
                replacement = self._replace(spoiler, number, block, reveals, root)
            replacement.tail = spoiler.tail
            parent.insert(list(parent).index(spoiler), replacement)
            parent.remove(spoiler)
        if reveals:
            section = etree.SubElement(root, "section", {"class": "spoiler-reveals"})
            section.extend(reveals)

    def _replace(
        self, spoiler: etree.Element, number: int, block: bool, reveals: list, root: etree.Element
    ) -> etree.Element:
        label = spoiler.get("data-label")
        if self.style == "redact":
            self._drop_notes_called_in(spoiler, root)
            removed = etree.Element("p" if block else "span", {"class": "spoiler-removed"})
            removed.text = self.words.text("spoiler_removed")
            return removed
        if self.style == "foot":
            reveal = etree.Element("span", {"class": "spoiler-reveal"})
            _move_content(spoiler, reveal, as_spans=block)
            if not block:
                return reveal
            call = etree.Element("p", {"class": "spoiler-block at-foot"})
            call.text = label or self.words.text("spoiler_block")
            call.append(reveal)
            return call
        ref = etree.Element("a", {"class": "spoiler-ref", "href": f"#spoiler-{number}", "id": f"spoiler-ref-{number}"})
        ref.text = (
            self.words.text("spoiler_call_labelled", number=number, label=label)
            if label
            else self.words.text("spoiler_call", number=number)
        )
        note = etree.Element("aside", {"class": "spoiler-note", "id": f"spoiler-{number}"})
        if self.style == "notes":
            ref.set("epub:type", "noteref")
            ref.set("role", "doc-noteref")
            note.set("epub:type", "footnote")
            note.set("role", "doc-footnote")
        _move_content(spoiler, note, as_spans=False)
        if not block or not len(note) or note[0].tag != "p":
            _wrap_inline(note)
        backlink = etree.Element(
            "a", {"href": f"#spoiler-ref-{number}", "role": "doc-backlink", "class": "note-number"}
        )
        backlink.text = self.words.text("spoiler_number", number=number)
        backlink.tail = " " + (note[0].text or "")
        note[0].text = None
        note[0].insert(0, backlink)
        reveals.append(note)
        if not block:
            return ref
        call = etree.Element("p", {"class": "spoiler-block"})
        call.append(ref)
        return call

    def _disclose(
        self, spoiler: etree.Element, number: int, block: bool, parents: dict, root: etree.Element
    ) -> etree.Element:
        """What becomes a ``details`` the reader opens (``disclose``, once the piece's HTML is sanitized): in place of
        a block spoiler; for an inline one, after the block that holds it, whose text keeps a marker linking to it."""
        label = spoiler.get("data-label")
        details = etree.Element("aside", {"class": "spoiler-note", "id": f"spoiler-{number}"})
        summary = etree.SubElement(details, "p", {"class": SUMMARY})
        summary.text = (
            self.words.text("spoiler_call_labelled", number=number, label=label)
            if label
            else self.words.text("spoiler_call", number=number)
        )
        words = etree.SubElement(details, "div", {"class": "spoiler-words"})
        _move_content(spoiler, words, as_spans=False)
        if not block or not len(words) or words[0].tag != "p":
            _wrap_inline(words)
        if block:
            return details
        holder = block_holding(spoiler, parents, root)
        root.insert(list(root).index(self.placed.get(holder, holder)) + 1, details)
        self.placed[holder] = details
        ref = etree.Element("a", {"class": "spoiler-ref", "href": f"#spoiler-{number}", "id": f"spoiler-ref-{number}"})
        ref.text = summary.text
        return ref

    def _drop_notes_called_in(self, spoiler: etree.Element, root: etree.Element) -> None:
        """A note called only from inside a removed spoiler is part of it: it goes too (else it would be printed
        as a note nobody calls)."""
        container = next((el for el in root if el.tag == "div" and el.get("class") == "footnote"), None)
        notes = container.find("ol") if container is not None else None
        if notes is None:
            return
        inside = {a.get("href", "")[1:] for a in spoiler.iter("a") if a.get("class") == "footnote-ref"}
        elsewhere = {a.get("href", "")[1:] for a in root.iter("a") if a.get("class") == "footnote-ref"} - inside
        for note in [note for note in notes if note.get("id") in inside - elsewhere]:
            notes.remove(note)


class RevealsLastTreeprocessor(Treeprocessor):
    """Keep the collected reveals last, after the notes section added since: they are cut off the end of the piece
    where their class begins, so raw HTML may not use it."""

    def __init__(self, md: markdown.Markdown, piece: Piece):
        super().__init__(md)
        self.piece = piece

    def run(self, root: etree.Element) -> None:
        if any(FORGED_REVEALS.search(str(raw)) for raw in self.md.htmlStash.rawHtmlBlocks):
            raise PublishError(
                "the class 'spoiler-reveals' is the book's own, for hidden spoilers: give the raw HTML another",
                self.piece.path,
                self.piece.line_of("spoiler-reveals"),
            )
        reveals = next((child for child in root if child.get("class") == "spoiler-reveals"), None)
        if reveals is not None:
            root.remove(reveals)
            root.append(reveals)


def disclose(container) -> None:
    """Turn the ``disclosure`` style's spoilers into ``details`` elements, hidden until the reader opens them, and
    out of search engines' snippets; after sanitizing, which allows no ``details`` in a piece (a writer's own
    would hide words in print)."""
    for note in container.iter("aside"):
        summary = note[0] if len(note) else None
        if note.get("class") == "spoiler-note" and summary is not None and summary.get("class") == SUMMARY:
            note.tag, summary.tag = "details", "summary"
            note.set("data-nosnippet", "")
            del summary.attrib["class"]


def _move_content(source: etree.Element, target: etree.Element, as_spans: bool) -> None:
    """Move a spoiler's words into ``target``; ``as_spans`` for a target in a line of text (print's page foot),
    where a block would end the paragraph and leave the words after it in plain view."""
    if as_spans and len(source):
        inline_blocks(list(source), target)
        return
    target.text = source.text if len(source) == 0 or (source.text or "").strip() else None
    for child in list(source):
        target.append(child)


def _wrap_inline(note: etree.Element) -> None:
    """Put a note's loose inline content into one paragraph."""
    paragraph = etree.Element("p")
    paragraph.text = note.text
    note.text = None
    for child in list(note):
        note.remove(child)
        paragraph.append(child)
    note.append(paragraph)
