"""What the colophon says: the typefaces, the tools with their versions, the build date, the number of pieces.

The build date and the versions are the pipeline's to find out (it dates
the whole build by one moment, and reads versions from what is installed);
it hands them to assembly as a ``BuildStamp``. Standard library only, so
that the pipeline can make one before the rendering stages are imported.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from publish.render.theme import Typeface

# The tools the colophon names, by package: what made the book's text and files.
TOOLS = (
    ("booklet-press", "Booklet Press"),
    ("weasyprint", "WeasyPrint"),
    ("ebooklib", "EbookLib"),
    ("markdown", "Python-Markdown"),
)


@dataclass(frozen=True)
class Tool:
    name: str
    version: str


@dataclass(frozen=True)
class BuildStamp:
    """What the pipeline tells assembly about this build: the date it goes by, and the tools that made it."""

    build_date: dt.date
    tools: tuple[Tool, ...]


@dataclass(frozen=True)
class Colophon:
    typefaces: list[Typeface]
    tools: list[Tool]
    build_date: dt.date
    piece_count: int

    @property
    def generator(self) -> str:
        return ", ".join(f"{tool.name} {tool.version}" for tool in self.tools)

    @property
    def tool_names(self) -> list[str]:
        """Each tool with its version, kept together on a line."""
        return [f"{tool.name}\u00a0{tool.version}" for tool in self.tools]
