"""A loose justified line's letters spaced a little, so that its word spaces need not grow past their limit.

weasyprint_spacing.py gives a line here the width its spaces would take
past ``WIDEST_SPACE``; its letters take what they can of it, up to
``WIDEST_LETTER_SPACING`` of the font's size, and the spaces the rest.
"""

from __future__ import annotations

import re
from typing import Any

from weasyprint.formatting_structure import boxes
from weasyprint.text.line_break import create_layout, line_size

# Of the font's size.
WIDEST_LETTER_SPACING = 0.03
# A word, or the spaces between two: apart, so that only the word is marked as written, and a viewer finds the
# space between two words.
WORDS = re.compile(r"\S+|\s+")


def spread_letters(context, line, beyond: float) -> None:
    """Space the line's letters to take up to ``beyond`` more of its width."""
    letters = _letters(line)
    if not letters:
        return
    widest = WIDEST_LETTER_SPACING * line.style["font_size"]
    spacing = min(beyond / letters, widest)
    growth = _add_letter_spacing(context, line, spacing, 0)
    # A word's first and last letters get half the spacing each (Pango's way at a run's ends): once more, by what the
    # first spacing gave.
    if 0 < growth < beyond and spacing < widest:
        _add_letter_spacing(context, line, min(widest - spacing, spacing * (beyond - growth) / growth), 0)


def natural_width(context, text: str, style: Any) -> float:
    layout = create_layout(text, style, context, None, 0)
    width = line_size(layout.get_first_line()[0], style)[0]
    layout.deactivate()
    return width


def _letters(box) -> int:
    if isinstance(box, boxes.TextBox):
        return len(box.text.replace(" ", ""))
    if isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        return sum(_letters(child) for child in box.children if child.is_in_normal_flow())
    return 0


def _add_letter_spacing(context, box, spacing: float, x_advance: float, natural: float | None = None) -> float:
    """Space the letters of a line's text boxes, moving what follows them along (as WeasyPrint's
    ``add_word_spacing`` does for word spaces). A text box is first cut into one box a word: pdf.py marks a
    letter-spaced box with its words as written, and a box is what a viewer then takes for one word. ``natural``:
    a text box's width unspaced, where it was just measured."""
    if isinstance(box, boxes.TextBox):
        box.position_x += x_advance
        if not box.text:
            return x_advance
        spaced = box.style.copy()
        already = box.style["letter_spacing"]
        spaced["letter_spacing"] = spacing + (0 if already == "normal" else already)
        if natural is None:
            natural = natural_width(context, box.text, box.style)
        # The box's new layout measures it: the one natural_width would make (it is not justified yet).
        box.pango_layout = create_layout(box.text, spaced, context, None, box.justification_spacing)
        growth = line_size(box.pango_layout.get_first_line()[0], box.style)[0] - natural
        box.pango_layout.deactivate()
        box.style = spaced
        box.width += growth
        return x_advance + growth
    if isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        box.position_x += x_advance
        before = x_advance
        children = []
        for child in box.children:
            words, cut_growth = _cut_into_words(context, child)
            for word in words:
                if word.is_in_normal_flow():
                    measured = word.width if len(words) > 1 else None
                    x_advance = _add_letter_spacing(context, word, spacing, x_advance, measured)
            x_advance += cut_growth
            children.extend(words)
        box.children = children
        box.width += x_advance - before
        return x_advance
    box.translate(x_advance, 0)
    return x_advance


def _cut_into_words(context, box) -> tuple[list, float]:
    """A text box as one box a word and one for each space between, each as wide as it is unspaced, and how much
    wider they are together."""
    texts = WORDS.findall(box.text) if isinstance(box, boxes.TextBox) else []
    if len(texts) < 2:
        return [box], 0.0
    words, x = [], box.position_x
    for text in texts:
        word = box.copy_with_text(text)
        word.position_x, word.width = x, natural_width(context, text, box.style)
        x += word.width
        words.append(word)
    return words, (x - box.position_x) - box.width
