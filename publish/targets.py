"""The media a piece is rendered for: the printed page, or an e-reader's screen.

A piece's markup differs by medium: notes at the page foot or as pop-ups,
images fitted to the page or to the screen, links within one document or
across files. Each output format names its target (outputs/registry.py);
the stages below ask only which target they serve, never which format.
"""

from __future__ import annotations

from enum import StrEnum


class Target(StrEnum):
    PRINT = "print"
    EPUB = "epub"
    WEB = "web"

    @property
    def page_suffix(self) -> str:
        """How a piece's own page is named, after its id ("" when the whole book is one document)."""
        return {Target.PRINT: "", Target.EPUB: ".xhtml", Target.WEB: ".html"}[self]
