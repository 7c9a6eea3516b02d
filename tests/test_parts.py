"""The print edition laid out in parts and joined is the book laid out whole, page for page.

Each part (the front matter, each piece with its warning, the back matter)
is paginated with a guess at where it falls, then settled where it does;
the joined PDF must have the single layout's pages, text, word positions,
links and outline.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import replace
from pathlib import Path

import pikepdf
import pytest

from benchmarks.anthology import make_anthology
from tests.conftest import MANUSCRIPT, ROOT, rendered_book

ANTHOLOGY = ROOT / "tests" / "books" / "anthology"
# A word's position may differ by a rounding of its last glyph's width (each part's font subset has its own width
# table); anything more is a layout that moved.
WORD_TOLERANCE = 0.1


def words_by_page(pdf: Path) -> list[list[tuple[str, float, float, float, float]]]:
    """Each page's words, with their boxes (pdftotext -bbox)."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = []
    for page in html.split("<page ")[1:]:
        pages.append(
            [
                (word, float(x1), float(y1), float(x2), float(y2))
                for x1, y1, x2, y2, word in re.findall(
                    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', page
                )
            ]
        )
    return pages


def max_distance(word, other) -> float:
    """How far apart two words' boxes are, at their furthest edges."""
    return max(abs(a - b) for a, b in zip(word[1:], other[1:], strict=True))


def links(pdf: Path) -> list[tuple[int, list[int], str, int | None]]:
    """Every link: its page, rectangle, target (an anchor or an address) and the page an anchor is on."""
    with pikepdf.open(pdf) as document:
        page_of = {page.obj.objgen: number for number, page in enumerate(document.pages)}
        names = pikepdf.NameTree(document.Root.Names.Dests) if "/Names" in document.Root else {}
        found = []
        for number, page in enumerate(document.pages):
            for annotation in page.get("/Annots", []):
                rectangle = [round(float(value)) for value in annotation.Rect]
                if "/Dest" in annotation:
                    name = str(annotation.Dest)
                    found.append((number, rectangle, name, page_of[names[name][0].objgen]))
                else:
                    found.append((number, rectangle, str(annotation.A.URI), None))
        return found


def outline(pdf: Path) -> list[tuple[int, str, int]]:
    """The outline's entries in order: depth, title, page."""
    with pikepdf.open(pdf) as document, document.open_outline() as tree:
        page_of = {page.obj.objgen: number for number, page in enumerate(document.pages)}

        def walk(items, depth):
            for item in items:
                yield depth, item.title, page_of[item.destination[0].objgen]
                yield from walk(item.children, depth + 1)

        return list(walk(tree.root, 0))


def assert_same_pages(joined: Path, whole: Path) -> None:
    """The same pages: their words where they were, their links and the outline."""
    expected, found = words_by_page(whole), words_by_page(joined)
    assert len(found) == len(expected)
    for number, (want, got) in enumerate(zip(expected, found, strict=True), start=1):
        assert [word for word, *_ in got] == [word for word, *_ in want], f"page {number}"
        moved = [(a, b) for a, b in zip(want, got, strict=True) if max_distance(a, b) > WORD_TOLERANCE]
        assert not moved, f"page {number}: {moved[:3]}"
    assert links(joined) == links(whole)
    assert outline(joined) == outline(whole)


def print_job_for(manuscript: Path, out: Path, theme: str | Path, jobs: int):
    """The print edition's job for the book in a bundled theme (or a theme folder), to be laid out by ``jobs``
    processes."""
    from publish.outputs.print_edition import print_job
    from publish.read.default_theme import BUNDLED_THEMES
    from publish.request import BuildRequest
    from publish.targets import Target

    request = BuildRequest(formats=("pdf", "epub"), jobs=jobs)
    return print_job(rendered_book(manuscript, BUNDLED_THEMES / theme, out, Target.PRINT), request)


def print_editions(job, monkeypatch) -> tuple:
    """The book's print edition laid out whole, then in parts by as many processes as ``job`` asks for."""
    from publish.outputs import part_pool
    from publish.outputs.print_edition import print_edition

    with monkeypatch.context() as patched:
        patched.setattr(part_pool, "FROM_PIECES", 10**6)
        whole = print_edition(job).first
    in_parts = print_edition(job).first
    # Laid out in parts: no second layout of the book, no PDF written from one document.
    assert {"relayout", "pdf"}.isdisjoint(dict(in_parts.stages)) and {"relayout", "pdf"} & set(dict(whole.stages))
    return whole, in_parts


EPOCH = "1767225600"


@pytest.fixture(scope="module")
def sample_in_two_runs(tmp_path_factory) -> tuple:
    """The sample's print job, and its edition laid out whole and in parts by two processes (dated, every part a
    part of its own): for the test that compares the two, and the one that lays it out again by three."""
    from publish.outputs import part_pool

    with pytest.MonkeyPatch.context() as patched:
        patched.setenv("SOURCE_DATE_EPOCH", EPOCH)
        patched.setattr(part_pool, "FROM_PIECES", 1)
        job = print_job_for(MANUSCRIPT, tmp_path_factory.mktemp("sample") / "out", "classic", 2)
        return (job, *print_editions(job, patched))


@pytest.mark.parametrize(
    ("manuscript", "theme", "guess"),
    [(MANUSCRIPT, "classic", None), (ANTHOLOGY, "zine", 102)],
    ids=["sample in 2 runs", "anthology in 3 runs, each guessed on page 102"],
)
def test_a_book_laid_out_in_parts_and_joined_is_the_book_laid_out_whole(
    tmp_path, monkeypatch, request, manuscript, theme, guess
):
    from publish.outputs import part_pool, parts

    monkeypatch.setattr(part_pool, "FROM_PIECES", 1)
    if guess:
        # A left-hand page: the parts of every run but the first are numbered, sided and referred to again.
        monkeypatch.setattr(parts, "GUESSED_FIRST_PAGE", guess)
        whole_edition, edition_in_parts = print_editions(
            print_job_for(manuscript, tmp_path / "out", theme, 3), monkeypatch
        )
    else:
        _, whole_edition, edition_in_parts = request.getfixturevalue("sample_in_two_runs")
    whole, joined = tmp_path / "whole.pdf", tmp_path / "joined.pdf"
    whole.write_bytes(whole_edition.outputs[".pdf"])
    joined.write_bytes(edition_in_parts.outputs[".pdf"])

    assert_same_pages(joined, whole)
    assert edition_in_parts.page_starts == whole_edition.page_starts
    assert edition_in_parts.cover_jpeg == whole_edition.cover_jpeg
    with pikepdf.open(joined) as document, pikepdf.open(whole) as single:
        assert document.docinfo.Title == single.docinfo.Title
        assert str(document.Root.Lang) == str(single.Root.Lang)
        # Each face's program once, cut to every run's glyphs: the program one layout embeds, byte for byte.
        assert font_programs(document) == font_programs(single)
        # And each face's font once, as one layout has it, not one a part.
        assert font_dictionaries(document) == font_dictionaries(single)
    assert joined.stat().st_size <= 1.25 * whole.stat().st_size


def font_dictionaries(document: pikepdf.Pdf) -> dict[str, int]:
    """How many font dictionaries the pages use for each face."""
    found: dict[str, set] = {}
    for page in document.pages:
        for _, font in page.Resources.Font.items():
            found.setdefault(str(font.BaseFont).partition("+")[2], set()).add(font.objgen)
    return {face: len(fonts) for face, fonts in found.items()}


def font_programs(document: pikepdf.Pdf) -> list[tuple[str, bytes]]:
    """Each face's name and the program the PDF embeds for it, once for each time it is embedded."""
    programs = {}
    for page in document.pages:
        for _, font in page.Resources.Font.items():
            descriptor = font.DescendantFonts[0].FontDescriptor
            program = descriptor.get("/FontFile2", descriptor.get("/FontFile3"))
            if program is not None:
                programs[program.objgen] = (str(descriptor.FontName).partition("+")[2], program.read_bytes())
    return sorted(programs.values())


def test_a_part_begins_at_each_piece_or_the_warning_before_it():
    from publish.outputs.parts_split import split

    html = (
        "<html><head><title>t</title></head><body>"
        '<section id="cover"></section><nav id="contents"><a href="#b">b</a></nav>'
        '<article class="piece" id="a"></article>'
        '<section class="spoiler-warning" id="warning-b"><a href="#c">skip</a></section>'
        '<article class="piece" id="b"></article>'
        '<article class="piece" id="c"></article>'
        '<section id="colophon"></section><section id="back-cover"></section>'
        "</body></html>"
    )
    found = split(html)
    assert [part.ids for part in found] == [
        ("cover", "contents"),
        ("a",),
        ("warning-b", "b"),
        ("c",),
        ("colophon", "back-cover"),
    ]
    assert [sorted(part.targets) for part in found] == [["b"], [], ["c"], [], []]
    assert '<article class="piece" id="b">' in found[2].html and 'id="a"' not in found[2].html


def test_an_image_a_run_in_another_process_fits_is_remembered(tmp_path, monkeypatch):
    """The last run lays its pieces out in a process of its own: the images it fits to the page come back to the
    store, and the next build does not fit them again."""
    from PIL import Image

    from publish.pipeline.build import build
    from publish.read import resources as resources_module
    from publish.read.config import DEFAULT_THEME
    from publish.request import BuildRequest

    root = tmp_path / "book"
    root.mkdir()
    names = [f"{letter}.md" for letter in "abcdef"]
    (root / "book.toml").write_text(
        f'title = "Six Rooms"\nauthors = ["A. Writer"]\nlanguage = "en"\npieces = {names}\n'.replace("'", '"')
    )
    for name in names:
        (root / name).write_text(f"---\ntitle: Room {name[0].upper()}\n---\nA line of the piece.\n")
    with (root / names[-1]).open("a") as last:
        last.write("\n![the view](view.jpg)\n")
    Image.new("RGB", (3000, 2000), (30, 90, 160)).save(root / "view.jpg", quality=80)
    request = BuildRequest(formats=("pdf",), jobs=2)
    build(root, DEFAULT_THEME, tmp_path / "out", request, lambda *args: None)

    def not_again(*args, **kwargs):
        raise AssertionError("an image was fitted again")

    monkeypatch.setattr(resources_module, "fitted", not_again)  # the print process and its runs are forked with it
    with (root / names[0]).open("a") as first:
        first.write("\nA new last line.\n")
    result = build(root, DEFAULT_THEME, tmp_path / "out", request, lambda *args: None)
    assert not [label for label in result.redone if label.startswith("image:")], result.redone


def test_a_part_that_opens_on_the_right_follows_the_books_direction():
    """A right-hand page is odd in a left-to-right book, even in a right-to-left one (a theme may set the book's
    direction): the blank page before a part that asks for one falls accordingly."""
    from publish.outputs.economy import Measured
    from publish.outputs.parts import Laid, placements

    def book(left_to_right: bool) -> list[Laid]:
        return [
            Laid(1, "auto", None, left_to_right, 1, False, False, {}, {}, frozenset(), Measured([], 1, True)),
            Laid(2, "right", "right", left_to_right, 2, False, False, {}, {}, frozenset(), Measured([], 2, True)),
        ]

    assert [(placed.first_page, placed.blank_before) for placed in placements(book(True))] == [(1, False), (3, True)]
    assert [(placed.first_page, placed.blank_before) for placed in placements(book(False))] == [(1, False), (2, False)]


def test_the_joined_pdf_is_the_same_bytes_however_many_processes_laid_it_out(sample_in_two_runs, monkeypatch):
    """Each part is written as a PDF of its own and the join makes the rest from all of them, so a two-core and a
    three-core machine write the same file."""
    from publish.outputs import part_pool
    from publish.outputs.print_edition import print_edition

    monkeypatch.setattr(part_pool, "FROM_PIECES", 1)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    job, _, by_two = sample_in_two_runs
    by_three = print_edition(replace(job, request=replace(job.request, jobs=3))).first
    assert by_two.outputs[".pdf"] == by_three.outputs[".pdf"]


def test_a_part_written_before_the_page_numbers_settled_is_laid_out_again_where_it_falls(tmp_path, monkeypatch):
    """A run writes its parts as soon as they are settled, before the book's page numbers are known to have stopped
    moving. Here they have not: each warning's "skip to page" grows by a paragraph once it is more than page 1
    (a counter style), so the warning gets longer, every part after it moves, and the parts written where they no
    longer fall are laid out afresh there."""
    from publish.outputs import part_pool, parts

    theme = tmp_path / "grows"
    theme.mkdir()
    (theme / "theme.toml").write_text('extends = "classic"\n')
    paragraph = " ".join(["further"] * 600)
    (theme / "print.css").write_text(
        '@counter-style stays { system: cyclic; symbols: "."; }\n'
        f'@counter-style grows {{ system: cyclic; symbols: "{paragraph}"; range: 2 infinite; fallback: stays; }}\n'
        '.skip-link::after { content: " " target-counter(attr(href), page, grows); }\n'
    )
    again = []
    paginate = parts.Run._paginate

    def counted(run, part, first_page, sided, targets=None):
        again.extend([part] if targets is not None else [])
        return paginate(run, part, first_page, sided, targets)

    monkeypatch.setattr(parts.Run, "_paginate", counted)
    monkeypatch.setattr(part_pool, "FROM_PIECES", 1)
    # One run: the parts laid out again are laid out in this process, where they are counted.
    whole_edition, edition_in_parts = print_editions(print_job_for(MANUSCRIPT, tmp_path / "out", theme, 1), monkeypatch)
    assert again
    whole, joined = tmp_path / "whole.pdf", tmp_path / "joined.pdf"
    whole.write_bytes(whole_edition.outputs[".pdf"])
    joined.write_bytes(edition_in_parts.outputs[".pdf"])
    assert "further further" in subprocess.run(["pdftotext", str(joined), "-"], capture_output=True, text=True).stdout
    assert_same_pages(joined, whole)


def test_a_warning_too_long_for_its_page_still_makes_the_book_laid_out_whole(tmp_path, monkeypatch):
    """A spoiler warning's page is set only once its page number is known, and the book's economy is chosen from
    the parts' lengths before (weasyprint_held.py). A theme whose warning takes two pages makes that length
    wrong: the parts are laid out again with nothing held, and the book is the single layout's."""
    from publish.outputs import part_pool

    theme = tmp_path / "long-warnings"
    theme.mkdir()
    (theme / "theme.toml").write_text('extends = "classic"\n')
    (theme / "print.css").write_text(".spoiler-warning .spoiler-warning-text { font-size: 40pt; line-height: 1.2; }\n")
    held: list[bool] = []
    in_parts = part_pool._in_parts

    def noted(*args, hold=True):
        held.append(hold)
        return in_parts(*args, hold=hold)

    monkeypatch.setattr(part_pool, "_in_parts", noted)
    # Ten pieces whose longer warnings would have the economy open other pieces on a right-hand page.
    book = make_anthology(10, tmp_path / "anthology")
    whole_edition, edition_in_parts = print_editions(print_job_for(book, tmp_path / "out", theme, 2), monkeypatch)
    assert held == [True, False]
    whole, joined = tmp_path / "whole.pdf", tmp_path / "joined.pdf"
    whole.write_bytes(whole_edition.outputs[".pdf"])
    joined.write_bytes(edition_in_parts.outputs[".pdf"])
    assert_same_pages(joined, whole)
