"""A part of the book laid out on its own, before it is known where in the book it falls.

WeasyPrint lays a document out in two steps: it breaks the content into
pages, then adds each page's margin boxes (running heads, folios). Only the
first is costly, and a part's pages break the same wherever it starts: the
left and right pages have the same measure, and nothing in a part depends on
its neighbours but its page numbers, the side of its first page, the named
strings (running heads) the parts before it leave, and the page numbers it
refers to in other parts (a contents line, a "skip to page"). So a part is
paginated (``Paginated``) with a guess at those, and settled
(``Paginated.settle``) once every part has been paginated: its pages are
numbered and sided where they fall, shifted to the new side's margins, the
few pages that print a page number that moved are laid out again (a
spoiler warning's page, which prints where its piece ends, is set only
then: weasyprint_held.py); then its margin boxes are made
(weasyprint_document.py). WeasyPrint's own steps, in
its order, for the version pdf.py checks.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import weasyprint
from weasyprint.css.targets import TargetLookupItem
from weasyprint.document import Document
from weasyprint.formatting_structure.build import build_formatting_structure
from weasyprint.layout import page as pages_module
from weasyprint.layout.page import make_all_pages, page_height, page_width
from weasyprint.layout.percent import resolve_percentages

from publish.outputs.economy import PAGE_BREAKS
from publish.outputs.weasyprint_held import HELD, holding
from publish.outputs.weasyprint_shared import Shared

# WeasyPrint's own page type; pages_module.PageType is replaced while a part is laid out, to number pages in the book.
PAGE_TYPE = pages_module.PageType
# How many times WeasyPrint lays pages out again for page numbers that moved (its own limit).
MAX_LOOPS = 8
SIDE_BREAKS = ("left", "right", "recto", "verso")
# The counters a page's place changes.
PAGE_COUNTERS = {"page", "pages"}


@dataclass(frozen=True)
class Placement:
    """Where a part falls in the book: what laying it out needs from the parts before and after it."""

    # The part's first page, counted from the cover's (1); odd pages are right-hand pages.
    first_page: int
    total_pages: int = 0
    # The named strings (string-set) as the parts before leave them: the running heads of the part's first pages.
    strings: dict[str, str] = field(default_factory=dict)
    # The page of each anchor this part refers to in another part.
    targets: dict[str, int] = field(default_factory=dict)
    # Whether a blank page (the theme's :blank page) comes before the part, to bring its first page to the right.
    blank_before: bool = False

    def as_printed(self, counts_pages: bool) -> Placement:
        """What of the placement the part's pages show: the book's length only where it prints it."""
        return self if counts_pages else dataclasses.replace(self, total_pages=0)


class _TargetElsewhere:
    """Stands in for the box of an anchor in another part: WeasyPrint reads its counters, and has none."""

    def __init__(self) -> None:
        self.cached_counter_values: dict[str, list[int]] = {}


@contextlib.contextmanager
def pages_numbered_from(first_page: int) -> Iterator[None]:
    """Page types made meanwhile count the pages from the book's first, for :first and :nth() selectors."""

    def page_type(side: str, blank: bool, name: str, index: int, groups: tuple) -> Any:
        return PAGE_TYPE(side, blank, name, index + first_page - 1, groups)

    pages_module.PageType = page_type
    try:
        yield
    finally:
        pages_module.PageType = PAGE_TYPE


def _counts_pages(content: Any) -> bool:
    """Whether a computed ``content`` prints the ``pages`` counter."""
    return isinstance(content, (list, tuple)) and any(
        kind in ("counter()", "counters()") and value and value[0] == "pages" for kind, value in content
    )


def _text_made_again(item: Any, page_counters: dict) -> None:
    """A ``content`` that prints page numbers made again with ``page_counters`` (as WeasyPrint's own pagination
    does for a pending one), before its page is laid out again."""
    item.cached_page_counter_values = copy.deepcopy(page_counters)
    item.parse_again(page_counters)


def _right_hand(page_number: int, root_box: Any) -> bool:
    """Whether the book's page ``page_number`` is a right-hand page: its first page is, in a left-to-right book."""
    return (page_number % 2 == 1) == (root_box.style["direction"] == "ltr")


class Paginated:
    """A part's pages, broken but not yet placed: what ``settle`` places and ``document`` makes a WeasyPrint
    document of."""

    def __init__(
        self, html: weasyprint.HTML, guess: Placement, shared: Shared, sided: bool = False, held: str | None = None
    ):
        """``sided``: the guess is the page after the part before it, and the part begins there, or after a blank
        page where it must open on the other side. ``held``: the class of a first element on a page of its own
        whose lines wait until the part is settled (weasyprint_held.py)."""
        self.html = html
        self.shared = shared
        self._paginate_from(guess, sided, held)

    def _paginate_from(self, guess: Placement, sided: bool = False, held: str | None = None) -> None:
        options = dict(weasyprint.DEFAULT_OPTIONS)
        html = self.html
        context = self.context = Document._build_layout_context(
            html, self.shared.font_config, self.shared.counter_style, {}, options
        )
        self._targets_elsewhere(guess.targets)
        self.root_box = build_formatting_structure(
            html.etree_element,
            context.style_for,
            context.get_image_from_uri,
            html.base_url,
            context.target_collector,
            context.counter_style,
            context.footnotes,
        )
        side = self.opens_on
        if sided and side is not None and _right_hand(guess.first_page, self.root_box) != (side == "right"):
            guess = dataclasses.replace(guess, first_page=guess.first_page + 1, blank_before=True)
        self.placement = guess
        weasyprint.layout.initialize_page_maker(context, self.root_box)
        resume_at, next_page, _, state, remake_state = context.page_maker[0]
        state[1]["page"] = [guess.first_page - 1]
        state[2][0].add("page")
        right_page = _right_hand(guess.first_page, self.root_box)
        context.page_maker[0] = (resume_at, next_page, right_page, state, remake_state)
        self.pages: list[Any] = []
        self._footnotes: list[Any] = context.footnotes.copy()
        self.held = self._alone_on_its_page(held) if held else None
        if self.held is not None:
            context.__dict__[HELD] = holding(self.held)
        self._paginate()
        # Its length while its first page's lines were held: a guess, which the book's economy is chosen from.
        self.held_pages = self.page_count if self.held is not None else None

    def _alone_on_its_page(self, class_name: str) -> Any:
        """The part's first element, if it has ``class_name`` and what follows it begins a page."""
        body = self.root_box.children[0] if self.root_box.children else None
        if body is None or len(body.children) < 2:
            return None
        first, following = body.children[:2]
        if first.element is None or class_name not in (first.element.get("class") or "").split():
            return None
        page_break = first.style["break_after"] in PAGE_BREAKS or following.style["break_before"] in PAGE_BREAKS
        return first.element if page_break else None

    def _release(self) -> None:
        """Set the held element's lines: its text made first, with the page numbers it now prints."""
        context = self.context
        del context.__dict__[HELD]
        self.held = None
        for (_, css_token), item in context.target_collector.counter_lookup_items.items():
            if css_token == "content" and item.page_maker_index is None:
                _text_made_again(item, context.page_maker[1][3][1])
        context.page_maker[0][-1]["content_changed"] = True

    def _targets_elsewhere(self, targets: dict[str, int]) -> None:
        """Anchors in other parts, at the pages given: ``target-counter()`` reads them as it reads the part's own."""
        items = self.context.target_collector.target_lookup_items
        for name, page in targets.items():
            item = items.get(name)
            if item is None or isinstance(item.target_box, _TargetElsewhere):
                item = items[name] = TargetLookupItem("up-to-date")
                item.target_box = _TargetElsewhere()
            item.cached_page_counter_values = {"page": [page]}

    def _paginate(self) -> None:
        """WeasyPrint's pagination loop (layout_document), run until page-based counters settle."""
        context = self.context
        with pages_numbered_from(self.placement.first_page):
            for _ in range(MAX_LOOPS):
                context.footnotes = self._footnotes.copy()
                self.pages = list(make_all_pages(context, self.root_box, self.html, self.pages))
                if not any(remake["content_changed"] for *_, remake in context.page_maker):
                    break

    @property
    def page_count(self) -> int:
        return len(self.pages)

    @property
    def misjudged(self) -> bool:
        """Whether setting its held lines gave it another length than it had without them (a warning too long
        for its page, say)."""
        return self.held is None and self.held_pages is not None and self.held_pages != self.page_count

    @property
    def first_break(self) -> str:
        """The break before the part's first element (``break-before``): the side it asks for, if any."""
        body = self.root_box.children[0] if self.root_box.children else None
        first = body.children[0] if body is not None and body.children else None
        return first.style["break_before"] if first is not None else "auto"

    @property
    def breaks_to_a_side(self) -> bool:
        """Whether a page break within the part asks for one side: its length then depends on the side it starts
        on (a blank page more or less)."""
        return any(next_page["break"] in SIDE_BREAKS for _, next_page, *_ in self.context.page_maker[1:])

    @property
    def left_to_right(self) -> bool:
        return self.root_box.style["direction"] == "ltr"

    @property
    def opens_on(self) -> str | None:
        """The side the part's first element asks to begin on ("right" or "left"), if any."""
        side = self.first_break
        if side in ("recto", "verso"):
            side = "right" if (side == "recto") == self.left_to_right else "left"
        return side if side in ("right", "left") else None

    @property
    def counts_pages(self) -> bool:
        """Whether the part prints the book's length (``counter(pages)``), in its text or, once its ``document`` is
        made, in a margin box: only then does its layout depend on it."""
        if any(
            "pages" in item.missing_counters for item in self.context.target_collector.counter_lookup_items.values()
        ):
            return True
        return any(
            _counts_pages(style["content"])
            for (_, pseudo), style in self.context.style_for._computed_styles.items()
            if pseudo and pseudo.startswith("@") and style is not None
        )

    def settle(self, placement: Placement) -> None:
        """Number and side the part's pages where ``placement`` puts them.

        It may be settled again (a page number it refers to moved) until its
        ``document`` is made.
        """
        old = self.placement
        flipped = _right_hand(placement.first_page, self.root_box) != _right_hand(old.first_page, self.root_box)
        if flipped and self.breaks_to_a_side:
            # A page break to one side within the part: from the other side, it may leave a blank page more or less.
            self._paginate_from(placement)
            return
        released = self.held is not None
        self.placement = placement
        shift = placement.first_page - old.first_page
        context = self.context
        for index, (resume_at, next_page, right_page, state, remake) in enumerate(context.page_maker):
            state[1]["page"] = [state[1]["page"][-1] + shift]
            state[1]["pages"] = [placement.total_pages]
            context.page_maker[index] = (resume_at, next_page, right_page != flipped, state, remake)
        moved = {name for name, page in placement.targets.items() if old.targets.get(name) != page}
        for name, item in context.target_collector.target_lookup_items.items():
            if (
                shift
                and not isinstance(item.target_box, _TargetElsewhere)
                and "page" in item.cached_page_counter_values
            ):
                item.cached_page_counter_values["page"] = [item.cached_page_counter_values["page"][-1] + shift]
                moved.add(name)
        self._targets_elsewhere(placement.targets)
        if released:
            self._release()
        if moved or shift:
            self._number_again(moved, bool(shift))
        elif released:
            self._paginate()
        if shift or flipped:
            with pages_numbered_from(placement.first_page):
                for index, page in enumerate(self.pages):
                    self._retype(page, index)

    def _number_again(self, moved: set[str], shifted: bool) -> None:
        """Lay out again the pages whose text prints a page number that changed: of an anchor that ``moved``
        (``target-counter()``), or of its own page, if the part was ``shifted`` (``counter(page)``)."""
        context = self.context
        for (box, css_token), item in context.target_collector.counter_lookup_items.items():
            index = item.page_maker_index
            if index is None or index >= len(self.pages):
                continue
            # An anchor given as attr(href) is not named in the item: the link it is drawn for names it.
            href = (box.element.get("href") or "") if box.element is not None else ""
            if (shifted and PAGE_COUNTERS & set(item.missing_counters)) or any(
                (href[1:] in moved if name is None and href.startswith("#") else name is None or name in moved)
                and PAGE_COUNTERS & set(counters)
                for name, counters in item.missing_target_counters.items()
            ):
                if css_token == "content":
                    # The text made again now, with the page's counters as its margin boxes get them: marked
                    # pending instead, WeasyPrint would lay the page out, then make the text, then lay it out again.
                    _text_made_again(item, context.page_maker[index + 1][3][1])
                else:
                    item.pending = True
                context.page_maker[index][-1]["content_changed"] = True
        self._paginate()

    def _retype(self, page: Any, index: int) -> None:
        """Give a page laid out for another place its page type there: its side's margins, its selectors."""
        right_page = self.context.page_maker[index][2]
        page_type = pages_module.PageType(
            "right" if right_page else "left", page.page_type.blank, page.page_type.name, index, page.page_type.groups
        )
        if page_type == page.page_type:
            return
        pages_module.set_page_type_computed_styles(page_type, self.html, self.context.style_for)
        style = self.context.style_for(page_type)
        style["overflow"] = page.style["overflow"]
        moved = type(page)(page_type, style)
        resolve_percentages(moved, style["size"])
        moved.position_x = moved.position_y = 0
        page_width(moved, self.context, style["size"][0])
        page_height(moved, self.context, style["size"][1])
        if (moved.width, moved.height) != (page.width, page.height):
            raise ValueError(f"the theme's {page_type.side} pages have another measure than its others")
        dx, dy = moved.content_box_x() - page.content_box_x(), moved.content_box_y() - page.content_box_y()
        for child in page.children:
            child.translate(dx, dy)
        moved.children = page.children
        moved.fixed_boxes = page.fixed_boxes
        self.pages[index] = moved

    def marks(self) -> tuple[dict[str, int], dict[str, str]]:
        """What the parts around this one need of it: the page of each anchor it holds, counted from its first (0),
        a blank page before it aside; and the last value it gives each named string (with the parts before's,
        what the part after begins with). Strings are read as WeasyPrint reads them, not inside a positioned box;
        anchors there too."""
        anchors: dict[str, int] = {}
        strings: dict[str, str] = {}
        for index, page in enumerate(self.pages):
            for box in page.descendants(placeholders=True):
                anchor = box.style["anchor"]
                if anchor and anchor not in anchors:
                    anchors[anchor] = index
            for box in page.descendants():
                if box.string_set and box.string_set != "none":
                    strings.update(box.string_set)
        return anchors, strings
