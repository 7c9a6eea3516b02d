"""The pipeline, start to finish: manuscript/ → load → markup → assemble → write → build/."""

from __future__ import annotations

import datetime as dt
import gc
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from publish.errors import PublishWarning
from publish.outputs.pages import PageStart
from publish.pipeline.cache import RECORD, build_record, last_outputs_size
from publish.pipeline.files import check_output_folder, write_all_atomically
from publish.pipeline.memo import STORE, Memo
from publish.pipeline.parallel import HandOver, second_process
from publish.pipeline.signals import InterruptedAfterWriting
from publish.pipeline.sources import build_moment, build_stamp, files_digest, fingerprint
from publish.read.config import PAGE_SIZES, SHEET_SIZES
from publish.read.images import ImageLimits
from publish.read.manuscript import FORMATS as PIECE_FORMATS
from publish.read.manuscript import Manuscript, load_manuscript
from publish.read.resources import ResourcePolicy
from publish.request import BuildRequest

# The stages that render (Jinja2, Python-Markdown, EbookLib: a tenth of a second to import) are imported
# where they are used, once build() has forked the process that lays out the print edition: its own
# import, WeasyPrint's half second, then starts that much sooner.
if TYPE_CHECKING:
    from publish.render.assemble import AssembledBook
    from publish.render.colophon import BuildStamp
    from publish.render.theme import Theme

# A mini-zine's panel: an eighth of an A4 or a Letter sheet.
MINIZINE_PANELS = {"a4": ("74mm 105mm", "a7"), "letter": ("2.75in 4.25in", "letter-panel")}
StageReport = Callable[[str, float], None]


@dataclass(frozen=True)
class BuildResult:
    written: list[Path]
    guide: list[str]
    warnings: list[PublishWarning]
    # What had to be made afresh (e.g. "epub:response", "page:response.xhtml"): the rest came from build/.cache.
    redone: list[str]
    # Entries of build/.cache that were there but failed their seal (damaged or altered), and were made again.
    damaged: list[str]


def build(
    manuscript_dir: Path,
    theme_dir: Path,
    out_dir: Path,
    request: BuildRequest,
    report: StageReport,
    key: str | None = None,
    fresh: bool = False,
) -> BuildResult:
    """Build what ``request`` asks for into ``out_dir``.

    Nothing in ``out_dir`` is touched until every input has been read and
    rendered, and the files are replaced together, with a record of what
    they were made from (``cache.fresh_outputs`` reads it). ``key`` is that
    record's fingerprint of the inputs, if the caller has worked it out
    already (the CLI has, to find whether anything changed). ``fresh`` makes
    everything again, using nothing earlier builds stored.
    """
    key = key or fingerprint(manuscript_dir, theme_dir, out_dir, request)
    # WeasyPrint and fontTools log about the fonts' own quirks; the build
    # reports problems through PublishError and publish check instead.
    for library in ("weasyprint", "fontTools"):
        logging.getLogger(library).setLevel(logging.ERROR)

    check_output_folder(out_dir, last_outputs_size(out_dir))
    stage = stage_timer(report)
    with stage("read"):
        memo = remembered_work(manuscript_dir, theme_dir, out_dir, used=not fresh)
        manuscript = load_manuscript(manuscript_dir, memo)
    moment = build_moment(manuscript.root)
    # The second process is forked inside the dated block, so that it dates its work the same way.
    with _source_date_epoch(moment), ExitStack() as processes:
        # At once, before the rendering stages are imported; for an EPUB alone, only when no earlier
        # build can have made its cover (finding out takes those stages).
        laying_out_now = request.prints or memo.is_empty()
        if laying_out_now:
            hand_over = processes.enter_context(second_process(_prepare_for_layout, enabled=request.parallel))
        from publish.render.theme import Theme

        theme = Theme.load(theme_dir, memo)
        resources = ResourcePolicy(
            (manuscript.root, theme.root),
            allow_remote=request.allow_remote,
            limits=ImageLimits.for_book(manuscript.config),
            store=memo,
        )
        stamp = build_stamp(moment)
        cover = None if request.prints else epub_cover(manuscript, theme, stamp, request, resources, memo)
        if cover and not laying_out_now:  # not at all for an EPUB alone whose cover is remembered: nothing to do
            hand_over = processes.enter_context(
                second_process(_prepare_for_layout, enabled=request.parallel and not cover.jpeg)
            )
        book, outputs, guide = _write(
            manuscript, theme, stamp, out_dir, request, resources, moment, stage, report, memo, hand_over, cover
        )
    record = build_record(key, outputs, guide, [str(warning) for warning in book.warnings])
    write_all_atomically({**outputs, out_dir / RECORD: record})
    try:
        memo.save()
    except KeyboardInterrupt:
        raise InterruptedAfterWriting from None
    return BuildResult(
        written=list(outputs), guide=guide, warnings=book.warnings, redone=memo.missed, damaged=memo.damaged
    )


def _prepare_for_layout() -> None:
    """Get the second process ready while this one renders the pieces.

    WeasyPrint takes half a second to import. Garbage is collected seldom:
    a layout keeps nearly every object it makes until the process ends, so
    collecting often only walks them again (a seventh of the layout time at
    300 pieces, for a few per cent more memory).
    """
    from publish.outputs import pdf  # noqa: F401

    gc.freeze()
    gc.set_threshold(50_000, 50, 100)


def remembered_work(manuscript_dir: Path, theme_dir: Path, out_dir: Path, used: bool = True) -> Memo:
    """The store of work earlier builds into ``out_dir`` did, salted with every input but the pieces.

    The manuscript's piece files (by suffix, listed or not) are left out of
    the salt: each entry made from a piece is keyed by that piece's text.
    """
    return Memo(
        out_dir / STORE, files_digest(manuscript_dir, theme_dir, out_dir, pieces_by_suffix=tuple(PIECE_FORMATS)), used
    )


def stage_timer(report: StageReport) -> Callable[[str], AbstractContextManager[None]]:
    """A context manager per stage name that reports how long the stage took."""

    @contextmanager
    def stage(name: str) -> Iterator[None]:
        start = time.perf_counter()
        yield
        report(name, time.perf_counter() - start)

    return stage


@contextmanager
def _source_date_epoch(moment: dt.datetime) -> Iterator[None]:
    """Let the libraries date what they make (fontTools stamps the font subsets it makes, for WeasyPrint or
    for an old-style kerned font in the EPUB) by the book, not the clock."""
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(int(moment.timestamp()))
    try:
        yield
    finally:
        if previous is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous


@dataclass(frozen=True)
class PrintJob:
    """What laying out the print edition needs, as plain data that can be sent to the second process.

    ``html`` is the book laid out for ``page``; ``minizine_html`` the same
    at mini-zine panel size, when one is asked for.
    """

    html: str
    minizine_html: str | None
    base_url: str
    resources: ResourcePolicy
    request: BuildRequest
    sheet: str
    creep_points: float


@dataclass(frozen=True)
class PrintEdition:
    """What laying out the print edition yields: its PDFs, and what the EPUB borrows from the layout."""

    outputs: dict[str, bytes]
    guide: list[str]
    cover_jpeg: bytes
    page_starts: list[PageStart]
    stages: list[tuple[str, float]]
    # How many pages each PDF was laid out with, by file-name ending: what it must have when read back.
    page_counts: dict[str, int] = field(default_factory=dict)
    # Images the layout fitted to the page, by store key: this process remembers them (the store is saved here).
    fitted_images: dict[str, bytes] = field(default_factory=dict)


def print_job(book: AssembledBook, request: BuildRequest) -> PrintJob:
    """The print edition's HTML and settings; for an EPUB alone, ``book`` has no print pieces (only the cover is
    wanted)."""
    from publish.render.assemble import PrintLayout

    config = book.manuscript.config
    page = PrintLayout(PAGE_SIZES[config.page_size], config.page_size, bleed=request.bleed, marks=request.marks)
    minizine_html = None
    if request.impose == "minizine":
        size_css, name = MINIZINE_PANELS[_minizine_sheet(config.sheet)]
        minizine_html = book.print_html(PrintLayout(size_css, name, compact=True))
    return PrintJob(
        html=book.print_html(page),
        minizine_html=minizine_html,
        base_url=book.manuscript.root.resolve().as_uri() + "/",
        resources=book.resources,
        request=request,
        sheet=config.sheet,
        creep_points=config.creep_points,
    )


def print_edition(job: PrintJob) -> PrintEdition:
    """Lay out and write the print edition (and its imposition); outputs are keyed by file-name suffix.

    For an EPUB alone, only the cover is made: laying out what is left of
    the book without its pieces (cover and front matter) is quick.
    """
    from publish.outputs import pdf  # WeasyPrint: imported only where a layout is made

    stages: list[tuple[str, float]] = []
    stage = stage_timer(lambda name, seconds: stages.append((name, seconds)))
    request = job.request
    outputs: dict[str, bytes] = {}
    guide: list[str] = []
    cover, starts, reading_pdf = b"", [], b""
    page_counts: dict[str, int] = {}
    if not request.prints:
        with stage("cover"):
            cover = pdf.cover_jpeg(pdf.layout(job.html, job.base_url, job.resources).document)
        return PrintEdition(outputs, guide, cover, starts, stages, fitted_images=job.resources.fitted_here)
    needs_layout = "pdf" in request.formats or "epub" in request.formats or request.impose == "saddle"
    if needs_layout:
        with stage("layout"):
            printed = pdf.layout(job.html, job.base_url, job.resources)
        if "pdf" in request.formats or request.impose == "saddle":
            with stage("pdf"):
                reading_pdf = pdf.pdf_bytes(printed.document, request.pdf_variant)
            if "pdf" in request.formats:
                outputs[".pdf"] = reading_pdf
                page_counts[".pdf"] = len(printed.document.pages)
        if "epub" in request.formats:
            with stage("cover"):
                cover, starts = pdf.cover_jpeg(printed.document, reading_pdf), printed.page_starts
    if request.impose:
        with stage("impose"):
            suffix, data, page_counts[suffix], guide = _impose(
                job, reading_pdf, len(printed.document.pages) if needs_layout else 0
            )
            outputs[suffix] = data
    return PrintEdition(outputs, guide, cover, starts, stages, page_counts, job.resources.fitted_here)


@dataclass(frozen=True)
class EpubCover:
    """For an EPUB built alone: the layout its cover is made from, the key it is remembered by, and the
    cover itself, if an earlier build made it."""

    job: PrintJob
    key: str
    jpeg: bytes | None


def epub_cover(
    manuscript: Manuscript,
    theme: Theme,
    stamp: BuildStamp,
    request: BuildRequest,
    resources: ResourcePolicy,
    memo: Memo,
) -> EpubCover:
    """Looked up before any piece is rendered: the cover is laid out from the book without its pieces, so the
    front matter alone gives the HTML it is made from and remembered by."""
    from publish.render.assemble import assemble

    job = print_job(assemble(manuscript, theme, stamp, request.edition, resources, targets=(), memo=memo), request)
    key = memo.key("cover", job.html)
    return EpubCover(job, key, memo.get(key, "cover"))


def _write(
    manuscript: Manuscript,
    theme: Theme,
    stamp: BuildStamp,
    out_dir: Path,
    request: BuildRequest,
    resources: ResourcePolicy,
    moment: dt.datetime,
    stage: Callable[[str], AbstractContextManager[None]],
    report: StageReport,
    memo: Memo,
    hand_over: HandOver,
    cover: EpubCover | None,
) -> tuple[AssembledBook, dict[Path, bytes], list[str]]:
    """The assembled book, every output's bytes by path, and the printing guide.

    The print edition is handed to the second process as soon as its HTML
    is rendered; meanwhile this one renders the EPUB's pages and cuts its
    fonts, and finishes the EPUB once the layout has said where each
    printed page begins. An EPUB built alone (``cover`` given) has only its
    cover laid out, and not even that when an earlier build made the same one.
    """
    from publish.outputs import epub, verify
    from publish.render.assemble import assemble

    if cover:  # needs nothing the pieces make, so it is handed over before they are rendered
        remembered = PrintEdition({}, [], cover.jpeg, [], []) if cover.jpeg else None
        pending = (lambda: remembered) if remembered else hand_over(print_edition, cover.job)
    with stage("render"):
        book = assemble(
            manuscript,
            theme,
            stamp,
            request.edition,
            resources,
            targets=("print",) if request.prints else ("epub",),
            memo=memo,
        )
    if not cover:
        pending = hand_over(print_edition, print_job(book, request))
    fonts = {}
    if "epub" in request.formats:
        if request.prints:
            with stage("pages"):
                book = assemble(manuscript, theme, stamp, request.edition, resources, memo=memo)
        with stage("fonts"):
            fonts = epub.subset_fonts(book, memo)
    verify.load_libraries()  # while the other process lays out the print edition
    printed = pending()
    if cover and not cover.jpeg:
        memo.put(cover.key, printed.cover_jpeg)
    for image_key, fitted in printed.fitted_images.items():
        memo.put(image_key, fitted)
    for name, seconds in printed.stages:
        report(name, seconds)
    slug = out_dir / (manuscript.config.slug + request.edition.file_suffix)
    outputs = {slug.with_name(slug.name + suffix): data for suffix, data in printed.outputs.items()}
    if "epub" in request.formats:
        with stage("epub"):
            data = epub.epub_bytes(book, fonts, printed.cover_jpeg, moment, printed.page_starts)
            outputs[slug.with_name(slug.name + ".epub")] = data
    with stage("verify"):
        verify.check_outputs(outputs, printed.page_counts)
    return book, outputs, printed.guide


def _minizine_sheet(sheet: str) -> str:
    """The sheet a mini-zine is folded from: a Letter-family sheet, or else A4."""
    return "letter" if sheet in ("letter", "tabloid") else "a4"


def _impose(job: PrintJob, reading_pdf: bytes, page_count: int) -> tuple[str, bytes, int, list[str]]:
    """The imposed PDF's file-name suffix, bytes and number of sheet sides, and its printing guide.

    A saddle-stitched zine folds the reading-order PDF; a mini-zine is laid
    out anew at panel size.
    """
    from publish.outputs import impose, pdf

    if job.request.impose == "saddle":
        data = impose.saddle(reading_pdf, SHEET_SIZES[job.sheet], job.creep_points)
        sides = len(impose.saddle_sides(page_count))
        return "-zine.pdf", data, sides, impose.printing_guide("saddle", job.sheet, sides // 2)
    sheet = _minizine_sheet(job.sheet)
    small = pdf.layout(job.minizine_html, job.base_url, job.resources).document
    data = impose.minizine(pdf.pdf_bytes(small), SHEET_SIZES[sheet])
    return "-minizine.pdf", data, 1, impose.printing_guide("minizine", sheet, 1)
