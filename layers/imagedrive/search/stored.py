"""Vectors and ids read straight from Postgres for one search: never re-embedded, always visibility-checked."""

from __future__ import annotations

import numpy as np
from psycopg2 import sql

from imagedrive.db import fetch_one, transaction
from imagedrive.errors import Conflict, NotFound
from imagedrive.images.access import visible_clause


def stored_vector(user_id: int, image_id: int, model_version: str) -> np.ndarray:
    """The query vector of "similar": the image's own embedding, if the user may see the image."""
    query = sql.SQL(
        """SELECT e.vec, e.model_version FROM images i JOIN embeddings e ON e.image_id = i.id
           WHERE i.id = %s AND i.status = 'READY' AND {visible}"""
    ).format(visible=visible_clause(user_id))
    with transaction() as cur:
        cur.execute(query, (image_id,))
        row = cur.fetchone()
    if row is None:
        raise NotFound("no such image")
    if row["model_version"] != model_version:
        raise Conflict("this image is not embedded with the current model yet", code="not_embedded")
    return np.frombuffer(bytes(row["vec"]), dtype="<f4").astype(np.float32)


def stored_vectors(image_ids: list[int], model_version: str) -> dict[int, np.ndarray]:
    """Embeddings of already visibility-checked images (hybrid's OCR-only hits get a cosine too)."""
    if not image_ids:
        return {}
    with transaction() as cur:
        cur.execute("SELECT image_id, vec FROM embeddings WHERE image_id = ANY(%s) AND model_version = %s",
                    (image_ids, model_version))
        return {row["image_id"]: np.frombuffer(bytes(row["vec"]), dtype="<f4") for row in cur.fetchall()}


def own_ready_ids(user_id: int) -> np.ndarray:
    with transaction() as cur:
        cur.execute("SELECT coalesce(array_agg(id), '{}') AS ids FROM images WHERE owner_id = %s AND status = 'READY'",
                    (user_id,))
        return np.asarray(fetch_one(cur)["ids"], dtype=np.int64)
