"""The e-book edition: the assembled XHTML pages packaged by EbookLib."""

from __future__ import annotations

import datetime as dt
import functools
import io
import re
import zipfile
from pathlib import Path

from ebooklib import epub
from lxml import etree

from publish.errors import PublishError
from publish.markup.fragment import Image
from publish.outputs.pages import PageStart, place_page_markers
from publish.outputs.screen_images import screen_image
from publish.read.remembering import Remembering
from publish.read.resources import ResourcePolicy
from publish.render.assemble import AssembledBook
from publish.render.epub_pages import EpubPage
from publish.render.theme import font_face

XHTML = "application/xhtml+xml"
# Images whose own format is compressed: deflating them again gains nothing.
COMPRESSED = (".jpg", ".jpeg", ".png", ".gif", ".webp")
# Print page numbers, and the hyphens (hyphen-minus, U+2010, soft hyphen) e-readers set where they break words.
ALWAYS_KEPT = "0123456789-\u2010\u00ad"
FONT_TYPES = {".otf": "font/otf", ".ttf": "font/ttf"}
# What an id of the package (an XML name) may not hold, of what file names hold.
NOT_IN_XML_NAMES = re.compile(r"[^A-Za-z0-9._-]")


def subset_fonts(book: AssembledBook, memo: Remembering) -> dict[str, bytes]:
    """The theme's fonts cut down to what the EPUB's pages use, by file name.

    The slowest part of the EPUB, and independent of the print layout, so a
    build can do it while the print edition is laid out, and remembered by
    the characters used, which most edits do not change. Print page
    numbers add only digits, which are always kept; so are the hyphens an
    e-reader's hyphenation adds (without them, a broken word's hyphen is
    drawn in the reader's fallback font).
    """
    for page in book.epub_pages:
        _check_well_formed(page)
    used_text = "".join(page.content for page in book.epub_pages) + book.epub_nav([]) + ALWAYS_KEPT
    characters = "".join(sorted(set(used_text)))
    return {
        font.name: memo.remember(
            memo.key("font", font.name, characters),
            f"font:{font.name}",
            functools.partial(subset_font, font, characters),
        )
        for font in book.theme.fonts
    }


def epub_bytes(
    book: AssembledBook, fonts: dict[str, bytes], cover_jpeg: bytes, modified: dt.datetime, print_pages: list[PageStart]
) -> bytes:
    """Package the book as EPUB 3 (with an EPUB 2 NCX and guide for old readers).

    ``fonts`` come from ``subset_fonts``; ``print_pages`` says where each
    page of the print edition begins, for the page-break markers and the
    nav's page list (none when the EPUB is built without the print edition).
    """
    config = book.manuscript.config
    package = epub.EpubBook()
    package.set_identifier(book.book.identifier)
    package.set_title(book.book.title)
    package.set_language(config.language)
    for number, author in enumerate(config.authors, start=1):
        package.add_author(author, uid=f"creator-{number}")
    if config.date:
        package.add_metadata("DC", "date", config.date.isoformat())
    for name, value in (
        ("description", book.book.description),
        ("publisher", config.publisher),
        ("rights", book.book.rights or config.license),
    ):
        if value:
            package.add_metadata("DC", name, value)
    for keyword in config.keywords:
        package.add_metadata("DC", "subject", keyword)
    _accessibility_metadata(package, book, print_page_numbers=bool(print_pages))
    # Apple Books uses a book's own fonts only when told to.
    package.add_prefix("ibooks", "http://vocabulary.itunes.apple.com/rdf/ibooks/vocabulary-extensions-1.0/")
    package.add_metadata(None, "meta", "true", {"property": "ibooks:specified-fonts"})

    package.add_item(_item("epub.css", "text/css", book.theme.joined("epub.css")))
    package.add_item(_item("fonts/fonts.css", "text/css", book.theme.joined("fonts/fonts.css")))
    # Print pages are marked in what is read in order; the reveals document is read by links only.
    contents, page_list = place_page_markers(
        {page.file_name: page.content for page in book.epub_pages if page.linear}, print_pages
    )
    nav = book.epub_nav(page_list)
    for name, data in fonts.items():
        package.add_item(_item(f"fonts/{name}", FONT_TYPES[Path(name).suffix.lower()], data))
    package.add_item(_item("cover.jpg", "image/jpeg", cover_jpeg, properties=["cover-image"], uid="cover-image"))
    package.add_metadata(None, "meta", "", {"name": "cover", "content": "cover-image"})
    for image in book.images:
        package.add_item(_image_item(image, book.resources))

    documents = []
    for page in book.epub_pages:
        content = contents.get(page.file_name, page.content)
        document = _item(
            page.file_name,
            XHTML,
            content.encode("utf-8"),
            properties=["svg"] if "<svg" in content else None,  # EPUB asks it of a page holding SVG markup
            uid=page.file_name.removesuffix(".xhtml"),
        )
        package.add_item(document)
        documents.append(document if page.linear else (document, "no"))
    package.add_item(_item("nav.xhtml", XHTML, nav.encode("utf-8"), properties=["nav"], uid="nav"))
    package.add_item(epub.EpubNcx())
    package.spine = documents
    package.toc = [
        epub.Link(entry.file_name, entry.label, package_id(entry.file_name.removesuffix(".xhtml")))
        for entry in book.epub_toc
    ]
    package.guide = [
        {
            "href": page.file_name,
            "title": page.title,
            "type": {"titlepage": "title-page", "bodymatter": "text"}.get(page.landmark, page.landmark),
        }
        for page in book.epub_pages
        if page.landmark
    ]
    out = io.BytesIO()
    # Not compressed here: finish_package compresses each entry once, as it re-packs the archive.
    epub.write_epub(
        out, package, {"mtime": modified, "epub3_pages": False, "epub3_landmark": False, "compresslevel": 0}
    )
    return finish_package(out.getvalue(), modified, config.language)


def finish_package(data: bytes, moment: dt.datetime, language: str) -> bytes:
    """Re-pack EbookLib's archive reproducibly, and give its package document a language.

    Every entry is dated ``moment``, mimetype first; it and the images
    that are compressed already are stored, the rest deflated at the
    fastest level (the default's slightly smaller archive is not worth its
    time in a rebuild). EbookLib has no option for the package's xml:lang,
    which accessibility checkers (DAISY Ace) require.
    """
    stamp = max(moment, dt.datetime(1980, 1, 1, tzinfo=dt.UTC)).timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        names = sorted(source.namelist(), key=lambda name: name != "mimetype")
        for name in names:
            content = source.read(name)
            if name.endswith(".opf"):
                package = etree.fromstring(content)
                package.set("{http://www.w3.org/XML/1998/namespace}lang", language)
                content = etree.tostring(package, encoding="utf-8", xml_declaration=True)
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = (
                zipfile.ZIP_STORED if name == "mimetype" or name.lower().endswith(COMPRESSED) else zipfile.ZIP_DEFLATED
            )
            info.external_attr = 0o644 << 16
            target.writestr(info, content, compresslevel=1)
    return out.getvalue()


def _accessibility_metadata(package: epub.EpubBook, book: AssembledBook, print_page_numbers: bool) -> None:
    """EPUB Accessibility 1.1 metadata: how the book can be read, and what it offers."""
    features = ["tableOfContents", "readingOrder", "structuralNavigation"]
    if print_page_numbers:
        features += ["printPageNumbers", "pageNavigation"]
    if book.images:
        features.append("alternativeText")
    words = book.context["words"]
    summary = " ".join(
        words.text(key)
        for key in (
            "accessibility_text_and_pages" if print_page_numbers else "accessibility_text",
            "accessibility_notes",
            *(["accessibility_images"] if book.images else []),
            "accessibility_hazards",
        )
    )
    entries = [("schema:accessMode", "textual"), ("schema:accessModeSufficient", "textual")]
    entries += [("schema:accessibilityFeature", feature) for feature in features]
    if print_page_numbers:
        entries.append(("pageBreakSource", book.book.identifier))
    entries += [
        ("schema:accessibilityHazard", "none"),
        ("schema:accessibilitySummary", summary),
        ("dcterms:conformsTo", "EPUB Accessibility 1.1 - WCAG 2.1 Level AA"),
    ]
    for name, value in entries:
        package.add_metadata(None, "meta", value, {"property": name})


def subset_font(path: Path, text: str) -> bytes:
    """The font cut down to the characters the book uses (in either case, for
    small caps and case transforms), keeping every OpenType feature and name.

    HarfBuzz's subsetter is far quicker than fontTools' (benchmarks/NOTES.md).
    HarfBuzz drops an old-style ``kern`` table, though:
    a font whose only kerning is there is cut by fontTools, which keeps it.
    """
    import uharfbuzz

    characters = set(text + text.upper() + text.lower())
    face = font_face(path)
    if "kern" in face.table_tags and "GPOS" not in face.table_tags:
        return _subset_keeping_old_kerning(path, characters)
    wanted = uharfbuzz.SubsetInput()
    wanted.unicode_set.update(ord(character) for character in characters)
    for every in (wanted.layout_feature_tag_set, wanted.name_id_set, wanted.name_lang_id_set):
        every.clear()
        every.invert()
    wanted.flags = uharfbuzz.SubsetFlags.NOTDEF_OUTLINE
    try:
        return uharfbuzz.subset(face, wanted).blob.data
    except RuntimeError:
        raise PublishError("not a font HarfBuzz can read, so it cannot be embedded in the EPUB", path) from None


def _subset_keeping_old_kerning(path: Path, characters: set[str]) -> bytes:
    from fontTools import subset

    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(characters)))
    font = subset.load_font(str(path), options, dontLoadGlyphNames=True)
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def package_id(name: str) -> str:
    """``name`` as an id of the package and its NCX may be: an XML name, which a piece's id (its file's name, say
    "01-opening") need not be: what is not a letter, a digit, ".", "-" or "_" becomes "-", and a name that does
    not begin with a letter begins with "_" (which a piece's id never holds, so no two names become one)."""
    name = NOT_IN_XML_NAMES.sub("-", name)
    return name if name[:1].isascii() and name[:1].isalpha() else f"_{name}"


def _item(
    file_name: str, media_type: str, content: bytes, properties: list[str] | None = None, uid: str | None = None
) -> epub.EpubItem:
    item = epub.EpubItem(
        uid=package_id(uid or file_name.replace("/", "-").replace(".", "-")),
        file_name=file_name,
        media_type=media_type,
        content=content,
    )
    item.properties = properties or []
    return item


def _image_item(image: Image, resources: ResourcePolicy) -> epub.EpubItem:
    return _item(image.epub_name, *screen_image(image, resources))


def _check_well_formed(page: EpubPage) -> None:
    try:
        etree.fromstring(page.content.encode("utf-8"))
    except etree.XMLSyntaxError as error:
        raise PublishError(
            f"the e-book page {page.file_name} is not well-formed XHTML ({error.msg}): check raw HTML in the piece",
            page.source or page.file_name,
        ) from None
