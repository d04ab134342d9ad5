"""Login throttling from the login_attempts table, per account and per client address.

An account is locked after N failures inside the window since its last successful login; an
address after M failures inside the window. The answer says how long until the oldest failure
that counts leaves the window.
"""

from __future__ import annotations

from typing import Any

from imagedrive.settings import Settings

_ACCOUNT_SQL = """
    SELECT ceil(extract(epoch FROM ts + make_interval(secs => %(window)s) - now()))::int AS retry_after_s
    FROM login_attempts
    WHERE username = %(key)s AND NOT succeeded AND ts > now() - make_interval(secs => %(window)s)
      AND ts > coalesce((SELECT max(ts) FROM login_attempts WHERE username = %(key)s AND succeeded), '-infinity')
    ORDER BY ts DESC OFFSET %(skip)s LIMIT 1"""

_ADDRESS_SQL = """
    SELECT ceil(extract(epoch FROM ts + make_interval(secs => %(window)s) - now()))::int AS retry_after_s
    FROM login_attempts
    WHERE client_ip = %(key)s AND NOT succeeded AND ts > now() - make_interval(secs => %(window)s)
    ORDER BY ts DESC OFFSET %(skip)s LIMIT 1"""


def retry_after(cur: Any, username: str, address: str, settings: Settings) -> int | None:
    """Seconds until this account and address may try again; None when they may try now."""
    waits = []
    for sql, key, limit in (
        (_ACCOUNT_SQL, username.lower(), settings.login_max_failures_per_account),
        (_ADDRESS_SQL, address, settings.login_max_failures_per_address),
    ):
        cur.execute(sql, {"window": settings.login_window_s, "key": key, "skip": limit - 1})
        row = cur.fetchone()
        if row:
            waits.append(max(1, row["retry_after_s"]))
    return max(waits) if waits else None


def record(cur: Any, username: str, address: str, *, succeeded: bool) -> None:
    cur.execute(
        "INSERT INTO login_attempts (username, client_ip, succeeded) VALUES (%s, %s, %s)",
        (username.lower(), address, succeeded),
    )
