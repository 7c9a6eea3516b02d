"""The EPUB's documents, in spine order, and its contents: cover, title, contents, each piece (after its spoiler
warning, where the theme gives it a page of its own), colophon, and the spoilers revealed out of the reading order.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from publish.markup.convert import RenderedPiece
from publish.markup.fragment import link_across
from publish.read.remembering import Remembering
from publish.render.remembered_pages import remembered_page, shown_on_every_page
from publish.render.theme import Theme

if TYPE_CHECKING:
    from publish.render.assemble import SpoilerWarning

# Where an EPUB's spoilers are revealed: one document, out of the reading order.
REVEALS_FILE = "spoilers-revealed.xhtml"


@dataclass(frozen=True)
class EpubPage:
    """One XHTML document of the EPUB, in spine order; one not ``linear`` is reached by links only."""

    file_name: str
    title: str
    content: str
    landmark: str = ""
    source: Path | None = None
    linear: bool = True


@dataclass(frozen=True)
class TocEntry:
    file_name: str
    label: str


def reveals_apart(rendered: RenderedPiece) -> RenderedPiece:
    """An EPUB piece whose spoilers' words are in the reveals document, linked both ways.

    Out of the piece's own document, so that no one reading straight on, or
    whose reading system shows notes where they stand, meets them by chance.
    """
    if not rendered.reveals_html:
        return rendered
    html, reveals = link_across(rendered.html, rendered.reveals_html, f"{rendered.piece.id}.xhtml", REVEALS_FILE)
    return replace(rendered, html=html, reveals_html=reveals)


def epub_pages(theme: Theme, pieces: list[RenderedPiece], context: dict, memo: Remembering | None) -> list[EpubPage]:
    """Every document of the EPUB, from the theme's page template; a piece's page (and its warning's) is
    remembered by everything it shows, so an edit renders only the pages it changes."""
    shown = shown_on_every_page(context, pieces)

    def page(name: str, title: str, part: str, landmark: str = "", linear: bool = True, **extra: object) -> EpubPage:
        def fill() -> str:
            return theme.render("epub/page.xhtml", part=part, page_title=str(title), pieces=pieces, **extra, **context)

        key = ("page", name, str(title), part, landmark, repr(extra), shown)
        content = remembered_page(memo, part, f"page:{name}", key, fill)
        rendered = extra.get("rendered")
        source = rendered.piece.path if isinstance(rendered, RenderedPiece) else None
        return EpubPage(file_name=name, title=title, content=content, landmark=landmark, source=source, linear=linear)

    book, words = context["book"], context["words"]
    pages = [
        page("cover.xhtml", words.text("cover"), "cover", "cover"),
        page("title.xhtml", book.title, "title", "titlepage"),
        page("contents.xhtml", words.text("contents"), "contents", "toc"),
    ]
    warnings = context["warnings"]
    for index, rendered in enumerate(pieces):
        landmark = "bodymatter" if index == 0 else ""
        warning = warnings.get(rendered.piece.id)
        if warning and book.spoiler_warning == "page":
            pages.append(
                page(
                    f"warning-{rendered.piece.id}.xhtml",
                    words.text("spoiler_warning"),
                    "warning",
                    landmark,
                    rendered=rendered,
                    warning=warning,
                )
            )
            landmark = ""
        pages.append(page(f"{rendered.piece.id}.xhtml", rendered.title, "piece", landmark, rendered=rendered))
    pages.append(page("colophon.xhtml", words.text("colophon"), "colophon"))
    revealed = [rendered for rendered in pieces if rendered.reveals_html]
    if revealed:
        # Its title is the template's; it is in no contents or landmarks, which list what is read in order.
        pages.append(page(REVEALS_FILE, "", "reveals", linear=False, revealed=revealed))
    return pages


def epub_toc(pages: list[EpubPage], warnings: dict[str, SpoilerWarning], marked: str) -> list[TocEntry]:
    """Title page, each piece (at its warning, if it has one, ``marked`` as a spoiler: " (spoilers)"), colophon."""
    entries = []
    skip = {"cover.xhtml", "contents.xhtml"}
    for index, page in enumerate(pages):
        if page.file_name in skip or not page.linear:
            continue
        if page.file_name.startswith("warning-"):
            piece_page = pages[index + 1]
            skip.add(piece_page.file_name)
            entries.append(TocEntry(page.file_name, f"{piece_page.title} {marked}"))
        elif page.file_name.removesuffix(".xhtml") in warnings:
            entries.append(TocEntry(page.file_name, f"{page.title} {marked}"))
        else:
            entries.append(TocEntry(page.file_name, page.title))
    return entries
