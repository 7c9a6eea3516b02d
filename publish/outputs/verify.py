"""Every new output is read back before it may replace the last good one.

A library's bug, a font or image damaged on its way in, or memory running
out half-way through a write would otherwise put a broken book where a good
one was, and the build would say it had succeeded. What is checked here is
what a reader's device needs first: the PDF opens and has every page; the
EPUB is a zip with ``mimetype`` first and uncompressed, and every document,
font and image it lists is there, non-empty and readable.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from pathlib import Path

from lxml import etree

from publish.errors import PublishError
from publish.outputs.registry import format_of

EPUB_MIMETYPE = b"application/epub+zip"
MARKUP = (".xhtml", ".html", ".opf", ".ncx", ".xml", ".svg")
FONTS = (".otf", ".ttf", ".woff", ".woff2")
RASTER_IMAGES = (".jpg", ".jpeg", ".png", ".gif", ".webp")
OPF_NS = {"opf": "http://www.idpf.org/2007/opf"}
# Markup read back as the build wrote it: no entities resolved, nothing fetched, no size tricks.
# How qpdf names the bytes it read from memory, at the start of its messages.
QPDF_SOURCE = re.compile(r"^stream <[^>]*>:? *")
SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


class BrokenOutput(Exception):
    """What is wrong with a new output, in a few words."""


def load_libraries() -> None:
    """Import what the checks read with while the build waits for the layout anyway, not after it."""
    import fontTools.ttLib  # noqa: F401
    import pikepdf  # noqa: F401
    import PIL.Image  # noqa: F401


def check_outputs(outputs: dict[Path, bytes], page_counts: dict[str, int]) -> None:
    """Read back each file in ``outputs`` as its format says; ``page_counts`` holds each printed file's page
    count by file-name ending."""
    for path, data in outputs.items():
        fmt = format_of(path)
        if fmt is None or fmt.read_back is None:
            continue
        pages = next(
            (page_counts[end] for end in sorted(page_counts, key=len, reverse=True) if path.name.endswith(end)), 0
        )
        try:
            fmt.read_back(data, pages)
        except BrokenOutput as broken:
            raise unreadable(path.name, str(broken)) from None


def unreadable(name: str, reason: str) -> PublishError:
    """The error for a new output that did not read back."""
    return PublishError(
        f"the new {name} did not read back whole ({reason}), so the last good files were kept: "
        "build again with --fresh, and report it if it happens again"
    )


def read_back_pdf(data: bytes, pages: int) -> None:
    """The PDF opens without qpdf repairing anything, every object in it resolves and every stream decodes, and it
    has every page.

    The page tree is walked as it is stored (pikepdf's default copies inherited attributes down to every page, which
    was most of the time this takes), and the objects are taken by number rather than listed together: each of
    generation 0, as every writer here (pydyf, qpdf, pypdf, pdf_objects.py) numbers them.
    """
    import pikepdf

    try:
        with pikepdf.open(io.BytesIO(data), inherit_page_attributes=False) as pdf:
            found = len(pdf.pages)
            if "/Size" not in pdf.trailer:
                raise BrokenOutput("its trailer gives no number of objects")
            size = int(pdf.trailer.Size)
            for number in range(1, size):
                stored = pdf.get_object(number, 0)
                if isinstance(stored, pikepdf.Stream):
                    stored.read_bytes(pikepdf.StreamDecodeLevel.all)
            repaired = pdf.get_warnings()
    except pikepdf.PdfError as error:
        raise BrokenOutput(f"the PDF does not open: {_unnamed(str(error))}") from None
    if repaired:
        raise BrokenOutput(f"the PDF does not open: {_unnamed(repaired[0])}")
    if found != pages:
        raise BrokenOutput(f"it has {found} pages where {pages} were laid out")


def _unnamed(message: str) -> str:
    """qpdf's message without the name it gives the bytes it read (the file is named by the error's caller)."""
    return QPDF_SOURCE.sub("", message)


def read_back_zip(data: bytes) -> None:
    """A zip (the web edition's) that opens, and whose checksums hold, with an ``index.html``."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        if (damaged := archive.testzip()) is not None:
            raise BrokenOutput(f"{damaged} does not match its checksum")
        if "index.html" not in archive.namelist():
            raise BrokenOutput("it holds no index.html")
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise BrokenOutput(f"it does not open as a zip: {error}") from None


def read_back_epub(data: bytes) -> None:
    """The EPUB opens as a zip whose checksums hold, with ``mimetype`` first, and holds whole every file its
    manifest lists."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
        first = members[0] if members else None
        if first is None or first.filename != "mimetype" or first.compress_type != zipfile.ZIP_STORED:
            raise BrokenOutput("its first entry is not an uncompressed mimetype")
        if archive.read(first) != EPUB_MIMETYPE:
            raise BrokenOutput("its mimetype is not application/epub+zip")
        if (damaged := archive.testzip()) is not None:
            raise BrokenOutput(f"{damaged} does not match its checksum")
        contents = {member.filename: archive.read(member) for member in members}
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise BrokenOutput(f"it does not open as a zip: {error}") from None
    package = _package_path(contents)
    listed = [
        posixpath.normpath(posixpath.join(posixpath.dirname(package), href)) for href in _manifest(contents[package])
    ]
    for name in [package, *listed]:
        if name not in contents:
            raise BrokenOutput(f"{name} is listed but missing")
        _check_member(name, contents[name])


def _package_path(contents: dict[str, bytes]) -> str:
    container = _parsed("META-INF/container.xml", contents.get("META-INF/container.xml", b""))
    paths = container.xpath("//*[local-name()='rootfile']/@full-path")
    if not paths or paths[0] not in contents:
        raise BrokenOutput("META-INF/container.xml names no package document in the EPUB")
    return str(paths[0])


def _manifest(package: bytes) -> list[str]:
    return [
        str(href)
        for href in _parsed("the package document", package).xpath("//opf:manifest/opf:item/@href", namespaces=OPF_NS)
    ]


def _check_member(name: str, data: bytes) -> None:
    if not data:
        raise BrokenOutput(f"{name} is empty")
    suffix = posixpath.splitext(name)[1].lower()
    if suffix in MARKUP:
        _parsed(name, data)
    elif suffix == ".css":
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise BrokenOutput(f"{name} is not UTF-8 text") from None
    elif suffix in FONTS:
        _check_font(name, data)
    elif suffix in RASTER_IMAGES:
        _check_image(name, data)


def _parsed(name: str, data: bytes) -> etree._Element:
    try:
        return etree.fromstring(data, SAFE_XML)
    except etree.XMLSyntaxError as error:
        raise BrokenOutput(f"{name} is not well-formed: {error}") from None


def _check_font(name: str, data: bytes) -> None:
    from fontTools.ttLib import TTFont

    try:
        font = TTFont(io.BytesIO(data), checkChecksums=2)
        for tag in font.reader.keys():  # noqa: SIM118 — the reader iterates by index, not by tag
            font.reader[tag]  # noqa: B018 — reads the table whole and checks its checksum, which a garbled byte breaks
    except Exception as error:  # fontTools raises whatever the damaged table leads it to
        raise BrokenOutput(f"the font {name} does not read: {error}") from None


def _check_image(name: str, data: bytes) -> None:
    from publish.read.images import MAX_MEGAPIXELS, ImageLimits, ImageRefused, fitted

    try:
        fitted(data, name, ImageLimits(max_pixels=MAX_MEGAPIXELS * 1_000_000))  # decodes it whole, or refuses
    except ImageRefused as refused:
        raise BrokenOutput(f"the image {refused}") from None
