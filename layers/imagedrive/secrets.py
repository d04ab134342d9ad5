"""Secrets: an explicit setting wins, otherwise Secrets Manager (LocalStack locally)."""

from __future__ import annotations

import json
from functools import cache
from urllib.parse import quote

from imagedrive.aws import client
from imagedrive.settings import get_settings


@cache
def _secret_value(name: str) -> str:
    return str(client("secretsmanager").get_secret_value(SecretId=name)["SecretString"])


def database_url() -> str:
    settings = get_settings()
    if settings.database_url:
        return settings.database_url
    raw = _secret_value(settings.database_secret_name)
    if raw.startswith("postgres"):
        return raw
    # RDS secrets are JSON: {"username", "password"} and, for some, {"host", "port", "dbname"}.
    parts = json.loads(raw)
    if "url" in parts:
        return str(parts["url"])
    host = settings.database_host or parts["host"]
    port = parts.get("port", settings.database_port) if not settings.database_host else settings.database_port
    user, password = quote(parts["username"], safe=""), quote(parts["password"], safe="")
    return f"postgresql://{user}:{password}@{host}:{port}/{parts.get('dbname', settings.database_name)}"


def jwt_secret() -> str:
    settings = get_settings()
    return settings.jwt_secret or _secret_value(settings.jwt_secret_name)


def clear_cache() -> None:
    """Forget fetched secrets (tests switch databases; a rotated secret is re-read)."""
    _secret_value.cache_clear()
