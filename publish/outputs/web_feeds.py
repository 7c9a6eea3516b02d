"""What a web edition published at an address (book.toml's ``base_url``) tells the web about itself, beside each
page's own metadata (the theme's page template): a sitemap for search engines and an Atom feed for feed readers.

A feed entry links to a piece's first page, which for a piece with spoilers
is its warning, and says of it what a shared link's preview does: the
piece's summary, or for a piece with spoilers only that it has them.
"""

from __future__ import annotations

import datetime as dt

from lxml import etree

from publish.render.assemble import AssembledBook
from publish.render.web_pages import WebPage

SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def page_address(base_url: str, page: WebPage) -> str:
    """A page's address on the web: the index is the folder itself, as a static host serves it."""
    return base_url if page.file_name == "index.html" else base_url + page.file_name


def sitemap(pages: list[WebPage], base_url: str, moment: dt.datetime) -> bytes:
    urlset = etree.Element(f"{{{SITEMAP}}}urlset", nsmap={None: SITEMAP})
    for page in pages:
        url = etree.SubElement(urlset, f"{{{SITEMAP}}}url")
        etree.SubElement(url, f"{{{SITEMAP}}}loc").text = page_address(base_url, page)
        etree.SubElement(url, f"{{{SITEMAP}}}lastmod").text = moment.date().isoformat()
    return etree.tostring(urlset, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def atom_feed(book: AssembledBook, base_url: str, moment: dt.datetime) -> bytes:
    """An entry a piece, in reading order."""
    about = book.book
    feed = etree.Element(f"{{{ATOM}}}feed", {XML_LANG: about.config.language}, nsmap={None: ATOM})
    _text(feed, "id", about.identifier)
    _text(feed, "title", str(about.title))
    if about.description:
        _text(feed, "subtitle", str(about.description))
    _text(feed, "updated", _stamp(moment))
    etree.SubElement(feed, f"{{{ATOM}}}link", rel="self", type="application/atom+xml", href=base_url + "feed.xml")
    etree.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=base_url)
    for name in about.config.authors:
        _text(etree.SubElement(feed, f"{{{ATOM}}}author"), "name", name)
    first_page: WebPage | None = None
    for page in book.web_pages:
        if page.part == "warning":
            first_page = page
        if page.part != "piece":
            continue
        entry = etree.SubElement(feed, f"{{{ATOM}}}entry")
        _text(entry, "id", page_address(base_url, page))
        _text(entry, "title", page.title)
        link = page_address(base_url, first_page or page)
        etree.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=link)
        updated = dt.datetime.combine(page.date, dt.time(), dt.UTC) if page.date else moment
        _text(entry, "updated", _stamp(updated))
        _text(etree.SubElement(entry, f"{{{ATOM}}}author"), "name", page.author)
        if page.description:
            _text(entry, "summary", page.description)
        first_page = None
    return etree.tostring(feed, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _text(parent: etree._Element, name: str, text: str) -> None:
    etree.SubElement(parent, f"{{{ATOM}}}{name}").text = text


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
