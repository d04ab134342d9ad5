"""The database URL from Secrets Manager (LocalStack), in each shape a secret can have."""

import json
import uuid

import pytest

from imagedrive import secrets
from imagedrive.aws import client
from imagedrive.settings import get_settings


@pytest.fixture
def secret_named(cloud, monkeypatch):
    """Store a secret under a fresh name and make it the database secret, with no URL override."""

    def store(value: str, **environment: str) -> None:
        name = f"imagedrive-test/db-{uuid.uuid4().hex[:8]}"
        client("secretsmanager").create_secret(Name=name, SecretString=value)
        monkeypatch.delenv("IMAGEDRIVE_DATABASE_URL", raising=False)
        monkeypatch.setenv("IMAGEDRIVE_DATABASE_SECRET_NAME", name)
        for key, setting in environment.items():
            monkeypatch.setenv(f"IMAGEDRIVE_{key.upper()}", setting)
        get_settings.cache_clear()
        secrets.clear_cache()

    yield store
    monkeypatch.undo()
    get_settings.cache_clear()


def test_an_rds_managed_secret_is_combined_with_the_proxy_endpoint(secret_named):
    secret_named(json.dumps({"username": "drive", "password": "p@ss/word"}),
                 database_host="proxy.example", database_name="drive")
    assert secrets.database_url() == "postgresql://drive:p%40ss%2Fword@proxy.example:5432/drive"


def test_a_secret_with_host_and_a_plain_url_secret_are_used_as_they_are(secret_named):
    secret_named(json.dumps({"username": "u", "password": "p", "host": "db", "port": 6432, "dbname": "x"}))
    assert secrets.database_url() == "postgresql://u:p@db:6432/x"
    secret_named("postgresql://a:b@c:5432/d")
    assert secrets.database_url() == "postgresql://a:b@c:5432/d"
