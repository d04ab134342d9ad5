"""S3 event notifications (as SQS message bodies) → the objects to ingest."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote_plus

from aws_lambda_powertools.utilities.data_classes import S3Event

from imagedrive.storage import ObjectRef


def created_objects(body: dict[str, Any]) -> list[ObjectRef]:
    """The created objects a notification names. S3's s3:TestEvent (sent when a notification is
    configured) and other event kinds name none."""
    if "Records" not in body:
        return []
    # S3 URL-encodes keys in notifications ('+' or %20 for a space); powertools passes them raw.
    return [
        ObjectRef.from_event_key(record.s3.bucket.name, record.s3.get_object.key)
        for record in S3Event(body).records
        if record.event_name.startswith("ObjectCreated")
    ]


def object_created_event(ref: ObjectRef, size: int) -> dict[str, Any]:
    """The notification S3 would have sent for `ref` (key URL-encoded as S3 does): what the reconciler
    puts on the ingest queue for an object whose own notification was lost."""
    return {"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
        "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": ref.bucket, "arn": f"arn:aws:s3:::{ref.bucket}"},
               "object": {"key": quote_plus(ref.key, safe="/"), "size": size}},
    }]}
