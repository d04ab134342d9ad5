"""Runs one index build in its own process (its own database connection), for concurrency tests."""

from __future__ import annotations

from typing import Any


def build_when_told(user_id: int, model_version: str, bucket: str, go: Any, results: Any) -> None:
    from imagedrive.indexing.builder import build_user_index
    from imagedrive.indexing.store import IndexStore

    go.wait(30)
    try:
        outcome = build_user_index(user_id, model_version, store=IndexStore(bucket))
        results.put(("ok", outcome.version.version, outcome.current))
    except Exception as error:
        results.put(("error", repr(error), False))
