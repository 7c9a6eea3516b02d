"""``publish serve``: the live preview answers on 127.0.0.1, follows edits, survives bad input and stops cleanly."""

from __future__ import annotations

import html
import http.client
import io
import re
import signal
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image

from . import word_files
from .conftest import PIECE_HEAD, ROOT, one_piece_manuscript

URL_LINE = re.compile(r"serving (http://127\.0\.0\.1:(\d+)/)\n")


def start_server(manuscript: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "publish", "serve", "--port", "0", "--manuscript", str(manuscript), "--out", str(out)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # As in a terminal's foreground: a shell running this suite in the background leaves SIGINT ignored.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        env={"PATH": "/usr/bin:/bin", "SOURCE_DATE_EPOCH": "1767225600"},
    )


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


def get_raw_path(port: int, path: str, host: str | None = None) -> int:
    """The status for ``path`` sent exactly as written (no client tidies away its ``..``), with ``host`` as Host."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"Host": host} if host else {})
        return connection.getresponse().status
    finally:
        connection.close()


def wait_until(check: Callable[[], bool], what: str) -> None:
    """Poll ``check`` every tenth of a second, for at most 30 s."""
    for _ in range(300):
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"not within 30 s: {what}")


def page_error(page: str) -> str:
    """The error line a failed build's page shows."""
    match = re.search(r"<pre>(.*?)</pre>", page, re.S)
    assert match, page
    return html.unescape(match.group(1))


def image_source(page: str, alt: str) -> str:
    """The address of the one picture on ``page`` described as ``alt``."""
    (tag,) = [tag for tag in re.findall(r"<img\b[^>]*>", page) if f'alt="{alt}"' in tag]
    return re.search(r'src="([^"]+)"', tag).group(1)


@pytest.mark.timeout(120)
def test_serve_shows_the_web_edition_live_rebuilds_and_stops_cleanly(manuscript_copy, tmp_path):
    out = tmp_path / "out"
    Image.new("RGB", (8, 8), "black").save(manuscript_copy / "dot.png")
    with (manuscript_copy / "foreword.md").open("a") as piece:
        piece.write("\n![A black dot](dot.png)\n")
    word = word_files.WordFile(title="A Word Piece", author="Ada Lane")
    word.picture(word_files.png(), "A red square")
    word.save(manuscript_copy / "word.docx")
    book_toml = manuscript_copy / "book.toml"
    book_toml.write_text(book_toml.read_text().replace('  "response.md",\n', '  "response.md",\n  "word.docx",\n'))
    server = start_server(manuscript_copy, out)
    try:
        match = URL_LINE.fullmatch(server.stdout.readline())
        assert match, "no 'serving http://127.0.0.1:PORT/' line"
        url, port = match.group(1), int(match.group(2))
        assert urlsplit(url).hostname == "127.0.0.1"

        status, index = get(url)
        title = tomllib.loads(book_toml.read_text())["title"]
        assert status == 200 and title in index.decode() and 'href="foreword.html"' in index.decode()
        assert "/version" in index.decode() and "/book.pdf" in index.decode(), "no badge or reload script"
        foreword = get(url + "foreword.html")[1].decode()
        assert "inspired" in get(url + "la-la-land-ending.html")[1].decode() and 'href="style.css"' in foreword
        for name in ("style.css", "fonts/fonts.css", "cover.jpg"):
            assert get(url + name)[0] == 200, name
        # The pictures as the site has them: the manuscript's, and the one taken out of the Word piece.
        dot = image_source(foreword, "A black dot")
        with Image.open(io.BytesIO(get(url + dot)[1])) as served:
            assert served.size == (8, 8)
        square = image_source(get(url + "word.html")[1].decode(), "A red square")
        assert get(url + square)[0] == 200
        # Only the site's own files: nothing of the manuscript, the theme or the disk beside them.
        for escape in (
            "/../pyproject.toml",
            "/%2e%2e/pyproject.toml",
            "/fonts/../../pyproject.toml",
            "/dot.png",
            "/book.toml",
            "/print.css",
            "//etc/passwd",
            "/%00",
            "/elsewhere",
        ):
            assert get_raw_path(port, escape) == 404, escape
        assert get_raw_path(port, "/", host=f"localhost:{port}") == 200
        assert get_raw_path(port, "/", host=f"rebound.example:{port}") == 421, (
            "a DNS-rebinding page could read the book"
        )
        status, first_pdf = get(url + "book.pdf")
        assert status == 200 and first_pdf.startswith(b"%PDF")
        status, png = get(url + "pages/1.png")
        assert status == 200 and png.startswith(b"\x89PNG\r\n\x1a\n")
        # Built with the PDF, the site can show its page numbers.
        assert 'class="print-page"' in get(url + "response.html")[1].decode()
        written = [next(out.glob("*.epub")), *out.glob("*-web/*.html")]
        assert len(written) > 5 and not any(b"/version" in path.read_bytes() for path in written[1:])
        with zipfile.ZipFile(written[0]) as epub:
            assert not any(b"/version" in epub.read(name) for name in epub.namelist()), (
                "the reload script reached the EPUB"
            )

        piece = manuscript_copy / "response.md"
        sentence = "The preview caught this sentence about a quiet zebra."
        revision = get(url + "version")[1]
        piece.write_text(piece.read_text() + f"\n{sentence}\n")
        wait_until(lambda: get(url + "version")[1] != revision, "the page follows the edit")
        # The page's words, whatever spans set them (a paragraph's last words are kept together in one).
        assert sentence in re.sub(r"<[^>]+>", "", get(url + "response.html")[1].decode())
        wait_until(lambda: get(url + "book.pdf")[1] != first_pdf, "the PDF follows the edit")
        good_pdf = get(url + "book.pdf")[1]
        wait_until(lambda: "laying out the PDF" not in get(url)[1].decode(), "the page says its PDF is ready")

        piece.write_bytes(piece.read_bytes() + b"\nA broken \x00 line.\n")
        wait_until(lambda: b"failed" in get(url + "response.html")[1], "the page shows the error")
        status, page = get(url + "response.html")
        assert status == 200 and sentence not in re.sub(r"<[^>]+>", "", page.decode())
        error = page_error(page.decode())
        assert "response.md:" in error
        assert page_error(get(url)[1].decode()) == error
        assert get(url + "book.pdf") == (200, good_pdf)

        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=15) == 0
        stderr = server.stderr.read()
        assert stderr.splitlines()[-1] == "stopped" and "Traceback" not in stderr, stderr
        assert f"error: {error}" in stderr.splitlines(), stderr
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


class ShownStates:
    """What a preview server would show, state after state (serve.rebuild reads and sets only ``latest``)."""

    def __init__(self):
        from publish.tools.serve import Build

        self.shown = [Build(number=0, revision=0, finished="", seconds=0.0)]
        # For each state shown: whether its pages could be drawn then (nothing held pdfium).
        self.drawable: list[bool] = [True]

    @property
    def latest(self):
        return self.shown[-1]

    @latest.setter
    def latest(self, state) -> None:
        from publish.tools.serve import PDFIUM

        self.shown.append(state)
        self.drawable.append(not PDFIUM.locked())


@pytest.mark.timeout(120)
def test_a_rebuild_shows_its_pdf_as_soon_as_it_is_laid_out_before_the_build_is_finished(tmp_path, monkeypatch):
    from publish.read.config import DEFAULT_THEME
    from publish.tools.serve import rebuild

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    manuscript = one_piece_manuscript(tmp_path / "book", PIECE_HEAD + "The film ended, and the lights stayed down.\n")
    server = ShownStates()
    rebuild(manuscript, DEFAULT_THEME, tmp_path / "out", server)
    with (manuscript / "note.md").open("a") as piece:
        piece.write("\nThe lights came on, and nobody moved.\n")
    first_build = len(server.shown)
    rebuild(manuscript, DEFAULT_THEME, tmp_path / "out", server)
    pages, laid_out, finished = server.shown[first_build:]
    assert pages.pdf == server.shown[first_build - 1].pdf and pages.pdf_build == 1, "the pages come first"
    assert any(b"nobody moved" in page for name, page in pages.site.items() if name.endswith(".html"))
    # Shown while the build goes on (it still says how long the last build took), and its pages can be drawn.
    assert laid_out.pdf_build == 2 and laid_out.seconds == pages.seconds and not laid_out.error
    assert not laid_out.finished and server.drawable[first_build + 1]
    assert finished.seconds != laid_out.seconds and finished.pdf == laid_out.pdf
    assert (
        b"nobody moved"
        in subprocess.run(["pdftotext", "-", "-"], input=laid_out.pdf, capture_output=True, check=True).stdout
    )
    assert laid_out.revision == pages.revision + 1 and finished.revision == laid_out.revision + 1

    # A build that fails after its layout (here its outputs do not read back) shows the error and the last good PDF.
    from publish.outputs import verify

    def broken(outputs, page_counts):
        raise verify.unreadable("PDF", "a test says so")

    monkeypatch.setattr(verify, "check_outputs", broken)
    with (manuscript / "note.md").open("a") as piece:
        piece.write("\nSomeone laughed.\n")
    second_build = len(server.shown)
    rebuild(manuscript, DEFAULT_THEME, tmp_path / "out", server)
    _, shown_early, failed = server.shown[second_build:]
    assert (
        shown_early.pdf_build == 3
        and b"Someone laughed"
        in subprocess.run(["pdftotext", "-", "-"], input=shown_early.pdf, capture_output=True, check=True).stdout
    )
    assert "a test says so" in failed.error and failed.pdf == finished.pdf and failed.pdf_build == 2
