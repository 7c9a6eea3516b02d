"""Work remembered by content under build/.cache/store, so that a rebuild redoes only what an edit changed.

Each entry is keyed by a digest of everything its value depends on (the
tool's own source among them), so an entry is either right or never asked
for again. New entries are written only when the build succeeds (a failed
build leaves build/ as it was); entries no build has used for a day are
removed (looked for once an hour).
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from pathlib import Path

STORE = Path(".cache") / "store"
KEEP_UNUSED_SECONDS = 24 * 3600
# Looking at every entry's age costs a stat each (a tenth of a second at 300 pieces): done once an hour.
SWEEP_EVERY_SECONDS = 3600
SWEPT = ".swept"


class Memo:
    """A folder of values by key; ``missed`` lists the labels of what had to be made afresh, in order."""

    def __init__(self, folder: Path, salt: str):
        self.folder = folder
        self.salt = salt
        self.missed: list[str] = []
        self.new: dict[str, bytes] = {}

    def is_empty(self) -> bool:
        """Whether no build has stored anything yet (the first build, or one after build/.cache was removed)."""
        return not self.folder.is_dir()

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
            data = path.read_bytes()
            os.utime(path)
        except OSError:
            self.missed.append(label)
            return None
        return data

    def put(self, key: str, data: bytes) -> None:
        self.new[key] = data

    def save(self) -> None:
        """Write the new entries, and (once an hour) remove those unused for a day: a store of every draft would only grow.

        A cache that cannot be written only makes the next build slower.
        """
        for key, data in self.new.items():
            path = self._path(key)
            temporary = path.with_name(f".{path.name}.{os.getpid()}")
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                temporary.write_bytes(data)
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
        try:
            swept.touch()
        except OSError:
            pass

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / key
