"""WeasyPrint's libraries found from one read of the linker's cache, as the standard search finds them."""

from __future__ import annotations

import subprocess
import sys

import pytest

from publish.outputs import system_libraries

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the linker's cache is read on Linux only")


def standard_search(name: str) -> str | None:
    import ctypes.util

    return ctypes.util.find_library(name)


def test_a_listed_library_is_found_by_its_soname_as_the_standard_search_finds_it():
    for name in ("pango-1.0", "harfbuzz", "fontconfig"):
        assert system_libraries._find_library(name, standard=standard_search) == standard_search(name) is not None


def test_a_name_the_cache_does_not_list_is_not_searched_for_with_gcc_and_ld(monkeypatch):
    searched: list[str] = []
    monkeypatch.delenv("LD_LIBRARY_PATH", raising=False)
    monkeypatch.delenv("LIBRARY_PATH", raising=False)
    assert system_libraries._find_library("libpango-1.0-0", standard=searched.append) is None
    assert searched == []


def test_with_library_paths_set_an_unlisted_name_is_searched_for_as_the_standard_search_does(monkeypatch):
    monkeypatch.setenv("LD_LIBRARY_PATH", "/opt/elsewhere/lib")
    assert system_libraries._find_library("not-in-the-cache", standard=lambda name: f"found {name}") == (
        "found not-in-the-cache"
    )


PROBE = """
import ctypes.util, subprocess
standard = ctypes.util.find_library
runs = []
real = subprocess.Popen.__init__
def recording(self, args, *rest, **options):
    runs.append(args[0] if isinstance(args, (list, tuple)) else args)
    real(self, args, *rest, **options)
subprocess.Popen.__init__ = recording
from publish.outputs.print_edition import load_layout_modules
load_layout_modules()
print(sorted(set(runs)), ctypes.util.find_library is standard)
"""


def test_weasyprint_loads_its_libraries_asking_gcc_nothing_and_leaves_the_standard_search_in_place():
    """The point of it: no gcc or ld run while WeasyPrint loads Pango and HarfBuzz, in a fresh process."""
    ran = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, env={"PATH": "/usr/bin:/bin"}
    )
    assert ran.stdout.strip() == "['/sbin/ldconfig'] True"
