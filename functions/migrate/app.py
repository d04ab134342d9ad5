"""Deploy-time migrations: a CloudFormation custom resource that runs the numbered SQL files
with the same runner as `./dev up` and the tests. Delete does nothing: data outlives stacks."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from imagedrive.db import connect
from imagedrive.db.migrate import apply_migrations
from imagedrive.log import logger

PHYSICAL_ID = "imagedrive-schema"


def _respond(event: dict[str, Any], status: str, data: dict[str, Any], reason: str = "") -> None:
    body = json.dumps({
        "Status": status, "Reason": reason[:1000] or "see CloudWatch Logs", "PhysicalResourceId": PHYSICAL_ID,
        "StackId": event["StackId"], "RequestId": event["RequestId"], "LogicalResourceId": event["LogicalResourceId"],
        "Data": data,
    }).encode()
    request = urllib.request.Request(  # noqa: S310 (CloudFormation's presigned https URL)
        event["ResponseURL"], data=body, method="PUT", headers={"Content-Type": "", "Content-Length": str(len(body))}
    )
    with urllib.request.urlopen(request, timeout=30):  # noqa: S310
        pass


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: object) -> None:
    if event["RequestType"] == "Delete":
        _respond(event, "SUCCESS", {})
        return
    try:
        conn = connect(connect_timeout=30)
        try:
            applied = apply_migrations(conn)
        finally:
            conn.close()
    except Exception as error:  # CloudFormation must hear back, or the stack waits an hour
        logger.exception("migrations failed")
        _respond(event, "FAILED", {}, f"{type(error).__name__}: {error}")
        return
    _respond(event, "SUCCESS", {"Applied": ",".join(applied) or "none"})
