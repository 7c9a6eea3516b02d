"""The web edition: a folder of static pages, and its zip (see outputs/web.py). Made when asked for by name
(``--format html``), or by ``--format all`` when book.toml's ``formats`` lists it: most books want the print and
e-reader editions first. It borrows the cover from the print layout."""

from __future__ import annotations

from typing import TYPE_CHECKING

from publish.outputs.registry import BookParts, OutputFormat, register
from publish.targets import Target

if TYPE_CHECKING:
    from publish.read.remembering import Remembering
    from publish.render.assemble import AssembledBook


def cut_fonts(book: AssembledBook, memo: Remembering) -> object:
    from publish.outputs import web

    return web.web_fonts(book, memo)


def site_zip(parts: BookParts) -> bytes:
    from publish.outputs import web

    assert isinstance(parts.prepared, dict)
    return web.site_zip(web.site_files(parts.book, parts.prepared, parts), parts.moment)


def unpacked(data: bytes) -> dict[str, bytes]:
    from publish.outputs import web

    return web.site_from_zip(data)


def read_back(data: bytes, pages: int) -> None:
    from publish.outputs import verify

    verify.read_back_zip(data)


HTML = register(
    OutputFormat(
        name="html",
        suffix="-web.zip",
        target=Target.WEB,
        in_all=False,
        borrows_layout=True,
        prepare_stage="web fonts",
        prepare=cut_fonts,
        make=site_zip,
        unpack=unpacked,
        read_back=read_back,
    )
)
