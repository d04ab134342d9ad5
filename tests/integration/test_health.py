import pytest
from chalice.test import Client

from imagedrive import db
from imagedrive.settings import get_settings
from localcloud import postgres
from localcloud.paths import REPO_ROOT
from localcloud.runner import load_handler

API_APP = REPO_ROOT / "functions" / "api" / "app.py"


@pytest.fixture(scope="module")
def api_app():
    return load_handler(API_APP, "app")


def test_health_is_200_with_every_dependency_and_its_latency(database, cloud, api_app):
    with Client(api_app) as client:
        response = client.http.get("/health")
    assert response.status_code == 200
    body = response.json_body
    assert body["status"] == "ok"
    names = set(body["dependencies"])
    assert names == {"postgres", f"s3:{cloud.originals_bucket}", f"s3:{cloud.derived_bucket}",
                     f"sqs:{cloud.ingest_queue}", f"sqs:{cloud.index_queue}"}
    assert all(d["ok"] and d["latency_ms"] >= 0 for d in body["dependencies"].values())


@pytest.fixture
def own_postgres(tmp_path_factory, settings, monkeypatch, cloud):
    """A second, throwaway cluster that this test may stop without disturbing the others."""
    data_dir = postgres.resolve_data_dir(tmp_path_factory.mktemp("pg") / "data")
    cluster = postgres.Cluster(data_dir, settings.pg_port + 17, settings.pg_user, settings.pg_password)
    postgres.start(cluster)
    monkeypatch.setenv("IMAGEDRIVE_DATABASE_URL", postgres.ensure_database(cluster, "health"))
    get_settings.cache_clear()
    db.reset_connection()
    yield cluster
    postgres.stop(cluster)
    get_settings.cache_clear()
    db.reset_connection()


def test_health_is_503_naming_postgres_when_it_is_stopped_and_recovers(own_postgres, api_app):
    with Client(api_app) as client:
        assert client.http.get("/health").status_code == 200
        postgres.stop(own_postgres)
        response = client.http.get("/health")
        assert response.status_code == 503
        assert response.json_body["down"] == ["postgres"]
        assert "postgres" in response.json_body["dependencies"]
        assert response.json_body["dependencies"]["postgres"]["error"]
        postgres.start(own_postgres)
        assert client.http.get("/health").status_code == 200
