"""Postgres access: one connection per process, transactions, and the migration runner."""

from imagedrive.db.connection import (
    Transactions,
    connect,
    fetch_one,
    get_connection,
    reset_connection,
    transaction,
)

__all__ = ["Transactions", "connect", "fetch_one", "get_connection", "reset_connection", "transaction"]
