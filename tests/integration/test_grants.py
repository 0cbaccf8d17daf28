"""Grants and the audit log on real PostgreSQL, as the per-function database roles see them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pg8000.exceptions
import pytest

from account_registry.constants import ADMIN_DB_ROLE, VENDOR_DB_ROLE
from account_registry.store import GrantStore, RegistryStore, connect
from local_stack.stack import AKSK_ACCOUNT, HOST_ACCOUNT, ROLE_ACCOUNT, LocalStack

pytestmark = pytest.mark.integration


@pytest.fixture
def admin_conn(local_stack: LocalStack) -> Iterator[Any]:
    conn = connect(local_stack.db_settings(ADMIN_DB_ROLE))
    yield conn
    conn.close()


@pytest.fixture
def vendor_grants(local_stack: LocalStack) -> Iterator[GrantStore]:
    conn = connect(local_stack.db_settings(VENDOR_DB_ROLE))
    yield RegistryStore(conn).grants
    conn.close()


def _org_of(admin_conn: Any, account_id: str) -> UUID:
    record = RegistryStore(admin_conn).get_account(account_id)
    assert record is not None
    return record.org_id


def test_an_organization_grant_covers_its_accounts_present_and_future(
    admin_conn: Any, vendor_grants: GrantStore
) -> None:
    # Given a client granted an organization with one account (its own, so other tests' callers are unaffected)
    store = RegistryStore(admin_conn)
    org = store.create_organization(name="IT Grants Co", external_id="ext-it-grants-co-0000000000000000000000001")

    def add(account_id: str) -> None:
        store.insert_account(
            account_id=account_id,
            org_id=org.id,
            auth_type="iam_role",
            alias=None,
            region="us-east-1",
            role_arn=f"arn:aws:iam::{account_id}:role/AccountToolsReadOnly",
        )

    add("777000000001")
    store.grants.add_grant(principal_type="client", principal="it-org", org_id=org.id, account_id=None, actor="it")
    refs = [("client", "it-org")]
    assert [a.account_id for a in vendor_grants.granted_accounts(refs)] == ["777000000001"]

    # When the organization gets another account
    add("777000000002")

    # Then the grant covers it too, and nothing of another organization
    assert [a.account_id for a in vendor_grants.granted_accounts(refs)] == ["777000000001", "777000000002"]
    assert vendor_grants.is_granted(refs, "777000000002")
    assert not vendor_grants.is_granted(refs, ROLE_ACCOUNT)


def test_account_and_group_grants(admin_conn: Any, vendor_grants: GrantStore) -> None:
    grants = RegistryStore(admin_conn).grants
    grants.add_grant(principal_type="user", principal="u-it-1", org_id=None, account_id=HOST_ACCOUNT, actor="it")
    grants.add_grant(
        principal_type="group",
        principal="it-group",
        org_id=_org_of(admin_conn, AKSK_ACCOUNT),
        account_id=None,
        actor="it",
    )
    user_only = [("user", "u-it-1")]
    user_in_group = [("user", "u-it-1"), ("group", "it-group")]
    assert [a.account_id for a in vendor_grants.granted_accounts(user_only)] == [HOST_ACCOUNT]
    assert [a.account_id for a in vendor_grants.granted_accounts(user_in_group)] == [HOST_ACCOUNT, AKSK_ACCOUNT]
    # A principal of another type with the same name gets nothing
    assert vendor_grants.granted_accounts([("client", "u-it-1")]) == []


def test_a_grant_is_added_once_revoked_once_and_audited(admin_conn: Any, vendor_grants: GrantStore) -> None:
    grants = RegistryStore(admin_conn).grants
    first = grants.add_grant(
        principal_type="client", principal="it-audit", org_id=None, account_id=ROLE_ACCOUNT, actor="op-arn-1"
    )
    again = grants.add_grant(
        principal_type="client", principal="it-audit", org_id=None, account_id=ROLE_ACCOUNT, actor="op-arn-1"
    )
    assert again.id == first.id  # idempotent: one active grant
    assert vendor_grants.is_granted([("client", "it-audit")], ROLE_ACCOUNT)

    revoked = grants.revoke_grant(first.id, actor="op-arn-2")
    assert revoked is not None
    assert (revoked.revoked_by, revoked.revoked_at is not None) == ("op-arn-2", True)
    assert grants.revoke_grant(first.id, actor="op-arn-2") is None  # nothing left to revoke
    assert not vendor_grants.is_granted([("client", "it-audit")], ROLE_ACCOUNT)
    assert grants.list_grants(principal="it-audit") == []
    assert [g.id for g in grants.list_grants(principal="it-audit", include_revoked=True)] == [first.id]

    audit = grants.list_audit(object_type="grant", object_id=str(first.id))
    assert [(e.action, e.actor) for e in audit] == [("grant", "op-arn-1"), ("revoke", "op-arn-2")]
    assert audit[0].details == {
        "principal_type": "client",
        "principal": "it-audit",
        "org_id": None,
        "account_id": ROLE_ACCOUNT,
    }


@pytest.mark.parametrize(
    ("org", "account"),
    [(None, None), ("00000000-0000-4000-8000-000000000000", None), (None, "999000000009")],
)
def test_a_grant_needs_exactly_one_existing_target(admin_conn: Any, org: str | None, account: str | None) -> None:
    grants = RegistryStore(admin_conn).grants
    with pytest.raises(pg8000.exceptions.DatabaseError):
        grants.add_grant(
            principal_type="client",
            principal="it-bad",
            org_id=UUID(org) if org else None,
            account_id=account,
            actor="it",
        )
    assert grants.list_grants(principal="it-bad", include_revoked=True) == []


def test_the_audit_log_is_append_only_and_the_vendor_cannot_write_grants(
    admin_conn: Any, vendor_grants: GrantStore, local_stack: LocalStack
) -> None:
    with pytest.raises(pg8000.exceptions.DatabaseError):
        admin_conn.run("UPDATE audit_log SET actor = 'someone else'")
    with pytest.raises(pg8000.exceptions.DatabaseError):
        admin_conn.run("DELETE FROM audit_log")
    with pytest.raises(pg8000.exceptions.DatabaseError):
        vendor_grants.add_grant(principal_type="client", principal="x", org_id=None, account_id=ROLE_ACCOUNT, actor="v")


def test_the_vendor_may_stamp_last_verified_at_and_no_other_column(local_stack: LocalStack) -> None:
    conn = connect(local_stack.db_settings(VENDOR_DB_ROLE))
    try:
        RegistryStore(conn).record_verification(ROLE_ACCOUNT)
        (stamped,) = conn.run("SELECT last_verified_at FROM aws_accounts WHERE account_id = :a", a=ROLE_ACCOUNT)[0]
        assert stamped is not None
        for column in ("alias", "enabled", "role_arn"):
            with pytest.raises(pg8000.exceptions.DatabaseError):
                conn.run(f"UPDATE aws_accounts SET {column} = {column} WHERE account_id = :a", a=ROLE_ACCOUNT)  # noqa: S608
    finally:
        conn.close()
