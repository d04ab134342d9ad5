"""Which images an index version holds. Two kinds, disjoint, whose union is exactly what a user may see:

- the shared index: every public and system image, built once per change of that set, searched by everyone;
- a private index per user: their images that are neither public nor system.

Versions and staleness are kept per index owner (index_versions.user_id, user_index_state.user_id); the shared
index is filed under the system user, who owns the system images, never logs in and so has no private search.
So with U users and P public images the drive stores P + (each user's own) vectors, not U times P.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from psycopg2 import sql

from imagedrive.visibility import private_clause, shared_clause

SHARED_OWNER = "(SELECT min(id) FROM users WHERE role = 'system')"  # SQL: the shared index's owner id


@dataclass(frozen=True)
class IndexScope:
    owner_id: int  # the key of its versions and state
    shared: bool

    def rows(self, alias: str = "i") -> sql.Composed:
        """SQL condition on images: the rows this index holds."""
        return shared_clause(alias) if self.shared else private_clause(self.owner_id, alias)


def shared_owner(cur: Any) -> int:
    cur.execute(f"SELECT {SHARED_OWNER} AS id")
    owner = cur.fetchone()["id"]
    if owner is None:
        raise LookupError("no system user: the shared index has no owner (migration 0001 creates one)")
    return int(owner)


def scope_of(cur: Any, owner_id: int) -> IndexScope:
    """The index filed under `owner_id`: the shared one for the system user, else that user's private one."""
    return IndexScope(owner_id, shared=owner_id == shared_owner(cur))


def scopes_searched_by(cur: Any, user_id: int) -> tuple[IndexScope, IndexScope]:
    """(shared, private): the two indexes a user's search reads."""
    return IndexScope(shared_owner(cur), shared=True), IndexScope(user_id, shared=False)
