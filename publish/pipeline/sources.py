"""What a build is made from, and the moment it dates itself by. Standard library only (and the colophon's plain
data).

The fingerprint of a build — its inputs, its request and the tool itself —
keys the record of the last build, so that ``publish build`` can tell
nothing changed without importing the pipeline.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from publish.render.colophon import TOOLS, BuildStamp, Tool

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

from publish.read.default_theme import DEFAULT_THEME, theme_layers

PACKAGE = Path(__file__).resolve().parent.parent
# The default theme's locales, where every theme's missing words come from (see read/wording.py).
FALLBACK_LOCALES = DEFAULT_THEME / "locales"
# This tool and the libraries whose versions change what it makes.
LIBRARIES = (
    "booklet-press",
    "markdown",
    "nh3",
    "lxml",
    "jinja2",
    "ebooklib",
    "weasyprint",
    "pydyf",
    "fonttools",
    "uharfbuzz",
    "pypdfium2",
    "pillow",
    "pyyaml",
    "python-slugify",
    "mammoth",
)
SKIPPED = {"__pycache__", ".git"}


def build_moment(manuscript_root: Path) -> dt.datetime:
    """When the book says it was built, the same for every build of the same manuscript.

    SOURCE_DATE_EPOCH if set; else the time of the manuscript's last commit;
    else the time of its newest file (not a link's target, which may lie outside). Dates and ids in the outputs derive
    from this, so two builds of one manuscript are byte for byte the same.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH") or _last_commit_time(manuscript_root)
    if epoch is None:
        newest = max(
            int(path.lstat().st_mtime)
            for path in manuscript_root.rglob("*")
            if path.is_file() and not path.is_symlink()
        )
        return dt.datetime.fromtimestamp(newest, dt.UTC)
    return dt.datetime.fromtimestamp(int(epoch), dt.UTC)


def build_stamp(moment: dt.datetime) -> BuildStamp:
    """What the colophon says of a build dated ``moment``: that day, and the tools that made it with their versions."""
    return BuildStamp(moment.date(), tuple(Tool(name, library_version(package)) for package, name in TOOLS))


def _last_commit_time(folder: Path) -> str | None:
    try:
        result = subprocess.run(
            ["git", "log", "-1", "--format=%ct", "--", "."], cwd=folder, capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout.strip() if result.returncode == 0 and result.stdout.strip() else None


@functools.cache
def library_version(package: str) -> str:
    """A package's version, read once: it is what this process has loaded, whatever is installed later.

    Read from the name of its ``{name}-{version}.dist-info`` folder, the form
    installers must give it: importing importlib.metadata (and the email
    package it parses with) is a large share of a small rebuild
    (benchmarks/NOTES.md). A package
    installed otherwise (an ``.egg-info``) is asked of importlib.metadata.
    """
    found = _dist_info_versions().get(_normalized(package))
    if found is None:
        from importlib.metadata import version

        found = version(package)
    return found


@functools.cache
def _dist_info_versions() -> dict[str, str]:
    """Installed versions by normalized name; the first on sys.path wins, as it does for imports."""
    versions: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info"):
                project, _, version = name.removesuffix(".dist-info").partition("-")
                versions.setdefault(_normalized(project), version)
    return versions


def _normalized(project: str) -> str:
    """A project's name as dist-info folders write it (PEP 503's normalization, with underscores)."""
    return re.sub(r"[-_.]+", "_", project).lower()


def fingerprint(manuscript_dir: Path, theme_dir: Path, out_dir: Path, request: DataclassInstance) -> str:
    """A digest of everything a build's outputs depend on.

    File contents, not times: touching a file without changing it keeps the
    fingerprint. The tool counts as an input too: its version, its own
    source (an editable install changes without a new version) and the
    libraries that shape its outputs. The moment counts when it comes from
    SOURCE_DATE_EPOCH or git.
    """
    digest = hashlib.sha256()
    digest.update(json.dumps(dataclasses.asdict(request), sort_keys=True, default=str).encode())
    digest.update((os.environ.get("SOURCE_DATE_EPOCH") or _last_commit_time(manuscript_dir) or "").encode())
    digest.update(files_digest(manuscript_dir, theme_dir, out_dir).encode())
    return digest.hexdigest()


def files_digest(manuscript_dir: Path, theme_dir: Path, out_dir: Path, pieces_by_suffix: tuple[str, ...] = ()) -> str:
    """A digest of the tool and its libraries (and the default theme's locales), the manuscript's files and those
    of the theme's folders, by content.

    The output folder (which may lie inside the manuscript's) and git's
    own folder are not inputs. Manuscript files ending in one of
    ``pieces_by_suffix`` are left out too: the pieces (and their sidecars), for
    a key that each piece's own text completes.
    """
    digest = hashlib.sha256()
    digest.update(" ".join(library_version(library) for library in LIBRARIES).encode())
    out = out_dir.resolve()
    themes = [(f"theme{depth}", layer) for depth, layer in enumerate(theme_layers(theme_dir))]
    folders = (("tool", PACKAGE), ("locales", FALLBACK_LOCALES), ("manuscript", manuscript_dir), *themes)
    for label, folder in folders:
        root = folder.resolve()
        for path in sorted(p for p in root.rglob("*") if p.is_file() and not SKIPPED.intersection(p.parts)):
            if path.is_relative_to(out) or (label == "manuscript" and path.name.lower().endswith(pieces_by_suffix)):
                continue
            digest.update(f"{label}/{path.relative_to(root)}\0".encode())
            status = path.stat()
            digest.update(_content_digest(path, status.st_size, status.st_mtime_ns, status.st_ino))
    return digest.hexdigest()


@functools.lru_cache(maxsize=4096)
def _content_digest(path: Path, size: int, mtime_ns: int, inode: int) -> bytes:
    """A file's SHA-256, read once for each version of it (its size, time and inode tell versions apart): the
    fingerprint and the memo's salt both digest every file, the theme's fonts among them."""
    return hashlib.sha256(path.read_bytes()).digest()
