"""From the first version: its registry (the brief's tables, Fernet-encrypted secrets) is upgraded in place
by the migrations, and ``account-tools-admin import-v1`` moves its accounts into the registry with the
secrets re-encrypted under KMS, bound to their row. Real PostgreSQL, seeded with first-version rows."""

from __future__ import annotations

import dataclasses
import json
import uuid
from typing import Any

import pytest
from cryptography.fernet import Fernet

from account_registry.migrate import apply_migrations
from account_registry.roles import ensure_roles
from account_registry.store import connect
from local_stack.stack import LocalStack

pytestmark = pytest.mark.integration

# The first version's schema, exactly as the brief gives it.
FIRST_VERSION_SCHEMA = """
CREATE TABLE organizations(id UUID PRIMARY KEY, name TEXT NOT NULL, external_id TEXT UNIQUE NOT NULL);
CREATE TABLE aws_accounts(
  id UUID PRIMARY KEY, account_id VARCHAR(12) UNIQUE NOT NULL, alias TEXT,
  auth_type TEXT NOT NULL, access_key_id TEXT, secret_access_key_encrypted TEXT, role_arn TEXT,
  region TEXT DEFAULT 'us-east-1', org_id UUID REFERENCES organizations(id))
"""
FERNET_KEY = Fernet.generate_key().decode()
SECRETS = {"515151515151": "first-version-secret-aaaaaaaaaaaaaaaa", "535353535353": "corrupt-row-secret-bbbbbbbbbbbb"}


def seed_first_version(stack: LocalStack, database: str) -> None:
    admin = connect(stack.postgres.settings)
    admin.run(f"CREATE DATABASE {database}")
    admin.close()
    conn = connect(dataclasses.replace(stack.postgres.settings, database=database))
    try:
        for statement in FIRST_VERSION_SCHEMA.split(";"):
            conn.run(statement)
        fernet = Fernet(FERNET_KEY.encode())
        initrode, umbrella = uuid.uuid4(), uuid.uuid4()
        conn.run("INSERT INTO organizations VALUES (:i, 'Initrode', 'initrode-external-id-0001')", i=str(initrode))
        conn.run("INSERT INTO organizations VALUES (:i, 'Umbrella', 'umbrella-external-id-0002')", i=str(umbrella))
        rows = [
            ("505050505050", "initrode-prod", "iam_role", None, None,
             "arn:aws:iam::505050505050:role/AccountToolsReadOnly", "eu-west-1", initrode),
            ("515151515151", "initrode-legacy", "aksk", "AKIAFIRSTVERSION0001",
             fernet.encrypt(SECRETS["515151515151"].encode()).decode(), None, None, initrode),
            # Encrypted with another key: cannot be decrypted, must be reported and skipped.
            ("535353535353", "umbrella-broken", "aksk", "AKIAFIRSTVERSION0003",
             Fernet(Fernet.generate_key()).encrypt(SECRETS["535353535353"].encode()).decode(), None, "us-east-2",
             umbrella),
        ]  # fmt: skip
        for account_id, alias, auth, key_id, secret, role, region, org in rows:
            conn.run(
                "INSERT INTO aws_accounts VALUES (:id, :a, :alias, :auth, :key, :secret, :role, :region, :org)",
                id=str(uuid.uuid4()), a=account_id, alias=alias, auth=auth, key=key_id, secret=secret, role=role,
                region=region, org=str(org),
            )  # fmt: skip
    finally:
        conn.close()


def import_v1(stack: LocalStack, database: str, *extra: str) -> tuple[int, dict[str, Any], str]:
    result = stack.admin_cli(
        "import-v1", "--source-host", stack.postgres.settings.host, "--source-port", str(stack.postgres.settings.port),
        "--source-database", database, "--source-user", stack.postgres.settings.user, "--source-ssl", "disable",
        *extra, stdin=FERNET_KEY + "\n", check=False,
        keys=stack.host_keys["operator"] | {"ACCOUNT_TOOLS_V1_DB_PASSWORD": stack.postgres.settings.password},
    )  # fmt: skip
    return result.returncode, json.loads(result.stdout or "{}"), result.stdout + result.stderr


def registry_rows(stack: LocalStack) -> Any:
    conn = connect(stack.postgres.settings)
    try:
        return (
            conn.run("SELECT * FROM organizations ORDER BY id"),
            conn.run("SELECT * FROM aws_accounts ORDER BY id"),
            conn.run("SELECT count(*) FROM audit_log"),
        )
    finally:
        conn.close()


def test_import_dry_run_real_run_rerun_and_a_corrupt_row(local_stack):
    seed_first_version(local_stack, "first_version")
    before = registry_rows(local_stack)

    # Dry run: the report, nothing changed, the corrupt row named
    code, answer, text = import_v1(local_stack, "first_version", "--dry-run")
    results = {line["account_id"]: line["result"] for line in answer["import"]}
    assert results == {"505050505050": "created", "515151515151": "created", "535353535353": "skipped"}
    assert "dry run" in answer["summary"]
    assert code == 1  # a row was skipped
    assert registry_rows(local_stack) == before

    # Real run: ExternalIds, aliases, role ARNs and regions kept; the secret re-encrypted under KMS
    code, answer, text = import_v1(local_stack, "first_version")
    results = {line["account_id"]: line["result"] for line in answer["import"]}
    assert results == {"505050505050": "created", "515151515151": "created", "535353535353": "skipped"}
    skipped = next(line for line in answer["import"] if line["result"] == "skipped")
    assert "cannot be decrypted" in skipped["detail"]
    for secret in SECRETS.values():
        assert secret not in text
    conn = connect(local_stack.postgres.settings)
    try:
        rows = conn.run(
            "SELECT a.account_id, a.alias, a.role_arn, a.region, o.external_id, a.secret_access_key_encrypted,"
            " a.secret_kms_key_arn FROM aws_accounts a JOIN organizations o ON o.id = a.org_id"
            " WHERE a.account_id IN ('505050505050', '515151515151', '535353535353') ORDER BY 1"
        )
        audit = conn.run("SELECT actor, action, object_type FROM audit_log WHERE details->>'source' = 'first-version'")
    finally:
        conn.close()
    assert [r[:5] for r in rows] == [
        ["505050505050", "initrode-prod", "arn:aws:iam::505050505050:role/AccountToolsReadOnly", "eu-west-1",
         "initrode-external-id-0001"],
        ["515151515151", "initrode-legacy", None, "us-east-1", "initrode-external-id-0001"],
    ]  # fmt: skip
    assert rows[1][6] == local_stack.kms_key_arn
    assert SECRETS["515151515151"] not in rows[1][5]
    # The vendor can use the imported secret (KMS with the row's encryption context): the key pair round-trips.
    kms = local_stack.client("kms", local_stack.account_admin_credentials("111111111111"))
    import base64

    org_id = str(registry_org_id(local_stack, "initrode-external-id-0001"))
    plain = kms.decrypt(
        CiphertextBlob=base64.b64decode(rows[1][5]),
        EncryptionContext={"account_id": "515151515151", "org_id": org_id},
    )["Plaintext"].decode()
    assert plain == SECRETS["515151515151"]
    assert sorted(a[1:] for a in audit) == [["import", "account"], ["import", "account"], ["import", "organization"]]
    assert {a[0] for a in audit} == {local_stack.user_arns["operator"]}
    after_first = registry_rows(local_stack)

    # Rerun: idempotent
    code, answer, _ = import_v1(local_stack, "first_version")
    results = {line["account_id"]: line["result"] for line in answer["import"]}
    assert results == {"505050505050": "unchanged", "515151515151": "unchanged", "535353535353": "skipped"}
    assert registry_rows(local_stack) == after_first


def registry_org_id(stack: LocalStack, external_id: str) -> Any:
    conn = connect(stack.postgres.settings)
    try:
        return conn.run("SELECT id FROM organizations WHERE external_id = :e", e=external_id)[0][0]
    finally:
        conn.close()


def test_migrations_upgrade_a_first_version_registry_in_place(local_stack):
    # Given the first version's database
    seed_first_version(local_stack, "first_version_in_place")
    settings = dataclasses.replace(local_stack.postgres.settings, database="first_version_in_place")
    # When the roles and migrations run on it (as the deploy's custom resource does)
    conn = connect(settings)
    try:
        ensure_roles(conn, iam_auth=False, passwords=local_stack.db_passwords)
        applied = apply_migrations(conn)
        columns = {
            r[0]
            for r in conn.run("SELECT column_name FROM information_schema.columns WHERE table_name = 'aws_accounts'")
        }
        rows = conn.run("SELECT account_id, alias, enabled, secret_kms_key_arn FROM aws_accounts ORDER BY 1")
        # Then every column the product needs exists, the rows are kept, and new rows are checked
        assert applied[-1] >= "0003"
        assert {"enabled", "secret_kms_key_arn", "created_at", "updated_at", "last_verified_at"} <= columns
        assert [r[:3] for r in rows] == [
            ["505050505050", "initrode-prod", True],
            ["515151515151", "initrode-legacy", True],
            ["535353535353", "umbrella-broken", True],
        ]
        assert conn.run("SELECT count(*) FROM grants") == [[0]]
        with pytest.raises(Exception, match="aws_accounts_aksk_fields"):
            conn.run(
                "INSERT INTO aws_accounts (account_id, auth_type, access_key_id, secret_access_key_encrypted)"
                " VALUES ('545454545454', 'aksk', 'AKIAX', 'fernet-ciphertext')"
            )
        # And a rerun of the migrations is a no-op
        assert apply_migrations(conn) == []
    finally:
        conn.close()
