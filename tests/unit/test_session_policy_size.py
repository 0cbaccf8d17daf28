"""Session policies stay within STS's 2,048-character limit: checked at synth time (environment
config) and at vend time (a typed vendor error, never an unhandled exception). No network."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from uuid import uuid4

import boto3
import pytest
from botocore.stub import Stubber

from account_registry.models import AccountRecord
from caller_assertion import KmsPublicKey
from credential_vendor.errors import CredentialError, SessionPolicyTooLargeForStsError
from credential_vendor.handler import handle
from credential_vendor.logic import CredentialVendor
from credential_vendor.scopes import (
    MAX_SESSION_POLICY_CHARS,
    SCOPES,
    SessionPolicyTooLargeError,
    oversized_scopes,
    session_policy,
)
from credential_vendor.settings import VendorSettings
from tests.callers import KEY_ID
from tests.unit.test_vendor import CALLERS, FakeRegistry, FakeStore, event, req

pytestmark = pytest.mark.unit

ACCOUNT = "222222222222"
# The review's reproduction: about 28 allowlisted groups with realistic names.
MANY_GROUPS = tuple(f"/aws/lambda/customer-facing-service-{i:02d}" for i in range(28))


def test_many_allowlisted_groups_overflow_the_logs_policy_with_a_typed_error():
    with pytest.raises(SessionPolicyTooLargeError) as info:
        session_policy("logs_insights", account_id=ACCOUNT, log_groups=MANY_GROUPS)
    assert info.value.scope_name == "logs_insights"
    assert info.value.size > MAX_SESSION_POLICY_CHARS
    assert oversized_scopes(MANY_GROUPS) == {"logs_insights": info.value.size}


def test_policies_are_compact_and_every_wildcard_stays_inside_the_allowlist():
    groups = ("/demo/app", "/ecs/payments")
    document = json.loads(session_policy("logs_insights", account_id=ACCOUNT, log_groups=groups))
    assert all("Sid" not in s for s in document["Statement"])
    pinned = next(s for s in document["Statement"] if "logs:StartQuery" in s["Action"])
    # Any region, the streams of each named group: never a wildcard in the group name or the account.
    assert pinned["Resource"] == [f"arn:aws:logs:*:{ACCOUNT}:log-group:{g}:*" for g in groups]


def test_the_largest_allowlist_that_fits_is_accepted_and_one_more_group_is_not():
    # Given groups added one by one until the policy would not fit
    fitting: tuple[str, ...] = ()
    for group in MANY_GROUPS:
        if oversized_scopes((*fitting, group)):
            break
        fitting = (*fitting, group)
    # Then every scope's policy for the largest fitting allowlist is within the limit
    assert len(fitting) >= 20
    for scope in SCOPES:
        assert len(session_policy(scope, account_id=ACCOUNT, log_groups=fitting)) <= MAX_SESSION_POLICY_CHARS


def _record() -> AccountRecord:
    now = datetime.now(UTC)
    return AccountRecord(
        id=uuid4(),
        account_id=ACCOUNT,
        alias="acme",
        auth_type="iam_role",
        access_key_id=None,
        secret_access_key_encrypted=None,
        secret_kms_key_arn=None,
        role_arn=f"arn:aws:iam::{ACCOUNT}:role/AccountToolsReadOnly",
        region="us-east-1",
        org_id=uuid4(),
        external_id="ext-0123456789",
        enabled=True,
        created_at=now,
        updated_at=now,
    )


def test_vend_with_an_oversized_policy_is_a_typed_error_naming_account_and_scope_without_calling_sts():
    # Given a vendor configured with too many allowlisted log groups
    settings = VendorSettings(
        registry_secret_arn="arn:aws:secretsmanager:us-east-1:111111111111:secret:registry",
        allowed_log_groups=MANY_GROUPS,
        customer_role_name_pattern="AccountToolsReadOnly*",
        assertion_key_id=KEY_ID,
    )
    sts = boto3.client("sts", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
    kms = boto3.client("kms", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
    vendor = CredentialVendor(
        settings=settings,
        registry=FakeRegistry(FakeStore([_record()])),
        sts_client=sts,
        kms_client=kms,
        assertion_key=KmsPublicKey(CALLERS.kms, KEY_ID),
    )

    # When a logs_insights vend is requested (no STS response queued: any STS call would fail the test)
    with Stubber(sts):
        with pytest.raises(SessionPolicyTooLargeForStsError) as info:
            vendor.vend(req(ACCOUNT, "logs_insights"))
        response = handle(event(ACCOUNT, "logs_insights"), vendor)

    # Then the error is a credential error that names the scope and the account, and the handler returns it
    assert isinstance(info.value, CredentialError)
    assert "logs_insights" in info.value.message
    assert ACCOUNT in info.value.message
    assert str(MAX_SESSION_POLICY_CHARS) in info.value.message
    assert response == {"ok": False, "error_type": "credential_error", "message": info.value.message}


def test_synth_refuses_an_allowlist_whose_policy_would_not_fit():
    from stacks.config import ConfigError, EnvironmentConfig

    with pytest.raises(ConfigError, match=r"logs_insights session policy \d+ characters, over the STS limit"):
        EnvironmentConfig(name="dev", allowed_log_groups=MANY_GROUPS)
    EnvironmentConfig(name="dev", allowed_log_groups=MANY_GROUPS[:10])
