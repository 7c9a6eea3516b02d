"""Writing outputs so that a failed, interrupted or concurrent build never destroys the last good one."""

from __future__ import annotations

import errno
import fcntl
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from publish.errors import PublishError
from publish.pipeline.signals import InterruptedAfterWriting, signals_held, stop_if_interrupted

TEMPORARY_SUFFIX = ".tmp"
# What mkstemp names a temporary here: ".<output name>.<8 random letters, digits or _>.tmp".
LEFTOVER = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")
# Room asked of the output folder beyond the last build's files: a build's outputs grow with each edit.
FREE_SPACE_MARGIN = 1.25
FREE_SPACE_MINIMUM = 1024 * 1024
# What a failed write means for the writer, by errno; anything else is said as the system says it.
WRITE_FAILURES = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EROFS: "it is on a read-only file system",
    errno.EACCES: "it may not be written (permission denied)",
    errno.EPERM: "it may not be written (operation not permitted)",
}


def check_output_folder(folder: Path, expected_bytes: int) -> None:
    """Fail at once, before any layout, if ``folder`` cannot take the build's outputs.

    A folder is tried by making a temporary folder in it and removing it
    again (in the nearest folder that exists, if ``folder`` does not yet: a
    build that fails leaves no empty folder behind): that answers for
    permissions, read-only mounts and root alike. The free space must hold
    the outputs again, as the new files are written beside the old ones
    before they replace them.
    """
    needed = max(int(expected_bytes * FREE_SPACE_MARGIN), FREE_SPACE_MINIMUM)
    existing = next(path for path in (folder.absolute(), *folder.absolute().parents) if path.exists())
    with _failing_writes(folder):
        os.rmdir(tempfile.mkdtemp(dir=existing, prefix=".write-check."))
        free = shutil.disk_usage(existing).free
    if free < needed:
        raise PublishError(
            f"cannot write the book here: {_megabytes(free)} free, and the build needs about {_megabytes(needed)} "
            "(free some space, or build elsewhere with --out)",
            folder,
        )


@contextmanager
def _failing_writes(folder: Path) -> Iterator[None]:
    """An OSError while writing into ``folder`` as one line naming it (the callers remove their own temporaries)."""
    try:
        yield
    except OSError as error:
        reason = WRITE_FAILURES.get(error.errno or 0, error.strerror or str(error))
        raise PublishError(f"cannot write the book here: {reason}", folder) from None


def _megabytes(count: int) -> str:
    return f"{count / (1024 * 1024):.1f} MB"


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
    stop_if_interrupted()
    folders = sorted({path.parent for path in outputs})
    for folder in folders:
        with _failing_writes(folder):
            folder.mkdir(parents=True, exist_ok=True)
    temporaries: dict[Path, Path] = {}
    # Locked while the temporaries exist, so that any temporary found under the lock was left by a build
    # that was killed: it is removed, and a build writing at the same time never loses its own.
    with _locked(folders):
        for folder in folders:
            _remove_leftovers(folder)
        try:
            for path, data in outputs.items():
                with _failing_writes(path.parent):
                    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMPORARY_SUFFIX)
                    temporaries[path] = Path(name)
                    with os.fdopen(handle, "wb") as out:
                        out.write(data)
                        out.flush()
                        os.fsync(out.fileno())
                    os.chmod(name, 0o644)
            try:
                with signals_held():
                    while temporaries:
                        path, temporary = temporaries.popitem()
                        with _failing_writes(path.parent):
                            os.replace(temporary, path)
            except KeyboardInterrupt:  # held during the renames, delivered once they were all done
                raise InterruptedAfterWriting from None
        finally:
            for temporary in temporaries.values():
                temporary.unlink(missing_ok=True)


def remove_others(folder: Path, kept: set[Path]) -> None:
    """Remove from ``folder`` (one a build writes whole, the web edition's, or a folder in it) the files a build
    before this one wrote and this one did not: a page whose piece is gone."""
    for path in folder.iterdir():
        if path.is_file() and path not in kept and not LEFTOVER.match(path.name):
            path.unlink(missing_ok=True)


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
