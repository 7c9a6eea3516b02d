"""Shared fixtures: the sample book, built once per test worker with the real pipeline."""

from __future__ import annotations

import datetime as dt
import fcntl
import functools
import os
import re
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pypdf
import pytest
from click.testing import CliRunner
from hypothesis import settings
from lxml import etree

from publish.cli import cli
from publish.outputs.print_edition import load_layout_modules
from publish.pipeline.build import BuildRequest, build, remembered_work
from publish.pipeline.sources import build_moment, build_stamp
from publish.read.config import DEFAULT_THEME
from publish.read.default_theme import theme_settings
from publish.read.manuscript import load_manuscript
from publish.render.assemble import AssembledBook, Edition, assemble
from publish.render.theme import Theme
from publish.targets import Target

# A build forks the process that lays out the print edition. The CLI forks it before it renders, and it imports
# WeasyPrint meanwhile; a test builds in this process, so each fork would import it again, after the rendering
# (about a second a build). Imported here once, every fork has it.
load_layout_modules()

# make test: a fixed sample, the same on every run; make fuzz: many more, at random.
settings.register_profile("ci", max_examples=40, deadline=None, derandomize=True, print_blob=True)
settings.register_profile("fuzz", max_examples=1500, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ROOT = Path(__file__).resolve().parent.parent
MANUSCRIPT = ROOT / "manuscript"
# What the colophon says of a build dated at the sample book's SOURCE_DATE_EPOCH, for tests that assemble directly.
STAMP = build_stamp(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
XHTML_NS = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}


@dataclass
class BuiltBook:
    pdf: Path
    epub: Path
    # The web edition's folder, where it was built too.
    site: Path | None = None

    def pdf_pages(self) -> list[str]:
        return pdf_page_texts(self.pdf)

    def epub_documents(self) -> dict[str, etree._Element]:
        """Every XHTML document in the EPUB, parsed, by file name."""
        with zipfile.ZipFile(self.epub) as archive:
            return {
                name.rsplit("/", 1)[-1]: etree.fromstring(archive.read(name))
                for name in archive.namelist()
                if name.endswith(".xhtml")
            }


# What pypdf reads off a page: its text, and each run of text as drawn (the text, the content and text matrices).
DrawnRun = tuple[str, tuple[float, ...], tuple[float, ...]]


def pdf_page_texts(pdf: Path) -> list[str]:
    """Each page's text, as pypdf extracts it."""
    return [text for text, _ in _read_pdf(pdf.resolve(), file_version(pdf))]


def drawn_runs(pdf: Path, page_number: int) -> tuple[DrawnRun, ...]:
    """The runs of text drawn on a page (1-based), in the order pypdf meets them."""
    return _read_pdf(pdf.resolve(), file_version(pdf))[page_number - 1][1]


def rotated_runs(pdf: Path, page_number: int) -> list[str]:
    """Text drawn upside down (a 180° text or content matrix) on a page."""
    return [
        text
        for text, cm, tm in drawn_runs(pdf, page_number)
        if text.strip() and cm[0] * tm[0] + cm[2] * tm[1] < 0 and cm[1] * tm[2] + cm[3] * tm[3] < 0
    ]


def file_version(path: Path) -> tuple[int, int, int]:
    """What tells one version of a file from another: a build replaces its outputs by renaming new files in."""
    status = path.stat()
    return status.st_ino, status.st_size, status.st_mtime_ns


@functools.lru_cache(maxsize=32)
def _read_pdf(pdf: Path, version: tuple[int, int, int]) -> tuple[tuple[str, tuple[DrawnRun, ...]], ...]:
    """Each page's text and drawn runs, read once for each version of the file: extracting a page's text is the
    slow part of reading a PDF back (about 0.7 s for the sample book), and many tests read the same book."""
    pages = []
    for page in pypdf.PdfReader(pdf).pages:
        runs: list[DrawnRun] = []

        def drawn(text, cm, tm, font, size, runs=runs):
            runs.append((text, tuple(cm), tuple(tm)))

        pages.append((page.extract_text(visitor_text=drawn), tuple(runs)))
    return tuple(pages)


def rendered_book(manuscript_dir: Path, theme_dir: Path, out_dir: Path, target: Target) -> AssembledBook:
    """The book with its pieces rendered for ``target``, as ``build`` renders them (from what earlier builds into
    ``out_dir`` remembered), with no layout: for the tests that lay it out or look into it themselves."""
    memo = remembered_work(manuscript_dir, theme_dir, out_dir)
    manuscript = load_manuscript(manuscript_dir, memo, theme_settings(theme_dir))
    stamp = build_stamp(build_moment(manuscript.root))
    return assemble(manuscript, Theme.load(theme_dir, memo), stamp, targets=(target,), memo=memo)


def build_book(manuscript: Path, out: Path, edition: Edition = Edition()) -> BuiltBook:
    """Build both formats with the real pipeline."""
    pdf, epub = build(
        manuscript, DEFAULT_THEME, out, BuildRequest(edition=edition), lambda stage, seconds: None
    ).written
    return BuiltBook(pdf=pdf, epub=epub)


@pytest.fixture(scope="session")
def sample_book(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> BuiltBook:
    """The sample in every format, the web edition with the print edition's page numbers marked in it: built once
    for the whole run, and only read."""

    def make(out: Path) -> None:
        request = BuildRequest(formats=("pdf", "epub", "html"))
        build(MANUSCRIPT, DEFAULT_THEME, out, request, lambda stage, seconds: None)

    out = once_per_run(tmp_path_factory, worker_id, "sample-book", make)
    (pdf,), (epub,) = (sorted(out.glob(f"*{suffix}")) for suffix in (".pdf", ".epub"))
    return BuiltBook(pdf=pdf, epub=epub, site=out / "what-the-epilogue-means-web")


@pytest.fixture(scope="session")
def web_site(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """The sample's web edition (``--format html``): its folder, built once for the whole run."""

    def make(out: Path) -> None:
        result = CliRunner().invoke(cli, ["build", "--format", "html", "--out", str(out), "--quiet"])
        assert result.exit_code == 0, result.output

    return once_per_run(tmp_path_factory, worker_id, "web-site", make) / "what-the-epilogue-means-web"


@pytest.fixture(scope="session")
def sample_saddle(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> tuple[Path, str]:
    """``publish build --impose saddle`` on the sample, dated by SADDLE_EPOCH, built once for the whole run: the
    output folder, and what the command said on stderr."""

    def make(out: Path) -> None:
        with pytest.MonkeyPatch.context() as patched:
            patched.setenv("SOURCE_DATE_EPOCH", SADDLE_EPOCH)
            args = ["build", "--manuscript", str(MANUSCRIPT), "--out", str(out), "--impose", "saddle"]
            result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
        out.with_name(out.name + ".stderr").write_text(result.stderr)

    out = once_per_run(tmp_path_factory, worker_id, "sample-saddle", make)
    return out, out.with_name(out.name + ".stderr").read_text()


SADDLE_EPOCH = "1764000000"


@pytest.fixture(scope="session")
def themed_sample(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Callable[[str], Path]:
    """``publish build --theme NAME`` on the sample (PDF and EPUB), each bundled theme built once for the whole run
    when first asked for: its output folder."""

    def themed(name: str) -> Path:
        def make(out: Path) -> None:
            args = ["build", "--manuscript", str(MANUSCRIPT), "--out", str(out), "--theme", name, "--quiet"]
            result = CliRunner().invoke(cli, args)
            assert result.exit_code == 0, result.output

        return once_per_run(tmp_path_factory, worker_id, f"sample-{name}", make)

    return themed


@pytest.fixture
def manuscript_copy(tmp_path: Path) -> Path:
    """A writable copy of the sample manuscript to break in tests."""
    target = tmp_path / "manuscript"
    shutil.copytree(MANUSCRIPT, target)
    return target


@pytest.fixture
def theme_copy(tmp_path: Path) -> Path:
    """A writable copy of the default theme, to change in tests."""
    target = tmp_path / "theme"
    shutil.copytree(DEFAULT_THEME, target)
    return target


PIECE_HEAD = '---\ntitle: "A Note"\n---\n'


def one_piece_manuscript(root: Path, text: str | bytes, name: str = "note.md") -> Path:
    """A book of one piece whose file holds exactly ``text`` (bytes for encodings and control characters)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "book.toml").write_text(
        'title = "Small Hours"\nauthors = ["A. Writer"]\nlanguage = "en"\n'
        f'description = "A very small zine."\npieces = ["{name}"]\n'
    )
    (root / name).write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return root


def once_per_run(
    tmp_path_factory: pytest.TempPathFactory, worker_id: str, name: str, make: Callable[[Path], None]
) -> Path:
    """A folder ``make`` fills once for the whole run: the first worker to ask makes it; the others wait, then read."""
    shared = tmp_path_factory.getbasetemp() if worker_id == "master" else tmp_path_factory.getbasetemp().parent
    root = shared / name
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (shared / f"{name}.made").is_file():
            make(root)
            (shared / f"{name}.made").touch()
    return root


OLD = b"the last good build"


def build_over_last_good(manuscript: Path, out: Path, outputs: tuple[str, ...], *extra: str):
    """Run ``publish build`` through the CLI into ``out``, which holds a "last good" copy of each of ``outputs``."""
    out.mkdir(exist_ok=True)
    for name in outputs:
        (out / name).write_bytes(OLD)
    return CliRunner().invoke(cli, ["build", "--manuscript", str(manuscript), "--out", str(out), "--quiet", *extra])


def assert_fails_cleanly(result, out: Path, *fragments: str) -> None:
    """Exit code 1, one line holding every fragment, no traceback, and the last good files as they were."""
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    for path in out.iterdir():
        assert path.is_file() and path.read_bytes() == OLD, f"{path} was touched or added"


def words(text: str) -> set[str]:
    """Distinct words, with apostrophes and quotes normalised and hyphenation undone. A zero-width space joins
    what it stands between, as the eye reads it (and as the PDF's text layer has it, where no line breaks there)."""
    text = text.replace("’", "'").replace("‘", "'").replace("\u00ad", "").replace("\u200b", "")
    text = re.sub(r"[-\u2010]\n", "", text)
    return {w.strip("'").lower() for w in re.findall(r"[A-Za-z0-9']+", text) if w.strip("'")}
