"""--styles: a theme is a folder; another folder is another look."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile

import pypdf
from click.testing import CliRunner
from fontTools.ttLib import TTFont, newTable
from fontTools.ttLib.tables._k_e_r_n import KernTable_format_0

from publish.cli import cli
from publish.pipeline.memo import Memo
from publish.render.theme import Theme

from .conftest import MANUSCRIPT


def test_another_theme_folder_changes_the_look(tmp_path, theme_copy):
    theme = theme_copy
    colophon = theme / "templates" / "colophon.html"
    colophon.write_text(colophon.read_text() + "<p>Printed by hand in a kitchen.</p>\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["build", "--manuscript", str(MANUSCRIPT), "--styles", str(theme), "--out", str(out), "--quiet"]
    )
    assert result.exit_code == 0, result.output
    pages = [page.extract_text() for page in pypdf.PdfReader(out / "what-the-epilogue-means.pdf").pages]
    colophon = next(text for text in pages if text.startswith("colophon"))
    assert "Printed by hand in a kitchen." in colophon
    with zipfile.ZipFile(out / "what-the-epilogue-means.epub") as archive:
        assert b"Printed by hand in a kitchen." in archive.read("EPUB/colophon.xhtml")


def test_an_incomplete_theme_is_reported(tmp_path):
    (tmp_path / "half-theme").mkdir()
    result = CliRunner().invoke(
        cli,
        ["build", "--manuscript", str(MANUSCRIPT), "--styles", str(tmp_path / "half-theme"), "--out", str(tmp_path)],
    )
    assert result.exit_code == 1
    assert "half-theme: not a complete theme: missing templates/book.html" in result.stderr


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
