"""The print HTML split into the parts the book is laid out in: what comes before the first piece, each piece
(with the warning before it), what comes after the last."""

from __future__ import annotations

from dataclasses import dataclass

import lxml.etree

from publish.outputs import economy

# The body's elements a part begins with (templates/book.html): a piece, or the warning before it.
PIECE, WARNING = "piece", "spoiler-warning"
# Marks where a part's elements go in the document written around them.
PART_SLOT = "publish-part-slot"
# The ids an element holds (its own among them), and where its links lead: plain strings, which keep no hold on the
# parsed tree (lxml's default "smart" strings do, and the parts' targets are pickled and stored).
ANCHORS = lxml.etree.XPath(".//@id[. != '']", smart_strings=False)
LINKS = lxml.etree.XPath(".//a/@href", smart_strings=False)


@dataclass(frozen=True)
class Part:
    """The print HTML with only some of the body's elements: ``ids`` names them, ``inside`` is their HTML,
    ``shell`` the document around them; ``targets`` are the anchors its links lead to in other parts."""

    ids: tuple[str, ...]
    inside: str
    targets: frozenset[str]
    shell: tuple[str, str]

    @property
    def html(self) -> str:
        return self.shell[0] + self.inside + self.shell[1]

    def with_style(self, style: str) -> Part:
        """The part with ``style`` read after the theme's (economy.with_style)."""
        return Part(self.ids, self.inside, self.targets, (economy.with_style(self.shell[0], style), self.shell[1]))


def _classes(element) -> set[str]:
    return set((element.get("class") or "").split())


def split(html: str) -> list[Part]:
    """The book's parts, in order: what comes before the first piece, each piece (with the warning before it),
    what comes after the last.

    Read with lxml's own HTML parser, not lxml.html's: that one looks up a Python class for every element it
    hands out, which was most of the time this takes. The ids and links are found by XPath, in C.
    """
    root = lxml.etree.fromstring(html, lxml.etree.HTMLParser())
    body = root.find("body")
    children = list(body)
    groups: list[list[int]] = [[]]
    for index, element in enumerate(children):
        classes = _classes(element)
        behind_warning = index > 0 and WARNING in _classes(children[index - 1])
        after_piece = bool(groups[-1]) and PIECE in _classes(children[groups[-1][-1]])
        if (((classes & {PIECE, WARNING}) and not behind_warning) or after_piece) and groups[-1]:
            groups.append([])
        groups[-1].append(index)
    every_id = set(ANCHORS(body))
    # The document around the body's children, written once: each part is it with some of them inside.
    for child in children:
        body.remove(child)
    lxml.etree.SubElement(body, "i").text = PART_SLOT
    written = lxml.etree.tostring(root.getroottree(), doctype="<!DOCTYPE html>", encoding="unicode", method="html")
    before, _, after = written.partition(f"<i>{PART_SLOT}</i>")
    shell = (before, after)
    parts = []
    for group in groups:
        elements = [children[index] for index in group]
        ids = {found for top in elements for found in ANCHORS(top)}
        links = {href[1:] for top in elements for href in LINKS(top) if href.startswith("#")}
        inside = "".join(lxml.etree.tostring(element, encoding="unicode", method="html") for element in elements)
        parts.append(
            Part(
                tuple(element.get("id") or "" for element in elements),
                inside,
                frozenset((links & every_id) - ids),
                shell,
            )
        )
    return parts
