"""The store of remembered work (build/.cache) cannot make a wrong book: what fails its check is made again."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from publish.cli import cli
from publish.pipeline.build import BuildRequest, build
from publish.pipeline.cache import RECORD
from publish.pipeline.memo import STORE
from publish.read.config import DEFAULT_THEME

from .conftest import MANUSCRIPT, assert_fails_cleanly, build_over_last_good, one_piece_manuscript

KINDS = ("print:", "epub:", "front matter:", "page:", "font:", "cover", "template", "typefaces")


EPOCH = "1764000000"
# An EPUB alone is the build that stores its cover, and takes it from the store.
EPUB_ALONE = BuildRequest(formats=("epub",))


def build_into(out: Path, fresh: bool = False, request: BuildRequest = BuildRequest()):
    return build(MANUSCRIPT, DEFAULT_THEME, out, request, lambda *args: None, fresh=fresh)


@dataclass(frozen=True)
class Stored:
    """The sample built into an empty folder, as if there were no store (``full``), and that folder after an EPUB
    alone was built into it too (``with_cover``): tests copy them rather than build them again. Neither the record of
    a build nor the store names the output folder (the store's entries name the theme's, the same here), so a copy
    serves as the folder it was copied from."""

    full: Path
    with_cover: Path
    # What the first build made (every entry: there was no store) and wrote, in the order it wrote them.
    redone: list[str]
    written: list[tuple[str, bytes]]

    def copy(self, folder: Path, to: Path) -> Path:
        shutil.copytree(folder, to, symlinks=True)
        return to


@pytest.fixture(scope="module")
def stored(tmp_path_factory) -> Stored:
    root = tmp_path_factory.mktemp("stored")
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        first = build_into(root / "full")
        written = [(path.name, path.read_bytes()) for path in first.written]
        shutil.copytree(root / "full", root / "with-cover", symlinks=True)
        build_into(root / "with-cover", request=EPUB_ALONE)
    return Stored(root / "full", root / "with-cover", first.redone, written)


def damage(path: Path, how: int) -> None:
    """Four ways a store entry goes wrong: one byte altered, cut short, emptied, replaced by noise."""
    data = path.read_bytes()
    if how == 0:
        middle = min(len(data) // 2 + 40, len(data) - 1)  # past the seal's digest, where the entry has more
        path.write_bytes(data[:middle] + bytes([data[middle] ^ 0x20]) + data[middle + 1 :])
    elif how == 1:
        path.write_bytes(data[: len(data) // 2])
    elif how == 2:
        path.write_bytes(b"")
    else:
        path.write_bytes(os.urandom(len(data)))


def test_a_damaged_store_entry_is_made_again_and_the_book_is_as_if_there_were_no_store(stored, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    out = stored.copy(stored.with_cover, tmp_path / "out")
    epub_alone = EPUB_ALONE
    entries = sorted(path for path in (out / STORE).glob("*/*") if path.is_file())
    assert len(entries) > 20
    for number, entry in enumerate(entries):
        damage(entry, number % 4)
    damaged = build_into(out, request=epub_alone).damaged
    assert (
        build_into(out, request=epub_alone).written[0].read_bytes()
        == build_into(tmp_path / "clean-epub", fresh=True, request=epub_alone).written[0].read_bytes()
    )
    again = build_into(out)
    damaged += again.damaged
    for kind in KINDS:
        assert any(label.startswith(kind) for label in damaged), kind
    for made, (name, reference) in zip(again.written, stored.written, strict=True):
        assert made.name == name and made.read_bytes() == reference, made.name
    # Made again, and stored whole: the next build finds nothing damaged.
    assert build_into(out).damaged == []


def test_an_entry_moved_to_another_key_fails_its_check(stored, tmp_path, monkeypatch):
    """The seal covers the key too: a right entry under a wrong name is not used."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    out = stored.copy(stored.full, tmp_path / "out")
    entries = sorted(path for path in (out / STORE).glob("*/*") if path.is_file())
    contents = [entry.read_bytes() for entry in entries]
    for entry, content in zip(entries, contents[1:] + contents[:1], strict=True):
        entry.write_bytes(content)
    assert len(build_into(out).damaged) == len(entries)


def test_fresh_uses_nothing_stored(stored, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    out = stored.copy(stored.full, tmp_path / "out")
    assert set(build_into(out, fresh=True).redone) == set(stored.redone)
    assert build_into(out).redone == []


@pytest.mark.parametrize(
    "record", ["[]", "{}", '{"key": "x"}', '{"key": "x", "outputs": []}', "not json", '{"key": 1, "outputs": {}}']
)
def test_a_malformed_build_record_means_not_fresh(stored, tmp_path, monkeypatch, record):
    """Over the last build's outputs and store (the EPUB's cover remembered): the record alone is wrong."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    out = stored.copy(stored.with_cover, tmp_path / "out")
    (out / RECORD).write_text(record)
    result = CliRunner().invoke(cli, ["build", "--manuscript", str(MANUSCRIPT), "--out", str(out), "--format", "epub"])
    assert result.exit_code == 0, result.output
    assert "wrote" in result.stderr
    assert json.loads((out / RECORD).read_text())["outputs"]


def test_clean_forgets_the_store_and_keeps_the_book(stored, tmp_path):
    out = stored.copy(stored.full, tmp_path / "out")
    assert (out / ".cache").is_dir()
    result = CliRunner().invoke(cli, ["clean", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert not (out / ".cache").exists() and all((out / name).is_file() for name, _ in stored.written)


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        ("keywords = [" + ", ".join(['"k"'] * 101) + "]\n", "'keywords' lists 101 items; a book may have at most 100"),
        ('description = "' + "x" * 1_000_001 + '"\n', "book.toml is 1.0 MB; it may be at most 1000 kB"),
    ],
)
def test_an_oversized_book_toml_is_one_line_before_any_work(tmp_path, extra, fragment):
    manuscript = one_piece_manuscript(tmp_path / "m", "---\ntitle: A\n---\n\nText.\n")
    (manuscript / "book.toml").write_text((manuscript / "book.toml").read_text() + extra)
    result = build_over_last_good(manuscript, tmp_path / "out", ("small-hours.pdf",))
    assert_fails_cleanly(result, tmp_path / "out", "book.toml", fragment)


def test_a_killed_builds_temporary_files_are_removed_by_the_next_build(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    leftovers = [out / ".what-the-epilogue-means.pdf.k3j_9x2a.tmp", out / ".what-the-epilogue-means.epub.abcdefgh.tmp"]
    for path in leftovers:
        path.write_bytes(b"half a book")
    kept = [out / "notes.tmp", out / ".hidden"]
    for path in kept:
        path.write_bytes(b"the writer's own")
    build_into(out)
    assert not any(path.exists() for path in leftovers)
    assert all(path.read_bytes() == b"the writer's own" for path in kept)


def test_an_interrupt_held_through_the_renames_says_the_new_files_were_written(tmp_path, monkeypatch):
    """Ctrl-C while the outputs are renamed into place is held until they all are: then it is the truth to say so."""
    from contextlib import contextmanager

    import publish.pipeline.files

    @contextmanager
    def held_then_delivered():
        yield
        raise KeyboardInterrupt  # what signals_held does with a Ctrl-C that came during the renames

    monkeypatch.setattr(publish.pipeline.files, "signals_held", held_then_delivered)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["build", "--manuscript", str(MANUSCRIPT), "--out", str(out), "--format", "epub"])
    assert result.exit_code == 130, result.output
    assert result.stderr.strip().splitlines()[-1] == "interrupted: the new files had been written and are in place"
    assert (out / "what-the-epilogue-means.epub").is_file()


def test_an_interrupt_before_the_renames_says_nothing_was_written(tmp_path, monkeypatch):
    import publish.pipeline.files

    def interrupted(source, target):
        raise KeyboardInterrupt

    monkeypatch.setattr(publish.pipeline.files.tempfile, "mkstemp", lambda **kwargs: interrupted(None, None))
    result = CliRunner().invoke(
        cli, ["build", "--manuscript", str(MANUSCRIPT), "--out", str(tmp_path / "out"), "--format", "epub"]
    )
    assert result.exit_code == 130
    assert (
        result.stderr.strip().splitlines()[-1]
        == "interrupted: nothing was written, the last good files are as they were"
    )


def test_what_the_print_process_makes_for_the_store_last_can_fail_without_failing_the_build(tmp_path, monkeypatch):
    """The store's entries come back after the PDF (forking.Followed): losing them makes the next build slower, not
    this one wrong or failed."""
    from publish.read.resources import ResourcePolicy

    def full_disk(self):
        raise OSError("No space left on device")

    monkeypatch.setattr(ResourcePolicy, "entries_made", full_disk)
    result = build_into(tmp_path / "out", request=BuildRequest(formats=("pdf",)))
    (pdf,) = result.written
    assert pdf.read_bytes().startswith(b"%PDF")
