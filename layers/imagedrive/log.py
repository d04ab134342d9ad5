"""The one structured JSON logger every module uses, and a timer for per-step timings."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from aws_lambda_powertools import Logger

# Each function's POWERTOOLS_SERVICE_NAME (set by the template) names its lines; an explicit
# `service=` would override it, so the name is only a default for local processes and scripts.
logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME") or "imagedrive")


@contextmanager
def timed(timings: dict[str, float], step: str) -> Iterator[None]:
    """Record the wall time of a block in milliseconds under `step`."""
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[step] = round((time.perf_counter() - start) * 1000, 2)
