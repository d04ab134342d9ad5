"""Ingest function: SQS batches of S3 ObjectCreated notifications → READY images.

All objects of a batch go through the pipeline together, so CLIP embeds them in one model call;
powertools' batch processor then reports each SQS record on its own, so one bad or unlucky object
never fails its neighbours. A transient failure is reported for retry, and on the last attempt
its PENDING row becomes FAILED before SQS moves the message to the DLQ.
"""

from __future__ import annotations

import json
from functools import cache

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from imagedrive.inference.loader import load_models
from imagedrive.ingest.events import created_objects
from imagedrive.ingest.pipeline import IngestItem, Ingestor, IngestOutcome, Status
from imagedrive.log import logger
from imagedrive.settings import get_settings

processor = BatchProcessor(event_type=EventType.SQS)


@cache
def ingestor() -> Ingestor:
    models = load_models()
    return Ingestor(models.clip, models.ocr if get_settings().ingest_ocr else None)


def ingest_batch(records: list[dict]) -> dict[str, list[IngestOutcome] | Exception]:
    """Every record's objects ingested in one pipeline call; per message id, its outcomes, or the
    error that made its body unreadable."""
    results: dict[str, list[IngestOutcome] | Exception] = {}
    owners: list[tuple[str, IngestItem]] = []
    for record in records:
        try:
            refs = created_objects(json.loads(record["body"]))
        except (ValueError, KeyError, TypeError) as error:
            results[record["messageId"]] = error
            continue
        results[record["messageId"]] = []
        owners += [(record["messageId"], IngestItem(ref)) for ref in refs]
    for (message_id, _), outcome in zip(owners, ingestor().ingest([item for _, item in owners]), strict=True):
        results[message_id].append(outcome)
    return results


@logger.inject_lambda_context
def handler(event: dict, context: object) -> dict:
    results = ingest_batch(event.get("Records", []))

    def record_handler(record: SQSRecord) -> None:
        result = results[record.message_id]
        if isinstance(result, Exception):
            raise result
        failed = [o for o in result if o.status is Status.ERROR]
        if not failed:
            return
        if int(record.attributes.approximate_receive_count) >= get_settings().max_receive_count:
            for outcome in failed:
                ingestor().abandon(outcome.ref, f"ingest gave up after retries: {outcome.reason}")
        raise failed[0].error

    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
