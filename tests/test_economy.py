"""Booklet economy: the print edition wastes the fewest pages, and every tagged piece is still behind its warning."""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from publish.cli import cli
from publish.outputs.economy import Unit, second_layout_style, simulate
from tests.conftest import build_over_last_good, file_version

WARNING = "reveals what happens in"


def page_texts(pdf: Path) -> list[str]:
    """Each page's text as pdftotext reads it (read once for each version of the file: four tests read the sample)."""
    return list(_page_texts(pdf.resolve(), file_version(pdf)))


@functools.lru_cache(maxsize=8)
def _page_texts(pdf: Path, version: tuple[int, int, int]) -> tuple[str, ...]:
    count = int(
        next(
            line.split()[-1]
            for line in subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout.splitlines()
            if line.startswith("Pages:")
        )
    )
    return tuple(
        subprocess.run(
            ["pdftotext", "-f", str(n), "-l", str(n), str(pdf), "-"], capture_output=True, text=True
        ).stdout.replace("\xa0", " ")
        for n in range(1, count + 1)
    )


def build_pdf(manuscript: Path, out: Path) -> Path:
    """The print edition alone (the EPUB adds nothing to what these tests look at)."""
    result = build_over_last_good(manuscript, out, (), "--format", "pdf")
    assert result.exit_code == 0, result.output
    return next(out.glob("*.pdf"))


def first_page_of(pages: list[str], title: str) -> int:
    return next(n for n, text in enumerate(pages, start=1) if title in [line.strip() for line in text.splitlines()])


def test_sample_book_fits_four_sheets_with_at_most_one_blank(sample_book):
    pages = page_texts(sample_book.pdf)
    assert len(pages) <= 16 and len(pages) % 4 == 0, len(pages)
    blank = [n for n, text in enumerate(pages, start=1) if not text.strip()]
    assert len(blank) <= 1, blank


def test_each_tagged_piece_begins_overleaf_from_its_warning(sample_book):
    pages = page_texts(sample_book.pdf)
    for title in ("A Very Happy Ending", "The Last Look Back"):
        warning = next(n for n, text in enumerate(pages, start=1) if f"{title} {WARNING}" in " ".join(text.split()))
        assert warning % 2 == 1, f"{title}'s warning is on page {warning}, a verso"
        assert first_page_of(pages, title) == warning + 1, title


def test_contents_share_the_title_verso_with_the_imprint(sample_book):
    pages = page_texts(sample_book.pdf)
    title = first_page_of(pages, "What the Epilogue Means")
    verso = " ".join(pages[title].split()).lower()
    assert title % 2 == 1 and "contents" in verso and "published by the booklet press" in verso


def test_a_page_left_over_is_a_ruled_notes_page(sample_book):
    pages = page_texts(sample_book.pdf)
    notes = [n for n, text in enumerate(pages, start=1) if text.lower().split() == ["notes"]]
    # The verso before the second warning (a warning is a recto): the page after the essay, which ends asking
    # readers to disagree, is theirs.
    assert notes == [10]
    assert all(WARNING in " ".join(pages[n].split()) for n in notes)
    assert "Disagree with me?" in pages[8]


def test_a_notes_page_is_ruled_with_twenty_filled_rules_not_shadings(sample_book):
    """Rules drawn as filled rectangles in the page's own content: a shading and a soft mask for each (the notes
    pages' twenty, a reveal's one) made half the objects of a long book of short pieces, and a group for each (a form
    XObject with its resources) a third."""
    import pikepdf
    import pypdfium2

    image = pypdfium2.PdfDocument(sample_book.pdf)[9].render(scale=2).to_pil().convert("L")
    pixels = image.load()
    ruled = [y for y in range(image.height) if pixels[image.width // 2, y] < 230]
    rules = [y for index, y in enumerate(ruled) if index == 0 or ruled[index - 1] != y - 1]
    assert len(rules) == 20, rules
    gaps = [later - earlier for earlier, later in zip(rules, rules[1:], strict=False)]
    assert max(gaps) - min(gaps) <= 1, gaps
    with pikepdf.open(sample_book.pdf) as pdf:
        shadings = [
            found.objgen
            for found in pdf.objects
            if isinstance(found, (pikepdf.Dictionary, pikepdf.Stream)) and "/ShadingType" in found
        ]
        drawn = pdf.pages[9].Resources.get("/XObject", {})
        groups = [name for name, found in drawn.items() if found.Subtype == "/Form"]
    assert shadings == []
    assert groups == []


def test_openings_right_puts_every_piece_on_a_recto(tmp_path, manuscript_copy):
    config = manuscript_copy / "book.toml"
    config.write_text(config.read_text() + 'openings = "right"\n')
    pages = page_texts(build_pdf(manuscript_copy, tmp_path / "out"))
    assert len(pages) % 4 == 0
    for title in ("Before the Lights Come Up", "A Very Happy Ending", "The Last Look Back"):
        assert first_page_of(pages, title) % 2 == 1, title


def short_pieces_book(root: Path, openings: str) -> Path:
    """Three one-page pieces: which of them open on a recto is the openings' choice."""
    root.mkdir()
    names = ["one.md", "two.md", "three.md"]
    (root / "book.toml").write_text(
        'title = "Small Hours"\nauthors = ["A. Writer"]\nlanguage = "en"\n'
        f'openings = "{openings}"\npieces = {names!r}\n'.replace("'", '"')
    )
    for name in names:
        (root / name).write_text(f'---\ntitle: "Piece {name[:-3]}"\n---\nA short piece, called {name[:-3]}.\n')
    return root


@pytest.fixture(scope="module")
def any_openings(tmp_path_factory) -> tuple[Path, str]:
    """The three-piece book with ``openings = "any"``, its PDF built through the CLI (stages reported): the PDF, and
    what the command said."""
    root = tmp_path_factory.mktemp("any")
    out = root / "out"
    book = short_pieces_book(root / "book", "any")
    result = CliRunner().invoke(cli, ["build", "--manuscript", str(book), "--out", str(out), "--format", "pdf"])
    assert result.exit_code == 0, result.output
    return next(out.glob("*.pdf")), result.output


@pytest.mark.parametrize("openings", ["auto", "any"])
def test_auto_opens_on_a_recto_where_that_costs_no_sheet(tmp_path, request, openings):
    if openings == "any":
        pdf, _ = request.getfixturevalue("any_openings")
    else:
        pdf = build_pdf(short_pieces_book(tmp_path / "book", openings), tmp_path / "out")
    pages = page_texts(pdf)
    starts = [first_page_of(pages, f"Piece {name}") for name in ("one", "two", "three")]
    # Any page: 5, 6, 7, and the back cover on 10, a third sheet needed anyway; auto spends those pages on rectos.
    assert len(pages) == 12
    assert starts == ([5, 7, 9] if openings == "auto" else [5, 6, 7])


def test_notes_pages_after_the_colophon_make_up_the_booklet_in_one_layout(any_openings):
    pdf, output = any_openings
    assert "layout" in output, output
    pages = page_texts(pdf)
    colophon = first_page_of(pages, "colophon")
    # The pieces on 5, 6 and 7, the colophon on 8: three pages for notes, and the back cover on the last verso.
    assert colophon == 8 and len(pages) == 12
    assert [pages[n - 1].lower().split() for n in (9, 10, 11)] == [["notes"]] * 3
    assert "relayout" not in output


def test_an_invalid_openings_value_is_one_line_naming_the_file_and_line(tmp_path, manuscript_copy):
    config = manuscript_copy / "book.toml"
    config.write_text(config.read_text().replace("pieces = [", 'openings = "left"\npieces = ['))
    result = build_over_last_good(manuscript_copy, tmp_path / "out", ())
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 1 and len(lines) == 1, result.stderr
    line = next(n for n, text in enumerate(config.read_text().splitlines(), start=1) if text.startswith("openings"))
    assert f"book.toml:{line}:" in lines[0] and '"auto", "right", "any"' in lines[0]


# ---- The choice, from page counts alone ---------------------------------------


def units(*pieces: int) -> list[Unit]:
    """A book's sections as the first layout measures them, with pieces of these lengths opening on any page."""
    return [
        Unit("cover", frozenset(), None, 1),
        Unit("title", frozenset(), 1, 1),
        Unit("imprint", frozenset(), 0, 1),
        Unit("contents", frozenset(), None, 1, runs_on=True),
        *(Unit(f"p{n}", frozenset({"piece"}), None, length) for n, length in enumerate(pieces, start=1)),
        Unit("colophon", frozenset(), None, 1),
        Unit("back-cover", frozenset(), 0, 1),
    ]


def test_a_layout_already_economical_needs_no_second():
    assert simulate(units(1, 1)) == 8
    assert second_layout_style_for(units(1, 1), "auto") == ""


def test_right_openings_only_where_free():
    # Pieces on 5, 6 and 7 put the back cover on 10, a third sheet needed anyway: p2 and p3 take rectos for it.
    assert second_layout_style_for(units(1, 1, 1), "auto") == "#p2, #p3 { break-before: right; }"
    # Any page: the notes pages after the colophon make up the rest, with no second layout.
    assert second_layout_style_for(units(1, 1, 1), "any") == ""


@given(
    st.lists(
        st.tuples(
            st.sampled_from([frozenset({"piece"}), frozenset({"spoiler-warning"}), frozenset()]),
            st.sampled_from([None, None, 0, 1]),
            st.integers(1, 5),
            st.booleans(),
            st.integers(0, 1),
        ),
        max_size=40,
    )
)
def test_the_right_openings_are_those_of_trying_each_piece_on_a_whole_book(shapes):
    """The economy counts pages as it goes: the same choice as laying the whole book out again for each piece."""
    from publish.outputs.economy import Measured, economical

    book = [
        Unit(f"u{n}", classes, side, pages, runs_on and n > 0, gap)
        for n, (classes, side, pages, runs_on, gap) in enumerate(shapes)
    ]
    measured = Measured(book, simulate(book), True)
    padded = -(-simulate(book) // 4) * 4
    expected: list[str] = []
    for index, unit in enumerate(book):
        before = book[:index]
        behind_warning = index > 0 and "spoiler-warning" in book[index - 1].classes
        already_right = index > 0 and simulate(before) % 2 == 0
        if "piece" not in unit.classes or unit.runs_on or unit.side is not None or behind_warning or already_right:
            continue
        trial = [*before, Unit(unit.id, unit.classes, 1, unit.pages), *book[index + 1 :]]
        if simulate(trial) <= padded:
            book, expected = trial, [*expected, unit.id]
    assert economical(measured, "auto").right == tuple(expected)


def second_layout_style_for(measured_units: list[Unit], openings: str) -> str:
    from publish.outputs.economy import Measured

    return second_layout_style(Measured(measured_units, simulate(measured_units), True), openings)


def test_a_piece_id_that_begins_with_a_digit_is_escaped_in_the_rule():
    book = units(1, 1, 1)
    book[5] = Unit("002-two", frozenset({"piece"}), None, 1)
    assert second_layout_style_for(book, "auto").startswith("#\\30 02-two, #p3 { break-before: right; }")


def test_contents_too_long_for_the_title_verso_get_a_recto_of_their_own():
    from publish.outputs.economy import Measured

    book = units(1)
    book[3] = Unit("contents", frozenset(), None, 2, runs_on=True)
    # Apart, the contents take pages 5 and 6, the piece 7, the colophon 8, the back cover 10: padded to 12.
    style = second_layout_style(Measured(book, simulate(book), contents_fit=False), "auto")
    assert simulate(book) == 8 and style == "#contents { break-before: right; }"


def test_contents_that_do_not_fit_above_the_imprint_take_a_recto_of_their_own(tmp_path):
    root = tmp_path / "book"
    root.mkdir()
    names = [f"piece-{n:02d}.md" for n in range(1, 31)]
    (root / "book.toml").write_text(
        'title = "Small Hours"\nauthors = ["A. Writer"]\nlanguage = "en"\npublisher = "The Press"\n'
        "pieces = [" + ", ".join(f'"{name}"' for name in names) + "]\n"
    )
    for name in names:
        (root / name).write_text(f'---\ntitle: "Entry {name[6:8]}"\n---\nA line.\n')
    pages = page_texts(build_pdf(root, tmp_path / "out"))
    contents = next(n for n, text in enumerate(pages, start=1) if text.lower().startswith("contents"))
    imprint = next(n for n, text in enumerate(pages, start=1) if "Published by The Press" in " ".join(text.split()))
    assert (imprint, contents) == (4, 5) and "Entry" not in pages[imprint - 1]
    assert len(pages) % 4 == 0
