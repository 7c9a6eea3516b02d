"""A rebuild lays out again only the parts of the print edition that changed, and makes the bytes a fresh build
makes.

The last build's parts are in the store (parts_memory.py); a rebuild keeps
those whose HTML and place are unchanged, lays out the others, and writes the
book from every part's objects (parts_again.py). Patches made before a build reach its print
process and the runs it forks, so they can forbid the whole layout, or any
part but those expected.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from publish.outputs import part_pool, parts, parts_join
from publish.pipeline.build import build
from publish.read.config import DEFAULT_THEME
from publish.request import BuildRequest

REQUEST = BuildRequest(formats=("pdf",))
SENTENCES = (
    "The ferry left at six, and nobody on the quay waved.",
    "She counted the lamps along the harbour wall twice, to be sure.",
    "A gull took the last of the bread and did not look back.",
    "By the time the fog lifted, the island had gone quiet again.",
    "He kept the ticket in his coat for a year, folded in four.",
)


def write_book(root: Path, pieces: int) -> list[Path]:
    """A book of ``pieces`` short pieces (a page or two each), in this test's words. Its pieces open on any page:
    with the default, where they open is chosen from their lengths, and a piece that grows may move them all."""
    root.mkdir()
    names = [f"piece-{number:02d}.md" for number in range(1, pieces + 1)]
    listed = ", ".join(f'"{name}"' for name in names)
    (root / "book.toml").write_text(
        f'title = "Harbour Lights"\nauthors = ["A. Writer"]\nlanguage = "en"\nopenings = "any"\npieces = [{listed}]\n'
    )
    for number, name in enumerate(names):
        paragraphs = [" ".join(SENTENCES[(number + line) % len(SENTENCES)] for line in range(4))] * (2 + number % 3)
        (root / name).write_text(f"---\ntitle: Crossing {number + 1}\n---\n\n" + "\n\n".join(paragraphs) + "\n")
    return [root / name for name in names]


def built_pdf(root: Path, out: Path) -> bytes:
    result = build(root, DEFAULT_THEME, out, REQUEST, lambda *args: None)
    return next(path for path in result.written if path.suffix == ".pdf").read_bytes()


def text_of(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def only_laying_out(monkeypatch, pieces: set[str]) -> None:
    """Every later build may lay out only the parts that hold ``pieces`` (by their ids, or the front and back
    matter), and never the whole book."""

    def whole(*args, **kwargs):
        raise AssertionError("the whole book was laid out again")

    paginate = parts.Run.paginate

    def checked(run, *args):
        laid_out = {name for part in run.parts for name in part.ids}
        assert laid_out & pieces, f"{sorted(laid_out)} laid out again"
        return paginate(run, *args)

    monkeypatch.setattr(part_pool, "_runs", whole)
    monkeypatch.setattr(parts.Run, "paginate", checked)


@pytest.mark.timeout(180)
def test_a_rebuild_lays_out_only_the_parts_that_changed_or_moved(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    pieces = write_book(tmp_path / "book", 8)
    built_pdf(tmp_path / "book", tmp_path / "out")

    # A full stop for an exclamation mark, and a letter the book had not drawn, at the end of the piece: it is laid
    # out again, nothing else moves, and each face's program gains the new glyph.
    with monkeypatch.context() as patched:
        only_laying_out(patched, {"piece-04"})
        pieces[3].write_text(pieces[3].read_text().rstrip().removesuffix("to be sure.") + "to be sûre!\n")
        again = built_pdf(tmp_path / "book", tmp_path / "out")
    assert "to be sûre!" in text_of(again)
    assert again == built_pdf(tmp_path / "book", tmp_path / "fresh-1")

    # Words changed for words of letters the book has drawn: the piece is laid out again, but no face is cut again
    # (the book embeds each as the last build cut it: parts_join.CutFace).
    def cut_again(*args):
        raise AssertionError("a face was cut again for the glyphs it was cut for last time")

    with monkeypatch.context() as patched:
        only_laying_out(patched, {"piece-02"})
        patched.setattr(parts_join, "program", cut_again)
        pieces[1].write_text(pieces[1].read_text().replace("did not look back", "never looked back", 1))
        again = built_pdf(tmp_path / "book", tmp_path / "out")
    assert "never looked back" in text_of(again)
    assert again == built_pdf(tmp_path / "book", tmp_path / "fresh-3")

    # The last piece grows by a page: the back matter after it moves, and the contents' page numbers with it.
    with monkeypatch.context() as patched:
        only_laying_out(patched, {"piece-08", "contents", "colophon"})
        pieces[7].write_text(pieces[7].read_text() + ("\n\n" + " ".join(SENTENCES)) * 6)
        again = built_pdf(tmp_path / "book", tmp_path / "out")
    assert again == built_pdf(tmp_path / "book", tmp_path / "fresh-2")

    # One record of the book's parts in the store however many times it was edited, each build's written over the
    # last one's; and no PDF: the book is written again from the parts' objects.
    store = tmp_path / "out" / ".cache" / "store"
    entries = [path.read_bytes() for path in store.glob("*/*")]
    assert sum(b"KeptBook" in entry for entry in entries) == 1
    assert not any(b"%PDF-" in entry for entry in entries)
