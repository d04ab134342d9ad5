"""Reconciler function, run on a schedule: one pass of imagedrive.reconcile (re-sends events for
PENDING rows and unknown uploads whose notification was lost, marks rows whose original vanished
FAILED `missing_original`, asks for rebuilds of indexes with missing or unreadable files)."""

from __future__ import annotations

from imagedrive.log import logger
from imagedrive.reconcile.findings import dead_letters
from imagedrive.reconcile.run import reconcile
from imagedrive.settings import get_settings
from imagedrive.telemetry import metrics, record_reconcile, tracer

get_settings()  # cold start: refuse a deployment that left a name at its local default


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context: object) -> dict:
    report = reconcile()
    settings = get_settings()
    record_reconcile(report.repair_counts(), dead_letters([settings.ingest_dlq, settings.index_dlq]))
    return report.as_dict()
