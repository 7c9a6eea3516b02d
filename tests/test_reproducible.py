"""Reproducible builds: the same manuscript and epoch give the same bytes."""

from __future__ import annotations

import hashlib
import os
import zipfile
from dataclasses import replace

import pypdf
import pytest

from publish.errors import PublishError
from publish.pipeline.build import BuildRequest, build
from publish.pipeline.sources import build_moment
from publish.read.config import DEFAULT_THEME

from .conftest import MANUSCRIPT, ROOT, SADDLE_EPOCH, build_book

ANTHOLOGY = ROOT / "tests" / "books" / "anthology"


def digests(book) -> tuple[str, str]:
    return tuple(hashlib.sha256(path.read_bytes()).hexdigest() for path in (book.pdf, book.epub))


def test_same_epoch_same_bytes_and_another_epoch_changes_them(tmp_path, manuscript_copy, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764000000")
    first = digests(build_book(manuscript_copy, tmp_path / "one"))
    second = digests(build_book(manuscript_copy, tmp_path / "two"))
    assert first == second
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764086400")
    third = digests(build_book(manuscript_copy, tmp_path / "three"))
    assert third[0] != first[0] and third[1] != first[1]


def test_without_an_epoch_the_manuscript_dates_the_build(tmp_path, manuscript_copy, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first = build_book(manuscript_copy, tmp_path / "one")
    second = build_book(manuscript_copy, tmp_path / "two")
    assert digests(first) == digests(second)


def test_epub_zip_is_ordered_and_dated(sample_book):
    with zipfile.ZipFile(sample_book.epub) as archive:
        entries = archive.infolist()
    assert entries[0].filename == "mimetype" and entries[0].compress_type == zipfile.ZIP_STORED
    assert len({entry.date_time for entry in entries}) == 1


def test_pdf_carries_a_content_derived_document_id(sample_book):
    first, second = pypdf.PdfReader(sample_book.pdf).trailer["/ID"]
    assert first == second and len(first) == 32


def test_the_parallel_build_writes_the_same_bytes_as_the_serial_one(tmp_path, monkeypatch, sample_saddle):
    """The parallel build is the run's ``publish build --impose saddle`` (BuildRequest(impose="saddle"), parallel as
    every build is by default), dated as this one."""
    parallel, _ = sample_saddle
    monkeypatch.setenv("SOURCE_DATE_EPOCH", SADDLE_EPOCH)
    request = BuildRequest(impose="saddle", parallel=False)
    serial = build(MANUSCRIPT, DEFAULT_THEME, tmp_path / "serial", request, lambda *args: None).written
    made = sorted(path.name for path in parallel.iterdir() if not path.name.startswith("."))
    assert made == sorted(path.name for path in serial) and len(serial) == 3
    for other in serial:
        assert (parallel / other.name).read_bytes() == other.read_bytes(), other.name


def test_a_book_laid_out_in_parts_after_a_page_laid_out_ahead_is_the_same_bytes(tmp_path, monkeypatch):
    """The second process lays out a page of the book while the pieces are rendered (print_edition.warm_up), and the
    book's parts then find its fonts and style sheets ready: the book is the one a build without it makes."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", SADDLE_EPOCH)
    stages: list[str] = []
    request = BuildRequest(formats=("pdf",))
    ahead = build(ANTHOLOGY, DEFAULT_THEME, tmp_path / "ahead", request, lambda stage, _: stages.append(stage)).written
    serial = build(ANTHOLOGY, DEFAULT_THEME, tmp_path / "serial", replace(request, parallel=False), lambda *_: None)
    assert "warm-up" in stages and "layout" in stages
    assert [path.read_bytes() for path in ahead] == [path.read_bytes() for path in serial.written]


def test_an_error_in_the_print_process_stops_the_build_with_its_message(tmp_path, theme_copy):
    theme = theme_copy
    with (theme / "print.css").open("a") as css:
        css.write('\nbody { background: url("file:///etc/passwd"); }\n')
    with pytest.raises(PublishError, match="outside the manuscript and styles folders"):
        build(MANUSCRIPT, theme, tmp_path / "out", BuildRequest(), lambda *args: None)


def say_the_epoch(job) -> None:
    raise PublishError(f"dated {os.environ.get('SOURCE_DATE_EPOCH')}")


def test_the_print_process_dates_its_work_by_the_book(tmp_path, manuscript_copy, monkeypatch):
    """The layout runs in a process forked early; it must see the book's epoch (fontTools stamps the fonts it cuts)."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.setattr("publish.pipeline.build.print_edition", say_the_epoch)
    with pytest.raises(PublishError) as raised:
        build(manuscript_copy, DEFAULT_THEME, tmp_path / "out", BuildRequest(formats=("pdf",)), lambda *args: None)
    assert raised.value.message == f"dated {int(build_moment(manuscript_copy.resolve()).timestamp())}"
