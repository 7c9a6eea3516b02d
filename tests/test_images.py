"""Images within bounds: over the pixel limit or damaged is one line before layout; what a medium cannot show is
scaled down, upright, in its own format, and remembered; what it can show is left byte for byte."""

from __future__ import annotations

import http.server
import io
import struct
import threading
import time
import warnings
import zipfile
import zlib
from pathlib import Path

import pypdf
import pytest
from PIL import Image, ImageFile

from publish.markup import convert as markup_module
from publish.pipeline.build import BuildRequest, build
from publish.read import images as images_module
from publish.read import resources as resources_module
from publish.read.config import DEFAULT_THEME

from .conftest import PIECE_HEAD, assert_fails_cleanly, build_over_last_good, one_piece_manuscript

OUTPUTS = ("small-hours.epub", "small-hours.pdf")
A5_AT_300_DPI = (1748, 2480)
EXIF_ORIENTATION = 0x0112


def encoded(image: Image.Image, kind: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, format=kind, **options)
    return out.getvalue()


def halves(size: tuple[int, int], top: str = "red", bottom: str = "blue") -> Image.Image:
    """A picture whose top half is ``top``: which way up it is shows."""
    image = Image.new("RGB", size, bottom)
    image.paste(top, (0, 0, size[0], size[1] // 2))
    return image


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims its size and holds no pixels: what Pillow's decompression-bomb guard reads."""
    chunks = [
        (b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)),
        (b"IDAT", zlib.compress(b"")),
        (b"IEND", b""),
    ]
    return b"\x89PNG\r\n\x1a\n" + b"".join(
        struct.pack(">I", len(data)) + name + data + struct.pack(">I", zlib.crc32(name + data)) for name, data in chunks
    )


def book_with(tmp_path: Path, files: dict[str, bytes], toml_extra: str = "") -> Path:
    body = "Opening.\n\n" + "\n\n".join(f"![picture {name}]({name})" for name in files) + "\n"
    manuscript = one_piece_manuscript(tmp_path / "m", PIECE_HEAD + body)
    if toml_extra:
        with (manuscript / "book.toml").open("a") as toml:
            toml.write(toml_extra)
    for name, data in files.items():
        (manuscript / name).write_bytes(data)
    return manuscript


def epub_images(epub: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(epub) as archive:
        return {
            name.rsplit("/", 1)[-1].split("-")[0]: archive.read(name)
            for name in archive.namelist()
            if "/images/" in name
        }


def pdf_image_sizes(pdf: Path) -> set[tuple[int, int]]:
    """The pixel sizes of the images the pages draw, each checked against the data embedded (WeasyPrint can put one
    image's bytes under another's size)."""
    sizes = set()
    for page in pypdf.PdfReader(pdf).pages:
        objects = page["/Resources"].get("/XObject")
        for thing in objects.get_object().values() if objects else ():
            thing = thing.get_object()
            if thing["/Subtype"] != "/Image":
                continue
            size = (int(thing["/Width"]), int(thing["/Height"]))
            if thing["/Filter"] == "/DCTDecode":
                assert Image.open(io.BytesIO(thing._data)).size == size
            else:
                assert len(thing.get_data()) == size[0] * size[1] * int(thing["/DecodeParms"].get("/Colors", 1))
            sizes.add(size)
    return sizes


@pytest.mark.timeout(60)
def test_an_image_over_the_pixel_limit_is_refused_from_its_header(tmp_path, monkeypatch):
    manuscript = book_with(
        tmp_path, {"big.png": encoded(Image.new("RGB", (1200, 1000), "teal"), "PNG")}, "max_image_megapixels = 1\n"
    )

    def never_decoded(self):
        raise AssertionError("an image over the limit was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", never_decoded)
    out = tmp_path / "out"
    assert_fails_cleanly(
        build_over_last_good(manuscript, out, OUTPUTS),
        out,
        "note.md:6: image 'big.png' is 1,200 × 1,000 pixels (1.2 megapixels), over the limit of 1: make it smaller, "
        "or raise max_image_megapixels in book.toml",
    )


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    ("size", "message"),
    [
        ((12_000, 12_000), "image 'huge.png' is 12,000 × 12,000 pixels (144 megapixels), over the limit of 50"),
        (
            (20_000, 20_000),
            "image 'huge.png' is over 179 megapixels, more than Pillow opens (it may be a decompression bomb)",
        ),
    ],
    ids=["over the limit, under Pillow's", "over Pillow's own"],
)
def test_huge_images_are_refused_by_default_in_one_line_without_pillows_warning(tmp_path, size, message):
    manuscript = book_with(tmp_path, {"huge.png": png_header_only(*size)})
    out = tmp_path / "out"
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        result = build_over_last_good(manuscript, out, OUTPUTS)
    assert_fails_cleanly(result, out, "note.md:6: " + message)
    assert not [warning for warning in seen if "Image" in str(warning.category)], seen


@pytest.mark.timeout(60)
@pytest.mark.parametrize("kind", ["JPEG", "PNG"])
def test_an_image_cut_short_is_refused_with_piece_and_line(tmp_path, monkeypatch, kind):
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)  # as importing WeasyPrint sets it, for every process
    whole = encoded(Image.linear_gradient("L").resize((200, 150)).convert("RGB"), kind)
    name = f"cut.{kind.lower()}"
    manuscript = book_with(tmp_path, {name: whole[: len(whole) // 2]})
    out = tmp_path / "out"
    assert_fails_cleanly(
        build_over_last_good(manuscript, out, OUTPUTS),
        out,
        f"note.md:6: image '{name}' is cut short or damaged",
        "export it again",
    )


@pytest.mark.timeout(60)
def test_an_image_a_style_sheet_reaches_is_held_to_the_limit_too(tmp_path, theme_copy):
    (theme_copy / "big.png").write_bytes(encoded(Image.new("RGB", (1200, 1000), "teal"), "PNG"))
    with (theme_copy / "print.css").open("a") as css:
        css.write('\nbody { background: url("big.png"); }\n')
    manuscript = book_with(tmp_path, {}, "max_image_megapixels = 1\n")
    out = tmp_path / "out"
    result = build_over_last_good(manuscript, out, OUTPUTS, "--styles", str(theme_copy))
    assert_fails_cleanly(
        result, out, "while laying out the print edition:", "big.png' is 1,200 × 1,000 pixels", "over the limit of 1"
    )


class OneImage(http.server.BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args) -> None:
        pass


@pytest.mark.timeout(60)
def test_a_remote_image_is_held_to_the_limit_where_it_is_read(tmp_path):
    OneImage.body = encoded(Image.new("RGB", (1200, 1000), "teal"), "PNG")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), OneImage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/far.png"
    try:
        manuscript = one_piece_manuscript(tmp_path / "m", PIECE_HEAD + f"Opening.\n\n![far away]({url})\n")
        with (manuscript / "book.toml").open("a") as toml:
            toml.write("max_image_megapixels = 1\n")
        out = tmp_path / "out"
        result = build_over_last_good(
            manuscript, out, OUTPUTS, "--allow-remote", "--format", "epub"
        )  # no print fetcher
    finally:
        server.shutdown()
    assert_fails_cleanly(result, out, f"{url}' is 1,200 × 1,000 pixels", "over the limit of 1")


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    ("value", "fragment"), [('"lots"', "must be a number of megapixels"), ("0", "above 0"), ("1000", "at most 100")]
)
def test_the_limit_in_book_toml_is_checked_with_its_line(tmp_path, value, fragment):
    manuscript = book_with(tmp_path, {}, f"max_image_megapixels = {value}\n")
    out = tmp_path / "out"
    assert_fails_cleanly(
        build_over_last_good(manuscript, out, OUTPUTS), out, "book.toml:6: 'max_image_megapixels'", fragment
    )


@pytest.mark.timeout(60)
def test_decoding_an_image_is_not_counted_in_the_piece_s_cpu_budget(tmp_path, monkeypatch):
    """The budget stops Markdown that converts in quadratic time; a piece with many large photos is not that."""
    decode = images_module._decode_whole

    def slow_decode(image, name):
        start = time.thread_time()
        while time.thread_time() - start < 0.4:
            sum(range(100_000))  # user time, which the budget's timer counts
        decode(image, name)

    monkeypatch.setattr(markup_module, "CONVERT_SECONDS", 0.25)
    monkeypatch.setattr(images_module, "_decode_whole", slow_decode)
    manuscript = book_with(tmp_path, {"photo.png": encoded(halves((60, 40)), "PNG")})
    build(
        manuscript, DEFAULT_THEME, tmp_path / "out", BuildRequest(formats=("epub",), parallel=False), lambda *args: None
    )


def photos() -> dict[str, bytes]:
    """A landscape photo too large for either medium, a phone's portrait photo stored on its side, a small icon."""
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = 6  # turn a quarter clockwise to show
    on_its_side = halves((2000, 3000)).transpose(Image.Transpose.ROTATE_90)
    return {
        "photo.jpg": encoded(halves((3000, 2000)), "JPEG", quality=80),
        "portrait.jpg": encoded(on_its_side, "JPEG", quality=80, exif=exif),
        "icon.png": encoded(Image.new("RGBA", (40, 30), (200, 0, 0, 128)), "PNG"),
    }


def build_quietly(manuscript: Path, out: Path, fresh: bool = False):
    return build(manuscript, DEFAULT_THEME, out, BuildRequest(), lambda *args: None, fresh=fresh)


@pytest.mark.timeout(120)
def test_images_are_fitted_to_each_medium_upright_and_remembered(tmp_path, monkeypatch):
    files = photos()
    manuscript = book_with(tmp_path, files)
    out = tmp_path / "out"
    build_quietly(manuscript, out)
    epub, pdf = out / "small-hours.epub", out / "small-hours.pdf"
    images = epub_images(epub)
    pictures = {name: Image.open(io.BytesIO(data)) for name, data in images.items()}
    assert pictures["photo"].size == (2000, 1333) and pictures["photo"].format == "JPEG"
    assert pictures["portrait"].size == (1333, 2000)
    top, bottom = pictures["portrait"].getpixel((666, 100)), pictures["portrait"].getpixel((666, 1900))
    assert top[0] > 200 > top[2] and bottom[2] > 200 > bottom[0], (top, bottom)  # red above blue: upright
    assert images["icon"] == files["icon.png"]
    sizes = pdf_image_sizes(pdf)
    assert all(width <= A5_AT_300_DPI[0] and height <= A5_AT_300_DPI[1] for width, height in sizes), sizes
    assert {(1748, 1165), (1653, 2480), (40, 30)} <= sizes, sizes  # each as large as the page allows

    build_quietly(manuscript, out, fresh=True)
    assert epub_images(epub) == images, "fitting is not reproducible"

    def not_again(*args, **kwargs):
        raise AssertionError("an image was fitted again")

    monkeypatch.setattr(resources_module, "fitted", not_again)  # the print process is forked with it
    with (manuscript / "note.md").open("a") as piece:
        piece.write("\nA new last line.\n")
    result = build_quietly(manuscript, out)
    assert not [label for label in result.redone if label.startswith("image:")], result.redone
    assert epub_images(epub) == images and pdf_image_sizes(pdf) == sizes
