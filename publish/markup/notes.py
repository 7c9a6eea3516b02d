"""A piece's notes, moved to where each medium wants them.

Python-Markdown gathers footnotes in a list at the end. In print a note
lives in the text flow and WeasyPrint floats it to the page foot; in an
EPUB it is an ``aside`` the reading system pops up from a ``noteref``.
A note may hold anything a piece may (paragraphs, quotes, lists): in print
its blocks become inline-level boxes, since a block inside the paragraph
that calls the note would split that paragraph and carry the words after
the call to the page foot with it.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree

import markdown
from markdown.extensions.footnotes import NBSP_PLACEHOLDER
from markdown.treeprocessors import Treeprocessor

from publish.errors import PublishError, PublishWarning
from publish.markup.structure import PHRASING
from publish.read.manuscript import Piece
from publish.targets import Target

PAGE_FOOT_NOTES = 250
# A call Python-Markdown found no note for: left in the text as written, until it is found and removed.
UNMATCHED_CALL = re.compile(r"\[\^([^\]\s]+)\]")
# What each block of a note becomes at the page foot (a span, styled by the theme as a block of its own).
PAGE_FOOT_BLOCKS = {"blockquote": "note-quote", "ul": "note-list", "ol": "note-list numbered", "li": "note-item"}
LITERAL = ("code", "pre")
# Where a hidden spoiler's words are by the time notes are placed (see spoilers.py).
SPOILER_REVEALS = ("spoiler-reveal", "spoiler-note")


class NotesTreeprocessor(Treeprocessor):
    """Footnotes to the page foot (print) or to asides (EPUB); calls and notes that do not match are warnings.

    In print a piece with more than ``PAGE_FOOT_NOTES`` notes gets them
    after it instead: WeasyPrint re-lays a page for each note it places at
    the foot, so thousands would take minutes.
    """

    def __init__(self, md: markdown.Markdown, target: Target, warnings: list[PublishWarning], piece: Piece):
        super().__init__(md)
        self.target = target
        self.warnings = warnings
        self.piece = piece

    def run(self, root: etree.Element) -> None:
        self._unmatched_calls(root)
        container = next((el for el in root if el.tag == "div" and el.get("class") == "footnote"), None)
        if container is None:
            return
        root.remove(container)
        listed = container.find("ol")
        notes = {li.get("id", ""): li for li in (listed if listed is not None else [])}
        self._refuse_notes_in_notes(notes)
        at_page_foot = self.target == Target.PRINT and len(notes) <= PAGE_FOOT_NOTES
        if self.target == Target.PRINT and not at_page_foot:
            self.warnings.append(
                PublishWarning(
                    f"{len(notes)} notes: printed as endnotes after the piece"
                    f" (the page foot takes up to {PAGE_FOOT_NOTES})",
                    self.piece.path,
                )
            )
        asides = []
        # For the web, each note goes after the block that holds its call (where a wide screen sets it beside it).
        parents = {child: parent for parent in root.iter() for child in parent}
        holders: list[etree.Element] = []
        calls: dict[str, int] = {}
        called: set[str] = set()
        hidden = {
            element for reveal in root.iter() if reveal.get("class") in SPOILER_REVEALS for element in reveal.iter()
        }
        for parent in list(root.iter()):
            for index, sup in enumerate(list(parent)):
                link = sup.find("a") if sup.tag == "sup" else None
                if link is None or link.get("class") != "footnote-ref":
                    continue
                number, target = link.text or "", link.get("href", "")[1:]
                calls[number] = calls.get(number, 0) + 1
                if calls[number] > 1:
                    replacement = _repeated_call(number, calls[number], self.target, at_page_foot)
                else:
                    called.add(target)
                    body = _note_body(notes[target])
                    if parent in hidden:
                        # Called from a hidden spoiler, the note is part of it: its words stay with the spoiler's.
                        replacement = etree.Element("span", {"class": "note-in-spoiler"})
                        inline_blocks(body, replacement)
                    elif at_page_foot:
                        replacement = _page_foot_note(body)
                    else:
                        replacement = etree.Element(
                            "a",
                            {
                                "role": "doc-noteref",
                                "class": "noteref",
                                "href": f"#note-{number}",
                                "id": f"noteref-{number}",
                            },
                        )
                        if self.target == Target.EPUB:
                            replacement.set("epub:type", "noteref")
                        replacement.text = number
                        asides.append(_aside(number, body, self.target))
                        holders.append(block_holding(parent, parents, root))
                replacement.tail = sup.tail
                parent.remove(sup)
                parent.insert(index, replacement)
        if asides and self.target == Target.WEB:
            _beside_their_calls(root, asides, holders)
        elif asides:
            section = etree.SubElement(root, "section", {"class": "notes", "role": "doc-endnotes"})
            section.extend(asides)
        self._uncalled(root, [note for key, note in notes.items() if key not in called])

    def _refuse_notes_in_notes(self, notes: dict[str, etree.Element]) -> None:
        for note in notes.values():
            for link in note.iter("a"):
                if link.get("class") == "footnote-ref":
                    label = link.get("href", "").removeprefix("#fn:")
                    raise PublishError(
                        f"a note cites another note ([^{label}]): notes cannot hold notes; fold it into the first",
                        self.piece.path,
                        self.piece.line_matching(re.compile(rf"^\s*\[\^[^\]]+\]:.*\[\^{re.escape(label)}\]"))
                        or self.piece.line_of(f"[^{label}]"),
                    )

    def _unmatched_calls(self, root: etree.Element) -> None:
        """A call with no note ("[^99]") is a warning; the call itself is not printed."""
        for element, slot in _text_outside_code(root):
            text = getattr(element, slot)
            if text and "[^" in text:
                for label in UNMATCHED_CALL.findall(text):
                    self.warnings.append(
                        PublishWarning(
                            f"the note call [^{label}] has no note: write one ([^{label}]: …) or remove the call",
                            self.piece.path,
                            self.piece.line_of(f"[^{label}]"),
                        )
                    )
                setattr(element, slot, UNMATCHED_CALL.sub("", text))

    def _uncalled(self, root: etree.Element, notes: list[etree.Element]) -> None:
        """A note no call points to: a warning, and its words at the end of the piece, where they are still read."""
        for note in notes:
            label = note.get("id", "").removeprefix("fn:")
            self.warnings.append(
                PublishWarning(
                    f"the note [^{label}] is never called: its words are printed at the end of the piece; "
                    f"call it with [^{label}] in the text",
                    self.piece.path,
                    self.piece.line_of(f"[^{label}]:"),
                )
            )
            kept = etree.SubElement(root, "div", {"class": "uncalled-note"})
            kept.extend(_note_body(note))


def _text_outside_code(element: etree.Element):
    """(element, "text" or "tail") for every text outside code, in document order."""
    if element.tag not in LITERAL:
        yield element, "text"
        for child in element:
            yield from _text_outside_code(child)
    yield element, "tail"


def _page_foot_note(body: list[etree.Element]) -> etree.Element:
    note = etree.Element("span", {"class": "footnote"})
    inline_blocks(body, note)
    return note


def inline_blocks(blocks: list[etree.Element], into: etree.Element) -> None:
    """Put ``blocks`` into ``into``, a span in a line of text (a note, a hidden spoiler), as spans the theme sets
    as blocks: the first paragraph inline, every other block a span of its kind.

    A line break ends the first paragraph so that its last line is not
    stretched to the full measure.
    """
    blocks = list(blocks)
    if blocks and blocks[0].tag == "p":
        first = blocks.pop(0)
        into.text = (first.text or "").lstrip() or None
        into.extend(first)
        if blocks:
            etree.SubElement(into, "br", {"class": "note-break"})
    for block in blocks:
        for inner in block.iter():
            if inner is block or inner.tag not in PHRASING:
                inner.set("class", PAGE_FOOT_BLOCKS.get(inner.tag, "note-para"))
                inner.tag = "span"
                inner.text = (inner.text or "").lstrip() or None
                inner.tail = (inner.tail or "").strip() or None
        block.tail = None
        into.append(block)


def block_holding(element: etree.Element, parents: dict, root: etree.Element) -> etree.Element:
    """The block of the piece's top level that holds ``element`` (where a web page sets its note or spoiler)."""
    while element in parents and parents[element] is not root:
        element = parents[element]
    return element


def _beside_their_calls(root: etree.Element, asides: list[etree.Element], holders: list[etree.Element]) -> None:
    """Each note after the block that holds its call, in order (after the notes set there before it)."""
    last: dict[etree.Element, etree.Element] = {}
    for aside, holder in zip(asides, holders, strict=True):
        root.insert(list(root).index(last.get(holder, holder)) + 1, aside)
        last[holder] = aside


def _repeated_call(number: str, count: int, target: str, at_page_foot: bool) -> etree.Element:
    """A second call of the same note: its number again, pointing at the one note."""
    if at_page_foot:
        call = etree.Element("sup", {"class": "note-again"})
    else:
        call = etree.Element("a", {"class": "noteref", "href": f"#note-{number}", "id": f"noteref-{number}-{count}"})
        if target != Target.PRINT:
            call.set("role", "doc-noteref")
        if target == Target.EPUB:
            call.set("epub:type", "noteref")
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
    # The back-link of a note that ends in a list or quote stood in a paragraph of its own.
    return [block for block in li if block.tag != "p" or len(block) or (block.text or "").strip()]


def _aside(number: str, body: list[etree.Element], target: Target) -> etree.Element:
    """A note on a screen, or at the end of a printed piece: its number, linking back to the call, opens the note's
    first line of text."""
    css_class = "endnote" if target == Target.PRINT else "footnote"
    aside = etree.Element("aside", {"role": "doc-footnote", "id": f"note-{number}", "class": css_class})
    if target == Target.EPUB:
        aside.set("epub:type", "footnote")
    aside.extend(body)
    first = aside[0] if len(aside) else etree.SubElement(aside, "p")
    while first.tag in ("blockquote", "ul", "ol", "dl", "div") and len(first) and not (first.text or "").strip():
        first = first[0]
    backlink = etree.Element("a", {"href": f"#noteref-{number}", "role": "doc-backlink", "class": "note-number"})
    backlink.text = f"{number}."
    backlink.tail = " " + (first.text or "").lstrip()
    first.text = None
    first.insert(0, backlink)
    return aside
