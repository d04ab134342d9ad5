"""The SQL of categories. Every function runs in the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg2.errors
from psycopg2 import sql

from imagedrive.db import fetch_one
from imagedrive.errors import Conflict
from imagedrive.visibility import visible_clause


@dataclass(frozen=True)
class CategoryRow:
    id: int
    name: str
    system: bool
    prompt: str | None
    created_at: datetime
    image_count: int  # images in it that the reader can see


def visible_to(cur: Any, user_id: int) -> list[CategoryRow]:
    """System categories and the user's own, each with how many images the user can see in it."""
    cur.execute(
        sql.SQL(
            """SELECT c.id, c.name, c.owner_id IS NULL AS system, c.prompt, c.created_at,
                      count(i.id) AS image_count
               FROM categories c
               LEFT JOIN image_categories ic ON ic.category_id = c.id
               LEFT JOIN images i ON i.id = ic.image_id AND {visible}
               WHERE c.owner_id IS NULL OR c.owner_id = %s
               GROUP BY c.id
               ORDER BY c.owner_id IS NOT NULL, lower(c.name), c.id"""
        ).format(visible=visible_clause(user_id)),
        (user_id,),
    )
    return [CategoryRow(**row) for row in cur.fetchall()]


def insert(cur: Any, name: str, owner_id: int | None, prompt: str | None) -> CategoryRow:
    cur.execute("SAVEPOINT new_category")
    try:
        cur.execute(
            """INSERT INTO categories (name, owner_id, prompt) VALUES (%s, %s, %s)
               RETURNING id, name, owner_id IS NULL AS system, prompt, created_at, 0 AS image_count""",
            (name, owner_id, prompt),
        )
    except psycopg2.errors.UniqueViolation as error:
        cur.execute("ROLLBACK TO SAVEPOINT new_category")
        raise Conflict(f"a category named {name!r} already exists", code="category_exists") from error
    return CategoryRow(**fetch_one(cur))


def ensure(cur: Any, name: str, owner_id: int | None, *, prompt: str | None = None) -> int:
    """The category a drop folder (or the sample library) names, None owner: a system category; created when
    missing, its zero-shot prompt set when one is given."""
    cur.execute(
        """INSERT INTO categories (name, owner_id, prompt) VALUES (%s, %s, %s)
           ON CONFLICT (coalesce(owner_id, 0), lower(name))
           DO UPDATE SET prompt = coalesce(EXCLUDED.prompt, categories.prompt)""",
        (name, owner_id, prompt),
    )
    cur.execute(
        "SELECT id FROM categories WHERE coalesce(owner_id, 0) = coalesce(%s, 0) AND lower(name) = lower(%s)",
        (owner_id, name),
    )
    return int(fetch_one(cur)["id"])


def usable_for(cur: Any, owner_id: int, category_ids: list[int]) -> set[int]:
    """Which of these ids an image of this owner may carry: system categories and the owner's own."""
    cur.execute(
        "SELECT id FROM categories WHERE id = ANY(%s) AND (owner_id IS NULL OR owner_id = %s)",
        (category_ids, owner_id),
    )
    return {row["id"] for row in cur.fetchall()}


def assign(cur: Any, image_id: int, category_ids: list[int]) -> None:
    """By hand: a manual link replaces an automatic one."""
    cur.execute(
        """INSERT INTO image_categories (image_id, category_id, source)
           SELECT %s, unnest(%s::bigint[]), 'manual'
           ON CONFLICT (image_id, category_id) DO UPDATE SET source = 'manual', score = NULL""",
        (image_id, category_ids),
    )


def unassign(cur: Any, image_id: int, category_ids: list[int]) -> None:
    cur.execute("DELETE FROM image_categories WHERE image_id = %s AND category_id = ANY(%s)",
                (image_id, category_ids))
