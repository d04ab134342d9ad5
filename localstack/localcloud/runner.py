"""The local stand-in for Lambda's SQS event source mapping.

LocalStack's host runtime cannot run Lambda, so this polls each queue and calls the real
handler in functions/ with the payload Lambda would send: batches of up to 10 records in the
SQS event shape. As with ReportBatchItemFailures, only records the handler did not report as
failed are deleted; the rest become visible again and SQS's redrive policy moves a record that
keeps failing to its DLQ. A handler that raises fails its whole batch, as in Lambda.
"""

from __future__ import annotations

import importlib.util
import signal
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from imagedrive.aws import client, queue_arn, queue_url
from imagedrive.log import logger
from imagedrive.settings import Settings, get_settings
from localcloud.paths import REPO_ROOT

Handler = Callable[[dict[str, Any], Any], Any]


@dataclass(frozen=True)
class Route:
    queue: str
    function_name: str
    handler: Handler
    batch_size: int = 10


@dataclass(frozen=True)
class BatchOutcome:
    received: int
    deleted: int
    failed: int


class LambdaContext:
    """The attributes of Lambda's context object that handlers and powertools read."""

    def __init__(self, function_name: str, timeout_s: int) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:000000000000:function:{function_name}"
        self.memory_limit_in_mb = 2048
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def load_module(path: Path) -> ModuleType:
    """Import a function's module from its file, as Lambda does from the function's folder."""
    spec = importlib.util.spec_from_file_location(f"function_{path.parent.name}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_handler(path: Path, attribute: str = "handler") -> Handler:
    return getattr(load_module(path), attribute)


def default_routes(settings: Settings) -> list[Route]:
    """The queues the drive consumes, and the function each one triggers."""
    wiring = [(settings.ingest_queue, "ingest"), (settings.index_queue, "index_builder")]
    routes = []
    for queue, function in wiring:
        path = REPO_ROOT / "functions" / function / "app.py"
        if path.exists():
            routes.append(Route(queue, function, load_handler(path)))
        else:
            logger.warning("no handler yet; queue left alone", extra={"queue": queue, "function": function})
    return routes


def to_sqs_event(messages: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    """boto3 receive_message output → the event Lambda delivers to an SQS-triggered function."""
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": message.get("Attributes", {}),
                "messageAttributes": {
                    name: {
                        "dataType": value["DataType"],
                        "stringValue": value.get("StringValue"),
                        "binaryValue": value.get("BinaryValue"),
                        "stringListValues": [],
                        "binaryListValues": [],
                    }
                    for name, value in message.get("MessageAttributes", {}).items()
                },
                "md5OfBody": message["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
            for message in messages
        ]
    }


def failed_ids(response: Any, batch_ids: set[str]) -> set[str]:
    """The records to leave on the queue, read as Lambda reads a ReportBatchItemFailures reply."""
    if not isinstance(response, dict) or not response.get("batchItemFailures"):
        return set()
    reported = {item.get("itemIdentifier") for item in response["batchItemFailures"]}
    # Lambda treats an empty or unknown identifier as a failure of the whole batch.
    if not reported <= batch_ids:
        return set(batch_ids)
    return reported


class EventRunner:
    def __init__(self, routes: list[Route], settings: Settings | None = None, *, wait_time_s: int = 1) -> None:
        self.routes = routes
        self.settings = settings or get_settings()
        self.wait_time_s = wait_time_s
        self._stop = threading.Event()

    def poll_once(self, route: Route) -> BatchOutcome:
        """Receive one batch, run the handler on it, delete what succeeded."""
        sqs = client("sqs")
        url = queue_url(route.queue)
        messages = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=route.batch_size, WaitTimeSeconds=self.wait_time_s,
            AttributeNames=["All"], MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return BatchOutcome(0, 0, 0)
        event = to_sqs_event(messages, queue_arn(route.queue), self.settings.aws_region)
        batch_ids = {m["MessageId"] for m in messages}
        started = time.perf_counter()
        try:
            context = LambdaContext(route.function_name, self.settings.queue_visibility_timeout_s)
            response = route.handler(event, context)
            failures = failed_ids(response, batch_ids)
        except Exception:
            logger.exception("handler raised; the whole batch will be retried", extra={"function": route.function_name})
            failures = set(batch_ids)
        done = [m for m in messages if m["MessageId"] not in failures]
        if done:
            sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
        logger.info(
            "batch delivered",
            extra={
                "function": route.function_name, "received": len(messages), "deleted": len(done),
                "failed": len(failures), "ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
        return BatchOutcome(len(messages), len(done), len(failures))

    def run(self) -> None:
        threads = [
            threading.Thread(target=self._loop, args=(route,), name=route.function_name) for route in self.routes
        ]
        for thread in threads:
            thread.start()
        logger.info("event runner started", extra={"queues": [r.queue for r in self.routes]})
        for thread in threads:
            thread.join()
        logger.info("event runner stopped")

    def stop(self, *_: Any) -> None:
        self._stop.set()

    def _loop(self, route: Route) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once(route)
            except Exception:
                # LocalStack restarting or a queue not there yet: wait and poll again.
                logger.exception("polling failed", extra={"queue": route.queue})
                self._stop.wait(2)


def main() -> None:
    runner = EventRunner(default_routes(get_settings()))
    signal.signal(signal.SIGTERM, runner.stop)
    signal.signal(signal.SIGINT, runner.stop)
    runner.run()


if __name__ == "__main__":
    main()
