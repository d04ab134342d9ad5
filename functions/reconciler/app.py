"""Reconciler function, run on a schedule: one pass of imagedrive.reconcile (re-sends events for
PENDING rows and unknown uploads whose notification was lost, marks rows whose original vanished
FAILED `missing_original`, asks for rebuilds of indexes with missing or unreadable files)."""

from __future__ import annotations

from imagedrive.log import logger
from imagedrive.reconcile.run import reconcile
from imagedrive.settings import get_settings

get_settings()  # cold start: refuse a deployment that left a name at its local default


@logger.inject_lambda_context
def handler(event: dict, context: object) -> dict:
    return reconcile().as_dict()
