"""The pipeline, start to finish: manuscript/ → load → markup → assemble → write → build/."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from . import epub, pdf
from .assemble import Edition, assemble, build_moment
from .files import write_atomically
from .manuscript import load_manuscript
from .templates import Theme

FORMATS = ("pdf", "epub")
StageReport = Callable[[str, float], None]


def build(
    manuscript_dir: Path,
    theme_dir: Path,
    out_dir: Path,
    formats: tuple[str, ...],
    report: StageReport,
    edition: Edition = Edition(),
) -> list[Path]:
    """Build the requested formats into ``out_dir`` and return the files written.

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
    with stage("render"):
        book = assemble(manuscript, theme, edition)
        document = pdf.layout(book)
    written = []
    slug = manuscript.config.slug + edition.file_suffix
    if "pdf" in formats:
        with stage("pdf"):
            written.append(out_dir / f"{slug}.pdf")
            write_atomically(written[-1], pdf.pdf_bytes(document))
    if "epub" in formats:
        with stage("epub"):
            written.append(out_dir / f"{slug}.epub")
            write_atomically(written[-1], epub.epub_bytes(book, pdf.cover_jpeg(document), build_moment()))
    return written
