"""/health names every model's source; random-init CLIP is flagged but the drive still answers 200."""

import pytest
from chalice.test import Client

from localcloud.paths import REPO_ROOT
from localcloud.runner import load_handler


@pytest.fixture(scope="module")
def api_app():
    return load_handler(REPO_ROOT / "functions" / "api" / "app.py", "app")


def test_health_names_random_init_clip_as_degraded_models_with_200(models, database, cloud, api_app):
    with Client(api_app) as client:
        response = client.http.get("/health")
    assert response.status_code == 200
    body = response.json_body
    assert body["status"] == "ok"  # dependencies and reconciler: the drive itself is fine
    assert body["models"]["status"] == "degraded"
    assert "random-init" in body["models"]["warning"]
    assert body["models"]["clip"]["source"] == "random-init"
    assert body["models"]["clip"]["meaningful"] is False and body["models"]["clip"]["degraded"] is True
    assert body["models"]["clip"]["model_version"] == models.clip.model_version
    assert body["models"]["ocr"]["meaningful"] is True
    assert body["models"]["ocr"]["source"].startswith("rapidocr-onnxruntime==")
