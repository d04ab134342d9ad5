"""A short piece of OCR text around the first match, with the matched spans marked as offsets.

Offsets rather than markup: OCR text is untrusted, and the client escapes and highlights it itself.
Matching is case-insensitive substring matching of the whole query and of each of its words, so
codes inside longer tokens (`RE16` in `XRE16Y`) and CJK text (no spaces) are highlighted too.
"""

from __future__ import annotations

import re

_WINDOW = 160


def snippet(text: str, query: str, window: int = _WINDOW) -> tuple[str, list[tuple[int, int]]]:
    spans = _match_spans(text, query)
    if not spans:
        return text[:window], []
    first = spans[0][0]
    start = max(0, first - window // 3)
    end = min(len(text), start + window)
    piece = text[start:end]
    inside = [(s - start, e - start) for s, e in spans if s >= start and e <= end]
    return piece, inside


def _match_spans(text: str, query: str) -> list[tuple[int, int]]:
    terms = {query.strip(), *query.split()}
    pattern = "|".join(re.escape(t) for t in sorted((t for t in terms if t), key=len, reverse=True))
    if not pattern:
        return []
    return [(m.start(), m.end()) for m in re.finditer(pattern, text, flags=re.IGNORECASE)]

