"""How long batch work reports its progress without the runtime package depending on a terminal library:
the work takes a `ProgressBars` factory; the developer CLI passes tqdm's, Lambda and tests the silent one."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Protocol


class Progress(Protocol):
    def update(self, n: int) -> None: ...


ProgressBars = Callable[[int, str], AbstractContextManager[Progress]]  # (total, description) → a bar


class _Silent:
    def update(self, n: int) -> None:
        pass

    def __enter__(self) -> _Silent:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def silent(total: int, description: str) -> AbstractContextManager[Progress]:
    return _Silent()
