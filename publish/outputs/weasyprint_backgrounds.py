"""A background image of one colour drawn as the filled rectangle it is, not in a group of its own.

WeasyPrint 70 draws every background image that does not repeat inside a
transparency group (a form XObject, with its own resources), so that a mask
inside the image and the clip outside it do not meet. A gradient of one
colour has no mask: it is one filled rectangle. The themes draw the notes
pages' twenty rules and a reveal's short rule so (print.css), and a long
book of short pieces has hundreds of notes pages: their groups and their
groups' resources were a third of its objects, every one of them written,
joined from the parts and read back by each build. Drawn in the page's own
content, the rules fall on the same pixels (tests/test_economy.py).
"""

from __future__ import annotations

from typing import Any

import weasyprint

WEASYPRINT_BACKGROUND_IMAGE = weasyprint.draw.draw_background_image


def _one_colour_drawn_in_place(stream, layer, style) -> None:
    """WeasyPrint's drawing of a background layer, with a one-colour gradient that does not repeat drawn in the
    stream itself, clipped to its painting area as WeasyPrint clips it."""
    if not _is_one_colour(layer, style):
        WEASYPRINT_BACKGROUND_IMAGE(stream, layer, style)
        return
    (x, y), (left, top) = layer.position, layer.positioning_area[:2]
    with stream.artifact(), stream.stacked():
        if not layer.unbounded:
            stream.rectangle(*layer.painting_area)
            stream.clip()
            stream.end()
        stream.transform(e=x + left, f=y + top)
        layer.image.draw(stream, *layer.size, style)


def _is_one_colour(layer: Any, style: Any) -> bool:
    image = layer.image
    if not isinstance(image, weasyprint.images.Gradient) or 0 in layer.size:
        return False
    if tuple(layer.repeat) != ("no-repeat", "no-repeat"):
        return False
    return bool(image.layout(*layer.size, style)[1] == "solid")


def draw_one_colour_in_place() -> None:
    weasyprint.draw.draw_background_image = _one_colour_drawn_in_place
