"""The deploy-time migration custom resource, answering a real HTTP endpoint as CloudFormation's."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from imagedrive import db
from imagedrive.settings import get_settings
from localcloud import postgres
from localcloud.paths import REPO_ROOT
from localcloud.runner import LambdaContext, load_handler


@pytest.fixture
def cloudformation():
    """Collects the responses a custom resource PUTs to its ResponseURL."""
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_PUT(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/response", received
    server.shutdown()


def _event(url: str, request_type: str = "Create") -> dict:
    return {"RequestType": request_type, "ResponseURL": url, "StackId": "arn:stack/x", "RequestId": "r-1",
            "LogicalResourceId": "DatabaseMigrations", "ResourceProperties": {}}


@pytest.fixture
def migrate():
    return load_handler(REPO_ROOT / "functions" / "migrate" / "app.py")


@pytest.fixture
def empty_database(database, settings, monkeypatch):
    url = postgres.ensure_database(postgres.cluster_from_settings(settings), "imagedrive_deploy_test", recreate=True)
    monkeypatch.setenv("IMAGEDRIVE_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    monkeypatch.undo()
    get_settings.cache_clear()
    db.reset_connection()


def test_a_deploy_migrates_an_empty_database_and_the_next_deploy_changes_nothing(migrate, cloudformation,
                                                                                  empty_database):
    url, received = cloudformation
    migrate(_event(url), LambdaContext("migrate", 60))
    migrate(_event(url, "Update"), LambdaContext("migrate", 60))
    assert [r["Status"] for r in received] == ["SUCCESS", "SUCCESS"]
    assert received[0]["Data"]["Applied"].startswith("0001_initial")
    assert received[1]["Data"]["Applied"] == "none"
    assert received[0]["PhysicalResourceId"] == received[1]["PhysicalResourceId"]


def test_an_unreachable_database_fails_the_deploy_with_a_reason(migrate, cloudformation, monkeypatch):
    url, received = cloudformation
    monkeypatch.setenv("IMAGEDRIVE_DATABASE_URL", "postgresql://nobody:x@127.0.0.1:9/none")
    get_settings.cache_clear()
    migrate(_event(url), LambdaContext("migrate", 60))
    get_settings.cache_clear()
    assert received[0]["Status"] == "FAILED" and "OperationalError" in received[0]["Reason"]


def test_deleting_the_stack_leaves_the_data(migrate, cloudformation):
    url, received = cloudformation
    migrate(_event(url, "Delete"), LambdaContext("migrate", 60))
    assert received[0]["Status"] == "SUCCESS"
