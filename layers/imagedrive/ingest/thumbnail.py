"""Thumbnails: the upright image, longest side at most `max_side`, as JPEG."""

from __future__ import annotations

import io

from PIL import Image

THUMBNAIL_MIME = "image/jpeg"


def make_thumbnail(image: Image.Image, max_side: int) -> bytes:
    """`image` comes from the shared decoder: RGB and already EXIF-rotated."""
    thumb = image.copy()
    thumb.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    thumb.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue()
