"""THE visibility rule, in one place for SQL and Python, below every package that applies it
(images, categories, search, indexing):

- who sees an image: its owner, and everyone when it is public or system;
- who changes it: its owner (admins also manage system images);
- which search index holds it: the one shared index when it is public or system, else its owner's private
  index; a user searches the shared index and their own private one (disjoint, together exactly what they see).

Every read of images filters with `visible_clause`; a row the rule hides is reported as not found, never
as forbidden, so ids of private images leak nothing.
"""

from __future__ import annotations

from typing import Protocol

from psycopg2 import sql

SHARED_VISIBILITIES = ("public", "system")
EVERYONE = "*"  # every index: the shared one and every user's
SHARED_INDEX = 0  # in a list of users whose index is stale: the shared index (no user has id 0)
Users = list[int] | str  # user ids (SHARED_INDEX among them), or EVERYONE


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
    """The index an image of this owner and visibility belongs to: the shared one, seen by everyone, or its
    owner's private one."""
    return [SHARED_INDEX] if is_shared(visibility) else [owner_id]


def visible_clause(viewer_id: int, alias: str = "i") -> sql.Composed:
    """`can_see` as SQL: `(i.owner_id = <viewer> OR i.visibility IN ('public', 'system'))`, the viewer passed
    as a literal psycopg2 adapts, so the fragment composes into any query whatever its parameter style."""
    return sql.SQL("({table}.owner_id = {viewer} OR {table}.visibility IN ({shared}))").format(
        table=sql.Identifier(alias), viewer=sql.Literal(viewer_id),
        shared=sql.SQL(", ").join(sql.Literal(v) for v in SHARED_VISIBILITIES),
    )


def shared_clause(alias: str = "i") -> sql.Composed:
    """The rows of the shared index: every public and system image, whoever owns it."""
    return sql.SQL("{table}.visibility IN ({shared})").format(
        table=sql.Identifier(alias), shared=sql.SQL(", ").join(sql.Literal(v) for v in SHARED_VISIBILITIES))


def private_clause(owner_id: int, alias: str = "i") -> sql.Composed:
    """The rows of `owner_id`'s private index: their images that are neither public nor system."""
    return sql.SQL("({table}.owner_id = {owner} AND NOT {shared})").format(
        table=sql.Identifier(alias), owner=sql.Literal(owner_id), shared=shared_clause(alias))
