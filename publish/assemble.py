"""Pieces + theme → the documents to write: one print HTML, the EPUB pages.

This is the only stage that knows both the rendered pieces and the theme.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from .config import BookConfig
from .manuscript import Manuscript
from .markup import RenderedPiece, render_piece, smarten
from .templates import Theme, Typeface

TOOLS = (("booklet-press", "Booklet Press"), ("weasyprint", "WeasyPrint"), ("ebooklib", "EbookLib"), ("markdown", "Python-Markdown"))


@dataclass(frozen=True)
class BookView:
    """What the templates show of the book: config values, typographically set."""

    config: BookConfig
    title: str
    subtitle: str
    byline: str
    description: str
    rights: str

    def __getattr__(self, name: str) -> object:
        return getattr(self.config, name)


@dataclass(frozen=True)
class Tool:
    name: str
    version: str


@dataclass(frozen=True)
class Colophon:
    typefaces: list[Typeface]
    tools: list[Tool]
    build_date: dt.date
    piece_count: int

    @property
    def generator(self) -> str:
        return ", ".join(f"{tool.name} {tool.version}" for tool in self.tools)


@dataclass(frozen=True)
class EpubPage:
    """One XHTML document of the EPUB, in spine order."""

    file_name: str
    title: str
    content: str
    landmark: str = ""
    source: Path | None = None


@dataclass(frozen=True)
class AssembledBook:
    manuscript: Manuscript
    theme: Theme
    book: BookView
    colophon: Colophon
    print_html: str
    epub_pages: list[EpubPage]
    epub_nav: str
    images: list[Path]


def build_moment() -> dt.datetime:
    """When the book says it was built: SOURCE_DATE_EPOCH if set, else now (UTC)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc) if epoch else dt.datetime.now(dt.timezone.utc)


def assemble(manuscript: Manuscript, theme: Theme) -> AssembledBook:
    """Render every piece for both media and fill the theme's templates."""
    config = manuscript.config
    book = BookView(
        config=config,
        title=smarten(config.title),
        subtitle=smarten(config.subtitle),
        byline=_join_names(config.authors),
        description=smarten(config.description),
        rights=smarten(config.rights),
    )
    colophon = Colophon(
        typefaces=theme.typefaces,
        tools=[Tool(name, version(package)) for package, name in TOOLS],
        build_date=build_moment().date(),
        piece_count=len(manuscript.pieces),
    )
    print_pieces = [render_piece(piece, "print") for piece in manuscript.pieces]
    epub_pieces = [render_piece(piece, "epub") for piece in manuscript.pieces]
    context = {"book": book, "colophon": colophon, "theme_url": theme.url}
    print_html = theme.render("book.html", pieces=print_pieces, **context)
    pages = _epub_pages(theme, epub_pieces, context)
    nav = theme.render("epub/nav.xhtml", pieces=epub_pieces, pages=pages, **context)
    images = sorted({image for rendered in print_pieces for image in rendered.images})
    return AssembledBook(manuscript, theme, book, colophon, print_html, pages, nav, images)


def _epub_pages(theme: Theme, pieces: list[RenderedPiece], context: dict) -> list[EpubPage]:
    def page(name: str, title: str, part: str, landmark: str = "", **extra: object) -> EpubPage:
        content = theme.render("epub/page.xhtml", part=part, page_title=title, pieces=pieces, **extra, **context)
        rendered = extra.get("rendered")
        source = rendered.piece.path if isinstance(rendered, RenderedPiece) else None
        return EpubPage(file_name=name, title=title, content=content, landmark=landmark, source=source)

    book = context["book"]
    pages = [
        page("cover.xhtml", "Cover", "cover", "cover"),
        page("title.xhtml", book.title, "title", "titlepage"),
        page("contents.xhtml", "Contents", "contents", "toc"),
    ]
    for index, rendered in enumerate(pieces):
        pages.append(
            page(f"{rendered.piece.id}.xhtml", rendered.title, "piece", "bodymatter" if index == 0 else "", rendered=rendered)
        )
    pages.append(page("colophon.xhtml", "Colophon", "colophon"))
    return pages


def _join_names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
