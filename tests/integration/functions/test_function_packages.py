"""Each container function as its image would hold it, without Docker: a clean venv with only
that function's requirements and the built (not editable) shared package, the handler module
alone in its task root, handling a real sample event against Postgres, LocalStack and the
random-init models."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from imagedrive.db import transaction
from localcloud.paths import REPO_ROOT
from tests.fixtures import images
from tests.fixtures.ingest import make_user, put

# What the image's entry point does: import app from the task root, call the handler once.
ENTRY_POINT = """
import json, sys, uuid
sys.path.insert(0, ".")
import app

class Context:
    function_name = "packaged"; function_version = "$LATEST"; memory_limit_in_mb = 2048
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:packaged"
    aws_request_id = str(uuid.uuid4())
    def get_remaining_time_in_millis(self): return 60000

print("RESULT " + json.dumps(app.handler(json.load(open("event.json")), Context())))
"""


def _packaged(function: str, tmp_path: Path) -> tuple[Path, Path]:
    """(python of the function's clean venv, its task root)."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "-r", str(REPO_ROOT / "functions" / function / "requirements.txt")], check=True)
    subprocess.run([*pip, "--no-deps", str(REPO_ROOT / "layers")], check=True)
    shutil.rmtree(REPO_ROOT / "layers" / "build", ignore_errors=True)
    task_root = tmp_path / "task"
    task_root.mkdir()
    shutil.copy(REPO_ROOT / "functions" / function / "app.py", task_root / "app.py")
    (task_root / "entry.py").write_text(ENTRY_POINT)
    return venv / "bin" / "python", task_root


def _invoke(python: Path, task_root: Path, event: dict) -> dict:
    (task_root / "event.json").write_text(json.dumps(event))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run([str(python), "entry.py"], cwd=task_root, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
    return json.loads(line.removeprefix("RESULT "))


def _sqs_event(body: dict) -> dict:
    return {"Records": [{
        "messageId": "m-1", "receiptHandle": "r-1", "body": json.dumps(body), "md5OfBody": "",
        "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {},
        "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:q", "awsRegion": "us-east-1",
    }]}


@pytest.fixture(scope="module")
def owner(models, cloud, database):
    with transaction() as cur:
        cur.execute("DELETE FROM users WHERE username = 'packaged'")
    return make_user("packaged")


@pytest.mark.parametrize("function", ["ingest", "index_builder", "query"])
def test_the_function_installs_alone_and_handles_a_sample_event(function, owner, tmp_path, cloud):
    python, task_root = _packaged(function, tmp_path)
    if function == "ingest":
        ref = put(f"uploads/{owner}/pkg/photo.jpg", images.picture(900))
        notification = {"Records": [{"eventName": "ObjectCreated:Put", "eventSource": "aws:s3",
                                     "s3": {"bucket": {"name": ref.bucket}, "object": {"key": ref.key, "size": 1}}}]}
        assert _invoke(python, task_root, _sqs_event(notification)) == {"batchItemFailures": []}
        with transaction() as cur:
            cur.execute("SELECT status FROM images WHERE owner_id = %s", (owner,))
            assert [r["status"] for r in cur.fetchall()] == ["READY"]
    elif function == "index_builder":
        assert _invoke(python, task_root, _sqs_event({"users": [owner]})) == {"batchItemFailures": []}
        with transaction() as cur:
            cur.execute("SELECT current_version FROM user_index_state WHERE user_id = %s", (owner,))
            assert cur.fetchone()["current_version"] is not None
    else:
        reply = _invoke(python, task_root, {"kind": "text", "user_id": owner, "request": {"q": "a photo", "k": 1}})
        assert reply["ok"], reply
        assert len(reply["result"]["results"]) == 1
