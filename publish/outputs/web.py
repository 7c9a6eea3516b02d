"""The web edition: the book as a small static site (a page a piece, the theme's styles and fonts, the images),
in a folder that opens from ``file://`` or any static host, and as one zip of that folder to pass on."""

from __future__ import annotations

import datetime as dt
import functools
import io
import re
import zipfile
from pathlib import Path

from fontTools.ttLib import TTFont

from publish.outputs.epub import ALWAYS_KEPT, subset_font
from publish.outputs.pages import WEB_EDITION, place_page_markers
from publish.outputs.registry import BookParts
from publish.outputs.screen_images import screen_image
from publish.outputs.web_feeds import atom_feed, sitemap
from publish.read.remembering import Remembering
from publish.render.assemble import AssembledBook

# A face in the theme's fonts.css, by its file: the web's is the same face cut down, as WOFF2.
FONT_FILE = re.compile(r"""url\(\s*(["']?)([^"')]+)\.(?:otf|ttf)\1\s*\)""", re.IGNORECASE)
FONT_FACE = re.compile(r"@font-face\s*\{[^}]*\}", re.IGNORECASE)
FAMILY = re.compile(r"""font-family:\s*["']?([^"';]+)""", re.IGNORECASE)
QUOTED = re.compile(r"""(["'])([^"'\n]+)\1""")
COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


def web_faces(book: AssembledBook) -> list[str]:
    """The theme's ``@font-face`` rules for the families its web.css names (not the print edition's own, such as
    classic's 8-point faces for notes and heads)."""
    styles = COMMENT.sub("", book.theme.joined("web.css").decode("utf-8"))
    named = {match.group(2) for match in QUOTED.finditer(styles)}
    rules = FONT_FACE.findall(book.theme.joined("fonts/fonts.css").decode("utf-8"))
    return [rule for rule in rules if (family := FAMILY.search(rule)) and family.group(1).strip() in named]


def web_fonts(book: AssembledBook, memo: Remembering) -> dict[str, bytes]:
    """The fonts of ``web_faces`` cut down to the characters the site's pages use, as WOFF2, by file name;
    remembered by those characters, as the EPUB's are."""
    characters = "".join(sorted(set("".join(page.content for page in book.web_pages) + ALWAYS_KEPT)))
    used = {match.group(2) for rule in web_faces(book) for match in FONT_FILE.finditer(rule)}

    def cut(path: Path) -> bytes:
        font = TTFont(io.BytesIO(subset_font(path, characters)))
        font.flavor = "woff2"
        out = io.BytesIO()
        font.save(out)
        return out.getvalue()

    return {
        font.stem + ".woff2": memo.remember(
            memo.key("web font", font.name, characters), f"web font:{font.name}", functools.partial(cut, font)
        )
        for font in book.theme.fonts
        if font.stem in used
    }


def site_files(book: AssembledBook, fonts: dict[str, bytes], layout: BookParts) -> dict[str, bytes]:
    """Every file of the site, by its path in the site's folder; ``fonts`` from ``web_fonts``, the cover (and,
    when the PDF was laid out too, where its pages begin, marked in the pages) from the print ``layout``.
    Published at an address (``base_url``), the site also tells search engines and feed readers of itself."""
    pages = {page.file_name: page.content for page in book.web_pages}
    if layout.page_starts:
        pages, _ = place_page_markers(pages, layout.page_starts, WEB_EDITION)
    files = {name: content.encode("utf-8") for name, content in pages.items()}
    files["cover.jpg"] = layout.cover_jpeg
    if base_url := book.book.config.base_url:
        files["sitemap.xml"] = sitemap(book.web_pages, base_url, layout.moment)
        files["feed.xml"] = atom_feed(book, base_url, layout.moment)
    files["style.css"] = book.theme.joined("web.css")
    faces = "\n".join(web_faces(book)) + "\n"
    files["fonts/fonts.css"] = FONT_FILE.sub(r'url("\2.woff2") format("woff2")', faces).encode("utf-8")
    files.update({f"fonts/{name}": data for name, data in fonts.items()})
    for image in book.images:
        files[image.epub_name] = screen_image(image, book.resources)[1]
    return files


def site_zip(files: dict[str, bytes], moment: dt.datetime) -> bytes:
    """The site's files in one zip, in name order, each dated ``moment``: the same book makes the same bytes."""
    stamp = max(moment, dt.datetime(1980, 1, 1, tzinfo=dt.UTC)).timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name])
    return out.getvalue()


def site_from_zip(data: bytes) -> dict[str, bytes]:
    """The files a site's zip holds, by path: what the build writes into the site's folder beside it."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}
