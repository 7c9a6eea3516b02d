"""Raster images checked and fitted: within the book's pixel limit, whole, and no larger than a medium shows.

A small file can hold a huge picture (a 446 KB PNG of 12,000 × 12,000
pixels decodes to 430 MB), so an image's size is read from its header and
refused before anything is decoded. An image within the limit is decoded
once, to find a file that was cut short or damaged, before the PDF or the
EPUB quietly shows it half grey, or not at all. What a medium cannot show
(more than about 300 dpi on the printed page, more than an e-reader's
screen) is scaled down, in the image's own format; anything smaller is
left byte for byte as it is. Pillow is imported only when an image is read:
most books have none.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from publish.targets import Target

if TYPE_CHECKING:
    from PIL import Image as PILImage

    from publish.read.config import BookConfig

DEFAULT_MAX_MEGAPIXELS = 50
# 100 megapixels decode to 400 MB as RGBA: more would take a build past its memory budget of 500 MB.
MAX_MEGAPIXELS = 100
PRINT_DPI = 300
EPUB_LONG_SIDE = 2000
JPEG_QUALITY = 90
RASTER_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
# EXIF orientations that turn the picture a quarter: its upright width is its stored height.
QUARTER_TURNS = (5, 6, 7, 8)
EXIF_ORIENTATION = 0x0112


class ImageRefused(ValueError):
    """An image the build will not use; the message says why (the caller adds where it is)."""


@dataclass(frozen=True)
class ImageLimits:
    """How large an image may be, and what each medium needs of it, in pixels."""

    max_pixels: int = DEFAULT_MAX_MEGAPIXELS * 1_000_000
    # The printed page at PRINT_DPI (width, height): an image cannot print larger than its page. A5 by default.
    print_box_px: tuple[int, int] = (1748, 2480)
    epub_long_side: int = EPUB_LONG_SIDE

    @classmethod
    def for_book(cls, config: BookConfig) -> ImageLimits:
        from publish.read.config import PAGE_INCHES

        width, height = PAGE_INCHES[config.page_size]
        return cls(
            max_pixels=round(config.max_image_megapixels * 1_000_000),
            print_box_px=(round(width * PRINT_DPI), round(height * PRINT_DPI)),
        )

    def box(self, target: Target) -> tuple[int, int]:
        """The largest an image needs to be for ``target`` , as width and height."""
        return self.print_box_px if target == Target.PRINT else (self.epub_long_side, self.epub_long_side)


def sniff_image(data: bytes) -> str | None:
    """The image type the bytes are, whatever the file is called (WeasyPrint and e-readers go by content)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if b"<svg" in data[:4096]:
        return "image/svg+xml"
    return None


def fitted(data: bytes, name: str, limits: ImageLimits, box: tuple[int, int] | None = None) -> bytes | None:
    """The raster image ``data`` scaled down to fit ``box``, or None if it fits already (or no box is given).

    Raises ImageRefused when the image is over the pixel limit (found from
    its header, before decoding) or cannot be decoded whole. An animated
    GIF is never scaled (its frames would need scaling one by one).
    """
    with warnings.catch_warnings(), _opened(data, name, limits) as image:
        warnings.simplefilter("ignore")  # Pillow's remarks on odd but readable files (corrupt EXIF, palettes)
        width, height = _upright_size(image)
        animated = getattr(image, "is_animated", False)
        if box is None or animated or (width <= box[0] and height <= box[1]):
            _decode_whole(image, name)
            return None
        scale = min(box[0] / width, box[1] / height)
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        stored = size[::-1] if _orientation(image) in QUARTER_TURNS else size
        image.draft(
            image.mode, stored
        )  # a JPEG is decoded at the smallest scale (1/2, 1/4, 1/8) still at least this size
        _decode_whole(image, name)
        return _encode(_scaled(image, size), image)


def checked_size(data: bytes, name: str, limits: ImageLimits) -> tuple[int, int]:
    """The image's width and height the right way up, once it has decoded whole (ImageRefused otherwise)."""
    with warnings.catch_warnings(), _opened(data, name, limits) as image:
        warnings.simplefilter("ignore")
        _decode_whole(image, name)
        return _upright_size(image)


@contextmanager
def _opened(data: bytes, name: str, limits: ImageLimits) -> Iterator[PILImage.Image]:
    """The image opened from its header only, its size checked against the limit. Pillow's own guard against
    decompression bombs stays on, and whatever it says becomes an ImageRefused, never a warning or a traceback."""
    from PIL import Image

    limit = f"{limits.max_pixels / 1e6:g}"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # the limit below is the stricter one
            image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:
        raise ImageRefused(
            f"{name!r} is over {2 * (Image.MAX_IMAGE_PIXELS or 0) / 1e6:,.0f} megapixels, more than Pillow opens"
            f" (it may be a decompression bomb), and over the limit of {limit}: make it smaller"
        ) from None
    except Image.UnidentifiedImageError:
        raise ImageRefused(f"{name!r} is not an image Pillow can read: export it again") from None
    except (OSError, SyntaxError, ValueError) as error:
        raise ImageRefused(f"{name!r} cannot be read as an image ({error}): export it again") from None
    with image:
        width, height = image.size
        if width * height > limits.max_pixels:
            raise ImageRefused(
                f"{name!r} is {width:,} × {height:,} pixels ({width * height / 1e6:.3g} megapixels), over the "
                f"limit of {limit}: make it smaller, or raise max_image_megapixels in book.toml"
            )
        yield image


def _decode_whole(image: PILImage.Image, name: str) -> None:
    """Decode every frame: a file cut short or damaged fails here.

    WeasyPrint, once imported, tells Pillow to fill in what is missing
    (``LOAD_TRUNCATED_IMAGES``, for the whole process), so the print
    process and ``publish serve`` would pass a file cut in half: the flag
    is off while this decodes.
    """
    from PIL import ImageFile

    filling_in = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        for frame in range(getattr(image, "n_frames", 1)):
            image.seek(frame)
            image.load()
        image.seek(0)
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise ImageRefused(f"{name!r} is cut short or damaged ({error}): export it again") from None
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = filling_in


def _orientation(image: PILImage.Image) -> int:
    """A photo's EXIF orientation (1: as stored), read without decoding; EXIF that cannot be read is ignored, as
    Pillow and the readers ignore it."""
    if image.format not in ("JPEG", "WEBP"):
        return 1
    try:
        return int(image.getexif().get(EXIF_ORIENTATION, 1))
    except (OSError, SyntaxError, ValueError, TypeError):
        return 1


def _upright_size(image: PILImage.Image) -> tuple[int, int]:
    """The size as shown: a phone's portrait photo is often stored landscape, with an EXIF orientation."""
    width, height = image.size
    return (height, width) if _orientation(image) in QUARTER_TURNS else (width, height)


def _scaled(image: PILImage.Image, size: tuple[int, int]) -> PILImage.Image:
    """Turned upright by its EXIF orientation, in a mode Pillow scales (palettes are scaled in full colour), then
    scaled."""
    from PIL import Image, ImageOps

    upright = ImageOps.exif_transpose(image) if _orientation(image) != 1 else image
    if upright.mode not in ("L", "LA", "RGB", "RGBA", "CMYK"):
        has_alpha = "A" in upright.getbands() or "transparency" in upright.info
        upright = upright.convert("RGBA" if has_alpha else "RGB")
    return upright.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _encode(image: PILImage.Image, original: PILImage.Image) -> bytes:
    """``image`` in ``original``'s format, with its colour profile; EXIF is left behind (its orientation is applied)."""
    kind = original.format
    options: dict[str, object] = {}
    if original.info.get("icc_profile"):
        options["icc_profile"] = original.info["icc_profile"]
    if kind == "JPEG":
        if image.mode not in ("L", "RGB", "CMYK"):
            image = image.convert("RGB")
        options.update(quality=JPEG_QUALITY, optimize=True)
    elif kind == "WEBP":
        options.update(quality=JPEG_QUALITY, method=4)
    elif kind == "PNG":
        options.update(optimize=False)
    out = io.BytesIO()
    image.save(out, format=kind, **options)
    return out.getvalue()
