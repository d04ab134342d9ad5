"""Deterministic fixture images and texts for parity checks (no files to download or commit)."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

TEXTS = [
    "a photo of a cat",
    "A dog running on the BEACH at sunset!!",
    "It's 3:45pm — don't won't I'm you'll we'd they've",
    "naïve café résumé Ærøskøbing",
    "一只橙色的猫在床上睡觉",
    "Кошка спит на кровати",
    "emoji 🐱🚀 and symbols ©®™ ½",
    "   multiple   spaces\tand\nnewlines   ",
    "<|startoftext|> special tokens inline <|endoftext|>",
    "numbers 1234567890 and 3.14159",
    "a very long caption " * 20,
    "",
]


def page_with_text(lines: list[str], size: tuple[int, int] = (1000, 700), font_size: int = 48) -> Image.Image:
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=font_size)
    for row, line in enumerate(lines):
        draw.text((60, 60 + row * int(font_size * 1.8)), line, fill="black", font=font)
    return image


def images() -> dict[str, Image.Image]:
    rng = np.random.default_rng(0)
    gradient = np.linspace(0, 255, 320 * 240 * 3).reshape(240, 320, 3).astype(np.uint8)
    shapes = Image.new("RGB", (500, 300), (30, 90, 160))
    draw = ImageDraw.Draw(shapes)
    draw.ellipse((40, 40, 220, 220), fill=(250, 160, 20))
    draw.rectangle((260, 60, 460, 260), fill=(20, 200, 90))
    return {
        "gradient": Image.fromarray(gradient),
        "shapes": shapes,
        "portrait_noise": Image.fromarray(rng.integers(0, 256, (400, 200, 3), dtype=np.uint8)),
        "text_page": page_with_text(["Hello Image Drive", "Invoice 2026-11-21"]),
        "one_pixel": Image.new("RGB", (1, 1), (128, 64, 32)),
    }


def ocr_pages() -> dict[str, Image.Image]:
    return {
        "two_lines": page_with_text(["Hello Image Drive", "Invoice 2026-11-21"]),
        "paragraph": page_with_text(["The quick brown fox", "jumps over the lazy dog", "0123456789"], font_size=36),
    }
