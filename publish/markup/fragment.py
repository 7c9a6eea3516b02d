"""The last pass over a piece's HTML, after Markdown and the sanitizer.

Raw HTML only joins the document once Python-Markdown has finished, so ids,
links and images are checked here, where the writer's Markdown and HTML have
become one tree: every id made unique to the piece, every in-piece link
pointing at something, every image inside the allowed folders, described,
and of a type every e-reader shows.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import unquote, urlparse

import lxml.html
from lxml import etree

from publish.errors import PublishError, PublishWarning
from publish.markup.lines import keep_last_words_together, mark_right_to_left, offer_breaks
from publish.markup.sanitize import svg_problem, xhtml_content
from publish.markup.spoilers import disclose
from publish.markup.structure import Misplaced, add_class, first_words, fit_content_model
from publish.read.config import slugify
from publish.read.decoding import CONTROL_CHARACTERS
from publish.read.images import RASTER_TYPES, sniff_image
from publish.read.manuscript import Piece
from publish.read.resources import RefusedResource, ResourcePolicy
from publish.targets import Target

EPUB_IMAGE_DIR = "images"
# EPUB 3 core media types for images: every reading system must show these.
IMAGE_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
}
LINK_SCHEMES = ("http", "https", "mailto")
# A link to another piece: checked once every piece is rendered (assemble.settle_piece_links), by what the writer wrote.
PIECE_LINK = "piece-link"
PIECE_LINK_SOURCE = "data-link-source"
PIECE_LINK_TARGET = "data-link-piece"
# An address as RFC 3986 writes it (non-ASCII letters allowed, as in an IRI): no spaces, controls or stray brackets.
WEB_ADDRESS = re.compile(r"^(https?://(\[[0-9A-Fa-f:.]+\]|[^\s/?#\[\]@]+)(:\d+)?|mailto:)[^\s\x00-\x1f\x7f<>\\^`{|}]*$")
MAX_DEPTH = 40
# Attribute values the sanitizer lets through by name only; a value outside these is dropped,
# as EPUBCheck would refuse it. The one inline style kept is Python-Markdown's table alignment.
VALID_VALUES = {
    "style": re.compile(r"\s*text-align:\s*(left|right|center|justify)\s*;?\s*$"),
    "dir": re.compile(r"(ltr|rtl|auto)$"),
    "lang": re.compile(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$"),
    "role": re.compile(r"(presentation|note|doc-(noteref|footnote|endnotes|backlink|pagebreak))$"),
    "type": re.compile(r"[1aAiI]$"),
    "start": re.compile(r"-?\d{1,9}$"),
    "value": re.compile(r"-?\d{1,9}$"),
    "colspan": re.compile(r"[1-9]\d{0,3}$"),
    "rowspan": re.compile(r"\d{1,4}$"),
    "span": re.compile(r"[1-9]\d{0,3}$"),
    "width": re.compile(r"\d{1,5}$"),
    "height": re.compile(r"\d{1,5}$"),
    "datetime": re.compile(r"\d{4}(-\d\d(-\d\d([T ]\d\d:\d\d(:\d\d)?)?)?)?$"),
}
OPS = "http://www.idpf.org/2007/ops"
# libxml2 stops at 256 levels unless told the tree may be deep; hostile pieces nest 100 lists.
_PARSER = lxml.html.HTMLParser(huge_tree=True, remove_comments=True)


@dataclass(frozen=True)
class Image:
    """An image a piece shows: where it is read from, and its file name inside the EPUB."""

    source: str
    epub_name: str


@dataclass(frozen=True)
class PixelCheck:
    """A raster image a piece shows, to be decoded within the book's limits by ``check_pixels``."""

    data: bytes
    src: str
    line: int | None


def finish_fragment(
    html: str, piece: Piece, target: Target, resources: ResourcePolicy, book_pieces: dict[str, str] | None = None
) -> tuple[str, list[Image], list[PixelCheck], list[PublishWarning]]:
    """The piece's HTML as XHTML, with ids, links and images settled for ``target``, the raster images still to
    decode (``check_pixels``), and warnings for what was moved.

    ``book_pieces`` maps each piece file of the book (its resolved path) to
    its id, so that a link to another piece can lead to it.
    """
    container = lxml.html.fragment_fromstring(html or "<p></p>", create_parent="div", parser=_PARSER)
    _check_depth(container, piece)
    warnings = [_misplaced_warning(element, piece) for element in fit_content_model(container)]
    prefix = piece.id + "-"
    ids: set[str] = set()
    for element in container.iter():
        if element.get("id"):
            ids.add(_unique_id(prefix + re.sub(r"\s+", "-", element.get("id")), ids, element))
        for name, valid in VALID_VALUES.items():
            if element.get(name) is not None and not valid.match(element.get(name)):
                del element.attrib[name]
    for link in list(container.iter("a")):
        problem = _settle_link(link, piece, prefix, ids, target, book_pieces or {})
        if problem:
            warnings.append(problem)
            link.drop_tag()  # lxml.html's own unwrapping: the words stay, the link goes
    pixel_checks: list[PixelCheck] = []
    images = [_settle_image(img, piece, target, resources, pixel_checks) for img in container.iter("img")]
    mark_right_to_left(container)
    if target == Target.PRINT:
        offer_breaks(container)
        keep_last_words_together(container)
    if target == Target.WEB:
        disclose(container)
    xhtml = xhtml_content(container)
    _refuse_non_characters(xhtml, piece)
    return xhtml, images, pixel_checks, warnings


def check_pixels(checks: list[PixelCheck], piece: Piece, resources: ResourcePolicy) -> None:
    """Decode each raster image within the book's limits: one over them, cut short or damaged is an error with its
    line. Done once the piece's text is converted, outside its CPU budget: decoding a photo is not the text's time."""
    for check in checks:
        try:
            resources.image(check.data, check.src)
        except RefusedResource as refusal:
            raise PublishError(f"image {refusal}", piece.path, check.line) from None


def link_across(html: str, moved: str, here: str, there: str) -> tuple[str, str]:
    """``html`` and ``moved``, a part cut out of it (a piece's spoiler reveals), as the documents ``here`` and
    ``there``.

    ``finish_fragment`` settled the links within one piece; now that it lies in
    two files, a link from either part to an id in the other names that file.
    """
    wrapper = f'<div xmlns:epub="{OPS}">'
    parts = [etree.fromstring(f"{wrapper}{part}</div>") for part in (html, moved)]
    ids = [{element.get("id") for element in part.iter() if element.get("id")} for part in parts]
    for part, other_ids, other in ((parts[0], ids[1], there), (parts[1], ids[0], here)):
        for link in part.iter("a"):
            href = link.get("href") or ""
            if href.startswith("#") and href[1:] in other_ids:
                link.set("href", other + href)
    # Written out inside the wrapper, so that no element repeats its namespace declaration.
    return tuple(etree.tostring(part, encoding="unicode")[len(wrapper) : -len("</div>")] for part in parts)


def _refuse_non_characters(xhtml: str, piece: Piece) -> None:
    """A character reference can spell what no XML document may hold (``&#xFFFE;``): name it and its line."""
    found = CONTROL_CHARACTERS.search(xhtml)
    if found:
        code = ord(found.group())
        reference = re.compile(f"&#(x0*{code:x}|0*{code});", re.IGNORECASE)
        raise PublishError(
            f"the character reference for U+{code:04X} names a character no e-book may hold: remove it",
            piece.path,
            piece.line_matching(reference),
        )


def _misplaced_warning(misplaced: Misplaced, piece: Piece) -> PublishWarning:
    parent = "at the top level" if misplaced.at_top_level else f"inside <{misplaced.parent_tag}>"
    return PublishWarning(
        f"<{misplaced.tag}> may not stand {parent}: it was made a plain div or span, its words kept",
        piece.path,
        piece.line_of(misplaced.first_words) if misplaced.first_words else None,
    )


def _unique_id(wanted: str, taken: set[str], element: etree.Element) -> str:
    """``wanted``, or ``wanted-2``, ``-3``… if a heading, a note or raw HTML has it already (links go to the first)."""
    unique, count = wanted, 1
    while unique in taken:
        count += 1
        unique = f"{wanted}-{count}"
    element.set("id", unique)
    return unique


def _check_depth(container: etree.Element, piece: Piece) -> None:
    """Refuse absurd nesting, which WeasyPrint's recursive layout cannot take."""
    stack = [(container, 0)]
    while stack:
        element, depth = stack.pop()
        if depth > MAX_DEPTH:
            words = first_words(element)
            raise PublishError(
                f"lists, quotes or tags are nested more than {MAX_DEPTH} levels deep here: flatten them",
                piece.path,
                piece.line_of(words) if words else None,
            )
        stack.extend((child, depth + 1) for child in element)


def _settle_link(
    link: etree.Element, piece: Piece, prefix: str, ids: set[str], target: Target, book_pieces: dict[str, str]
) -> PublishWarning | None:
    """Check and rewrite a link for ``target``; a warning if it can lead nowhere in a book (its words stay,
    unlinked)."""
    href = link.get("href")
    if href is None:
        return None
    try:
        parsed = urlparse(href)
    except ValueError:
        raise PublishError(
            f"the link to {href!r} is not a valid web address", piece.path, piece.line_of(href[:40])
        ) from None
    if href.startswith("#"):
        target_id = prefix + unquote(href[1:])
        if target_id not in ids:
            known = sorted("#" + name.removeprefix(prefix) for name in ids if not name.startswith(prefix + "note"))
            hint = " (this piece has " + ", ".join(known[:8]) + ")" if known else ""
            raise PublishError(
                f"the link to {href!r} goes nowhere: no heading or anchor in this piece has that id{hint}",
                piece.path,
                piece.line_of(f"({href})") or piece.line_of(href),
            )
        link.set("href", "#" + target_id)
    elif parsed.scheme.lower() in LINK_SCHEMES:
        if not WEB_ADDRESS.match(href) or (parsed.scheme.lower() != "mailto" and not parsed.netloc):
            line = piece.line_of(href[:40]) or piece.line_of(parsed.scheme + ":")
            raise PublishError(f"the link to {href!r} is not a valid web address", piece.path, line)
    elif not parsed.scheme and not parsed.netloc:
        other = book_pieces.get(str((piece.path.parent / unquote(parsed.path)).resolve())) if parsed.path else None
        if other is None:
            return PublishWarning(
                f"the link to {href!r} leads to a web page, not into the book: its words are kept as plain text "
                "(link to a web address, https://…, another piece, other.md, or a heading, #…)",
                piece.path,
                piece.line_of(f"({href})") or piece.line_of(href),
            )
        anchor = f"{other}-{unquote(parsed.fragment)}" if parsed.fragment else other
        suffix = Target(target).page_suffix
        link.set("href", (f"{other}{suffix}" if suffix else "") + "#" + anchor)
        add_class(link, PIECE_LINK)
        link.set(PIECE_LINK_SOURCE, href)
        link.set(PIECE_LINK_TARGET, other)
    else:
        raise PublishError(
            f"the link to {href!r} leads out of the book: link to a web address (https://…), another piece "
            "(other.md) or a heading in this piece (#…)",
            piece.path,
            piece.line_of(href),
        )
    return None


def _settle_image(
    img: etree.Element, piece: Piece, target: Target, resources: ResourcePolicy, pixel_checks: list[PixelCheck]
) -> Image:
    src = img.get("src", "")
    line = piece.line_of(src) if src else piece.line_of("<img") or piece.line_of("![")
    if not src:
        raise PublishError(
            "an image has no source (a data: or other address a book cannot load is removed): "
            "keep the image as a file beside the piece",
            piece.path,
            line,
        )
    try:
        if resources.is_remote(src) and resources.allow_remote:
            source = src
            suffix = PurePosixPath(urlparse(src).path).suffix.lower()
            name = "remote-" + hashlib.sha256(src.encode()).hexdigest()[:12] + suffix
        else:
            path = resources.local_path(src, piece.path.parent)
            source = path.as_uri()
            suffix = path.suffix.lower()
            # Named by content and path: unique, and safe in a zip and a URL whatever the file is called.
            digest = hashlib.sha256(str(path).encode()).hexdigest()[:8]
            name = f"{slugify(path.stem)[:40] or 'image'}-{digest}{suffix}"
            data = path.read_bytes()
            kind = sniff_image(data)
            if suffix in IMAGE_TYPES and kind != IMAGE_TYPES[suffix]:
                raise RefusedResource(
                    f"{src!r} is not what its name says ({kind or 'not an image'}): rename or convert it"
                )
            if kind == "image/svg+xml" and (problem := svg_problem(data)):
                raise RefusedResource(f"{src!r} {problem}")
            if kind in RASTER_TYPES:
                pixel_checks.append(PixelCheck(data, src, line))
    except RefusedResource as refusal:
        raise PublishError(f"image {refusal}", piece.path, line) from None
    if suffix not in IMAGE_TYPES:
        raise PublishError(
            f"image {src!r} is not a JPEG, PNG, GIF, WebP or SVG file, which every e-reader shows", piece.path, line
        )
    if "decorative" in (img.get("class") or "").split():
        img.set("alt", "")
        img.set("role", "presentation")
    elif not (img.get("alt") or "").strip():
        raise PublishError(
            f"image {src!r} has no alt text: describe it, as in ![what it shows]({src}), or mark it {{: .decorative }}",
            piece.path,
            line,
        )
    epub_name = posixpath.join(EPUB_IMAGE_DIR, name)
    img.set("src", source if target == Target.PRINT else epub_name)
    return Image(source=source, epub_name=epub_name)
