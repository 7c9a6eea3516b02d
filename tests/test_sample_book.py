"""The sample book, built for real: what a reader of each edition gets."""

from __future__ import annotations

import io
import re
import zipfile

import pypdf
from fontTools.ttLib import TTFont

from publish.outputs.checks import check_pdf, pdf_fonts
from publish.read.config import DEFAULT_THEME
from publish.read.manuscript import load_manuscript
from publish.render.theme import Theme

from .conftest import MANUSCRIPT, XHTML_NS, words


def essay_words() -> set[str]:
    essay = next(p for p in load_manuscript(MANUSCRIPT).pieces if p.format == "text")
    return words(essay.body)


def test_every_word_of_the_essay_is_in_the_epub(sample_book):
    documents = sample_book.epub_documents()
    essay_page = documents["la-la-land-ending.xhtml"]
    text = "".join(essay_page.itertext())
    assert essay_words() <= words(text)


def test_every_word_of_the_essay_is_in_the_pdf(sample_book):
    text = "\n".join(sample_book.pdf_pages())
    assert essay_words() - words(text) == set()


def test_the_spoiler_tag_line_is_never_printed(sample_book):
    essay_pages = [text for text in sample_book.pdf_pages() if "Never in my life" in text or "ever in my life" in text]
    assert essay_pages
    for text in essay_pages + ["".join(sample_book.epub_documents()["la-la-land-ending.xhtml"].itertext())]:
        assert "contains spoilers" not in text.lower()
    assert "--contains" not in "\n".join(sample_book.pdf_pages())


def test_every_pdf_font_is_embedded_and_from_the_theme(sample_book):
    fonts = pdf_fonts(sample_book.pdf)
    assert fonts and all(fonts.values())
    assert all("Garamond" in name for name in fonts), fonts


def test_pdf_checks_pass(sample_book):
    families = [face.family for face in Theme.load(DEFAULT_THEME).typefaces]
    results = check_pdf(sample_book.pdf, families)
    assert [r.check for r in results if r.ok] == ["fonts embedded", "theme fonts", "page count", "metadata"]


def test_pdf_check_flags_a_pdf_without_the_theme_fonts(sample_book):
    results = check_pdf(sample_book.pdf, ["DejaVu Serif"])
    assert [r.check for r in results if not r.ok] == ["theme fonts"]


def test_pdf_metadata(sample_book):
    reader = pypdf.PdfReader(sample_book.pdf)
    info = reader.metadata
    assert info["/Title"] == "What the Epilogue Means"
    assert "Anonymous" in info["/Author"]
    assert "La La Land" in info["/Subject"]
    assert "zine" in info["/Keywords"]
    assert info["/CreationDate"]
    assert reader.trailer["/Root"]["/Lang"] == "en"


def piece_start_pages(sample_book) -> dict[str, int]:
    """1-based page on which each piece's title stands on a line of its own."""
    pages = sample_book.pdf_pages()
    starts = {}
    for piece in load_manuscript(MANUSCRIPT).pieces:
        starts[piece.meta.title] = next(
            number
            for number, text in enumerate(pages, start=1)
            if piece.meta.title in [line.strip() for line in text.splitlines()]
        )
    return starts


def test_contents_page_numbers_match_where_pieces_start(sample_book):
    pages = sample_book.pdf_pages()
    contents = next(text for text in pages if text.strip().lower().startswith("contents"))
    starts = piece_start_pages(sample_book)
    for title, page in starts.items():
        listed = re.search(re.escape(title) + r".*?(\d+)\s*$", contents, re.MULTILINE)
        assert listed, f"{title} not in contents:\n{contents}"
        assert int(listed.group(1)) == page, title


def test_every_piece_starts_on_a_right_hand_page_or_overleaf_from_its_warning(sample_book):
    starts = piece_start_pages(sample_book)
    assert len(starts) == 3
    pages = sample_book.pdf_pages()
    for title, page in starts.items():
        if "reveals what happens in" in " ".join(pages[page - 2].split()):
            assert page % 2 == 0, f"{title} must begin on the back of its warning's leaf"
        else:
            assert page % 2 == 1 and title == "Before the Lights Come Up", starts


def test_footnote_sits_on_the_page_of_its_call(sample_book):
    pages = sample_book.pdf_pages()
    call_page = next(i for i, text in enumerate(pages) if "swings the other way" in text)
    assert "An American in Paris" in pages[call_page]


def test_every_epub_document_declares_its_language(sample_book):
    for name, document in sample_book.epub_documents().items():
        assert document.get("lang") == "en", name
        assert document.get("{http://www.w3.org/XML/1998/namespace}lang") == "en", name


def test_epub_has_nav_landmarks_ncx_and_cover(sample_book):
    documents = sample_book.epub_documents()
    nav = documents["nav.xhtml"]
    assert nav.xpath("//x:nav[@epub:type='toc']//x:a", namespaces=XHTML_NS)
    landmarks = nav.xpath("//x:nav[@epub:type='landmarks']//x:a/@epub:type", namespaces=XHTML_NS)
    assert {"cover", "toc", "bodymatter"} <= set(landmarks)
    with zipfile.ZipFile(sample_book.epub) as archive:
        names = archive.namelist()
        assert names[0] == "mimetype"
        opf = archive.read("EPUB/content.opf").decode()
        assert any(name.endswith("toc.ncx") for name in names)
    assert 'properties="cover-image"' in opf
    for field in (
        "dc:identifier",
        "dc:title",
        "dc:creator",
        "dc:language",
        "dc:date",
        "dc:description",
        "dc:rights",
        "dcterms:modified",
    ):
        assert field in opf, field
    assert 'media-type="font/otf"' in opf


def test_epub_notes_link_both_ways(sample_book):
    documents = sample_book.epub_documents()
    refs = documents["response.xhtml"].xpath("//x:a[@epub:type='noteref']", namespaces=XHTML_NS)
    assert refs
    for ref in refs:
        # A footnote is in the same document, a spoiler's reveal in the reveals document.
        name, _, target = ref.get("href").rpartition("#")
        aside = documents[name or "response.xhtml"].xpath(f"//x:aside[@id='{target}']", namespaces=XHTML_NS)
        assert aside and aside[0].get("{http://www.idpf.org/2007/ops}type") == "footnote"
        back = aside[0].xpath(".//x:a[@role='doc-backlink']/@href", namespaces=XHTML_NS)
        assert back == [("response.xhtml" if name else "") + "#" + ref.get("id")]


def test_epub_fonts_are_subset_but_cover_the_text(sample_book):
    with zipfile.ZipFile(sample_book.epub) as archive:
        text = "".join("".join(doc.itertext()) for doc in sample_book.epub_documents().values())
        for font in Theme.load(DEFAULT_THEME).fonts:
            data = archive.read(f"EPUB/fonts/{font.name}")
            assert len(data) < font.stat().st_size
            if font.name == "EBGaramond12-Regular.otf":
                cmap = TTFont(io.BytesIO(data)).getBestCmap()
                assert {ch for ch in text if not ch.isspace()} <= {chr(code) for code in cmap}
                # An e-reader that hyphenates draws its hyphen (U+2010, say) in the book's face, not a fallback.
                assert {"-", "\u2010", "\u00ad"} <= {chr(code) for code in cmap}
