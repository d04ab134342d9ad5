"""Each function's log lines carry its own POWERTOOLS_SERVICE_NAME; "imagedrive" only when none is set."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from localcloud.paths import REPO_ROOT

_LOG_ONE_LINE = "from imagedrive.log import logger; logger.info('hello')"


def _service_of_a_line(service_name: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "POWERTOOLS_SERVICE_NAME"}
    if service_name is not None:
        env["POWERTOOLS_SERVICE_NAME"] = service_name
    env["PYTHONPATH"] = str(REPO_ROOT / "layers")
    out = subprocess.run([sys.executable, "-c", _LOG_ONE_LINE], env=env, capture_output=True, text=True,
                         check=True, timeout=60)
    return json.loads(out.stdout.strip().splitlines()[-1])["service"]


def test_the_functions_service_name_names_its_log_lines():
    assert _service_of_a_line("imagedrive-ingest") == "imagedrive-ingest"


def test_without_one_the_lines_say_imagedrive():
    assert _service_of_a_line(None) == "imagedrive"
