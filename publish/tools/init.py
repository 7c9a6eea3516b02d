"""``publish init``: a new book folder, ready for ``publish build`` with no options.

The starter files are plain files beside this module (``starter/``), with
``$name`` placeholders: ``book.toml`` holds every key, the optional ones
commented and explained. The first piece is started as ``publish new``
starts any other, on the book that lists none yet.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import uuid
from pathlib import Path
from string import Template

from publish.errors import PublishError
from publish.read.config import slugify
from publish.read.default_theme import DEFAULT_THEME, THEME_FILE
from publish.read.manuscript import add_piece

STARTER = Path(__file__).with_name("starter")
FIRST_PIECE = "A First Piece"


def init_book(folder: Path, title: str, author: str, language: str, theme_copy: bool, today: dt.date) -> list[Path]:
    """Write a new book into ``folder`` (made if missing); the files written, in order. Nothing is overwritten."""
    manuscript = folder / "manuscript"
    written = [manuscript / "book.toml", folder / ".gitignore", folder / "README.md"]
    if theme_copy:
        written.append(folder / "styles")
    taken = [path for path in written if path.exists()]
    if taken:
        raise PublishError("already exists: init starts a new book and overwrites nothing", taken[0])
    values = {
        "title": _toml_string(title),
        "author": _toml_string(author),
        "language": _toml_string(language),
        "identifier": f"urn:uuid:{uuid.uuid4()}",
        "today": today.isoformat(),
        "year": str(today.year),
        "slug": slugify(title),
    }
    manuscript.mkdir(parents=True, exist_ok=True)
    (manuscript / "book.toml").write_text(_filled("book.toml", values), encoding="utf-8")
    (folder / ".gitignore").write_text(_filled("gitignore", values), encoding="utf-8")
    (folder / "README.md").write_text(_filled("README.md", {**values, "title": title}), encoding="utf-8")
    if theme_copy:
        shutil.copytree(DEFAULT_THEME, folder / "styles")
        settings = folder / "styles" / THEME_FILE
        # Classic's own theme.toml follows (its [faces]), so the copy's colophon credits what classic's does.
        settings.write_text(
            "# A copy of the classic theme, complete in itself: change any file.\n"
            '# With extends = "classic", a file removed here would come from the bundled theme instead.\n'
            'extends = ""\n\n' + settings.read_text(encoding="utf-8"),
            encoding="utf-8",
        )
    written.insert(1, add_piece(manuscript, FIRST_PIECE, "", author, today))
    return written


def _filled(name: str, values: dict[str, str]) -> str:
    return Template((STARTER / name).read_text(encoding="utf-8")).substitute(values)


def _toml_string(text: str) -> str:
    """``text`` as a TOML basic string (JSON's string escapes are TOML's)."""
    return json.dumps(text, ensure_ascii=False)
