"""Spoilers: syntax, errors, warnings, hidden words, and the spoiler-free editions."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pypdf
import pytest
from click.testing import CliRunner

from publish.cli import cli
from publish.errors import PublishError
from publish.markup.convert import render_piece
from publish.outputs.epubcheck_jvm import epubcheck_messages
from publish.pipeline.build import BuildRequest, build
from publish.read.config import DEFAULT_THEME, PieceMeta
from publish.read.manuscript import Piece, load_manuscript
from publish.render.assemble import Edition

from .conftest import MANUSCRIPT, XHTML_NS, build_book, pdf_page_texts, rotated_runs, words

EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"


def piece(body: str, fmt: str = "markdown") -> Piece:
    return Piece(
        id="demo", path=Path("/book/demo.md"), format=fmt, meta=PieceMeta(title="Demo"), body=body, body_line=5
    )


# ---- Syntax -------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["markdown", "text"])
@pytest.mark.parametrize("source", ["They >!split up!< at the end.", "They ||split up|| at the end."])
def test_inline_spoilers_parse(fmt, source):
    html = render_piece(piece("Opening words here.\n\n" + source, fmt), "print", "foot").html
    assert '<span class="spoiler-reveal">split up</span>' in html
    assert ">!" not in html and "||" not in html


def test_reddit_marker_at_the_start_of_a_line_is_not_a_block_quote():
    html = render_piece(piece("Opening.\n\n>!He leaves.!< She stays.\n"), "print", "foot").html
    assert "<blockquote>" not in html and '<span class="spoiler-reveal">He leaves.</span>' in html


@pytest.mark.parametrize("fmt", ["markdown", "text"])
def test_block_spoilers_parse_with_and_without_label(fmt):
    source = (
        'Opening.\n\n::: spoiler "the last scene"\nShe leaves.\n\nHe plays.\n:::\n\n'
        "::: spoiler\nUnlabelled.\n:::\n\nAfter.\n"
    )
    html = render_piece(piece(source, fmt), "print", "foot").html
    assert '<p class="spoiler-block at-foot">the last scene<span class="spoiler-reveal">She leaves.' in html
    assert '<span class="note-para">He plays.</span>' in html
    assert '<p class="spoiler-block at-foot">A spoiler<span class="spoiler-reveal">Unlabelled.</span>' in html
    assert "<p>After.</p>" in html and ":::" not in html


def test_epub_spoilers_are_pop_up_notes_linked_both_ways():
    rendered = render_piece(
        piece('Opening.\n\nThey ||split up||.\n\n::: spoiler "end"\nShe leaves.\n:::\n'), "epub", "notes"
    )
    html, reveals = rendered.html, rendered.reveals_html
    assert (
        '<a class="spoiler-ref" epub:type="noteref" href="#demo-spoiler-1" id="demo-spoiler-ref-1"'
        ' role="doc-noteref">[spoiler 1]</a>' in html
    )
    assert "[spoiler 2: end]" in html
    assert re.search(
        r'<aside class="spoiler-note" epub:type="footnote" id="demo-spoiler-1" role="doc-footnote">'
        r'<p><a class="note-number" href="#demo-spoiler-ref-1" role="doc-backlink">Spoiler 1.</a> split up</p>',
        reveals,
    )
    assert 'id="demo-spoiler-2"' in reveals and "She leaves." in reveals
    assert "split up" not in html and "She leaves" not in html


def test_redaction_keeps_no_spoiler_words():
    html = render_piece(
        piece("Opening.\n\nThey ||split up||.\n\n::: spoiler\nShe leaves.\n:::\n"), "epub", "redact"
    ).html
    assert "split up" not in html and "She leaves" not in html
    assert html.count("[spoiler removed]") == 2


# ---- Malformed markers ----------------------------------------------------


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ("Fine.\n\nThey >!split up at the end.\n", 7, "unclosed spoiler: '>!'"),
        ("Fine.\n\nThey ||split up at the end.\n", 7, "unclosed spoiler: '||'"),
        ("Fine.\n\nThey split!< up.\n", 7, "unclosed spoiler: '!<'"),
        ("Fine.\n\nThey >!split ||up|| here!< now.\n", 7, "cannot be nested"),
        ("Fine.\n\n::: spoiler\nOne.\n\n::: spoiler\nTwo.\n:::\n:::\n", 10, "spoiler blocks cannot be nested"),
        ("Fine.\n\n::: spoiler\nNever closed.\n\nStill open.\n", 7, "never closed"),
        ("Fine.\n\n| a | b |\n|---|---|\n| ::: spoiler | x |\n", 9, "inside a table cell"),
        ("Fine.\n\n:::\n", 7, "':::' closes no spoiler block"),
    ],
    ids=[
        "unclosed-reddit",
        "unclosed-discord",
        "stray-closer",
        "nested-inline",
        "nested-block",
        "unclosed-block",
        "block-in-table-cell",
        "stray-block-end",
    ],
)
def test_malformed_markers_are_errors_at_their_line(body, line, message):
    with pytest.raises(PublishError) as raised:
        render_piece(piece(body), "print", "foot")
    assert str(raised.value).startswith(f"/book/demo.md:{line}: ")
    assert message in str(raised.value)


def test_malformed_marker_in_plain_text_is_an_error_too():
    with pytest.raises(PublishError, match="unclosed spoiler"):
        render_piece(piece("Fine.\n\nThey >!split up.\n", "text"), "epub", "notes")


# ---- The sample book in print ----------------------------------------------


def page_of(pages: list[str], needle: str) -> int:
    """The first page holding ``needle``, however its lines break."""
    return next(
        number for number, text in enumerate(pages, start=1) if " ".join(needle.split()) in " ".join(text.split())
    )


def test_warning_page_before_the_essay_says_where_to_skip(sample_book):
    pages = sample_book.pdf_pages()
    essay_start = page_of(pages, "A Very Happy Ending\nAnonymous")
    warning = page_of(pages, "A Very Happy Ending reveals what happens in")
    assert warning < essay_start and warning % 2 == 1
    assert "La La Land (2016)" in pages[warning - 1].replace("\n", " ")
    skip = re.search(r"Skip to page (\d+), the colophon\.", " ".join(pages[warning - 1].split()))
    # Nothing after the essay is spoiler-free, so the skip lands on the colophon, and says so.
    assert skip and pages[int(skip.group(1)) - 1].lower().startswith("colophon")


def build_pdf(manuscript: Path, out: Path) -> Path:
    """The print edition alone, for the tests that read nothing else."""
    (pdf,) = build(manuscript, DEFAULT_THEME, out, BuildRequest(formats=("pdf",)), lambda stage, seconds: None).written
    return pdf


def test_skip_lands_on_the_next_spoiler_free_piece(tmp_path, manuscript_copy):
    config = manuscript_copy / "book.toml"
    config.write_text(
        config.read_text().replace(
            '"foreword.md",\n  "la-la-land-ending.txt",', '"la-la-land-ending.txt",\n  "foreword.md",'
        )
    )
    pages = pdf_page_texts(build_pdf(manuscript_copy, tmp_path / "out"))
    warning = page_of(pages, "A Very Happy Ending reveals what happens in")
    skip = re.search(r"Skip to page (\d+), Before the Lights Come Up\.", " ".join(pages[warning - 1].split()))
    assert skip, pages[warning - 1]
    assert "Before the Lights Come Up" in [line.strip() for line in pages[int(skip.group(1)) - 1].splitlines()]


def test_contents_marks_spoiler_pieces_with_a_legend(sample_book):
    contents = next(text for text in sample_book.pdf_pages() if text.lower().startswith("contents"))
    assert "☞ A Very Happy Ending" in contents and "☞ The Last Look Back" in contents
    assert "☞ Before" not in contents
    assert "☞ Contains spoilers for La La Land (2016)" in contents


def test_inline_spoiler_is_upside_down_on_the_page_of_its_marker(sample_book):
    pages = sample_book.pdf_pages()
    marker_page = page_of(pages, "folded away: [spoiler 1]")
    upside_down = " ".join(rotated_runs(sample_book.pdf, marker_page))
    assert "they do not end up together" in upside_down
    assert "folded away" not in upside_down


def test_footnotes_and_spoilers_are_numbered_apart(sample_book):
    pages = sample_book.pdf_pages()
    page = page_of(pages, "swings the other way.1")
    # Footnote 1, and on the same page the second spoiler: its placeholder and its reveal.
    text = " ".join(pages[page - 1].split())
    assert "spoiler 2:" in text and "Spoiler 2." in text and "1. The epilogue" in text


def test_epub_marks_spoilers_in_nav_and_skips_past_them(sample_book):
    documents = sample_book.epub_documents()
    labels = [a.text for a in documents["nav.xhtml"].xpath("//x:nav[@epub:type='toc']//x:a", namespaces=XHTML_NS)]
    assert "A Very Happy Ending (spoilers)" in labels and "Before the Lights Come Up" in labels
    warning = documents["warning-la-la-land-ending.xhtml"]
    skip = warning.xpath("//x:a[@class='skip-link']", namespaces=XHTML_NS)[0]
    assert skip.get("href") == "colophon.xhtml"
    for name in ("response.xhtml", "foreword.xhtml"):
        for ref in documents[name].xpath("//x:a[@class='spoiler-ref']", namespaces=XHTML_NS):
            assert ref.get(EPUB_TYPE) == "noteref"
            reveals, _, target = ref.get("href").partition("#")
            aside = documents[reveals].xpath(f"//x:aside[@id='{target}']", namespaces=XHTML_NS)[0]
            assert aside.get(EPUB_TYPE) == "footnote"
            assert aside.xpath(".//x:a[@role='doc-backlink']/@href", namespaces=XHTML_NS) == [f"{name}#{ref.get('id')}"]
    with zipfile.ZipFile(sample_book.epub) as archive:
        assert "Contains spoilers for La La Land (2016)." in archive.read("EPUB/content.opf").decode()


# ---- Other editions ---------------------------------------------------------


def essay_sentences() -> list[str]:
    essay = next(p for p in load_manuscript(MANUSCRIPT).pieces if p.format == "text")
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", essay.body) if len(s.split()) > 4]


@pytest.fixture(scope="module")
def spoiler_free(tmp_path_factory):
    return build_book(MANUSCRIPT, tmp_path_factory.mktemp("free"), Edition(spoiler_free=True))


@pytest.fixture(scope="module")
def redacted(tmp_path_factory):
    return build_book(MANUSCRIPT, tmp_path_factory.mktemp("redacted"), Edition(spoiler_free=True, redact=True))


def test_spoiler_free_edition_leaves_out_the_spoiler_pieces(spoiler_free):
    assert spoiler_free.pdf.name == "what-the-epilogue-means-spoiler-free.pdf"
    assert spoiler_free.epub.name == "what-the-epilogue-means-spoiler-free.epub"
    pdf_text = " ".join(" ".join(spoiler_free.pdf_pages()).split())
    epub_text = " ".join("".join(d.itertext()) for d in spoiler_free.epub_documents().values())
    for sentence in essay_sentences():
        probe = " ".join(sentence.split()[:5])
        assert probe not in pdf_text and probe not in epub_text, probe
    assert "they do not end up together" not in pdf_text and "[spoiler removed]" in pdf_text
    assert "Spoiler-free edition" in spoiler_free.pdf_pages()[2]
    assert pypdf.PdfReader(spoiler_free.pdf).metadata["/Subject"].startswith("Spoiler-free edition.")
    assert epubcheck_messages(spoiler_free.epub) == []


def test_redacted_edition_keeps_pieces_but_not_marked_spoilers(redacted):
    pdf_text = " ".join(" ".join(redacted.pdf_pages()).split())
    epub_text = " ".join("".join(d.itertext()) for d in redacted.epub_documents().values())
    for hidden in ("they do not end up together", "she once told him to use", "The sign says Seb"):
        assert hidden not in pdf_text and hidden not in epub_text
    assert pdf_text.count("[spoiler removed]") == 3
    assert "A Very Happy Ending" in pdf_text
    assert epubcheck_messages(redacted.epub) == []


def test_notice_warnings_and_endnote_reveals(tmp_path, manuscript_copy):
    config = manuscript_copy / "book.toml"
    config.write_text(
        config.read_text()
        .replace('spoiler_warning = "page"', 'spoiler_warning = "notice"')
        .replace('spoiler_reveal = "foot"', 'spoiler_reveal = "endnotes"')
    )
    book = build_book(manuscript_copy, tmp_path / "out")
    pages = book.pdf_pages()
    essay_start = page_of(pages, "A Very Happy Ending\nAnonymous")
    assert "reveals what happens in" in pages[essay_start - 1]
    assert not any(text.lower().startswith("s p o i l e r") for text in pages)
    back = next(i for i, text in enumerate(pages, start=1) if text.lower().startswith("spoilers revealed"))
    assert "they do not end up together" in pages[back - 1]
    # Each marker says on which page its words are revealed.
    text = " ".join(" ".join(pages).replace("\xa0", " ").split())
    referred = re.findall(r"\[spoiler \d[^\]]*\] \(page (\d+)\)", text)
    assert len(referred) == 3 and {int(page) for page in referred} == {back}, referred
    assert epubcheck_messages(book.epub) == []
    assert "warning-la-la-land-ending.xhtml" not in book.epub_documents()
    assert words("they do not end up together") <= words(" ".join(pages))


def test_warning_without_named_works_says_the_piece_contains_spoilers(tmp_path, manuscript_copy):
    config = manuscript_copy / "book.toml"
    config.write_text(config.read_text().replace('spoils = ["La La Land (2016)"]\n', ""))
    response = manuscript_copy / "response.md"
    response.write_text(response.read_text().replace('spoilers: ["La La Land (2016)"]', "spoilers: []"))
    pages = pdf_page_texts(build_pdf(manuscript_copy, tmp_path / "out"))
    warning = next(text for text in pages if "Skip to page" in text)
    assert "this piece contains spoilers" in " ".join(warning.split())


def test_a_malformed_marker_stops_the_build_with_file_and_line(tmp_path, manuscript_copy):
    response = manuscript_copy / "response.md"
    response.write_text(response.read_text().replace("||she once told him to use||", "||she once told him to use"))
    result = CliRunner().invoke(
        cli, ["build", "--manuscript", str(manuscript_copy), "--out", str(tmp_path / "out"), "--quiet"]
    )
    assert result.exit_code == 1
    line = next(n for n, text in enumerate(response.read_text().splitlines(), start=1) if "||she once" in text)
    assert result.stderr.strip().endswith(
        f"response.md:{line}: unclosed spoiler: '||' has no partner in the same paragraph"
    )
    assert not (tmp_path / "out").exists()
