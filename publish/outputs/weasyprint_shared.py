"""What the parts of a book laid out in one process share: fonts, counter styles and parsed style sheets.

Every part has the book's head, so its style sheets are parsed once, not
once a part (which costs about as much as laying a short piece out).
WeasyPrint finds a document's style sheets with ``find_stylesheets``; this
gives a document whose font configuration belongs to a ``Shared`` the
sheets parsed for the first document with the same sheets.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import weasyprint
from weasyprint.css.counters import CounterStyle
from weasyprint.text.fonts import FontConfiguration


class Shared:
    """The fonts, counter styles and parsed style sheets of the parts laid out in one process."""

    def __init__(self) -> None:
        self.font_config = FontConfiguration()
        self.counter_style = CounterStyle()
        self.sheets: dict[tuple, list[Any]] = {}
        self.font_config.publish_shared = self


FIND_STYLESHEETS = weasyprint.css.find_stylesheets


def _stylesheets_parsed_once(wrapper_element, media_type, url_fetcher, base_url, font_config, *args) -> Iterator[Any]:
    """WeasyPrint's style sheets of a document, parsed once for every part that shares ``font_config``."""
    shared = getattr(font_config, "publish_shared", None)
    if shared is None:
        return FIND_STYLESHEETS(wrapper_element, media_type, url_fetcher, base_url, font_config, *args)
    key = (
        base_url,
        media_type,
        tuple(
            (element.tag, element.get("href"), element.get("media"), element.text)
            for element in (wrapper.etree_element for wrapper in wrapper_element.query_all("style", "link"))
        ),
    )
    if key not in shared.sheets:
        found = FIND_STYLESHEETS(wrapper_element, media_type, url_fetcher, base_url, font_config, *args)
        shared.sheets[key] = list(found)
    return iter(shared.sheets[key])


weasyprint.css.find_stylesheets = _stylesheets_parsed_once
