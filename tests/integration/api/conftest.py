"""The API app under chalice.test.Client, against the real test Postgres and LocalStack, and helpers
to make users and images."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from chalice.test import Client

from imagedrive import storage
from imagedrive.auth.cookies import parse_cookie_header
from imagedrive.db import transaction
from imagedrive.settings import get_settings
from imagedrive.storage import ObjectRef
from localcloud.paths import REPO_ROOT
from localcloud.runner import load_handler

API_APP = REPO_ROOT / "functions" / "api" / "app.py"
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session")
def api_app():
    return load_handler(API_APP, "app")


@pytest.fixture
def http(api_app, clean_db, cloud):
    with Client(api_app) as client:
        yield client.http


def call(http, method: str, path: str, *, body: Any = None, token: str | None = None,
         headers: dict[str, str] | None = None):
    sent = dict(headers or {})
    if token:
        sent["Authorization"] = f"Bearer {token}"
    payload = b""
    if body is not None:
        sent.setdefault("Content-Type", "application/json")
        payload = json.dumps(body).encode()
    return http.request(method, path, headers=sent, body=payload)


def set_cookies(response) -> dict[str, str]:
    """name → value of every Set-Cookie header of a response."""
    values = response.headers.get("Set-Cookie") or response.headers.get("set-cookie") or []
    cookies: dict[str, str] = {}
    for header in [values] if isinstance(values, str) else values:
        cookies.update(parse_cookie_header(header.split(";")[0]))
    return cookies


def cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


@dataclass
class User:
    id: int
    username: str
    token: str
    cookies: dict[str, str]


def register_and_login(http, username: str, *, role: str = "user") -> User:
    assert call(http, "POST", "/auth/register", body={"username": username, "password": PASSWORD}).status_code == 201
    if role != "user":
        with transaction() as cur:
            cur.execute("UPDATE users SET role = %s WHERE lower(username) = lower(%s)", (role, username))
    response = call(http, "POST", "/auth/login", body={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.body
    body = response.json_body
    return User(body["user"]["id"], username, body["access_token"], set_cookies(response))


def system_user_id() -> int:
    with transaction() as cur:
        cur.execute("SELECT id FROM users WHERE role = 'system'")
        return cur.fetchone()["id"]


def insert_image(owner_id: int, filename: str = "photo.jpg", *, visibility: str = "private",
                 status: str = "READY", size: int = 1234, mime: str = "image/jpeg",
                 with_objects: bool = False) -> int:
    """An image row as ingestion would leave it (optionally with its original and thumbnail in S3)."""
    settings = get_settings()
    original = ObjectRef(settings.originals_bucket, storage.upload_key(owner_id, filename))
    checksum = hashlib.sha256(uuid.uuid4().bytes).hexdigest()
    with transaction() as cur:
        cur.execute(
            """INSERT INTO images (owner_id, uri, filename, checksum, mime, w, h, size, status, visibility,
                                   ready_at, error)
               VALUES (%s, %s, %s, %s, %s, 10, 10, %s, %s, %s,
                       CASE WHEN %s = 'READY' THEN now() END, CASE WHEN %s = 'FAILED' THEN 'broken' END)
               RETURNING id""",
            (owner_id, original.uri, filename, checksum, mime, size, status, visibility, status, status),
        )
        image_id = cur.fetchone()["id"]
        if with_objects:
            thumbnail = storage.thumbnail_ref(owner_id, image_id)
            storage.s3_objects().write_bytes(original, b"original bytes", mime)
            storage.s3_objects().write_bytes(thumbnail, b"thumbnail bytes", "image/jpeg")
            cur.execute("UPDATE images SET thumbnail_key = %s WHERE id = %s", (thumbnail.key, image_id))
    return image_id


@pytest.fixture
def configure(monkeypatch):
    """Change settings for this test (the in-process app reads them per request)."""

    def apply(**values: Any) -> None:
        for name, value in values.items():
            monkeypatch.setenv(f"IMAGEDRIVE_{name.upper()}", str(value))
        get_settings.cache_clear()

    yield apply
    monkeypatch.undo()
    get_settings.cache_clear()


def audit_actions(action_prefix: str = "") -> list[str]:
    with transaction() as cur:
        cur.execute("SELECT action FROM audit_logs WHERE action LIKE %s ORDER BY id", (action_prefix + "%",))
        return [row["action"] for row in cur.fetchall()]
