"""Checking a table's keys and values, for book.toml and a piece's front matter alike.

Both are tables a writer types by hand, so their mistakes are met the same
way: an unknown key names the closest valid one, a value of the wrong type
names the key and what was expected, and each error gives the line.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from publish.errors import PublishError, line_of_key

# key -> (accepted Python types, how to describe them in an error)
Schema = dict[str, tuple[tuple[type, ...], str]]
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


def check_language(values: dict[str, Any], path: Path, text: str) -> None:
    """A language, where given, is a BCP 47 tag: it becomes the book's or the piece's lang attribute."""
    language = values.get("language")
    if language is not None and not LANGUAGE_TAG.match(language):
        raise PublishError(
            f"'language' is {language!r}, not a BCP 47 tag such as \"en\"", path, line_of_key(text, "language")
        )


def web_address(address: str, path: Path, line: int | None) -> str:
    """The address a web edition is published at, ending in "/" so that a page's address is it and the page's
    name: an http or https address with a host, and no query or fragment."""
    parts = urlsplit(address)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment or " " in address:
        raise PublishError(
            f"'base_url' is {address!r}, not the address of a folder on the web such as \"https://example.org/zine/\"",
            path,
            line,
        )
    return address if address.endswith("/") else address + "/"


def check_keys(
    data: dict[str, Any],
    schema: Schema,
    required: tuple[str, ...],
    path: Path,
    text: str,
) -> dict[str, Any]:
    """``data``'s keys checked against ``schema``: an unknown key names the closest valid one, a value of the
    wrong type says what was expected, and a missing or empty required key is named."""
    for key, value in data.items():
        if key not in schema:
            close = difflib.get_close_matches(key, schema, n=1)
            hint = f" — did you mean '{close[0]}'?" if close else " — valid keys: " + ", ".join(schema)
            raise PublishError(f"unknown key '{key}'{hint}", path, line_of_key(text, key))
        types, described = schema[key]
        if not isinstance(value, types) or isinstance(value, bool):
            # YAML reads yes, no, on and off as true/false: "title: Yes" is a boolean.
            hint = (
                f" (YAML reads {key}: {'Yes' if value else 'No'} as a yes/no value: put the text in quotes)"
                if (isinstance(value, bool) and str in types)
                else ""
            )
            raise PublishError(
                f"'{key}' must be {described}, not {_type_name(value)}{hint}", path, line_of_key(text, key)
            )
    for key in required:
        if key not in data:
            raise PublishError(f"missing required key '{key}'", path)
        if isinstance(data[key], str) and not data[key].strip():
            raise PublishError(f"'{key}' is empty", path, line_of_key(text, key))
    return dict(data)


def check_string_list(values: dict[str, Any], key: str, path: Path, text: str) -> None:
    """A list of names or files: an empty or non-string item would print as nothing, or fail later."""
    items = values.get(key, [])
    if not all(isinstance(item, str) and item.strip() for item in items):
        raise PublishError(f"'{key}' must be a list of non-empty strings", path, line_of_key(text, key))


def parse_date(value: Any, key: str, path: Path, text: str) -> dt.date:
    """A date as TOML and YAML give it (a date, a date and time) or as text written 2026-11-25."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise PublishError(
            f"'{key}' is {value!r}, not a date such as 2026-11-25", path, line_of_key(text, key)
        ) from None


def _type_name(value: Any) -> str:
    """A value's type as the writer knows it from TOML and YAML, not Python's name for it."""
    return {
        str: "a string",
        int: "a number",
        float: "a number",
        bool: "true/false",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)
