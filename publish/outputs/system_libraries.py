"""WeasyPrint imported with its system libraries (Pango, HarfBuzz, fontconfig…) found in one read of the linker's
cache.

WeasyPrint tries up to six names for each of its seven libraries, and cffi
asks ``ctypes.util.find_library`` about every name that is not a file name.
On Linux that runs ldconfig, then gcc and ld for a name ldconfig does not
list: each process that lays a book out spent about 0.4 s on it. Here the
linker's cache is read once, and a name it does not list is looked for with
gcc and ld only where library paths are set (libraries only they would
find); otherwise WeasyPrint goes on to its next name, a file name that the
dynamic loader finds as it finds any library.
"""

from __future__ import annotations

import ctypes.util
import functools
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_SEARCH_PATHS = ("LD_LIBRARY_PATH", "LIBRARY_PATH")


def import_weasyprint() -> None:
    """Import WeasyPrint, if this process has not: the processes that lay a book out call this before the modules
    that use it."""
    if "weasyprint" in sys.modules:
        return
    with _found_in_linker_cache():
        import weasyprint  # noqa: F401
    _linker_cache.cache_clear()


@contextmanager
def _found_in_linker_cache() -> Iterator[None]:
    """``find_library`` answered from the linker's cache while in the block (on Linux)."""
    if sys.platform != "linux":
        yield
        return
    standard = ctypes.util.find_library
    ctypes.util.find_library = functools.partial(_find_library, standard=standard)
    try:
        yield
    finally:
        ctypes.util.find_library = standard


def _find_library(name: str, standard: Callable[[str], str | None]) -> str | None:
    listing = _linker_cache()
    if listing is not None:
        found = re.search(rf"^\s+(lib{re.escape(name)}\.\S+) \(", listing, re.M)
        if found:
            return found.group(1)
        if not any(os.environ.get(variable) for variable in _SEARCH_PATHS):
            return None
    return standard(name)


@functools.cache
def _linker_cache() -> str | None:
    """``ldconfig -p``: every library the linker's cache lists, by soname; None where it cannot be read."""
    try:
        listed = subprocess.run(
            ["/sbin/ldconfig", "-p"], capture_output=True, text=True, env={"LC_ALL": "C", "LANG": "C"}, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return listed.stdout
