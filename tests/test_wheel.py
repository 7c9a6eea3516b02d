"""The wheel a normal install (pip install ., pipx install .) is made from carries the default theme.

The theme's source is the repository's styles/; the wheel holds it as
publish/styles/, and an installed ``publish`` finds it there, with no
repository beside it. The wheel is built from a copy of what it is made of
(so that setuptools' build/ folder never lands in the repository, where the
books are written), once for this module's tests.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pypdf
import pytest

from publish.read.config import DEFAULT_THEME
from publish.tools.check import check_outputs, theme_families

from .conftest import ROOT, once_per_run

# What the wheel is made from: everything else in the repository stays out of it.
WHEEL_SOURCES = ("pyproject.toml", "README.md", "LICENSE", "publish", "styles")


def build_wheel(root: Path) -> None:
    source = root / "source"
    for name in WHEEL_SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            source.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    subprocess.run(
        # This environment's setuptools (the test extras hold it): an isolated build installs its own, for seconds.
        [
            *(sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation", "--quiet"),
            *("-w", str(root / "out")),
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """The wheel, built once for the whole run."""
    (built,) = (once_per_run(tmp_path_factory, worker_id, "wheel", build_wheel) / "out").glob("booklet_press-*.whl")
    return built


def test_the_wheel_carries_every_file_of_the_default_theme(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    theme = sorted(p.relative_to(ROOT / "styles").as_posix() for p in (ROOT / "styles").rglob("*") if p.is_file())
    assert theme, "styles/ is empty"
    assert [name for name in theme if f"publish/styles/{name}" not in names] == []
    assert not any(name.startswith("styles/") for name in names), "the theme belongs inside the package"


def test_the_wheel_carries_every_module(wheel: Path):
    """Its subpackages are listed by hand in pyproject.toml: a new one must be listed too."""
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = sorted(
        p.relative_to(ROOT).as_posix() for p in (ROOT / "publish").rglob("*") if p.suffix in (".py", ".java")
    )
    assert [module for module in modules if module not in names] == []


def test_an_installed_wheel_builds_a_book_with_its_own_theme(wheel: Path, tmp_path: Path):
    """Installed (not editable) into a fresh environment, ``publish init``, then ``build`` with no options, make a
    valid book outside the repository.

    The environment sees this one's libraries through a path entry (its .pth
    files, which would install the editable checkout's import finder, are not
    read), so nothing is downloaded; the package itself is the wheel's.
    """
    env = tmp_path / "env"
    venv.EnvBuilder(with_pip=False).create(env)
    python = env / "bin" / "python"
    site = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--quiet", wheel],
        check=True,
        capture_output=True,
        timeout=120,
    )
    (site / "libraries.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    where = subprocess.run(
        [python, "-c", "from publish.read.wording import DEFAULT_THEME; print(DEFAULT_THEME)"],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    ).stdout.strip()
    assert Path(where) == site / "publish" / "styles" / "classic"
    book = tmp_path / "one-piece"
    publish = env / "bin" / "publish"
    for command, where in ((["init", book.name], tmp_path), (["build"], book)):
        result = subprocess.run([publish, *command], capture_output=True, text=True, cwd=where, timeout=240)
        assert result.returncode == 0, (command, result.stdout, result.stderr)
    # Checked here, in this run's EPUBCheck, already started: ``publish check`` would start a JVM of its own.
    results = check_outputs(book / "build", theme_families(DEFAULT_THEME))
    assert len(results) == 5 and all(result.ok for result in results), results
    assert sorted(path.name for path in (book / "build").iterdir() if path.is_file()) == [
        "one-piece.epub",
        "one-piece.pdf",
    ]
    pages = pypdf.PdfReader(book / "build" / "one-piece.pdf").pages
    fonts = {str(font.get_object()["/BaseFont"]) for page in pages for font in page["/Resources"]["/Font"].values()}
    assert any("EB-Garamond" in font for font in fonts), f"not set in the theme's typeface: {fonts}"
