"""An image for a screen (the EPUB's and the web edition's), read through the build's resource policy."""

from __future__ import annotations

from publish.errors import PublishError
from publish.markup.fragment import IMAGE_TYPES, Image
from publish.markup.sanitize import svg_problem
from publish.read.resources import RefusedResource, ResourcePolicy
from publish.targets import Target


def screen_image(image: Image, resources: ResourcePolicy) -> tuple[str, bytes]:
    """An image's media type and bytes: read (or fetched, if remote images are allowed), checked, and fitted to an
    e-reader's screen."""
    try:
        resource = resources.read(image.source, resources.roots[0])
        if resource.media_type not in IMAGE_TYPES.values():
            raise PublishError(
                f"image {image.source!r} is {resource.media_type}, not an image type every e-reader shows"
            )
        if resource.media_type == "image/svg+xml" and (problem := svg_problem(resource.data)):
            raise PublishError(f"image {image.source!r} {problem}")
        return resource.media_type, resources.image(resource.data, image.source, Target.EPUB)
    except RefusedResource as refusal:
        raise PublishError(f"image {refusal}") from None
