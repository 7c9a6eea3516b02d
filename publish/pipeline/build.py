"""The pipeline, start to finish: manuscript/ → load → markup → assemble → write → build/."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from publish.errors import PublishError, PublishWarning
from publish.forking import Followed
from publish.outputs.print_edition import (
    FROM_PIECES,
    PrintEdition,
    PrintedThenStored,
    PrintJob,
    StageReport,
    load_layout_modules,
    print_edition,
    print_job,
    stage_timer,
    warm_up,
)
from publish.outputs.registry import BookParts, lays_out_in_full, requested, with_book_formats
from publish.pipeline.cache import RECORD, build_record, last_outputs_size, named_outputs
from publish.pipeline.files import check_output_folder, remove_others, write_all_atomically
from publish.pipeline.memo import STORE, Memo
from publish.pipeline.parallel import HandOver, second_process
from publish.pipeline.signals import InterruptedAfterWriting
from publish.pipeline.sources import build_moment, build_stamp, files_digest, fingerprint
from publish.read.config import load_book_config
from publish.read.default_theme import theme_settings
from publish.read.images import ImageLimits
from publish.read.manuscript import Manuscript, load_manuscript
from publish.read.piece_readers import piece_file_endings
from publish.read.resources import ResourcePolicy
from publish.request import BuildRequest
from publish.targets import Target

# The stages that render (Jinja2, Python-Markdown, EbookLib: slow to import) are imported
# where they are used, once build() has forked the process that lays out the print edition: its own
# import, WeasyPrint's half second, then starts that much sooner.
if TYPE_CHECKING:
    from publish.render.assemble import AssembledBook
    from publish.render.colophon import BuildStamp
    from publish.render.theme import Theme


@dataclass(frozen=True)
class BuildResult:
    written: list[Path]
    guide: list[str]
    warnings: list[PublishWarning]
    # What had to be made afresh (e.g. "epub:response", "page:response.xhtml"): the rest came from build/.cache.
    redone: list[str]
    # Entries of build/.cache that were there but failed their seal (damaged or altered), and were made again.
    damaged: list[str]


@dataclass(frozen=True)
class Preview:
    """What a live preview is shown of a build as it goes, before anything is read back or written (a build that
    then fails says so): the book as rendered for every format asked for (``paged``), while the print edition is
    laid out; then the reading-order PDF (``printed``), as soon as it is laid out, after the build's last fork."""

    paged: Callable[[AssembledBook], None]
    printed: Callable[[bytes], None]


@dataclass(frozen=True)
class Progress:
    """What the caller of a build is told as it goes: how long each stage took, and what a ``preview`` shows."""

    report: StageReport
    preview: Preview | None = None

    def stage(self, name: str) -> AbstractContextManager[None]:
        return stage_timer(self.report)(name)


def build(
    manuscript_dir: Path,
    theme_dir: Path,
    out_dir: Path,
    request: BuildRequest,
    report: StageReport,
    key: str | None = None,
    fresh: bool = False,
    preview: Preview | None = None,
) -> BuildResult:
    """Build what ``request`` asks for into ``out_dir``.

    Nothing in ``out_dir`` is touched until every input has been read and
    rendered, and the files are replaced together, with a record of what
    they were made from (``cache.fresh_outputs`` reads it). ``key`` is that
    record's fingerprint of the inputs, if the caller has worked it out
    already (pipeline/freshness.py has, to find whether anything changed). ``fresh`` makes
    everything again, using nothing earlier builds stored. A ``preview`` is shown the pages and the PDF as they
    come.
    """
    key = key or fingerprint(manuscript_dir, theme_dir, out_dir, request)
    # WeasyPrint and fontTools log about the fonts' own quirks; the build
    # reports problems through PublishError and publish check instead.
    for library in ("weasyprint", "fontTools"):
        logging.getLogger(library).setLevel(logging.ERROR)

    check_output_folder(out_dir, last_outputs_size(out_dir))
    progress = Progress(report, preview)
    with ExitStack() as processes:
        # Forked first, to import WeasyPrint while this process reads and renders the book (book.toml's formats
        # may make an EPUB alone of the formats asked for); for an EPUB alone, only once the book is read, and only
        # when no earlier build can have made its cover (finding out takes the rendering stages).
        book_toml = manuscript_dir / "book.toml"
        request = with_book_formats(request, load_book_config(book_toml, theme_settings(theme_dir)).formats, book_toml)
        hand_over = None
        if lays_out_in_full(request):
            hand_over = processes.enter_context(second_process(_prepare_for_layout, enabled=request.parallel))
        with progress.stage("read"):
            memo = remembered_work(manuscript_dir, theme_dir, out_dir, used=not fresh)
            manuscript = load_manuscript(manuscript_dir, memo, theme_settings(theme_dir))
        moment = build_moment(manuscript.root)
        prints = lays_out_in_full(request)
        if hand_over is None and memo.is_empty():
            hand_over = processes.enter_context(second_process(_prepare_for_layout, enabled=request.parallel))
        from publish.render.theme import Theme

        theme = Theme.load(theme_dir, memo)
        resources = ResourcePolicy(
            (manuscript.root, *theme.layers),
            allow_remote=request.allow_remote,
            limits=ImageLimits.for_book(manuscript.config),
            store=memo,
        )
        stamp = build_stamp(moment)
        # The work is handed over in the dated block: the second process dates it the same way (parallel.py).
        with _source_date_epoch(moment):
            cover = None if prints else epub_cover(manuscript, theme, stamp, request, resources, memo)
            if hand_over is None:  # an EPUB alone, after an earlier build: nothing to hand over if it made the cover
                assert cover is not None, "a build that prints forked its second process first"
                hand_over = processes.enter_context(
                    second_process(_prepare_for_layout, enabled=request.parallel and not cover.jpeg)
                )
            # With nothing remembered, every piece is rendered, which for a book laid out in parts takes about as
            # long as the second process takes to import WeasyPrint: meanwhile it lays a page of the book out, to
            # be ready for it (after an edit, or for a short book, the book would come before that page is done).
            if prints and memo.is_empty() and len(manuscript.pieces) >= FROM_PIECES:
                # Nothing of it is remembered: no later build would look it up.
                without_pieces = partial(book_without_pieces, manuscript, theme, stamp, request, resources, None)
                hand_over.ahead(warm_up, without_pieces)
            book, outputs, guide = _write(
                manuscript, theme, stamp, out_dir, request, resources, moment, progress, memo, hand_over, cover
            )
    record = build_record(out_dir, key, outputs, guide, [str(warning) for warning in book.warnings])
    write_all_atomically({**outputs, out_dir / RECORD: record})
    for folder in {path.parent for path in outputs} - {out_dir}:
        remove_others(folder, set(outputs))
    try:
        memo.save()
    except KeyboardInterrupt:
        raise InterruptedAfterWriting from None
    return BuildResult(
        written=named_outputs(out_dir, list(outputs)),
        guide=guide,
        warnings=book.warnings,
        redone=memo.missed,
        damaged=memo.damaged,
    )


def _prepare_for_layout() -> None:
    """Get the second process ready while this one renders the pieces.

    WeasyPrint is slow to import, and so are the modules that lay the book
    out in parts and join them (pikepdf). Garbage is collected seldom: a layout
    keeps nearly every object it makes until the process ends, so
    collecting often only walks them again (benchmarks/NOTES.md has the
    cost, and the memory it trades for).
    """
    load_layout_modules()
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)


def remembered_work(manuscript_dir: Path, theme_dir: Path, out_dir: Path, used: bool = True) -> Memo:
    """The store of work earlier builds into ``out_dir`` did, salted with every input but the pieces.

    The manuscript's piece files (by suffix, listed or not) and their sidecars
    are left out of the salt: each entry made from a piece is keyed by that
    piece's text, which holds what its sidecar says.
    """
    return Memo(
        out_dir / STORE, files_digest(manuscript_dir, theme_dir, out_dir, pieces_by_suffix=piece_file_endings()), used
    )


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
    job = book_without_pieces(manuscript, theme, stamp, request, resources, memo)
    key = memo.key("cover", job.html)
    return EpubCover(job, key, memo.get(key, "cover"))


def book_without_pieces(
    manuscript: Manuscript,
    theme: Theme,
    stamp: BuildStamp,
    request: BuildRequest,
    resources: ResourcePolicy,
    memo: Memo | None,
) -> PrintJob:
    """The print job of the book with none of its pieces rendered: its cover, front and back matter."""
    from publish.render.assemble import assemble

    return print_job(assemble(manuscript, theme, stamp, request.edition, resources, targets=(), memo=memo), request)


def _write(
    manuscript: Manuscript,
    theme: Theme,
    stamp: BuildStamp,
    out_dir: Path,
    request: BuildRequest,
    resources: ResourcePolicy,
    moment: dt.datetime,
    progress: Progress,
    memo: Memo,
    hand_over: HandOver,
    cover: EpubCover | None,
) -> tuple[AssembledBook, dict[Path, bytes], list[str]]:
    """The assembled book, every output's bytes by path, and the printing guide.

    The print edition is handed to the second process as soon as its HTML
    is rendered; meanwhile this one renders the other formats' pages and
    prepares them (the EPUB's fonts are cut), and finishes them once the
    layout has said where each printed page begins. An EPUB built alone
    (``cover`` given) has only its cover laid out, and not even that when
    an earlier build made the same one. A preview is shown the pages once
    they are rendered, and the PDF as soon as the layout returns it (an
    exception either raises fails the build); every output is read back once
    all are made.
    """
    from publish.outputs import verify
    from publish.render.assemble import assemble

    made_here = [fmt for fmt in requested(request) if not fmt.printed]
    their_targets = tuple(dict.fromkeys(fmt.target for fmt in made_here))
    prints = lays_out_in_full(request)
    if cover:  # needs nothing the pieces make, so it is handed over before they are rendered
        remembered: PrintedThenStored | None = None
        if cover.jpeg:
            remembered = Followed(PrintEdition({}, [], cover.jpeg, [], []), dict)
        pending = (lambda: remembered) if remembered else hand_over(print_edition, cover.job)
    with progress.stage("render"):
        book = assemble(
            manuscript,
            theme,
            stamp,
            request.edition,
            resources,
            targets=(Target.PRINT,) if prints else their_targets,
            memo=memo,
        )
    if not cover:
        pending = hand_over(print_edition, print_job(book, request))
    if made_here and prints:
        with progress.stage("pages"):
            book = assemble(
                manuscript, theme, stamp, request.edition, resources, targets=(Target.PRINT, *their_targets), memo=memo
            )
    if progress.preview:
        progress.preview.paged(book)
    prepared = {}
    for fmt in made_here:
        if fmt.prepare:
            with progress.stage(fmt.prepare_stage or fmt.name):
                prepared[fmt.name] = fmt.prepare(book, memo)
    if prints or (cover and not cover.jpeg):  # the other process is laying out: load them meanwhile
        verify.load_libraries()
    printed_then_stored = pending()
    printed = printed_then_stored.first
    if cover and not cover.jpeg:
        memo.put(cover.key, printed.cover_jpeg)
    for name, seconds in printed.stages:
        progress.report(name, seconds)
    slug = out_dir / (manuscript.config.slug + theme_settings(theme.root).suffix + request.edition.file_suffix)
    outputs = {slug.with_name(slug.name + suffix): data for suffix, data in printed.outputs.items()}
    if progress.preview:
        for fmt in requested(request):
            if fmt.printed:
                progress.preview.printed(printed.outputs[fmt.suffix])
    for fmt in made_here:
        assert fmt.make is not None, f"{fmt.name} is neither printed nor made here"
        with progress.stage(fmt.name):
            parts = BookParts(book, prepared.get(fmt.name), printed.cover_jpeg, printed.page_starts, moment)
            made = outputs[slug.with_name(slug.name + fmt.suffix)] = fmt.make(parts)
            if fmt.unpack:
                folder = slug.with_name(slug.name + fmt.folder_suffix)
                outputs.update({folder / name: data for name, data in fmt.unpack(made).items()})
    with progress.stage("verify"):
        verify.check_outputs(outputs, printed.page_counts)
    # What the print process made for the store comes last: if that process died or crashed meanwhile, or a disk
    # failed it, the next build is only slower.
    with contextlib.suppress(PublishError, RuntimeError, OSError):
        for key, entry in printed_then_stored.rest().items():
            memo.put(key, entry)
    return book, outputs, printed.guide
