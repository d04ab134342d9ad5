"""An index build in its own process that stops at a chosen point and says so, for the drills that
kill the local AWS or the builder itself mid-build. The store is the real one."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from imagedrive.indexing.store import IndexManifest, IndexStore


class PausingStore(IndexStore):
    """The real store; around its upload it reports `paused` and waits for `go` (or forever)."""

    def __init__(self, bucket: str, when: str, paused: Any, go: Any) -> None:
        super().__init__(bucket)
        self.when, self.paused, self.go = when, paused, go

    def upload(self, prefix: str, folder: Path, manifest: IndexManifest) -> None:
        if self.when == "before_upload":
            self._pause()
        super().upload(prefix, folder, manifest)
        if self.when == "after_upload":  # uploaded, not yet published
            self._pause()

    def _pause(self) -> None:
        self.paused.set()
        if not self.go.wait(120):
            time.sleep(600)  # told nothing: wait to be killed


def build_pausing(user_id: int, model_version: str, bucket: str, when: str, paused: Any, go: Any,
                  results: Any) -> None:
    from imagedrive.indexing.builder import build_user_index

    try:
        outcome = build_user_index(user_id, model_version, store=PausingStore(bucket, when, paused, go))
        results.put(("ok", outcome.version.version))
    except Exception as error:
        results.put(("error", repr(error)))
