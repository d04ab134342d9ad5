"""decode(): every kind of upload the drive may receive, good and bad."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from imagedrive.imaging import (
    CorruptImage,
    ImageDecodeError,
    ImageTooLarge,
    NotAnImage,
    UnsupportedFormat,
    decode,
    decode_image,
)


def encode(image: Image.Image, fmt: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims a size its (tiny) data does not have: a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0")) + chunk(b"IEND", b"")


RED = (220, 20, 30)


@pytest.mark.parametrize(
    ("fmt", "mime"),
    [
        ("JPEG", "image/jpeg"),
        ("PNG", "image/png"),
        ("WEBP", "image/webp"),
        ("GIF", "image/gif"),
        ("BMP", "image/bmp"),
        ("TIFF", "image/tiff"),
    ],
)
def test_every_allowed_format_decodes_to_rgb(fmt, mime):
    decoded = decode(encode(Image.new("RGB", (64, 48), RED), fmt))
    assert (decoded.format, decoded.mime) == (fmt, mime)
    assert decoded.image.mode == "RGB"
    assert (decoded.width, decoded.height) == (64, 48) == decoded.image.size
    assert np.abs(np.asarray(decoded.image)[24, 32].astype(int) - RED).max() < 12


def test_paths_bytes_and_pil_images_are_all_accepted(tmp_path: Path):
    data = encode(Image.new("RGB", (10, 10), RED), "PNG")
    (tmp_path / "a.png").write_bytes(data)
    for source in (tmp_path / "a.png", str(tmp_path / "a.png"), data, Image.open(io.BytesIO(data))):
        assert decode_image(source).getpixel((5, 5)) == RED


@pytest.mark.parametrize(
    ("data", "error", "code"),
    [
        (b"", NotAnImage, "not_an_image"),
        (b"hello, I am a text file named photo.jpg\n" * 10, NotAnImage, "not_an_image"),
        (encode(Image.new("RGB", (8, 8)), "PPM"), UnsupportedFormat, "unsupported_format"),
        (encode(Image.new("RGB", (8, 8)), "PCX"), UnsupportedFormat, "unsupported_format"),
        (png_claiming(30000, 30000), ImageTooLarge, "image_too_large"),
    ],
    ids=["zero-bytes", "text-file", "ppm", "pcx", "png-bomb"],
)
def test_unusable_data_raises_a_coded_error(data, error, code):
    with pytest.raises(error) as caught:
        decode(data)
    assert caught.value.code == code
    assert isinstance(caught.value, ImageDecodeError)
    assert caught.value.message


def test_a_truncated_jpeg_is_corrupt():
    noise = np.random.default_rng(0).integers(0, 256, (256, 256, 3), dtype=np.uint8)
    data = encode(Image.fromarray(noise), "JPEG", quality=95)
    with pytest.raises(CorruptImage) as caught:
        decode(data[: len(data) // 2])
    assert caught.value.code == "corrupt_image"


def test_a_png_with_broken_pixel_data_is_corrupt():
    data = bytearray(encode(Image.new("RGB", (64, 64), RED), "PNG"))
    start = data.index(b"IDAT") + 4
    data[start : start + 20] = b"\xff" * 20
    with pytest.raises(CorruptImage):
        decode(bytes(data))


def test_the_pixel_limit_is_enforced_with_an_error_not_a_warning():
    data = encode(Image.new("RGB", (100, 100)), "PNG")
    with pytest.raises(ImageTooLarge, match="100x100"):
        decode(data, max_pixels=9_999)
    assert decode(data, max_pixels=10_000).width == 100


def test_a_one_pixel_image_is_a_valid_image():
    decoded = decode(encode(Image.new("RGB", (1, 1), RED), "PNG"))
    assert decoded.image.size == (1, 1)


def test_cmyk_becomes_rgb():
    decoded = decode(encode(Image.new("CMYK", (16, 16), (0, 255, 255, 0)), "JPEG"))
    assert decoded.image.mode == "RGB"
    red, green, blue = decoded.image.getpixel((8, 8))
    assert red > 200 and green < 60 and blue < 60


def test_sixteen_bit_greyscale_is_scaled_not_clipped():
    ramp = np.array([[0, 32768, 65535]], dtype=np.uint16)
    decoded = decode(encode(Image.fromarray(ramp), "PNG"))
    assert [decoded.image.getpixel((x, 0)) for x in range(3)] == [(0, 0, 0), (128, 128, 128), (255, 255, 255)]


def test_greyscale_and_la_become_rgb_on_white():
    assert decode(encode(Image.new("L", (4, 4), 77), "PNG")).image.getpixel((1, 1)) == (77, 77, 77)
    assert decode(encode(Image.new("LA", (4, 4), (0, 0)), "PNG")).image.getpixel((1, 1)) == (255, 255, 255)


def test_palette_transparency_is_flattened_onto_white():
    palette_image = Image.new("P", (8, 8), 0)
    palette_image.putpalette([0, 0, 0, *RED] + [0] * 762)
    palette_image.putpixel((0, 0), 1)
    decoded = decode(encode(palette_image, "PNG", transparency=0))
    assert decoded.image.getpixel((0, 0)) == RED
    assert decoded.image.getpixel((5, 5)) == (255, 255, 255)


def test_rgba_alpha_is_flattened_onto_white():
    image = Image.new("RGBA", (8, 8), (0, 0, 0, 0))
    image.putpixel((1, 1), (*RED, 255))
    decoded = decode(encode(image, "WEBP", lossless=True))
    assert decoded.image.getpixel((1, 1)) == RED
    assert decoded.image.getpixel((6, 6)) == (255, 255, 255)


@pytest.mark.parametrize("fmt", ["GIF", "TIFF"])
def test_only_the_first_frame_is_used(fmt):
    frames = [Image.new("RGB", (16, 16), colour) for colour in (RED, (10, 200, 10), (10, 10, 200))]
    data = encode(frames[0], fmt, save_all=True, append_images=frames[1:])
    assert getattr(Image.open(io.BytesIO(data)), "n_frames", 1) == 3
    red, green, _ = decode(data).image.getpixel((8, 8))
    assert red > 180 and green < 60


def test_exif_orientation_is_applied():
    # Stored 40 wide x 20 high with a red left half; orientation 6 means "rotate 90° clockwise to view".
    stored = Image.new("RGB", (40, 20), (255, 255, 255))
    stored.paste(RED, (0, 0, 20, 20))
    exif = Image.Exif()
    exif[0x0112] = 6
    decoded = decode(encode(stored, "JPEG", exif=exif, quality=95))
    assert (decoded.width, decoded.height) == (20, 40)
    top, bottom = (np.asarray(decoded.image)[y, 10].astype(int) for y in (5, 35))
    assert top[1] < 80 and bottom[1] > 200  # the red half is now on top


def _tiff(pages: list[Image.Image]) -> bytes:
    return encode(pages[0], "TIFF", save_all=True, append_images=pages[1:])


def test_every_page_of_a_multi_page_tiff_is_decoded_upright_in_rgb():
    pages = [Image.new("RGB", (60, 40), RED), Image.new("L", (30, 50), 128), Image.new("RGBA", (20, 20), (0, 0, 0, 0))]
    decoded = decode(_tiff(pages))
    assert [p.size for p in decoded.pages] == [(60, 40), (30, 50), (20, 20)]
    assert {p.mode for p in decoded.pages} == {"RGB"}
    assert decoded.pages[0] is decoded.image and decoded.image.getpixel((0, 0)) == RED, "page 1 stays page 1"
    assert decoded.pages[1].getpixel((0, 0)) == (128, 128, 128)
    assert decoded.pages[2].getpixel((0, 0)) == (255, 255, 255), "transparency composited on white"


def test_a_single_image_is_its_only_page():
    decoded = decode(encode(Image.new("RGB", (8, 8), RED), "PNG"))
    assert decoded.pages == (decoded.image,)


def test_tiff_pages_stop_at_the_pixel_limit_counted_over_all_pages():
    pages = [Image.new("RGB", (100, 100), RED)] * 5
    decoded = decode(_tiff(pages), max_pixels=30_000)
    assert len(decoded.pages) == 3
