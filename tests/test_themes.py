"""--theme: a theme is a folder, or a bundled theme's name; another is another look, and a theme may hold only what
it changes."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pypdf
from click.testing import CliRunner
from fontTools.ttLib import TTFont, newTable
from fontTools.ttLib.tables._k_e_r_n import KernTable_format_0

from publish.cli import cli
from publish.pipeline.memo import Memo
from publish.read.default_theme import BUNDLED_THEMES, DEFAULT_THEME, bundled_themes
from publish.render.theme import Theme

from .conftest import MANUSCRIPT, PIECE_HEAD, one_piece_manuscript


def small_book(root: Path) -> Path:
    """A book of one piece with a title: what a theme changes shows in any book."""
    return one_piece_manuscript(root, PIECE_HEAD + "Opening words, and a few more after them.\n")


def test_another_theme_folder_changes_the_look(tmp_path, theme_copy):
    theme = theme_copy
    colophon = theme / "templates" / "colophon.html"
    colophon.write_text(colophon.read_text() + "<p>Printed by hand in a kitchen.</p>\n")
    out = tmp_path / "out"
    manuscript = small_book(tmp_path / "m")
    result = CliRunner().invoke(
        cli, ["build", "--manuscript", str(manuscript), "--styles", str(theme), "--out", str(out), "--quiet"]
    )
    assert result.exit_code == 0, result.output
    pages = [page.extract_text() for page in pypdf.PdfReader(out / "small-hours.pdf").pages]
    colophon = next(text for text in pages if text.startswith("colophon"))
    assert "Printed by hand in a kitchen." in colophon
    with zipfile.ZipFile(out / "small-hours.epub") as archive:
        assert b"Printed by hand in a kitchen." in archive.read("EPUB/colophon.xhtml")


def test_a_theme_complete_in_itself_must_have_every_file(tmp_path):
    (tmp_path / "half-theme").mkdir()
    (tmp_path / "half-theme" / "theme.toml").write_text('extends = ""\n')
    result = CliRunner().invoke(
        cli,
        ["build", "--manuscript", str(MANUSCRIPT), "--theme", str(tmp_path / "half-theme"), "--out", str(tmp_path)],
    )
    assert result.exit_code == 1
    assert "half-theme: not a complete theme: missing templates/book.html" in result.stderr


def test_a_theme_may_hold_only_what_it_changes(tmp_path):
    """Templates come from the nearest folder that has them; stylesheets cascade, the fallback's first."""
    theme = tmp_path / "partial"
    (theme / "templates").mkdir(parents=True)
    (theme / "print.css").write_text('h1::after { content: " (partial print)"; }\n')
    (theme / "epub.css").write_text("h1 { letter-spacing: 0.01em; }\n")
    colophon = DEFAULT_THEME / "templates" / "colophon.html"
    (theme / "templates" / "colophon.html").write_text(colophon.read_text() + "<p>Set at the kitchen table.</p>\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["build", "--manuscript", str(small_book(tmp_path / "m")), "--theme", str(theme), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(out / "small-hours.pdf").pages)
    assert "(partial print)" in text and "Set at the kitchen table." in " ".join(text.split())
    with zipfile.ZipFile(out / "small-hours.epub") as epub:
        css = epub.read("EPUB/epub.css").decode()
        colophon_page = next(epub.read(n).decode() for n in epub.namelist() if n.endswith("colophon.xhtml"))
    classic = (DEFAULT_THEME / "epub.css").read_text()
    assert css.startswith(classic) and css.endswith("h1 { letter-spacing: 0.01em; }\n")
    assert "Set at the kitchen table." in colophon_page


def build_args(manuscript, out, *extra):
    return ["build", "--manuscript", str(manuscript), "--out", str(out), "--format", "epub", *extra]


def epub_css(out):
    (epub,) = out.glob("*.epub")
    with zipfile.ZipFile(epub) as archive:
        return archive.read("EPUB/epub.css").decode()


def test_the_theme_is_the_option_else_book_toml_else_styles_beside_else_classic(tmp_path):
    manuscript = small_book(tmp_path / "m")
    beside = manuscript.parent / "styles"
    beside.mkdir()
    (beside / "epub.css").write_text("/* beside the manuscript */\n")
    named = tmp_path / "named"
    named.mkdir()
    (named / "epub.css").write_text("/* named in book.toml */\n")
    (tmp_path / "option").mkdir()
    (tmp_path / "option" / "epub.css").write_text("/* given as an option */\n")
    config = manuscript / "book.toml"
    config.write_text('theme = "../named"\n' + config.read_text())

    runner = CliRunner()
    assert (
        runner.invoke(cli, build_args(manuscript, tmp_path / "a", "--theme", str(tmp_path / "option"))).exit_code == 0
    )
    assert epub_css(tmp_path / "a").endswith("/* given as an option */\n")
    assert runner.invoke(cli, build_args(manuscript, tmp_path / "b")).exit_code == 0
    assert epub_css(tmp_path / "b").endswith("/* named in book.toml */\n")
    config.write_text(config.read_text().replace('theme = "../named"\n', ""))
    assert runner.invoke(cli, build_args(manuscript, tmp_path / "c")).exit_code == 0
    assert epub_css(tmp_path / "c").endswith("/* beside the manuscript */\n")
    (beside / "epub.css").unlink()
    beside.rmdir()
    assert runner.invoke(cli, build_args(manuscript, tmp_path / "d", "--theme", "classic")).exit_code == 0
    assert epub_css(tmp_path / "d") == (DEFAULT_THEME / "epub.css").read_text()


def test_an_unknown_theme_name_is_one_line_with_the_bundled_names(tmp_path, manuscript_copy):
    result = CliRunner().invoke(cli, build_args(manuscript_copy, tmp_path / "out", "--theme", "clasic"))
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"error: --theme: no theme 'clasic': did you mean 'classic'? give a bundled theme "
        f"({', '.join(bundled_themes())}) or a theme folder"
    )
    config = manuscript_copy / "book.toml"
    config.write_text('theme = "nowhere"\n' + config.read_text())
    result = CliRunner().invoke(cli, build_args(manuscript_copy, tmp_path / "out"))
    assert result.exit_code == 1 and "book.toml: no theme 'nowhere'" in result.stderr
    assert not (tmp_path / "out").exists()


def test_themes_that_extend_each_other_in_a_circle_are_one_line(tmp_path, manuscript_copy):
    for name, other in (("one", "../two"), ("two", "../one")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "theme.toml").write_text(f'extends = "{other}"\n')
    result = CliRunner().invoke(cli, build_args(manuscript_copy, tmp_path / "out", "--theme", str(tmp_path / "one")))
    assert result.exit_code == 1 and "theme.toml: the themes' 'extends' go round in a circle" in result.stderr


def test_python_dash_m_runs_the_cli():
    result = subprocess.run([sys.executable, "-m", "publish", "--version"], capture_output=True, text=True, check=True)
    assert result.stdout.startswith("publish, version ")


def test_a_web_font_in_the_theme_is_refused_by_name(tmp_path, theme_copy):
    theme = theme_copy
    (theme / "fonts" / "Display.woff2").write_bytes(b"wOF2")
    result = CliRunner().invoke(
        cli, ["build", "--manuscript", str(MANUSCRIPT), "--styles", str(theme), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 1
    assert "Display.woff2: a web font: the theme needs the OTF or TTF file" in result.stderr
    assert not (tmp_path / "out").exists()


def test_every_bundled_face_sets_a_no_break_space_as_wide_as_a_space():
    """A no-break space joins words the typography keeps together ("this page", "© 2026"): narrower than a space
    (EB Garamond's 8-point faces had it at 60 %), the words run together."""
    narrow = []
    for theme in bundled_themes():
        for face in sorted((BUNDLED_THEMES / theme / "fonts").glob("*.[ot]tf")):
            font = TTFont(face, lazy=True)
            characters, advances = font.getBestCmap(), font["hmtx"]
            if 0xA0 in characters and advances[characters[0xA0]][0] != advances[characters[0x20]][0]:
                narrow.append(face.name)
    assert not narrow


def test_a_font_kerned_the_old_way_keeps_its_kerning_in_the_epub(tmp_path, theme_copy):
    """HarfBuzz's subsetter drops a ``kern`` table; a font with no other kerning is cut the slower way, keeping it."""
    theme = theme_copy
    path = theme / "fonts" / "Inconsolata.otf"
    font = TTFont(path)
    assert "GPOS" not in font and "kern" not in font
    cmap = font.getBestCmap()
    pair = (cmap[ord("A")], cmap[ord("V")])
    table = KernTable_format_0()
    table.version, table.coverage, table.tupleIndex, table.kernTable = 0, 1, 0, {pair: -40}
    font["kern"] = newTable("kern")
    font["kern"].version, font["kern"].kernTables = 0, [table]
    font.save(path)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        [
            "build",
            "--manuscript",
            str(MANUSCRIPT),
            "--styles",
            str(theme),
            "--out",
            str(out),
            "--format",
            "epub",
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out / "what-the-epilogue-means.epub") as archive:
        embedded = TTFont(io.BytesIO(archive.read("EPUB/fonts/Inconsolata.otf")))
    assert len(embedded.getGlyphOrder()) < len(font.getGlyphOrder())
    assert embedded["kern"].kernTables[0].kernTable == {pair: -40}


def test_a_remembered_template_serves_only_the_source_it_was_compiled_from(tmp_path, theme_copy):
    """Compiled templates live in the memo; one whose file changed must be compiled again, even under the same salt."""
    theme = theme_copy
    probe = theme / "templates" / "probe.html"
    memo = Memo(tmp_path / "store", salt="one salt for both")
    probe.write_text("first draft")
    assert Theme.load(theme, memo).render("probe.html") == "first draft"
    memo.save()
    assert Theme.load(theme, Memo(tmp_path / "store", salt="one salt for both")).render("probe.html") == "first draft"
    probe.write_text("second draft")
    again = Memo(tmp_path / "store", salt="one salt for both")
    assert Theme.load(theme, again).render("probe.html") == "second draft"
    assert again.missed == ["template"]


def test_a_bad_book_setting_in_a_theme_names_the_theme_toml_and_line(tmp_path, manuscript_copy):
    theme = tmp_path / "odd"
    theme.mkdir()
    (theme / "theme.toml").write_text('suffix = "-odd"\n\n[book]\npage_size = "a7"\n')
    result = CliRunner().invoke(cli, build_args(manuscript_copy, tmp_path / "out", "--theme", str(theme)))
    assert result.exit_code == 1
    assert (
        result.stderr
        == f"error: {theme / 'theme.toml'}:4: 'page_size' is 'a7'; use one of a4, a5, half-letter, a6, letter\n"
    )
    (theme / "theme.toml").write_text('suffix = "-odd"\n\n[book]\nlayout = "a7"\n')
    result = CliRunner().invoke(cli, build_args(manuscript_copy, tmp_path / "out", "--theme", str(theme)))
    assert result.exit_code == 1 and "theme.toml: unknown key 'layout'" in result.stderr


def test_css_weasyprint_cannot_draw_is_one_line_not_a_traceback(tmp_path):
    """WeasyPrint 70 fails on currentColor in a page's gradient: a theme's CSS must not crash the build."""
    theme = tmp_path / "crashing"
    theme.mkdir()
    (theme / "print.css").write_text(
        "@page { background-image: linear-gradient(currentColor 50%, transparent 50%); }\n"
    )
    out = tmp_path / "out"
    out.mkdir()
    (out / "small-hours.pdf").write_bytes(b"the last good build")
    manuscript = small_book(tmp_path / "m")
    args = ["build", "--manuscript", str(manuscript), "--out", str(out), "--theme", str(theme), "--quiet"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: WeasyPrint could not lay out the print edition (AttributeError:"), line
    assert (out / "small-hours.pdf").read_bytes() == b"the last good build"
