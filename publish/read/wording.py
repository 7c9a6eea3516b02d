"""The words the book itself prints, from the theme's locale files: headings, warnings, dates, the colophon.

Every generated word belongs to the theme, in ``locales/<language>.toml``,
so that a French book says "Sommaire" without a line of Python
knowing it. A key is looked up, one by one, in the book's own ``[strings]``,
then the theme's locale for the book's language (``fr-CA`` → ``fr-ca.toml``,
then ``fr.toml``), then the default theme's, then English: a theme may
translate only what it changes.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
import string
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from publish.errors import PublishError
from publish.read.default_theme import DEFAULT_THEME

FALLBACK = "en"
# The keys whose values are lists or tables; every other key is a one-line string.
MONTHS = "months"
KINDS = "kinds"


@dataclass(frozen=True)
class Wording:
    """A book's generated words, by key; templates call it: ``words("warning_skip_to", title=...)``.

    ``values`` is a tuple of pairs, so that the wording's ``repr`` (part of
    what a remembered EPUB page is keyed by) is its whole content.
    """

    language: str
    values: tuple[tuple[str, Any], ...]

    def __call__(self, key: str, **fields: object) -> Markup:
        """The string for ``key``, its ``{fields}`` filled in (escaped, unless already markup)."""
        return Markup(escape(self.text(key))).format(**fields) if fields else Markup(escape(self.text(key)))

    def text(self, key: str, **fields: object) -> str:
        """Plain text, for metadata and Python: ``{fields}`` filled in as they are."""
        value = self._get(key)
        return value.format(**fields) if fields else value

    def css(self, key: str, field: str, counter: str, keep_together: bool = False) -> Markup:
        """A CSS ``content`` value for a string with one ``{field}`` shown by a CSS counter: "[spoiler {number}]".

        With ``keep_together``, a space next to the number is a no-break space: a call in the text never
        leaves its number alone on the next line.
        """
        return self.css_with(key, field, f"counter({counter})", keep_together)

    def css_with(self, key: str, field: str, value: str, keep_together: bool = False) -> Markup:
        """A CSS ``content`` value for a string whose one ``{field}`` is the CSS ``value``: a counter, or the page
        a link leads to (``target-counter(attr(href), page)``)."""
        before, _, after = self.text(key).partition("{" + field + "}")
        if keep_together:
            before, after = re.sub(" $", "\u00a0", before), re.sub("^ ", "\u00a0", after)
        parts = ([f'"{_css_string(before)}"'] if before else []) + [value]
        return Markup(" ".join(parts + ([f'"{_css_string(after)}"'] if after else [])))

    def css_text(self, key: str, keep_last_words: bool = False) -> Markup:
        """A CSS string for ``key``: the words of a page's margin box, say. With ``keep_last_words``, its last two
        words are joined by a no-break space: a phrase the layout sets never ends on a word alone."""
        text = self.text(key)
        if keep_last_words:
            text = re.sub(r" (\S+)$", "\u00a0\\1", text)
        return Markup(f'"{_css_string(text)}"')

    def date(self, day: dt.date) -> str:
        """A date as the language writes it ("1 December 2026", "1er décembre 2026"), never from the C locale."""
        first = self.text("first_day")
        return self.text(
            "date",
            day=first if day.day == 1 and first else day.day,
            month=self._get(MONTHS)[day.month - 1],
            year=day.year,
        )

    def join(self, items: Iterable[str]) -> str:
        """ "A, B and C" in the book's language: markup if any item is markup (a work's italic title), else plain."""
        items = list(items)
        separator: str
        last: str
        if any(hasattr(item, "__html__") for item in items):
            items = [Markup(escape(item)) for item in items]
            separator, last = self("list_separator"), self("list_and")
        else:
            separator, last = self.text("list_separator"), self.text("list_and")
        if len(items) < 2:
            return items[0] if items else ""
        return separator.join(items[:-1]) + last + items[-1]

    def kind(self, kind: str) -> str:
        """A piece's kind as a label: translated where the locale knows it, else as written."""
        return self._get(KINDS).get(kind.casefold(), kind)

    def _get(self, key: str) -> Any:
        for name, value in self.values:
            if name == key:
                return value
        raise PublishError(f"the theme's locale files have no string '{key}'")


@functools.cache
def english() -> Wording:
    """The default theme's English words, for a piece rendered outside a book (tests, the property checks)."""
    return load_wording([DEFAULT_THEME], FALLBACK, {})


def load_wording(themes: Iterable[Path], language: str, overrides: dict[str, Any]) -> Wording:
    """The words for ``language``: the book's ``overrides``, then each theme's locales, then English.

    ``themes`` in order of preference (the book's theme, then the default).
    """
    tag = language.lower()
    primary = tag.split("-")[0]
    names = list(dict.fromkeys([tag, primary, FALLBACK]))
    layers = [overrides] + [_read_locale(theme / "locales" / f"{name}.toml") for name in names for theme in themes]
    values: dict[str, Any] = {}
    kinds: dict[str, str] = {}
    for layer in layers:
        for key, value in layer.items():
            if key == KINDS:
                kinds = {**{k.casefold(): v for k, v in value.items()}, **kinds}
            else:
                values.setdefault(key, value)
    values[KINDS] = kinds
    return Wording(language, tuple(sorted(values.items())))


def check_overrides(table: dict[str, Any], theme: Path, path: Path, text: str) -> None:
    """A book's ``[strings]``: each key one the default theme's English locale has, each value of the same shape."""
    known = _read_locale(theme / "locales" / f"{FALLBACK}.toml")
    for key, value in table.items():
        line = _line_in_table(text, "strings", key)
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f" — did you mean '{close[0]}'?" if close else " — see the keys in styles/classic/locales/en.toml"
            raise PublishError(f"unknown key '{key}' in [strings]{hint}", path, line)
        if key == MONTHS:
            right = isinstance(value, list) and len(value) == 12 and all(isinstance(month, str) for month in value)
        elif key == KINDS:
            right = isinstance(value, dict) and all(isinstance(label, str) for label in value.values())
        else:
            right = isinstance(value, str) and _fields(value) <= _fields(known[key])
        if not right and isinstance(value, str):
            allowed = ", ".join("{" + name + "}" for name in sorted(_fields(known[key]))) or "none"
            raise PublishError(f"'{key}' in [strings] may only use the fields {allowed}", path, line)
        if not right:
            expected = {MONTHS: "a list of the twelve months' names", KINDS: "a table of kind = label"}.get(
                key, "a string"
            )
            raise PublishError(f"'{key}' in [strings] must be {expected}", path, line)


def _line_in_table(text: str, table: str, key: str) -> int | None:
    """The line on which ``key`` is set inside ``[table]`` (or as ``table.key``), not a same-named key elsewhere."""
    inside = False
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            inside = stripped.strip("[] ").startswith(table)
        name = stripped.split("=", 1)[0].strip().strip('"')
        if "=" in stripped and name in (key, f"{table}.{key}") and (inside or name.startswith(table + ".")):
            return number
    return None


def _fields(template: str) -> set[str]:
    """The ``{names}`` a string is filled in with; a stray brace is a name no template fills in."""
    try:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError:
        return {"a stray brace"}


def _read_locale(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise PublishError(f"invalid locale file: {error}", path) from None


def _css_string(text: str) -> str:
    """Text as the inside of a CSS string: quotes, backslashes, "<" (no closing the style element) and invisible
    characters (a no-break space) escaped."""
    return "".join(f"\\{ord(ch):06x}" if ch in '"\\<' or not ch.isprintable() else ch for ch in text)
