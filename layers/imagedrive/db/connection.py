"""One Postgres connection per thread (a Lambda container has one; `chalice local` serves each
request on its own thread), reopened when it breaks."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import psycopg2
import psycopg2.extensions
import psycopg2.extras

from imagedrive import secrets
from imagedrive.telemetry import tracer

_local = threading.local()


def connect(url: str | None = None, *, connect_timeout: int = 3) -> psycopg2.extensions.connection:
    return psycopg2.connect(
        url or secrets.database_url(), connect_timeout=connect_timeout, application_name="imagedrive"
    )


def get_connection() -> psycopg2.extensions.connection:
    connection = getattr(_local, "connection", None)
    if connection is None or connection.closed:
        connection = _local.connection = connect()
    return connection


def reset_connection() -> None:
    """Drop this thread's cached connection (after a failure, or when tests switch databases)."""
    connection = getattr(_local, "connection", None)
    if connection is not None and not connection.closed:
        connection.close()
    _local.connection = None


def fetch_one(cursor: Any) -> dict[str, Any]:
    """The row a query that always returns one (an aggregate, a RETURNING) gave back."""
    row: dict[str, Any] | None = cursor.fetchone()
    if row is None:
        raise LookupError("the query returned no row")
    return row


@contextmanager
@tracer.capture_method
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


# What a service that makes several repository calls atomically takes: `transaction` itself, or (unit tests,
# whose repositories are in memory) a context manager that yields no cursor.
Transactions = Callable[[], AbstractContextManager[Any]]
