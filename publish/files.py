"""Writing outputs so that a failed, interrupted or concurrent build never destroys the last good one."""

from __future__ import annotations

import fcntl
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .signals import InterruptedAfterWriting, signals_held

TEMPORARY_SUFFIX = ".tmp"
# What mkstemp names a temporary here: ".<output name>.<8 random letters, digits or _>.tmp".
LEFTOVER = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path``, then rename it into place."""
    write_all_atomically({path: data})


def write_all_atomically(outputs: dict[Path, bytes]) -> None:
    """Replace several files as one step, as near as a file system allows.

    Every file is written in full to a temporary name first; only then are
    they renamed into place, so an error or Ctrl-C while writing leaves the
    old set whole. A lock on each folder keeps two builds into the same
    folder from interleaving their renames, and lets the temporaries a
    killed build left behind be recognised and removed.
    """
    folders = sorted({path.parent for path in outputs})
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
    temporaries: dict[Path, Path] = {}
    # Locked while the temporaries exist, so that any temporary found under the lock was left by a build
    # that was killed: it is removed, and a build writing at the same time never loses its own.
    with _locked(folders):
        for folder in folders:
            _remove_leftovers(folder)
        try:
            for path, data in outputs.items():
                handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMPORARY_SUFFIX)
                temporaries[path] = Path(temporary)
                with os.fdopen(handle, "wb") as out:
                    out.write(data)
                    out.flush()
                    os.fsync(out.fileno())
                os.chmod(temporary, 0o644)
            try:
                with signals_held():
                    while temporaries:
                        path, temporary = temporaries.popitem()
                        os.replace(temporary, path)
            except KeyboardInterrupt:  # held during the renames, delivered once they were all done
                raise InterruptedAfterWriting from None
        finally:
            for temporary in temporaries.values():
                temporary.unlink(missing_ok=True)


def _remove_leftovers(folder: Path) -> None:
    for path in folder.iterdir():
        if LEFTOVER.match(path.name) and path.is_file():
            path.unlink(missing_ok=True)


@contextmanager
def _locked(folders: list[Path]) -> Iterator[None]:
    """Hold an exclusive lock on each folder (in sorted order, so two builds cannot deadlock)."""
    handles = []
    try:
        for folder in folders:
            handle = os.open(folder, os.O_RDONLY)
            handles.append(handle)
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        for handle in handles:
            os.close(handle)
