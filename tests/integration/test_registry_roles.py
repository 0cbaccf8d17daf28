"""Per-function database roles on real PostgreSQL: the database, not the code, decides what each
function may do. The vendor reads, the admin function writes, the migrator owns the schema, and
tables added by future migrations get the same privileges without a grant of their own."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from pathlib import Path

import pg8000.exceptions
import pg8000.native
import pytest

from account_registry.constants import ADMIN_DB_ROLE, MIGRATOR_DB_ROLE, TABLE_PRIVILEGES, VENDOR_DB_ROLE
from account_registry.migrate import MIGRATIONS_DIR, apply_migrations
from account_registry.roles import ensure_roles
from account_registry.store import connect
from local_stack.stack import ROLE_ACCOUNT, LocalStack

pytestmark = pytest.mark.integration

INSUFFICIENT_PRIVILEGE = "42501"
REGISTRY_TABLES = ("organizations", "aws_accounts")


def login(local_stack: LocalStack, role: str, database: str | None = None) -> pg8000.native.Connection:
    settings = local_stack.db_settings(role)
    return connect(dataclasses.replace(settings, database=database) if database else settings)


@pytest.fixture
def vendor_db(local_stack: LocalStack) -> Iterator[pg8000.native.Connection]:
    conn = login(local_stack, VENDOR_DB_ROLE)
    yield conn
    conn.close()


@pytest.fixture
def admin_db(local_stack: LocalStack) -> Iterator[pg8000.native.Connection]:
    conn = login(local_stack, ADMIN_DB_ROLE)
    yield conn
    conn.close()


def refused(conn: pg8000.native.Connection, sql: str) -> bool:
    """Whether PostgreSQL refuses the statement for lack of privilege (rolled back either way)."""
    try:
        conn.run("BEGIN")
        conn.run(sql)
    except pg8000.exceptions.DatabaseError as exc:
        conn.run("ROLLBACK")
        code: object = exc.args[0].get("C")
        return code == INSUFFICIENT_PRIVILEGE
    conn.run("ROLLBACK")
    return False


def test_vendor_role_reads_the_registry_and_can_change_nothing(vendor_db):
    assert vendor_db.run("SELECT account_id FROM aws_accounts WHERE account_id = :a", a=ROLE_ACCOUNT)
    assert vendor_db.run("SELECT count(*) FROM organizations")[0][0] >= 1
    for sql in (
        "UPDATE aws_accounts SET enabled = true",
        "UPDATE aws_accounts SET role_arn = 'arn:aws:iam::999999999999:role/AccountToolsReadOnly'",
        "INSERT INTO organizations (name, external_id) VALUES ('x', 'ext-vendor-write')",
        "DELETE FROM aws_accounts",
        "TRUNCATE aws_accounts",
        "DROP TABLE aws_accounts",
        "CREATE TABLE vendor_scratch (id int)",
        "ALTER TABLE aws_accounts ADD COLUMN x int",
    ):
        assert refused(vendor_db, sql), sql


def test_admin_role_writes_accounts_but_cannot_delete_or_change_the_schema(admin_db):
    assert not refused(admin_db, "INSERT INTO organizations (name, external_id) VALUES ('Roles Co', 'ext-roles-co')")
    assert not refused(admin_db, "UPDATE aws_accounts SET updated_at = now() WHERE account_id = '000000000000'")
    # `accounts delete` (of a disabled account) is the one delete (migration 0003); its grants cascade.
    assert not refused(admin_db, "DELETE FROM aws_accounts WHERE account_id = '000000000000'")
    for sql in (
        "DELETE FROM organizations",
        "DELETE FROM grants",
        "TRUNCATE organizations",
        "DROP TABLE aws_accounts",
        "CREATE TABLE admin_scratch (id int)",
        "ALTER TABLE aws_accounts DROP CONSTRAINT aws_accounts_aksk_fields",
        "DELETE FROM schema_migrations",
    ):
        assert refused(admin_db, sql), sql


def test_every_table_is_owned_by_the_migrator_and_readable_by_the_vendor(local_stack):
    # Every table of every migration, including ones added after this test was written
    conn = login(local_stack, MIGRATOR_DB_ROLE)
    try:
        tables = conn.run("SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'public'")
        assert {t for t, _ in tables} >= {*REGISTRY_TABLES, "schema_migrations"}
        for table, owner in tables:
            assert owner == MIGRATOR_DB_ROLE, table
            assert conn.run("SELECT has_table_privilege(:r, :t, 'SELECT')", r=VENDOR_DB_ROLE, t=table) == [[True]]
            for role in (VENDOR_DB_ROLE, ADMIN_DB_ROLE):
                for privilege in ("TRUNCATE", "REFERENCES", "TRIGGER"):
                    granted = conn.run("SELECT has_table_privilege(:r, :t, :p)", r=role, t=table, p=privilege)
                    assert granted == [[False]], (role, table, privilege)
        for table in REGISTRY_TABLES:
            for role, privileges in TABLE_PRIVILEGES.items():
                for privilege in ("SELECT", "INSERT", "UPDATE", "DELETE"):
                    granted = conn.run("SELECT has_table_privilege(:r, :t, :p)", r=role, t=table, p=privilege)
                    account_delete = (role, table, privilege) == (ADMIN_DB_ROLE, "aws_accounts", "DELETE")
                    assert granted == [[privilege in privileges or account_delete]], (role, table, privilege)
    finally:
        conn.close()


def test_a_table_added_by_a_future_migration_gets_the_same_privileges(local_stack, tmp_path: Path):
    # Given a fresh database and the migrations plus a new file that adds a table (no GRANT in it)
    superuser = connect(local_stack.postgres.settings)
    superuser.run("CREATE DATABASE future_registry")
    superuser.close()
    directory = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, directory)
    (directory / "9000_grants.sql").write_text(
        "CREATE TABLE caller_grants (id UUID PRIMARY KEY DEFAULT gen_random_uuid(), caller TEXT NOT NULL);\n"
        "CREATE TABLE audit_events (id BIGSERIAL PRIMARY KEY, what TEXT NOT NULL);\n"
    )
    master = connect(dataclasses.replace(local_stack.postgres.settings, database="future_registry"))
    try:
        ensure_roles(master, iam_auth=False)
    finally:
        master.close()

    # When the migrator applies them
    migrator = login(local_stack, MIGRATOR_DB_ROLE, "future_registry")
    try:
        assert apply_migrations(migrator, directory)[-1] == "9000"
    finally:
        migrator.close()

    # Then the vendor reads the new tables and the admin function writes them (sequences included)
    vendor = login(local_stack, VENDOR_DB_ROLE, "future_registry")
    admin = login(local_stack, ADMIN_DB_ROLE, "future_registry")
    try:
        assert not refused(admin, "INSERT INTO caller_grants (caller) VALUES ('agent-1')")
        admin.run("INSERT INTO audit_events (what) VALUES ('registered')")
        assert vendor.run("SELECT what FROM audit_events") == [["registered"]]
        assert refused(vendor, "INSERT INTO caller_grants (caller) VALUES ('agent-2')")
        assert refused(admin, "DELETE FROM audit_events")
    finally:
        vendor.close()
        admin.close()


def test_tables_created_by_the_master_user_are_handed_over(local_stack):
    # Given a registry the previous version migrated as the master user
    superuser = connect(local_stack.postgres.settings)
    superuser.run("CREATE DATABASE legacy_registry")
    superuser.close()
    master = connect(dataclasses.replace(local_stack.postgres.settings, database="legacy_registry"))
    try:
        master.run((MIGRATIONS_DIR / "0001_registry.sql").read_text())
        # When the roles are set up
        ensure_roles(master, iam_auth=False)
        owners = dict(master.run("SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'public'"))
    finally:
        master.close()
    # Then the migrator owns the old tables and the vendor may read them
    assert owners == dict.fromkeys(REGISTRY_TABLES, MIGRATOR_DB_ROLE)
    vendor = login(local_stack, VENDOR_DB_ROLE, "legacy_registry")
    try:
        assert vendor.run("SELECT count(*) FROM aws_accounts") == [[0]]
    finally:
        vendor.close()


def test_iam_authentication_is_refused_on_a_server_without_rds_iam(local_stack):
    from account_registry.roles import RoleSetupError

    conn = connect(local_stack.postgres.settings)
    try:
        with pytest.raises(RoleSetupError, match="rds_iam"):
            ensure_roles(conn, iam_auth=True)
    finally:
        conn.close()
