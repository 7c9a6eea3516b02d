"""Bad input: one clear line naming file and line, exit code 1, old outputs untouched."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from publish.cli import cli

from .conftest import assert_fails_cleanly, build_over_last_good

SAMPLE_OUTPUTS = ("what-the-epilogue-means.pdf", "what-the-epilogue-means.epub")


def run_build(manuscript: Path, out: Path, *extra: str):
    return build_over_last_good(manuscript, out, SAMPLE_OUTPUTS, *extra)


def line_of(path: Path, text: str) -> int:
    return next(number for number, line in enumerate(path.read_text().splitlines(), start=1) if text in line)


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_missing_book_toml(manuscript_copy, tmp_path):
    (manuscript_copy / "book.toml").unlink()
    assert_fails_cleanly(run_build(manuscript_copy, tmp_path / "out"), tmp_path / "out", "book.toml", "not found")


def test_listed_piece_does_not_exist(manuscript_copy, tmp_path):
    (manuscript_copy / "response.md").unlink()
    result = run_build(manuscript_copy, tmp_path / "out")
    line = line_of(manuscript_copy / "book.toml", '"response.md"')
    assert_fails_cleanly(result, tmp_path / "out", f"book.toml:{line}", "response.md", "does not exist")


@pytest.mark.parametrize(
    ("file", "old", "new", "fragments"),
    [
        ("book.toml", 'language = "en"', "language = en", ("book.toml:5", "invalid TOML")),
        ("foreword.md", "kind: foreword", "kind: [foreword", ("foreword.md:", "invalid YAML")),
        (
            "book.toml",
            "subtitle =",
            "subtitel =",
            ("book.toml:3", "unknown key 'subtitel'", "did you mean 'subtitle'?"),
        ),
        ("response.md", "summary:", "sumary:", ("response.md:6", "did you mean 'summary'?")),
        (
            "book.toml",
            'authors = ["Anonymous", "The Editors"]',
            "authors = 3",
            ("book.toml:4", "'authors' must be a list of names, not a number"),
        ),
        ("book.toml", 'page_size = "a5"', 'page_size = "b5"', ("book.toml:12", "half-letter")),
        (
            "response.md",
            'title: "The Last Look Back"',
            'title: "Before the Lights Come Up"',
            ("response.md:2", "two pieces have the title"),
        ),
        (
            "response.md",
            "Take the detail",
            "![A still](still.jpg)\n\nTake the detail",
            ("response.md:12", "'still.jpg' does not exist"),
        ),
    ],
    ids=[
        "invalid-toml",
        "invalid-yaml",
        "unknown-key",
        "unknown-front-matter-key",
        "mistyped-key",
        "bad-page-size",
        "duplicate-title",
        "missing-image",
    ],
)
def test_edited_input_is_reported_at_its_line(manuscript_copy, tmp_path, file, old, new, fragments):
    replace_in(manuscript_copy / file, old, new)
    assert_fails_cleanly(run_build(manuscript_copy, tmp_path / "out"), tmp_path / "out", *fragments)


def test_piece_not_utf8(manuscript_copy, tmp_path):
    path = manuscript_copy / "foreword.md"
    path.write_bytes(path.read_bytes().replace(b"reader's", "reader\x92s".encode("latin-1")))
    result = run_build(manuscript_copy, tmp_path / "out")
    assert_fails_cleanly(result, tmp_path / "out", "foreword.md:", "not UTF-8")


def test_empty_piece(manuscript_copy, tmp_path):
    path = manuscript_copy / "foreword.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("---", 3) + 4], encoding="utf-8")
    result = run_build(manuscript_copy, tmp_path / "out")
    assert_fails_cleanly(result, tmp_path / "out", "foreword.md", "empty")


def test_two_pieces_with_the_same_id(manuscript_copy, tmp_path):
    (manuscript_copy / "response.txt").write_text("---\ntitle: Another\n---\nWords.\n", encoding="utf-8")
    replace_in(manuscript_copy / "book.toml", '"response.md",', '"response.md",\n  "response.txt",')
    result = run_build(manuscript_copy, tmp_path / "out")
    line = line_of(manuscript_copy / "book.toml", '"response.txt"')
    assert_fails_cleanly(result, tmp_path / "out", f"book.toml:{line}", "same id 'response'")


def test_debug_shows_the_traceback(manuscript_copy, tmp_path):
    (manuscript_copy / "book.toml").unlink()
    result = run_build(manuscript_copy, tmp_path / "out", "--debug")
    assert result.exit_code == 1
    assert result.exception is not None and "book.toml" in str(result.exception)


@pytest.mark.parametrize(
    "args", [["--help"], ["build", "--help"], ["check", "--help"], ["new", "--help"], ["--version"]]
)
def test_help_and_version(args):
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0
    assert result.output.strip()
