"""WeasyPrint's system libraries (Pango, HarfBuzz, fontconfig…) found in one read of the linker's cache.

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

_SEARCH_PATHS = ("LD_LIBRARY_PATH", "LIBRARY_PATH")
_STANDARD_SEARCH = ctypes.util.find_library


def find_libraries_in_linker_cache() -> None:
    """Answer this process's ``find_library`` from the linker's cache (on Linux, and once only)."""
    if sys.platform != "linux" or ctypes.util.find_library is _find_library:
        return
    ctypes.util.find_library = _find_library


def _find_library(name: str) -> str | None:
    listing = _linker_cache()
    if listing is not None:
        found = re.search(rf"^\s+(lib{re.escape(name)}\.\S+) \(", listing, re.M)
        if found:
            return found.group(1)
        if not any(os.environ.get(variable) for variable in _SEARCH_PATHS):
            return None
    return _STANDARD_SEARCH(name)


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
