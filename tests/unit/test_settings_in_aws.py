"""In AWS a name left at its local default is refused when a function first reads settings (cold start);
CLIP's precision and text routing are settings like every other variable."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from pydantic import ValidationError

from imagedrive.settings import REQUIRED_IN_AWS, Settings
from localcloud.paths import REPO_ROOT

NAMED = {f"IMAGEDRIVE_{name.upper()}": f"deployed-{name}" for name in REQUIRED_IN_AWS}


def _environment(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMAGEDRIVE_")}
    return {**env, **overrides}


@pytest.fixture(autouse=True)
def _in_lambda(monkeypatch):
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "imagedrive-ingest")


def test_every_required_name_left_at_its_local_default_is_refused_in_aws(monkeypatch):
    for name in NAMED:
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ValidationError) as refused:
        Settings(environment="aws")
    for name in NAMED:
        assert name in str(refused.value)


def test_one_forgotten_name_is_enough_to_refuse(monkeypatch):
    for name, value in NAMED.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("IMAGEDRIVE_JWT_SECRET_NAME")
    with pytest.raises(ValidationError, match="IMAGEDRIVE_JWT_SECRET_NAME still have"):
        Settings(environment="aws")


def test_with_every_name_set_aws_settings_load(monkeypatch):
    for name, value in NAMED.items():
        monkeypatch.setenv(name, value)
    assert Settings(environment="aws").originals_bucket == "deployed-originals_bucket"


def test_locally_the_defaults_are_fine(monkeypatch):
    for name in NAMED:
        monkeypatch.delenv(name, raising=False)
    assert Settings(environment="local").originals_bucket == "imagedrive-originals"


def test_packaging_for_aws_outside_lambda_reads_the_defaults(monkeypatch):
    """`chalice package` imports the API with the stage's IMAGEDRIVE_ENVIRONMENT=aws; that is no cold start."""
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME")
    for name in NAMED:
        monkeypatch.delenv(name, raising=False)
    assert Settings(environment="aws").originals_bucket == "imagedrive-originals"


def test_a_function_deployed_with_a_local_default_fails_at_import():
    """What Lambda's init phase does: import the handler module."""
    env = _environment(IMAGEDRIVE_ENVIRONMENT="aws", AWS_LAMBDA_FUNCTION_NAME="imagedrive-ingest",
                       PYTHONPATH=f"{REPO_ROOT / 'layers'}:{REPO_ROOT}")
    load = ("import importlib.util as u; s = u.spec_from_file_location('app', 'functions/ingest/app.py'); "
            "s.loader.exec_module(u.module_from_spec(s))")
    result = subprocess.run([sys.executable, "-c", load], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode != 0 and "still have their local defaults" in result.stderr


def test_clip_precision_and_text_routing_are_settings(monkeypatch):
    monkeypatch.setenv("IMAGEDRIVE_CLIP_PRECISION", "fp32")
    monkeypatch.setenv("IMAGEDRIVE_TEXT_ROUTING", "multilingual")
    settings = Settings()
    assert (settings.clip_precision, settings.text_routing) == ("fp32", "multilingual")
    monkeypatch.setenv("IMAGEDRIVE_TEXT_ROUTING", "klingon")
    with pytest.raises(ValidationError):
        Settings()
