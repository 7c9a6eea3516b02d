"""The publish new and publish check commands."""

from __future__ import annotations

import io
import shutil
import zipfile

from click.testing import CliRunner
from PIL import Image

from publish.cli import cli
from publish.read.manuscript import load_manuscript


def test_new_scaffolds_a_piece_and_lists_it(manuscript_copy):
    result = CliRunner().invoke(
        cli, ["new", "A Second Reply", "--kind", "response", "--manuscript", str(manuscript_copy)]
    )
    assert result.exit_code == 0, result.output
    manuscript = load_manuscript(manuscript_copy)
    assert manuscript.config.pieces[-1] == "a-second-reply.md"
    added = manuscript.pieces[-1]
    assert added.meta.title == "A Second Reply" and added.meta.kind == "response"
    assert added.meta.author == "Anonymous"
    assert "# The book" in (manuscript_copy / "book.toml").read_text()  # comments survive


def test_new_refuses_to_overwrite(manuscript_copy):
    result = CliRunner().invoke(cli, ["new", "Response", "--manuscript", str(manuscript_copy)])
    assert result.exit_code == 1
    assert "already exists" in result.stderr


def test_check_passes_on_the_sample_book(sample_book, tmp_path):
    """EPUBCheck (0 errors, 0 warnings), every font embedded, pages and metadata: the one EPUBCheck of the sample."""
    shutil.copy(sample_book.pdf, tmp_path)
    shutil.copy(sample_book.epub, tmp_path)
    result = CliRunner().invoke(cli, ["check", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "5 passed, 0 failed" in result.output


def test_check_fails_on_an_invalid_epub(sample_book, tmp_path):
    broken = tmp_path / "broken.epub"
    with zipfile.ZipFile(sample_book.epub) as source, zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            if not item.filename.endswith("nav.xhtml"):
                target.writestr(item, source.read(item.filename))
    result = CliRunner().invoke(cli, ["check", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "FAIL" in result.output


def test_cover_image_is_a_large_jpeg(sample_book):
    with zipfile.ZipFile(sample_book.epub) as archive:
        image = Image.open(io.BytesIO(archive.read("EPUB/cover.jpg")))
    assert image.format == "JPEG" and max(image.size) >= 1600
