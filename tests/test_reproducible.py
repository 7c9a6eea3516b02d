"""Reproducible builds: the same manuscript and epoch give the same bytes."""

from __future__ import annotations

import hashlib
import zipfile

import pypdf

from .conftest import build_book


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
