"""The session policy alone refuses what the code checks refuse: the exact policy the vendor sends to STS,
evaluated for the attacked resource (tests/policy_eval.py; moto does not enforce session policies)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from credential_vendor.scopes import session_policy
from credential_vendor.settings import VendorSettings
from tests.callers import KEY_ID
from tests.policy_eval import allows
from tests.unit.test_vendor import ROLE_ACCOUNT, TEMP, FakeStore, make_vendor, record, req

pytestmark = pytest.mark.unit

OTHER_ACCOUNT = "999988887777"
STORE_ID = "6a4f1e0b-2c3d-4e5f-8a9b-0c1d2e3f4a5b"
FOREIGN_STORE_ID = "0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b"
ALLOWED_GROUP = "/demo/app"


def sent_policy(scope: str) -> str:
    """Vend ``scope`` for ROLE_ACCOUNT and return the ``Policy`` the vendor sent with ``AssumeRole``."""
    settings = VendorSettings(
        registry_secret_arn="arn:aws:secretsmanager:us-east-1:111111111111:secret:registry",
        allowed_log_groups=(ALLOWED_GROUP,),
        customer_role_name_pattern="AccountToolsReadOnly*",
        assertion_key_id=KEY_ID,
    )
    sts = boto3.client("sts", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
    kms = boto3.client("kms", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
    vendor, _ = make_vendor(settings, sts, kms, FakeStore([record(ROLE_ACCOUNT)]))
    sent: list[str] = []

    def capture(params: dict[str, Any], **_: Any) -> None:
        sent.append(params["Policy"])

    sts.meta.events.register("provide-client-params.sts.AssumeRole", capture)
    assumed = {"AssumedRoleId": "AROAEXAMPLE:agent-42", "Arn": f"arn:aws:sts::{ROLE_ACCOUNT}:assumed-role/R/agent-42"}
    with Stubber(sts) as stub:
        stub.add_response("assume_role", {"Credentials": TEMP, "AssumedRoleUser": assumed})
        vendor.vend(req(ROLE_ACCOUNT, scope, sub="42"))
    assert len(sent) == 1
    return sent[0]


def test_lake_policy_is_exactly_the_scope_pinned_to_the_accounts_event_data_stores():
    policy = sent_policy("cloudtrail_lake")
    assert policy == (
        '{"Version":"2012-10-17","Statement":['
        '{"Effect":"Allow","Action":["cloudtrail:ListEventDataStores"],"Resource":"*"},'
        '{"Effect":"Allow","Action":["cloudtrail:DescribeQuery","cloudtrail:GetQueryResults","cloudtrail:StartQuery"],'
        f'"Resource":"arn:aws:cloudtrail:*:{ROLE_ACCOUNT}:eventdatastore/*"}}]}}'
    )
    assert policy == session_policy("cloudtrail_lake", account_id=ROLE_ACCOUNT, log_groups=(ALLOWED_GROUP,))


@pytest.mark.parametrize("action", ["cloudtrail:StartQuery", "cloudtrail:DescribeQuery", "cloudtrail:GetQueryResults"])
def test_lake_policy_refuses_another_accounts_event_data_store(action):
    # Given the policy sent for a vend in ROLE_ACCOUNT
    policy = sent_policy("cloudtrail_lake")
    own = f"arn:aws:cloudtrail:eu-west-1:{ROLE_ACCOUNT}:eventdatastore/{STORE_ID}"
    foreign = f"arn:aws:cloudtrail:eu-west-1:{OTHER_ACCOUNT}:eventdatastore/{FOREIGN_STORE_ID}"
    # Then the account's own store is allowed and a foreign one (a comma join, a quoted name...) is not
    assert allows(policy, action, own)
    assert not allows(policy, action, foreign)
    assert not allows(policy, action, f"arn:aws:cloudtrail:eu-west-1:{ROLE_ACCOUNT}:trail/management")


def test_logs_policy_pins_start_query_to_the_allowlisted_groups():
    policy = sent_policy("logs_insights")

    def group(name: str) -> str:
        return f"arn:aws:logs:eu-west-1:{ROLE_ACCOUNT}:log-group:{name}:*"

    assert allows(policy, "logs:StartQuery", group(ALLOWED_GROUP))
    for outside in ("/secret/payments", "/demo/app-secret", "/demo"):  # a SOURCE command or a bypass names these
        assert not allows(policy, "logs:StartQuery", group(outside))
    assert not allows(policy, "logs:StartQuery", f"arn:aws:logs:eu-west-1:{OTHER_ACCOUNT}:log-group:{ALLOWED_GROUP}:*")
    assert not allows(policy, "logs:FilterLogEvents", group("/secret/payments"))
    assert not allows(policy, "logs:GetLogEvents", group(ALLOWED_GROUP))


def test_logs_query_results_have_no_resource_to_pin_documented_residual_risk():
    # GetQueryResults, DescribeQueries and StopQuery have no resource type in the service authorization
    # reference, so IAM cannot tell whose query is read: the runtime checks the query's log groups with
    # DescribeQueries before GetQueryResults (tests/unit/test_logs_insights_guard.py, tests/e2e).
    policy = sent_policy("logs_insights")
    for action in ("logs:GetQueryResults", "logs:DescribeQueries", "logs:StopQuery"):
        assert allows(policy, action, "*")
    assert not allows(policy, "logs:GetLogRecord", "*")  # a result row's @ptr cannot be followed to the record


def test_log_groups_policy_lists_names_and_reads_nothing_documented_residual_risk():
    # DescribeLogGroups has no resource type in the service authorization reference ("*"): IAM bounds it to the
    # vended account only, so list_log_groups names nothing outside the allowlist sent with these credentials
    # (tools/logs_insights.py; tests/unit/test_tool_requests.py, tests/e2e/test_logs_discovery_e2e.py).
    policy = sent_policy("log_groups")
    assert policy == (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:DescribeLogGroups"],"Resource":"*"}]}'
    )
    group = f"arn:aws:logs:eu-west-1:{ROLE_ACCOUNT}:log-group:{ALLOWED_GROUP}:*"
    for action in ("logs:StartQuery", "logs:GetQueryResults", "logs:GetLogEvents", "logs:FilterLogEvents"):
        assert not allows(policy, action, group)
        assert not allows(policy, action, "*")


def test_evaluator_refuses_what_it_does_not_model():
    with pytest.raises(NotImplementedError):
        allows(
            {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {}}]}, "s3:GetObject", "*"
        )
    deny = {
        "Statement": [
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:Get*", "Resource": "arn:aws:s3:::b/*"},
        ]
    }
    assert allows(deny, "S3:putobject", "arn:aws:s3:::b/k")
    assert not allows(deny, "s3:GetObject", "arn:aws:s3:::b/k")
