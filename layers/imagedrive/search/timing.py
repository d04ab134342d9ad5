"""Per-step wall times of one search, summed when a step runs more than once (over-fetch rounds)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from imagedrive.search.models import Timing

STEPS = ("embed", "load", "search", "hydrate")


class Stopwatch:
    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.ms = dict.fromkeys(STEPS, 0.0)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.ms[name] += (time.perf_counter() - start) * 1000

    def total_ms(self) -> float:
        return (time.perf_counter() - self.started) * 1000

    def timing(self, *, index_version: int | None = None, shared_index_version: int | None = None,
               index_size: int = 0, fresh_size: int = 0) -> Timing:
        return Timing(
            **{f"{name}_ms": round(ms, 2) for name, ms in self.ms.items()}, total_ms=round(self.total_ms(), 2),
            index_version=index_version, shared_index_version=shared_index_version, index_size=index_size,
            fresh_size=fresh_size,
        )
