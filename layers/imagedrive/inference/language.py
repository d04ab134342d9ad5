"""Which text tower a query goes to.

"auto" (the default) sends text containing any letter outside ASCII — CJK, Cyrillic, Arabic, accented
Latin… — to the multilingual tower, and plain-ASCII text to CLIP's own text tower, which is the
better of the two for English and is the tower the image space was trained with. "multilingual"
sends every query to the multilingual tower, for drives whose users mostly write in other languages
(ASCII-only Spanish or German would otherwise go to the English tower). Without a multilingual
model folder everything goes to CLIP's text tower.
"""

from __future__ import annotations

from typing import Literal

TextRouting = Literal["auto", "multilingual"]
ROUTINGS: tuple[TextRouting, ...] = ("auto", "multilingual")


def has_non_ascii_letters(text: str) -> bool:
    return any(not char.isascii() and char.isalpha() for char in text)


def wants_multilingual(text: str, routing: TextRouting) -> bool:
    return routing == "multilingual" or has_non_ascii_letters(text)
