"""The message queue port the services take (`MessageQueue`), with SQS as the adapter; tests/fakes has the
in-memory one and tests/contract keeps the two in step."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from typing import Any, Protocol

from imagedrive.aws import client, queue_url
from imagedrive.telemetry import tracer

SEND_BATCH_LIMIT = 10  # SendMessageBatch's limit


class QueueRefused(RuntimeError):
    """The queue did not accept some messages (nothing is lost silently: the caller retries or reports)."""


class MessageQueue(Protocol):
    name: str

    def send(self, body: dict[str, Any]) -> None: ...

    def send_many(self, bodies: Sequence[dict[str, Any]]) -> None: ...

    def depth(self) -> int:
        """Messages waiting (approximate, as SQS counts them)."""
        ...


class SqsQueue:
    """A MessageQueue on SQS (or the local AWS); bodies travel as JSON."""

    def __init__(self, name: str) -> None:
        self.name = name

    @tracer.capture_method
    def send(self, body: dict[str, Any]) -> None:
        client("sqs").send_message(QueueUrl=queue_url(self.name), MessageBody=json.dumps(body))

    @tracer.capture_method
    def send_many(self, bodies: Sequence[dict[str, Any]]) -> None:
        sqs, url = client("sqs"), queue_url(self.name)
        for start in range(0, len(bodies), SEND_BATCH_LIMIT):
            entries = [{"Id": str(n), "MessageBody": json.dumps(body)}
                       for n, body in enumerate(bodies[start:start + SEND_BATCH_LIMIT])]
            failed = sqs.send_message_batch(QueueUrl=url, Entries=entries).get("Failed", [])
            if failed:
                raise QueueRefused(f"{self.name} refused {len(failed)} messages: {failed[:3]}")

    @tracer.capture_method
    def depth(self) -> int:
        attributes = client("sqs").get_queue_attributes(
            QueueUrl=queue_url(self.name), AttributeNames=["ApproximateNumberOfMessages"])
        return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


@cache
def sqs_queue(name: str) -> SqsQueue:
    """The process's adapter for one queue, for composition roots and services not given a queue."""
    return SqsQueue(name)
