"""The print stylesheets hold to the house's typographic rules: one tracking for small caps, one figure style in
running text and one for folios and references. Read from the bundled themes' CSS, where the choice is made."""

from __future__ import annotations

import re

from publish.read.default_theme import DEFAULT_THEME


def declarations(css: str) -> list[tuple[str, dict[str, str]]]:
    """Each rule's selector and its declarations, from a stylesheet without nested blocks inside rules."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    rules = []
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        props = dict(
            (name.strip(), value.strip())
            for name, _, value in (part.partition(":") for part in body.split(";"))
            if value.strip()
        )
        rules.append((" ".join(selector.split()), props))
    return rules


def test_print_has_one_small_caps_tracking_and_two_figure_styles():
    """Old-style figures in running text, lining in folios, note calls and references; small caps tracked alike."""
    for theme in ("classic", "zine", "large-print"):
        css = (DEFAULT_THEME.parent / theme / "print.css").read_text()
        for selector, props in declarations(css):
            if "small-caps" in props.get("font-variant-caps", "") and "letter-spacing" in props:
                assert props["letter-spacing"] == "0.08em", (theme, selector, props)
            figures = props.get("font-variant-numeric")
            if figures and selector.strip() != "html":
                assert figures.startswith("lining-nums"), (theme, selector, figures)
    (html,) = [
        props for selector, props in declarations((DEFAULT_THEME / "print.css").read_text()) if selector == "html"
    ]
    assert html["font-variant-numeric"] == "oldstyle-nums proportional-nums"
