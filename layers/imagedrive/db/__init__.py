"""Postgres access: one connection per process, transactions, and the migration runner."""

from imagedrive.db.connection import connect, get_connection, reset_connection, transaction

__all__ = ["connect", "get_connection", "reset_connection", "transaction"]
