"""Pieces + theme → the documents to write: one print HTML, the EPUB pages.

This is the only stage that knows both the rendered pieces and the theme.
"""

from __future__ import annotations

import functools
import html
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace

from publish.errors import PublishWarning
from publish.markup.convert import InlineText, RenderedPiece, inline, render_piece
from publish.markup.fragment import PIECE_LINK_SOURCE, PIECE_LINK_TARGET, Image
from publish.read.config import BookConfig
from publish.read.cover import epub_cover_box
from publish.read.images import ImageLimits
from publish.read.manuscript import Manuscript, Piece
from publish.read.remembering import Remembering
from publish.read.resources import ResourcePolicy
from publish.read.wording import Wording, load_wording
from publish.render.colophon import BuildStamp, Colophon
from publish.render.epub_pages import EpubPage, TocEntry, epub_pages, epub_toc, reveals_apart
from publish.render.faces import credited_typefaces
from publish.render.theme import Theme, work_parts
from publish.render.web_pages import WebPage, web_pages
from publish.request import Edition
from publish.targets import Target


@dataclass(frozen=True)
class BookView:
    """What the templates show of the book: config values, typographically set."""

    config: BookConfig
    title: InlineText
    subtitle: InlineText
    byline: str
    description: InlineText
    rights: InlineText
    edition: str
    identifier: str
    spoiled_works: list[str]
    # The cover picture's address for the print edition, or "" when the book has none.
    cover_url: str = ""
    # The EPUB cover image's size in pixels, for the cover page's SVG wrapper.
    cover_box: tuple[int, int] = (0, 0)

    def __getattr__(self, name: str) -> object:
        return getattr(self.config, name)


@dataclass(frozen=True)
class SpoilerWarning:
    """What to say before a piece with spoilers, and where a reader may skip to."""

    works: list[str]
    skip_to_id: str
    skip_to_title: InlineText
    # Whether the skip lands on a piece (named in italics) or on the colophon.
    skip_to_piece: bool = True


@dataclass(frozen=True)
class PrintLayout:
    """The page the print edition is laid out on.

    ``compact`` is for a mini-zine: no pages of front matter, pieces run on.
    ``bleed`` and ``marks`` are for a copy shop that trims.
    """

    size_css: str
    name: str
    compact: bool = False
    bleed: str | None = None
    marks: str | None = None


@dataclass(frozen=True)
class AssembledBook:
    manuscript: Manuscript
    theme: Theme
    book: BookView
    colophon: Colophon
    print_pieces: list[RenderedPiece]
    epub_pages: list[EpubPage]
    epub_toc: list[TocEntry]
    images: list[Image]
    context: dict
    resources: ResourcePolicy
    warnings: list[PublishWarning]
    web_pages: list[WebPage]

    def print_html(self, layout: PrintLayout) -> str:
        """The whole print edition as one HTML document, laid out for ``layout``."""
        return self.theme.render("book.html", pieces=self.print_pieces, layout=layout, **self.context)

    def epub_nav(self, page_list: list[tuple[str, str]]) -> str:
        """The EPUB navigation document: contents, landmarks, and the print edition's pages."""
        return self.theme.render(
            "epub/nav.xhtml", toc=self.epub_toc, pages=self.epub_pages, page_list=page_list, **self.context
        )


def _work_markdown(work: str) -> str:
    """A work's title as the description's Markdown writes it: in italics (set roman inside italic text), a
    trailing year in roman, as the ``work`` filter sets it in the templates."""
    title, year = work_parts(work)
    return "*" + re.sub(r"([\\`*_\[\]])", r"\\\1", title) + "*" + year


def print_stylesheets(page_size: str) -> tuple[str, ...]:
    """The stylesheets of the print edition, by name: a theme's page-size sheet says what changes from A5."""
    return ("fonts/fonts.css", "print.css", f"pages/{page_size}.css")


def assemble(
    manuscript: Manuscript,
    theme: Theme,
    stamp: BuildStamp,
    edition: Edition = Edition(),
    resources: ResourcePolicy | None = None,
    targets: tuple[Target, ...] = tuple(Target),
    memo: Remembering | None = None,
) -> AssembledBook:
    """Render every piece of the edition for both media and fill the theme's templates.

    ``stamp`` is what the colophon says of the build: its date and the tools
    that made it, which the pipeline finds out. ``resources`` says what the book may read; by default the manuscript and
    theme folders, and no network. ``targets`` says which media to render
    for (a print-only build makes no EPUB pages, an EPUB-only one no print
    pieces). With a ``memo``, a piece whose text has not changed is not
    converted again, and its EPUB page not rendered again.
    """
    config = manuscript.config
    resources = resources or ResourcePolicy((manuscript.root, *theme.layers), limits=ImageLimits.for_book(config))
    words = load_wording(theme.layers, config.language, config.strings)
    pieces = [piece for piece in manuscript.pieces if edition.includes(piece)]
    tagged = [piece for piece in pieces if piece.meta.contains_spoilers]
    spoiled = list(dict.fromkeys(work for piece in tagged for work in _works_spoiled(piece, config)))
    edition_name = words.text(edition.label_key) if edition.label_key else ""
    language = config.language
    book = BookView(
        config=config,
        title=inline(config.title, language),
        subtitle=inline(config.subtitle, language),
        byline=words.join(config.authors),
        description=inline(
            " ".join(
                filter(
                    None,
                    [
                        edition_name + "." if edition_name else "",
                        config.description,
                        words.text("description_spoilers", works=words.join(map(_work_markdown, spoiled)))
                        if spoiled
                        else "",
                    ],
                )
            ),
            language,
        ),
        rights=inline(config.rights, language),
        edition=edition_name,
        identifier=_edition_identifier(config.identifier, edition),
        spoiled_works=spoiled,
        cover_url=manuscript.cover.resolve().as_uri() if manuscript.cover else "",
        cover_box=epub_cover_box(config.page_size),
    )
    book_pieces = {str(piece.path.resolve()): piece.id for piece in pieces}

    def rendered_for(target: Target) -> list[RenderedPiece]:
        if target not in targets:
            return []
        rendering = _Rendering(target, edition.spoiler_style(target, config), resources, memo, words, book_pieces)
        return settle_piece_links([_render(piece, rendering) for piece in pieces])

    print_pieces = rendered_for(Target.PRINT)
    epub_pieces = [reveals_apart(rendered) for rendered in rendered_for(Target.EPUB)]
    web_pieces = rendered_for(Target.WEB)
    # The print pieces when there are any, else the screen's: the same text, but for how spoilers are hidden.
    any_rendered = print_pieces or epub_pieces or web_pieces
    titles = {rendered.piece.id: rendered.title for rendered in any_rendered}
    warnings = spoiler_warnings(pieces, config, words, titles)
    colophon = Colophon(
        typefaces=credited_typefaces(
            theme, [part for rendered in any_rendered for part in (rendered.html, rendered.reveals_html)], memo
        ),
        tools=list(stamp.tools),
        build_date=stamp.build_date,
        piece_count=len(pieces),
    )
    context = {
        "book": book,
        "colophon": colophon,
        "stylesheets": [path.as_uri() for path in theme.stylesheets(*print_stylesheets(config.page_size))],
        "warnings": warnings,
        "words": words,
    }
    pages = epub_pages(theme, epub_pieces, context, memo) if Target.EPUB in targets else []
    site = web_pages(theme, web_pieces, context, memo) if Target.WEB in targets else []
    images = sorted(
        {image for rendered in print_pieces + epub_pieces + web_pieces for image in rendered.images},
        key=lambda image: image.epub_name,
    )
    found = list(
        dict.fromkeys(
            [
                *manuscript.warnings,
                *(found for rendered in print_pieces + epub_pieces + web_pieces for found in rendered.warnings),
            ]
        )
    )
    return AssembledBook(
        manuscript,
        theme,
        book,
        colophon,
        print_pieces,
        pages,
        epub_toc(pages, warnings, words.text("toc_spoilers_mark")),
        images,
        context,
        resources,
        found,
        site,
    )


@dataclass(frozen=True)
class _Rendering:
    """What every piece is rendered with for one target."""

    target: Target
    style: str
    resources: ResourcePolicy
    memo: Remembering | None
    words: Wording
    book_pieces: dict[str, str]

    @functools.cached_property
    def described(self) -> tuple[str, str, str]:
        """What the store's key of each piece says of the rest, written out once (for each piece, it was most of a
        rebuild's render at 300 pieces)."""
        return repr(self.resources.roots), repr(self.words), repr(sorted(self.book_pieces.items()))


def _render(piece: Piece, rendering: _Rendering) -> RenderedPiece:
    """``render_piece``, or what it made last time from the same text (never for remote images, which may change)."""
    target, style, resources, memo = rendering.target, rendering.style, rendering.resources, rendering.memo

    def render() -> RenderedPiece:
        return render_piece(piece, target, style, resources, words=rendering.words, book_pieces=rendering.book_pieces)

    if memo is None or resources.allow_remote:
        return render()
    roots, words, book_pieces = rendering.described
    key = memo.key("piece", target, style, roots, repr(piece), words, book_pieces)
    data = memo.remember(key, f"{target}:{piece.id}", lambda: render().to_json())
    return RenderedPiece.from_json(data, piece)


PIECE_LINK = re.compile(
    f'<a [^>]*{PIECE_LINK_SOURCE}="([^"]*)" {PIECE_LINK_TARGET}="([^"]*)"[^>]*>(.*?)</a>', re.DOTALL
)
HREF = re.compile(r'href="[^"#]*#([^"]*)"')
ID = re.compile(r'(?<![\w-])id="([^"]*)"')


def settle_piece_links(pieces: list[RenderedPiece]) -> list[RenderedPiece]:
    """Links from one piece to a heading of another, checked now that every piece is rendered.

    A link to a heading the other piece does not have is a warning, and its
    words stay as plain text (an EPUB may not link to a missing id). A
    piece's ids are its text's and its hidden spoilers'.
    """
    ids = {piece.piece.id: {piece.piece.id, *ID.findall(piece.html + piece.reveals_html)} for piece in pieces}
    settled = []
    for rendered in pieces:
        problems: list[PublishWarning] = []

        def settle(
            link: re.Match, rendered: RenderedPiece = rendered, problems: list[PublishWarning] = problems
        ) -> str:
            source, target = html.unescape(link.group(1)), link.group(2)
            href = HREF.search(link.group(0))
            if href and href.group(1) in ids.get(target, ()):
                return link.group(0).replace(
                    f' {PIECE_LINK_SOURCE}="{link.group(1)}" {PIECE_LINK_TARGET}="{target}"', ""
                )
            problems.append(
                PublishWarning(
                    f"the link to {source!r} goes nowhere: that piece has no heading or anchor with that id; "
                    "its words are kept as plain text",
                    rendered.piece.path,
                    rendered.piece.line_of(source),
                )
            )
            return link.group(3)

        text, reveals = PIECE_LINK.sub(settle, rendered.html), PIECE_LINK.sub(settle, rendered.reveals_html)
        changed = (text, reveals) != (rendered.html, rendered.reveals_html)
        settled.append(
            replace(rendered, html=text, reveals_html=reveals, warnings=rendered.warnings + problems)
            if changed
            else rendered
        )
    return settled


def spoiler_warnings(
    pieces: list[Piece], config: BookConfig, words: Wording, titles: Mapping[str, InlineText]
) -> dict[str, SpoilerWarning]:
    """A warning for each piece with spoilers, pointing past the run of spoiler pieces; ``titles`` are the pieces'
    titles as their rendering set them, by id (a title not among them is set here)."""
    warnings = {}
    for index, piece in enumerate(pieces):
        if not piece.meta.contains_spoilers:
            continue
        safe = next((later for later in pieces[index + 1 :] if not later.meta.contains_spoilers), None)
        if safe is None:
            skip_to_title = inline(words.text("colophon"))
        else:
            skip_to_title = titles.get(safe.id) or inline(safe.meta.title, safe.meta.language or config.language)
        warnings[piece.id] = SpoilerWarning(
            works=_works_spoiled(piece, config),
            skip_to_id=safe.id if safe else "colophon",
            skip_to_title=skip_to_title,
            skip_to_piece=safe is not None,
        )
    return warnings


def _works_spoiled(piece: Piece, config: BookConfig) -> list[str]:
    return piece.meta.spoilers or config.spoils


def _edition_identifier(identifier: str, edition: Edition) -> str:
    """Each edition is its own publication; a derived UUID keeps reading apps from mixing them."""
    if not edition.spoiler_free or not identifier.startswith("urn:uuid:"):
        return identifier
    return "urn:uuid:" + str(uuid.uuid5(uuid.UUID(identifier.removeprefix("urn:uuid:")), "spoiler-free"))
