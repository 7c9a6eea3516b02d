"""The web edition: the book as a small static site (a page a piece, the theme's styles and fonts, the images),
in a folder that opens from ``file://`` or any static host, and as one zip of that folder to pass on."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from publish.outputs.screen_images import screen_image
from publish.render.assemble import AssembledBook


def site_files(book: AssembledBook) -> dict[str, bytes]:
    """Every file of the site, by its path in the site's folder."""
    files = {page.file_name: page.content.encode("utf-8") for page in book.web_pages}
    files["style.css"] = book.theme.joined("web.css")
    files["fonts/fonts.css"] = book.theme.joined("fonts/fonts.css")
    for font in book.theme.fonts:
        files[f"fonts/{font.name}"] = font.read_bytes()
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
