"""The pipeline, start to finish: manuscript/ → load → markup → assemble → write → build/."""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from . import epub, impose, pdf
from .assemble import AssembledBook, Edition, PrintLayout, assemble, build_moment
from .config import PAGE_SIZES, SHEET_SIZES, BookConfig
from .errors import PublishWarning
from .files import write_all_atomically
from .manuscript import Manuscript, load_manuscript
from .resources import ResourcePolicy
from .templates import Theme

FORMATS = ("pdf", "epub")
IMPOSITIONS = ("saddle", "minizine")
# A mini-zine's panel: an eighth of an A4 or a Letter sheet.
MINIZINE_PANELS = {"a4": ("74mm 105mm", "a7"), "letter": ("2.75in 4.25in", "letter-panel")}
StageReport = Callable[[str, float], None]


@dataclass(frozen=True)
class BuildRequest:
    """What to build: formats, edition, and how the print edition is made."""

    formats: tuple[str, ...] = FORMATS
    edition: Edition = field(default_factory=Edition)
    impose: str | None = None
    bleed: str | None = None
    marks: str | None = None
    pdf_variant: str | None = None
    allow_remote: bool = False


@dataclass(frozen=True)
class BuildResult:
    written: list[Path]
    guide: list[str]
    warnings: list[PublishWarning]


def build(manuscript_dir: Path, theme_dir: Path, out_dir: Path, request: BuildRequest, report: StageReport) -> BuildResult:
    """Build what ``request`` asks for into ``out_dir``.

    Nothing in ``out_dir`` is touched until every input has been read and
    rendered, and each file is replaced atomically.
    """
    # WeasyPrint and fontTools log about the fonts' own quirks; the build
    # reports problems through PublishError and publish check instead.
    for library in ("weasyprint", "fontTools"):
        logging.getLogger(library).setLevel(logging.ERROR)

    @contextmanager
    def stage(name: str) -> Iterator[None]:
        start = time.perf_counter()
        yield
        report(name, time.perf_counter() - start)

    with stage("read"):
        manuscript = load_manuscript(manuscript_dir)
        theme = Theme.load(theme_dir)
    moment = build_moment(manuscript.root)
    with _source_date_epoch(moment):
        book, outputs, guide = _write(manuscript, theme, out_dir, request, moment, stage)
    write_all_atomically(outputs)
    return BuildResult(written=list(outputs), guide=guide, warnings=book.warnings)


@contextmanager
def _source_date_epoch(moment: dt.datetime) -> Iterator[None]:
    """Let the libraries date what they make (fontTools stamps font subsets) by the book, not the clock."""
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(int(moment.timestamp()))
    try:
        yield
    finally:
        if previous is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous


def _write(
    manuscript: Manuscript,
    theme: Theme,
    out_dir: Path,
    request: BuildRequest,
    moment: dt.datetime,
    stage: Callable[[str], AbstractContextManager[None]],
) -> tuple[AssembledBook, dict[Path, bytes], list[str]]:
    """The assembled book, every output's bytes by path, and the printing guide."""
    config = manuscript.config
    resources = ResourcePolicy((manuscript.root, theme.root), allow_remote=request.allow_remote)
    with stage("render"):
        book = assemble(manuscript, theme, request.edition, resources)
        page = PrintLayout(PAGE_SIZES[config.page_size], config.page_size, bleed=request.bleed, marks=request.marks)
        printed = pdf.layout(book, page)
        document = printed.document
    outputs: dict[Path, bytes] = {}
    guide: list[str] = []
    slug = out_dir / (config.slug + request.edition.file_suffix)
    reading_pdf = b""
    if "pdf" in request.formats or request.impose == "saddle":
        with stage("pdf"):
            reading_pdf = pdf.pdf_bytes(document, request.pdf_variant)
        if "pdf" in request.formats:
            outputs[slug.with_name(slug.name + ".pdf")] = reading_pdf
    if request.impose:
        with stage("impose"):
            path, data, guide = _impose(book, config, request, reading_pdf, len(document.pages))
            outputs[slug.with_name(slug.name + path)] = data
    if "epub" in request.formats:
        with stage("epub"):
            outputs[slug.with_name(slug.name + ".epub")] = epub.epub_bytes(book, pdf.cover_jpeg(document), moment, printed.page_starts)
    return book, outputs, guide


def _impose(
    book: AssembledBook, config: BookConfig, request: BuildRequest, reading_pdf: bytes, page_count: int
) -> tuple[str, bytes, list[str]]:
    """The imposed PDF's file-name suffix and bytes, and its printing guide.

    A saddle-stitched zine folds the reading-order PDF; a mini-zine is laid
    out anew at panel size.
    """
    if request.impose == "saddle":
        sheet = config.sheet
        data = impose.saddle(reading_pdf, SHEET_SIZES[sheet], config.creep_points)
        sheets = len(impose.saddle_sides(page_count)) // 2
        return "-zine.pdf", data, impose.printing_guide("saddle", sheet, sheets)
    sheet = "letter" if config.sheet in ("letter", "tabloid") else "a4"
    size_css, name = MINIZINE_PANELS[sheet]
    small = pdf.layout(book, PrintLayout(size_css, name, compact=True)).document
    data = impose.minizine(pdf.pdf_bytes(small), SHEET_SIZES[sheet])
    return "-minizine.pdf", data, impose.printing_guide("minizine", sheet, 1)
