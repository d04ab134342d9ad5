"""Re-embedding after a model change: only other model versions, resumable, index marked stale."""

from __future__ import annotations

import numpy as np

from imagedrive.db import transaction
from imagedrive.ingest.bulk import reembed
from imagedrive.ingest.pipeline import IngestItem
from tests.fixtures import images
from tests.fixtures.ingest import make_user, put


def _vectors() -> dict[int, tuple[str, np.ndarray]]:
    with transaction() as cur:
        cur.execute("SELECT image_id, model_version, vec FROM embeddings ORDER BY image_id")
        return {r["image_id"]: (r["model_version"], np.frombuffer(bytes(r["vec"]), "<f4")) for r in cur.fetchall()}


def test_reembed_recomputes_only_vectors_of_another_model_version(ingestor, counting_embedder):
    alice = make_user("alice")
    outcomes = ingestor.ingest([IngestItem(put(f"uploads/{alice}/r{n}/p.jpg", images.picture(700 + n)))
                                for n in range(3)])
    ids = [o.image_id for o in outcomes]
    before = _vectors()
    old = np.full(len(before[ids[0]][1]), 1 / np.sqrt(len(before[ids[0]][1])), "<f4")
    with transaction() as cur:
        cur.execute("UPDATE embeddings SET model_version = 'clip:previous', vec = %s WHERE image_id = ANY(%s)",
                    (old.tobytes(), ids[:2]))
        cur.execute("UPDATE user_index_state SET stale_since = NULL")
    embedded = counting_embedder.images_embedded

    assert reembed(ingestor, chunk_size=1, batch_size=1) == {"reembedded": 2}
    assert counting_embedder.images_embedded == embedded + 2, "the third, current vector was left alone"
    after = _vectors()
    for image_id in ids:
        version, vector = after[image_id]
        assert version == counting_embedder.model_version
        # int8 dynamic quantisation scales activations per batch, so batch 1 vs 3 differs slightly.
        assert float(vector @ before[image_id][1]) > 0.999
    with transaction() as cur:
        cur.execute("SELECT count(*) AS n FROM user_index_state WHERE user_id = %s AND stale_since IS NOT NULL",
                    (alice,))
        assert cur.fetchone()["n"] == 1

    assert reembed(ingestor) == {}, "a second run finds nothing left to do"
