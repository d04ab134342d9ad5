"""Image decoding shared by models, thumbnails and ingest."""

from imagedrive.imaging.decode import DecodedImage, ImageSource, decode, decode_image
from imagedrive.imaging.errors import (
    CorruptImage,
    ImageDecodeError,
    ImageTooLarge,
    NotAnImage,
    UnsupportedFormat,
)

__all__ = [
    "CorruptImage",
    "DecodedImage",
    "ImageDecodeError",
    "ImageSource",
    "ImageTooLarge",
    "NotAnImage",
    "UnsupportedFormat",
    "decode",
    "decode_image",
]
