"""Outputs are replaced whole or not at all: errors, Ctrl-C, SIGTERM, SIGKILL and concurrent builds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import weakref
import zipfile
from pathlib import Path

import pypdf
import pytest

from publish.pipeline.files import write_all_atomically
from publish.pipeline.signals import interrupt_on_signals

from .conftest import PIECE_HEAD, ROOT, build_book, one_piece_manuscript

OLD = b"the last good build"
OUTPUTS = ("small-hours.epub", "small-hours.pdf")


def long_manuscript(root: Path, paragraphs: int = 120) -> Path:
    """A book long enough (120 paragraphs: about 60 pages) that writing its PDF takes a noticeable moment."""
    paragraph = "A sentence about a film, a city and two people who part, told at some length. " * 12
    return one_piece_manuscript(root, PIECE_HEAD + "\n\n".join([paragraph] * paragraphs) + "\n")


def start_build(manuscript: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "publish", "build", "--manuscript", str(manuscript), "--out", str(out)],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
        # As in a terminal's foreground: a shell running this suite in the background leaves SIGINT ignored.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        env={"PATH": "/usr/bin:/bin", "SOURCE_DATE_EPOCH": "1767225600"},
    )


def outputs_in(out: Path) -> list[str]:
    """The files a reader would see (the build's record lives in the hidden .cache folder); no temporary file
    anywhere."""
    assert not list(out.rglob("*.tmp")), "a temporary file was left behind"
    return sorted(path.name for path in out.iterdir() if not path.name.startswith("."))


def last_good(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name in OUTPUTS:
        (out / name).write_bytes(OLD)


def test_an_error_while_writing_leaves_the_old_set_whole(tmp_path):
    last_good(tmp_path)
    with pytest.raises(TypeError):
        write_all_atomically({tmp_path / "small-hours.pdf": b"new", tmp_path / "small-hours.epub": None})
    assert outputs_in(tmp_path) == sorted(OUTPUTS)
    assert all((tmp_path / name).read_bytes() == OLD for name in OUTPUTS)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL], ids=["sigterm", "ctrl-c", "sigkill"])
def test_a_build_stopped_mid_pdf_leaves_the_last_good_files(tmp_path, stop):
    manuscript = long_manuscript(tmp_path / "m", paragraphs=360)
    out = tmp_path / "out"
    last_good(out)
    build = start_build(manuscript, out)
    for line in build.stderr:
        if line.startswith("render"):  # the second process is laying out and writing the PDF now (for seconds)
            build.send_signal(stop)
            break
    stderr = build.stderr.read()
    assert build.wait(timeout=60) == (-signal.SIGKILL if stop == signal.SIGKILL else 130), stderr
    if stop != signal.SIGKILL:
        assert "interrupted" in stderr and "Traceback" not in stderr, stderr
    assert outputs_in(out) == sorted(OUTPUTS)
    assert all((out / name).read_bytes() == OLD for name in OUTPUTS)


@pytest.mark.timeout(180)
def test_two_builds_at_once_into_one_folder_both_finish_whole(tmp_path, monkeypatch):
    manuscript = long_manuscript(tmp_path / "m", paragraphs=12)
    alone = tmp_path / "alone"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # as the two builds are dated
    build_book(manuscript, alone)
    shared = tmp_path / "shared"
    builds = [start_build(manuscript, shared) for _ in range(2)]
    assert [build.wait(timeout=120) for build in builds] == [0, 0]
    assert outputs_in(shared) == sorted(OUTPUTS)
    for name in OUTPUTS:
        assert (shared / name).read_bytes() == (alone / name).read_bytes(), name
    assert len(pypdf.PdfReader(shared / "small-hours.pdf").pages) > 6
    with zipfile.ZipFile(shared / "small-hours.epub") as archive:
        assert archive.testzip() is None


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # the swallowing, shown by pytest
def test_an_interrupt_python_swallowed_still_stops_the_writing(tmp_path):
    """A SIGTERM whose KeyboardInterrupt lands in a weakref callback (as in the import machinery) is printed as
    "Exception ignored" and lost; the build must still stop before it writes."""
    before = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    interrupt_on_signals()
    try:

        class Held:
            pass

        held = Held()
        reference = weakref.ref(held, lambda _: os.kill(os.getpid(), signal.SIGTERM))
        del held  # the callback runs: the signal's exception is raised inside it, and swallowed
        assert reference() is None
        with pytest.raises(KeyboardInterrupt):
            write_all_atomically({tmp_path / "small-hours.pdf": b"new"})
        assert not (tmp_path / "small-hours.pdf").exists()
    finally:
        interrupt_on_signals()  # forget the signal
        for signum, handler in before.items():
            signal.signal(signum, handler)
