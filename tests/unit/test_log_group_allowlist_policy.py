"""Per-account log-group allowlists in the vendor: the exact ``logs_insights`` session policy sent to STS
for organization entries, account entries, prefixes and the platform default (botocore Stubber), evaluated
against allowed and refused log-group ARNs (tests/policy_eval.py), and returned with the credentials."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.stub import Stubber

from credential_vendor.cache import VendCache
from credential_vendor.errors import SessionPolicyTooLargeForStsError
from credential_vendor.settings import VendorSettings
from tests.callers import KEY_ID
from tests.policy_eval import allows
from tests.unit.test_vendor import EXTERNAL_ID, ROLE_ACCOUNT, TEMP, FakeStore, make_vendor, record, req

pytestmark = pytest.mark.unit

OTHER = "444444444444"
ASSUMED = {"AssumedRoleId": "AROAEXAMPLE:agent-42", "Arn": f"arn:aws:sts::{ROLE_ACCOUNT}:assumed-role/R/agent-42"}
STATIC = ("logs:DescribeQueries", "logs:GetQueryResults", "logs:StopQuery")


def vendor_settings(default: tuple[str, ...] = ()) -> VendorSettings:
    return VendorSettings(
        registry_secret_arn="arn:aws:secretsmanager:us-east-1:111111111111:secret:registry",
        allowed_log_groups=default,
        customer_role_name_pattern="AccountToolsReadOnly*",
        assertion_key_id=KEY_ID,
    )


def expected_policy(account: str, resources: list[str]) -> str:
    statements = (
        '{"Effect":"Allow","Action":["logs:DescribeQueries","logs:GetQueryResults","logs:StopQuery"],"Resource":"*"}'
    )
    if resources:
        listed = ",".join(f'"{r}"' for r in resources)
        statements += f',{{"Effect":"Allow","Action":["logs:StartQuery"],"Resource":[{listed}]}}'
    return f'{{"Version":"2012-10-17","Statement":[{statements}]}}'


def vend_logs(sts: Any, kms: Any, store: FakeStore, *, default: tuple[str, ...] = (), policy: str) -> Any:
    """Vend logs_insights for ROLE_ACCOUNT, asserting the exact AssumeRole request (with ``policy``)."""
    vendor, _ = make_vendor(vendor_settings(default), sts, kms, store)
    expected = {
        "RoleArn": f"arn:aws:iam::{ROLE_ACCOUNT}:role/AccountToolsReadOnly",
        "RoleSessionName": "agent-42",
        "ExternalId": EXTERNAL_ID,
        "Policy": policy,
        "DurationSeconds": 900,
        "SourceIdentity": "agent-42",
    }
    with Stubber(sts) as stub:
        stub.add_response("assume_role", {"Credentials": TEMP, "AssumedRoleUser": ASSUMED}, expected)
        creds = vendor.vend(req(ROLE_ACCOUNT, "logs_insights", sub="42"))
        stub.assert_no_pending_responses()
    return creds


def arn(name: str, account: str = ROLE_ACCOUNT, region: str = "eu-west-1") -> str:
    return f"arn:aws:logs:{region}:{account}:log-group:{name}:*"


@pytest.fixture
def sts() -> Any:
    import boto3

    return boto3.client("sts", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")


@pytest.fixture
def kms() -> Any:
    import boto3

    return boto3.client("kms", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")


def test_org_and_account_entries_and_a_prefix_make_the_policy_of_that_account(sts, kms):
    # Given the account's effective registry entries (its organization's /shared/audit, its own name and prefix)
    entries = ["/aws/lambda/orders-*", "/orders/app", "/shared/audit"]
    store = FakeStore([record(ROLE_ACCOUNT)], allowlists={ROLE_ACCOUNT: entries, OTHER: ["/payments/app"]})
    policy = expected_policy(
        ROLE_ACCOUNT,
        [
            f"arn:aws:logs:*:{ROLE_ACCOUNT}:log-group:/aws/lambda/orders-*",
            f"arn:aws:logs:*:{ROLE_ACCOUNT}:log-group:/orders/app:*",
            f"arn:aws:logs:*:{ROLE_ACCOUNT}:log-group:/shared/audit:*",
        ],
    )
    # When the vendor vends logs_insights, then STS gets exactly that policy
    creds = vend_logs(sts, kms, store, policy=policy)
    # And the runtime gets the same effective list with the credentials
    assert creds.allowed_log_groups == entries
    # And the policy allows the entries' groups (any region) and nothing else
    for allowed in ("/orders/app", "/shared/audit", "/aws/lambda/orders-api", "/aws/lambda/orders-worker"):
        assert allows(policy, "logs:StartQuery", arn(allowed))
        assert allows(policy, "logs:StartQuery", arn(allowed, region="us-east-1"))
    for refused in ("/payments/app", "/aws/lambda/payments", "/orders/app-2", "/aws/lambda/order", "/secret"):
        assert not allows(policy, "logs:StartQuery", arn(refused))
    # Not even an allowed name in another account
    assert not allows(policy, "logs:StartQuery", arn("/orders/app", account=OTHER))


def test_the_platform_default_is_added_to_every_accounts_entries(sts, kms):
    store = FakeStore([record(ROLE_ACCOUNT)], allowlists={ROLE_ACCOUNT: ["/orders/app"]})
    policy = expected_policy(
        ROLE_ACCOUNT,
        [
            f"arn:aws:logs:*:{ROLE_ACCOUNT}:log-group:/orders/app:*",
            f"arn:aws:logs:*:{ROLE_ACCOUNT}:log-group:/platform/agent:*",
        ],
    )
    creds = vend_logs(sts, kms, store, default=("/platform/agent", "/orders/app"), policy=policy)
    assert creds.allowed_log_groups == ["/orders/app", "/platform/agent"]
    assert allows(policy, "logs:StartQuery", arn("/platform/agent"))


def test_an_account_without_entries_gets_no_start_query_at_all(sts, kms):
    # Given no entry and no default: StartQuery is left out of the policy (deny by default)
    policy = expected_policy(ROLE_ACCOUNT, [])
    creds = vend_logs(sts, kms, FakeStore([record(ROLE_ACCOUNT)]), policy=policy)
    assert creds.allowed_log_groups == []
    assert not allows(policy, "logs:StartQuery", arn("/orders/app"))
    assert allows(policy, "logs:DescribeQueries", "*")


def test_other_scopes_read_no_allowlist_and_return_none(sts, kms):
    store = FakeStore([record(ROLE_ACCOUNT)], allowlists={ROLE_ACCOUNT: ["/orders/app"]})
    vendor, _ = make_vendor(vendor_settings(), sts, kms, store)
    with Stubber(sts) as stub:
        stub.add_response("assume_role", {"Credentials": TEMP, "AssumedRoleUser": ASSUMED})
        creds = vendor.vend(req(ROLE_ACCOUNT, "cost_explorer", sub="42"))
    assert creds.allowed_log_groups is None
    assert "log-group" not in str(creds)


def test_an_allowlist_change_changes_the_policy_so_cached_credentials_are_not_reused(sts, kms):
    # Given a warm vendor cache holding logs_insights credentials for the account
    store = FakeStore([record(ROLE_ACCOUNT)], allowlists={ROLE_ACCOUNT: ["/orders/app", "/payments/app"]})
    vendor, _ = make_vendor(vendor_settings(), sts, kms, store)
    vendor.cache = VendCache(clock=lambda: 0.0)
    first_policy = expected_policy(
        ROLE_ACCOUNT,
        [
            f"arn:aws:logs:*:{ROLE_ACCOUNT}:log-group:/orders/app:*",
            f"arn:aws:logs:*:{ROLE_ACCOUNT}:log-group:/payments/app:*",
        ],
    )
    second_policy = expected_policy(ROLE_ACCOUNT, [f"arn:aws:logs:*:{ROLE_ACCOUNT}:log-group:/orders/app:*"])
    with Stubber(sts) as stub:
        for policy in (first_policy, second_policy):
            stub.add_response(
                "assume_role",
                {"Credentials": TEMP, "AssumedRoleUser": ASSUMED},
                {
                    "RoleArn": f"arn:aws:iam::{ROLE_ACCOUNT}:role/AccountToolsReadOnly",
                    "RoleSessionName": "agent-42",
                    "ExternalId": EXTERNAL_ID,
                    "Policy": policy,
                    "DurationSeconds": 900,
                    "SourceIdentity": "agent-42",
                },
            )
        first = vendor.vend(req(ROLE_ACCOUNT, "logs_insights", sub="42"))
        assert vendor.vend(req(ROLE_ACCOUNT, "logs_insights", sub="42")) is first  # a hit while nothing changed
        # When an operator removes /payments/app
        store.allowlists[ROLE_ACCOUNT] = ["/orders/app"]
        # Then the next vend (the runtime re-validates within its revocation bound) is a new STS session
        second = vendor.vend(req(ROLE_ACCOUNT, "logs_insights", sub="42"))
        stub.assert_no_pending_responses()
    assert second.allowed_log_groups == ["/orders/app"]
    assert not allows(second_policy, "logs:StartQuery", arn("/payments/app"))


def test_an_allowlist_too_large_for_sts_is_an_error_naming_the_account(sts, kms):
    names = [f"/aws/lambda/customer-application-{i:03d}" for i in range(60)]
    store = FakeStore([record(ROLE_ACCOUNT)], allowlists={ROLE_ACCOUNT: names})
    vendor, _ = make_vendor(vendor_settings(), sts, kms, store)
    with Stubber(sts), pytest.raises(SessionPolicyTooLargeForStsError, match=f"account {ROLE_ACCOUNT}"):
        vendor.vend(req(ROLE_ACCOUNT, "logs_insights", sub="42"))


def test_the_log_groups_scope_sends_the_allowlist_but_lists_with_describe_log_groups_only(sts, kms):
    # Given an account allowlisting /orders/app (and the platform default /platform/agent), a warm vendor cache
    store = FakeStore([record(ROLE_ACCOUNT)], allowlists={ROLE_ACCOUNT: ["/orders/app"]})
    vendor, _ = make_vendor(vendor_settings(("/platform/agent",)), sts, kms, store)
    vendor.cache = VendCache(clock=lambda: 0.0)
    # DescribeLogGroups has no resource type (service authorization reference): "*", and nothing else
    policy = (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:DescribeLogGroups"],"Resource":"*"}]}'
    )
    expected = {
        "RoleArn": f"arn:aws:iam::{ROLE_ACCOUNT}:role/AccountToolsReadOnly",
        "RoleSessionName": "agent-42",
        "ExternalId": EXTERNAL_ID,
        "Policy": policy,
        "DurationSeconds": 900,
        "SourceIdentity": "agent-42",
    }
    with Stubber(sts) as stub:
        for _ in range(2):
            stub.add_response("assume_role", {"Credentials": TEMP, "AssumedRoleUser": ASSUMED}, expected)
        # When list_log_groups vends, then the runtime gets the allowlist its names are filtered against
        first = vendor.vend(req(ROLE_ACCOUNT, "log_groups", sub="42"))
        assert vendor.vend(req(ROLE_ACCOUNT, "log_groups", sub="42")) is first
        # And when an operator removes /orders/app, the next vend is new although the policy did not change
        store.allowlists[ROLE_ACCOUNT] = []
        second = vendor.vend(req(ROLE_ACCOUNT, "log_groups", sub="42"))
        stub.assert_no_pending_responses()
    assert first.allowed_log_groups == ["/orders/app", "/platform/agent"]
    assert second.allowed_log_groups == ["/platform/agent"]
    assert allows(policy, "logs:DescribeLogGroups", "*")
    for action in ("logs:StartQuery", "logs:GetLogEvents", "logs:FilterLogEvents", "logs:StopQuery"):
        assert not allows(policy, action, arn("/orders/app"))
        assert not allows(policy, action, "*")
