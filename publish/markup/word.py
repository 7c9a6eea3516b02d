"""A Word piece's HTML (read/readers/docx.py) put into Python-Markdown's tree, where every piece's tree is worked.

The reader gives HTML already in the shape Markdown's own output has (its
notes as Python-Markdown's footnotes); here it becomes the parser's elements,
so that headings are levelled, notes placed, openings set and the whole made
safe (sanitize.py) and valid (structure.py) exactly as a Markdown piece's
are. None of Markdown's syntax is read in a Word document's words: an
asterisk or a bracket there is the writer's text.
"""

from __future__ import annotations

import xml.etree.ElementTree as etree

import lxml.html
import markdown
from markdown.blockprocessors import BlockProcessor

_PARSER = lxml.html.HTMLParser(huge_tree=True, remove_comments=True, remove_pis=True)


def word_source(md: markdown.Markdown, body: str) -> str:
    """Set ``md`` to take ``body`` (HTML) as elements, with no Markdown read in it, and give it ``body``."""
    # Registries list their items' names only in their private _priority (Python-Markdown has no public way).
    for name in [item.name for item in md.preprocessors._priority]:  # type: ignore[attr-defined]
        if name != "normalize_whitespace":
            md.preprocessors.deregister(name)
    for name in [item.name for item in md.parser.blockprocessors._priority]:  # type: ignore[attr-defined]
        md.parser.blockprocessors.deregister(name)
    md.parser.blockprocessors.register(WordBlockProcessor(md.parser), "word", 100)
    md.treeprocessors.deregister("inline")
    return body


class WordBlockProcessor(BlockProcessor):
    """Takes every block at once: the HTML, parsed, as the document's elements."""

    def test(self, parent: etree.Element, block: str) -> bool:
        return True

    def run(self, parent: etree.Element, blocks: list[str]) -> None:
        html = "\n\n".join(blocks)
        blocks.clear()
        container = lxml.html.fragment_fromstring(html, create_parent="div", parser=_PARSER)
        for child in container:
            if isinstance(child.tag, str):
                parent.append(_element(child))


def _element(source: lxml.html.HtmlElement) -> etree.Element:
    """``source`` and what it holds, as the standard library's elements (Python-Markdown's)."""
    element = etree.Element(source.tag, {str(name): str(value) for name, value in source.attrib.items()})
    element.text = source.text
    last = None
    for child in source:
        if isinstance(child.tag, str):
            last = _element(child)
            element.append(last)
            last.tail = child.tail
        elif child.tail:  # a comment or processing instruction gone: its tail stays
            if last is None:
                element.text = (element.text or "") + child.tail
            else:
                last.tail = (last.tail or "") + child.tail
    return element
