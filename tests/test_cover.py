"""A cover picture (``cover`` in book.toml) fills the print edition's first page and becomes the EPUB's cover;
a small one is a warning with its size, a missing, unreadable or outside one an error line."""

from __future__ import annotations

import io
import subprocess
import zipfile

import pypdf
import pytest
from PIL import Image

from .conftest import PIECE_HEAD, assert_fails_cleanly, build_over_last_good, one_piece_manuscript

RED = (220, 30, 30)


LONG_BODY = "Opening words under a cover.\n\n" + ("A paragraph of words that runs on and on. " * 30 + "\n\n") * 8


def with_cover(root, picture: Image.Image | bytes | None, name: str = "cover.jpg"):
    manuscript = one_piece_manuscript(root, PIECE_HEAD + LONG_BODY)
    config = manuscript / "book.toml"
    config.write_text(f'cover = "{name}"\n' + config.read_text())
    if isinstance(picture, Image.Image):
        picture.save(manuscript / name)
    elif picture is not None:
        (manuscript / name).write_bytes(picture)
    return manuscript


def red_share(image: Image.Image) -> float:
    data = image.convert("RGB").resize((40, 60)).tobytes()
    pixels = [data[index : index + 3] for index in range(0, len(data), 3)]
    return sum(all(abs(a - b) < 40 for a, b in zip(pixel, RED, strict=True)) for pixel in pixels) / len(pixels)


@pytest.fixture(scope="module")
def covered(tmp_path_factory):
    root = tmp_path_factory.mktemp("covered")
    manuscript = with_cover(root / "m", Image.new("RGB", (1400, 2000), RED))
    out = root / "out"
    result = build_over_last_good(manuscript, out, ())
    assert result.exit_code == 0, result.output
    return result, out


def test_the_cover_picture_fills_the_first_printed_page(covered):
    result, out = covered
    assert "cover" not in result.stderr
    first = pypdf.PdfReader(out / "small-hours.pdf").pages[0]
    (picture,) = first.images
    assert picture.image.size == (1400, 2000) and red_share(picture.image) > 0.95
    assert "Small Hours" in first.extract_text()


def test_the_title_under_a_cover_picture_still_runs_at_the_head_of_left_pages(covered):
    _, out = covered
    text = subprocess.run(
        ["pdftotext", out / "small-hours.pdf", "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = text.split("\f")
    headed = [number for number, page in enumerate(pages, start=1) if page.startswith("small hours")]
    assert headed and all(number % 2 == 0 for number in headed), headed


def test_the_epub_cover_is_made_from_it_1600_pixels_long(covered):
    _, out = covered
    with zipfile.ZipFile(out / "small-hours.epub") as epub:
        cover = Image.open(io.BytesIO(epub.read("EPUB/cover.jpg")))
    assert cover.format == "JPEG" and max(cover.size) == 1600
    assert 0.5 < red_share(cover) < 0.95  # the picture, with the title below it


def test_a_small_cover_is_a_warning_with_its_size(tmp_path):
    manuscript = with_cover(tmp_path / "m", Image.new("RGB", (600, 900), RED), "small.png")
    result = build_over_last_good(manuscript, tmp_path / "out", (), "--format", "epub")
    assert result.exit_code == 0, result.output
    assert result.stderr.strip() == (
        f"warning: {manuscript / 'book.toml'}:1: the cover is 600 × 900 pixels; the EPUB's cover is 1600 pixels on "
        "its long side, so it will look soft on e-readers: use a picture at least that large"
    )


@pytest.mark.parametrize(
    ("name", "picture", "fragment"),
    [
        ("cover.jpg", None, "the cover 'cover.jpg' does not exist"),
        ("cover.jpg", b"not a picture at all", "the cover 'cover.jpg' is not a JPEG or PNG image"),
        ("cover.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "the cover 'cover.png' is not an image Pillow can read"),
        ("cover.jpg", "cut short", "the cover 'cover.jpg' is cut short or damaged"),
        ("../outside.jpg", None, "the cover '../outside.jpg' lies outside the manuscript folder"),
    ],
    ids=["missing", "not-an-image", "not-decodable", "cut-short", "outside"],
)
def test_a_bad_cover_is_one_line_and_keeps_the_last_good_files(tmp_path, name, picture, fragment):
    Image.new("RGB", (1600, 2400), RED).save(tmp_path / "outside.jpg")
    if picture == "cut short":
        whole = (tmp_path / "outside.jpg").read_bytes()
        picture = whole[: len(whole) // 2]
    manuscript = with_cover(tmp_path / "m", picture, name)
    out = tmp_path / "out"
    result = build_over_last_good(manuscript, out, ("small-hours.pdf", "small-hours.epub"))
    assert_fails_cleanly(result, out, f"{manuscript / 'book.toml'}:1:", fragment)
