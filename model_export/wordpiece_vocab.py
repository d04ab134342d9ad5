"""A deterministic WordPiece vocabulary for the random-init multilingual tower.

The real DistilBERT multilingual vocabulary (119,547 entries) lives on the hub only, so offline we
build one with the same layout and coverage idea: BERT's special ids ([PAD] 0, [UNK] 100, [CLS] 101,
[SEP] 102, [MASK] 103), single characters of the main scripts (each CJK ideograph is its own token,
as BERT splits them; other scripts also get a `##` continuation form), then English word pieces
taken from CLIP's BPE merges. Same inputs, same order, same ids on every machine.
"""

from __future__ import annotations

import json
from pathlib import Path

_SPECIALS = ["[PAD]", *(f"[unused{i}]" for i in range(1, 100)), "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
_CJK = [(0x3000, 0x303F), (0x3041, 0x3096), (0x30A1, 0x30FA), (0x4E00, 0x9FFF), (0xFF01, 0xFF5E)]
_ALPHABETS = [
    (0x21, 0x7E),  # ASCII
    (0xA1, 0xFF),  # Latin-1
    (0x100, 0x17F),  # Latin Extended-A
    (0x391, 0x3C9),  # Greek
    (0x400, 0x44F),  # Cyrillic
    (0x5D0, 0x5EA),  # Hebrew
    (0x621, 0x64A),  # Arabic
    (0x900, 0x97F),  # Devanagari
    (0xAC00, 0xD7A3),  # Hangul syllables
]


def _characters(ranges: list[tuple[int, int]]) -> list[str]:
    return [chr(code) for first, last in ranges for code in range(first, last + 1) if chr(code).isprintable()]


def build_vocab(clip_vocab_file: Path) -> list[str]:
    letters = _characters(_ALPHABETS)
    pieces: list[str] = []
    for token in json.loads(clip_vocab_file.read_text(encoding="utf-8")):
        word = token.removesuffix("</w>")
        if word.isascii() and word.isalpha() and len(word) > 1:
            pieces += [word, "##" + word]  # a BPE piece may start a word or continue one
    vocab = [*_SPECIALS, *letters, *(f"##{c}" for c in letters), *_characters(_CJK), *pieces]
    return list(dict.fromkeys(vocab))  # drop repeats, keep first positions
