"""The print edition: laid out by WeasyPrint in the pipeline's second process, with its impositions.

``print_job`` turns the assembled book into plain data that can be sent to
that process; ``print_edition`` runs there and sends back the PDFs, and
what the formats that borrow from the layout (the EPUB) take from it; then
what it made for the store.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from publish.errors import PublishError
from publish.forking import Followed
from publish.outputs.registry import IMPOSITIONS, lays_out_in_full, requested
from publish.read.config import PAGE_SIZES, SHEET_SIZES
from publish.read.resources import ResourcePolicy
from publish.request import BuildRequest

if TYPE_CHECKING:
    from publish.outputs.pages import PageStart
    from publish.outputs.weasyprint_shared import Shared
    from publish.render.assemble import AssembledBook

# From this many pieces, the book is laid out in parts (part_pool.py; below it, one layout costs less than the
# parts' own overhead); benchmarks/NOTES.md says where the two cross.
FROM_PIECES = 5
# A mini-zine's panel: an eighth of an A4 or a Letter sheet.
MINIZINE_PANELS = {"a4": ("74mm 105mm", "a7"), "letter": ("2.75in 4.25in", "letter-panel")}


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
    # book.toml's openings: with "auto", the layout chooses where pieces open on a right-hand page.
    openings: str = "auto"


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


# What the print edition's process sends back: the edition, then the new store entries it made (images fitted to
# the page, the parts laid out), by key, which the build's own process remembers (the store is saved there).
PrintedThenStored = Followed[PrintEdition, dict[str, bytes]]


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
        openings=config.openings,
    )


def print_edition(job: PrintJob) -> PrintedThenStored:
    """Lay out and write the print edition (and its imposition); outputs are keyed by file-name suffix. The new
    store entries follow: the parts' record, the longest, is made once the PDF is on its way.

    For an EPUB alone, only the cover is made: laying out what is left of
    the book without its pieces (cover and front matter) is quick. A failure
    of WeasyPrint's own, most often on a theme's CSS it cannot draw, is one
    error line, as bad input is.
    """
    try:
        return Followed(_print_edition(job), job.resources.entries_made)
    except PublishError:
        raise
    except Exception as error:
        raise PublishError(
            f"WeasyPrint could not lay out the print edition ({type(error).__name__}: {error}): if the theme's CSS "
            "was just changed, the change is the likely cause; --debug shows where it failed"
        ) from error


def warm_up(job: PrintJob) -> None:
    """Lay out a page of the book's own words in its theme, in the second process while this one renders the
    pieces: its style sheets parsed, its faces and its language's hyphenation loaded, which the book's layout (and
    each run forked from it) then finds ready. ``job`` is the book without its pieces (pipeline/build.py), whose
    head the book's has."""
    load_layout_modules()
    from publish.outputs import pdf
    from publish.outputs.weasyprint_shared import Shared

    started = time.perf_counter()
    shared = Shared()
    pdf.layout(_sample_page(job.html), job.base_url, job.resources, shared)
    _WARMED.append((shared, time.perf_counter() - started))


# What ``warm_up`` made ready, and how long it took, for the book's layout in the same process to take.
_WARMED: list[tuple[Shared, float]] = []


def _sample_page(html: str) -> str:
    """The book's head, and a piece of the words the book has without its pieces (its cover, title page, colophon),
    in roman and in italic, under its title: what a page of a piece sets."""
    import lxml.html
    from lxml.html import builder

    from publish.outputs.parts_split import PIECE

    root = lxml.html.document_fromstring(html)
    body = root.find("body")
    words = " ".join(body.text_content().split())
    for child in list(body):
        body.remove(child)
    body.append(
        builder.ARTICLE(
            builder.H1(root.findtext("head/title") or "", {"class": "piece-title"}),
            builder.DIV(builder.P(words), builder.P(builder.I(words)), {"class": "piece-body"}),
            {"class": PIECE},
        )
    )
    return lxml.html.tostring(root, doctype="<!DOCTYPE html>", encoding="unicode")


def load_layout_modules() -> None:
    """Import WeasyPrint (its libraries found the quick way: system_libraries.py) and the modules that lay a book
    out in parts and join them (pikepdf): slow to import, so a process about to lay a book out, or to fork the ones
    that will, imports them ahead."""
    from publish.outputs.system_libraries import import_weasyprint

    import_weasyprint()
    from publish.outputs import part_pool, pdf  # noqa: F401


def _print_edition(job: PrintJob) -> PrintEdition:
    load_layout_modules()
    from publish.outputs import part_pool, pdf  # WeasyPrint: imported only where a layout is made
    from publish.outputs.weasyprint_shared import Shared

    stages: list[tuple[str, float]] = []
    if _WARMED:
        shared, seconds = _WARMED.pop()
        stages.append(("warm-up", seconds))
    else:
        shared = Shared()
    stage = stage_timer(lambda name, seconds: stages.append((name, seconds)))
    request = job.request
    outputs: dict[str, bytes] = {}
    guide: list[str] = []
    cover, reading_pdf = b"", b""
    starts: list[PageStart] = []
    page_counts: dict[str, int] = {}
    if not lays_out_in_full(request):
        with stage("cover"):
            cover = pdf.cover_jpeg(pdf.first_page(pdf.layout(job.html, job.base_url, job.resources, shared).document))
        return PrintEdition(outputs, guide, cover, starts, stages)
    wanted = requested(request)
    printed_formats = [fmt for fmt in wanted if fmt.printed]
    borrowed = any(fmt.borrows_layout for fmt in wanted)
    # A saddle-stitched zine folds the reading-order PDF, so it needs the layout even when the PDF is not asked for.
    folds_reading_pdf = request.impose == "saddle"
    page_count = 0
    if printed_formats or borrowed or folds_reading_pdf:
        in_parts = None
        # A tagged or archival PDF is one document's: its structure tree and metadata are not joined from parts.
        if printed_formats and not request.pdf_variant:
            started = time.perf_counter()
            parts_job = part_pool.PartsJob(job.html, job.base_url, job.resources, job.openings, request.jobs)
            in_parts = part_pool.lay_out(parts_job, shared)
            if in_parts is not None:
                stages.append(("layout", time.perf_counter() - started))
        if in_parts is not None:
            reading_pdf, starts, page_count = in_parts.pdf, in_parts.page_starts, len(in_parts.page_starts)
        else:
            written = bool(printed_formats) or folds_reading_pdf
            reading_pdf, starts, page_count = _laid_out_whole(job, stage, written, shared)
        for fmt in printed_formats:
            outputs[fmt.suffix] = reading_pdf
            page_counts[fmt.suffix] = page_count
        if borrowed:
            with stage("cover"):
                cover = pdf.cover_jpeg(reading_pdf)
    if request.impose:
        with stage("impose"):
            suffix, data, page_counts[suffix], guide = _impose(job, reading_pdf, page_count, shared)
            outputs[suffix] = data
    return PrintEdition(outputs, guide, cover, starts, stages, page_counts)


def _laid_out_whole(
    job: PrintJob,
    stage: Callable[[str], AbstractContextManager[None]],
    written: bool,
    shared: Shared,
) -> tuple[bytes, list[PageStart], int]:
    """The book laid out in one document, as economy.py makes it: its PDF (or its first page alone, unless
    ``written``), where its pages begin, and how many it has."""
    from publish.outputs import economy, pdf

    with stage("layout"):
        printed = pdf.layout(job.html, job.base_url, job.resources, shared)
    # The breaks that waste fewest pages: only a layout of the book tells them.
    second_style = economy.second_layout_style(economy.measure(economy.page_boxes(printed.document)), job.openings)
    if second_style:
        with stage("relayout"):
            printed = pdf.layout(economy.with_style(job.html, second_style), job.base_url, job.resources, shared)
    booklet = economy.booklet_pages(printed.document)
    if booklet is not None:
        printed = pdf.Printed(printed.document.copy(booklet), printed.root)
    document = printed.document
    with stage("pdf"):
        data = pdf.pdf_bytes(document, job.request.pdf_variant) if written else pdf.first_page(document)
    return data, printed.page_starts, len(document.pages)


StageReport = Callable[[str, float], None]


def stage_timer(report: StageReport) -> Callable[[str], AbstractContextManager[None]]:
    """A context manager per stage name that reports how long the stage took (the pipeline's stages use it too)."""

    @contextmanager
    def stage(name: str) -> Iterator[None]:
        start = time.perf_counter()
        yield
        report(name, time.perf_counter() - start)

    return stage


def _minizine_sheet(sheet: str) -> str:
    """The sheet a mini-zine is folded from: a Letter-family sheet, or else A4."""
    return "letter" if sheet in ("letter", "tabloid") else "a4"


def _impose(job: PrintJob, reading_pdf: bytes, page_count: int, shared: Shared) -> tuple[str, bytes, int, list[str]]:
    """The imposed PDF's file-name suffix, bytes and number of sheet sides, and its printing guide.

    A saddle-stitched zine folds the reading-order PDF; a mini-zine is laid
    out anew at panel size.
    """
    from publish.outputs import impose, pdf

    if job.request.impose == "saddle":
        data = impose.saddle(reading_pdf, SHEET_SIZES[job.sheet], job.creep_points)
        sides = len(impose.saddle_sides(page_count))
        return IMPOSITIONS["saddle"], data, sides, impose.printing_guide("saddle", job.sheet, sides // 2)
    assert job.minizine_html is not None, "print_job lays out a mini-zine's HTML when one is asked for"
    sheet = _minizine_sheet(job.sheet)
    small = pdf.layout(job.minizine_html, job.base_url, job.resources, shared).document
    data = impose.minizine(pdf.pdf_bytes(small), SHEET_SIZES[sheet])
    return IMPOSITIONS["minizine"], data, 1, impose.printing_guide("minizine", sheet, 1)
