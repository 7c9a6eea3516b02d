"""Live preview: the web edition on 127.0.0.1, rebuilt whenever a source changes.

A save shows in the site's pages as soon as the build has rendered them,
with the last build's fonts, cover and pictures, while the print edition is
laid out; then the new PDF; then the whole build, EPUB with it, and its
site takes over. The main thread builds and
watches (the pipeline's signal handlers and CPU budget work only there);
the HTTP server answers from a daemon thread with whatever the latest build
left, from memory, and serves the site's own files and nothing else. The
build's badge and the reload script go into the pages served, never into
what is written to the output folder.
"""

from __future__ import annotations

import dataclasses
import mimetypes
import re
import socket
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import PIL.Image
import pypdfium2
import watchfiles

from publish.errors import PublishError, PublishWarning
from publish.outputs.print_edition import load_layout_modules
from publish.outputs.registry import output_formats
from publish.pipeline.build import Preview
from publish.pipeline.freshness import build_if_stale
from publish.read.default_theme import DEFAULT_THEME
from publish.render.theme import Theme
from publish.request import BuildRequest
from publish.tools.preview import SPREAD_DPI, png_bytes, render_page

if TYPE_CHECKING:
    from publish.render.assemble import AssembledBook

HOST = "127.0.0.1"
PAGE_ROUTE = re.compile(r"/pages/([1-9][0-9]{0,5})\.png")
# Every format: the PDF for the badge's links, and laid out with the site, for its print page numbers.
EVERY_FORMAT = BuildRequest(formats=tuple(output_formats()))
# Python's table may not know the web's font type.
SITE_TYPES = {".woff2": "font/woff2", ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8"}
# pdfium is not thread-safe, and the build uses it (for the cover) in a process
# forked from this one: one thread at a time, never while a build may fork (build.Preview.printed says when
# it no longer will).
PDFIUM = threading.Lock()


@dataclass(frozen=True)
class Build:
    """What the server shows of a build: the site's files by path, or the error; and the last good PDF.

    A build shows its pages before its PDF is ready, so a page reloads on
    ``revision``, which every change of what is shown moves on.
    """

    number: int
    revision: int
    finished: str
    seconds: float
    site: Mapping[str, bytes] = field(default_factory=dict)
    error: str = ""
    # As the build found them, or (when nothing had changed since) as the last build recorded them.
    warnings: tuple[PublishWarning | str, ...] = ()
    pdf: bytes = b""
    pdf_build: int = 0


class PreviewServer(ThreadingHTTPServer):
    """An HTTP server that holds the latest build, and the default theme its badge and error page come from."""

    daemon_threads = True

    def __init__(self, port: int):
        super().__init__((HOST, port), PreviewHandler)
        self.chrome = Theme.load(DEFAULT_THEME)
        self.latest = Build(number=0, revision=0, finished="", seconds=0.0)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server_address[1]}/"

    def handle_error(self, request: socket.socket | tuple[bytes, socket.socket], client_address: tuple) -> None:
        """A browser that goes away mid-answer (a reload, a closed tab) is not an error worth a traceback."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def serve(
    manuscript_dir: Path,
    styles_dir: Path,
    out_dir: Path,
    port: int,
    ready: Callable[[str], None],
    built: Callable[[Build], None],
) -> None:
    """Build into ``out_dir``, serve on 127.0.0.1:``port``, rebuild on every change; return only by an exception.

    ``ready`` is told the server's address once the first build is done,
    ``built`` each build's outcome. Ctrl-C or SIGTERM (a KeyboardInterrupt)
    shuts the server down on the way out.
    """
    for folder in (manuscript_dir, styles_dir):
        if not folder.is_dir():
            raise PublishError("no such folder", folder)
    try:
        server = PreviewServer(port)
    except OSError as error:
        raise PublishError(
            f"cannot listen on {HOST}:{port} ({error.strerror}): choose another --port, or --port 0"
        ) from None
    # Loaded here once (not after the first build, when an edit could come before the watching starts),
    # WeasyPrint and the modules that lay a book out in parts and join them are already in every build's second
    # process, forked from this one: each PDF comes sooner by their import.
    # Pillow's image plugins load too, before the HTTP thread starts: a build forked while that thread was
    # importing one (for a page PNG) would find its import lock held for ever when it makes the cover.
    load_layout_modules()

    PIL.Image.init()

    with server:
        rebuild(manuscript_dir, styles_dir, out_dir, server)
        built(server.latest)
        threading.Thread(target=server.serve_forever, name="preview-server", daemon=True).start()
        try:
            ready(server.url)
            for _changes in watchfiles.watch(manuscript_dir, styles_dir, watch_filter=SourceFilter(out_dir)):
                rebuild(manuscript_dir, styles_dir, out_dir, server)
                built(server.latest)
        finally:
            server.shutdown()


class SourceFilter(watchfiles.DefaultFilter):
    """watchfiles' usual filter (editor swap files, .git…), and nothing in the output folder, which may lie
    inside the manuscript's: a build's own writes must not start the next build."""

    def __init__(self, out_dir: Path):
        super().__init__()
        self.out_dir = out_dir.resolve()

    def __call__(self, change: watchfiles.Change, path: str) -> bool:
        return super().__call__(change, path) and not Path(path).resolve().is_relative_to(self.out_dir)


def rebuild(manuscript_dir: Path, styles_dir: Path, out_dir: Path, server: PreviewServer) -> None:
    """Build, showing what there is as it comes: the new pages once they are rendered, the new PDF as soon as it
    is laid out, then the finished build (or its error).

    The pages come while WeasyPrint lays out what changed; the EPUB and the
    site whole come after the PDF. On bad input, or any failure, the
    previous build's PDF stays.
    """
    start = time.perf_counter()
    previous = server.latest
    state = dataclasses.replace(previous, number=previous.number + 1, error="", warnings=(), finished="")

    def show(**changes: Any) -> None:
        nonlocal state
        state = server.latest = dataclasses.replace(state, revision=state.revision + 1, **changes)

    def paged(book: AssembledBook) -> None:
        pages = {page.file_name: page.content.encode("utf-8") for page in book.web_pages}
        show(site={**previous.site, **pages, "style.css": book.theme.joined("web.css")})

    drawing_held = False

    def laid_out(pdf: bytes) -> None:
        nonlocal drawing_held
        if drawing_held:
            PDFIUM.release()
            drawing_held = False
        show(pdf=pdf, pdf_build=state.number)

    try:
        # Held while the build may fork (the print process, its runs), and let go once its layout is done: its
        # pages can then be drawn while the EPUB and the site are finished.
        drawing_held = PDFIUM.acquire()
        result = build_if_stale(
            manuscript_dir,
            styles_dir,
            out_dir,
            EVERY_FORMAT,
            lambda stage, seconds: None,
            preview=Preview(paged, laid_out),
        )
    except Exception as error:  # whatever failed, the server lives on and says so
        message = str(error) if isinstance(error, PublishError) else f"the build failed unexpectedly: {error!r}"
        show(
            finished=time.strftime("%H:%M:%S"),
            seconds=time.perf_counter() - start,
            error=message,
            pdf=previous.pdf,
            pdf_build=previous.pdf_build,
        )
        return
    finally:
        if drawing_held:
            PDFIUM.release()
    printed = next(fmt for fmt in output_formats().values() if fmt.printed)
    pdf = next(path for path in result.written if path.name.endswith(printed.suffix))
    site = next(path for path in result.written if path.is_dir())
    show(
        finished=time.strftime("%H:%M:%S"),
        seconds=time.perf_counter() - start,
        warnings=tuple(result.warnings),
        site={file.relative_to(site).as_posix(): file.read_bytes() for file in site.rglob("*") if file.is_file()},
        pdf=pdf.read_bytes(),
        pdf_build=state.number,
    )


class PreviewHandler(BaseHTTPRequestHandler):
    """The routes: the site's files, the build number, the PDF and its pages; nothing else."""

    server: PreviewServer

    def do_GET(self) -> None:
        latest = self.server.latest
        path = unquote(urlsplit(self.path).path)
        name = "index.html" if path == "/" else path.removeprefix("/")
        port = self.server.server_address[1]
        if self.headers.get("Host") not in (f"{HOST}:{port}", f"localhost:{port}"):
            # A web page that rebinds its own name to 127.0.0.1 must not read the unpublished book.
            self.send_error(HTTPStatus.MISDIRECTED_REQUEST)
        elif path == "/version":
            self._send("text/plain; charset=utf-8", str(latest.revision).encode())
        elif path == "/book.pdf" and latest.pdf:
            self._send("application/pdf", latest.pdf)
        elif (match := PAGE_ROUTE.fullmatch(path)) and latest.pdf:
            self._send_page(latest.pdf, int(match.group(1)))
        elif name.endswith(".html") and latest.error:
            self._send(SITE_TYPES[".html"], self.server.chrome.render("serve/failed.html", build=latest).encode())
        elif name in latest.site:
            self._send_site_file(name, latest)
        else:
            self.send_error(HTTPStatus.NOT_FOUND)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the pages poll every second, and stderr is for builds."""

    def _send_site_file(self, name: str, latest: Build) -> None:
        body = latest.site[name]
        suffix = Path(name).suffix.lower()
        if suffix == ".html":
            badge = self.server.chrome.render("serve/badge.html", build=latest).encode()
            before, body_end, after = body.rpartition(b"</body>")
            body = before + badge + body_end + after
        # A contributor's SVG opened on its own must not run script in the preview's origin.
        headers = {"Content-Security-Policy": "default-src 'none'"} if suffix == ".svg" else {}
        self._send(SITE_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream", body, headers)

    def _send_page(self, pdf: bytes, number: int) -> None:
        with PDFIUM:
            document = pypdfium2.PdfDocument(pdf)
            try:
                image = render_page(document[number - 1], SPREAD_DPI) if number <= len(document) else None
            finally:
                document.close()
        if image is None:
            self.send_error(HTTPStatus.NOT_FOUND)
        else:
            self._send("image/png", png_bytes(image))

    def _send(self, content_type: str, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)
