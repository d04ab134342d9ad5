"""Searchable vectors read from Postgres in bulk: one binary COPY, decoded by one numpy view.

Searchable means READY images whose embedding is of the given model version, within one index's rows
(imagedrive.indexing.scope) or within THE visibility rule (imagedrive.visibility) for one user. Each row
also carries its change stamp — the later of images.updated_at (READY, visibility, rename) and
embeddings.created_at (re-embedding) — whose maximum is the index watermark.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from psycopg2 import sql

from imagedrive.indexing.scope import IndexScope
from imagedrive.visibility import visible_clause

_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
_POSTGRES_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)  # binary timestamptz: int64 µs since then


class CopyFormatError(ValueError):
    pass


@dataclass(frozen=True)
class VectorSet:
    ids: np.ndarray  # int64[n]
    vectors: np.ndarray  # float32[n, dim], C-contiguous
    watermark: datetime | None  # newest change stamp among the rows; None when there are none

    def __len__(self) -> int:
        return len(self.ids)


def read_visible(cur: Any, user_id: int, model_version: str) -> VectorSet:
    """Everything `user_id` may find, in image id order (searched directly when an index cannot serve)."""
    return _copy(cur, _searchable(visible_clause(user_id), model_version, ordered=True))


def read_scope(cur: Any, scope: IndexScope, model_version: str) -> VectorSet:
    """The rows of one index (shared or a user's private one), in image id order."""
    return _copy(cur, _searchable(scope.rows(), model_version, ordered=True))


def read_fresh(
    cur: Any, user_id: int, model_version: str, watermarks: Sequence[tuple[IndexScope, datetime | None]],
    limit: int | None = None,
) -> VectorSet:
    """What `user_id` may find that changed after the build of the index now holding it: for each searched
    index, its rows changed after its watermark (all of them when None); at most `limit` rows. One SELECT per
    index, so each reads its own partial index on updated_at (migration 0006)."""
    parts = [_searchable(sql.SQL("{visible} AND {rows} AND {changed}").format(
                 visible=visible_clause(user_id), rows=scope.rows(), changed=_changed_after(since)), model_version)
             for scope, since in watermarks]
    query = sql.SQL(" UNION ALL ").join(sql.SQL("({})").format(part) for part in parts)
    if limit is not None:
        query = sql.SQL("{} LIMIT {}").format(query, sql.Literal(limit))
    # Usually a handful of rows, read on every search: starting parallel workers cost 6 ms of an 8 ms read
    # when the planner overestimated the rows changed since a bulk load. (For the rest of the transaction.)
    cur.execute("SET LOCAL max_parallel_workers_per_gather = 0")
    return _copy(cur, query)


def _changed_after(since: datetime | None) -> sql.Composable:
    # images.updated_at moves with every change a search sees, re-embedding included (ingest.repository), and
    # a partial index per kind of index serves this (migration 0006).
    return sql.SQL("TRUE") if since is None else sql.SQL("i.updated_at > {since}").format(since=sql.Literal(since))


def _searchable(rows: sql.Composable, model_version: str, ordered: bool = False) -> sql.Composed:
    return sql.SQL(
        """SELECT i.id, e.vec, greatest(i.updated_at, e.created_at)
           FROM images i JOIN embeddings e ON e.image_id = i.id
           WHERE i.status = 'READY' AND {rows} AND e.model_version = {model_version} {order}"""
    ).format(rows=rows, model_version=sql.Literal(model_version),
             order=sql.SQL("ORDER BY i.id") if ordered else sql.SQL(""))


def _copy(cur: Any, query: sql.Composed) -> VectorSet:
    buffer = io.BytesIO()
    cur.copy_expert(sql.SQL("COPY ({}) TO STDOUT (FORMAT binary)").format(query).as_string(cur.connection), buffer)
    return parse_copy(buffer.getbuffer())


def parse_copy(data: memoryview | bytes) -> VectorSet:
    """Decode COPY binary rows of (bigint, bytea of float32[dim], timestamptz) without a Python loop.

    Every row has the same width, so the body is one numpy structured array over the buffer.
    """
    data = memoryview(data)
    if bytes(data[:11]) != _SIGNATURE:
        raise CopyFormatError("not a COPY binary stream")
    (extension,) = struct.unpack(">i", data[15:19])
    body = data[19 + extension: len(data) - 2]  # after the header, before the int16 -1 trailer
    if len(body) == 0:
        return VectorSet(np.empty(0, np.int64), np.empty((0, 0), np.float32), None)
    (vec_bytes,) = struct.unpack(">i", body[14:18])
    row = np.dtype([
        ("fields", ">i2"), ("id_len", ">i4"), ("id", ">i8"), ("vec_len", ">i4"), ("vec", "<f4", (vec_bytes // 4,)),
        ("ts_len", ">i4"), ("ts", ">i8"),
    ])
    if len(body) % row.itemsize:
        raise CopyFormatError("rows of different widths: vectors of more than one dimension")
    rows = np.frombuffer(body, dtype=row)
    if not ((rows["fields"] == 3).all() and (rows["id_len"] == 8).all() and (rows["vec_len"] == vec_bytes).all()
            and (rows["ts_len"] == 8).all()):
        raise CopyFormatError("unexpected row layout (NULL field or mixed vector sizes)")
    watermark = _POSTGRES_EPOCH + timedelta(microseconds=int(rows["ts"].max()))
    return VectorSet(rows["id"].astype(np.int64), np.ascontiguousarray(rows["vec"], dtype=np.float32), watermark)
