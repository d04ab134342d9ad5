"""Each port's fake and real adapter answer the same tests (the real ones need the local cloud, so they
carry the integration marker and `-m "not integration"` runs the fakes only)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from imagedrive.aws import client, queue_url
from imagedrive.ingest.repository import PostgresIngestRepository
from imagedrive.queues import SqsQueue
from imagedrive.search.repository import PostgresSearchRepository
from imagedrive.settings import Settings
from imagedrive.storage import S3ObjectStore
from tests.fakes.ingest_repository import MemoryIngestRepository
from tests.fakes.objects import MemoryObjectStore
from tests.fakes.queues import MemoryQueue
from tests.fakes.search_repository import MemorySearchRepository, SearchableImage

REAL = pytest.param("real", marks=pytest.mark.integration)
SEARCH_MODEL = "contract-search-model"


@pytest.fixture(params=["memory", REAL])
def object_store(request: pytest.FixtureRequest) -> tuple[S3ObjectStore | MemoryObjectStore, str]:
    """(store, bucket): the bucket exists and is the test's own to write in."""
    if request.param == "memory":
        return MemoryObjectStore(), "contract-bucket"
    cloud: Settings = request.getfixturevalue("cloud")
    return S3ObjectStore(), cloud.derived_bucket


@pytest.fixture(params=["memory", REAL])
def message_queue(request: pytest.FixtureRequest) -> Iterator[tuple[Any, Callable[[], list[dict]]]]:
    """(queue, receive): receive() takes every message the queue holds, as the consumer gets them."""
    if request.param == "memory":
        fake = MemoryQueue()
        yield fake, fake.take_all
        return
    request.getfixturevalue("cloud")
    name = f"imagedrive-contract-{uuid.uuid4().hex[:8]}"
    client("sqs").create_queue(QueueName=name)

    def receive() -> list[dict]:
        from tests.fixtures.cloud import drain

        return [json.loads(m["Body"]) for m in drain(name, quiet_s=0.5)]

    yield SqsQueue(name), receive
    client("sqs").delete_queue(QueueUrl=queue_url(name))


@pytest.fixture(params=["memory", REAL])
def ingest_repository(request: pytest.FixtureRequest) -> tuple[Any, Callable[[str], int]]:
    """(repository, add_user): add_user(name) creates a user and returns their id."""
    if request.param == "memory":
        fake = MemoryIngestRepository()
        return fake, fake.add_user
    request.getfixturevalue("clean_db")
    from tests.fixtures.ingest import make_user

    return PostgresIngestRepository(), make_user


@pytest.fixture(params=["memory", REAL])
def search_repository(request: pytest.FixtureRequest) -> tuple[Any, Callable[..., int], Callable[[str], int]]:
    """(repository, add_image, add_user): add_image(owner, vector, visibility=…, text=…) → image id."""
    if request.param == "memory":
        fake = MemorySearchRepository()
        users: list[str] = []

        def add_fake_user(name: str) -> int:
            users.append(name)
            return len(users)

        def add_fake_image(owner: int, vector: Any, *, visibility: str = "private", text: str | None = None) -> int:
            image_id = len(fake.images) + 1
            fake.add(SearchableImage(image_id, owner, vector, visibility, text=text, model_version=SEARCH_MODEL))
            return image_id

        return fake, add_fake_image, add_fake_user
    request.getfixturevalue("clean_db")
    from tests.fixtures.ingest import make_user
    from tests.integration.search.conftest import plant, set_ocr

    def add_image(owner: int, vector: Any, *, visibility: str = "private", text: str | None = None) -> int:
        (image_id,) = plant(owner, vector[None, :], visibility=visibility, model_version=SEARCH_MODEL)
        if text is not None:
            set_ocr(image_id, text)
        return image_id

    return PostgresSearchRepository(), add_image, make_user
