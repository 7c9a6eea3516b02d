"""The print edition as a PDF: laid out and written in the second process (see outputs/print_edition.py)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from publish.outputs.registry import OutputFormat, register
from publish.targets import Target

if TYPE_CHECKING:
    from publish.outputs.checks import CheckResult


def read_back(data: bytes, pages: int) -> None:
    from publish.outputs import verify

    verify.read_back_pdf(data, pages)


def check(path: Path, theme_families: list[str]) -> list[CheckResult]:
    from publish.outputs import checks

    return checks.check_pdf(path, theme_families)


PDF = register(
    OutputFormat(name="pdf", suffix=".pdf", target=Target.PRINT, printed=True, read_back=read_back, check=check)
)
