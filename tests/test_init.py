"""``publish init`` starts a book anywhere; ``publish new`` adds to a book with no pieces yet; files in the
manuscript folder that book.toml does not list are named at build."""

from __future__ import annotations

import re
import zipfile

from click.testing import CliRunner

from publish.cli import cli
from publish.outputs.epubcheck_jvm import epubcheck_messages
from publish.read.config import BOOK_KEYS
from publish.read.default_theme import DEFAULT_THEME
from publish.tools.init import STARTER

from .conftest import OLD


def test_the_starter_book_toml_shows_every_key():
    text = (STARTER / "book.toml").read_text()
    keys = set(re.findall(r"^(?:# )?(\w+) = ", text, flags=re.M)) | set(
        re.findall(r"^(?:# )?\[(\w+)\]$", text, flags=re.M)
    )
    assert set(BOOK_KEYS) - keys == set()


def test_init_then_build_with_no_options_makes_a_valid_book(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    made = runner.invoke(cli, ["init", "kitchen-zine", "--author", "Ada Writer"])
    assert made.exit_code == 0, made.output
    assert made.stdout.splitlines()[-1] == "next: cd kitchen-zine && publish build"
    book = tmp_path / "kitchen-zine"
    assert (book / ".gitignore").read_text() == "build/\n"
    assert "# Kitchen Zine" in (book / "README.md").read_text()
    monkeypatch.chdir(book)
    added = runner.invoke(cli, ["new", "Second Thoughts", "--kind", "essay"])
    assert added.exit_code == 0, added.output
    built = runner.invoke(cli, ["build"])
    assert built.exit_code == 0, built.output
    assert "warning" not in built.stderr
    assert sorted(p.name for p in (book / "build").iterdir() if p.is_file()) == [
        "kitchen-zine.epub",
        "kitchen-zine.pdf",
    ]
    assert epubcheck_messages(book / "build" / "kitchen-zine.epub") == []
    with zipfile.ZipFile(book / "build" / "kitchen-zine.epub") as epub:
        text = " ".join(epub.read(name).decode() for name in epub.namelist() if name.endswith(".xhtml"))
    assert "A First Piece" in text and "Second Thoughts" in text and "Ada Writer" in text


def test_init_overwrites_nothing(tmp_path):
    (tmp_path / "manuscript").mkdir()
    (tmp_path / "manuscript" / "book.toml").write_bytes(OLD)
    result = CliRunner().invoke(cli, ["init", str(tmp_path)])
    assert result.exit_code == 1
    config = tmp_path / "manuscript" / "book.toml"
    assert result.stderr == f"error: {config}: already exists: init starts a new book and overwrites nothing\n"
    assert (tmp_path / "manuscript" / "book.toml").read_bytes() == OLD
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["book.toml", "manuscript"]


def test_a_theme_copy_is_complete_and_used_with_no_options(tmp_path, monkeypatch):
    result = CliRunner().invoke(cli, ["init", str(tmp_path), "--theme-copy"])
    assert result.exit_code == 0, result.output
    styles = tmp_path / "styles"
    settings = (styles / "theme.toml").read_text()
    assert 'extends = ""\n' in settings and settings.endswith((DEFAULT_THEME / "theme.toml").read_text())
    assert sorted(p.relative_to(styles) for p in styles.rglob("*")) == sorted(
        p.relative_to(DEFAULT_THEME) for p in DEFAULT_THEME.rglob("*")
    )
    (styles / "epub.css").write_text("/* the writer's own */\n")
    monkeypatch.chdir(tmp_path)
    built = CliRunner().invoke(cli, ["build", "--format", "epub"])
    assert built.exit_code == 0, built.output
    (epub,) = (tmp_path / "build").glob("*.epub")
    assert zipfile.ZipFile(epub).read("EPUB/epub.css") == b"/* the writer's own */\n"


def test_a_book_with_no_pieces_says_how_to_start_one(tmp_path):
    CliRunner().invoke(cli, ["init", str(tmp_path)])
    config = tmp_path / "manuscript" / "book.toml"
    config.write_text(re.sub(r'pieces = \[\n?\s*"a-first-piece.md",?\n?\]', "pieces = []", config.read_text()))
    result = CliRunner().invoke(
        cli, ["build", "--manuscript", str(tmp_path / "manuscript"), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 1
    line = config.read_text().splitlines().index("pieces = []") + 1
    assert result.stderr == (
        f"error: {config}:{line}: the book has no pieces yet: start one with 'publish new TITLE', "
        "or list files in 'pieces'\n"
    )


def test_unlisted_pieces_are_named_and_a_wrong_case_gets_a_did_you_mean(tmp_path, manuscript_copy):
    (manuscript_copy / "draft.md").write_text("---\ntitle: Draft\n---\n\nNot ready.\n")
    (manuscript_copy / "notes.txt").write_text("Notes to self.\n")
    (manuscript_copy / "letter.docx").write_bytes(b"PK\x03\x04 a contributor's Word file, not yet listed")
    (manuscript_copy / "cover.png").write_bytes(b"")
    (manuscript_copy / "~$response.docx").write_bytes(b"Word's owner file while the document is open")
    args = ["build", "--manuscript", str(manuscript_copy), "--out", str(tmp_path / "out"), "--format", "epub"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if "not listed" in line]
    assert warnings == [
        f"warning: {manuscript_copy / name}: {name} is not listed in book.toml, so it is not in the book: "
        "list it in 'pieces' (or start a new piece with 'publish new TITLE')"
        for name in ("draft.md", "letter.docx", "notes.txt")
    ]
    config = manuscript_copy / "book.toml"
    config.write_text(config.read_text().replace('"response.md"', '"Response.md"'))
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert (
        "piece 'Response.md' is listed but does not exist: did you mean 'response.md'? (names differ in capitals)"
        in (result.stderr)
    )


def test_a_title_in_any_script_gives_a_readable_ascii_file_name(tmp_path):
    for title, stem in (
        ("Carnet de la marée", "carnet-de-la-maree"),
        ("Die Straße nach Köln", "die-strasse-nach-koln"),
    ):
        folder = tmp_path / stem
        assert CliRunner().invoke(cli, ["init", str(folder), "--title", title]).exit_code == 0
        assert f"build/{stem}.pdf" in (folder / "README.md").read_text()
