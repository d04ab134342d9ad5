"""A refused login's exception must not keep any attempt's plaintext password reachable: not this
attempt's, and not (through a traceback grown by re-raising one shared exception) any earlier one's."""

from __future__ import annotations

from types import TracebackType
from typing import Any

import pytest

from imagedrive.auth.models import Client
from imagedrive.auth.service import AuthService
from imagedrive.errors import Unauthenticated
from tests.integration.api.conftest import PASSWORD


def _strings_reachable(traceback: TracebackType | None) -> set[str]:
    """Every string in the locals of every frame on the traceback, looking a few levels into containers."""
    found: set[str] = set()

    def visit(value: Any, depth: int) -> None:
        if isinstance(value, str):
            found.add(value)
        elif depth and isinstance(value, dict):
            for item in value.items():
                visit(item, depth - 1)
        elif depth and isinstance(value, list | tuple | set | frozenset):
            for item in value:
                visit(item, depth - 1)
        elif depth and hasattr(value, "__dict__"):
            visit(vars(value), depth - 1)

    while traceback is not None:
        visit(traceback.tb_frame.f_locals, 4)
        traceback = traceback.tb_next
    return found


def _refused_login(service: AuthService, attempt: int) -> Unauthenticated:
    # The password is built inside the call so that only the service's frames could hold it.
    try:
        service.login("alice", f"wrong password number {attempt}", Client(address=f"10.0.0.{attempt}"))
    except Unauthenticated as error:
        return error
    pytest.fail("a wrong password was accepted")


def test_failed_logins_leave_no_password_reachable_from_the_exception(clean_db):
    service = AuthService()
    service.register("alice", PASSWORD)
    refusals = [_refused_login(service, attempt) for attempt in range(4)]

    assert len({id(error) for error in refusals}) == 4, "each refusal is its own exception"
    for error in refusals:
        assert error.code == "invalid_credentials"
        reachable = _strings_reachable(error.__traceback__)
        leaked = [s for s in reachable if "wrong password number" in s]
        assert leaked == [], f"plaintext passwords reachable from a login refusal: {leaked}"
