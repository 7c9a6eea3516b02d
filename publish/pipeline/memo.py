"""Work remembered by content under build/.cache/store, so that a rebuild redoes only what an edit changed.

Each entry is keyed by a digest of everything its value depends on (the
tool's own source among them), so an entry is either right or never asked
for again. New entries are written only when the build succeeds (a failed
build leaves build/ as it was); entries no build has used for a day are
removed (looked for once an hour).

An entry is sealed: it opens with a keyed digest (HMAC-SHA256) of its key
and its content, made with a secret kept in the user's own cache folder. An
entry that is damaged (cut short by a crash or a full disk, altered), moved
to another key, or written by anyone without the secret fails the check and
is a miss: made again, never used. Compiled templates are code, so an
entry is trusted only as far as this seal.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path

STORE = Path(".cache") / "store"
KEEP_UNUSED_SECONDS = 24 * 3600
# Looking at every entry's age costs a stat each, which adds up in a long book: done once an hour.
SWEEP_EVERY_SECONDS = 3600
SWEPT = ".swept"
SEAL_SIZE = 64  # the hex digest, then a newline
SECRET_SIZE = 32


@cache
def _secret() -> bytes:
    """This user's key for sealing entries, made once and kept readable by the user alone.

    Where there is no such folder to keep it in, a key for this process only:
    nothing stored before can be trusted, so nothing is used.
    """
    folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "booklet-press"
    path = folder / "store-key"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        try:
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(handle, "wb") as out:
                out.write(secrets.token_bytes(SECRET_SIZE))
        key = path.read_bytes()
    except OSError:
        key = b""
    return key if len(key) == SECRET_SIZE else secrets.token_bytes(SECRET_SIZE)


def seal(key: str, data: bytes) -> bytes:
    return _digest(key, data) + b"\n" + data


def unseal(key: str, sealed: bytes) -> bytes | None:
    """The content of a sealed entry, or None if its seal does not match its key and content."""
    data = sealed[SEAL_SIZE + 1 :]
    if sealed[SEAL_SIZE : SEAL_SIZE + 1] != b"\n" or not hmac.compare_digest(sealed[:SEAL_SIZE], _digest(key, data)):
        return None
    return data


def _digest(key: str, data: bytes) -> bytes:
    return hmac.new(_secret(), key.encode() + b"\0" + data, hashlib.sha256).hexdigest().encode()


class Memo:
    """A folder of values by key; ``missed`` lists the labels of what had to be made afresh, in order, and
    ``damaged`` those of entries that were there but failed their seal. A memo that is not ``used`` reads
    nothing (``publish build --fresh``), but stores what it makes."""

    def __init__(self, folder: Path, salt: str, used: bool = True):
        self.folder = folder
        self.salt = salt
        self.used = used
        self.missed: list[str] = []
        self.damaged: list[str] = []
        self.new: dict[str, bytes] = {}

    def __getstate__(self) -> dict:
        """What the print edition's process needs to read the store: not this build's new entries (megabytes of
        pieces it never asks for), nor its tallies."""
        return {**self.__dict__, "missed": [], "damaged": [], "new": {}}

    def is_empty(self) -> bool:
        """Whether no build has stored anything yet (the first build, or one after build/.cache was removed)."""
        return not self.used or not self.folder.is_dir()

    def key(self, *parts: str) -> str:
        digest = hashlib.sha256(self.salt.encode())
        for part in parts:
            digest.update(b"\0" + part.encode("utf-8", "surrogatepass"))
        return digest.hexdigest()

    def remember(self, key: str, label: str, make: Callable[[], bytes]) -> bytes:
        """The value stored under ``key``, or ``make()``'s, stored for next time."""
        data = self.get(key, label)
        if data is None:
            data = make()
            self.put(key, data)
        return data

    def get(self, key: str, label: str) -> bytes | None:
        if key in self.new:
            return self.new[key]
        path = self._path(key)
        try:
            if not self.used:
                raise FileNotFoundError(path)
            data = unseal(key, path.read_bytes())
            if data is None:
                self.damaged.append(label)
            else:
                os.utime(path)
        except OSError:
            data = None
        if data is None:
            self.missed.append(label)
        return data

    def put(self, key: str, data: bytes) -> None:
        self.new[key] = data

    def save(self) -> None:
        """Write the new entries, and (once an hour) remove those unused for a day: a store of every draft would
        only grow.

        A cache that cannot be written only makes the next build slower. An
        entry is not forced to the disk before it is renamed into place: one
        a crash leaves short fails its seal and is made again, so waiting for
        the disk (a fresh build of a long book writes hundreds) buys nothing.
        """
        for key, data in self.new.items():
            path = self._path(key)
            temporary = path.with_name(f".{path.name}.{os.getpid()}")
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                temporary.write_bytes(seal(key, data))
                os.replace(temporary, path)
            except OSError:
                temporary.unlink(missing_ok=True)
        swept = self.folder / SWEPT
        now = time.time()
        try:
            if swept.stat().st_mtime > now - SWEEP_EVERY_SECONDS:
                return
        except OSError:
            pass
        for path in self.folder.glob("*/*"):
            try:
                if path.stat().st_mtime < now - KEEP_UNUSED_SECONDS:
                    path.unlink()
            except OSError:
                continue
        with contextlib.suppress(OSError):
            swept.touch()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / key
