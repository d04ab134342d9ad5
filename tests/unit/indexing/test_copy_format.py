"""Decoding Postgres COPY binary rows of (id, vector bytes, timestamp) in one numpy view."""

from __future__ import annotations

import struct
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from imagedrive.indexing.vectors import CopyFormatError, parse_copy

HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
TRAILER = struct.pack(">h", -1)
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def row(image_id: int, vector: np.ndarray, stamp: datetime) -> bytes:
    data = vector.astype("<f4").tobytes()
    micros = (stamp - EPOCH) // timedelta(microseconds=1)
    return (struct.pack(">hiq", 3, 8, image_id) + struct.pack(">i", len(data)) + data
            + struct.pack(">iq", 8, micros))


def test_rows_decode_to_ids_vectors_and_the_newest_stamp():
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((3, 16)).astype(np.float32)
    stamps = [datetime(2026, 1, d, 12, 0, 0, 123456, tzinfo=UTC) for d in (3, 9, 5)]
    stream = HEADER + b"".join(row(i, v, s) for i, v, s in zip((7, 3, 2**40), vectors, stamps, strict=True)) + TRAILER

    decoded = parse_copy(stream)

    assert decoded.ids.tolist() == [7, 3, 2**40] and decoded.ids.dtype == np.int64
    np.testing.assert_array_equal(decoded.vectors, vectors)
    assert decoded.vectors.flags.c_contiguous
    assert decoded.watermark == stamps[1]


def test_no_rows_is_an_empty_set_without_a_watermark():
    decoded = parse_copy(HEADER + TRAILER)
    assert len(decoded) == 0 and decoded.watermark is None


def test_vectors_of_two_sizes_are_refused():
    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    stream = HEADER + row(1, np.zeros(16), stamp) + row(2, np.zeros(8), stamp) + TRAILER
    with pytest.raises(CopyFormatError):
        parse_copy(stream)


def test_a_stream_that_is_not_copy_binary_is_refused():
    with pytest.raises(CopyFormatError):
        parse_copy(b"id,vec\n1,abc\n")
