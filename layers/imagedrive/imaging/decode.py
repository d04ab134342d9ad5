"""The one image decoder used by models, thumbnails and ingest.

Everything downstream gets an 8-bit RGB image the right way up, so a rotated phone photo is embedded
and OCR-ed as it is shown, and transparency never turns into black backgrounds.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from imagedrive.image_types import MIME_BY_FORMAT
from imagedrive.imaging.errors import CorruptImage, ImageTooLarge, NotAnImage, UnsupportedFormat
from imagedrive.log import logger
from imagedrive.settings import get_settings

_SIXTEEN_BIT_MODES = {"I;16", "I;16B", "I;16L", "I;16N", "I"}
_WHITE = (255, 255, 255)
MAX_PAGES = 20  # pages of a multi-page TIFF that are decoded (for OCR); later ones are ignored

ImageSource = str | Path | bytes | Image.Image


@dataclass(frozen=True)
class DecodedImage:
    image: Image.Image  # RGB, EXIF orientation applied, first frame
    format: str | None  # Pillow's name ("JPEG"…); None for an in-memory image without one
    mime: str | None
    width: int  # as displayed, i.e. after EXIF orientation
    height: int
    pages: tuple[Image.Image, ...] = ()  # every page of a multi-page TIFF (the first is `image`), else (image,)


def decode(source: ImageSource, *, max_pixels: int | None = None) -> DecodedImage:
    """Decode a path, bytes or PIL image; raise an `ImageDecodeError` subclass when it is unusable."""
    limit = max_pixels if max_pixels is not None else get_settings().max_image_pixels
    image = source if isinstance(source, Image.Image) else _open(source, limit)
    _check_size(image, limit)
    _load_first_frame(image)
    upright = _apply_exif_orientation(image)
    rgb = _to_rgb(upright)
    pages: tuple[Image.Image, ...] = (rgb,)
    if image.format == "TIFF" and getattr(image, "n_frames", 1) > 1:
        rgb = rgb.copy()  # seeking to the next page would change a first page that is `image` itself
        pages = (rgb, *_later_pages(image, limit - rgb.width * rgb.height))
    return DecodedImage(rgb, image.format, MIME_BY_FORMAT.get(image.format or ""), rgb.width, rgb.height, pages)


def decode_image(source: ImageSource, *, max_pixels: int | None = None) -> Image.Image:
    """`decode` for callers that only want the RGB image."""
    return decode(source, max_pixels=max_pixels).image


def _open(source: str | Path | bytes, max_pixels: int) -> Image.Image:
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    if not data:
        raise NotAnImage("the file is empty")
    try:
        # Pillow warns between its own limit and twice it; our explicit limit replaces that warning.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except UnidentifiedImageError as exc:
        raise NotAnImage("the data is not an image Pillow recognises") from exc
    except Image.DecompressionBombError as exc:
        raise ImageTooLarge(f"{exc} (limit {max_pixels} pixels)") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise CorruptImage(f"the image header is broken: {exc}") from exc
    if image.format not in MIME_BY_FORMAT:
        raise UnsupportedFormat(f"{image.format} is not one of {', '.join(MIME_BY_FORMAT)}")
    return image


def _check_size(image: Image.Image, max_pixels: int) -> None:
    width, height = image.size
    if width * height > max_pixels:
        raise ImageTooLarge(f"{width}x{height} is more than the {max_pixels} pixels allowed")
    if width == 0 or height == 0:
        raise CorruptImage(f"the image claims a size of {width}x{height}")


def _load_first_frame(image: Image.Image) -> None:
    try:
        image.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image.load()
    except Image.DecompressionBombError as exc:
        raise ImageTooLarge(str(exc)) from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise CorruptImage(f"the pixel data is truncated or broken: {exc}") from exc


def _later_pages(image: Image.Image, pixels_left: int) -> list[Image.Image]:
    """Pages 2… of a multi-page TIFF, upright RGB, until MAX_PAGES or the pixel limit (counted over
    all pages, so many small pages cannot add up to a bomb); a broken page ends the list, keeping
    the pages before it."""
    pages = []
    for index in range(1, min(getattr(image, "n_frames", 1), MAX_PAGES)):
        try:
            image.seek(index)
            width, height = image.size
            if width * height > pixels_left:
                logger.warning("TIFF pages past the pixel limit are not read", extra={"page": index + 1})
                break
            pixels_left -= width * height
            image.load()
            pages.append(_to_rgb(_apply_exif_orientation(image.copy())))
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            logger.warning("TIFF page unreadable; later pages skipped", extra={"page": index + 1, "error": str(exc)})
            break
    return pages


def _apply_exif_orientation(image: Image.Image) -> Image.Image:
    try:
        return ImageOps.exif_transpose(image)
    except (OSError, SyntaxError, ValueError, KeyError) as exc:
        # A broken EXIF block should not cost the user the image; it is only shown unrotated.
        logger.warning("ignoring unreadable EXIF orientation", extra={"error": str(exc)})
        return image


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode in _SIXTEEN_BIT_MODES:
        image = _sixteen_bit_to_grey(image)
    if image.mode == "P":
        image = image.convert("RGBA") if "transparency" in image.info else image
    if image.mode in ("LA", "La", "PA", "RGBa"):
        image = image.convert("RGBA")
    if image.mode == "RGBA":
        background = Image.new("RGB", image.size, _WHITE)
        background.paste(image, mask=image.getchannel("A"))
        return background
    return image if image.mode == "RGB" else image.convert("RGB")


def _sixteen_bit_to_grey(image: Image.Image) -> Image.Image:
    # Pillow's own conversion clips 16-bit values at 255 (mostly white); scale to 8 bits instead.
    values = np.asarray(image, dtype=np.float64)
    return Image.fromarray(np.clip(values / 257.0, 0, 255).round().astype(np.uint8))
