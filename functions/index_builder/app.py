"""Index builder function: index-queue batches of `{"users": [ids] | "*"}` → fresh per-user indexes.

The users named across the whole batch are built once each (many READY images → one build); a record
is reported failed, for SQS to retry, only if a user it names failed. Also invocable directly with
`{"users": [...], "force": true}` to build on demand.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from imagedrive.indexing.rebuild import parse_request, rebuild
from imagedrive.indexing.stale import EVERYONE, union
from imagedrive.log import logger
from imagedrive.telemetry import metrics, tracer

processor = BatchProcessor(event_type=EventType.SQS)


class BuildFailed(RuntimeError):
    pass


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context: LambdaContext) -> Mapping[str, Any]:
    if "Records" not in event:
        outcomes = rebuild(parse_request(event), force=bool(event.get("force")))
        return {"built": sorted(u for u, e in outcomes.items() if e is None),
                "failed": sorted(u for u, e in outcomes.items() if e is not None)}
    outcomes = rebuild(union(_requests(event["Records"])))
    failed = {user for user, error in outcomes.items() if error is not None}

    def record_handler(record: SQSRecord) -> None:
        named = parse_request(record.body)
        if failed and (named == EVERYONE or failed.intersection(named)):
            raise BuildFailed(f"index build failed for users {sorted(failed)}")

    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)


def _requests(records: list[dict]) -> list:
    requests = []
    for record in records:
        # A body that is not a rebuild request is reported failed by its own record_handler call.
        with suppress(ValueError):
            requests.append(parse_request(record["body"]))
    return requests
