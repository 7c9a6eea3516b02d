"""Where the pictures inside Word pieces are kept while a book is built: files named by their content.

A picture in a .docx lives inside the zip, but the pipeline reads every
image from a file, through the resource policy (resources.py), for the page
and the e-book alike. Each picture is written once to a folder in the user's
cache, under its own SHA-256: the piece's text names it there, so a picture
that changes changes the text, and the store (keyed by that text) redoes the
piece. Nothing is written into the manuscript's folder.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def images_folder() -> Path:
    """The folder pictures taken out of Word pieces are kept in (beside the store's key, in the user's cache)."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "booklet-press" / "word-images"


def is_word_image(path: Path) -> bool:
    """Whether ``path`` (resolved) is a picture this module kept: the resource policy lets a build read those."""
    return path.is_relative_to(images_folder().resolve())


def keep_image(data: bytes, name: str) -> Path:
    """A file holding ``data``, named ``name`` in a folder named by its digest; written once, atomically.

    Raises OSError when the cache cannot be written.
    """
    path = images_folder().resolve() / hashlib.sha256(data).hexdigest()[:32] / name
    if path.is_file() and path.read_bytes() == data:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{name}.{os.getpid()}")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path
