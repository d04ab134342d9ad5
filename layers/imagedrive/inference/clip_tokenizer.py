"""CLIP's byte-level BPE tokenizer, reimplemented so the runtime needs neither torch nor transformers.

Text is cleaned exactly as Hugging Face's CLIPTokenizer does (Unicode NFC, runs of whitespace to one
space, lowercase), split with CLIP's regex, mapped byte-to-unicode and merged by rank with the `</w>`
end-of-word marker. The ids equal HF CLIPTokenizer's (the tests compare them); open_clip additionally
runs ftfy and unescapes HTML, which changes only mojibake and `&amp;`-style input.
"""

from __future__ import annotations

import json
import unicodedata
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

import numpy as np
import regex

_SPLIT = regex.compile(
    r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+"""
)
_WHITESPACE = regex.compile(r"\s+")
_END_OF_WORD = "</w>"


@lru_cache(maxsize=1)
def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's reversible map from bytes to printable characters, so BPE never sees control bytes."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    codepoints = printable[:]
    extra = 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            codepoints.append(256 + extra)
            extra += 1
    return dict(zip(printable, map(chr, codepoints), strict=True))


class ClipTokenizer:
    def __init__(self, vocab_file: Path, merges_file: Path, *, context_length: int, start_id: int, end_id: int):
        self.encoder: dict[str, int] = json.loads(vocab_file.read_text(encoding="utf-8"))
        merges = merges_file.read_text(encoding="utf-8").splitlines()
        pairs = [tuple(line.split()) for line in merges if line and not line.startswith("#version")]
        self.ranks: dict[tuple[str, ...], int] = {pair: rank for rank, pair in enumerate(pairs)}
        self.context_length = context_length
        self.start_id = start_id
        self.end_id = end_id
        self._byte_map = bytes_to_unicode()
        self._specials = {"<|startoftext|>": start_id, "<|endoftext|>": end_id}
        self._bpe = lru_cache(maxsize=65536)(self._merge_word)

    def encode(self, text: str) -> list[int]:
        """Token ids with start and end markers, truncated to the context length."""
        ids: list[int] = []
        for piece in _SPLIT.findall(self.clean(text)):
            if piece in self._specials:
                ids.append(self._specials[piece])
                continue
            mapped = "".join(self._byte_map[byte] for byte in piece.encode("utf-8"))
            ids.extend(self.encoder[token] for token in self._bpe(mapped))
        return [self.start_id, *ids[: self.context_length - 2], self.end_id]

    def encode_batch(self, texts: list[str]) -> np.ndarray:
        """int64 [n, longest]; padded with the end id, which the causal text tower never attends to."""
        rows = [self.encode(text) for text in texts]
        width = max(map(len, rows))
        return np.array([row + [self.end_id] * (width - len(row)) for row in rows], dtype=np.int64)

    @staticmethod
    def clean(text: str) -> str:
        collapsed = _WHITESPACE.sub(" ", unicodedata.normalize("NFC", text))
        # Character by character, as the tokenizers library lowercases: str.lower() would turn a
        # word-final Σ into ς, which HF's ids do not.
        return "".join(char.lower() for char in collapsed)

    def _merge_word(self, word: str) -> tuple[str, ...]:
        symbols = [*word[:-1], word[-1] + _END_OF_WORD]
        while len(symbols) > 1:
            pairs = [(self.ranks.get(pair, len(self.ranks)), i) for i, pair in enumerate(pairwise(symbols))]
            rank, index = min(pairs)
            if rank == len(self.ranks):
                break
            first, second = symbols[index], symbols[index + 1]
            merged: list[str] = []
            i = 0
            while i < len(symbols):
                if i < len(symbols) - 1 and symbols[i] == first and symbols[i + 1] == second:
                    merged.append(first + second)
                    i += 2
                else:
                    merged.append(symbols[i])
                    i += 1
            symbols = merged
        return tuple(symbols)
