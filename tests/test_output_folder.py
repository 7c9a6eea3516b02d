"""The output folder is checked before any work, and every new output is read back before it replaces the last good one.

The folder tests run the real command on real file systems: a read-only
tmpfs, a full tmpfs, a folder the user may not write (root with the
permission-override capability dropped). Each runs in a private mount
namespace, so nothing outlives the test; where mounting is not allowed
(not root) they are skipped and say why.
"""

from __future__ import annotations

import hashlib
import io
import shlex
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from publish.outputs import epub, pdf

from .conftest import PIECE_HEAD, ROOT, assert_fails_cleanly, build_over_last_good, one_piece_manuscript

OUTPUTS = ("small-hours.epub", "small-hours.pdf")
PUBLISH_LOUD = f"{shlex.quote(sys.executable)} -m publish build"
PUBLISH = f"{PUBLISH_LOUD} --quiet"


def _can_mount() -> bool:
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"], capture_output=True)
    return probe.returncode == 0


needs_mounts = pytest.mark.skipif(not _can_mount(), reason="mounting a tmpfs in a private namespace needs root")


def in_private_mount(script: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run a shell script in a mount namespace of its own: its mounts vanish with it."""
    return subprocess.run(
        ["unshare", "-m", "sh", "-c", script],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "PYTHONPATH": str(ROOT)},
        timeout=120,
    )


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip()]


UNWRITABLE = {
    "read-only": ("ro,size=1m", "cannot write the book here: it is on a read-only file system"),
    "too full": ("size=256k", "cannot write the book here: 0.2 MB free, and the build needs about 1.0 MB"),
}


@needs_mounts
@pytest.mark.parametrize("folder", UNWRITABLE, ids=list(UNWRITABLE))
def test_an_output_folder_that_cannot_take_the_book_is_one_line_before_any_work(tmp_path, folder):
    options, message = UNWRITABLE[folder]
    one_piece_manuscript(tmp_path / "ms", PIECE_HEAD + "Some words.\n")
    (tmp_path / "out").mkdir()
    # Not --quiet: the stages report as they end, so no stage line means nothing was read or laid out.
    script = f"mount -t tmpfs -o {options} tmpfs out; {PUBLISH_LOUD} --manuscript ms --out out; echo rc=$?"
    run = in_private_mount(script, tmp_path)
    assert run.stdout.strip() == "rc=1", run.stderr
    [line] = error_lines(run.stderr)
    assert line.startswith(f"error: out: {message}"), line


@needs_mounts
def test_a_disk_that_fills_while_writing_is_one_line_and_the_last_good_files_stay(tmp_path):
    """The first build fits; the disk is then filled to just past the folder check, and a much larger book is built."""
    from PIL import Image

    manuscript = one_piece_manuscript(tmp_path / "ms", PIECE_HEAD + "Some words.\n")
    (tmp_path / "out").mkdir()
    noise = Image.frombytes("RGB", (900, 700), hashlib.shake_256(b"noise").digest(900 * 700 * 3))
    noise.save(manuscript / "noise.png")  # incompressible: the new PDF and EPUB carry about 1.9 MB each
    larger = PIECE_HEAD + "Some words.\n\n![Grey noise, edge to edge](noise.png)\n"
    script = f"""
        mount -t tmpfs -o size=12m tmpfs out
        {PUBLISH} --manuscript ms --out out
        sha256sum out/*.pdf out/*.epub > before
        head -c $(( $(df --output=avail -B1 out | tail -1) - 1200000 )) /dev/zero > out/filler
        printf '%s' {shlex.quote(larger)} > ms/note.md
        {PUBLISH} --manuscript ms --out out || echo rc=$?
        sha256sum -c --quiet before && echo last-good-kept
        find out -name '*.tmp'
    """
    run = in_private_mount(script, tmp_path)
    assert run.stdout.split() == ["rc=1", "last-good-kept"], run.stdout + run.stderr
    assert error_lines(run.stderr) == ["error: out: cannot write the book here: the disk is full"]


def test_a_folder_the_user_may_not_write_is_one_line_and_its_files_stay(tmp_path):
    capsh = shutil.which("capsh", path="/usr/sbin:/sbin:/usr/bin")
    if (
        not capsh
        or subprocess.run([capsh, "--drop=cap_dac_override", "--", "-c", "true"], capture_output=True).returncode
    ):
        pytest.skip("dropping the permission-override capability needs root and capsh")
    one_piece_manuscript(tmp_path / "ms", PIECE_HEAD + "Some words.\n")
    out = tmp_path / "out"
    out.mkdir()
    for name in OUTPUTS:
        (out / name).write_bytes(b"the last good build")
    out.chmod(0o555)
    run = subprocess.run(
        [capsh, "--drop=cap_dac_override,cap_dac_read_search", "--", "-c", f"{PUBLISH} --manuscript ms --out out"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    out.chmod(0o755)
    assert run.returncode == 1, run.stderr
    assert error_lines(run.stderr) == [
        "error: out: cannot write the book here: it may not be written (permission denied)"
    ]
    assert sorted(path.name for path in out.iterdir()) == sorted(OUTPUTS)
    assert all((out / name).read_bytes() == b"the last good build" for name in OUTPUTS)


def _rezipped(data: bytes, change) -> bytes:
    """The EPUB with each member passed through ``change(name, bytes)``, in the order it returns them."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = change([(info, archive.read(info)) for info in archive.infolist()])
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for info, content in members:
            archive.writestr(info, content)
    return out.getvalue()


def _font(members, damage):
    return [(info, damage(content) if info.filename.endswith(".otf") else content) for info, content in members]


EPUB_DAMAGE = {
    "mimetype last": (lambda members: members[1:] + members[:1], "its first entry is not an uncompressed mimetype"),
    "an empty font": (lambda members: _font(members, lambda font: b""), ".otf is empty"),
    "a truncated font": (lambda members: _font(members, lambda font: font[: len(font) // 2]), "does not read"),
    "a garbled font": (
        lambda members: _font(members, lambda font: font[:-400] + bytes(200) + font[-200:]),
        "bad checksum",
    ),
    "a broken page": (
        lambda members: [
            (info, content[:-30] if info.filename.endswith("note.xhtml") else content) for info, content in members
        ],
        "note.xhtml is not well-formed",
    ),
    "a missing page": (
        lambda members: [member for member in members if not member[0].filename.endswith("note.xhtml")],
        "note.xhtml is listed but missing",
    ),
}


@pytest.mark.parametrize("damage", EPUB_DAMAGE, ids=list(EPUB_DAMAGE))
def test_a_damaged_new_epub_never_replaces_the_last_good_one(tmp_path, monkeypatch, damage):
    change, fragment = EPUB_DAMAGE[damage]
    made = epub.epub_bytes
    monkeypatch.setattr(epub, "epub_bytes", lambda *args: _rezipped(made(*args), change))
    manuscript = one_piece_manuscript(tmp_path / "ms", PIECE_HEAD + "Some words.\n")
    result = build_over_last_good(manuscript, tmp_path / "out", OUTPUTS)
    assert_fails_cleanly(result, tmp_path / "out", "small-hours.epub did not read back whole", fragment)


PDF_DAMAGE = {
    # With an EPUB, the cover is rendered from the new PDF first, and PDFium finds the damage.
    "truncated": (lambda data: data[: len(data) // 2], "all", "the new PDF did not read back whole (Failed to load"),
    "truncated, alone": (
        lambda data: data[: len(data) // 2],
        "pdf",
        "small-hours.pdf did not read back whole (the PDF does not open",
    ),
    # Bytes zeroed inside the first compressed stream: the file opens, and decoding the stream fails.
    "garbled, alone": (
        lambda data: _zeroed(data, data.index(b"stream", data.index(b"/FlateDecode")) + 20),
        "pdf",
        "small-hours.pdf did not read back whole (the PDF does not open",
    ),
    "a page short": (
        lambda data: _without_last_page(data),
        "all",
        "small-hours.pdf did not read back whole (it has 7 pages where 8 were laid out",
    ),
}


def _zeroed(data: bytes, start: int) -> bytes:
    return data[:start] + bytes(20) + data[start + 20 :]


def _without_last_page(data: bytes) -> bytes:
    import pypdf

    writer = pypdf.PdfWriter(clone_from=io.BytesIO(data))
    writer.remove_page(len(writer.pages) - 1)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize("damage", PDF_DAMAGE, ids=list(PDF_DAMAGE))
def test_a_damaged_new_pdf_never_replaces_the_last_good_one(tmp_path, monkeypatch, damage):
    change, formats, fragment = PDF_DAMAGE[damage]
    made = pdf.pdf_bytes
    # Patched before the build forks the process that lays out the print edition, which inherits it.
    monkeypatch.setattr(pdf, "pdf_bytes", lambda *args: change(made(*args)))
    manuscript = one_piece_manuscript(tmp_path / "ms", PIECE_HEAD + "Some words.\n")
    result = build_over_last_good(manuscript, tmp_path / "out", OUTPUTS, "--format", formats)
    assert_fails_cleanly(result, tmp_path / "out", fragment)
