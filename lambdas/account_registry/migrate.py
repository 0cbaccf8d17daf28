"""Versioned SQL migrations for the account registry.

Migrations are the ``NNNN_name.sql`` files beside this module, applied in order,
each in its own transaction, recorded in ``schema_migrations``. A PostgreSQL
advisory lock serializes concurrent runners (a deploy and a local stack, or two
custom-resource retries).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pg8000.native import identifier

from account_registry.constants import MIGRATOR_DB_ROLE
from account_registry.roles import set_default_privileges

if TYPE_CHECKING:
    import pg8000.native

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_MIGRATION_FILE = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
# Arbitrary, stable key for pg_advisory_lock (any bigint; spells "registry").
_ADVISORY_LOCK_KEY = 0x7265676973747279


@dataclass(frozen=True)
class Migration:
    """One migration file."""

    version: str
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        """SHA-256 of the SQL text, to detect edits to applied migrations."""
        return hashlib.sha256(self.sql.encode()).hexdigest()


class MigrationError(Exception):
    """An applied migration was edited, or the files are malformed."""


def load_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Read the migration files in version order.

    Raises:
        MigrationError: A file name does not match ``NNNN_name.sql`` or a version repeats.
    """
    migrations: list[Migration] = []
    for path in sorted(directory.glob("*.sql")):
        match = _MIGRATION_FILE.match(path.name)
        if match is None:
            raise MigrationError(f"migration file name must look like 0001_name.sql: {path.name}")
        migrations.append(Migration(version=match.group(1), name=path.name, sql=path.read_text()))
    versions = [m.version for m in migrations]
    if len(versions) != len(set(versions)):
        raise MigrationError("two migration files share a version number")
    return migrations


def apply_migrations(conn: pg8000.native.Connection, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply every pending migration.

    Runs as the migrator role (``SET ROLE`` when connected as another member, e.g. the local
    superuser), so the migrator owns every table and its default privileges give each new table
    to the vendor (read) and the admin function (write).

    Args:
        conn: An open connection as the migrator role, or as a member of it.
        directory: Where the ``.sql`` files are.

    Returns:
        The versions applied by this call, in order (empty when up to date).

    Raises:
        MigrationError: An already-applied migration's file has changed.
    """
    switched = conn.run("SELECT current_user")[0][0] != MIGRATOR_DB_ROLE
    if switched:
        conn.run(f"SET ROLE {identifier(MIGRATOR_DB_ROLE)}")
    try:
        set_default_privileges(conn)
        return _apply_as_migrator(conn, directory)
    finally:
        if switched:
            conn.run("RESET ROLE")


def _apply_as_migrator(conn: pg8000.native.Connection, directory: Path) -> list[str]:
    conn.run(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version TEXT PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL,"
        " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
    )
    conn.run("SELECT pg_advisory_lock(:key)", key=_ADVISORY_LOCK_KEY)
    try:
        applied = {row[0]: row[1] for row in conn.run("SELECT version, checksum FROM schema_migrations")}
        done: list[str] = []
        for migration in load_migrations(directory):
            if migration.version in applied:
                if applied[migration.version] != migration.checksum:
                    raise MigrationError(f"migration {migration.name} changed after it was applied")
                continue
            conn.run("BEGIN")
            try:
                conn.run(migration.sql)
                conn.run(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES (:v, :n, :c)",
                    v=migration.version,
                    n=migration.name,
                    c=migration.checksum,
                )
                conn.run("COMMIT")
            except Exception:
                conn.run("ROLLBACK")
                raise
            done.append(migration.version)
        return done
    finally:
        conn.run("SELECT pg_advisory_unlock(:key)", key=_ADVISORY_LOCK_KEY)


def current_version(conn: pg8000.native.Connection) -> str | None:
    """The highest applied migration version, or None on an empty database."""
    rows = conn.run("SELECT max(version) FROM schema_migrations")
    return rows[0][0] if rows else None
