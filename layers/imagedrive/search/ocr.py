"""Text written in pictures, found in Postgres (the one search that runs in the database, by design).

A row matches by any of three, each served by a GIN index on ocr_texts:
- substring (`ILIKE '%q%'`, trigram index): codes inside longer tokens such as `RE16`, and CJK text,
  which the 'simple' parser keeps as one token per run of characters;
- words (`words @@ plainto_tsquery('simple', q)`): every query word present;
- fuzzy (`q <% text`, trigram word similarity ≥ pg_trgm.word_similarity_threshold): misread letters.
Relevance = substring (1) + ts_rank of the words + word similarity, ties by id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from psycopg2 import sql

from imagedrive.db import transaction
from imagedrive.images.access import visible_clause


@dataclass(frozen=True)
class TextMatch:
    row: dict[str, Any]  # id, filename, owner_id, visibility, thumbnail_key, text
    relevance: float


def find_text(user_id: int, q: str, k: int) -> list[TextMatch]:
    query = sql.SQL(
        """WITH query AS (SELECT plainto_tsquery('simple', %(q)s) AS words)
           SELECT i.id, i.filename, i.owner_id, i.visibility, i.thumbnail_key, o.text,
                  (o.text ILIKE %(like)s)::int + ts_rank(o.words, query.words) + word_similarity(%(q)s, o.text)
                      AS relevance
           FROM ocr_texts o JOIN images i ON i.id = o.image_id CROSS JOIN query
           WHERE i.status = 'READY' AND {visible}
             AND (o.text ILIKE %(like)s OR o.words @@ query.words OR %(q)s <%% o.text)
           ORDER BY relevance DESC, i.id
           LIMIT %(k)s"""
    ).format(visible=visible_clause(user_id))
    with transaction() as cur:
        cur.execute(query, {"q": q, "like": f"%{_escape_like(q.strip())}%", "k": k})
        return [TextMatch(row, float(row["relevance"])) for row in cur.fetchall()]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
