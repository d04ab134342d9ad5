"""What every service takes besides its own ports: the audit trail and the transaction factory (real by
default; in-memory in unit tests), and fixed settings for tests (by default the process's, read per use, so
a changed environment is seen as everywhere else)."""

from __future__ import annotations

from dataclasses import dataclass

from imagedrive import audit
from imagedrive.audit import AuditTrail
from imagedrive.db import Transactions, transaction
from imagedrive.settings import Settings, get_settings


@dataclass(kw_only=True)
class ServicePorts:
    audit: AuditTrail = audit
    transaction: Transactions = transaction
    configured: Settings | None = None

    @property
    def settings(self) -> Settings:
        return self.configured or get_settings()
