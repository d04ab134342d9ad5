"""Which failures are retried: connection, throttling and timeouts of the database and AWS only."""

from __future__ import annotations

import psycopg2
import pytest
from botocore.exceptions import ClientError, ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError

from imagedrive.transient import is_transient


def _client_error(code: str, status: int) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}},
                       "GetObject")


@pytest.mark.parametrize("error", [
    psycopg2.OperationalError("server closed the connection unexpectedly"),
    psycopg2.InterfaceError("connection already closed"),
    EndpointConnectionError(endpoint_url="http://127.0.0.1:4566"),
    ConnectTimeoutError(endpoint_url="http://127.0.0.1:4566"),
    ReadTimeoutError(endpoint_url="http://127.0.0.1:4566"),
    _client_error("SlowDown", 503),
    _client_error("ThrottlingException", 400),
    _client_error("InternalError", 500),
])
def test_a_dependency_briefly_away_is_transient(error):
    assert is_transient(error)


@pytest.mark.parametrize("error", [
    RuntimeError("the OCR engine crashed"),
    ValueError("bad picture"),
    psycopg2.errors.UniqueViolation("duplicate key"),
    psycopg2.DataError("invalid input syntax"),
    _client_error("NoSuchKey", 404),
    _client_error("AccessDenied", 403),
])
def test_everything_else_is_not(error):
    assert not is_transient(error)
