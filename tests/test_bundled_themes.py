"""The bundled themes, each building the sample book: valid EPUBs and PDFs with every font embedded; large print at
17 pt on A4, ragged right, spoilers revealed at the back; the zine look black on white with no rule a copier
loses. Read from the files they make (and, for the rules, from WeasyPrint's laid-out boxes)."""

from __future__ import annotations

import collections
import re
import zipfile

import pypdfium2
import pypdfium2.raw as pdfium_c
import pytest

from publish.outputs.checks import check_pdf
from publish.outputs.epubcheck_jvm import epubcheck_messages
from publish.read.default_theme import DEFAULT_THEME, bundled_themes, find_theme
from publish.render.theme import Theme
from publish.targets import Target
from publish.tools.check import check_outputs, theme_families

from .conftest import MANUSCRIPT, rendered_book, rotated_runs

A4 = (595.28, 841.89)
PX_PER_PT = 4 / 3  # pdfium gives WeasyPrint's font sizes in CSS pixels


SUFFIXES = {"classic": "", "large-print": "-large-print", "zine": "-zine-look"}


@pytest.fixture(scope="module")
def themed(themed_sample):
    """The sample book in each bundled theme, built once, by theme name."""
    return themed_sample


@pytest.fixture
def large_print(themed):
    return themed("large-print")


def test_every_bundled_theme_is_known_here():
    assert sorted(SUFFIXES) == bundled_themes()


@pytest.mark.parametrize("name", sorted(set(SUFFIXES) - {"classic"}))
def test_each_bundled_theme_makes_a_valid_book_with_its_fonts_embedded(themed, name):
    out = themed(name)
    stem = "what-the-epilogue-means" + SUFFIXES[name]
    assert sorted(path.name for path in out.iterdir() if path.is_file()) == [f"{stem}.epub", f"{stem}.pdf"]
    assert epubcheck_messages(out / f"{stem}.epub") == []
    families = [face.family for face in Theme.load(find_theme(name, MANUSCRIPT, "--theme")).typefaces]
    results = check_pdf(out / f"{stem}.pdf", families)
    assert all(result.ok for result in results), results


def text_sizes(pdf) -> collections.Counter:
    """How many characters of the PDF's text are set at each size, in points."""
    sizes: collections.Counter = collections.Counter()
    for page in pypdfium2.PdfDocument(str(pdf)):
        text = page.get_textpage()
        for index in range(text.count_chars()):
            if not chr(pdfium_c.FPDFText_GetUnicode(text.raw, index)).isspace():
                sizes[round(pdfium_c.FPDFText_GetFontSize(text.raw, index) / PX_PER_PT, 1)] += 1
    return sizes


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


def page_images(pdf):
    for page in pypdfium2.PdfDocument(str(pdf)):
        yield page.render(scale=30 / 72).to_pil().convert("RGB")


def test_the_zine_look_is_black_on_white_with_no_dark_fields(themed):
    pdf = themed("zine") / "what-the-epilogue-means-zine-look.pdf"
    for number, image in enumerate(page_images(pdf), start=1):
        data = image.tobytes()
        pixels = [data[index : index + 3] for index in range(0, len(data), 3)]
        coloured = sum(max(pixel) - min(pixel) > 24 for pixel in pixels)
        dark = sum(max(pixel) < 128 for pixel in pixels)
        assert coloured == 0, f"page {number} has {coloured} coloured pixels"
        assert dark / len(pixels) < 0.2, f"page {number} is {dark / len(pixels):.0%} dark: a copier's toner field"


def test_no_rule_in_the_zine_look_is_finer_than_half_a_point(themed):
    """Every border of every laid-out box, read from WeasyPrint's layout of the zine's print HTML."""
    from publish.outputs.pdf import layout
    from publish.outputs.print_edition import print_job
    from publish.request import BuildRequest

    theme = find_theme("zine", MANUSCRIPT, "--theme")
    book = rendered_book(MANUSCRIPT, theme, themed("zine"), Target.PRINT)
    job = print_job(book, BuildRequest())
    document = layout(job.html, job.base_url, job.resources).document
    widths = set()
    for page in document.pages:
        boxes = [page._page_box]
        while boxes:
            box = boxes.pop()
            boxes.extend(getattr(box, "children", []))
            for side in ("top", "right", "bottom", "left"):
                width = getattr(box, f"border_{side}_width", 0) or 0
                if width:
                    widths.add(round(width * 0.75, 2))  # CSS pixels to points
    assert widths and min(widths) >= 0.5, sorted(widths)


def test_publish_check_with_the_default_theme_accepts_a_large_print_edition(large_print):
    """``make check`` after ``make book-large-print``: the edition's own fonts count as the theme's."""
    results = check_outputs(large_print, theme_families(DEFAULT_THEME))
    assert results and all(result.ok for result in results), [r for r in results if not r.ok]


def test_the_zine_keeps_each_hidden_spoiler_on_the_page_of_its_marker(themed):
    """The zine's outlined reveal panel fits its note area exactly on one page: WeasyPrint 70, comparing two sums of
    the same lengths, found it overflowing and sent it a page on (publish/outputs/weasyprint_footnotes.py)."""
    pdf = themed("zine") / "what-the-epilogue-means-zine-look.pdf"
    pages = [page.get_textpage().get_text_range() for page in pypdfium2.PdfDocument(str(pdf))]
    markers = [n for n, text in enumerate(pages, start=1) for _ in re.finditer(r"\[spoiler\s1\]|spoiler\s2:", text)]
    revealed = [n for n in range(1, len(pages) + 1) for _ in rotated_runs(pdf, n)[:1]]
    assert len(markers) == 3 and markers == revealed, (markers, revealed)


@pytest.mark.parametrize(
    ("name", "points", "grey"), [("classic", 0.6, 0xB4), ("zine", 0.75, 0), ("large-print", 0.6, 0)]
)
def test_a_notes_page_has_twenty_rules_of_the_weight_its_theme_gives_them(themed, name, points, grey):
    """Read from the page as drawn, 16 pixels a point, down a strip a quarter of the way across (clear of the
    centred heading and the folios): each rule's ink, its darkness summed down the strip."""
    pdf = pypdfium2.PdfDocument(str(themed(name) / f"what-the-epilogue-means{SUFFIXES[name]}.pdf"))
    page = next(page for page in pdf if page.get_textpage().get_text_range().strip().lower() == "notes")
    width, _ = page.get_size()
    image = page.render(scale=16, crop=(width / 4, 0, width * 3 / 4 - 1, 0)).to_pil().convert("L")
    pixels = image.load()
    darkness = [(255 - pixels[image.width // 2, y]) / 255 for y in range(image.height)]
    rules: list[float] = []
    for above, dark in zip([0.0, *darkness], darkness, strict=False):
        if dark > 0.01 and above > 0.01:
            rules[-1] += dark
        elif dark > 0.01:
            rules.append(dark)
    assert len(rules) == 20, len(rules)
    expected = points * 16 * (255 - grey) / 255
    assert all(0.85 * expected <= ink <= 1.15 * expected for ink in rules), (expected, rules)
