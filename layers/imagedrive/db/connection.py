"""One Postgres connection per process (a Lambda container), reopened when it breaks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2
import psycopg2.extensions
import psycopg2.extras

from imagedrive import secrets

_connection: psycopg2.extensions.connection | None = None


def connect(url: str | None = None, *, connect_timeout: int = 3) -> psycopg2.extensions.connection:
    return psycopg2.connect(
        url or secrets.database_url(), connect_timeout=connect_timeout, application_name="imagedrive"
    )


def get_connection() -> psycopg2.extensions.connection:
    global _connection
    if _connection is None or _connection.closed:
        _connection = connect()
    return _connection


def reset_connection() -> None:
    """Drop the cached connection (after a failure, or when tests switch databases)."""
    global _connection
    if _connection is not None and not _connection.closed:
        _connection.close()
    _connection = None


@contextmanager
def transaction() -> Iterator[psycopg2.extras.RealDictCursor]:
    """A cursor inside one transaction: committed on success, rolled back on any error.

    A broken connection (server restarted, network gone) is discarded so the next call
    reconnects instead of failing forever in a warm Lambda container.
    """
    conn = get_connection()
    try:
        with conn, conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cursor:
            yield cursor
    except (psycopg2.OperationalError, psycopg2.InterfaceError):
        reset_connection()
        raise
