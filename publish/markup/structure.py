"""Raw HTML fitted to HTML's content model, so that the EPUB stays valid.

A browser forgives a ``<li>`` outside a list or a ``<p>`` inside ``<em>``;
EPUBCheck does not. A writer's words must survive, so nothing is dropped:
an element where it may not stand becomes a ``div`` or a ``span``, and
content a container may not hold directly is wrapped in the element that
may (a paragraph loose in a list becomes a list item).
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

# Elements that are phrasing content (text level).
PHRASING = {
    "a",
    "abbr",
    "b",
    "bdi",
    "br",
    "cite",
    "code",
    "del",
    "dfn",
    "em",
    "i",
    "img",
    "ins",
    "kbd",
    "mark",
    "q",
    "ruby",
    "s",
    "samp",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "time",
    "u",
    "var",
    "wbr",
}
# Elements whose content model is their parent's.
TRANSPARENT = {"a", "ins", "del"}
# Elements that hold phrasing content only.
PHRASING_ONLY = (PHRASING - TRANSPARENT) | {"p", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "rt", "rp"}
# Elements that may stand only in these parents.
PARENTS = {
    "li": {"ul", "ol"},
    "dt": {"dl"},
    "dd": {"dl"},
    "figcaption": {"figure"},
    "rt": {"ruby"},
    "rp": {"ruby"},
    "caption": {"table"},
    "colgroup": {"table"},
    "col": {"colgroup"},
    "thead": {"table"},
    "tbody": {"table"},
    "tfoot": {"table"},
    "tr": {"table", "thead", "tbody", "tfoot"},
    "td": {"tr"},
    "th": {"tr"},
}
# Containers that hold only these children, and what wraps anything else.
CHILDREN = {
    "ul": ({"li"}, "li"),
    "ol": ({"li"}, "li"),
    "dl": ({"dt", "dd", "div"}, "dd"),
    "table": ({"caption", "colgroup", "thead", "tbody", "tfoot", "tr"}, "tr"),
    "thead": ({"tr"}, "tr"),
    "tbody": ({"tr"}, "tr"),
    "tfoot": ({"tr"}, "tr"),
    "tr": ({"td", "th"}, "td"),
}
# Elements that must come first, or first or last, among their siblings.
FIRST = {"caption"}
FIRST_OR_LAST = {"figcaption"}
# Attributes a div or span may keep from the element it was.
NEUTRAL_ATTRIBUTES = {"id", "class", "lang", "dir", "title", "role"}


@dataclass(frozen=True)
class Misplaced:
    """An element that stood where it may not, for the writer's warning."""

    tag: str
    parent_tag: str
    at_top_level: bool
    first_words: str


def fit_content_model(container: etree.Element) -> list[Misplaced]:
    """Repair ``container``'s descendants in place; return what was out of place."""
    misplaced: list[Misplaced] = []

    def neutralize(element: etree.Element, parent: etree.Element) -> None:
        misplaced.append(Misplaced(element.tag, parent.tag, parent is container, first_words(element)))
        _make_neutral(element, _context(parent, container))

    _untermed_definitions(container)
    # A second caption is neutral from the start, so that moving the first never makes another "first".
    for element in container.iter(*(FIRST | FIRST_OR_LAST)):
        if any(other.tag == element.tag for other in element.itersiblings(preceding=True)):
            neutralize(element, element.getparent())
    changed = True
    while changed:
        changed = False
        for element in list(container.iterdescendants()):
            if not isinstance(element.tag, str) or element.getparent() is None:
                continue
            parent = element.getparent()
            if _out_of_place(element, parent, container):
                neutralize(element, parent)
                changed = True
            elif element.tag in CHILDREN:
                changed |= _wrap_loose_content(element, *CHILDREN[element.tag])
            elif element.tag in FIRST | FIRST_OR_LAST and element not in _allowed_ends(element, parent):
                _move(element, parent, 0 if element.tag in FIRST else len(parent))
                changed = True
    return misplaced


def _untermed_definitions(container: etree.Element) -> None:
    """A definition with no term before it (``: text`` alone in Markdown) is a plain block before its list.

    HTML lets a ``dd`` follow only a ``dt`` (or another ``dd``): a list
    that opens with one is invalid in an EPUB.
    """
    for dl in list(container.iter("dl")):
        leading = []
        for child in dl:
            if not isinstance(child.tag, str):
                continue
            if child.tag != "dd":
                break
            leading.append(child)
        for definition in leading:
            definition.tag = "div"
            add_class(definition, "definition")
            dl.addprevious(definition)
        if leading and not len(dl):
            parent = dl.getparent()
            previous = dl.getprevious()
            if dl.tail and previous is not None:
                previous.tail = (previous.tail or "") + dl.tail
            parent.remove(dl)


def add_class(element: etree.Element, name: str) -> None:
    """Give ``element`` the class ``name`` too, keeping any it has (a writer's ``{: .aside }``)."""
    element.set("class", " ".join(filter(None, [element.get("class"), name])))


def first_words(element: etree.Element) -> str:
    """The start of an element's first text, to find its line in the piece by."""
    return next((text.strip() for text in element.itertext() if text.strip()), "")[:40]


def _out_of_place(element: etree.Element, parent: etree.Element, container: etree.Element) -> bool:
    if element.tag in ("dt", "dd") and parent.tag == "div" and parent is not container:
        return parent.getparent() is None or parent.getparent().tag != "dl"
    if element.tag in PARENTS:
        return parent.tag not in PARENTS[element.tag]
    return element.tag not in PHRASING and _context(parent, container) == "phrasing"


def _move(element: etree.Element, parent: etree.Element, index: int) -> None:
    """Move ``element`` to ``index`` among ``parent``'s children; the text after it stays where it was."""
    previous = element.getprevious()
    if element.tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
        element.tail = None
    parent.remove(element)
    parent.insert(index, element)


def _context(element: etree.Element, container: etree.Element) -> str:
    """Whether ``element`` holds phrasing content only, or flow content (transparent elements ask their parent)."""
    while element.tag in TRANSPARENT and element is not container:
        element = element.getparent()
    return "phrasing" if element.tag in PHRASING_ONLY else "flow"


def _allowed_ends(element: etree.Element, parent: etree.Element) -> list[etree.Element]:
    children = [child for child in parent if isinstance(child.tag, str)]
    return children[:1] if element.tag in FIRST else [children[0], children[-1]]


def _make_neutral(element: etree.Element, context: str) -> None:
    """Turn ``element`` into a ``div`` (among blocks) or a ``span`` (in a line), which may stand anywhere of its kind.

    A block that becomes a span gets a space after it, so that its last word
    does not run into the next one.
    """
    if context == "phrasing" and element.tag not in PHRASING:
        element.tail = " " + (element.tail or "")
    element.tag = "span" if context == "phrasing" else "div"
    for name in list(element.attrib):
        if name not in NEUTRAL_ATTRIBUTES:
            del element.attrib[name]


def _wrap_loose_content(element: etree.Element, allowed: set[str], wrapper: str) -> bool:
    """Wrap text and children that ``element`` may not hold directly in ``wrapper``; say whether anything moved."""
    changed = False
    if element.text and element.text.strip():
        box = etree.Element(wrapper)
        box.text, element.text = element.text, None
        element.insert(0, box)
        changed = True
    for child in list(element):
        if isinstance(child.tag, str) and child.tag not in allowed:
            box = etree.Element(wrapper)
            element.replace(child, box)
            box.append(child)
            box.tail, child.tail = child.tail, None
            changed = True
        elif child.tail and child.tail.strip():
            box = etree.Element(wrapper)
            box.text, child.tail = child.tail, None
            child.addnext(box)
            changed = True
    return changed
