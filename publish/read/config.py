"""book.toml and piece front matter, validated into plain dataclasses.

Every key is checked (keys.py says how: an unknown key names the closest
valid one, a value of the wrong type names the key and what was expected,
and both give the line); front matter's YAML is read by frontmatter.py.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slugify import slugify as ascii_words

from publish.errors import PublishError, line_of_key
from publish.read.decoding import CONTROL_CHARACTERS, read_utf8
from publish.read.default_theme import ThemeSettings
from publish.read.frontmatter import read_yaml
from publish.read.images import DEFAULT_MAX_MEGAPIXELS, MAX_MEGAPIXELS
from publish.read.keys import Schema, check_keys, check_language, check_string_list, parse_date, web_address
from publish.read.remembering import Remembering
from publish.read.wording import DEFAULT_THEME, check_overrides

PAGE_SIZES = {
    "a4": "A4",
    "a5": "A5",
    "half-letter": "5.5in 8.5in",
    "a6": "A6",
    "letter": "letter",
}
# The same pages in inches (width, height): an image cannot print larger than its page.
PAGE_INCHES = {
    "a4": (210 / 25.4, 297 / 25.4),
    "a5": (148 / 25.4, 210 / 25.4),
    "half-letter": (5.5, 8.5),
    "a6": (105 / 25.4, 148 / 25.4),
    "letter": (8.5, 11.0),
}
# Sheets a booklet is imposed on (portrait width × height, in points), and
# the sheet each page size folds from by default.
SHEET_SIZES = {
    "a3": (841.89, 1190.55),
    "a4": (595.28, 841.89),
    "a5": (419.53, 595.28),
    "letter": (612.0, 792.0),
    "tabloid": (792.0, 1224.0),
}
DEFAULT_SHEETS = {"a4": "a3", "a5": "a4", "half-letter": "letter", "a6": "a5", "letter": "tabloid"}
LENGTH = re.compile(r"^(\d+(?:\.\d+)?)(mm|pt|in)$")
POINTS_PER = {"mm": 72 / 25.4, "pt": 1.0, "in": 72.0}
# Embeddings and overrides (LRE, RLE, PDF, LRO, RLO) make text display other
# than it reads ("Trojan Source"); isolates and marks, which right-to-left
# writing needs, are not among them.
BIDI_OVERRIDES = "\u202a\u202b\u202c\u202d\u202e"
# A kind is any short label ("story", "interview"); the theme's locale translates the ones it knows.
MAX_KIND_LENGTH = 40
SPOILER_WARNINGS = ("page", "notice")
SPOILER_REVEALS = ("foot", "endnotes")
# Where a piece may open in print: "right" always on a recto, "any" on the next page, "auto" on a recto only
# where that costs no extra sheet of the booklet.
OPENINGS = ("auto", "right", "any")
ISBN = re.compile(r"^(urn:isbn:)?(97[89][0-9]{10})$")
# Bounds that keep a mistaken or hostile book.toml from occupying a build for minutes before anything is said.
MAX_CONFIG_BYTES = 1_000_000
MAX_LIST_ITEMS = {"authors": 100, "keywords": 100, "pieces": 1000, "spoils": 100, "formats": 10}


@dataclass(frozen=True)
class BookConfig:
    """What book.toml says about the whole book."""

    title: str
    authors: list[str]
    language: str
    identifier: str
    pieces: list[str]
    subtitle: str = ""
    date: dt.date | None = None
    publisher: str = ""
    rights: str = ""
    license: str = ""
    description: str = ""
    keywords: list[str] = field(default_factory=list)
    page_size: str = "a5"
    slug: str = ""
    spoils: list[str] = field(default_factory=list)
    spoiler_warning: str = "page"
    spoiler_reveal: str = "foot"
    openings: str = "auto"
    sheet_size: str = ""
    creep: str = "0mm"
    max_image_megapixels: float = DEFAULT_MAX_MEGAPIXELS
    strings: dict[str, Any] = field(default_factory=dict)
    theme: str = ""
    cover: str = ""
    # Where the web edition is published (canonical links, sharing cards, sitemap and feed), ending in "/".
    base_url: str = ""
    # What --format all builds, when not every format that is part of it.
    formats: list[str] = field(default_factory=list)

    @property
    def sheet(self) -> str:
        """The sheet the booklet is imposed on: sheet_size, or the natural one for the page size."""
        return self.sheet_size or DEFAULT_SHEETS[self.page_size]

    @property
    def creep_points(self) -> float:
        return length_in_points(self.creep)


@dataclass(frozen=True)
class PieceMeta:
    """What a piece's front matter (or spoiler tag line) says about it."""

    title: str
    author: str = ""
    kind: str = ""
    date: dt.date | None = None
    summary: str = ""
    language: str = ""
    spoilers: list[str] = field(default_factory=list)
    contains_spoilers: bool = False


BOOK_KEYS: Schema = {
    "title": ((str,), "a string"),
    "subtitle": ((str,), "a string"),
    "authors": ((list,), "a list of names"),
    "language": ((str,), 'a BCP 47 language tag such as "en" or "en-GB"'),
    "identifier": ((str,), "a string (urn:uuid:… or an ISBN)"),
    "date": ((dt.date, str), "a date such as 2026-11-25"),
    "publisher": ((str,), "a string"),
    "rights": ((str,), "a string"),
    "license": ((str,), "a string"),
    "description": ((str,), "a string"),
    "keywords": ((list,), "a list of strings"),
    "page_size": ((str,), "one of " + ", ".join(PAGE_SIZES)),
    "slug": ((str,), "a string of lowercase letters, digits and hyphens"),
    "pieces": ((list,), "a list of file names"),
    "spoils": ((list,), "a list of the works the book's tagged pieces spoil"),
    "spoiler_warning": ((str,), "one of " + ", ".join(f'"{v}"' for v in SPOILER_WARNINGS)),
    "spoiler_reveal": ((str,), "one of " + ", ".join(f'"{v}"' for v in SPOILER_REVEALS)),
    "openings": ((str,), "one of " + ", ".join(f'"{v}"' for v in OPENINGS)),
    "sheet_size": ((str,), "one of " + ", ".join(SHEET_SIZES)),
    "creep": ((str,), 'a length per sheet such as "0.2mm"'),
    "max_image_megapixels": ((int, float), f"a number of megapixels such as 80 (at most {MAX_MEGAPIXELS})"),
    "strings": ((dict,), 'a table of the words the book prints itself, such as contents = "Table"'),
    "cover": ((str,), 'a JPEG or PNG file in the manuscript folder, such as "cover.jpg"'),
    "theme": ((str,), 'a bundled theme\'s name such as "classic", or a theme folder'),
    "base_url": ((str,), 'the address the web edition is published at, such as "https://example.org/zine/"'),
    "formats": ((list,), 'a list of the formats --format all builds, such as ["pdf", "epub", "html"]'),
}
BOOK_REQUIRED = ("title", "authors", "language", "pieces")

PIECE_KEYS: Schema = {
    "title": ((str,), "a string"),
    "author": ((str,), "a string"),
    "kind": ((str,), "a short label such as story, poem or essay"),
    "date": ((dt.date, str), "a date such as 2026-11-25"),
    "summary": ((str,), "a string"),
    "spoilers": ((list,), "a list of the works spoiled"),
    "language": ((str,), 'a BCP 47 language tag such as "fr" or "de-CH"'),
}


def slugify(text: str) -> str:
    """A file- and URL-safe name: lowercase ASCII words joined by hyphens, other scripts and accented letters
    spelt in ASCII ("marée" → "maree", "Straße" → "strasse", "中文" → "zhong-wen"), apostrophes dropped."""
    return ascii_words(text, replacements=[["’", ""], ["'", ""]]) or "book"


def load_book_config(path: Path, theme: ThemeSettings | None = None) -> BookConfig:
    """Read and validate book.toml, with the keys the theme sets for its edition (checked as book.toml's own,
    in the theme.toml that sets them) in place of the book's."""
    if not path.is_file():
        raise PublishError("book.toml not found: every manuscript needs one (see README)", path)
    if path.stat().st_size > MAX_CONFIG_BYTES:
        raise PublishError(
            f"book.toml is {path.stat().st_size / 1_000_000:.1f} MB; it may be at most {MAX_CONFIG_BYTES // 1000} kB "
            "(it lists the pieces and describes the book: the writing goes in the pieces)",
            path,
        )
    text = read_utf8(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line = re.search(r"line (\d+)", str(error))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(error))
        raise PublishError(f"invalid TOML: {message}", path, int(line.group(1)) if line else None) from None
    values = check_keys(data, BOOK_KEYS, BOOK_REQUIRED, path, text)

    for key in ("authors", "keywords", "pieces", "spoils", "formats"):
        check_string_list(values, key, path, text)
        if len(values.get(key, [])) > MAX_LIST_ITEMS[key]:
            raise PublishError(
                f"'{key}' lists {len(values[key])} items; a book may have at most {MAX_LIST_ITEMS[key]}",
                path,
                line_of_key(text, key),
            )
    _check_choices(values, path, text)
    if theme and theme.book:
        assert theme.book_file is not None, "a theme that sets book keys names its theme.toml"
        _check_choices(theme.book, theme.book_file, read_utf8(theme.book_file))
        values |= theme.book
    check_language(values, path, text)
    check_overrides(values.get("strings", {}), DEFAULT_THEME, path, text)
    if not LENGTH.match(values.get("creep", "0mm")):
        raise PublishError(
            f"'creep' is {values['creep']!r}, not a length such as \"0.2mm\" (mm, pt or in)",
            path,
            line_of_key(text, "creep"),
        )
    megapixels = values.get("max_image_megapixels", DEFAULT_MAX_MEGAPIXELS)
    if not 0 < megapixels <= MAX_MEGAPIXELS:
        raise PublishError(
            f"'max_image_megapixels' is {megapixels:g}; use a number above 0 and at most {MAX_MEGAPIXELS} "
            "(a larger image would take a build past its memory)",
            path,
            line_of_key(text, "max_image_megapixels"),
        )
    if "date" in values:
        values["date"] = parse_date(values["date"], "date", path, text)
    if "base_url" in values:
        values["base_url"] = web_address(values["base_url"], path, line_of_key(text, "base_url"))
    values["identifier"] = _identifier(values, path, text)
    if not values.get("slug"):
        values["slug"] = slugify(values["title"])
    elif values["slug"] != slugify(values["slug"]):
        raise PublishError(
            f"'slug' {values['slug']!r} should be lowercase words joined by hyphens, e.g. {slugify(values['slug'])!r}",
            path,
            line_of_key(text, "slug"),
        )
    return BookConfig(**values)


def _check_choices(values: dict[str, Any], path: Path, text: str) -> None:
    """The keys with a fixed set of values (the ones a theme may set too), each one of its set."""
    for key, allowed in (
        ("spoiler_warning", SPOILER_WARNINGS),
        ("spoiler_reveal", SPOILER_REVEALS),
        ("openings", OPENINGS),
    ):
        if key in values and values[key] not in allowed:
            raise PublishError(
                f"'{key}' is {values[key]!r}; use one of " + ", ".join(f'"{v}"' for v in allowed),
                path,
                line_of_key(text, key),
            )
    page_size = values.get("page_size", "a5")
    if page_size not in PAGE_SIZES:
        raise PublishError(
            f"'page_size' is {page_size!r}; use one of " + ", ".join(PAGE_SIZES), path, line_of_key(text, "page_size")
        )
    if values.get("sheet_size", "a4") not in SHEET_SIZES:
        raise PublishError(
            f"'sheet_size' is {values['sheet_size']!r}; use one of " + ", ".join(SHEET_SIZES),
            path,
            line_of_key(text, "sheet_size"),
        )


def length_in_points(length: str) -> float:
    """A length such as "3mm", "0.1in" or "2pt" in PDF points."""
    match = LENGTH.match(length)
    if match is None:
        raise ValueError(f"not a length: {length!r}")
    return float(match.group(1)) * POINTS_PER[match.group(2)]


def parse_front_matter(text: str, path: Path, memo: Remembering | None = None) -> tuple[dict[str, Any], str, int]:
    """Split ``---`` YAML front matter from a piece.

    Returns the raw mapping, the body, and the body's first line number (so
    later errors can point into the file). With a ``memo``, a front matter
    read before is not parsed again.
    """
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return {}, text, 1
    for index, line in enumerate(lines[1:], start=1):
        if line.strip() in ("---", "..."):
            block = "".join(lines[1:index])
            body = "".join(lines[index + 1 :])
            break
    else:
        raise PublishError("front matter starts with '---' but never ends with '---'", path, 1)
    data = read_yaml(block, path, memo)
    if not isinstance(data, dict):
        raise PublishError("front matter must be a mapping of keys to values", path, 2)
    for key, value in data.items():
        if not isinstance(key, str):
            raise PublishError(f"front matter key {key!r} is not a name: keys are words such as 'title'", path)
        _check_text(value, key, path, text)
    return data, body, index + 2


def _check_text(value: Any, key: str, path: Path, text: str) -> None:
    """Metadata strings may hold what the book's text may: no control characters, surrogates or bidi overrides."""
    for item in value if isinstance(value, list) else [value]:
        if not isinstance(item, str):
            continue
        bad = next(
            (
                ch
                for ch in item
                if CONTROL_CHARACTERS.match(ch)
                or "\ud800" <= ch <= "\udfff"
                or ch in BIDI_OVERRIDES
                or (ch == "\n" and key != "summary")
            ),
            None,
        )
        if bad is not None:
            raise PublishError(
                f"'{key}' contains the character U+{ord(bad):04X}, which cannot go into a book",
                path,
                line_of_key(text, key),
            )


def piece_meta(data: dict[str, Any], path: Path, text: str, contains_spoilers: bool) -> PieceMeta:
    """Validate front matter into PieceMeta."""
    values = check_keys(data, PIECE_KEYS, ("title",), path, text)
    check_kind(values.get("kind", ""), path, line_of_key(text, "kind"))
    check_language(values, path, text)
    check_string_list(values, "spoilers", path, text)
    if "date" in values:
        values["date"] = parse_date(values["date"], "date", path, text)
    return PieceMeta(**values, contains_spoilers=contains_spoilers or bool(values.get("spoilers")))


def check_kind(kind: str, path: Path | None, line: int | None = None) -> None:
    """A kind is a label over a piece: one short line."""
    if len(kind) > MAX_KIND_LENGTH or "\n" in kind:
        raise PublishError(
            f"'kind' should be a short label on one line (at most {MAX_KIND_LENGTH} characters)", path, line
        )


def _identifier(values: dict[str, Any], path: Path, text: str) -> str:
    """A urn:uuid: (stable: derived from title and authors when not given) or an ISBN-13."""
    identifier = values.get("identifier")
    if identifier is None:
        return "urn:uuid:" + str(
            uuid.uuid5(uuid.NAMESPACE_URL, "booklet:" + values["title"] + "|" + "|".join(values["authors"]))
        )
    line = line_of_key(text, "identifier")
    if identifier.startswith("urn:uuid:"):
        try:
            uuid.UUID(identifier.removeprefix("urn:uuid:"))
        except ValueError:
            raise PublishError(f"'identifier' {identifier!r} is not a valid urn:uuid:", path, line) from None
        return identifier
    isbn = ISBN.match(identifier.replace("-", "").replace(" ", ""))
    if isbn:
        digits = isbn.group(2)
        check = (10 - sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits[:12])) % 10) % 10
        if check != int(digits[12]):
            raise PublishError(f"'identifier' {identifier!r} is not a valid ISBN-13 (check digit)", path, line)
        return "urn:isbn:" + digits
    raise PublishError(f"'identifier' {identifier!r} must be urn:uuid:… or an ISBN-13", path, line)
