"""The web edition: a folder of static pages, and its zip (see outputs/web.py). Made when asked for by name
(``--format html``), not with ``--format all``: most books want the print and e-reader editions first."""

from __future__ import annotations

from publish.outputs.registry import BookParts, OutputFormat, register
from publish.targets import Target


def site_zip(parts: BookParts) -> bytes:
    from publish.outputs import web

    return web.site_zip(web.site_files(parts.book), parts.moment)


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
        make=site_zip,
        unpack=unpacked,
        read_back=read_back,
    )
)
