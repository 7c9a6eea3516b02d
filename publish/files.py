"""Writing outputs so that a failed, interrupted or concurrent build never destroys the last good one."""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .signals import signals_held


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path``, then rename it into place."""
    write_all_atomically({path: data})


def write_all_atomically(outputs: dict[Path, bytes]) -> None:
    """Replace several files as one step, as near as a file system allows.

    Every file is written in full to a temporary name first; only then are
    they renamed into place, so an error or Ctrl-C while writing leaves the
    old set whole. A lock on each folder keeps two builds into the same
    folder from interleaving their renames.
    """
    folders = sorted({path.parent for path in outputs})
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
    temporaries: dict[Path, Path] = {}
    try:
        for path, data in outputs.items():
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            temporaries[path] = Path(temporary)
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temporary, 0o644)
        with _locked(folders), signals_held():
            while temporaries:
                path, temporary = temporaries.popitem()
                os.replace(temporary, path)
    finally:
        for temporary in temporaries.values():
            temporary.unlink(missing_ok=True)


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
