"""The transaction factory for services whose repositories are all in memory: nothing to begin or
commit, and the repositories ignore the (absent) cursor."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext


def no_transaction() -> AbstractContextManager[None]:
    return nullcontext()
