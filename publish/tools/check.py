"""``publish check``: every built file in a folder, checked as its format says (outputs/registry.py)."""

from __future__ import annotations

from pathlib import Path

from publish.outputs.checks import CheckResult
from publish.outputs.registry import output_formats
from publish.read.default_theme import bundled_themes, find_theme


def check_outputs(out_dir: Path, theme_families: list[str]) -> list[CheckResult]:
    """Check every file in ``out_dir`` that a registered format checks; PDFs may use only ``theme_families``."""
    results: list[CheckResult] = []
    for fmt in output_formats().values():
        if fmt.check:
            for path in sorted(out_dir.glob(f"*{fmt.suffix}")):
                results.extend(fmt.check(path, theme_families))
    return results


def theme_families(theme_dir: Path) -> list[str]:
    """The font families a built file may use as its theme's own: the chosen theme's, and every bundled theme's,
    since one output folder may hold editions in several (``make book`` and ``make book-large-print``)."""
    from publish.render.theme import Theme

    themes = [theme_dir, *(find_theme(name, theme_dir, "--theme") for name in bundled_themes())]
    return sorted({face.family for theme in dict.fromkeys(themes) for face in Theme.load(theme).typefaces})
