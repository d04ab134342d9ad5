"""Loaded indexes kept across warm invocations of the query function, keyed by (user, version).

Memory holds the least recently used indexes within a byte budget; /tmp holds a copy of each user's
current version, so a memory eviction reloads from disk instead of S3. A new version for a user
replaces the old one in both places: nothing is reloaded while the version stays the same.
"""

from __future__ import annotations

import shutil
import threading
from collections import OrderedDict
from datetime import datetime
from pathlib import Path

from imagedrive.indexing.search_index import SearchIndex, read_index
from imagedrive.indexing.store import (
    INDEX_FILE,
    MANIFEST_FILE,
    POSITIONS_FILE,
    IndexManifest,
    IndexStore,
    IndexUnavailable,
)
from imagedrive.indexing.versions import IndexVersion
from imagedrive.log import logger


class IndexCache:
    def __init__(self, store: IndexStore, folder: Path, budget_bytes: int) -> None:
        self.store = store
        self.folder = folder
        self.budget_bytes = budget_bytes
        self._loaded: OrderedDict[tuple[int, int], SearchIndex] = OrderedDict()
        self._lock = threading.Lock()
        # One load per user at a time: concurrent first searches share one download instead of racing
        # in the same folder (a load also clears the user's other folders).
        self._loading: dict[int, threading.Lock] = {}
        self.loads = {"memory": 0, "disk": 0, "s3": 0}  # where each `get` was served from

    def get(self, version: IndexVersion) -> SearchIndex:
        key = (version.user_id, version.version)
        with self._lock:
            index = self._loaded.get(key)
            if index is not None:
                self._loaded.move_to_end(key)
                self.loads["memory"] += 1
                return index
        with self._lock:
            loading = self._loading.setdefault(version.user_id, threading.Lock())
        with loading:
            with self._lock:
                index = self._loaded.get(key)
                if index is not None:  # another request loaded it while this one waited
                    self.loads["memory"] += 1
                    return index
            index = self._load(version)
        with self._lock:
            for old in [k for k in self._loaded if k[0] == version.user_id and k != key]:
                del self._loaded[old]
            self._loaded[key] = index
            self._evict()
        return index

    def _load(self, version: IndexVersion) -> SearchIndex:
        folder = self.folder / str(version.user_id) / str(version.version)
        if _is_copy_of(folder, version):
            self.loads["disk"] += 1
        else:
            self._drop_other_versions(folder)
            shutil.rmtree(folder, ignore_errors=True)  # an older namesake (a recreated database)
            self.store.download(version.s3_prefix, folder)
            self.loads["s3"] += 1
        try:
            index = read_index(folder / INDEX_FILE, folder / POSITIONS_FILE)
        except (RuntimeError, ValueError, OSError) as error:  # faiss and numpy refusing a damaged file
            shutil.rmtree(folder, ignore_errors=True)
            raise IndexUnavailable(f"index {version.s3_prefix} cannot be read: {error}") from error
        if index.size != version.count:
            shutil.rmtree(folder, ignore_errors=True)
            raise IndexUnavailable(f"index {version.s3_prefix} has {index.size} rows, its version row says "
                                   f"{version.count}")
        return index

    def _drop_other_versions(self, folder: Path) -> None:
        for sibling in folder.parent.glob("*"):
            if sibling != folder and "." not in sibling.name:  # "7.abc123": a download in progress, not ours
                shutil.rmtree(sibling, ignore_errors=True)

    def _evict(self) -> None:
        total = sum(index.nbytes for index in self._loaded.values())
        while total > self.budget_bytes and len(self._loaded) > 1:
            key, index = self._loaded.popitem(last=False)
            total -= index.nbytes
            logger.info("index evicted from memory", extra={"user_id": key[0], "version": key[1]})


def _is_copy_of(folder: Path, version: IndexVersion) -> bool:
    try:
        manifest = IndexManifest.from_json((folder / MANIFEST_FILE).read_text())
    except (OSError, ValueError, TypeError):
        return False
    return datetime.fromisoformat(manifest.built_at) == version.built_at
