from imagedrive.settings import Settings


def test_defaults_point_at_the_local_cloud(monkeypatch):
    for name in ("AWS_ENDPOINT_URL", "IMAGEDRIVE_PG_PORT", "IMAGEDRIVE_LOCALSTACK_PORT", "IMAGEDRIVE_ORIGINALS_BUCKET"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert settings.aws_endpoint_url is None and settings.localstack_port == 4566
    assert settings.originals_bucket == "imagedrive-originals"
    assert settings.max_upload_bytes == 50 * 1024 * 1024


def test_environment_overrides_every_name(monkeypatch):
    monkeypatch.setenv("IMAGEDRIVE_PG_PORT", "6001")
    monkeypatch.setenv("IMAGEDRIVE_INGEST_QUEUE", "q-in")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://example.test:1")
    monkeypatch.setenv("IMAGEDRIVE_MAX_UPLOAD_BYTES", "1024")
    settings = Settings()
    assert settings.pg_port == 6001
    assert settings.ingest_queue == "q-in"
    assert settings.ingest_dlq == "q-in-dlq"
    assert settings.aws_endpoint_url == "http://example.test:1"
    assert settings.max_upload_bytes == 1024
    assert ":6001/" in settings.local_database_url


def test_the_spa_origin_follows_the_web_port_unless_set(monkeypatch):
    for name in ("IMAGEDRIVE_SPA_ORIGIN", "IMAGEDRIVE_WEB_PORT", "IMAGEDRIVE_ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    assert Settings().spa_origin == "http://localhost:8000"
    monkeypatch.setenv("IMAGEDRIVE_WEB_PORT", "8766")
    assert Settings().spa_origin == "http://localhost:8766"  # the origin the browser tests' CORS allows
    monkeypatch.setenv("IMAGEDRIVE_SPA_ORIGIN", "https://drive.example.org")
    assert Settings().spa_origin == "https://drive.example.org"
