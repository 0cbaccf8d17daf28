"""Log-group allowlists per organization and per account on real PostgreSQL, changed by an operator with
``account-tools-admin log-groups`` (admin function URL, audited), read by the vendor behind its Lambda
Invoke endpoint against the AWS emulator."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pg8000.exceptions
import pytest

from account_admin.logic import AccountAdmin, AdminError, LogGroupChange
from account_registry.constants import VENDOR_DB_ROLE
from account_registry.store import RegistryStore, connect
from local_stack.stack import AKSK_ACCOUNT, LOG_GROUP, ROLE_ACCOUNT, LocalStack
from tests.integration.test_account_admin import cli, failing
from tests.integration.test_registry_and_vendor import invoke

pytestmark = pytest.mark.integration

ORDERS_PREFIX = "/aws/lambda/orders-*"  # Acme's organization entry (local_stack seeding)
GLOBEX_GROUP = "/globex/billing"  # Globex's account entry


@pytest.fixture
def superuser(local_stack: LocalStack) -> Iterator[Any]:
    conn = connect(local_stack.postgres.settings)
    yield conn
    conn.close()


@pytest.fixture
def vendor_store(local_stack: LocalStack) -> Iterator[RegistryStore]:
    conn = connect(local_stack.db_settings(VENDOR_DB_ROLE))
    yield RegistryStore(conn)
    conn.close()


def vended_allowlist(local_stack: LocalStack, account_id: str, scope: str = "logs_insights") -> Any:
    answer = invoke(local_stack, {"account_id": account_id, "scope": scope})
    assert answer["ok"], answer
    return answer["credentials"]["allowed_log_groups"]


def test_each_customer_gets_its_organizations_and_its_own_entries_plus_the_platform_default(local_stack, vendor_store):
    # Given the seeded registry: Acme's organization allows a prefix, Globex's account an exact name
    # Then the vendor's database role reads each account's effective entries, and nothing of the other customer
    assert vendor_store.log_groups.effective_patterns(ROLE_ACCOUNT) == [ORDERS_PREFIX]
    assert vendor_store.log_groups.effective_patterns(AKSK_ACCOUNT) == [GLOBEX_GROUP]
    # And the vendor sends each account its list with the platform-wide default (the deployment's ALLOWED_LOG_GROUPS)
    assert vended_allowlist(local_stack, ROLE_ACCOUNT) == sorted([LOG_GROUP, ORDERS_PREFIX])
    assert vended_allowlist(local_stack, AKSK_ACCOUNT) == sorted([LOG_GROUP, GLOBEX_GROUP])
    # And list_log_groups' scope (DescribeLogGroups on "*") carries the same list, its only boundary on names
    for account, groups in ((ROLE_ACCOUNT, [LOG_GROUP, ORDERS_PREFIX]), (AKSK_ACCOUNT, [LOG_GROUP, GLOBEX_GROUP])):
        assert vended_allowlist(local_stack, account, "log_groups") == sorted(groups)
    # And other scopes carry none
    assert vended_allowlist(local_stack, ROLE_ACCOUNT, "cost_explorer") is None


def test_an_operator_adds_and_removes_entries_and_the_next_vend_follows_with_audit_rows(local_stack, superuser):
    # When an operator allows an extra group for Acme's account only
    added = cli(local_stack, "log-groups", "add", "--account-id", ROLE_ACCOUNT, "--pattern", "/it/extra")["log_group"]
    try:
        # Then the next vend carries it (the vendor's cached credentials were built from another policy)
        assert vended_allowlist(local_stack, ROLE_ACCOUNT) == sorted([LOG_GROUP, ORDERS_PREFIX, "/it/extra"])
        assert vended_allowlist(local_stack, AKSK_ACCOUNT) == sorted([LOG_GROUP, GLOBEX_GROUP])
        # (also for log_groups, whose policy does not change with the list: the vendor's cache follows the list)
        assert vended_allowlist(local_stack, ROLE_ACCOUNT, "log_groups") == sorted(
            [LOG_GROUP, ORDERS_PREFIX, "/it/extra"]
        )
        # And a rerun returns the same entry
        again = cli(local_stack, "log-groups", "add", "--account-id", ROLE_ACCOUNT, "--pattern", "/it/extra")
        assert again["log_group"]["id"] == added["id"]
        # And the account's listing shows its own and its organization's entries and the effective list
        listing = cli(local_stack, "log-groups", "list", "--account-id", ROLE_ACCOUNT)["log_groups"]
        assert sorted(e["pattern"] for e in listing["entries"]) == [ORDERS_PREFIX, "/it/extra"]
        assert listing["effective"] == sorted([LOG_GROUP, ORDERS_PREFIX, "/it/extra"])
        assert listing["platform_default"] == [LOG_GROUP]
    finally:
        # When the operator removes it
        removed = cli(
            local_stack, "log-groups", "remove", "--account-id", ROLE_ACCOUNT, "--pattern", "/it/extra", "--yes"
        )
    assert removed["log_group"]["removed_by"] == local_stack.user_arns["operator"]
    # Then the next vend no longer names it
    assert vended_allowlist(local_stack, ROLE_ACCOUNT) == sorted([LOG_GROUP, ORDERS_PREFIX])
    assert vended_allowlist(local_stack, ROLE_ACCOUNT, "log_groups") == sorted([LOG_GROUP, ORDERS_PREFIX])
    # And removing it again is a one-line error
    assert "not on the allowlist" in failing(
        local_stack, "log-groups", "remove", "--account-id", ROLE_ACCOUNT, "--pattern", "/it/extra", "--yes"
    )
    # And the audit log has who and when for both changes, with the verified operator ARN
    audit = cli(local_stack, "audit", "list", "--object-type", "log_group", "--object-id", added["id"])["audit"]
    assert [(a["action"], a["actor"]) for a in audit] == [
        ("allow", local_stack.user_arns["operator"]),
        ("remove", local_stack.user_arns["operator"]),
    ]
    assert audit[0]["details"] == {"pattern": "/it/extra", "org_id": None, "account_id": ROLE_ACCOUNT}
    # And the row stays, marked removed (history), next to its audit rows
    row = superuser.run("SELECT removed_by FROM log_group_allowlist WHERE id = CAST(:id AS UUID)", id=added["id"])
    assert row == [[local_stack.user_arns["operator"]]]


def test_organization_entries_cover_every_account_present_and_future(superuser, vendor_store):
    store = RegistryStore(superuser)
    org = store.create_organization(name="IT Logs Co", external_id="ext-it-logs-co-000000000000000000000000001")
    admin = AccountAdmin(store, kms_client=None, key_arn="unused", actor="it-operator")

    def add_account(account_id: str) -> None:
        store.insert_account(
            account_id=account_id,
            org_id=org.id,
            auth_type="iam_role",
            alias=None,
            region="us-east-1",
            role_arn=f"arn:aws:iam::{account_id}:role/AccountToolsReadOnly",
        )

    add_account("778000000001")
    admin.add_log_group(LogGroupChange(org_id=str(org.id), pattern="/it/shared-*"))
    admin.add_log_group(LogGroupChange(account_id="778000000001", pattern="/it/one"))
    add_account("778000000002")
    assert vendor_store.log_groups.effective_patterns("778000000001") == ["/it/one", "/it/shared-*"]
    assert vendor_store.log_groups.effective_patterns("778000000002") == ["/it/shared-*"]
    # Removing the organization entry takes it from every account
    admin.remove_log_group(LogGroupChange(org_id=str(org.id), pattern="/it/shared-*"))
    assert vendor_store.log_groups.effective_patterns("778000000001") == ["/it/one"]
    assert vendor_store.log_groups.effective_patterns("778000000002") == []
    # The database refuses a malformed pattern even past the admin's validation
    with pytest.raises(pg8000.exceptions.DatabaseError):
        store.log_groups.add_entry(org_id=org.id, account_id=None, pattern="/it/*/nested", actor="it")


def test_an_allowlist_that_cannot_fit_the_session_policy_is_refused_when_the_operator_adds_it(local_stack, superuser):
    # Given an organization with one account and entries close to the STS limit (200-character names)
    store = RegistryStore(superuser)
    org = store.create_organization(name="IT Big Logs", external_id="ext-it-big-logs-00000000000000000000000001")
    store.insert_account(
        account_id="779000000001",
        org_id=org.id,
        auth_type="iam_role",
        alias=None,
        region="us-east-1",
        role_arn="arn:aws:iam::779000000001:role/AccountToolsReadOnly",
    )
    admin = AccountAdmin(store, kms_client=None, key_arn="unused", actor="it", default_log_groups=(LOG_GROUP,))
    names = [f"/it/{i:02d}/" + "x" * 190 for i in range(20)]
    added = 0
    refusal = ""
    for name in names:
        try:
            admin.add_log_group(LogGroupChange(account_id="779000000001", pattern=name))
        except AdminError as exc:
            refusal = str(exc)
            break
        added += 1
    assert 3 < added < 10
    assert "account 779000000001" in refusal
    assert "2048" in refusal
    # When an operator adds one more through the CLI, for the organization: the same refusal, one line
    line = failing(local_stack, "log-groups", "add", "--org-id", str(org.id), "--pattern", names[added])
    assert "logs_insights session policy of account 779000000001" in line
    assert "prefix pattern" in line
    # And nothing was added
    assert len(store.log_groups.effective_patterns("779000000001")) == added
    # And a prefix covering them all still fits
    admin.add_log_group(LogGroupChange(org_id=str(org.id), pattern="/it/*"))
