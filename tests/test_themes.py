"""--styles: a theme is a folder; another folder is another look."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile

import pypdf
from click.testing import CliRunner

from publish.cli import cli
from publish.config import DEFAULT_THEME

from .conftest import MANUSCRIPT


def test_another_theme_folder_changes_the_look(tmp_path):
    theme = tmp_path / "my-theme"
    shutil.copytree(DEFAULT_THEME, theme)
    colophon = theme / "templates" / "colophon.html"
    colophon.write_text(colophon.read_text() + "<p>Printed by hand in a kitchen.</p>\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["build", "--manuscript", str(MANUSCRIPT), "--styles", str(theme), "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    pages = [page.extract_text() for page in pypdf.PdfReader(out / "what-the-epilogue-means.pdf").pages]
    colophon = next(text for text in pages if text.startswith("c o l o p h o n"))
    assert "Printed by hand in a kitchen." in colophon
    with zipfile.ZipFile(out / "what-the-epilogue-means.epub") as archive:
        assert b"Printed by hand in a kitchen." in archive.read("EPUB/colophon.xhtml")


def test_an_incomplete_theme_is_reported(tmp_path):
    (tmp_path / "half-theme").mkdir()
    result = CliRunner().invoke(cli, ["build", "--manuscript", str(MANUSCRIPT), "--styles", str(tmp_path / "half-theme"), "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "half-theme: not a complete theme: missing templates/book.html" in result.stderr


def test_python_dash_m_runs_the_cli():
    result = subprocess.run([sys.executable, "-m", "publish", "--version"], capture_output=True, text=True, check=True)
    assert result.stdout.startswith("publish, version ")
