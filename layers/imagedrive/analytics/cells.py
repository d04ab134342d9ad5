"""Export rows as CSV or JSON text. CSV cells that a spreadsheet would run as a formula are
neutralised with a leading apostrophe (OWASP's advice for CSV injection)."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Any

COLUMNS = (
    "id", "owner", "filename", "mime", "width", "height", "size", "status", "visibility", "source",
    "checksum", "uploaded_at", "ready_at", "error", "categories", "ocr_text",
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Excel reads UTF-8 CSV without mojibake only with a byte-order mark; other readers skip it.
CSV_PROLOGUE = "\ufeff"


def neutralise(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(rows: list[dict[str, Any]], *, header: bool) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if header:
        writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([neutralise(_plain(row[column])) for column in COLUMNS])
    return buffer.getvalue()


def json_text(rows: list[dict[str, Any]], *, first: bool) -> str:
    """Array members; the caller writes the brackets around all pages."""
    members = [json.dumps({c: _plain(row[c]) for c in COLUMNS}, ensure_ascii=False) for row in rows]
    text = ",\n".join(members)
    return text if first or not text else ",\n" + text


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value
