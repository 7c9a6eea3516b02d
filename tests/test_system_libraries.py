"""WeasyPrint's libraries found from one read of the linker's cache, as the standard search finds them."""

from __future__ import annotations

import ctypes.util
import subprocess
import sys

import pytest

from publish.outputs import system_libraries

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the linker's cache is read on Linux only")


def test_installed_on_linux_by_the_outputs_package():
    assert ctypes.util.find_library is system_libraries._find_library


def test_a_listed_library_is_found_by_its_soname_as_the_standard_search_finds_it():
    for name in ("pango-1.0", "harfbuzz", "fontconfig"):
        assert system_libraries._find_library(name) == system_libraries._STANDARD_SEARCH(name) is not None


def test_a_name_the_cache_does_not_list_is_not_searched_for_with_gcc_and_ld(monkeypatch):
    searched = []
    monkeypatch.delenv("LD_LIBRARY_PATH", raising=False)
    monkeypatch.delenv("LIBRARY_PATH", raising=False)
    monkeypatch.setattr(system_libraries, "_STANDARD_SEARCH", searched.append)
    assert system_libraries._find_library("libpango-1.0-0") is None
    assert searched == []


def test_with_library_paths_set_an_unlisted_name_is_searched_for_as_the_standard_search_does(monkeypatch):
    monkeypatch.setenv("LD_LIBRARY_PATH", "/opt/elsewhere/lib")
    monkeypatch.setattr(system_libraries, "_STANDARD_SEARCH", lambda name: f"found {name}")
    assert system_libraries._find_library("not-in-the-cache") == "found not-in-the-cache"


def test_weasyprint_imports_in_a_fresh_process_and_asks_gcc_nothing():
    """The point of it: no gcc or ld run while WeasyPrint loads Pango and HarfBuzz."""
    probe = (
        "import subprocess\n"
        "runs = []\n"
        "real = subprocess.Popen.__init__\n"
        "def recording(self, args, *rest, **options):\n"
        "    runs.append(args[0] if isinstance(args, (list, tuple)) else args)\n"
        "    real(self, args, *rest, **options)\n"
        "subprocess.Popen.__init__ = recording\n"
        "import publish.outputs.pdf, weasyprint\n"
        "print(sorted(set(runs)))\n"
    )
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp"}
    ran = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env)
    assert ran.stdout.strip() == "['/sbin/ldconfig']"
