"""THE visibility rule, in one place for SQL and Python: a user sees their own images and every
public or system image; only the owner changes an image (admins also manage system images).

Every read of images (listing, details, search hydration) filters with `visible_clause`; a row
the rule hides is reported as not found, never as forbidden, so ids of private images leak nothing.
"""

from __future__ import annotations

from psycopg2 import sql

from imagedrive.auth.models import CurrentUser

SHARED_VISIBILITIES = ("public", "system")


def visible_clause(viewer_id: int, alias: str = "i") -> sql.Composed:
    """`(i.owner_id = <viewer> OR i.visibility IN ('public', 'system'))`, the viewer passed as a literal
    psycopg2 adapts, so the fragment composes into any query whatever its parameter style."""
    return sql.SQL("({table}.owner_id = {viewer} OR {table}.visibility IN ({shared}))").format(
        table=sql.Identifier(alias), viewer=sql.Literal(viewer_id),
        shared=sql.SQL(", ").join(sql.Literal(v) for v in SHARED_VISIBILITIES),
    )


def can_see(viewer_id: int, owner_id: int, visibility: str) -> bool:
    return owner_id == viewer_id or visibility in SHARED_VISIBILITIES


def can_modify(user: CurrentUser, owner_id: int, visibility: str) -> bool:
    return owner_id == user.id or (user.is_admin and visibility == "system")
