"""Ingest function: SQS batches of S3 ObjectCreated notifications → READY images.

Each SQS record is processed on its own (powertools' batch processor), so one bad or unlucky
object never fails its neighbours; a transient failure is reported for retry, and on the last
attempt its PENDING row becomes FAILED before SQS moves the message to the DLQ.
"""

from __future__ import annotations

from functools import cache

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from imagedrive.inference.loader import load_models
from imagedrive.ingest.events import created_objects
from imagedrive.ingest.pipeline import IngestItem, Ingestor, Status
from imagedrive.log import logger
from imagedrive.settings import get_settings

processor = BatchProcessor(event_type=EventType.SQS)


@cache
def ingestor() -> Ingestor:
    models = load_models()
    return Ingestor(models.clip, models.ocr if get_settings().ingest_ocr else None)


def record_handler(record: SQSRecord) -> None:
    items = [IngestItem(ref) for ref in created_objects(record.json_body)]
    failed = [o for o in ingestor().ingest(items) if o.status is Status.ERROR]
    if not failed:
        return
    if int(record.attributes.approximate_receive_count) >= get_settings().max_receive_count:
        for outcome in failed:
            ingestor().abandon(outcome.ref, f"ingest gave up after retries: {outcome.reason}")
    raise failed[0].error


@logger.inject_lambda_context
def handler(event: dict, context: object) -> dict:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
