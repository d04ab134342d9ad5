"""Why an upload is not a usable image: each error carries a stable `.code` that ingest records.

They are `InvalidInput` domain errors, so the API answers them like any other bad input.
"""

from __future__ import annotations

from imagedrive.errors import InvalidInput


class ImageDecodeError(InvalidInput):
    """Base class: the bytes could not be turned into an RGB image."""

    code = "decode_failed"


class NotAnImage(ImageDecodeError):
    """Empty, or not an image at all (a text file named .jpg)."""

    code = "not_an_image"


class UnsupportedFormat(ImageDecodeError):
    """A real image, in a format the drive does not accept."""

    code = "unsupported_format"


class CorruptImage(ImageDecodeError):
    """The header parses but the pixel data is truncated or broken."""

    code = "corrupt_image"


class ImageTooLarge(ImageDecodeError):
    """More pixels than allowed: a decompression bomb or simply too big to process."""

    code = "image_too_large"
