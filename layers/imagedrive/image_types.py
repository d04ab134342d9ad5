"""The image types the drive accepts, defined once: what uploads may declare (the settings' default),
what the decoder takes, and which file names a bulk import picks up."""

from __future__ import annotations

# Pillow's format name → the MIME type the drive stores and accepts.
MIME_BY_FORMAT = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/gif",
    "BMP": "image/bmp",
    "TIFF": "image/tiff",
}
ACCEPTED_MIME_TYPES = tuple(MIME_BY_FORMAT.values())
# File name suffix → MIME type, for files that arrive without a declared type (bulk import).
MIME_BY_SUFFIX = {
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp", ".gif": "image/gif",
    ".bmp": "image/bmp", ".tif": "image/tiff", ".tiff": "image/tiff",
}
