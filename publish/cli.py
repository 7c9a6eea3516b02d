"""The ``publish`` command: parse options, call the pipeline, report."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import click

from publish.errors import PublishError, display_path
from publish.outputs.registry import IMPOSITIONS, output_formats
from publish.pipeline.cache import Recorded
from publish.pipeline.freshness import build_if_stale
from publish.pipeline.signals import InterruptedAfterWriting, interrupt_on_signals
from publish.read.config import LENGTH
from publish.read.default_theme import bundled_themes, choose_theme
from publish.request import PDF_VARIANTS, BuildRequest, Edition

# The pipeline (WeasyPrint, fontTools, pdfium) is imported inside the commands
# that use it: `publish build` with nothing to do answers before loading it.


class PublishGroup(click.Group):
    """Turns a PublishError into one line on stderr and exit code 1, and Ctrl-C or SIGTERM into exit code 130."""

    def invoke(self, ctx: click.Context) -> object:
        interrupt_on_signals()
        try:
            return super().invoke(ctx)
        except PublishError as error:
            if ctx.meta.get("publish.debug"):
                raise
            click.echo(f"error: {error}", err=True)
            ctx.exit(1)
        except InterruptedAfterWriting:
            if ctx.meta.get("publish.debug"):
                raise
            click.echo("interrupted: the new files had been written and are in place", err=True)
            ctx.exit(130)
        except KeyboardInterrupt:
            if ctx.meta.get("publish.debug"):
                raise
            click.echo("interrupted: nothing was written, the last good files are as they were", err=True)
            ctx.exit(130)


def _length(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not LENGTH.match(value):
        raise click.BadParameter(f"{value!r} is not a length such as 3mm, 0.125in or 9pt")
    return value


def _set_meta(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        ctx.meta[f"publish.{param.name}"] = True


def common_options(command):
    command = click.option("--debug", is_flag=True, expose_value=False, callback=_set_meta, help="Show tracebacks.")(
        command
    )
    return click.option("--quiet", is_flag=True, expose_value=False, callback=_set_meta, help="No progress output.")(
        command
    )


manuscript_option = click.option(
    "--manuscript",
    "manuscript_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("manuscript"),
    show_default=True,
    help="Folder with book.toml and the pieces.",
)
out_option = click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("build"),
    show_default=True,
    help="Folder for the built files.",
)
theme_option = click.option(
    "--theme",
    "--styles",
    "theme",
    metavar="NAME|DIR",
    default=None,
    help=f"A bundled theme ({', '.join(bundled_themes())}) or a theme folder.  "
    "[default: book.toml's theme, else a styles/ theme beside the manuscript, else classic]",
)


@click.group(cls=PublishGroup)
@click.version_option(package_name="booklet-press", prog_name="publish")
@common_options
def cli() -> None:
    """Turn a manuscript folder into a typeset PDF booklet and an EPUB."""


@cli.command("build")
@click.option(
    "--format",
    "fmt",
    type=click.Choice([*output_formats(), "all"]),
    default="all",
    show_default=True,
    help="Which edition to build.",
)
@out_option
@manuscript_option
@theme_option
@click.option("--spoiler-free", is_flag=True, help="Leave out the pieces tagged as containing spoilers.")
@click.option("--redact", is_flag=True, help="With --spoiler-free: keep those pieces, remove their marked spoilers.")
@click.option(
    "--impose",
    type=click.Choice(list(IMPOSITIONS)),
    help="Also write the print edition imposed for folding: saddle-stitched sheets or a one-sheet mini-zine.",
)
@click.option("--bleed", metavar="LENGTH", callback=_length, help="Bleed for a copy shop, e.g. 3mm.")
@click.option("--marks", type=click.Choice(["crop", "cross", "crop cross"]), help="Printer's marks outside the page.")
@click.option(
    "--pdf-variant", type=click.Choice(PDF_VARIANTS), help="Archival (PDF/A-3b) or accessible (PDF/UA-1) PDF."
)
@click.option(
    "--allow-remote",
    is_flag=True,
    help="Let pieces use images from http(s) addresses (fetched with a time limit and a size cap).",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    help="Processes that lay the print edition's pieces out side by side.  [default: one per core]",
)
@click.option("--fresh", is_flag=True, help="Make everything again, using nothing earlier builds stored in OUT/.cache.")
@common_options
@click.pass_context
def build_command(
    ctx: click.Context,
    fmt: str,
    out_dir: Path,
    manuscript_dir: Path,
    theme: str | None,
    spoiler_free: bool,
    redact: bool,
    impose: str | None,
    bleed: str | None,
    marks: str | None,
    pdf_variant: str | None,
    allow_remote: bool,
    jobs: int | None,
    fresh: bool,
) -> None:
    """Build the book into OUT (build/ by default)."""
    if redact and not spoiler_free:
        raise click.UsageError("--redact makes a spoiler-free edition: use it with --spoiler-free")
    if impose and (bleed or marks):
        raise click.UsageError("--bleed and --marks are for trimmed single pages; imposed sheets are folded untrimmed")
    quiet = ctx.meta.get("publish.quiet", False)

    def report(stage: str, seconds: float) -> None:
        if not quiet:
            click.echo(f"{stage:<7}{seconds:6.2f}s", err=True)

    request = BuildRequest(
        formats=None if fmt == "all" else (fmt,),
        edition=Edition(spoiler_free=spoiler_free, redact=redact),
        impose=impose,
        bleed=bleed,
        marks=marks,
        pdf_variant=pdf_variant,
        allow_remote=allow_remote,
        jobs=jobs or 0,
    )
    theme_dir = choose_theme(theme, manuscript_dir)
    result = build_if_stale(manuscript_dir, theme_dir, out_dir, request, report, fresh=fresh)
    if isinstance(result, Recorded):
        for recorded_warning in result.warnings:
            click.echo(f"warning: {recorded_warning}", err=True)
        if not quiet:
            for path in result.written:
                click.echo(f"fresh  {display_path(path)} (nothing changed since it was built)", err=True)
        return
    if ctx.meta.get("publish.debug"):
        for label in result.damaged:
            click.echo(f"store: the stored {label} failed its check and was made again", err=True)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    if not quiet:
        for path in result.written:
            click.echo(f"wrote  {display_path(path)}", err=True)
        for line in result.guide:
            click.echo(f"print: {line}", err=True)


@cli.command("check")
@out_option
@manuscript_option
@theme_option
@common_options
def check_command(out_dir: Path, manuscript_dir: Path, theme: str | None) -> None:
    """Validate what is in OUT: EPUBCheck, PDF fonts, pages and metadata."""
    from publish.tools.check import check_outputs, theme_families

    results = check_outputs(out_dir, theme_families(choose_theme(theme, manuscript_dir)))
    if not results:
        raise PublishError("nothing to check: run 'publish build' first", out_dir)
    width = max(len(display_path(r.file)) for r in results)
    for result in results:
        mark = "ok  " if result.ok else "FAIL"
        click.echo(f"{mark}  {display_path(result.file):<{width}}  {result.check:<15} {result.detail}")
    failed = sum(not r.ok for r in results)
    click.echo(f"{len(results) - failed} passed, {failed} failed")
    if failed:
        sys.exit(1)


@cli.command("preview")
@out_option
@common_options
@click.pass_context
def preview_command(ctx: click.Context, out_dir: Path) -> None:
    """Render what is in OUT to PNGs: spreads, imposed sheets, a contact sheet."""
    from publish.tools.preview import preview

    written = preview(out_dir)
    if not ctx.meta.get("publish.quiet", False):
        for path in written:
            click.echo(f"wrote  {display_path(path)}", err=True)


@cli.command("clean")
@out_option
@common_options
@click.pass_context
def clean_command(ctx: click.Context, out_dir: Path) -> None:
    """Forget what earlier builds into OUT stored (OUT/.cache); the built files stay."""
    import shutil

    from publish.pipeline.cache import CACHE

    shutil.rmtree(out_dir / CACHE, ignore_errors=True)
    if not ctx.meta.get("publish.quiet", False):
        click.echo(f"removed {display_path(out_dir / CACHE)}", err=True)


@cli.command("init")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path), default=Path("."))
@click.option("--title", default=None, help="The book's title.  [default: from the folder's name]")
@click.option("--author", default="Anonymous", show_default=True, help="The book's author.")
@click.option("--language", default="en", show_default=True, help="A language tag: en, en-GB, fr, de-CH…")
@click.option("--theme-copy", is_flag=True, help="Also copy the default theme into FOLDER/styles/, to change.")
@common_options
def init_command(folder: Path, title: str | None, author: str, language: str, theme_copy: bool) -> None:
    """Start a new book in FOLDER (the current one by default): book.toml, a first piece, a README."""
    from publish.tools.init import init_book

    title = title or folder.resolve().name.replace("-", " ").replace("_", " ").strip().title() or "My Zine"
    for path in init_book(folder, title, author, language, theme_copy, dt.date.today()):
        click.echo(f"created {display_path(path)}")
    go = f"cd {display_path(folder)} && " if folder.resolve() != Path.cwd() else ""
    click.echo(f"next: {go}publish build")


@cli.command("new")
@click.argument("title")
@click.option(
    "--kind", default="", help="What the piece is, in a word or two: essay, story, poem, interview…  [default: none]"
)
@click.option("--author", default=None, help="Author of the piece.  [default: the book's first author]")
@manuscript_option
@common_options
def new_command(title: str, kind: str, author: str | None, manuscript_dir: Path) -> None:
    """Start a new piece called TITLE and add it to book.toml."""
    from publish.read.config import load_book_config
    from publish.read.manuscript import add_piece

    if author is None:
        author = load_book_config(manuscript_dir / "book.toml").authors[0]
    path = add_piece(manuscript_dir, title, kind, author, dt.date.today())
    click.echo(f"created {display_path(path)} and listed it in {display_path(manuscript_dir / 'book.toml')}")


@cli.command("serve")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port on 127.0.0.1; 0 picks a free one.",
)
@out_option
@manuscript_option
@theme_option
@common_options
@click.pass_context
def serve_command(ctx: click.Context, port: int, out_dir: Path, manuscript_dir: Path, theme: str | None) -> None:
    """The web edition, live in a browser: rebuilt into OUT whenever the manuscript or theme changes; Ctrl-C stops."""
    from publish.tools.serve import Build, serve

    quiet = ctx.meta.get("publish.quiet", False)

    def ready(url: str) -> None:
        click.echo(f"serving {url}")

    def built(build: Build) -> None:
        if build.error:
            click.echo(f"error: {build.error}", err=True)
            return
        for warning in build.warnings:
            click.echo(f"warning: {warning}", err=True)
        if not quiet:
            click.echo(f"built  #{build.number} in {build.seconds:.2f}s at {build.finished}", err=True)

    try:
        serve(manuscript_dir, choose_theme(theme, manuscript_dir), out_dir, port, ready, built)
    except KeyboardInterrupt:
        click.echo("stopped", err=True)


def main() -> None:
    """The console command. It leaves as soon as the command is done.

    By then every file is written and renamed and every line printed; what
    is left is the interpreter taking apart the libraries the command
    loaded (Jinja2, lxml, EbookLib…): a noticeable share of a rebuild after
    a small edit, for nothing the writer sees.
    """
    code: str | int = 0
    try:
        cli(prog_name="publish")
    except SystemExit as leaving:
        code = leaving.code or 0
    if not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # a closed pipe (publish … | head): nothing left to say
        pass
    os._exit(code)
