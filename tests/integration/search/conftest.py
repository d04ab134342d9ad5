"""Planted data for search tests: images and embedding rows written directly, so rankings are exact,
and an engine whose "model" maps query texts and pictures to planted vectors (Postgres, S3 and FAISS
are the real ones)."""

from __future__ import annotations

import hashlib
import itertools

import numpy as np
import pytest
from psycopg2.extras import execute_values

from imagedrive.db import transaction
from imagedrive.indexing.cache import IndexCache
from imagedrive.indexing.store import IndexStore
from imagedrive.search.engine import SearchEngine

MODEL = "planted-v1"
DIM = 512
_serial = itertools.count()


def unit_rows(rng: np.random.Generator, n: int) -> np.ndarray:
    rows = rng.standard_normal((n, DIM)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def plant(owner_id: int, vectors: np.ndarray, *, visibility: str = "private", model_version: str = MODEL,
          name: str = "planted") -> list[int]:
    """READY images with these vectors; their ids, in order."""
    rows = []
    for _ in range(len(vectors)):
        n = next(_serial)
        rows.append((owner_id, f"s3://test/{n}", f"{name}-{n}.jpg", hashlib.sha256(str(n).encode()).hexdigest(),
                     visibility))
    with transaction() as cur:
        ids = [r["id"] for r in execute_values(
            cur,
            """INSERT INTO images (owner_id, uri, filename, checksum, size, status, ready_at, visibility)
               SELECT v.owner_id, v.uri, v.filename, v.checksum, 1, 'READY', now(), v.visibility
               FROM (VALUES %s) AS v(owner_id, uri, filename, checksum, visibility) RETURNING id""",
            rows, page_size=1000, fetch=True,
        )]
        execute_values(
            cur, "INSERT INTO embeddings (image_id, model_version, dim, normalized, vec) VALUES %s",
            [(i, model_version, DIM, True, np.ascontiguousarray(v, "<f4").tobytes())
             for i, v in zip(ids, vectors, strict=True)],
            page_size=1000,
        )
    return ids


def set_ocr(image_id: int, text: str) -> None:
    with transaction() as cur:
        cur.execute("INSERT INTO ocr_texts (image_id, text) VALUES (%s, %s)", (image_id, text))


def set_visibility(image_id: int, visibility: str) -> None:
    """What the API does when an owner changes visibility (and what makes the change fresh)."""
    with transaction() as cur:
        cur.execute("UPDATE images SET visibility = %s, updated_at = now() WHERE id = %s", (visibility, image_id))


class PlantedEmbedder:
    """Stands in for CLIP: query texts and pictures map to the vectors a test planted for them."""

    model_version = MODEL
    dim = DIM

    def __init__(self) -> None:
        self.texts: dict[str, np.ndarray] = {}
        self.images: dict[bytes, np.ndarray] = {}

    def embed_text(self, text: str) -> np.ndarray:
        return self.texts[text]

    def embed_image(self, image: bytes) -> np.ndarray:
        return self.images[image]


@pytest.fixture
def store(cloud) -> IndexStore:
    return IndexStore(cloud.derived_bucket)


@pytest.fixture
def embedder() -> PlantedEmbedder:
    return PlantedEmbedder()


@pytest.fixture
def engine(embedder, store, clean_db, tmp_path) -> SearchEngine:
    return SearchEngine(embedder, IndexCache(store, tmp_path / "indexes", 1 << 30))


@pytest.fixture
def system_user(clean_db) -> int:
    with transaction() as cur:
        cur.execute("SELECT id FROM users WHERE role = 'system'")
        return cur.fetchone()["id"]
