"""What a build may read: files inside the manuscript and theme folders, and
the network only when the editor allows it.

Pieces come from contributors the editor does not vet line by line, so every
file or URL a piece, a template or a style sheet refers to is checked here,
both when the pieces are rendered (to name the piece and line) and again in
WeasyPrint's fetcher (so nothing slips through a style sheet or raw HTML).
Images are held to the book's image limits the same way (images.py), and
WeasyPrint and the EPUB get them fitted to their medium.
"""

from __future__ import annotations

import hashlib
import mimetypes
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO
from urllib.parse import unquote, urlparse

from publish.read.images import RASTER_TYPES, ImageLimits, ImageRefused, fitted, sniff_image
from publish.read.word_images import is_word_image
from publish.targets import Target

if TYPE_CHECKING:
    from publish.read.remembering import Remembering

REMOTE_SCHEMES = ("http", "https")
REMOTE_TIMEOUT = 10  # seconds for one remote file
REMOTE_MAX_BYTES = 20 * 1024 * 1024


class RefusedResource(Exception):
    """A reference the build will not follow; the message says why."""


@dataclass(frozen=True)
class Resource:
    url: str
    data: bytes
    media_type: str


@dataclass
class ResourcePolicy:
    """The folders a build may read from, and whether it may use the network.

    Remote files are read once, with a timeout and a size cap, and kept for
    the rest of the build (the PDF and the EPUB need the same image). Images
    are held to ``limits``; with a ``store``, each check and fitting is
    remembered by the image's content, and ``new_entries`` keeps what this
    policy's process made for the store (the print edition's process hands
    it back): with what it has left to make ``later``, ``entries_made()``.
    """

    roots: tuple[Path, ...]
    allow_remote: bool = False
    timeout: float = REMOTE_TIMEOUT
    max_bytes: int = REMOTE_MAX_BYTES
    limits: ImageLimits = field(default_factory=ImageLimits)
    store: Remembering | None = field(default=None, repr=False, compare=False)
    new_entries: dict[str, bytes] = field(default_factory=dict, repr=False, compare=False)
    # Makers of entries for the store not made yet: the print edition's process makes them once its PDF is sent.
    later: list[Callable[[], dict[str, bytes]]] = field(default_factory=list, repr=False, compare=False)
    _fetched: dict[str, Resource] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.roots = tuple(root.resolve() for root in self.roots)

    def is_remote(self, url: str) -> bool:
        return urlparse(url).scheme.lower() in REMOTE_SCHEMES

    def local_path(self, reference: str, base: Path) -> Path:
        """The existing file a relative reference or ``file:`` URL names, if it lies inside the allowed folders
        (or is a picture taken out of a Word piece, word_images.py).

        Symbolic links are followed before the check, so a link that points
        outside is refused like the path it points to. A hard link cannot be
        told from the file it shares, so files with more than one link are
        refused too.
        """
        parsed = urlparse(reference)
        scheme = parsed.scheme.lower()
        if scheme == "file":
            path = Path(unquote(parsed.path))
        elif scheme in REMOTE_SCHEMES:
            raise RefusedResource(
                f"{reference!r} is on the network: keep the file beside the piece, or build with --allow-remote"
            )
        elif scheme:
            raise RefusedResource(f"{reference!r} is a {scheme}: address, which a book cannot load")
        else:
            if Path(unquote(parsed.path)).is_absolute():
                raise RefusedResource(f"{reference!r} is an absolute path: keep the file beside the piece")
            path = base / unquote(parsed.path)
        try:
            resolved = path.resolve()
            exists = resolved.is_file()
            links = resolved.stat().st_nlink if exists else 1
        except (OSError, ValueError, RuntimeError) as error:
            raise RefusedResource(f"{reference!r} cannot be read ({_reason(error)})") from None
        if not any(resolved.is_relative_to(root) for root in self.roots) and not is_word_image(resolved):
            raise RefusedResource(f"{reference!r} lies outside the manuscript and styles folders")
        if not exists:
            raise RefusedResource(f"{reference!r} does not exist")
        if links > 1:
            raise RefusedResource(
                f"{reference!r} is a hard link, which may share a file from outside the book: copy the file instead"
            )
        return resolved

    def read(self, reference: str, base: Path) -> Resource:
        """The bytes and media type of a local file or (if allowed) a remote one."""
        if self.is_remote(reference) and self.allow_remote:
            if reference not in self._fetched:
                self._fetched[reference] = self._download(reference)
            return self._fetched[reference]
        path = self.local_path(reference, base)
        return Resource(
            path.as_uri(), path.read_bytes(), mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        )

    def image(self, data: bytes, name: str, target: Target | None = None) -> bytes:
        """``data``, checked if it is a raster image (PNG, JPEG, GIF, WebP), and fitted to ``target``
        when given; anything else passes as it is. An image refused raises RefusedResource.

        What the store remembers is keyed by the image's digest, the limits
        and the target: empty for an image that passes as it is.
        """
        if sniff_image(data) not in RASTER_TYPES:
            return data
        box = self.limits.box(target) if target else None

        def fit() -> bytes:
            try:
                return fitted(data, name, self.limits, box) or b""
            except ImageRefused as refusal:
                raise RefusedResource(str(refusal)) from None

        label = f"image:{target or 'check'}:{name.rsplit('/', 1)[-1]}"
        result = self.remembered(("image", hashlib.sha256(data).hexdigest(), repr(self.limits), repr(box)), label, fit)
        return result or data

    def remembered(self, parts: tuple[str, ...], label: str, make: Callable[[], bytes]) -> bytes:
        """``make()``'s bytes, or what the store has of a ``make`` from the same ``parts``; what is made is kept in
        ``new_entries`` too (this may be the print edition's process, which hands it back to be stored)."""
        if self.store is None:
            return make()
        key = self.store.key(*parts)
        return self.store.remember(key, label, lambda: self.new_entries.setdefault(key, make()))

    def entries_made(self) -> dict[str, bytes]:
        """Every entry this policy's process made for the store: ``new_entries``, and what ``later`` makes now."""
        while self.later:
            self.new_entries.update(self.later.pop(0)())
        return self.new_entries

    def _download(self, url: str) -> Resource:
        import urllib.request  # with http.client and ssl: loaded only by a build that fetches a remote image

        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as response:
                media_type = response.headers.get_content_type()
                data = self._read_capped(url, response)
        except (OSError, ValueError) as error:  # URLError is an OSError
            raise RefusedResource(f"{url!r} could not be fetched ({_reason(error)})") from None
        return Resource(url, data, media_type)

    def _read_capped(self, url: str, response: BinaryIO) -> bytes:
        """Read at most ``max_bytes``, within ``timeout`` in all (a server may drip bytes)."""
        deadline = time.monotonic() + self.timeout
        chunks: list[bytes] = []
        size = 0
        while chunk := response.read(64 * 1024):
            size += len(chunk)
            if size > self.max_bytes:
                raise RefusedResource(f"{url!r} is larger than the limit of {_size(self.max_bytes)}")
            if time.monotonic() > deadline:
                raise RefusedResource(f"{url!r} took longer than {self.timeout:g} s")
            chunks.append(chunk)
        return b"".join(chunks)


def _reason(error: Exception) -> str:
    reason = getattr(error, "reason", None) or error
    return str(reason)


def _size(count: int) -> str:
    return f"{count / (1024 * 1024):g} MB" if count >= 1024 * 1024 else f"{count:,} bytes"
