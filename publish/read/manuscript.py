"""Finding and reading the pieces a book.toml lists."""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from publish.errors import PublishError, PublishWarning, line_of_key
from publish.read.config import (
    BookConfig,
    PieceMeta,
    check_kind,
    load_book_config,
    parse_front_matter,
    piece_meta,
    slugify,
)
from publish.read.cover import read_cover
from publish.read.decoding import read_utf8
from publish.read.default_theme import ThemeSettings
from publish.read.piece_readers import PieceText, kinds_accepted, reader_for
from publish.read.remembering import Remembering

# Files an editor keeps beside a document while it is open (Word's "~$name.docx" owner file) or hides.
HIDDEN = (".", "~$")
SPOILER_TAG = re.compile(r"^\s*-*\s*contains\s+spoilers?\s*-*\s*$", re.IGNORECASE)
# Ids the book's own pages use, in print and in the EPUB.
RESERVED_IDS = {"cover", "title", "contents", "colophon", "nav", "spoilers-revealed"}
# A booklet's piece is an essay, not an encyclopedia: a bound that keeps a
# hostile or mistaken file from occupying the build for many minutes.
MAX_PIECE_BYTES = 1_000_000


@dataclass(frozen=True)
class Piece:
    """One piece of writing, read but not yet rendered."""

    id: str
    path: Path
    format: str
    meta: PieceMeta
    body: str
    body_line: int
    # What the reader left out or guessed (a Word document's comments, say), reported with the piece's own.
    warnings: tuple[PublishWarning, ...] = ()
    # False when the body's lines are not the file's (a Word document's converted text): nothing is located by line.
    by_line: bool = True

    @cached_property
    def lines(self) -> list[str]:
        """The body's lines; line ``body_line + i`` of the file is ``lines[i]``."""
        return self.body.splitlines()

    def line_of(self, needle: str) -> int | None:
        """The line of the piece's file on which ``needle`` first appears, as written or with its character
        references read."""
        if not self.by_line:
            return None
        for offset, line in enumerate(self.lines):
            if needle in line or ("&" in line and needle in html.unescape(line)):
                return self.body_line + offset
        return None

    def line_matching(self, pattern: re.Pattern) -> int | None:
        """The line of the piece's file on which ``pattern`` first matches."""
        if not self.by_line:
            return None
        for offset, line in enumerate(self.lines):
            if pattern.search(line):
                return self.body_line + offset
        return None


@dataclass(frozen=True)
class Manuscript:
    """A book: its configuration and its pieces in reading order."""

    root: Path
    config: BookConfig
    pieces: list[Piece]
    # Files in the folder that look like pieces but are not listed, or a small cover: the build goes on, and says so.
    warnings: list[PublishWarning] = field(default_factory=list)
    cover: Path | None = None

    @property
    def config_path(self) -> Path:
        return self.root / "book.toml"


def load_manuscript(root: Path, memo: Remembering | None = None, theme: ThemeSettings | None = None) -> Manuscript:
    """Read book.toml and every piece it lists, in order (with a ``memo``, front matter read before is not parsed
    again); ``theme`` may set book.toml keys for its edition."""
    config = load_book_config(root / "book.toml", theme)
    if not config.pieces:
        raise PublishError(
            "the book has no pieces yet: start one with 'publish new TITLE', or list files in 'pieces'",
            root / "book.toml",
            line_of_key(read_utf8(root / "book.toml"), "pieces"),
        )
    pieces = [read_piece(root / name, root / "book.toml", memo) for name in config.pieces]
    _check_unique(pieces, root / "book.toml")
    cover, small_cover = read_cover(root, config)
    return Manuscript(root, config, pieces, _unlisted(root, pieces) + small_cover, cover)


def _unlisted(root: Path, pieces: list[Piece]) -> list[PublishWarning]:
    """A warning for each file beside book.toml that a reader would take as a piece but book.toml does not list."""
    listed = {piece.path.resolve() for piece in pieces}
    return [
        PublishWarning(
            f"{path.name} is not listed in book.toml, so it is not in the book: "
            "list it in 'pieces' (or start a new piece with 'publish new TITLE')",
            path,
        )
        for path in sorted(root.iterdir())
        if reader_for(path) and path.is_file() and path.resolve() not in listed and not path.name.startswith(HIDDEN)
    ]


def read_piece(path: Path, listed_in: Path, memo: Remembering | None = None) -> Piece:
    """Read one piece: front matter, spoiler tag line, body."""
    reader = reader_for(path)
    if reader is None:
        raise PublishError(f"'{path.name}' is not a piece: use {kinds_accepted()}", listed_in)
    if not path.is_file():
        twins = [p.name for p in path.parent.glob("*") if p.name.lower() == path.name.lower() and p.is_file()]
        hint = f": did you mean '{twins[0]}'? (names differ in capitals)" if twins else ""
        raise PublishError(
            f"piece '{path.name}' is listed but does not exist{hint}", listed_in, _listed_line(path.name, listed_in)
        )
    if not path.resolve().is_relative_to(listed_in.parent.resolve()):
        raise PublishError(
            f"piece '{path.name}' lies outside the manuscript folder (a link to {path.resolve()})",
            listed_in,
            _listed_line(path.name, listed_in),
        )
    size = path.stat().st_size
    if size > MAX_PIECE_BYTES and not reader.bounds_size:
        raise PublishError(
            f"the piece is {size / 1_000_000:.1f} MB; a piece may be at most {MAX_PIECE_BYTES // 1_000_000} MB"
            " (about 150,000 words): split it into several pieces",
            path,
        )
    text = reader.read_text(path)
    data, body, body_line = parse_front_matter(text, path, memo)
    contains_spoilers = False
    lines = body.splitlines(keepends=True)
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and SPOILER_TAG.match(lines[first]):
        contains_spoilers = True
        body = "".join(lines[first + 1 :])
        body_line += first + 1
    if not body.strip():
        raise PublishError("the piece is empty: write something after the front matter", path)
    meta = piece_meta(data, path, text, contains_spoilers)
    warnings = text.warnings if isinstance(text, PieceText) else ()
    return Piece(slugify(path.stem), path, reader.format, meta, body, body_line, warnings, reader.by_line)


def _check_unique(pieces: list[Piece], listed_in: Path) -> None:
    seen_ids: dict[str, Piece] = {}
    seen_titles: dict[str, Piece] = {}
    for piece in pieces:
        if piece.id in RESERVED_IDS:
            raise PublishError(
                f"'{piece.path.name}' would have the id '{piece.id}', which the book uses for its own pages: rename it",
                listed_in,
                _listed_line(piece.path.name, listed_in),
            )
        if piece.id in seen_ids:
            raise PublishError(
                f"'{seen_ids[piece.id].path.name}' and '{piece.path.name}' would have the same id"
                f" '{piece.id}': rename one",
                listed_in,
                _listed_line(piece.path.name, listed_in),
            )
        title = piece.meta.title.strip().casefold()
        if title in seen_titles:
            raise PublishError(
                f"two pieces have the title {piece.meta.title!r}"
                f" ({seen_titles[title].path.name} and {piece.path.name})",
                piece.path,
                _front_matter_line(piece.path, "title") if piece.by_line else None,
            )
        seen_ids[piece.id] = piece
        seen_titles[title] = piece


def _listed_line(name: str, listed_in: Path) -> int | None:
    for number, line in enumerate(listed_in.read_text(encoding="utf-8").splitlines(), start=1):
        if f'"{name}"' in line or f"'{name}'" in line:
            return number
    return None


def _front_matter_line(path: Path, key: str) -> int | None:
    return line_of_key(path.read_text(encoding="utf-8"), key)


def add_piece(root: Path, title: str, kind: str, author: str, today: dt.date) -> Path:
    """Scaffold a Markdown piece with front matter and list it last in book.toml."""
    config_path = root / "book.toml"
    load_book_config(config_path)
    check_kind(kind, None)
    path = root / f"{slugify(title)}.md"
    if path.exists():
        raise PublishError("a piece with this name already exists: choose another title", path)
    import yaml  # slow to import for a rebuild that does not need it; only this command writes YAML

    front_matter = yaml.safe_dump(
        {
            "title": title,
            "author": author,
            **({"kind": kind} if kind else {}),
            "date": today,
            "summary": "",
            "spoilers": [],
        },
        sort_keys=False,
        allow_unicode=True,
    )
    path.write_text(f"---\n{front_matter}---\n\nWrite your {kind or 'piece'} here.\n", encoding="utf-8")
    import tomlkit  # keeps book.toml's comments and layout; only this command writes it

    document = tomlkit.parse(read_utf8(config_path))
    document["pieces"].append(path.name)
    config_path.write_text(tomlkit.dumps(document), encoding="utf-8")
    return path
