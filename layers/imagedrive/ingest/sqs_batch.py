"""An SQS batch of S3 notifications through the pipeline, answered as a partial batch response.

All objects of a batch go through the pipeline together, so CLIP embeds them in one model call;
powertools' batch processor then reports each SQS record on its own, so one bad or unlucky object
never fails its neighbours. An unfinished item is reported for retry; on the last receive its row
becomes FAILED with the reason. Then only a transient failure (imagedrive.transient) still fails the
record, so SQS moves it to the DLQ, where the depth alarm shows a dependency in trouble; anything
else is now recorded on the row, which is where its owner looks, and the message is done.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from imagedrive import telemetry
from imagedrive.ingest.events import created_objects
from imagedrive.ingest.pipeline import IngestItem, Ingestor, IngestOutcome, Status
from imagedrive.settings import get_settings

processor = BatchProcessor(event_type=EventType.SQS)


def ingest_records(ingestor: Ingestor, records: list[dict[str, Any]]) -> dict[str, list[IngestOutcome] | Exception]:
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
    outcomes = ingestor.ingest([item for _, item in owners])
    for (message_id, _), outcome in zip(owners, outcomes, strict=True):
        results[message_id].append(outcome)  # type: ignore[union-attr]
    telemetry.record_ingest((o.status.value, o.reason, o.timings) for o in outcomes)
    return results


def handle_batch(event: dict[str, Any], context: LambdaContext | None, ingestor: Ingestor) -> dict[str, Any]:
    """The ingest function's work: Lambda's SQS event in, ReportBatchItemFailures reply out."""
    results = ingest_records(ingestor, event.get("Records", []))
    last_receive_at = get_settings().max_receive_count

    def record_handler(record: SQSRecord) -> None:
        result = results[record.message_id]
        if isinstance(result, Exception):
            raise result  # not an S3 event: retried, then the DLQ keeps it for a human
        failed = [o for o in result if o.status is Status.ERROR]
        if not failed:
            return
        if int(record.attributes.approximate_receive_count) < last_receive_at:
            raise failed[0].error or RuntimeError(failed[0].reason)
        unrecorded = []
        for outcome in failed:
            reason = f"ingest gave up after retries: {outcome.reason}" if outcome.transient else outcome.reason
            if not ingestor.abandon(outcome.ref, reason or "ingest gave up after retries") or outcome.transient:
                unrecorded.append(outcome)  # no row to say why (it failed before one existed): the DLQ keeps it
        if unrecorded:
            raise unrecorded[0].error or RuntimeError(unrecorded[0].reason)

    return dict(process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                         context=context))
