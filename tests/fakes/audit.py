"""AuditTrail in memory (imagedrive.audit.AuditTrail): the rows a service would have written."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class AuditEntry:
    action: str
    user_id: int | None
    target_id: Any
    details: dict[str, Any]


@dataclass
class MemoryAuditTrail:
    entries: list[AuditEntry] = field(default_factory=list)

    def record(self, cur: Any, action: str, *, user_id: int | None, target_id: Any = None, **details: Any) -> None:
        self.entries.append(AuditEntry(action, user_id, target_id, details))

    def actions(self, prefix: str = "") -> list[str]:
        return [entry.action for entry in self.entries if entry.action.startswith(prefix)]
