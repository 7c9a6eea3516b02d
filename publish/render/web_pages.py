"""The web edition's pages, in reading order: the index (title and contents), each piece (after its spoiler
warning, which has a page of its own), and the colophon; each page links to the one before and after it."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

from publish.markup.convert import RenderedPiece
from publish.read.remembering import Remembering
from publish.read.wording import Wording
from publish.render.remembered_pages import remembered_page, shown_on_every_page
from publish.render.theme import Theme

# An unhurried reader's pace (silent reading of prose runs 200–260 words a minute).
WORDS_A_MINUTE = 230
TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class WebPage:
    """A page of the site, and what it says of itself to search engines, link previews and feed readers."""

    file_name: str
    title: str
    content: str
    part: str
    description: str
    author: str
    date: dt.date | None = None


@dataclass(frozen=True)
class PagePlan:
    """A page before it is rendered: what the template shows on it."""

    file_name: str
    title: str
    part: str
    description: str
    rendered: RenderedPiece | None = None

    @property
    def language(self) -> str | None:
        """The language the navigation names the page in, where it is not the book's: its piece's own (a warning
        page is named by the piece it guards)."""
        return self.rendered.piece.meta.language if self.rendered else None


def reading_minutes(rendered: RenderedPiece) -> int:
    """About how long a piece takes to read, in whole minutes (at least one), hidden spoilers included."""
    words = len(TAG.sub(" ", rendered.html).split())
    return max(1, math.ceil(words / WORDS_A_MINUTE))


def web_pages(
    theme: Theme, pieces: list[RenderedPiece], context: dict, memo: Remembering | None = None
) -> list[WebPage]:
    """The site's pages; with a ``memo``, a piece's page (and its warning's) is remembered by everything it shows,
    as the EPUB's pages are (epub_pages.py), so an edit renders only the pages it changes."""
    book, words, warnings = context["book"], context["words"], context["warnings"]
    about_book = str(book.description)
    plans = [PagePlan("index.html", str(book.title), "index", about_book)]
    for rendered in pieces:
        warning = warnings.get(rendered.piece.id)
        # A shared link to a piece with spoilers previews the warning, never the writer's summary of it.
        about = _legend(words, warning.works) if warning else rendered.piece.meta.summary or about_book
        if warning:
            plans.append(
                PagePlan(f"warning-{rendered.piece.id}.html", words.text("spoiler_warning"), "warning", about, rendered)
            )
        plans.append(PagePlan(f"{rendered.piece.id}.html", str(rendered.title), "piece", about, rendered))
    plans.append(PagePlan("colophon.html", words.text("colophon"), "colophon", about_book))
    minutes = {rendered.piece.id: reading_minutes(rendered) for rendered in pieces}  # every page's contents link
    shown = shown_on_every_page(context, pieces, minutes)
    pages = []
    for index, plan in enumerate(plans):
        previous = plans[index - 1] if index else None
        if previous and previous.part == "warning" and previous.rendered is plan.rendered:
            previous = plans[index - 2]  # back from a piece: past the warning the reader came through
        following = plans[index + 1] if index + 1 < len(plans) else None

        def fill(
            plan: PagePlan = plan, previous: PagePlan | None = previous, following: PagePlan | None = following
        ) -> str:
            return theme.render(
                "web/page.html",
                page=plan,
                part=plan.part,
                page_title=plan.title,
                rendered=plan.rendered,
                warning=warnings.get(plan.rendered.piece.id) if plan.rendered else None,
                previous=previous,
                following=following,
                pieces=pieces,
                reading_minutes=minutes,
                **context,
            )

        neighbours = [(near.file_name, near.title, near.part) if near else None for near in (previous, following)]
        key = ("web page", repr(plan), repr(neighbours), shown)
        content = remembered_page(memo, plan.part, f"web:{plan.file_name}", key, fill)
        meta = plan.rendered.piece.meta if plan.rendered else None
        author = meta.author if meta and meta.author else book.byline
        pages.append(
            WebPage(
                plan.file_name, plan.title, content, plan.part, plan.description, author, meta.date if meta else None
            )
        )
    return pages


def _legend(words: Wording, works: list[str]) -> str:
    return words.text("spoiler_legend_works", works=words.join(works)) if works else words.text("spoiler_legend")
