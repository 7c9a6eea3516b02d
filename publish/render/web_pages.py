"""The web edition's pages, in reading order: the index (title and contents), each piece (after its spoiler
warning, which has a page of its own), and the colophon; each page links to the one before and after it."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from publish.markup.convert import RenderedPiece
from publish.render.theme import Theme

# An unhurried reader's pace (silent reading of prose runs 200–260 words a minute).
WORDS_A_MINUTE = 230
TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class WebPage:
    file_name: str
    title: str
    content: str


@dataclass(frozen=True)
class PagePlan:
    """A page before it is rendered: what the template shows on it."""

    file_name: str
    title: str
    part: str
    rendered: RenderedPiece | None = None

    @property
    def language(self) -> str | None:
        """The language of the page's title, where it is not the book's: a piece's own."""
        return self.rendered.piece.meta.language if self.rendered and self.part == "piece" else None


def reading_minutes(rendered: RenderedPiece) -> int:
    """About how long a piece takes to read, in whole minutes (at least one), hidden spoilers included."""
    words = len(TAG.sub(" ", rendered.html).split())
    return max(1, math.ceil(words / WORDS_A_MINUTE))


def web_pages(theme: Theme, pieces: list[RenderedPiece], context: dict) -> list[WebPage]:
    book, words, warnings = context["book"], context["words"], context["warnings"]
    plans = [PagePlan("index.html", str(book.title), "index")]
    for rendered in pieces:
        if rendered.piece.id in warnings:
            plans.append(
                PagePlan(f"warning-{rendered.piece.id}.html", words.text("spoiler_warning"), "warning", rendered)
            )
        plans.append(PagePlan(f"{rendered.piece.id}.html", str(rendered.title), "piece", rendered))
    plans.append(PagePlan("colophon.html", words.text("colophon"), "colophon"))
    pages = []
    for index, plan in enumerate(plans):
        previous = plans[index - 1] if index else None
        following = plans[index + 1] if index + 1 < len(plans) else None
        content = theme.render(
            "web/page.html",
            part=plan.part,
            page_title=plan.title,
            rendered=plan.rendered,
            warning=warnings.get(plan.rendered.piece.id) if plan.rendered else None,
            previous=previous,
            following=following,
            pieces=pieces,
            reading_minutes={rendered.piece.id: reading_minutes(rendered) for rendered in pieces},
            **context,
        )
        pages.append(WebPage(plan.file_name, plan.title, content))
    return pages
