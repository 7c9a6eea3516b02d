"""Raw HTML in a piece, made safe: formatting stays, anything active goes.

Markdown lets a writer type HTML, and a contributor's piece may carry a
script, a form or an event handler that would make the EPUB scripted (and
invalid without the ``scripted`` property). nh3 (Rust's ammonia) removes what
is not on the list below; a standard-library HTML parser finds what it will
remove first, so that the writer is told which file and line lost what.
"""

from __future__ import annotations

import html
from html.parser import HTMLParser

import lxml.html
import nh3
from lxml import etree

from publish.errors import PublishWarning
from publish.read.config import BIDI_OVERRIDES
from publish.read.manuscript import Piece

# What pieces may contain: Python-Markdown's output, this project's own
# markup for notes and spoilers, and the HTML a writer formats with.
ALLOWED_TAGS = {
    "a",
    "abbr",
    "aside",
    "b",
    "bdi",
    "blockquote",
    "br",
    "caption",
    "cite",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "dfn",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "q",
    "rp",
    "rt",
    "ruby",
    "s",
    "samp",
    "section",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "time",
    "tr",
    "u",
    "ul",
    "var",
    "wbr",
}
ALLOWED_ATTRIBUTES = {
    "*": {"id", "class", "lang", "dir", "title", "role", "epub:type", "aria-label", "style"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start", "reversed", "type"},
    "li": {"value"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "col": {"span"},
    "colgroup": {"span"},
    "time": {"datetime"},
}
# Python-Markdown aligns table columns with inline styles; nothing else may be styled inline.
STYLE_PROPERTIES = {"text-align"}
# file: is kept so that the resource policy can refuse it with the piece and line.
URL_SCHEMES = {"http", "https", "mailto", "file"}
# Removed with everything inside them, not just unwrapped.
REMOVED_WITH_CONTENT = {
    "script",
    "style",
    "iframe",
    "object",
    "embed",
    "form",
    "noscript",
    "template",
    "textarea",
    "select",
    "button",
    "svg",
    "math",
    "audio",
    "video",
    "canvas",
    "applet",
    "frameset",
    "frame",
    "link",
    "meta",
    "base",
}
URL_ATTRIBUTES = {"href", "src"}
VOID_TAGS = {"embed", "link", "meta", "base", "frame", "img", "br", "hr", "wbr", "col", "input"}


INLINE_TAGS = {"abbr", "b", "cite", "code", "em", "i", "small", "span", "strong", "sub", "sup"}


def sanitize_inline(markup: str) -> str:
    """Metadata (a title, a blurb) keeps inline formatting and nothing else."""
    cleaned = nh3.clean(
        markup, tags=INLINE_TAGS, clean_content_tags=REMOVED_WITH_CONTENT, attributes={"*": {"lang"}}, link_rel=None
    )
    return xhtml_content(lxml.html.fragment_fromstring(cleaned, create_parent="span"))


def xhtml_content(container: etree.Element) -> str:
    """What is inside ``container``, as XHTML: nh3 and lxml.html write HTML (``&nbsp;``, ``<br>``), EPUB wants XML.

    An empty element is written open and closed (``<span></span>``), never ``<span/>``: the print document is
    read as HTML, where ``<span/>`` opens a span that the rest of the piece falls into.
    """
    for element in container.iter():
        if element.text is None and not len(element) and element.tag not in VOID_TAGS:
            element.text = ""
    return html.escape(container.text or "", quote=False) + "".join(
        etree.tostring(child, method="xml", encoding="unicode") for child in container
    )


REMOVED_BIDI = dict.fromkeys(map(ord, BIDI_OVERRIDES))


def strip_bidi_overrides(text: str, piece: Piece) -> tuple[str, list[PublishWarning]]:
    """``text`` without bidirectional embeddings and overrides, and a warning for each line that had one."""
    if not any(ch in text for ch in BIDI_OVERRIDES):
        return text, []
    warnings = [
        PublishWarning(
            "removed bidirectional override characters (U+202A–U+202E), which make text display other than it reads",
            piece.path,
            piece.body_line + offset,
        )
        for offset, line in enumerate(piece.lines)
        if line != line.translate(REMOVED_BIDI)
    ]
    return text.translate(REMOVED_BIDI), warnings


def svg_problem(data: bytes) -> str | None:
    """Why an SVG image cannot go into the book, or None.

    An SVG is a document: it may carry scripts (making the EPUB scripted) or
    load other files. Its own ``#fragments`` and raster ``data:`` images are fine.
    """
    try:
        root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    except etree.XMLSyntaxError as error:
        return f"is not a well-formed SVG file ({error.msg})"
    tree = root.getroottree()
    if tree.docinfo.internalDTD is not None or tree.docinfo.doctype:
        return "has a DOCTYPE, which may load other files: remove it from the SVG"
    if any(isinstance(node, etree._ProcessingInstruction) for node in root.itersiblings(preceding=True)):
        return "has a processing instruction (such as xml-stylesheet): remove it from the SVG"
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        name = etree.QName(element).localname
        if name in ("script", "foreignObject", "iframe", "style"):
            return f"contains <{name}>, which a book cannot carry: remove it from the SVG"
        if name in ("set", "animate") and "href" in (element.get("attributeName") or ""):
            return f"animates a link (<{name}>), which a book cannot carry: remove it from the SVG"
        for attribute, value in element.attrib.items():
            local = etree.QName(attribute).localname
            squashed = "".join(value.split()).lower()
            if local.startswith("on") or "javascript:" in squashed:
                return f"has script in its {local} attribute, which a book cannot carry: remove it from the SVG"
            if "url(" in squashed and not all(part.startswith("#") for part in squashed.split("url(")[1:]):
                return f"refers to another file in its {local} attribute: an SVG in a book must be self-contained"
            if local == "href" and not (value.startswith("#") or _raster_data(value)):
                return (
                    f"refers to {value[:60]!r}: an SVG in a book must carry its images inside it, as PNG or JPEG data"
                )
    return None


def _raster_data(url: str) -> bool:
    return url.startswith(("data:image/png", "data:image/jpeg", "data:image/gif", "data:image/webp"))


def sanitize(html: str, piece: Piece) -> tuple[str, list[PublishWarning]]:
    """``html`` with only allowed tags, attributes and URLs, and a warning for each removal."""
    finder = _RemovalFinder(piece)
    finder.feed(html)
    finder.close()
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags=REMOVED_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        filter_style_properties=STYLE_PROPERTIES,
        link_rel=None,
        strip_comments=True,
    )
    return cleaned, list(dict.fromkeys(finder.warnings))


class _RemovalFinder(HTMLParser):
    """Walks the HTML as nh3 will, noting what it is about to remove."""

    def __init__(self, piece: Piece):
        super().__init__(convert_charrefs=True)
        self.piece = piece
        self.warnings: list[PublishWarning] = []
        self.removing: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.removing:
            return
        written = self.get_starttag_text() or f"<{tag}"
        if tag in REMOVED_WITH_CONTENT:
            content = "" if tag in VOID_TAGS else " and its content"
            self._warn(f"removed <{tag}>{content}: pieces cannot run code or embed other documents", written)
            if tag not in VOID_TAGS:
                self.removing.append(tag)
            return
        elif tag not in ALLOWED_TAGS:
            self._warn(f"removed the <{tag}> tag (its text is kept): it is not allowed in a book", written)
            return
        allowed = ALLOWED_ATTRIBUTES["*"] | ALLOWED_ATTRIBUTES.get(tag, set())
        for name, value in attrs:
            if name.startswith("on"):
                self._warn(f"removed the {name} event handler of <{tag}>: pieces cannot run code", written)
            elif name not in allowed:
                self._warn(f"removed the {name} attribute of <{tag}>: it is not allowed in a book", written)
            elif name in URL_ATTRIBUTES and value and ":" in value.split("/", 1)[0]:
                scheme = value.split(":", 1)[0].strip().lower()
                if scheme not in URL_SCHEMES:
                    self._warn(f"removed a {scheme}: address from <{tag}>: pieces cannot run code or load it", written)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        was_removing = bool(self.removing)
        self.handle_starttag(tag, attrs)
        if not was_removing and self.removing:
            self.removing.pop()  # written self-closed: nothing inside to skip

    def handle_endtag(self, tag: str) -> None:
        if self.removing and self.removing[-1] == tag:
            self.removing.pop()

    def _warn(self, message: str, written: str) -> None:
        line = self.piece.line_of(written) or self.piece.line_of(written.split()[0].rstrip(">"))
        self.warnings.append(PublishWarning(message, self.piece.path, line))
