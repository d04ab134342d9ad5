"""Applies the numbered SQL files in db/migrations in order, each in its own transaction.

The same runner serves the run command, the tests and the deploy-time custom resource.
An advisory lock makes concurrent runs (two Lambdas, two test workers) wait for each other.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import psycopg2.extensions

from imagedrive.log import logger

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_FILENAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_LOCK_KEY = 0x1D_0D01  # any constant shared by every runner


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


class MigrationError(RuntimeError):
    pass


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    migrations = []
    for path in sorted(directory.glob("*.sql")):
        match = _FILENAME.match(path.name)
        if not match:
            raise MigrationError(f"migration file name must look like 0001_name.sql: {path.name}")
        migrations.append(Migration(int(match.group(1)), path.stem, path.read_text()))
    versions = [m.version for m in migrations]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"two migrations share a number: {versions}")
    return migrations


def apply_migrations(conn: psycopg2.extensions.connection, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply what is missing; return the names applied. Refuses if an applied file was edited."""
    applied_now: list[str] = []
    with conn, conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_lock(%s)", (_LOCK_KEY,))
        cur.execute(
            """CREATE TABLE IF NOT EXISTS schema_migrations (
                       version integer PRIMARY KEY,
                       name text NOT NULL,
                       checksum text NOT NULL,
                       applied_at timestamptz NOT NULL DEFAULT now())"""
        )
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT version, checksum FROM schema_migrations")
            done = dict(cur.fetchall())
        conn.commit()
        for migration in discover(directory):
            if migration.version in done:
                if done[migration.version] != migration.checksum:
                    raise MigrationError(f"{migration.name} was changed after it was applied; add a new file")
                continue
            with conn, conn.cursor() as cur:
                cur.execute(migration.sql)
                cur.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                    (migration.version, migration.name, migration.checksum),
                )
            logger.info("migration applied", extra={"migration": migration.name})
            applied_now.append(migration.name)
    finally:
        with conn, conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_KEY,))
    return applied_now
