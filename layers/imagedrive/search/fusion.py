"""Reciprocal-rank fusion: score(d) = Σ over the lists that hold d of 1 / (rrf_k + rank of d), rank from 1.

Ranks, not scores, are fused, so CLIP cosines and OCR relevances never need a common scale; a hit in
both lists outranks one that is high in only one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from imagedrive.search.models import MatchReason, Source


@dataclass
class Fused:
    id: int
    score: float = 0.0
    reasons: list[MatchReason] = field(default_factory=list)


def fuse(ranked_lists: dict[Source, list[tuple[int, float]]], rrf_k: int) -> list[Fused]:
    """`ranked_lists`: per source, (image id, source score) best first."""
    fused: dict[int, Fused] = {}
    for source, ranked in ranked_lists.items():
        for rank, (image_id, score) in enumerate(ranked, start=1):
            entry = fused.setdefault(image_id, Fused(image_id))
            entry.score += 1.0 / (rrf_k + rank)
            entry.reasons.append(MatchReason(source=source, rank=rank, score=round(score, 6)))
    return sorted(fused.values(), key=lambda f: (-f.score, f.id))
