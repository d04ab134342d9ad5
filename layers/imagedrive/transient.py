"""Which failures are worth retrying: the one classification every consumer uses.

Only a dependency that was briefly away counts: the database connection dropping or refusing
(psycopg2's OperationalError/InterfaceError), AWS unreachable or slow (botocore's connection and
timeout errors), and AWS answering "throttled" or a 5xx. Anything else (a bug, a picture that makes
a model raise, a constraint violation) fails the same way on every attempt, so retrying it only
delays the FAILED row its owner should see.
"""

from __future__ import annotations

import psycopg2
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

_DATABASE_ERRORS = (psycopg2.OperationalError, psycopg2.InterfaceError)
_AWS_CONNECTION_ERRORS = (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError, ConnectionClosedError)
_THROTTLING_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottled", "RequestThrottledException",
    "TooManyRequestsException", "ProvisionedThroughputExceededException", "SlowDown", "RequestLimitExceeded",
    "RequestTimeout", "RequestTimeoutException", "ServiceUnavailable", "InternalError", "InternalFailure",
})


def is_transient(error: BaseException) -> bool:
    """True for connection, throttling and timeout failures of the database or AWS."""
    if isinstance(error, _DATABASE_ERRORS + _AWS_CONNECTION_ERRORS):
        return True
    if isinstance(error, ClientError):
        code = str(error.response.get("Error", {}).get("Code", ""))
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        return code in _THROTTLING_CODES or status >= 500 or status == 429
    return False
