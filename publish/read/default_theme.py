"""Where themes are, which one a build uses, and what each falls back to.

The bundled themes' source stays at the repository's top (``styles/``, one
folder per theme), where a designer looks for it; a wheel carries them inside
the package as ``publish/styles/`` (see pyproject.toml). An editable install
or a checkout has no ``publish/styles/`` and reads the repository's folder,
so that a change to a theme shows at the next build.

A theme falls back to another for every file it does not have: the one its
``theme.toml`` names in ``extends`` (a bundled theme's name or a folder),
else the default theme, which falls back to nothing. So a theme may hold
only what it changes, as MkDocs' ``custom_dir`` does. Standard library only:
the no-op rebuild's fingerprint (pipeline/sources.py) reads this too.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from publish.errors import PublishError, line_of_key

PACKAGED_THEMES = Path(__file__).resolve().parent.parent / "styles"
CHECKOUT_THEMES = PACKAGED_THEMES.parent.parent / "styles"
BUNDLED_THEMES = PACKAGED_THEMES if PACKAGED_THEMES.is_dir() else CHECKOUT_THEMES
DEFAULT_THEME_NAME = "classic"
# The theme every other one falls back to in the end, and whose locales every book's words fall back to.
DEFAULT_THEME = BUNDLED_THEMES / DEFAULT_THEME_NAME
THEME_FILE = "theme.toml"
THEME_KEYS = ("extends", "name", "description", "suffix", "book", "faces")
# The book.toml keys a theme may set, for the edition it makes (large print is A4 whatever the book says).
THEME_BOOK_KEYS = ("page_size", "sheet_size", "spoiler_warning", "spoiler_reveal")
# What makes a folder a theme, for a styles/ folder found beside the manuscript.
THEME_MARKERS = (THEME_FILE, "templates", "print.css", "epub.css", "fonts", "locales")


def bundled_themes() -> list[str]:
    return sorted(path.name for path in BUNDLED_THEMES.iterdir() if path.is_dir() and not path.name.startswith("."))


def choose_theme(option: str | None, manuscript_dir: Path) -> Path:
    """The theme a build uses: ``--theme``, else book.toml's ``theme``, else a ``styles/`` theme folder beside the
    manuscript folder, else the default theme.

    A name is a bundled theme's; anything else is a folder, relative to
    where the command runs (for ``--theme``) or to the manuscript folder
    (for book.toml). A book.toml that does not parse is left for the
    configuration's own checks to report.
    """
    if option:
        return find_theme(option, Path.cwd(), "--theme")
    config = manuscript_dir / "book.toml"
    try:
        chosen = tomllib.loads(config.read_text(encoding="utf-8")).get("theme")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        chosen = None
    if isinstance(chosen, str) and chosen:
        return find_theme(chosen, manuscript_dir, config)
    beside = manuscript_dir.resolve().parent / "styles"
    if any((beside / marker).exists() for marker in THEME_MARKERS):
        return beside
    return DEFAULT_THEME


def find_theme(choice: str, base: Path, named_in: str | Path) -> Path:
    """A bundled theme by name, or a folder relative to ``base``; an error, with the bundled names, otherwise."""
    if "/" not in choice and (BUNDLED_THEMES / choice).is_dir():
        return BUNDLED_THEMES / choice
    folder = (base / choice).resolve()
    if folder.is_dir():
        return folder
    names = bundled_themes()
    close = difflib.get_close_matches(choice, names, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    message = f"no theme '{choice}': {hint}give a bundled theme ({', '.join(names)}) or a theme folder"
    if isinstance(named_in, Path):
        raise PublishError(message, named_in)
    raise PublishError(f"{named_in}: {message}")


@dataclass(frozen=True)
class FaceSelector:
    """One line of a theme.toml's ``[faces]`` table: a font family and the CSS selector of the elements set in it.

    It keeps the file and line it was read from: whether a font file has
    that family and whether the selector parses are found out in render,
    which reads the fonts and has the selector library.
    """

    family: str
    selector: str
    path: Path
    line: int | None


@dataclass(frozen=True)
class ThemeSettings:
    """What a theme's ``theme.toml`` says beyond what it extends: the ending its editions' file names take
    ("-large-print"), the book.toml keys it sets, and the faces its colophon may credit; a nearer folder's word
    wins (for ``faces``, the nearest table whole: a theme that sets other faces sets them all)."""

    suffix: str = ""
    book: dict[str, Any] = field(default_factory=dict)
    # The nearest theme.toml that sets book keys, for errors in them.
    book_file: Path | None = None
    # None when no theme.toml of the chain has a [faces] table: the colophon credits every face then.
    faces: tuple[FaceSelector, ...] | None = None


def theme_settings(root: Path) -> ThemeSettings:
    settings = ThemeSettings()
    for layer in reversed(theme_layers(root)):
        values = _theme_toml(layer)
        book = values.get("book", {})
        settings = ThemeSettings(
            values.get("suffix", settings.suffix),
            settings.book | book,
            layer / THEME_FILE if book else settings.book_file,
            _faces(layer / THEME_FILE, values["faces"]) if "faces" in values else settings.faces,
        )
    return settings


def _faces(path: Path, table: dict[str, str]) -> tuple[FaceSelector, ...]:
    text = path.read_text(encoding="utf-8")
    return tuple(FaceSelector(family, selector, path, _face_line(text, family)) for family, selector in table.items())


def _face_line(text: str, family: str) -> int | None:
    """The line of ``family``'s entry in the [faces] table, its key bare or quoted ("EB Garamond" must be)."""
    lines = text.splitlines()
    start = next((number for number, line in enumerate(lines) if line.strip() == "[faces]"), 0)
    table = "\n".join(lines[start:])
    for key in (family, f'"{family}"', f"'{family}'"):
        line = line_of_key(table, key)
        if line is not None:
            return start + line
    return None


def theme_layers(root: Path) -> tuple[Path, ...]:
    """The theme's folder, then each it falls back to, in order, ending with the default theme's."""
    layers: list[Path] = []
    current: Path | None = root.resolve()
    while current is not None:
        if current in layers:
            raise PublishError("the themes' 'extends' go round in a circle", current / THEME_FILE)
        layers.append(current)
        current = _extends(current)
    return tuple(layers)


def _extends(root: Path) -> Path | None:
    if root == DEFAULT_THEME.resolve():
        return None
    extends = _theme_toml(root).get("extends", DEFAULT_THEME_NAME)
    return find_theme(extends, root, root / THEME_FILE).resolve() if extends else None


def _theme_toml(root: Path) -> dict[str, Any]:
    """A theme folder's theme.toml, checked; nothing when it has none."""
    settings = root / THEME_FILE
    if not settings.is_file():
        return {}
    try:
        values = tomllib.loads(settings.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise PublishError(f"not a valid theme.toml: {error}", settings) from None
    unknown = sorted(set(values) - set(THEME_KEYS)) or sorted(set(values.get("book", {})) - set(THEME_BOOK_KEYS))
    if unknown:
        raise PublishError(
            f"unknown key '{unknown[0]}': a theme.toml has {', '.join(THEME_KEYS)}, "
            f"and its [book] table may set {', '.join(THEME_BOOK_KEYS)}",
            settings,
        )
    for key in ("extends", "name", "description", "suffix"):
        if not isinstance(values.get(key, ""), str):
            raise PublishError(f"'{key}' must be a string", settings)
    if not isinstance(values.get("book", {}), dict):
        raise PublishError("'book' must be a table of book.toml keys", settings)
    faces = values.get("faces", {})
    if not isinstance(faces, dict):
        raise PublishError(
            "'faces' must be a table of font families, each with the CSS selector of the elements set in it",
            settings,
            line_of_key(settings.read_text(encoding="utf-8"), "faces"),
        )
    for family, selector in faces.items():
        if not isinstance(selector, str):
            raise PublishError(
                f'\'{family}\' in [faces] must be a CSS selector in a string, such as "body" or "code, pre"',
                settings,
                _face_line(settings.read_text(encoding="utf-8"), family),
            )
    return values
