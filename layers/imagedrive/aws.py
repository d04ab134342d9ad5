"""boto3 clients, one per service per process, pointed at LocalStack outside AWS."""

from __future__ import annotations

import os
from functools import cache
from typing import Any

import boto3
from botocore.config import Config

from imagedrive.settings import get_settings

# Short timeouts: a health check or an ingest step should fail fast and let SQS retry.
_CLIENT_CONFIG = Config(connect_timeout=3, read_timeout=20, retries={"max_attempts": 3, "mode": "standard"})


@cache
def client(service: str) -> Any:
    return _new_client(service, _CLIENT_CONFIG)


@cache
def invoker(read_timeout_s: int) -> Any:
    """A Lambda client for synchronous invokes of a function that runs up to `read_timeout_s`: one
    attempt, since a retry after a read timeout would run the work again while the first still runs."""
    config = Config(connect_timeout=3, read_timeout=read_timeout_s, retries={"total_max_attempts": 1})
    return _new_client("lambda", config)


def _new_client(service: str, config: Config) -> Any:
    settings = get_settings()
    kwargs: dict[str, Any] = {"region_name": settings.aws_region, "config": config}
    if settings.environment != "aws":
        kwargs["endpoint_url"] = settings.aws_endpoint_url or f"http://127.0.0.1:{settings.localstack_port}"
        if not os.environ.get("AWS_ACCESS_KEY_ID"):
            # LocalStack accepts any credentials; a fresh machine has none configured.
            kwargs.update(aws_access_key_id="test", aws_secret_access_key="test")  # noqa: S106
    if service == "s3":
        # Path-style addressing: LocalStack's virtual-host names do not resolve on loopback.
        kwargs["config"] = config.merge(Config(s3={"addressing_style": "path"}, signature_version="s3v4"))
    return boto3.client(service, **kwargs)


@cache
def queue_url(name: str) -> str:
    """A queue's URL by name, looked up once per process."""
    return str(client("sqs").get_queue_url(QueueName=name)["QueueUrl"])


@cache
def queue_arn(name: str) -> str:
    attributes = client("sqs").get_queue_attributes(QueueUrl=queue_url(name), AttributeNames=["QueueArn"])
    return str(attributes["Attributes"]["QueueArn"])
