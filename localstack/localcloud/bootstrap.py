"""Creates the drive's AWS resources on LocalStack, idempotently: every call converges on the
same buckets, queues, notifications and secrets, so running it twice is harmless."""

from __future__ import annotations

import json
import secrets as token_source

from botocore.exceptions import ClientError

from imagedrive.aws import client
from imagedrive.log import logger
from imagedrive.settings import Settings

# Objects under these prefixes become ingest messages; anything else in the bucket does not.
INGEST_PREFIXES = ("uploads/", "drop/")


def bootstrap(settings: Settings) -> dict[str, str]:
    """Create or update everything; return the queue URLs by name."""
    _bucket(settings.originals_bucket, cors_origin=settings.spa_origin)
    _bucket(settings.derived_bucket, cors_origin=settings.spa_origin)
    queues = {}
    for name, dlq in ((settings.ingest_queue, settings.ingest_dlq), (settings.index_queue, settings.index_dlq)):
        queues[dlq] = ensure_queue(dlq, settings, redrive_to=None)
        queues[name] = ensure_queue(name, settings, redrive_to=queues[dlq])
    _allow_bucket_to_send(queues[settings.ingest_queue], settings.originals_bucket)
    _notify_ingest_queue(settings.originals_bucket, _queue_arn(queues[settings.ingest_queue]))
    _secret(settings.database_secret_name, settings.local_database_url, overwrite=True)
    # The JWT key is generated once and kept, so sessions survive a restart of the drive.
    _secret(settings.jwt_secret_name, token_source.token_urlsafe(48), overwrite=False)
    logger.info("local cloud bootstrapped", extra={"queues": sorted(queues)})
    return queues


def _bucket(name: str, *, cors_origin: str) -> None:
    s3 = client("s3")
    try:
        s3.create_bucket(Bucket=name)
    except ClientError as error:
        if error.response["Error"]["Code"] not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
            raise
    s3.put_public_access_block(
        Bucket=name,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_encryption(
        Bucket=name,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    # Browsers upload with presigned POSTs and download with presigned GETs from the SPA's origin.
    s3.put_bucket_cors(
        Bucket=name,
        CORSConfiguration={
            "CORSRules": [{
                "AllowedOrigins": [cors_origin],
                "AllowedMethods": ["GET", "HEAD", "POST", "PUT"],
                "AllowedHeaders": ["*"],
                "ExposeHeaders": ["ETag"],
                "MaxAgeSeconds": 3000,
            }]
        },
    )


def ensure_queue(name: str, settings: Settings, *, redrive_to: str | None) -> str:
    attributes = {
        "VisibilityTimeout": str(settings.queue_visibility_timeout_s),
        "MessageRetentionPeriod": str(14 * 24 * 3600 if redrive_to is None else 4 * 24 * 3600),
    }
    if redrive_to:
        attributes["RedrivePolicy"] = json.dumps(
            {"deadLetterTargetArn": _queue_arn(redrive_to), "maxReceiveCount": str(settings.max_receive_count)}
        )
    sqs = client("sqs")
    try:
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    except ClientError as error:
        if error.response["Error"]["Code"] not in ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"):
            raise
        return sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    # Existing queue: converge its attributes (create_queue refuses differing ones).
    sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
    return url


def _queue_arn(url: str) -> str:
    return client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def _allow_bucket_to_send(queue_url: str, bucket: str) -> None:
    arn = _queue_arn(queue_url)
    policy = {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "s3.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": arn,
            "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{bucket}"}},
        }],
    }
    client("sqs").set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": json.dumps(policy)})


def _notify_ingest_queue(bucket: str, queue_arn: str) -> None:
    configurations = [
        {
            "Id": f"ingest-{prefix.rstrip('/')}",
            "QueueArn": queue_arn,
            "Events": ["s3:ObjectCreated:*"],
            "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": prefix}]}},
        }
        for prefix in INGEST_PREFIXES
    ]
    s3 = client("s3")
    current = s3.get_bucket_notification_configuration(Bucket=bucket).get("QueueConfigurations", [])
    # Writing the configuration makes S3 send an s3:TestEvent; skip it when nothing changes.
    if _comparable(current) != _comparable(configurations):
        s3.put_bucket_notification_configuration(
            Bucket=bucket, NotificationConfiguration={"QueueConfigurations": configurations}
        )


def _comparable(configurations: list[dict]) -> list[tuple]:
    return sorted(
        (c["QueueArn"], tuple(sorted(c["Events"])), json.dumps(c.get("Filter", {}), sort_keys=True).lower())
        for c in configurations
    )


def _secret(name: str, value: str, *, overwrite: bool) -> None:
    manager = client("secretsmanager")
    try:
        manager.create_secret(Name=name, SecretString=value)
    except ClientError as error:
        if error.response["Error"]["Code"] != "ResourceExistsException":
            raise
        if overwrite:
            manager.put_secret_value(SecretId=name, SecretString=value)
