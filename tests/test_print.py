"""Print-ready output: saddle-stitch and mini-zine imposition, bleed, PDF variants."""

from __future__ import annotations

import math
from pathlib import Path

import pypdf
import pypdfium2
import pytest
import weasyprint
from click.testing import CliRunner
from lxml import etree
from PIL import Image

from publish.cli import cli
from publish.errors import PublishError
from publish.outputs import pdf
from publish.outputs.checks import check_pdf
from publish.outputs.impose import minizine, padded, saddle, saddle_sides
from publish.pipeline.build import BuildRequest, build
from publish.read.config import DEFAULT_THEME, PAGE_SIZES, SHEET_SIZES
from publish.read.manuscript import load_manuscript
from publish.read.resources import ResourcePolicy
from publish.render.assemble import PrintLayout, assemble
from publish.render.theme import Theme
from publish.tools.preview import spreads

from .conftest import MANUSCRIPT, PIECE_HEAD, STAMP, one_piece_manuscript

MM = 72 / 25.4


def squash(text: str) -> str:
    return "".join(text.split())


def page_texts(pdf: bytes | Path) -> list[str]:
    document = pypdfium2.PdfDocument(pdf if isinstance(pdf, bytes) else str(pdf))
    return [squash(page.get_textpage().get_text_range()) for page in document]


def region_texts(pdf: bytes | Path, columns: int, rows: int = 1) -> list[list[str]]:
    """Text in each cell of a columns × rows grid on every page, rows from the top."""
    document = pypdfium2.PdfDocument(pdf if isinstance(pdf, bytes) else str(pdf))
    result = []
    for page in document:
        width, height = page.get_size()
        text = page.get_textpage()
        cells = []
        for row in range(rows):
            top = height - row * height / rows
            for column in range(columns):
                left = column * width / columns
                cells.append(squash(text.get_text_bounded(left, top - height / rows, left + width / columns, top)))
        result.append(cells)
    return result


def numbered_pdf(count: int, size: str = "A5") -> bytes:
    """A PDF whose pages say only their own number."""
    pages = "".join(f'<p style="break-after: page">Page {n} of {count}</p>' for n in range(1, count + 1))
    return weasyprint.HTML(string=f"<style>@page {{ size: {size} }}</style>{pages}").write_pdf()


# ---- Saddle stitch -----------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (1, [0, None, None, None]),
        (2, [0, None, None, 1]),
        (3, [0, 1, None, 2]),
        (5, [0, 1, 2, 3, None, None, None, 4]),
    ],
)
def test_blanks_go_before_the_back_cover(count, expected):
    assert padded(count, 4) == expected


@pytest.mark.parametrize("count", [1, 2, 3, 5, 17])
def test_saddle_imposition_puts_the_right_page_on_each_half(count):
    reading = numbered_pdf(count)
    imposed = saddle(reading, SHEET_SIZES["a4"], creep=0)
    sides = region_texts(imposed, columns=2)
    assert len(sides) == 2 * math.ceil(count / 4)
    expected = page_texts(reading)
    sequence = padded(count, 4)
    for side, (left, right) in zip(sides, saddle_sides(count), strict=True):
        for text, index in zip(side, (left, right), strict=True):
            assert text == ("" if index is None else expected[index])
    # Folded, the sheets read 1, 2, 3 … : sheet 1's front carries the last and first pages.
    assert sides[0][1] == expected[0] and sides[0][0] == (expected[-1] if count > 1 else "")
    assert sequence.count(None) == (-count) % 4


def test_the_sample_book_imposes_in_reading_order(sample_saddle):
    out, stderr = sample_saddle
    assert "flip on the SHORT edge" in stderr
    reading = page_texts(out / "what-the-epilogue-means.pdf")
    sides = region_texts(out / "what-the-epilogue-means-zine.pdf", columns=2)
    assert len(sides) == 2 * math.ceil(len(reading) / 4)
    for side, pair in zip(sides, saddle_sides(len(reading)), strict=True):
        assert side == ["" if index is None else reading[index] for index in pair]
    sheet = pypdf.PdfReader(out / "what-the-epilogue-means-zine.pdf").pages[0].mediabox
    assert (round(float(sheet.width)), round(float(sheet.height))) == (842, 595)  # A4 landscape
    checked = check_pdf(out / "what-the-epilogue-means-zine.pdf", ["EB Garamond", "Inconsolata"])
    assert all(result.ok for result in checked), checked  # metadata (title, author, language) included


def test_creep_pulls_inner_sheets_toward_the_fold():
    reading = numbered_pdf(8)
    plain = pypdfium2.PdfDocument(saddle(reading, SHEET_SIZES["a4"], creep=0))
    crept = pypdfium2.PdfDocument(saddle(reading, SHEET_SIZES["a4"], creep=4 * MM))

    def first_char_x(document, side):
        return document[side].get_textpage().get_charbox(0)[0]

    assert first_char_x(crept, 0) == pytest.approx(first_char_x(plain, 0))  # outer sheet: no shift
    assert first_char_x(crept, 2) - first_char_x(plain, 2) == pytest.approx(4 * MM, abs=0.1)  # left page moves right


def test_pages_too_big_for_the_sheet_are_an_error():
    with pytest.raises(PublishError, match="choose a larger sheet_size"):
        saddle(numbered_pdf(4, "A4"), SHEET_SIZES["a4"], creep=0)


# ---- Mini-zine -------------------------------------------------------------------


def test_minizine_places_eight_pages_with_the_top_row_turned():
    reading = numbered_pdf(8, "74mm 105mm")
    imposed = minizine(reading, SHEET_SIZES["a4"])
    pages = region_texts(imposed, columns=4, rows=2)
    assert len(pages) == 1
    expected = page_texts(reading)
    assert pages[0] == [expected[n - 1] for n in (5, 4, 3, 2, 6, 7, 8, 1)]
    # The top row is upside down: its characters run right to left on the sheet.
    sheet = pypdfium2.PdfDocument(imposed)[0]
    text = sheet.get_textpage()
    width, height = sheet.get_size()
    top = [text.get_charbox(i) for i in range(text.count_chars()) if text.get_charbox(i)[1] > height / 2]
    bottom = [text.get_charbox(i) for i in range(text.count_chars()) if text.get_charbox(i)[3] < height / 2]
    assert top[0][0] > top[1][0] and bottom[0][0] < bottom[1][0]


def tiny_manuscript(root: Path, paragraphs: int) -> Path:
    body = "\n\n".join(
        f"Paragraph {n}: a small thing, told briefly, on a page the size of a playing card." for n in range(paragraphs)
    )
    return one_piece_manuscript(root, PIECE_HEAD + body + "\n")


def test_a_short_book_becomes_a_one_sheet_minizine(tmp_path):
    manuscript = tiny_manuscript(tmp_path / "tiny", paragraphs=3)
    result = build(
        manuscript, DEFAULT_THEME, tmp_path / "out", BuildRequest(formats=(), impose="minizine"), lambda *a: None
    )
    (path,) = result.written
    assert path.name == "small-hours-minizine.pdf"
    reader = pypdf.PdfReader(path)
    assert len(reader.pages) == 1
    cells = region_texts(path, columns=4, rows=2)[0]
    assert "SmallHours" in cells[7] and "ANote" in cells[3]  # cover bottom right, page 2 top right
    assert "Averysmallzine." in cells[6]  # back cover beside the front


def test_a_book_too_long_for_a_minizine_says_so(tmp_path):
    manuscript = tiny_manuscript(tmp_path / "long", paragraphs=150)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["build", "--manuscript", str(manuscript), "--out", str(out), "--impose", "minizine"]
    )
    assert result.exit_code == 1
    assert "pages at mini-zine size and a mini-zine holds 8" in result.stderr
    assert not out.exists()


# ---- Copy shop and PDF variants ----------------------------------------------------


@pytest.fixture(scope="module")
def small_book(tmp_path_factory):
    return tiny_manuscript(tmp_path_factory.mktemp("variants") / "book", paragraphs=3)


def test_bleed_enlarges_the_media_box_by_twice_the_bleed(small_book, tmp_path):
    request = BuildRequest(formats=("pdf",), bleed="3mm", marks="crop")
    (path,) = build(small_book, DEFAULT_THEME, tmp_path, request, lambda *a: None).written
    page = pypdf.PdfReader(path).pages[0]
    trim = page.trimbox
    assert float(trim.width) == pytest.approx(148 * MM, abs=0.5)
    bleed = page.bleedbox
    assert float(bleed.width) - float(trim.width) == pytest.approx(6 * MM, abs=0.5)
    assert float(page.mediabox.width) >= float(bleed.width)


def test_bleed_is_refused_with_imposition(small_book, tmp_path):
    result = CliRunner().invoke(
        cli, ["build", "--manuscript", str(small_book), "--out", str(tmp_path), "--impose", "saddle", "--bleed", "3mm"]
    )
    assert result.exit_code == 2 and "untrimmed" in result.output


def test_pdf_a_carries_its_conformance_in_xmp(small_book, tmp_path):
    (path,) = build(
        small_book, DEFAULT_THEME, tmp_path, BuildRequest(formats=("pdf",), pdf_variant="pdf/a-3b"), lambda *a: None
    ).written
    xmp = etree.fromstring(pypdf.PdfReader(path).xmp_metadata.stream.get_data())
    pdfaid = "{http://www.aiim.org/pdfa/ns/id/}"
    identification = xmp.xpath("//*[@*[local-name()='part']]")[0]
    assert identification.get(pdfaid + "part") == "3" and identification.get(pdfaid + "conformance") == "B"


def test_pdf_ua_is_tagged_with_language_and_title(small_book, tmp_path):
    (path,) = build(
        small_book, DEFAULT_THEME, tmp_path, BuildRequest(formats=("pdf",), pdf_variant="pdf/ua-1"), lambda *a: None
    ).written
    root = pypdf.PdfReader(path).trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"]
    assert "/StructTreeRoot" in root
    assert root["/Lang"] == "en"
    assert root["/ViewerPreferences"]["/DisplayDocTitle"]
    assert pypdf.PdfReader(path).metadata["/Title"] == "Small Hours"


# ---- Preview -------------------------------------------------------------------------


def test_spreads_pair_pages_as_a_reader_sees_them():
    assert spreads(1) == [(None, 0)]
    assert spreads(4) == [(None, 0), (1, 2), (3, None)]
    assert spreads(5) == [(None, 0), (1, 2), (3, 4)]


def test_preview_renders_spreads_sheets_and_a_contact_sheet(small_book, tmp_path):
    build(small_book, DEFAULT_THEME, tmp_path, BuildRequest(formats=("pdf",), impose="saddle"), lambda *a: None)
    result = CliRunner().invoke(cli, ["preview", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    pages = len(pypdf.PdfReader(tmp_path / "small-hours.pdf").pages)
    spreads = sorted((tmp_path / "preview").glob("small-hours-spread-*.png"))
    assert len(spreads) == pages // 2 + 1
    sheets = sorted((tmp_path / "preview").glob("small-hours-zine-sheet-*.png"))
    assert len(sheets) == 2 * math.ceil(pages / 4)
    cover = Image.open(spreads[0])
    assert cover.width > cover.height  # a spread: an empty left half beside the cover
    assert Image.open(tmp_path / "small-hours-contact.png").format == "PNG"


def test_preview_with_nothing_built_says_so(tmp_path):
    result = CliRunner().invoke(cli, ["preview", "--out", str(tmp_path)])
    assert result.exit_code == 1 and "run 'publish build' first" in result.stderr


@pytest.mark.timeout(120)
def test_our_page_styling_lays_out_the_book_as_weasyprints_own(monkeypatch):
    """outputs/pdf.py styles each page without WeasyPrint's walk over every page's styles: the book must not
    change."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    manuscript = load_manuscript(MANUSCRIPT)
    theme = Theme.load(DEFAULT_THEME)
    size = manuscript.config.page_size
    html = assemble(manuscript, theme, STAMP).print_html(PrintLayout(PAGE_SIZES[size], size))
    resources = ResourcePolicy((manuscript.root, theme.root))

    def printed() -> tuple[int, bytes]:
        document = pdf.layout(html, manuscript.root.resolve().as_uri() + "/", resources).document
        return len(document.pages), pdf.pdf_bytes(document)

    assert weasyprint.layout.page.set_page_type_computed_styles is not pdf.WEASYPRINT_PAGE_STYLING
    ours = printed()
    monkeypatch.setattr("weasyprint.layout.page.set_page_type_computed_styles", pdf.WEASYPRINT_PAGE_STYLING)
    assert ours == printed()
    assert ours[0] > 12
