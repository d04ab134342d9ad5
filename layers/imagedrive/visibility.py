"""THE visibility rule, in one place for SQL and Python, below every package that applies it
(images, categories, search, indexing):

- who sees an image: its owner, and everyone when it is public or system;
- who changes it: its owner (admins also manage system images);
- whose search indexes it belongs to: its owner's, or everyone's when it is public or system.

Every read of images filters with `visible_clause`; a row the rule hides is reported as not found, never
as forbidden, so ids of private images leak nothing.
"""

from __future__ import annotations

from typing import Protocol

from psycopg2 import sql

SHARED_VISIBILITIES = ("public", "system")
EVERYONE = "*"
Users = list[int] | str  # user ids, or EVERYONE


class Viewer(Protocol):
    """Who is asking (imagedrive.auth.models.CurrentUser is one)."""

    @property
    def id(self) -> int: ...

    @property
    def is_admin(self) -> bool: ...


def is_shared(visibility: str) -> bool:
    return visibility in SHARED_VISIBILITIES


def can_see(viewer_id: int, owner_id: int, visibility: str) -> bool:
    return owner_id == viewer_id or is_shared(visibility)


def can_modify(viewer: Viewer, owner_id: int, visibility: str) -> bool:
    return owner_id == viewer.id or (viewer.is_admin and visibility == "system")


def affected_users(owner_id: int, visibility: str) -> Users:
    """Whose visible set (and so whose search index) an image of this owner and visibility belongs to."""
    return EVERYONE if is_shared(visibility) else [owner_id]


def visible_clause(viewer_id: int, alias: str = "i") -> sql.Composed:
    """`can_see` as SQL: `(i.owner_id = <viewer> OR i.visibility IN ('public', 'system'))`, the viewer passed
    as a literal psycopg2 adapts, so the fragment composes into any query whatever its parameter style."""
    return sql.SQL("({table}.owner_id = {viewer} OR {table}.visibility IN ({shared}))").format(
        table=sql.Identifier(alias), viewer=sql.Literal(viewer_id),
        shared=sql.SQL(", ").join(sql.Literal(v) for v in SHARED_VISIBILITIES),
    )
