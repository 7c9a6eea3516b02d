"""Live preview: the book's print HTML on 127.0.0.1, rebuilt whenever a source changes.

The main thread builds and watches (the pipeline's signal handlers and CPU
budget work only there); the HTTP server answers from a daemon thread with
whatever the latest build left. The reload script goes into the served page
only, never into what is written to the output folder.
"""

from __future__ import annotations

import dataclasses
import mimetypes
import re
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import PIL.Image
import pypdfium2
import watchfiles

from publish.errors import PublishError, PublishWarning
from publish.markup.fragment import IMAGE_TYPES
from publish.outputs.print_edition import print_job
from publish.outputs.registry import output_formats
from publish.pipeline.build import book_for_print
from publish.pipeline.freshness import build_if_stale
from publish.read.default_theme import DEFAULT_THEME, theme_layers
from publish.read.resources import RefusedResource, ResourcePolicy
from publish.read.word_images import images_folder
from publish.render.assemble import print_stylesheets
from publish.render.theme import Theme
from publish.request import BuildRequest
from publish.tools.preview import SPREAD_DPI, png_bytes, render_page

HOST = "127.0.0.1"
STYLES_ROUTE = "/styles"
MANUSCRIPT_ROUTE = "/manuscript"
# The pictures taken out of Word pieces, which the build reads from the user's cache (read/word_images.py).
WORD_PICTURES_ROUTE = "/word-pictures"
PAGE_ROUTE = re.compile(r"/pages/([1-9][0-9]{0,5})\.png")
# pdfium is not thread-safe, and the build uses it (for the EPUB's cover) in a
# process forked from this one: one thread at a time, never during a build.
PDFIUM = threading.Lock()


@dataclass(frozen=True)
class Build:
    """What the server shows of a build: the book, or the error; and the last good PDF.

    A build shows its page before its PDF is ready, so the page reloads on
    ``revision``, which every change of what is shown moves on.
    """

    number: int
    revision: int
    finished: str
    seconds: float
    page: str = ""
    error: str = ""
    # As the build found them, or (when nothing had changed since) as the last build recorded them.
    warnings: tuple[PublishWarning | str, ...] = ()
    pdf: bytes = b""
    pdf_build: int = 0


class PreviewServer(ThreadingHTTPServer):
    """An HTTP server that holds the latest build and the theme folders it may serve files from."""

    daemon_threads = True

    def __init__(self, port: int, theme_layers: tuple[Path, ...], manuscript_root: Path):
        super().__init__((HOST, port), PreviewHandler)
        self.theme_layers = theme_layers
        # The pieces' pictures, by the rule the build reads them by.
        self.pictures = ResourcePolicy((manuscript_root,))
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
        server = PreviewServer(port, theme_layers(styles_dir), manuscript_dir.resolve())
    except OSError as error:
        raise PublishError(
            f"cannot listen on {HOST}:{port} ({error.strerror}): choose another --port, or --port 0"
        ) from None
    # Loaded here once (not after the first build, when an edit could come before the watching starts),
    # WeasyPrint is already in every build's second process, forked from this one: each PDF comes sooner by its import.
    # Pillow's image plugins load too, before the HTTP thread starts: a build forked while that thread was
    # importing one (for a page PNG) would find its import lock held for ever when it makes the cover.
    from publish.outputs import pdf  # noqa: F401

    PIL.Image.init()

    with server:
        for state in rebuilds(manuscript_dir, styles_dir, out_dir, server.latest):
            server.latest = state
        built(server.latest)
        threading.Thread(target=server.serve_forever, name="preview-server", daemon=True).start()
        try:
            ready(server.url)
            for _changes in watchfiles.watch(manuscript_dir, styles_dir, watch_filter=SourceFilter(out_dir)):
                for state in rebuilds(manuscript_dir, styles_dir, out_dir, server.latest):
                    server.latest = state
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


def rebuilds(manuscript_dir: Path, styles_dir: Path, out_dir: Path, previous: Build) -> Iterator[Build]:
    """What to show while building: the new page at once, then the finished build (or its error).

    The page comes from the pieces alone, in a moment; the PDF and EPUB
    follow (WeasyPrint lays out the whole book, which takes seconds in a
    long one). On bad input the previous build's PDF stays.
    """
    start = time.perf_counter()
    chrome = Theme.load(DEFAULT_THEME)
    state = dataclasses.replace(previous, number=previous.number + 1, error="", warnings=())
    try:
        book_html = preview_html(manuscript_dir, styles_dir, out_dir)
        state = _showing(state, book_html, chrome)
        yield state
        with PDFIUM:
            result = build_if_stale(manuscript_dir, styles_dir, out_dir, BuildRequest(), lambda stage, seconds: None)
    except Exception as error:  # whatever failed, the server lives on and says so
        message = str(error) if isinstance(error, PublishError) else f"the build failed unexpectedly: {error!r}"
        failed = dataclasses.replace(
            state,
            revision=state.revision + 1,
            finished=time.strftime("%H:%M:%S"),
            seconds=time.perf_counter() - start,
            error=message,
        )
        yield dataclasses.replace(failed, page=chrome.render("serve/failed.html", build=failed))
        return
    printed = next(fmt for fmt in output_formats().values() if fmt.printed)
    pdf = next(path for path in result.written if path.name.endswith(printed.suffix))
    done = dataclasses.replace(
        state,
        finished=time.strftime("%H:%M:%S"),
        seconds=time.perf_counter() - start,
        warnings=tuple(result.warnings),
        pdf=pdf.read_bytes(),
        pdf_build=state.number,
    )
    yield _showing(done, book_html, chrome)


def _showing(state: Build, book_html: str, chrome: Theme) -> Build:
    """``state`` as a new revision of the page: the book, with its build's badge and the reload script."""
    state = dataclasses.replace(state, revision=state.revision + 1)
    before, body_end, after = book_html.rpartition("</body>")
    return dataclasses.replace(state, page=before + chrome.render("serve/badge.html", build=state) + body_end + after)


def preview_html(manuscript_dir: Path, styles_dir: Path, out_dir: Path) -> str:
    """The print edition's HTML as ``build`` lays it out (from the pieces it just rendered), with the theme linked
    from the server."""
    book = book_for_print(manuscript_dir, styles_dir, out_dir)
    layers = book.theme.layers
    sheets = [
        f"{STYLES_ROUTE}/{depth}/{sheet.relative_to(layers[depth]).as_posix()}"
        for sheet in book.theme.stylesheets(*print_stylesheets(book.manuscript.config.page_size))
        for depth in [next(depth for depth, layer in enumerate(layers) if sheet.is_relative_to(layer))]
    ]
    served = dataclasses.replace(book, context={**book.context, "stylesheets": sheets})
    page = print_job(served, BuildRequest()).html
    # Pictures are file: addresses for WeasyPrint, which a page served over HTTP may not load.
    page = page.replace(book.manuscript.root.resolve().as_uri() + "/", MANUSCRIPT_ROUTE + "/")
    return page.replace(images_folder().resolve().as_uri() + "/", WORD_PICTURES_ROUTE + "/")


class PreviewHandler(BaseHTTPRequestHandler):
    """The routes: the page, the build number, the PDF and its pages, the theme's files; nothing else."""

    server: PreviewServer

    def do_GET(self) -> None:
        latest = self.server.latest
        path = unquote(urlsplit(self.path).path)
        port = self.server.server_address[1]
        if self.headers.get("Host") not in (f"{HOST}:{port}", f"localhost:{port}"):
            # A web page that rebinds its own name to 127.0.0.1 must not read the unpublished book.
            self.send_error(HTTPStatus.MISDIRECTED_REQUEST)
        elif path == "/":
            self._send("text/html; charset=utf-8", latest.page.encode())
        elif path == "/version":
            self._send("text/plain; charset=utf-8", str(latest.revision).encode())
        elif path == "/book.pdf" and latest.pdf:
            self._send("application/pdf", latest.pdf)
        elif (match := PAGE_ROUTE.fullmatch(path)) and latest.pdf:
            self._send_page(latest.pdf, int(match.group(1)))
        elif path.startswith(STYLES_ROUTE + "/"):
            self._send_style(path.removeprefix(STYLES_ROUTE + "/"))
        elif path.startswith(MANUSCRIPT_ROUTE + "/"):
            self._send_picture(urlsplit(self.path).path.removeprefix(MANUSCRIPT_ROUTE + "/"))
        elif path.startswith(WORD_PICTURES_ROUTE + "/"):
            taken_out = urlsplit(self.path).path.removeprefix(WORD_PICTURES_ROUTE + "/")
            self._send_picture(images_folder().resolve().as_uri() + "/" + taken_out)
        else:
            self.send_error(HTTPStatus.NOT_FOUND)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the page polls every second, and stderr is for builds."""

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

    def _send_picture(self, reference: str) -> None:
        """An image in the manuscript folder or taken out of a Word piece; nothing else there, and nothing the
        build would refuse to read."""
        pictures = self.server.pictures
        try:
            file = pictures.local_path(reference, pictures.roots[0])
        except RefusedResource:
            file = None
        if file is None or file.suffix.lower() not in IMAGE_TYPES:
            self.send_error(HTTPStatus.NOT_FOUND)
        else:
            # A contributor's SVG opened on its own must not run script in the preview's origin.
            self._send(
                IMAGE_TYPES[file.suffix.lower()], file.read_bytes(), {"Content-Security-Policy": "default-src 'none'"}
            )

    def _send_style(self, relative: str) -> None:
        """A file of one of the theme's folders, ``<depth>/<path>``; anything resolving outside it (``..``, a
        symlink) is not found."""
        depth, _, relative = relative.partition("/")
        layers = self.server.theme_layers
        root = layers[int(depth)] if depth.isdigit() and int(depth) < len(layers) else None
        file = None
        try:
            file = (root / relative).resolve() if root else None
            data = file.read_bytes() if file and root and file.is_relative_to(root) and file.is_file() else None
        except (OSError, ValueError):  # a name too long, or with a NUL byte
            data = None
        if file is None or data is None:
            self.send_error(HTTPStatus.NOT_FOUND)
        else:
            self._send(mimetypes.guess_type(file.name)[0] or "application/octet-stream", data)

    def _send(self, content_type: str, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)
