"""The record of the last build: a rebuild with nothing changed does nothing, any real change rebuilds."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import publish.pipeline.build
from publish.cli import cli
from publish.pipeline.build import build
from publish.pipeline.cache import fresh_outputs
from publish.pipeline.memo import KEEP_UNUSED_SECONDS, SWEEP_EVERY_SECONDS, Memo
from publish.pipeline.sources import fingerprint, library_version
from publish.read.config import DEFAULT_THEME
from publish.request import BuildRequest

from .conftest import PIECE_HEAD, ROOT, one_piece_manuscript

NEWER = {"tool version": "booklet-press", "library version": "nh3"}


def pretend_newer(monkeypatch, package: str) -> None:
    """As if ``package`` had been upgraded: the versions the fingerprint and the memo's salt read."""
    real = library_version
    monkeypatch.setattr(
        "publish.pipeline.sources.library_version", lambda name: "99.0" if name == package else real(name)
    )


EPOCH = "1767225600"


@pytest.fixture(scope="module")
def built_once(tmp_path_factory):
    """A one-piece book and a copy of the theme, built once through the CLI for the module's tests."""
    root = tmp_path_factory.mktemp("built")
    manuscript = one_piece_manuscript(root / "m", PIECE_HEAD + "Opening words.\n")
    theme = root / "theme"
    shutil.copytree(DEFAULT_THEME, theme)
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        result = CliRunner().invoke(
            cli, ["build", "--manuscript", str(manuscript), "--styles", str(theme), "--out", str(root / "out")]
        )
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture
def built(built_once, tmp_path, monkeypatch):
    """A test's own copy of that build: the record of a build holds no paths, so a copied build is as fresh (the
    store's entries, which name the theme's folder, are not: see ``built_in_place``)."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    shutil.copytree(built_once, tmp_path, dirs_exist_ok=True, symlinks=True)
    return tmp_path / "m", tmp_path / "theme", tmp_path / "out"


@pytest.fixture(scope="module")
def built_in_place_once(tmp_path_factory):
    """A one-piece book and a copy of the theme, built through the CLI where the tests find them, then built again
    with nothing changed; kept aside as it then was (the second build's result with it), for each test to start from
    in the same place: the store's entries name the theme's folder."""
    root = tmp_path_factory.mktemp("in-place")
    place = root / "place"
    manuscript = one_piece_manuscript(place / "m", PIECE_HEAD + "Opening words.\n")
    theme, out = place / "theme", place / "out"
    shutil.copytree(DEFAULT_THEME, theme)
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        result = CliRunner().invoke(
            cli, ["build", "--manuscript", str(manuscript), "--styles", str(theme), "--out", str(out)]
        )
        assert result.exit_code == 0, result.output
        again = build_quietly(manuscript, out, theme)
    shutil.copytree(place, root / "as-built", symlinks=True)
    return place, root / "as-built", again


@pytest.fixture
def built_in_place(built_in_place_once, monkeypatch):
    """That book, theme and build where they were built, as they were after the build with nothing changed; and
    what that build made again."""
    place, as_built, again = built_in_place_once
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    shutil.rmtree(place)
    shutil.copytree(as_built, place, symlinks=True)
    return place / "m", place / "theme", place / "out", again


def is_fresh(manuscript: Path, theme: Path, out: Path) -> bool:
    return fresh_outputs(out, fingerprint(manuscript, theme, out, BuildRequest())) is not None


def test_nothing_changed_means_nothing_to_do(built):
    manuscript, theme, out = built
    assert is_fresh(manuscript, theme, out)
    result = CliRunner().invoke(
        cli, ["build", "--manuscript", str(manuscript), "--styles", str(theme), "--out", str(out)]
    )
    assert result.exit_code == 0 and "nothing changed" in result.stderr and "wrote" not in result.stderr


def test_touching_a_file_without_changing_it_keeps_the_build(built):
    manuscript, theme, out = built
    for path in (manuscript / "note.md", theme / "print.css"):
        os.utime(path, (1, 1))
    assert is_fresh(manuscript, theme, out)


@pytest.mark.parametrize(
    "change",
    [
        "piece",
        "piece, same size",
        "style",
        "template",
        "book.toml",
        "new file",
        "output edited",
        "output gone",
        "tool version",
        "library version",
        "epoch",
    ],
)
def test_any_real_change_rebuilds(built, change, monkeypatch):
    manuscript, theme, out = built
    assert is_fresh(manuscript, theme, out)  # and the files' digests are known to this process
    if change == "piece":
        (manuscript / "note.md").write_text(PIECE_HEAD + "Opening words, revised.\n")
    elif change == "piece, same size":
        piece = manuscript / "note.md"
        piece.write_text(piece.read_text(encoding="utf-8").replace("Opening", "Closing"), encoding="utf-8")
    elif change == "style":
        with (theme / "print.css").open("a") as css:
            css.write("\np { color: black; }\n")
    elif change == "template":
        with (theme / "templates" / "book.html").open("a") as template:
            template.write("\n")
    elif change == "book.toml":
        with (manuscript / "book.toml").open("a") as config:
            config.write('subtitle = "Now with a subtitle"\n')
    elif change == "new file":
        (manuscript / "photo.png").write_bytes(b"\x89PNG")
    elif change == "output edited":
        with (out / "small-hours.pdf").open("ab") as pdf:
            pdf.write(b"%")
    elif change == "output gone":
        (out / "small-hours.epub").unlink()
    elif change in NEWER:
        pretend_newer(monkeypatch, NEWER[change])
    elif change == "epoch":
        monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767312000")
    assert not is_fresh(manuscript, theme, out)


def test_another_request_is_another_build(built):
    manuscript, theme, out = built
    assert fresh_outputs(out, fingerprint(manuscript, theme, out, BuildRequest(formats=("pdf",)))) is None


def test_finding_nothing_changed_does_not_load_the_pipeline(built):
    """The no-op answer must not pay for importing WeasyPrint (about half a second)."""
    manuscript, theme, out = built
    args = ["build", "--manuscript", str(manuscript), "--styles", str(theme), "--out", str(out)]
    result = modules_loaded_by(args, ("weasyprint", "fontTools", "markdown", "ebooklib"))
    assert "nothing changed" in result.stderr, result.stderr
    assert result.stdout.strip() == "[]"


def modules_loaded_by(args: list[str], modules: tuple[str, ...]) -> subprocess.CompletedProcess:
    """Run ``publish`` with ``args`` in a fresh interpreter; its stdout lists which of ``modules`` it imported."""
    probe = (
        "import sys; from publish.cli import cli\n"
        "try:\n    cli(sys.argv[1:], standalone_mode=False)\n"
        f"finally:\n    print(sorted(m for m in {modules!r} if m in sys.modules))"
    )
    return subprocess.run(
        [sys.executable, "-c", probe, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "SOURCE_DATE_EPOCH": "1767225600"},
    )


def build_quietly(manuscript: Path, out: Path, theme: Path = DEFAULT_THEME, request: BuildRequest = BuildRequest()):
    return build(manuscript, theme, out, request, lambda stage, seconds: None)


@pytest.mark.timeout(120)
def test_changing_one_piece_converts_only_that_piece_and_makes_the_same_book(manuscript_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    first = build_quietly(manuscript_copy, tmp_path / "out")
    assert {"print:response", "epub:foreword", "page:la-la-land-ending.xhtml"} <= set(first.redone)
    with (manuscript_copy / "response.md").open("a") as piece:
        piece.write("\nAnd then the lights came on at the end.\n")
    again = build_quietly(manuscript_copy, tmp_path / "out")
    assert sorted(again.redone) == [
        "epub:response",
        "page:response.xhtml",
        "page:warning-response.xhtml",
        "print:response",
        # The book's text changed: which of the theme's typefaces it uses is found again.
        "typefaces",
    ]
    fresh = build_quietly(manuscript_copy, tmp_path / "fresh")
    for remembered, made in zip(again.written, fresh.written, strict=True):
        assert remembered.read_bytes() == made.read_bytes(), remembered.name


@pytest.mark.timeout(60)
@pytest.mark.parametrize("change", ["style", "tool version", "library version"])
def test_a_style_or_a_new_tool_converts_every_piece_again(built_in_place, change, monkeypatch):
    manuscript, theme, out, unchanged = built_in_place
    assert unchanged.redone == []
    if change == "style":
        with (theme / "epub.css").open("a") as css:
            css.write("\np { color: black; }\n")
    else:
        pretend_newer(monkeypatch, NEWER[change])
    assert {"print:note", "epub:note", "page:note.xhtml"} <= set(build_quietly(manuscript, out, theme).redone)


@pytest.mark.timeout(60)
def test_an_output_folder_inside_the_manuscript_is_not_an_input(tmp_path, monkeypatch):
    """``--manuscript . --out build``: the outputs and the store must not change what the next build thinks changed."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    manuscript = one_piece_manuscript(tmp_path / "m", PIECE_HEAD + "Opening words.\n")
    out = manuscript / "build"
    build_quietly(manuscript, out)
    assert is_fresh(manuscript, DEFAULT_THEME, out)
    assert build_quietly(manuscript, out).redone == []


@pytest.mark.timeout(60)
def test_an_edited_template_is_compiled_again(built):
    """Compiled templates are remembered; an edit to one must show in the next build, not the remembered version."""
    manuscript, theme, out = built
    page = theme / "templates" / "epub" / "page.xhtml"
    page.write_text(page.read_text(encoding="utf-8").replace("</body>", "<p>Set again.</p></body>"), encoding="utf-8")
    result = build_quietly(manuscript, out, theme, BuildRequest(formats=("epub",)))
    assert "template" in result.redone
    with zipfile.ZipFile(out / "small-hours.epub") as epub:
        assert "Set again." in epub.read("EPUB/note.xhtml").decode("utf-8")


@pytest.mark.timeout(60)
def test_an_epub_whose_cover_is_remembered_starts_no_second_process(manuscript_copy, tmp_path, monkeypatch):
    """The cover is all an EPUB alone wants of the print layout: remembered, there is nothing to fork for."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    started = []
    real = publish.pipeline.build.second_process

    def watched(warm_up, enabled=True):
        started.append(enabled)
        return real(warm_up, enabled)

    monkeypatch.setattr("publish.pipeline.build.second_process", watched)
    epub_alone = BuildRequest(formats=("epub",))
    first = build_quietly(manuscript_copy, tmp_path / "out", request=epub_alone)
    with (manuscript_copy / "response.md").open("a") as piece:
        piece.write("\nAnd then the lights came on at the end.\n")
    again = build_quietly(manuscript_copy, tmp_path / "out", request=epub_alone)
    assert started == [True, False]
    assert "cover" in first.redone and "cover" not in again.redone
    fresh = build_quietly(manuscript_copy, tmp_path / "fresh", request=epub_alone)
    assert again.written[0].read_bytes() == fresh.written[0].read_bytes()


@pytest.mark.timeout(60)
def test_a_small_epub_rebuild_loads_only_what_it_needs(built, monkeypatch):
    """After an edit to a piece's text, an EPUB rebuild is start-up bound: the libraries whose work the memo
    holds (YAML for front matter, HarfBuzz for fonts, WeasyPrint for the cover) must not even be imported."""
    manuscript, theme, out = built
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    args = ["build", "--manuscript", str(manuscript), "--styles", str(theme), "--out", str(out), "--format", "epub"]
    assert CliRunner().invoke(cli, args).exit_code == 0  # an EPUB alone's cover, remembered
    with (manuscript / "note.md").open("a") as piece:
        piece.write("\nOne more line.\n")
    result = modules_loaded_by(args, ("weasyprint", "yaml", "uharfbuzz", "multiprocessing", "importlib.metadata"))
    assert "wrote" in result.stderr, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.timeout(60)
def test_front_matter_is_parsed_again_only_when_it_changes(manuscript_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    first = build_quietly(manuscript_copy, tmp_path / "out", request=BuildRequest(formats=("epub",)))
    assert "front matter:response.md" in first.redone
    piece = manuscript_copy / "response.md"
    with piece.open("a") as text:
        text.write("\nAnd then the lights came on at the end.\n")
    assert not [
        label
        for label in build_quietly(manuscript_copy, tmp_path / "out", request=BuildRequest(formats=("epub",))).redone
        if label.startswith("front matter")
    ]
    piece.write_text(piece.read_text(encoding="utf-8").replace("title:", "title: A New", 1), encoding="utf-8")
    again = build_quietly(manuscript_copy, tmp_path / "out", request=BuildRequest(formats=("epub",)))
    assert [label for label in again.redone if label.startswith("front matter")] == ["front matter:response.md"]
    with zipfile.ZipFile(again.written[0]) as epub:
        assert "A New" in epub.read("EPUB/nav.xhtml").decode("utf-8")


def test_bad_front_matter_is_reported_however_often_it_is_read(built):
    """A parse that failed is not remembered: the next build names the same line."""
    manuscript, theme, out = built
    (manuscript / "note.md").write_text("---\ntitle: [unclosed\n---\nText.\n", encoding="utf-8")
    for _ in range(2):
        result = CliRunner().invoke(
            cli, ["build", "--manuscript", str(manuscript), "--styles", str(theme), "--out", str(out)]
        )
        assert result.exit_code == 1 and "invalid YAML front matter" in result.stderr
        assert result.stderr.count("\n") == 1 and "note.md:3:" in result.stderr, result.stderr


def test_library_versions_are_what_importlib_metadata_reads():
    from importlib.metadata import version

    from publish.pipeline.sources import LIBRARIES, _dist_info_versions

    for library in LIBRARIES:
        assert library_version(library) == version(library), library
        assert _dist_info_versions()[library.replace("-", "_")] == version(library), (
            f"{library}: not from its dist-info"
        )


def test_the_store_forgets_what_no_build_used_for_a_day_looking_once_an_hour(tmp_path):
    store = tmp_path / "store"
    memo = Memo(store, "salt")
    memo.put("aa-old", b"old")
    memo.put("bb-new", b"new")
    memo.save()
    old, new = store / "aa" / "aa-old", store / "bb" / "bb-new"
    a_day_and_more = time.time() - KEEP_UNUSED_SECONDS - 60
    os.utime(old, (a_day_and_more, a_day_and_more))
    Memo(store, "salt").save()
    assert old.exists(), "swept again within the hour"
    an_hour_ago = time.time() - SWEEP_EVERY_SECONDS - 60
    os.utime(store / ".swept", (an_hour_ago, an_hour_ago))
    Memo(store, "salt").save()
    assert not old.exists() and new.exists()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("fmt", ["all", "epub"])
def test_the_layout_process_is_forked_before_the_rendering_stages_are_imported(tmp_path, fmt):
    """WeasyPrint's half-second import, in the second process, should start before this one imports its own stages.
    An EPUB alone forks that early only when no earlier build can have made its cover: on its first build.

    The probe stops the build once it has seen the first fork asked for: what follows is every build's, and other
    tests build through the CLI (a fresh interpreter's build costs some 2.5 s of CPU here, WeasyPrint imported)."""
    manuscript = one_piece_manuscript(tmp_path / "m", "---\ntitle: A\n---\n\nText.\n")
    probe = (
        "import os, sys\nimport publish.pipeline.build as pipeline\n"
        "def watched(warm_up, enabled=True):\n"
        "    print('publish.render.assemble' in sys.modules, enabled, flush=True)\n"
        "    os._exit(0)\n"
        "pipeline.second_process = watched\n"
        "from publish.cli import cli\ncli(sys.argv[1:], standalone_mode=False)\n"
    )
    args = ["build", "--quiet", "--manuscript", str(manuscript), "--out", str(tmp_path / "out"), "--format", fmt]
    result = subprocess.run(
        [sys.executable, "-c", probe, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "SOURCE_DATE_EPOCH": "1767225600"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[0] == "False True"


def test_the_pipeline_decides_freshness_for_every_caller(tmp_path, monkeypatch):
    """``build`` and ``serve`` ask the same function: a second call with nothing changed builds nothing."""
    from publish.pipeline.build import BuildResult
    from publish.pipeline.cache import Recorded
    from publish.pipeline.freshness import build_if_stale

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    manuscript = one_piece_manuscript(tmp_path / "m", PIECE_HEAD + "Opening words.\n")
    out = tmp_path / "out"
    args = (manuscript, DEFAULT_THEME, out, BuildRequest(formats=("pdf",)), lambda stage, seconds: None)
    first = build_if_stale(*args)
    assert isinstance(first, BuildResult)
    again = build_if_stale(*args)
    assert isinstance(again, Recorded) and again.written == first.written
    assert isinstance(build_if_stale(*args, fresh=True), BuildResult)
