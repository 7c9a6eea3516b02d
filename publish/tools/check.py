"""``publish check``: every built file in a folder, checked as its format says (outputs/registry.py)."""

from __future__ import annotations

from pathlib import Path

from publish.outputs.checks import CheckResult
from publish.outputs.registry import output_formats


def check_outputs(out_dir: Path, theme_families: list[str]) -> list[CheckResult]:
    """Check every file in ``out_dir`` that a registered format checks; PDFs may use only ``theme_families``."""
    results: list[CheckResult] = []
    for fmt in output_formats().values():
        if fmt.check:
            for path in sorted(out_dir.glob(f"*{fmt.suffix}")):
                results.extend(fmt.check(path, theme_families))
    return results
