"""What a build is asked for: formats, edition, imposition. Plain data, light to import.

The formats are named as outputs/registry.py registers them; this module
does not know them (it sits below the stages that make them).

The CLI builds a request and fingerprints it before anything heavy
(WeasyPrint) is imported, so a rebuild with nothing to do stays fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from publish.targets import Target

if TYPE_CHECKING:
    from publish.read.config import BookConfig
    from publish.read.manuscript import Piece

PDF_VARIANTS = ("pdf/a-3b", "pdf/ua-1")


@dataclass(frozen=True)
class Edition:
    """Which edition to build: the full book, or one safe for those who have not seen the work.

    ``spoiler_free`` leaves out every piece tagged as containing spoilers;
    with ``redact`` too, those pieces stay but their marked spoilers do not.
    """

    spoiler_free: bool = False
    redact: bool = False

    @property
    def label_key(self) -> str:
        """The key of the edition's name among the book's words (see read/wording.py); none for the full book."""
        return "spoiler_free_edition" if self.spoiler_free else ""

    @property
    def file_suffix(self) -> str:
        return "-spoiler-free" if self.spoiler_free else ""

    def includes(self, piece: Piece) -> bool:
        return not (self.spoiler_free and not self.redact and piece.meta.contains_spoilers)

    def spoiler_style(self, target: Target, config: BookConfig) -> str:
        if self.spoiler_free:
            return "redact"
        return {Target.PRINT: config.spoiler_reveal, Target.EPUB: "notes", Target.WEB: "disclosure"}[target]


@dataclass(frozen=True)
class BuildRequest:
    """What to build: formats, edition, and how the print edition is made."""

    # Names of output formats; None asks for every one there is.
    formats: tuple[str, ...] | None = None
    edition: Edition = field(default_factory=Edition)
    impose: str | None = None
    bleed: str | None = None
    marks: str | None = None
    pdf_variant: str | None = None
    allow_remote: bool = False
    # The print edition in a second process; False runs everything in this one (tests compare the two).
    parallel: bool = True
    # How many processes lay the print edition's pieces out side by side; 0: one per core.
    jobs: int = 0
