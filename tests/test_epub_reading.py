"""The EPUB as a reading system shows it: a cover that fits any screen, alignment and hyphenation left to the
reader, headings that never hyphenate, an imprint without a raw identifier, page markers in page order."""

from __future__ import annotations

import io
import re
import zipfile

from click.testing import CliRunner
from lxml import etree
from PIL import Image

from publish.cli import cli

from .conftest import PIECE_HEAD, XHTML_NS, one_piece_manuscript

SVG = {"svg": "http://www.w3.org/2000/svg", "xlink": "http://www.w3.org/1999/xlink"}
OPF = {"opf": "http://www.idpf.org/2007/opf"}


def test_the_cover_is_an_svg_wrapper_the_shape_of_its_picture(sample_book):
    with zipfile.ZipFile(sample_book.epub) as epub:
        cover = etree.fromstring(epub.read("EPUB/cover.xhtml"))
        size = Image.open(io.BytesIO(epub.read("EPUB/cover.jpg"))).size
        package = etree.fromstring(epub.read("EPUB/content.opf"))
    (svg,) = cover.xpath("//svg:svg", namespaces=SVG)
    assert svg.get("viewBox") == f"0 0 {size[0]} {size[1]}"
    assert svg.get("preserveAspectRatio") == "xMidYMid meet"
    assert svg.get("role") == "img" and svg.get("aria-label").startswith("Cover: What the Epilogue Means")
    (image,) = svg.xpath("svg:image", namespaces=SVG)
    assert image.get("{http://www.w3.org/1999/xlink}href") == "cover.jpg"
    assert (image.get("width"), image.get("height")) == (str(size[0]), str(size[1]))
    (item,) = package.xpath("//opf:item[@href='cover.xhtml']", namespaces=OPF)
    assert item.get("properties") == "svg"


def test_alignment_and_hyphenation_are_the_readers_and_headings_never_hyphenate(sample_book):
    with zipfile.ZipFile(sample_book.epub) as epub:
        css = epub.read("EPUB/epub.css").decode()
    assert "justify" not in css and not re.search(r"hyphens:\s*auto", css)
    headings = re.search(r"^h1, h2, h3, \.piece-title, \.book-title \{([^}]*)\}", css, re.M)
    assert headings and "hyphens: manual" in headings.group(1)
    assert re.search(r"@media \(max-width: 480px\) \{\s*\.piece-title, \.book-title \{ font-size: 1\.35em; \}", css)


def test_page_markers_come_in_page_order(sample_book):
    with zipfile.ZipFile(sample_book.epub) as epub:
        package = etree.fromstring(epub.read("EPUB/content.opf"))
        hrefs = {item.get("id"): item.get("href") for item in package.xpath("//opf:item", namespaces=OPF)}
        spine = [hrefs[ref] for ref in package.xpath("//opf:spine/opf:itemref/@idref", namespaces=OPF)]
        pages = [
            int(marker.get("id").removeprefix("page-"))
            for name in spine
            for marker in etree.fromstring(epub.read(f"EPUB/{name}")).xpath(
                "//*[@epub:type='pagebreak']", namespaces=XHTML_NS
            )
        ]
    assert pages == sorted(pages) and pages == list(range(1, len(pages) + 1))


def imprint_texts(out):
    (epub,) = out.glob("*.epub")
    with zipfile.ZipFile(epub) as archive:
        title_page = etree.fromstring(archive.read("EPUB/title.xhtml"))
    return " ".join(title_page.xpath("//x:body//text()", namespaces=XHTML_NS))


def test_the_imprint_shows_an_isbn_but_never_a_uuid(tmp_path):
    manuscript = one_piece_manuscript(tmp_path / "m", PIECE_HEAD + "Opening words.\n")
    args = ["build", "--manuscript", str(manuscript), "--out", str(tmp_path / "a"), "--format", "epub"]
    assert CliRunner().invoke(cli, args).exit_code == 0
    assert "urn:" not in imprint_texts(tmp_path / "a")
    config = manuscript / "book.toml"
    config.write_text('identifier = "978-0-306-40615-7"\n' + config.read_text())
    args = ["build", "--manuscript", str(manuscript), "--out", str(tmp_path / "b"), "--format", "epub"]
    assert CliRunner().invoke(cli, args).exit_code == 0
    assert "ISBN 9780306406157" in imprint_texts(tmp_path / "b")


def test_the_colophon_keeps_copyright_signs_years_and_initials_with_what_follows(sample_book):
    colophon = " ".join(sample_book.epub_documents()["colophon.xhtml"].itertext())
    credits = re.findall(r"©.{0,30}", colophon)
    assert credits and all(credit.startswith("©\u00a0") for credit in credits), credits
    assert "Georg A.\u00a0Duffner" in colophon and not re.search(r"\d{4}-\d{4}", colophon)
