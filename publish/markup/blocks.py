"""The shapes real pieces take: an opening, an epigraph, verse, quotes, captioned tables.

Python-Markdown knows paragraphs, quotes and tables; a book also needs to
know which paragraph opens a piece (for the theme's flourish), which quote
is an epigraph, where a stanza's lines break, and which line under a table
is its caption.
"""

from __future__ import annotations

import re
import unicodedata
import xml.etree.ElementTree as etree
from collections.abc import Callable

import markdown
from markdown.blockprocessors import BlockProcessor, BlockQuoteProcessor
from markdown.treeprocessors import Treeprocessor

from publish.errors import PublishError
from publish.markup.structure import add_class
from publish.read.manuscript import Piece
from publish.targets import Target

HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# Opening punctuation, the initial letter, then the rest of the first few
# words (up to four, stopping at a comma, colon, semicolon or dash). Smarty's
# quotes are still placeholders (STX…ETX) here, so they count as one token.
_STASHED = "\x02[^\x03]*\x03"
_WORD = f"(?:{_STASHED}|[^\\s,;:—–\x02])"
LEAD_IN = re.compile(f"((?:{_STASHED}|[^\\w\x02])*)(\\w)({_WORD}*)((?:\\s{_WORD}+){{0,3}})(.*)", re.DOTALL)
DASHES = ("—", "–", "―", "-")
VERSE_START = re.compile(r"^:::[ \t]*verse[ \t]*$")
FENCE_END = re.compile(r"^:::[ \t]*$")
# Pandoc's table captions: "Table: …" or ": …" on its own paragraph, just before or after the table.
CAPTION = re.compile(r"^(?:Table)?:\s+", re.IGNORECASE)
INDENT_STEP = 2
# Words this short (articles, prepositions) do not end the small-caps lead-in.
SHORT_WORD = 3


class BookShapesExtension(markdown.Extension):
    def __init__(self, piece: Piece, target: Target):
        super().__init__()
        self.piece = piece
        self.target = target

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.parser.blockprocessors.register(SeparateQuotesProcessor(md.parser), "quote", 20)
        md.parser.blockprocessors.register(VerseProcessor(md.parser, self.piece), "verse", 104)
        md.treeprocessors.register(CaptionTreeprocessor(md), "publish-captions", 3.5)
        md.treeprocessors.register(QuotedLinesTreeprocessor(md), "publish-quoted-lines", 3.4)
        md.treeprocessors.register(OpeningTreeprocessor(md, self.target), "publish-opening", 3)


class SeparateQuotesProcessor(BlockQuoteProcessor):
    """Quotes with a blank line between them stay two quotes (two stanzas, two epigraphs), as CommonMark has it.

    Python-Markdown joins them into one; a quote's own paragraphs are
    still written with a ``>`` line between them.
    """

    def run(self, parent: etree.Element, blocks: list[str]) -> None:
        block = blocks.pop(0)
        match = self.RE.search(block)
        if match:
            self.parser.parseBlocks(parent, [block[: match.start()]])
            block = "\n".join(self.clean(line) for line in block[match.start() :].split("\n"))
        quote = etree.SubElement(parent, "blockquote")
        self.parser.state.set("blockquote")
        self.parser.parseChunk(quote, block)
        self.parser.state.reset()


class VerseProcessor(BlockProcessor):
    """``::: verse`` … ``:::``: each line a line, each blank-line-separated group a stanza.

    Lines are spans with a line break between them (as Standard Ebooks
    sets verse), so that the theme can hang the indent of a line that
    wraps; leading spaces indent a line by a step per two spaces.
    """

    def __init__(self, parser, piece: Piece):
        super().__init__(parser)
        self.piece = piece

    def test(self, parent: etree.Element, block: str) -> bool:
        return bool(VERSE_START.match(block.split("\n", 1)[0]))

    def run(self, parent: etree.Element, blocks: list[str]) -> None:
        first_line, _, rest = blocks.pop(0).partition("\n")
        stanzas = take_fenced(rest, blocks)
        if stanzas is None:
            raise PublishError(
                "verse block is never closed: end it with a line ':::'", self.piece.path, self.piece.line_of(first_line)
            )
        verse = etree.SubElement(parent, "div", {"class": "verse"})
        for stanza in stanzas:
            self._stanza(verse, stanza.split("\n"))

    @staticmethod
    def _stanza(verse: etree.Element, lines: list[str]) -> None:
        lines = [line.rstrip() for line in lines if line.strip()]
        if not lines:
            return
        stanza = etree.SubElement(verse, "p")
        for number, line in enumerate(lines):
            if number:
                etree.SubElement(stanza, "br")
            indent = (len(line) - len(line.lstrip(" "))) // INDENT_STEP
            span = etree.SubElement(stanza, "span", {"class": f"line i{min(indent, 4)}" if indent else "line"})
            span.text = line.strip()


def take_fenced(rest: str, blocks: list[str], check: Callable[[str], None] = lambda line: None) -> list[str] | None:
    """The blocks inside a ``:::`` fence whose first line has been read, taken from ``blocks``.

    ``rest`` is what followed the first line in its block; the fence ends at
    a line ``:::``, and what follows that line goes back to ``blocks``.
    ``check`` sees each line inside. None if no line closes the fence.
    """
    content = []
    pending = rest
    while True:
        lines = pending.split("\n") if pending else []
        for index, line in enumerate(lines):
            if FENCE_END.match(line):
                content.append("\n".join(lines[:index]))
                after = "\n".join(lines[index + 1 :])
                if after.strip():
                    blocks.insert(0, after)
                return content
            check(line)
        content.append(pending)
        if not blocks:
            return None
        pending = blocks.pop(0)


class CaptionTreeprocessor(Treeprocessor):
    """A caption paragraph beside a table becomes the table's ``caption``.

    ``: Caption`` under a table is read by the definition-list extension
    as a definition with no term, which no HTML may hold.
    """

    def run(self, root: etree.Element) -> None:
        for parent in list(root.iter()):
            for table in [child for child in parent if child.tag == "table"]:
                caption = _caption_row(table)
                if caption is not None:
                    table.insert(0, caption)
                    continue
                index = list(parent).index(table)
                for neighbour in list(parent)[index + 1 : index + 2] + list(parent)[max(index - 1, 0) : index]:
                    caption = _take_caption(neighbour, parent)
                    if caption is not None:
                        table.insert(0, caption)
                        break


def _caption_row(table: etree.Element) -> etree.Element | None:
    """A "Table: …" line written straight under a table, which the tables extension read as a last row."""
    body = table.find("tbody")
    rows = body.findall("tr") if body is not None else []
    if body is None or not rows:
        return None
    cells = list(rows[-1])
    first = cells[0] if cells else None
    if (
        first is None
        or not first.text
        or not CAPTION.match(first.text)
        or any(len(cell) or (cell.text or "").strip() for cell in cells[1:])
    ):
        return None
    body.remove(rows[-1])
    first.text = CAPTION.sub("", first.text or "", count=1)
    return _caption_from(first)


def _take_caption(element: etree.Element, parent: etree.Element) -> etree.Element | None:
    """The caption ``element`` holds, taken out of it (and ``element`` out of ``parent`` if nothing else is left)."""
    if element.tag == "dl" and len(element) and element[0].tag == "dd":
        source = element[0]
        element.remove(source)
        if len(source) == 1 and source[0].tag == "p":
            source = source[0]
        if not len(element):
            parent.remove(element)
    elif element.tag == "p" and element.text and CAPTION.match(element.text):
        source = element
        source.text = CAPTION.sub("", element.text, count=1)
        parent.remove(element)
    else:
        return None
    return _caption_from(source)


def _caption_from(source: etree.Element) -> etree.Element:
    caption = etree.Element("caption")
    caption.text = source.text
    caption.extend(source)
    return caption


class QuotedLinesTreeprocessor(Treeprocessor):
    """A quoted paragraph broken into lines (verse quoted with hard breaks) is set line by line, as ``::: verse`` is,
    so that a line too long for the page hangs instead of reading as a line of its own."""

    def run(self, root: etree.Element) -> None:
        for quote in root.iter("blockquote"):
            for paragraph in [child for child in quote if child.tag == "p" and child.find("br") is not None]:
                _set_line_by_line(paragraph)


def _set_line_by_line(paragraph: etree.Element) -> None:
    line = etree.Element("span", {"class": "line"})
    line.text = (paragraph.text or "").lstrip() or None
    lines = [line]
    for child in list(paragraph):
        paragraph.remove(child)
        if child.tag == "br":
            line = etree.Element("span", {"class": "line"})
            line.text = (child.tail or "").lstrip() or None
            lines.append(line)
        else:
            line.append(child)
    paragraph.text = None
    for index, line in enumerate(lines):
        if index:
            paragraph.append(etree.Element("br"))
        paragraph.append(line)
    add_class(paragraph, "lines")


class OpeningTreeprocessor(Treeprocessor):
    """Mark a piece's opening: the epigraph, and the first words of the first text paragraph.

    The flourish goes to the first paragraph of text, after any epigraph,
    picture or heading. In print the first word is set apart in markup the
    layout can find (a raised initial, any opening punctuation before it),
    so that the PDF's text layer can carry the word whole; an e-reader's
    theme styles ``::first-letter``, which keeps the word one word for a
    screen reader.
    """

    def __init__(self, md: markdown.Markdown, target: Target):
        super().__init__(md)
        self.target = target

    def run(self, root: etree.Element) -> None:
        blocks = list(root)
        for position, element in enumerate(blocks):
            if element.tag == "blockquote":
                # A quote that opens the piece and is followed by text; quotes one after another are verse.
                if position == 0 and len(blocks) > 1 and blocks[1].tag == "p":
                    self._epigraph(element)
                continue
            if element.tag in HEADINGS or element.tag == "hr" or _only_pictures(element):
                continue
            if element.tag == "p" and element.text:
                self._flourish(element)
            return

    def _epigraph(self, quote: etree.Element) -> None:
        add_class(quote, "epigraph")
        paragraphs = [child for child in quote if child.tag == "p"]
        last = paragraphs[-1] if len(paragraphs) > 1 else None
        if last is not None and self._unstash(last.text or "").lstrip().startswith(DASHES):
            add_class(last, "attribution")

    def _flourish(self, paragraph: etree.Element) -> None:
        match = LEAD_IN.match(paragraph.text or "")
        if match is None:
            return
        before, letter, word_rest, more_words, after = match.groups()
        more_words, after = _without_short_last_words(more_words, after)
        add_class(paragraph, "opening")
        if self._unstash(before).strip().startswith(DASHES):
            add_class(paragraph, "dialogue")  # a dash opens a line of dialogue: the theme keeps it at text size
        lead_in = etree.Element("span", {"class": "lead-in"})
        lead_in.tail = after
        paragraph.text = None
        paragraph.insert(0, lead_in)
        # Right to left, the raised initial is left out: Poppler reads the word whole only backwards.
        if self.target != Target.PRINT or unicodedata.bidirectional(letter) in ("R", "AL"):
            lead_in.text = before + letter + word_rest + more_words
            return
        word = etree.SubElement(lead_in, "span", {"class": "opening-word"})
        if before.strip():
            # The punctuation is set larger than the text; a space after it (before "Tu" in "« Tu") is not.
            punctuation = etree.SubElement(word, "span", {"class": "opening-punctuation"})
            punctuation.text = before.rstrip()
            punctuation.tail = before[len(before.rstrip()) :] or None
        initial = etree.SubElement(word, "span", {"class": "initial"})
        initial.text = letter
        initial.tail = word_rest
        word.tail = more_words

    def _unstash(self, text: str) -> str:
        """Text with smarty's placeholders put back as the characters they stand for."""
        stash = self.md.htmlStash.rawHtmlBlocks
        return re.sub("\x02wzxhzdk:(\\d+)\x03", lambda m: str(stash[int(m.group(1))]), text)


def _without_short_last_words(more_words: str, after: str) -> tuple[str, str]:
    """The lead-in does not end on a short word ("this began as a", "every reader writes in"): it goes back to the
    text."""
    words = re.split(r"(?=\s)", more_words)
    while words and len(re.sub(f"{_STASHED}|\\W", "", words[-1])) <= SHORT_WORD:
        after = words.pop() + after
    return "".join(words), after


def _only_pictures(element: etree.Element) -> bool:
    return (
        element.tag in ("p", "figure")
        and not (element.text or "").strip()
        and all(
            child.tag in ("img", "figure", "figcaption", "br") and not (child.tail or "").strip() for child in element
        )
    )
