"""A reproducible sample library: twelve categories of rendered images with real words in real
fonts (so OCR has something to read) and picture-like scenes (so CLIP has something to see).

Same seed, same bytes: tests and benchmarks can rely on the set, and re-importing it is a no-op.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

# Category → the zero-shot prompt auto-tagging compares images with.
CATEGORIES: dict[str, str] = {
    "receipts": "a photo of a shop receipt with prices",
    "documents": "a scanned page of a printed document",
    "posters": "a colourful event poster",
    "screenshots": "a screenshot of a computer application",
    "charts": "a bar chart or line chart",
    "signs": "a photo of a street sign",
    "notes": "a handwritten note",
    "tickets": "a train or concert ticket",
    "business-cards": "a business card",
    "menus": "a restaurant menu",
    "landscapes": "a landscape photo with mountains and sky",
    "cityscapes": "a photo of city buildings",
}

WORDS = (
    "account address after again answer apple around autumn balance bread bridge budget butter candle "
    "carbon castle center coffee corner cotton credit dinner doctor dollar dream driver energy engine "
    "evening family farmer flower forest garden ginger harbor honey island jacket kitchen ladder lemon "
    "letter market meeting mirror morning motor museum number office orange paper pencil pepper planet "
    "pocket project quarter rabbit report river salad school season signal silver simple spring station "
    "street summer sunday supply table ticket timber travel tunnel valley velvet village violet water "
    "window winter yellow"
).split()
STREETS = ["Main St", "Harbor Rd", "Station Ave", "Park Lane", "Mill Road", "King St", "Bridge St"]
ITEMS = ["Coffee", "Bread", "Butter", "Apples", "Lemons", "Honey", "Salad", "Pasta", "Tea", "Rice", "Milk"]
CITIES = ["Lyon", "Porto", "Bergen", "Graz", "Turin", "Ghent", "Krakow", "Malmo"]
_FONT_FILES = {
    "sans": "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "bold": "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "serif": "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    "mono": "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
    "oblique": "/usr/share/fonts/truetype/dejavu/DejaVuSans-Oblique.ttf",
}


@cache
def font(style: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu where Debian installed it; otherwise the TrueType font Pillow ships."""
    path = _FONT_FILES.get(style)
    if path and Path(path).exists():
        return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def _paper(size: tuple[int, int], rng: random.Random) -> Image.Image:
    tone = rng.randint(236, 252)
    return Image.new("RGB", size, (tone, tone, tone - rng.randint(0, 12)))


def receipt(rng: random.Random) -> Image.Image:
    image = _paper((420, 720), rng)
    draw = ImageDraw.Draw(image)
    y = 30
    draw.text((40, y), f"{rng.choice(CITIES).upper()} MARKET", font=font("bold", 30), fill="black")
    y += 50
    draw.text((40, y), f"{rng.randint(1, 99)} {rng.choice(STREETS)}", font=font("mono", 20), fill="black")
    y += 50
    total = 0.0
    for _ in range(rng.randint(4, 8)):
        price = rng.randint(50, 2500) / 100
        total += price
        draw.text((40, y), f"{rng.choice(ITEMS):<14}{price:>8.2f}", font=font("mono", 22), fill="black")
        y += 36
    draw.line((40, y + 5, 380, y + 5), fill="black", width=2)
    draw.text((40, y + 20), f"{'TOTAL':<14}{total:>8.2f}", font=font("mono", 24), fill="black")
    draw.text((40, y + 70), "THANK YOU", font=font("bold", 22), fill="black")
    return image


def document(rng: random.Random) -> Image.Image:
    image = _paper((850, 1100), rng)
    draw = ImageDraw.Draw(image)
    draw.text((80, 70), _words(rng, 3).title(), font=font("serif", 40), fill="black")
    y = 150
    for _ in range(rng.randint(14, 20)):
        draw.text((80, y), _words(rng, 8), font=font("serif", 24), fill=(20, 20, 20))
        y += 42
    return image


def poster(rng: random.Random) -> Image.Image:
    colour = tuple(rng.randint(60, 230) for _ in range(3))
    image = Image.new("RGB", (600, 850), colour)
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x, y, r = rng.randint(0, 600), rng.randint(0, 850), rng.randint(40, 160)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rng.randint(0, 255) for _ in range(3)))
    draw.rectangle((30, 60, 570, 260), fill="white")
    draw.text((50, 80), rng.choice(WORDS).upper(), font=font("bold", 72), fill="black")
    draw.text((50, 180), f"LIVE IN {rng.choice(CITIES).upper()}", font=font("bold", 40), fill=colour)
    draw.text((50, 760), f"{rng.randint(1, 28)} JUNE  {rng.randint(18, 23)}:00", font=font("bold", 36), fill="white")
    return image


def screenshot(rng: random.Random) -> Image.Image:
    image = Image.new("RGB", (1024, 640), (250, 250, 250))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 1024, 40), fill=(50, 60, 80))
    draw.text((16, 8), f"{rng.choice(WORDS).title()} - Settings", font=font("sans", 20), fill="white")
    draw.rectangle((0, 40, 220, 640), fill=(232, 235, 240))
    for i, word in enumerate(rng.sample(WORDS, 8)):
        draw.text((20, 70 + i * 40), word.title(), font=font("sans", 20), fill=(40, 40, 40))
    for i in range(6):
        y = 80 + i * 80
        draw.rectangle((260, y, 980, y + 56), outline=(200, 200, 210), width=2)
        draw.text((276, y + 14), _words(rng, 5), font=font("sans", 22), fill=(30, 30, 30))
    return image


def chart(rng: random.Random) -> Image.Image:
    image = Image.new("RGB", (800, 560), "white")
    draw = ImageDraw.Draw(image)
    draw.text((60, 20), f"{rng.choice(WORDS).title()} sales by period", font=font("bold", 28), fill="black")
    draw.line((80, 480, 760, 480), fill="black", width=3)
    draw.line((80, 80, 80, 480), fill="black", width=3)
    for i in range(rng.randint(4, 8)):
        height = rng.randint(40, 380)
        x = 110 + i * 80
        draw.rectangle((x, 480 - height, x + 50, 480), fill=(40 + i * 25, 90, 200 - i * 15))
        draw.text((x + 4, 490), f"P{i + 1}", font=font("sans", 20), fill="black")
    return image


def sign(rng: random.Random) -> Image.Image:
    image = _scene_sky((640, 480), rng)
    draw = ImageDraw.Draw(image)
    draw.rectangle((300, 240, 330, 480), fill=(90, 90, 90))
    colour = rng.choice([(0, 110, 60), (20, 60, 160), (180, 30, 30)])
    draw.rounded_rectangle((110, 90, 530, 260), radius=18, fill=colour, outline="white", width=6)
    draw.text((140, 110), rng.choice(STREETS).upper(), font=font("bold", 44), fill="white")
    draw.text((140, 180), f"{rng.choice(CITIES)} {rng.randint(2, 40)} km", font=font("bold", 36), fill="white")
    return image


def note(rng: random.Random) -> Image.Image:
    """Handwriting-like: an oblique font, each word jittered and slightly rotated, on lined paper."""
    image = Image.new("RGB", (700, 700), (255, 250, 200))
    draw = ImageDraw.Draw(image)
    for y in range(80, 700, 48):
        draw.line((30, y, 670, y), fill=(170, 190, 230), width=1)
    y = 40
    for _ in range(rng.randint(6, 11)):
        x = 40
        for word in _words(rng, rng.randint(3, 5)).split():
            glyphs = Image.new("RGBA", (len(word) * 24 + 20, 50), (0, 0, 0, 0))
            ImageDraw.Draw(glyphs).text((5, 5), word, font=font("oblique", 30), fill=(20, 30, 120, 255))
            glyphs = glyphs.rotate(rng.uniform(-6, 6), expand=True, resample=Image.Resampling.BICUBIC)
            image.paste(glyphs, (x, y + rng.randint(-3, 3)), glyphs)
            x += glyphs.width + rng.randint(0, 8)
        y += 48
    return image


def ticket(rng: random.Random) -> Image.Image:
    image = Image.new("RGB", (900, 340), (255, 240, 225))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 900, 60), fill=(200, 60, 40))
    draw.text((24, 12), "ADMIT ONE" if rng.random() < 0.5 else "RAIL TICKET", font=font("bold", 32), fill="white")
    origin, destination = rng.sample(CITIES, 2)
    draw.text((24, 90), f"{origin.upper()}  ->  {destination.upper()}", font=font("bold", 44), fill="black")
    draw.text((24, 170), f"SEAT {rng.randint(1, 80)}{rng.choice('ABCD')}   COACH {rng.randint(1, 12)}",
              font=font("mono", 28), fill="black")
    draw.text((24, 230), f"PRICE {rng.randint(900, 9900) / 100:.2f} EUR", font=font("mono", 28), fill="black")
    for x in range(660, 880, 6):
        draw.line((x, 90, x, 300), fill="black", width=rng.choice([1, 2, 3]))
    return image


def business_card(rng: random.Random) -> Image.Image:
    image = Image.new("RGB", (700, 400), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 24, 400), fill=tuple(rng.randint(0, 200) for _ in range(3)))
    first, last = rng.choice(WORDS).title(), rng.choice(WORDS).title()
    draw.text((60, 60), f"{first} {last}", font=font("bold", 42), fill="black")
    draw.text((60, 120), f"{rng.choice(WORDS).title()} Manager", font=font("sans", 26), fill=(80, 80, 80))
    draw.text((60, 240), f"+33 {rng.randint(100, 999)} {rng.randint(100, 999)} {rng.randint(100, 999)}",
              font=font("mono", 24), fill="black")
    draw.text((60, 290), f"{first.lower()}@{last.lower()}.example", font=font("mono", 24), fill="black")
    return image


def menu(rng: random.Random) -> Image.Image:
    image = _paper((600, 900), rng)
    draw = ImageDraw.Draw(image)
    draw.text((170, 40), "MENU", font=font("serif", 64), fill=(90, 30, 20))
    y = 160
    for item in rng.sample(ITEMS, 7):
        draw.text((60, y), f"{item} with {rng.choice(WORDS)}", font=font("serif", 28), fill="black")
        draw.text((460, y), f"{rng.randint(4, 28)}.{rng.choice(['00', '50', '90'])}", font=font("serif", 28),
                  fill="black")
        y += 90
    return image


def _scene_sky(size: tuple[int, int], rng: random.Random) -> Image.Image:
    width, height = size
    top = (rng.randint(40, 120), rng.randint(110, 170), rng.randint(200, 255))
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        t = y / height
        draw.line((0, y, width, y), fill=tuple(int(c * (1 - t) + 235 * t) for c in top))
    return image


def landscape(rng: random.Random) -> Image.Image:
    image = _scene_sky((800, 533), rng)
    draw = ImageDraw.Draw(image)
    sun_x = rng.randint(100, 700)
    draw.ellipse((sun_x - 40, 60, sun_x + 40, 140), fill=(255, 230, 120))
    for layer in range(3):
        shade = 60 + layer * 40
        points = [(0, 533)] + [(x, rng.randint(180 + layer * 70, 300 + layer * 70)) for x in range(0, 801, 100)]
        draw.polygon([*points, (800, 533)], fill=(shade // 2, shade, shade // 2))
    return image.filter(ImageFilter.GaussianBlur(1.2))


def cityscape(rng: random.Random) -> Image.Image:
    image = _scene_sky((800, 533), rng)
    draw = ImageDraw.Draw(image)
    x = 0
    while x < 800:
        width, height = rng.randint(50, 120), rng.randint(120, 420)
        grey = rng.randint(50, 140)
        draw.rectangle((x, 533 - height, x + width, 533), fill=(grey, grey, grey + 10))
        for wy in range(533 - height + 12, 520, 24):
            for wx in range(x + 8, x + width - 12, 18):
                if rng.random() < 0.6:
                    draw.rectangle((wx, wy, wx + 8, wy + 12), fill=(250, 230, 150))
        x += width + rng.randint(0, 10)
    return image


RENDERERS: dict[str, Callable[[random.Random], Image.Image]] = {
    "receipts": receipt, "documents": document, "posters": poster, "screenshots": screenshot,
    "charts": chart, "signs": sign, "notes": note, "tickets": ticket, "business-cards": business_card,
    "menus": menu, "landscapes": landscape, "cityscapes": cityscape,
}


def generate(out: Path, *, per_category: int = 5, seed: int = 7) -> list[Path]:
    """Write out/<category>/<category>-<n>.<ext>; return the paths. Existing files are rewritten
    with identical bytes, so generating twice changes nothing."""
    written = []
    for category, render in RENDERERS.items():
        folder = out / category
        folder.mkdir(parents=True, exist_ok=True)
        for n in range(per_category):
            rng = random.Random(f"{seed}:{category}:{n}")
            image = render(rng)
            photo_like = category in ("landscapes", "cityscapes", "signs")
            path = folder / f"{category}-{n:03d}.{'jpg' if photo_like else 'png'}"
            if photo_like:
                image.save(path, format="JPEG", quality=88)
            else:
                image.save(path, format="PNG", optimize=False)
            written.append(path)
    return written
