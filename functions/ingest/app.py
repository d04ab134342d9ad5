"""Ingest function: SQS batches of S3 ObjectCreated notifications → READY images.

The batch is handled by imagedrive.ingest.sqs_batch: one pipeline call for all its objects, each
record answered on its own (partial batch failures), so one poison image never sinks its batch.
"""

from __future__ import annotations

from functools import cache

from aws_lambda_powertools.utilities.typing import LambdaContext

from imagedrive.inference.loader import load_models
from imagedrive.ingest.pipeline import Ingestor
from imagedrive.ingest.sqs_batch import handle_batch
from imagedrive.log import logger
from imagedrive.settings import get_settings
from imagedrive.telemetry import metrics, tracer

get_settings()  # cold start: refuse a deployment that left a name at its local default


@cache
def ingestor() -> Ingestor:
    models = load_models()
    return Ingestor(models.clip, models.ocr if get_settings().ingest_ocr else None)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context: LambdaContext) -> dict:
    return handle_batch(event, context, ingestor())
