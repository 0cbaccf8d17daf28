"""The registry on real PostgreSQL and the vendor behind its Lambda Invoke endpoint, against the
AWS emulator (moto server, extended in local_stack/moto_ext for GetFederationToken)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any, cast

import pg8000.exceptions
import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext

from account_admin.logic import AccountAdmin, AdminError, RegisterAccount, RegisterOrganization
from account_registry.migrate import apply_migrations, current_version, load_migrations
from account_registry.store import RegistryStore, connect
from credential_vendor.scopes import SCOPES
from local_stack.stack import (
    AKSK_ACCOUNT,
    DEFAULT_PRINCIPAL,
    HOST_ACCOUNT,
    ROLE_ACCOUNT,
    VENDOR_FUNCTION,
    LocalStack,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def conn(local_stack: LocalStack):
    connection = connect(local_stack.postgres.settings)
    yield connection
    connection.close()


@pytest.fixture
def admin(local_stack: LocalStack, conn) -> AccountAdmin:
    host = local_stack.account_admin_credentials(HOST_ACCOUNT)
    return AccountAdmin(
        RegistryStore(conn), kms_client=local_stack.client("kms", host), key_arn=local_stack.kms_key_arn
    )


def invoke(
    local_stack: LocalStack, payload: dict[str, Any], principal: str | None = DEFAULT_PRINCIPAL
) -> dict[str, Any]:
    """Call the vendor the way the runtime does: lambda.invoke with the runtime's own keys and the caller's assertion.

    ``principal=None`` sends no assertion (a direct invoke that did not come through the Gateway).
    """
    if principal is not None and "assertion" not in payload:
        tool = SCOPES[payload["scope"]].tools[0] if "scope" in payload else "list_accounts"
        account = payload.get("account_id")
        named = account if isinstance(account, str) and account.isdigit() and len(account) == 12 else None
        payload = payload | {"assertion": local_stack.assertion(principal, tool, named)}
    client = local_stack.lambda_client()
    response = client.invoke(FunctionName=VENDOR_FUNCTION, Payload=json.dumps(payload).encode())
    assert "FunctionError" not in response
    body: dict[str, Any] = json.loads(response["Payload"].read())
    return body


def grant(conn: Any, org_id: Any, principal: str = DEFAULT_PRINCIPAL) -> None:
    """Grant an organization to an agent client (as an operator would)."""
    RegistryStore(conn).grants.add_grant(
        principal_type="client", principal=principal, org_id=org_id, account_id=None, actor="it-test"
    )


def identity_with(local_stack: LocalStack, creds: dict[str, str]) -> dict[str, Any]:
    sts = local_stack.client(
        "sts",
        {
            "aws_access_key_id": creds["access_key_id"],
            "aws_secret_access_key": creds["secret_access_key"],
            "aws_session_token": creds["session_token"],
        },
    )
    identity: dict[str, Any] = sts.get_caller_identity()
    return identity


# -- migrations and store ----------------------------------------------------------------------


def test_migrations_are_recorded_and_idempotent(conn):
    latest = load_migrations()[-1].version
    assert current_version(conn) == latest
    assert apply_migrations(conn) == []


def test_schema_constraints_refuse_half_registered_accounts(conn):
    org = RegistryStore(conn).create_organization(name="constraint-test", external_id="ext-constraint-test-0001")
    with pytest.raises(pg8000.exceptions.DatabaseError):
        conn.run(
            "INSERT INTO aws_accounts (account_id, auth_type, org_id) VALUES ('777777777777', 'aksk', :org)",
            org=str(org.id),
        )
    with pytest.raises(pg8000.exceptions.DatabaseError):
        conn.run(
            "INSERT INTO aws_accounts (account_id, auth_type, role_arn, org_id) VALUES ('12ab', 'iam_role', 'x', :org)",
            org=str(org.id),
        )
    assert RegistryStore(conn).get_account("777777777777") is None


def test_list_accounts_has_no_secret_material(conn):
    summaries = RegistryStore(conn).list_accounts()
    assert {s.account_id for s in summaries} >= {HOST_ACCOUNT, ROLE_ACCOUNT, AKSK_ACCOUNT}
    for summary in summaries:
        assert set(summary.model_dump()) == {"account_id", "alias", "auth_type", "region", "enabled"}


def test_aksk_secret_is_stored_encrypted(conn, local_stack: LocalStack):
    record = RegistryStore(conn).get_account(AKSK_ACCOUNT)
    assert record is not None
    assert record.secret_access_key_encrypted
    assert record.secret_kms_key_arn == local_stack.kms_key_arn
    assert "secret_access_key_encrypted" not in repr(record)


def test_organization_external_ids_are_random_and_long(admin):
    ids = {admin.register_organization(RegisterOrganization(name=f"org-{i}")).external_id for i in range(3)}
    assert len(ids) == 3
    assert all(len(i) >= 40 for i in ids)


# -- the vendor, invoked like the runtime does --------------------------------------------------------


@pytest.mark.parametrize(("account_id", "auth_type"), [(ROLE_ACCOUNT, "iam_role"), (AKSK_ACCOUNT, "aksk")])
def test_vend_returns_temporary_credentials_acting_in_the_target_account(local_stack, account_id, auth_type):
    body = invoke(local_stack, {"action": "vend", "account_id": account_id, "scope": "identity"})
    assert body["ok"] is True
    creds = body["credentials"]
    assert (creds["account_id"], creds["auth_type"], creds["scope"]) == (account_id, auth_type, "identity")
    assert creds["expiration"].endswith("Z")
    assert creds["access_key_id"].startswith("ASIA")  # temporary, never the long-lived AKIA key
    identity = identity_with(local_stack, creds)
    assert identity["Account"] == account_id
    assert "agent-platform-agent" in identity["Arn"]  # the session names the principal


def test_unknown_account_is_unauthorized_like_an_ungranted_one(local_stack):
    unknown = invoke(local_stack, {"account_id": "444444444444", "scope": "identity"})
    ungranted = invoke(local_stack, {"account_id": AKSK_ACCOUNT, "scope": "identity"}, principal="acme-agent")
    assert unknown == {
        "ok": False,
        "error_type": "unauthorized",
        "message": "account 444444444444 is not granted to agent platform-agent",
    }
    assert ungranted == {
        "ok": False,
        "error_type": "unauthorized",
        "message": "account 333333333333 is not granted to agent acme-agent",
    }


def test_invalid_request_is_refused(local_stack):
    body = invoke(local_stack, {"account_id": "12ab", "scope": "identity"})
    assert body["ok"] is False
    assert body["error_type"] == "invalid_request"
    assert "account_id" in body["message"]


def test_disabled_account_is_account_not_found_until_enabled_again(local_stack, admin, conn):
    org = admin.register_organization(RegisterOrganization(name="Disable Co"))
    admin.register_account(
        RegisterAccount(
            account_id="555555555555",
            org_id=str(org.id),
            auth_type="iam_role",
            role_arn="arn:aws:iam::555555555555:role/AccountToolsReadOnly",
        )
    )
    grant(conn, org.id)
    assert invoke(local_stack, {"account_id": "555555555555", "scope": "identity"})["ok"] is True
    admin.set_enabled("555555555555", enabled=False)
    assert invoke(local_stack, {"account_id": "555555555555", "scope": "identity"})["error_type"] == "account_not_found"
    admin.set_enabled("555555555555", enabled=True)
    assert invoke(local_stack, {"account_id": "555555555555", "scope": "identity"})["ok"] is True


def test_ciphertext_copied_to_another_row_does_not_decrypt(local_stack, admin, conn):
    # Given a second aksk account in another organization
    host = local_stack.account_admin_credentials("666666666666")
    iam = local_stack.client("iam", host)
    iam.create_user(UserName="reader")
    key = iam.create_access_key(UserName="reader")["AccessKey"]
    org = admin.register_organization(RegisterOrganization(name="Copy Co"))
    admin.register_account(
        RegisterAccount.model_validate(
            {
                "account_id": "666666666666",
                "org_id": str(org.id),
                "auth_type": "aksk",
                "access_key_id": key["AccessKeyId"],
                "secret_access_key": key["SecretAccessKey"],
            }
        )
    )
    grant(conn, org.id)
    assert invoke(local_stack, {"account_id": "666666666666", "scope": "identity"})["ok"] is True
    # When someone copies 333's ciphertext into 666's row
    conn.run(
        "UPDATE aws_accounts SET secret_access_key_encrypted ="
        " (SELECT secret_access_key_encrypted FROM aws_accounts WHERE account_id = :src) WHERE account_id = :dst",
        src=AKSK_ACCOUNT,
        dst="666666666666",
    )
    # Then KMS refuses it: the encryption context is bound to the row it was made for
    body = invoke(local_stack, {"account_id": "666666666666", "scope": "identity"})
    assert body["ok"] is False
    assert body["error_type"] == "credential_error"
    assert "could not be decrypted" in body["message"]


def test_register_account_validates_before_writing(admin, conn):
    org = admin.register_organization(RegisterOrganization(name="Validation Co"))
    with pytest.raises(ValueError, match="role_arn must be a role in account_id"):
        RegisterAccount(
            account_id="888888888888",
            org_id=str(org.id),
            auth_type="iam_role",
            role_arn="arn:aws:iam::999999999999:role/AccountToolsReadOnly",
        )
    with pytest.raises(AdminError, match="already registered"):
        admin.register_account(
            RegisterAccount(
                account_id=ROLE_ACCOUNT,
                org_id=str(org.id),
                auth_type="iam_role",
                role_arn=f"arn:aws:iam::{ROLE_ACCOUNT}:role/AccountToolsReadOnly",
            )
        )
    assert RegistryStore(conn).get_account("888888888888") is None


def test_migration_custom_resource_creates_the_schema_on_a_fresh_database(local_stack, conn, monkeypatch):
    # Given an empty database and the migration function's environment (secret in the emulator's Secrets Manager)
    conn.run("CREATE DATABASE fresh_registry")
    # (the master user's secret creates the roles, the migrator's login applies the migrations)
    keys = local_stack.host_keys["vendor"]
    for name, value in {
        "AWS_ENDPOINT_URL": local_stack.moto_url,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": keys["AWS_ACCESS_KEY_ID"],
        "AWS_SECRET_ACCESS_KEY": keys["AWS_SECRET_ACCESS_KEY"],
        "REGISTRY_MASTER_SECRET_ARN": local_stack.registry_secret_arn,
        "REGISTRY_DB_AUTH": "secret",
        "REGISTRY_SECRET_ARN": local_stack.db_secret_arns["registry_migrator"],
        "REGISTRY_DB_NAME": "fresh_registry",
        "REGISTRY_SSL": "disable",
    }.items():
        monkeypatch.setenv(name, value)
    from account_registry.migrate_handler import handler
    from local_stack.lambda_endpoint import LocalLambdaContext

    # LocalLambdaContext carries the LambdaContext attributes Powertools reads
    context = cast(LambdaContext, LocalLambdaContext(function_name="migrations", aws_request_id="r-1"))
    # When CloudFormation creates, then updates, then deletes the custom resource
    created = handler({"RequestType": "Create"}, context)
    updated = handler({"RequestType": "Update", "PhysicalResourceId": created["PhysicalResourceId"]}, context)
    deleted = handler({"RequestType": "Delete", "PhysicalResourceId": created["PhysicalResourceId"]}, context)
    # Then the schema is created once and left in place on delete
    latest = load_migrations()[-1].version
    assert created["Data"] == {"SchemaVersion": latest, "Applied": ",".join(m.version for m in load_migrations())}
    assert updated["Data"] == {"SchemaVersion": latest, "Applied": ""}
    assert deleted == {"PhysicalResourceId": created["PhysicalResourceId"]}
    fresh = connect(dataclasses.replace(local_stack.postgres.settings, database="fresh_registry"))
    try:
        assert fresh.run("SELECT count(*) FROM aws_accounts") == [[0]]
    finally:
        fresh.close()
