"""The large-print theme: the sample book at 17 pt on A4, ragged right, no small caps, spoilers revealed at the
back, a valid EPUB; read from the files it makes."""

from __future__ import annotations

import collections
import zipfile

import pypdfium2
import pypdfium2.raw as pdfium_c
import pytest
from click.testing import CliRunner

from publish.cli import cli
from publish.outputs.checks import check_pdf
from publish.outputs.epubcheck_jvm import epubcheck_messages
from publish.read.default_theme import bundled_themes

from .conftest import MANUSCRIPT

A4 = (595.28, 841.89)
PX_PER_PT = 4 / 3  # pdfium gives WeasyPrint's font sizes in CSS pixels


@pytest.fixture(scope="module")
def large_print(tmp_path_factory):
    out = tmp_path_factory.mktemp("large-print")
    args = ["build", "--manuscript", str(MANUSCRIPT), "--out", str(out), "--theme", "large-print", "--quiet"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return out


def text_sizes(pdf) -> collections.Counter:
    """How many characters of the PDF's text are set at each size, in points."""
    sizes: collections.Counter = collections.Counter()
    for page in pypdfium2.PdfDocument(str(pdf)):
        text = page.get_textpage()
        for index in range(text.count_chars()):
            if not chr(pdfium_c.FPDFText_GetUnicode(text.raw, index)).isspace():
                sizes[round(pdfium_c.FPDFText_GetFontSize(text.raw, index) / PX_PER_PT, 1)] += 1
    return sizes


def test_large_print_is_a_theme_of_its_own_name():
    assert "large-print" in bundled_themes()


def test_the_large_print_files_are_named_apart_and_valid(large_print):
    names = sorted(path.name for path in large_print.iterdir() if path.is_file())
    assert names == ["what-the-epilogue-means-large-print.epub", "what-the-epilogue-means-large-print.pdf"]
    assert epubcheck_messages(large_print / names[0]) == []
    results = check_pdf(large_print / names[1], ["Andika", "EB Garamond", "Inconsolata"])
    assert all(result.ok for result in results), results


def test_large_print_body_text_is_17_pt_on_a4_and_nothing_under_14(large_print):
    pdf = large_print / "what-the-epilogue-means-large-print.pdf"
    document = pypdfium2.PdfDocument(str(pdf))
    assert {tuple(round(side, 1) for side in page.get_size()) for page in document} == {tuple(round(s, 1) for s in A4)}
    sizes = text_sizes(pdf)
    body, _ = sizes.most_common(1)[0]
    assert body >= 16, sizes
    small = {size: count for size, count in sizes.items() if size < 14}
    # Superscript note calls alone may be smaller: a handful of characters.
    assert sum(small.values()) < 10, small


def test_large_print_reveals_spoilers_at_the_back_the_right_way_up(large_print):
    pdf = pypdfium2.PdfDocument(str(large_print / "what-the-epilogue-means-large-print.pdf"))
    pages = [page.get_textpage().get_text_range() for page in pdf]
    back = next(number for number, text in enumerate(pages) if text.startswith("Spoilers revealed"))
    assert "they do not end up together" in pages[back]
    assert not any("they do not end up together" in text for text in pages[:back])


def test_large_print_epub_sets_its_face_and_ragged_right(large_print):
    with zipfile.ZipFile(large_print / "what-the-epilogue-means-large-print.epub") as epub:
        css = epub.read("EPUB/epub.css").decode()
        fonts = [name for name in epub.namelist() if name.startswith("EPUB/fonts/Andika")]
    assert css.index("font-variant-caps: normal !important") > css.index("small-caps")
    assert 'font-family: "Andika"' in css and fonts
