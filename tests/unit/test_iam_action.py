"""The IAM action an AccessDenied names is the one an operator must allow (Service Authorization Reference)."""

from __future__ import annotations

import botocore.session
import pytest

from account_tools.aws import iam_action


@pytest.mark.parametrize(
    ("service", "operation", "action"),
    [
        ("logs", "start_query", "logs:StartQuery"),
        ("ce", "get_cost_and_usage", "ce:GetCostAndUsage"),
        # AWS Budgets authorizes its reads with budgets:ViewBudget, not an action per API operation
        ("budgets", "describe_budgets", "budgets:ViewBudget"),
        ("budgets", "describe_budget_performance_history", "budgets:ViewBudget"),
        # CloudWatch signs as "monitoring"; its IAM actions are cloudwatch:*
        ("cloudwatch", "get_metric_data", "cloudwatch:GetMetricData"),
        ("cloudwatch", "describe_alarm_history", "cloudwatch:DescribeAlarmHistory"),
    ],
)
def test_iam_action_is_what_the_customer_role_must_allow(service: str, operation: str, action: str) -> None:
    client = botocore.session.get_session().create_client(
        service, region_name="us-east-1", aws_access_key_id="AKIAEXAMPLE", aws_secret_access_key="example"
    )
    assert iam_action(client, operation) == action
