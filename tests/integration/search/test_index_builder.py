"""Building per-user indexes: Postgres → FAISS → S3 → pointer switch, against the real services."""

from __future__ import annotations

import json
import multiprocessing

import numpy as np
import pytest

from imagedrive import storage
from imagedrive.aws import client
from imagedrive.db import transaction
from imagedrive.indexing import versions
from imagedrive.indexing.builder import build_user_index
from imagedrive.indexing.cache import IndexCache
from imagedrive.indexing.flat_index import FlatIndex
from imagedrive.indexing.partitioned_index import PartitionedIndex
from imagedrive.indexing.stale import mark_stale
from imagedrive.indexing.store import IndexStore
from imagedrive.indexing.vectors import read_visible
from imagedrive.settings import get_settings
from imagedrive.storage import ObjectRef, index_prefix
from tests.integration.search.build_worker import build_when_told
from tests.integration.search.conftest import MODEL, plant, unit_rows


def _current(user_id: int):
    with transaction() as cur:
        return versions.current(cur, user_id)


def _state(user_id: int) -> dict:
    with transaction() as cur:
        cur.execute("SELECT * FROM user_index_state WHERE user_id = %s", (user_id,))
        return cur.fetchone()


def _version_rows(user_id: int) -> dict[int, str]:
    with transaction() as cur:
        cur.execute("SELECT version, status FROM index_versions WHERE user_id = %s ORDER BY version", (user_id,))
        return {r["version"]: r["status"] for r in cur.fetchall()}


def _objects(store: IndexStore, user_id: int) -> set[str]:
    from imagedrive.aws import client

    listing = client("s3").list_objects_v2(Bucket=store.bucket, Prefix=f"indexes/{user_id}/")
    return {o["Key"] for o in listing.get("Contents", [])}


def test_the_visible_set_is_own_public_and_system_ready_images_of_the_model(alice, bob, system_user):
    rng = np.random.default_rng(0)
    own = plant(alice, unit_rows(rng, 3))
    public = plant(bob, unit_rows(rng, 2), visibility="public")
    system = plant(system_user, unit_rows(rng, 2), visibility="system")
    plant(bob, unit_rows(rng, 2))  # bob's private
    plant(alice, unit_rows(rng, 2), model_version="older-model")
    pending = plant(alice, unit_rows(rng, 1))
    with transaction() as cur:
        cur.execute("UPDATE images SET status = 'PENDING', ready_at = NULL WHERE id = %s", (pending[0],))

    with transaction() as cur:
        found = read_visible(cur, alice, MODEL)
        cur.execute("SELECT max(greatest(i.updated_at, e.created_at)) AS newest FROM images i "
                    "JOIN embeddings e ON e.image_id = i.id WHERE i.id = ANY(%s)", (own + public + system,))
        newest = cur.fetchone()["newest"]

    assert found.ids.tolist() == sorted(own + public + system)
    with transaction() as cur:
        cur.execute("SELECT image_id, vec FROM embeddings WHERE image_id = ANY(%s)", (found.ids.tolist(),))
        stored = {r["image_id"]: np.frombuffer(bytes(r["vec"]), "<f4") for r in cur.fetchall()}
    np.testing.assert_array_equal(found.vectors, np.stack([stored[i] for i in found.ids.tolist()]))
    assert found.watermark == newest


def test_a_build_writes_the_version_to_s3_and_makes_it_current(alice, bob, store, tmp_path):
    rng = np.random.default_rng(1)
    vectors = unit_rows(rng, 50)
    ids = plant(alice, vectors)
    plant(bob, unit_rows(rng, 5))
    with transaction() as cur:
        mark_stale(cur, [alice])

    result = build_user_index(alice, MODEL, store=store)

    current = _current(alice)
    assert result.current and current.version == result.version.version == 1
    assert (current.count, current.dim, current.model_version) == (50, 512, MODEL)
    assert _state(alice)["stale_since"] is None, "nothing changed during the build"
    prefix = index_prefix(alice, 1)
    manifest = json.loads(storage.s3_objects().read_bytes(ObjectRef(store.bucket, prefix + "manifest.json")))
    assert manifest["count"] == 50 and manifest["model_version"] == MODEL and manifest["version"] == 1
    assert manifest["watermark"] == current.watermark.isoformat()
    assert manifest["build_ms"] > 0
    folder = tmp_path / "copy"
    store.download(prefix, folder)
    index = FlatIndex.read(folder / "index.faiss", folder / "positions.npy")
    assert sorted(index.positions.tolist()) == ids
    np.testing.assert_array_equal(index.top_k(vectors[7], 1).ids, [ids[7]])


def test_old_versions_are_deleted_keeping_the_previous_one(alice, store):
    plant(alice, unit_rows(np.random.default_rng(2), 10))
    for _ in range(4):
        build_user_index(alice, MODEL, store=store)
    assert _version_rows(alice) == {3: "ready", 4: "ready"}
    assert _current(alice).version == 4
    assert _objects(store, alice) == {index_prefix(alice, v) + f for v in (3, 4)
                                      for f in ("index.faiss", "positions.npy", "manifest.json")}


def test_a_failed_build_keeps_the_old_version_serving(alice, store, cloud):
    plant(alice, unit_rows(np.random.default_rng(3), 10))
    build_user_index(alice, MODEL, store=store)
    with transaction() as cur:
        mark_stale(cur, [alice])

    with pytest.raises(Exception, match=r"NoSuchBucket|does not exist"):
        build_user_index(alice, MODEL, store=IndexStore("imagedrive-test-no-such-bucket"))

    assert _current(alice).version == 1
    assert _version_rows(alice) == {1: "ready", 2: "failed"}
    assert _state(alice)["stale_since"] is not None, "still stale: the next build must happen"
    assert build_user_index(alice, MODEL, store=store).version.version == 3


class _MarksStaleWhileUploading(IndexStore):
    """A real store; an image change lands while the upload is under way."""

    def __init__(self, bucket: str, user_id: int) -> None:
        super().__init__(bucket)
        self.user_id = user_id

    def upload(self, prefix, folder, manifest) -> None:
        with transaction() as cur:
            mark_stale(cur, [self.user_id])
        super().upload(prefix, folder, manifest)


def test_a_change_during_the_build_keeps_the_user_stale(alice, cloud):
    plant(alice, unit_rows(np.random.default_rng(4), 5))
    with transaction() as cur:
        mark_stale(cur, [alice])
    build_user_index(alice, MODEL, store=_MarksStaleWhileUploading(cloud.derived_bucket, alice))
    assert _current(alice).version == 1
    assert _state(alice)["stale_since"] is not None


def test_concurrent_builds_end_with_one_consistent_current_version(alice, store, tmp_path):
    plant(alice, unit_rows(np.random.default_rng(5), 200))
    context = multiprocessing.get_context("spawn")
    go, results = context.Event(), context.Queue()
    workers = [context.Process(target=build_when_told, args=(alice, MODEL, store.bucket, go, results))
               for _ in range(4)]
    for worker in workers:
        worker.start()
    go.set()
    outcomes = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(30)

    assert [o[0] for o in outcomes] == ["ok"] * 4, outcomes
    current = _current(alice)
    rows = _version_rows(alice)
    assert current.version == 4, "the newest version wins, whichever finished last"
    assert [o[1] for o in outcomes if o[2]] and max(o[1] for o in outcomes) == 4
    # Publication order is free: the newest is current and at most one older version (the one it replaced,
    # which a query function may still be loading) stays ready; the rest are retired, none left building.
    ready = [v for v, status in rows.items() if status == "ready"]
    assert rows[4] == "ready" and len(ready) <= 2 and "building" not in rows.values(), rows
    folder = tmp_path / "current"
    store.download(current.s3_prefix, folder)
    assert FlatIndex.read(folder / "index.faiss", folder / "positions.npy").size == current.count == 200


def test_a_large_index_is_partitioned_and_its_floats_travel_with_it(alice, store, tmp_path, monkeypatch, request):
    monkeypatch.setenv("IMAGEDRIVE_INDEX_FLAT_MAX", "100")
    get_settings.cache_clear()
    request.addfinalizer(get_settings.cache_clear)  # later tests read the setting as it was
    vectors = unit_rows(np.random.default_rng(8), 300)
    ids = plant(alice, vectors)

    build_user_index(alice, MODEL, store=store)

    current = _current(alice)
    manifest = json.loads(storage.s3_objects().read_bytes(ObjectRef(store.bucket, current.s3_prefix + "manifest.json")))
    assert manifest["kind"] == "partitioned" and "vectors.npy" in manifest["files"]
    assert {key.removeprefix(current.s3_prefix) for key in _objects(store, alice)} >= set(manifest["files"])
    assert store.problem(current.s3_prefix, 300) is None
    index = IndexCache(store, tmp_path / "cache", 1 << 30).get(current)
    assert isinstance(index, PartitionedIndex) and index.size == 300
    assert index.top_k(vectors[42], 1).ids.tolist() == [ids[42]]
    floor = float(np.sort(vectors @ vectors[42])[-25])
    assert sorted(index.at_least(vectors[42], floor).ids.tolist()) == sorted(
        np.array(ids)[vectors @ vectors[42] >= floor].tolist()), "threshold sets stay exact"
    client("s3").delete_object(Bucket=store.bucket, Key=current.s3_prefix + "vectors.npy")
    assert store.problem(current.s3_prefix, 300) == "missing vectors.npy"
