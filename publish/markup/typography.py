"""Typography that follows the language of the text: French spacing and guillemets, German quotes, dialogue dashes.

Smarty curls quotes the English way whatever the language; this turns them
into the language's own, on a rendered fragment's text only: never inside
code or preformatted text, never in a tag or an attribute. A piece in
another language than its book's is set by its own rules.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

NARROW_NBSP = "\u202f"
NBSP = "\u00a0"
TAG = re.compile(r"(<!--.*?-->|<[^>]*>)", re.DOTALL)
TAG_NAME = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)")
VERBATIM = {"code", "pre", "kbd", "samp", "script", "style"}
# Tags inside a line of text: a character before one still touches the text after it ("<em>mot</em> ?").
INLINE = {
    "a",
    "abbr",
    "b",
    "bdi",
    "bdo",
    "cite",
    "del",
    "dfn",
    "em",
    "i",
    "ins",
    "mark",
    "q",
    "s",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "u",
    "var",
    "wbr",
}
# A paragraph opening with a hyphen, two, or the dash Smarty made of them, then a space: a line of dialogue.
DIALOGUE = re.compile(rf"^(\s*)(?:--?|–|—)[ {NBSP}]+")
# The opening's markup (its lead-in, and in print the dash's own span) may stand between the paragraph and its dash.
PARAGRAPH_DIALOGUE = re.compile(rf"(<p(?:\s[^>]*)?>\s*(?:<span[^>]*>)*)(?:--?|–|—)((?:</span>)?)[ {NBSP}]+")
SPACES = f"[ {NBSP}{NARROW_NBSP}]*"
# French: a thin no-break space before ; : ! ? (not in "http://" or "12:30": the sign must end a word).
FRENCH_HIGH_PUNCTUATION = re.compile(rf"(?<=[^\s(\[«]){SPACES}([;:!?]+)(?=$|[\s)\]»….,\"”])")


def typeset(markup: str, language: str) -> str:
    """``markup`` (an HTML fragment) with its text set by the typographic rules of ``language`` (a BCP 47 tag)."""
    tag = language.lower()
    found = RULES.get(tag) or RULES.get(tag.split("-")[0])
    if found is None:  # dialogue dashes only: a quick pass, however many tags
        return PARAGRAPH_DIALOGUE.sub(rf"\1—\2{NBSP}", markup)
    rule, triggers = found
    parts = TAG.split(markup)
    state: dict[str, object] = {"before": " ", "open_singles": 0}
    verbatim = 0
    paragraph_start = False
    for index, part in enumerate(parts):
        if index % 2:
            element = TAG_NAME.match(part)
            if element is None:
                continue
            closing, name = element.group(1) == "/", element.group(2).lower()
            if name in VERBATIM and not part.endswith("/>"):
                verbatim += -1 if closing else 1
            if name not in INLINE:
                state.clear()
                state.update(before=" ", open_singles=0)
                paragraph_start = name == "p" and not closing
            continue
        if verbatim or not part:
            continue
        if not paragraph_start and state["before"] != "«" and not any(char in part for char in triggers):
            state["before"] = part[-1]  # nothing to change, and no character reference (none without a ";")
            continue
        text = html.unescape(part)
        if paragraph_start and text.strip():
            text = DIALOGUE.sub(rf"\1—{NBSP}", text)
            paragraph_start = False
        text = rule(text, state)
        state["before"] = text[-1] if text else state["before"]
        parts[index] = html.escape(text, quote=False)
    return "".join(parts)


def _french(text: str, state: dict) -> str:
    """« Guillemets » with thin no-break spaces inside, and one before ; : ! ? — as French printers set them."""
    text = text.replace("“", "«").replace("”", "»")
    # The space after « goes where the next word is: a tag between them (a raised initial's) keeps it out of the tag.
    text = re.sub(f"«{SPACES}$", "«", re.sub(f"«{SPACES}(?=[^ {NBSP}{NARROW_NBSP}])", f"«{NARROW_NBSP}", text))
    if state["before"] == "«":
        text = NARROW_NBSP + text.lstrip(f" {NBSP}{NARROW_NBSP}")
    text = re.sub(f"{SPACES}»", f"{NARROW_NBSP}»", text)
    if text.startswith(NARROW_NBSP + "»") and state["before"].isspace():
        text = text[1:]
    with_before = FRENCH_HIGH_PUNCTUATION.sub(rf"{NARROW_NBSP}\1", state["before"] + text)
    return with_before[1:]


def _german(text: str, state: dict) -> str:
    """„Gänsefüßchen“ and ‚halbe‘: the opening quote low, the closing one shaped like an English opening quote."""
    return _quotes(text, state, "„“", "‚‘")


def _swiss(text: str, state: dict) -> str:
    """Swiss German and Liechtenstein: «Guillemets» and ‹halbe›, with no space inside."""
    return _quotes(text, state, "«»", "‹›")


def _quotes(text: str, state: dict, double: str, single: str) -> str:
    """English curly quotes as ``double`` and ``single`` (opening, closing).

    Quotes the writer typed the language's way stay as they are: in German
    „so“ the closing “ is an English opening quote's shape, so after a „ it
    is left alone. A ’ between letters is an apostrophe (geht’s), not a
    closing quote.
    """
    out = []
    for index, char in enumerate(text):
        before = text[index - 1] if index else state["before"]
        after = text[index + 1] if index + 1 < len(text) else " "
        if char in (double[0], single[0]):
            state[char] = state.get(char, 0) + 1
        elif char == "“":
            if state.get(double[0]) and double[1] == "“":
                state[double[0]] -= 1
            else:
                char = double[0]
        elif char == "”":
            char = double[1]
        elif char == "‘":
            if state.get(single[0]) and single[1] == "‘":
                state[single[0]] -= 1
            else:
                state["open_singles"] += 1
                char = single[0]
        elif char == "’" and state["open_singles"] and not (before.isalpha() and after.isalpha()):
            state["open_singles"] -= 1
            char = single[1]
        out.append(char)
    return "".join(out)


# Each language's rule, and the characters without which it has nothing to do.
RULES: dict[str, tuple[Callable[[str, dict], str], str]] = {
    "fr": (_french, "“”«»;:!?"),
    "de": (_german, "“”‘’"),
    "de-ch": (_swiss, "“”‘’"),
    "de-li": (_swiss, "“”‘’"),
}
