"""E-reader quality: accessibility metadata and structure, print page numbers, plain-text reading."""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pypdfium2
import pytest
from click.testing import CliRunner
from lxml import etree
from PIL import Image

from publish.cli import cli
from publish.outputs.checks import check_ace_report, check_epub
from publish.outputs.pages import EPUB_EDITION

from .conftest import MANUSCRIPT, XHTML_NS

OPF_NS = {"opf": "http://www.idpf.org/2007/opf"}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"


def opf(book) -> etree._Element:
    with zipfile.ZipFile(book.epub) as archive:
        return etree.fromstring(archive.read("EPUB/content.opf"))


def meta(book, name: str) -> list[str]:
    return [m.text for m in opf(book).xpath(f"//opf:meta[@property='{name}']", namespaces=OPF_NS)]


def test_accessibility_metadata(sample_book):
    assert meta(sample_book, "schema:accessMode") == ["textual"]
    assert meta(sample_book, "schema:accessModeSufficient") == ["textual"]
    features = set(meta(sample_book, "schema:accessibilityFeature"))
    assert {"tableOfContents", "readingOrder", "structuralNavigation", "printPageNumbers"} <= features
    assert "alternativeText" not in features  # the sample book has no images
    assert meta(sample_book, "schema:accessibilityHazard") == ["none"]
    (summary,) = meta(sample_book, "schema:accessibilitySummary")
    assert len(summary) > 40
    assert meta(sample_book, "dcterms:conformsTo") == ["EPUB Accessibility 1.1 - WCAG 2.1 Level AA"]
    assert meta(sample_book, "pageBreakSource") == ["urn:uuid:5f0c6a4e-8d3b-4c1e-9a57-2b7e41d9c3a8"]


def test_an_image_without_alt_text_fails_the_build_at_its_line(manuscript_copy, tmp_path):
    _png(tmp_path).rename(manuscript_copy / "still.png")
    response = manuscript_copy / "response.md"
    text = response.read_text()
    response.write_text(text.replace("Take the detail", "![](still.png)\n\nTake the detail"))
    line = next(n for n, row in enumerate(response.read_text().splitlines(), start=1) if "still.png" in row)
    result = CliRunner().invoke(cli, ["build", "--manuscript", str(manuscript_copy), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert f"response.md:{line}: image 'still.png' has no alt text" in result.stderr


def test_described_and_decorative_images_build(manuscript_copy, tmp_path):
    _png(tmp_path).rename(manuscript_copy / "still.png")
    response = manuscript_copy / "response.md"
    response.write_text(
        response.read_text().replace(
            "Take the detail",
            "![Two figures under a lamp post](still.png)\n\n![](still.png){: .decorative }\n\nTake the detail",
        )
    )
    result = CliRunner().invoke(
        cli, ["build", "--manuscript", str(manuscript_copy), "--out", str(tmp_path / "out"), "--quiet"]
    )
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(tmp_path / "out" / "what-the-epilogue-means.epub") as archive:
        page = archive.read("EPUB/response.xhtml").decode()
        assert [name for name in archive.namelist() if name.startswith("EPUB/images/still-")]
    assert 'alt="Two figures under a lamp post"' in page
    assert re.search(r'<img[^>]*alt=""[^>]*role="presentation"', page)


def _png(folder):
    path = folder / "picture.png"
    Image.new("RGB", (40, 30), "#1b2140").save(path)
    return path


def test_headings_start_at_h1_in_every_document_and_never_skip(sample_book):
    for name, document in sample_book.epub_documents().items():
        levels = [int(h.tag[-1]) for h in document.iter() if re.fullmatch(r"\{[^}]+\}h[1-6]", str(h.tag))]
        if name in ("cover.xhtml", "nav.xhtml") or not levels:
            continue
        assert levels[0] == 1, name
        assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), (name, levels)


def test_semantic_roles(sample_book):
    documents = sample_book.epub_documents()
    assert documents["foreword.xhtml"].xpath("//x:section[@role='doc-chapter']", namespaces=XHTML_NS)
    assert documents["contents.xhtml"].xpath("//x:nav[@role='doc-toc']", namespaces=XHTML_NS)
    assert documents["colophon.xhtml"].xpath("//x:section[@role='doc-colophon']", namespaces=XHTML_NS)
    assert documents["response.xhtml"].xpath("//x:aside[@role='doc-footnote']", namespaces=XHTML_NS)
    assert documents["response.xhtml"].xpath("//x:a[@role='doc-noteref']", namespaces=XHTML_NS)
    assert documents["response.xhtml"].xpath("//x:span[@role='doc-pagebreak']", namespaces=XHTML_NS)


# ---- Print page numbers ------------------------------------------------------


def page_list(book) -> list[tuple[str, str]]:
    nav = book.epub_documents()["nav.xhtml"]
    links = nav.xpath("//x:nav[@epub:type='page-list']//x:a", namespaces=XHTML_NS)
    return [(a.text, a.get("href")) for a in links]


def text_after(document: etree._Element, marker_id: str) -> str:
    """The counted text from a page marker to the end of its document."""
    marker = document.xpath(f"//*[@id='{marker_id}']", namespaces=XHTML_NS)[0]
    texts = []
    for node in marker.xpath("following::text()"):
        parent = node.getparent()
        owner = parent if node.is_text else parent.getparent()
        excluded = any(
            set((el.get("class") or "").split()) & EPUB_EDITION.apart for el in [owner, *owner.iterancestors()]
        )
        if not excluded:
            texts.append(str(node))
    return "".join(texts)


def test_page_list_has_every_printed_page_in_order(sample_book):
    pages = len(pypdfium2.PdfDocument(str(sample_book.pdf)))
    listed = page_list(sample_book)
    assert [label for label, _ in listed] == [str(n) for n in range(1, pages + 1)]
    documents = sample_book.epub_documents()
    for label, href in listed:
        name, anchor = href.split("#")
        marker = documents[name].xpath(f"//*[@id='{anchor}']", namespaces=XHTML_NS)[0]
        assert marker.get(EPUB_TYPE) == "pagebreak" and marker.get("role") == "doc-pagebreak"
        assert marker.get("aria-label") == label


def test_epub_page_markers_fall_where_printed_pages_begin(sample_book):
    pdf = pypdfium2.PdfDocument(str(sample_book.pdf))
    documents = sample_book.epub_documents()
    mid_text = 0
    for label, href in page_list(sample_book):
        name, anchor = href.split("#")
        printed = "".join(pdf[int(label) - 1].get_textpage().get_text_range().split())
        after = "".join(text_after(documents[name], anchor).split())
        # A blank page, or a page the layout left for notes (only its heading), begins no section's text.
        if printed.lower() in ("", "notes") or not after or name == "cover.xhtml":
            continue
        marker = documents[name].xpath(f"//*[@id='{anchor}']", namespaces=XHTML_NS)[0]
        section = marker.getparent()
        before = list(section)[: list(section).index(marker)]
        opens_section = all(
            sibling.get("role") == "doc-pagebreak" and not (sibling.tail or "").strip() for sibling in before
        )
        if section.get("data-section") is not None and opens_section and not (section.text or "").strip():
            # A page that opens a section: its heading is printed on that page.
            heading = section.xpath(".//x:h1 | .//x:h2", namespaces=XHTML_NS)
            if heading:
                assert "".join("".join(heading[0].itertext()).split()).lower() in printed.lower(), label
        else:
            # A page that begins mid-text: the same characters follow the marker (in print a heading may be set
            # in small caps, lowercased).
            assert printed[:40].lower() == after[:40].lower(), label
            mid_text += 1
    assert mid_text >= 3  # pages 9, 13 and 14 of the sample book begin mid-paragraph


def test_ncx_and_nav_agree_on_the_contents(sample_book):
    with zipfile.ZipFile(sample_book.epub) as archive:
        ncx = etree.fromstring(archive.read("EPUB/toc.ncx"))
    labels = [t.text for t in ncx.iter("{http://www.daisy.org/z3986/2005/ncx/}text")][1:]
    nav = sample_book.epub_documents()["nav.xhtml"]
    toc = [a.text for a in nav.xpath("//x:nav[@epub:type='toc']//x:a", namespaces=XHTML_NS)]
    assert labels == toc


# ---- Reading without CSS --------------------------------------------------------


def test_plain_text_reading_order_makes_sense(sample_book):
    with zipfile.ZipFile(sample_book.epub) as archive:
        package = etree.fromstring(archive.read("EPUB/content.opf"))
        manifest = {item.get("id"): item.get("href") for item in package.xpath("//opf:item", namespaces=OPF_NS)}
        spine = [manifest[ref.get("idref")] for ref in package.xpath("//opf:itemref", namespaces=OPF_NS)]
        text = "\n".join(
            " ".join("".join(etree.fromstring(archive.read(f"EPUB/{name}")).itertext()).split()) for name in spine
        )
    order = [
        "What the Epilogue Means",
        "Contents",
        "Before the Lights Come Up",
        "Spoiler warning",
        "Would rather not know yet? Skip to Colophon",
        "A Very Happy Ending",
        "Never in my life",
        "Spoiler warning",
        "The Last Look Back",
        "[spoiler 1]",
        "1. The epilogue is staged",
        "Colophon",
        "Spoilers revealed",
        "Spoiler 1. she once told him to use",
    ]
    position = 0
    for phrase in order:
        found = text.find(phrase, position)
        assert found >= 0, phrase
        position = found + len(phrase)


# ---- Kindle and Kobo ---------------------------------------------------------------


@pytest.mark.skipif(
    shutil.which("ebook-convert") is None, reason="calibre's ebook-convert is not installed (apt-get install calibre)"
)
def test_calibre_converts_to_azw3_with_text_notes_and_cover(sample_book, tmp_path):
    target = tmp_path / "book.azw3"
    subprocess.run(["ebook-convert", str(sample_book.epub), str(target)], check=True, capture_output=True, timeout=300)
    assert target.stat().st_size > 50_000
    subprocess.run(
        ["ebook-convert", str(target), str(tmp_path / "back.txt")], check=True, capture_output=True, timeout=300
    )
    text = (tmp_path / "back.txt").read_text()
    assert "Never in my life" in text and "An American in Paris" in text and "she once told him to use" in text
    subprocess.run(
        ["ebook-meta", str(target), "--get-cover", str(tmp_path / "cover.jpg")],
        check=True,
        capture_output=True,
        timeout=120,
    )
    cover = Image.open(tmp_path / "cover.jpg")
    assert max(cover.size) >= 1600


def test_package_document_declares_its_language(sample_book):
    assert opf(sample_book).get("{http://www.w3.org/XML/1998/namespace}lang") == "en"


ACE = Path(__file__).resolve().parent.parent / ".venv" / "ace" / "node_modules" / ".bin" / "ace-cli"


@pytest.mark.skipif(
    not ACE.exists() or not Path("/usr/bin/chromium").exists(),
    reason="DAISY Ace is not installed: run 'make a11y' once",
)
def test_daisy_ace_finds_no_critical_or_serious_violation(sample_book, tmp_path):
    subprocess.run(
        [str(ACE), "--silent", "--force", "--outdir", str(tmp_path), str(sample_book.epub)],
        check=True,
        timeout=300,
        env={**os.environ, "PUPPETEER_EXECUTABLE_PATH": "/usr/bin/chromium"},
    )
    result = check_ace_report(sample_book.epub, tmp_path / "report.json")
    assert result.ok, result.detail


PAGE_BREAK = re.compile(r'<span epub:type="pagebreak"[^>]*/>')


@pytest.mark.timeout(120)
def test_an_epub_built_alone_is_the_same_book_without_print_page_numbers(sample_book, tmp_path):
    """``--format epub`` lays out only the cover, so it cannot know where printed pages begin; nothing else differs."""
    result = CliRunner().invoke(
        cli, ["build", "--format", "epub", "--quiet", "--manuscript", str(MANUSCRIPT), "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    (alone,) = tmp_path.glob("*.epub")
    with zipfile.ZipFile(sample_book.epub) as together, zipfile.ZipFile(alone) as separate:
        assert together.namelist() == separate.namelist()
        assert together.read("EPUB/cover.jpg") == separate.read("EPUB/cover.jpg")
        for name in together.namelist():
            if name.endswith(".xhtml") and not name.endswith("nav.xhtml"):
                assert PAGE_BREAK.sub("", together.read(name).decode()) == separate.read(name).decode(), name
        assert b"page-list" in together.read("EPUB/nav.xhtml") and b"page-list" not in separate.read("EPUB/nav.xhtml")
        opf_alone = separate.read("EPUB/content.opf").decode()
    assert "printPageNumbers" not in opf_alone and "pageBreakSource" not in opf_alone
    assert check_epub(alone)[0].ok, check_epub(alone)[0].detail
