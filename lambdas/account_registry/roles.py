"""Per-function database roles of the registry, created and kept in shape by the migrations.

``ensure_roles`` runs as the instance's master user (the only step that uses it): it creates the
three login roles, lets them connect (RDS IAM authentication through ``rds_iam``, or passwords on
the local stack), gives the migrator the schema, and hands over tables an older version created
as the master user. ``set_default_privileges`` runs as the migrator before any migration, so every
table a migration creates — now or in a future file — is readable by the vendor and writable by
the admin function without a grant in the migration itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from pg8000.native import identifier, literal

from account_registry.constants import (
    ADMIN_DB_ROLE,
    FUNCTION_DB_ROLES,
    MIGRATOR_DB_ROLE,
    SCHEMA,
    TABLE_PRIVILEGES,
    VENDOR_DB_ROLE,
)

if TYPE_CHECKING:
    import pg8000.native

RDS_IAM_ROLE = "rds_iam"


class RoleSetupError(Exception):
    """The database cannot be given the per-function roles as asked."""


def _role_exists(conn: pg8000.native.Connection, role: str) -> bool:
    return bool(conn.run("SELECT 1 FROM pg_roles WHERE rolname = :role", role=role))


def ensure_roles(conn: pg8000.native.Connection, *, iam_auth: bool, passwords: Mapping[str, str] | None = None) -> None:
    """Create the function roles and their database-level privileges (idempotent).

    Args:
        conn: Connection to the registry database as a role with CREATEROLE (the RDS master user,
            or the local superuser).
        iam_auth: Grant ``rds_iam`` so the roles log in with RDS IAM tokens (no password).
        passwords: Local stack only: a password per role (password authentication).

    Raises:
        RoleSetupError: ``iam_auth`` on a server without ``rds_iam`` (not RDS).
    """
    if iam_auth and not _role_exists(conn, RDS_IAM_ROLE):
        raise RoleSetupError("RDS IAM authentication asked for, but this server has no rds_iam role")
    database = identifier(conn.run("SELECT current_database()")[0][0])
    schema = identifier(SCHEMA)
    for role in FUNCTION_DB_ROLES:
        if not _role_exists(conn, role):
            conn.run(f"CREATE ROLE {identifier(role)} LOGIN")
        if iam_auth:
            conn.run(f"GRANT {RDS_IAM_ROLE} TO {identifier(role)}")
        if passwords and role in passwords:
            conn.run(f"ALTER ROLE {identifier(role)} LOGIN PASSWORD {literal(passwords[role])}")
        conn.run(f"GRANT CONNECT ON DATABASE {database} TO {identifier(role)}")
        conn.run(f"GRANT USAGE ON SCHEMA {schema} TO {identifier(role)}")
    # Nobody but the migrator creates objects (PostgreSQL < 15 lets PUBLIC create in public).
    conn.run(f"REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC")
    conn.run(f"GRANT CREATE ON SCHEMA {schema} TO {identifier(MIGRATOR_DB_ROLE)}")
    # The master user may act as the migrator (hand over tables; PostgreSQL 16 needs the membership).
    conn.run(f"GRANT {identifier(MIGRATOR_DB_ROLE)} TO CURRENT_USER")
    _hand_over_legacy_tables(conn)


def _hand_over_legacy_tables(conn: pg8000.native.Connection) -> None:
    """Tables created as the master user (before per-function roles) become the migrator's, with the grants."""
    rows = conn.run(
        "SELECT tablename FROM pg_tables WHERE schemaname = :schema AND tableowner = current_user", schema=SCHEMA
    )
    for (table,) in rows:
        qualified = f"{identifier(SCHEMA)}.{identifier(table)}"
        conn.run(f"ALTER TABLE {qualified} OWNER TO {identifier(MIGRATOR_DB_ROLE)}")
        for role, privileges in TABLE_PRIVILEGES.items():
            conn.run(f"GRANT {', '.join(privileges)} ON {qualified} TO {identifier(role)}")


def set_default_privileges(conn: pg8000.native.Connection) -> None:
    """As the migrator: every table it creates from now on gets ``TABLE_PRIVILEGES`` (idempotent)."""
    schema = identifier(SCHEMA)
    for role, privileges in TABLE_PRIVILEGES.items():
        conn.run(
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT {', '.join(privileges)} ON TABLES TO {identifier(role)}"
        )
    # Sequences (serial / identity columns) of future tables: the admin function inserts rows.
    conn.run(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE, SELECT ON SEQUENCES TO {identifier(ADMIN_DB_ROLE)}"
    )
    conn.run(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT SELECT ON SEQUENCES TO {identifier(VENDOR_DB_ROLE)}")
