"""MessageQueue in memory (imagedrive.queues.MessageQueue)."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any


class MemoryQueue:
    def __init__(self, name: str = "memory") -> None:
        self.name = name
        self.messages: list[dict[str, Any]] = []

    def send(self, body: dict[str, Any]) -> None:
        self.messages.append(copy.deepcopy(body))  # SQS keeps what was sent, not a live reference

    def send_many(self, bodies: Sequence[dict[str, Any]]) -> None:
        for body in bodies:
            self.send(body)

    def depth(self) -> int:
        return len(self.messages)

    def take_all(self) -> list[dict[str, Any]]:
        """What a consumer would receive; the queue is empty afterwards."""
        taken, self.messages = self.messages, []
        return taken
