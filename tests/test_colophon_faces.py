"""The colophon credits the typefaces the book uses: each theme.toml [faces] selector is matched against the book."""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

from click.testing import CliRunner

from publish.cli import cli
from publish.read.default_theme import DEFAULT_THEME
from publish.read.manuscript import load_manuscript
from publish.render.assemble import assemble
from publish.render.theme import Theme
from publish.targets import Target

from .conftest import (
    MANUSCRIPT,
    OLD,
    PIECE_HEAD,
    STAMP,
    assert_fails_cleanly,
    build_over_last_good,
    one_piece_manuscript,
)

CODE = '\n```\nprint("the lights come up")\n```\n'


def colophon_credits(text: str) -> str:
    """What the colophon's "Set in" sentence credits, on one line."""
    found = re.search(r"Set in (.*?), under", re.sub(r"\s+", " ", text))
    assert found, text
    return found.group(1)


def pdf_credits(pdf: Path) -> str:
    return colophon_credits(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout)


def epub_credits(epub: Path) -> str:
    return colophon_credits(zipfile.ZipFile(epub).read("EPUB/colophon.xhtml").decode())


def build(manuscript: Path, out: Path, fmt: str, *options: str) -> Path:
    """``publish build --format fmt`` into ``out``: the file it wrote."""
    args = ["build", "--manuscript", str(manuscript), "--out", str(out), "--quiet", "--format", fmt, *options]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    (written,) = out.glob(f"*.{fmt}")
    return written


def test_the_sample_book_has_no_code_and_credits_eb_garamond_alone(sample_book):
    assert pdf_credits(sample_book.pdf) == "EB Garamond"
    assert epub_credits(sample_book.epub) == "EB Garamond"


def two_pieces(root: Path) -> Path:
    """A small book of two pieces and no code."""
    one_piece_manuscript(root, PIECE_HEAD + "Words in the first piece.\n", name="first.md")
    (root / "second.md").write_text('---\ntitle: "Another Note"\n---\nWords in the second piece.\n')
    config = root / "book.toml"
    config.write_text(config.read_text().replace('pieces = ["first.md"]', 'pieces = ["first.md", "second.md"]'))
    return root


def test_a_code_block_added_to_a_piece_credits_inconsolata_on_the_next_build(tmp_path):
    manuscript, out = two_pieces(tmp_path / "m"), tmp_path / "out"
    assert pdf_credits(build(manuscript, out, "pdf")) == "EB Garamond"
    with (manuscript / "first.md").open("a") as piece:
        piece.write(CODE)
    # The same output folder, so the pieces the first build rendered are remembered: the colophon must not be.
    pdf = build(manuscript, out, "pdf")
    assert pdf_credits(pdf) == "EB Garamond and Inconsolata"
    assert "Inconsolata" in subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout


def test_an_epub_built_alone_credits_the_faces_of_its_own_pieces(manuscript_copy):
    with (manuscript_copy / "foreword.md").open("a") as piece:
        piece.write(CODE)
    book = assemble(load_manuscript(manuscript_copy), Theme.load(DEFAULT_THEME), STAMP, targets=(Target.EPUB,))
    colophon = next(page for page in book.epub_pages if page.file_name == "colophon.xhtml")
    assert colophon_credits(colophon.content) == "EB Garamond and Inconsolata"


def test_large_print_credits_andika_and_not_eb_garamond(themed_sample):
    pdf = themed_sample("large-print") / "what-the-epilogue-means-large-print.pdf"
    assert pdf_credits(pdf) == "Andika"


def test_a_theme_extending_classic_without_faces_keeps_classics(tmp_path):
    theme = tmp_path / "quiet"
    theme.mkdir()
    (theme / "theme.toml").write_text('extends = "classic"\nsuffix = "-quiet"\n')
    pdf = build(two_pieces(tmp_path / "m"), tmp_path / "out", "pdf", "--theme", str(theme))
    assert pdf_credits(pdf) == "EB Garamond"


def test_a_theme_chain_with_no_faces_table_credits_every_face(theme_copy):
    (theme_copy / "theme.toml").write_text('extends = ""\n')
    book = assemble(load_manuscript(MANUSCRIPT), Theme.load(theme_copy), STAMP, targets=(Target.PRINT,))
    assert [face.family for face in book.colophon.typefaces] == ["EB Garamond", "Inconsolata"]


def test_a_family_no_font_file_has_is_one_line_naming_the_theme_toml_and_line(tmp_path):
    theme = tmp_path / "typo"
    theme.mkdir()
    (theme / "theme.toml").write_text('extends = "classic"\n\n[faces]\n"EB Garamond" = "body"\nConsolas = "code"\n')
    out = tmp_path / "out"
    result = build_over_last_good(MANUSCRIPT, out, ("what-the-epilogue-means.pdf",), "--theme", str(theme))
    assert_fails_cleanly(result, out, f"{theme / 'theme.toml'}:5:", "'Consolas'", "EB Garamond, Inconsolata")
    assert (out / "what-the-epilogue-means.pdf").read_bytes() == OLD


def test_a_selector_that_does_not_parse_is_one_line_naming_the_theme_toml_and_line(tmp_path):
    theme = tmp_path / "typo"
    theme.mkdir()
    (theme / "theme.toml").write_text('[faces]\nInconsolata = "pre, code["\n')
    result = build_over_last_good(MANUSCRIPT, tmp_path / "out", (), "--theme", str(theme), "--format", "pdf")
    assert_fails_cleanly(result, tmp_path / "out", f"{theme / 'theme.toml'}:2:", "'pre, code['")
