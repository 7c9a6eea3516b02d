"""A new output format is one registered entry: the pipeline renders for its target, makes it, reads it back
before it replaces the last good file, and ``publish check`` checks it, with nothing else changed."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from publish.errors import PublishError
from publish.outputs import registry
from publish.outputs.checks import CheckResult
from publish.outputs.registry import BookParts, OutputFormat
from publish.outputs.verify import BrokenOutput
from publish.pipeline.build import BuildRequest, build
from publish.read.config import DEFAULT_THEME
from publish.targets import Target
from publish.tools.check import check_outputs

from .conftest import PIECE_HEAD, one_piece_manuscript


def plain_text(parts: BookParts) -> bytes:
    """Every EPUB document's text, tags dropped: a toy format made in the main process."""
    return "\n".join(re.sub(r"<[^>]+>", " ", page.content) for page in parts.book.epub_pages).encode()


def read_back(data: bytes, pages: int) -> None:
    if b"\0" in data:
        raise BrokenOutput("it holds a NUL byte")


def check(path: Path, theme_families: list[str]) -> list[CheckResult]:
    return [CheckResult(path, "has words", bool(path.read_text().split()), "")]


TEXT = OutputFormat(name="text", suffix=".txt", target=Target.EPUB, make=plain_text, read_back=read_back, check=check)


@pytest.fixture
def register():
    """Registers a format for one test, and takes it out again."""
    added = []

    def adding(fmt: OutputFormat) -> None:
        registry.output_formats()  # the built-in formats register first, as on any run
        registry.register(fmt)
        registry.output_formats.cache_clear()
        added.append(fmt.name)

    yield adding
    for name in added:
        del registry._REGISTERED[name]
    registry.output_formats.cache_clear()


def test_a_registered_format_is_made_read_back_and_checked(tmp_path, register):
    register(TEXT)
    manuscript = one_piece_manuscript(tmp_path / "m", PIECE_HEAD + "Opening words of a registered format.\n")
    out = tmp_path / "out"
    result = build(manuscript, DEFAULT_THEME, out, BuildRequest(formats=("text",)), lambda stage, seconds: None)
    assert [path.name for path in result.written] == ["small-hours.txt"]
    assert "Opening words of a registered format." in " ".join((out / "small-hours.txt").read_text().split())
    assert [(r.file.name, r.check, r.ok) for r in check_outputs(out, [])] == [("small-hours.txt", "has words", True)]


def test_a_registered_format_that_does_not_read_back_keeps_the_last_good_file(tmp_path, register):
    register(dataclasses.replace(TEXT, make=lambda parts: b"broken\0"))
    manuscript = one_piece_manuscript(tmp_path / "m", PIECE_HEAD + "Opening words.\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "small-hours.txt").write_text("the last good build")
    with pytest.raises(PublishError, match=r"the new small-hours\.txt did not read back whole \(it holds a NUL byte\)"):
        build(manuscript, DEFAULT_THEME, out, BuildRequest(formats=("text",)), lambda stage, seconds: None)
    assert (out / "small-hours.txt").read_text() == "the last good build"
