"""The monitoring construct: one dashboard, the alarms with their thresholds, one SNS topic for all."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from stacks.config import ConfigError, EnvironmentConfig
from stacks.constants import REPO_ROOT
from stacks.monitoring import RUNTIME_CACHE_HIT_RATIO, RUNTIME_TOOL_ERRORS, AlarmThresholds
from tests.infra.synth import Synthesized, project_context, synthesize

pytestmark = pytest.mark.infra

ONCALL_TOPIC = "arn:aws:sns:eu-west-1:111111111111:oncall"
PREFIX = "AccountTools-dev-"


def alarms(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Alarm properties by alarm name."""
    return {
        r["Properties"]["AlarmName"]: r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::CloudWatch::Alarm"
    }


def metric_of(alarm: dict[str, Any]) -> dict[str, Any]:
    """The one metric (or Metrics Insights expression) an alarm watches."""
    (query,) = alarm["Metrics"]
    watched: dict[str, Any] = query
    return watched


def dimensions(alarm: dict[str, Any]) -> dict[str, Any]:
    return {d["Name"]: d["Value"] for d in metric_of(alarm)["MetricStat"]["Metric"]["Dimensions"]}


# (alarm name without prefix, metric name, statistic, dimensions subset, operator, threshold, periods)
EXPECTED = [
    ("CredentialVending-VendFailures-assume_role_error-Critical", "VendFailure", "Sum",
     {"service": "credential-vendor", "error_type": "assume_role_error"}, "GreaterThanOrEqualToThreshold", 3, 1),
    ("CredentialVending-VendFailures-database_error-Critical", "VendFailure", "Sum",
     {"error_type": "database_error"}, "GreaterThanOrEqualToThreshold", 1, 1),
    ("CredentialVending-VendFailures-credential_error-Critical", "VendFailure", "Sum",
     {"error_type": "credential_error"}, "GreaterThanOrEqualToThreshold", 3, 1),
    ("CredentialVending-VendFailures-throttled-Critical", "VendFailure", "Sum",
     {"error_type": "throttled"}, "GreaterThanOrEqualToThreshold", 5, 1),
    ("CredentialVending-AwsCallFailures-Decrypt-Critical", "AwsCallFailure", "Sum",
     {"service": "credential-vendor", "operation": "Decrypt"}, "GreaterThanOrEqualToThreshold", 1, 1),
    ("CredentialVending-AwsCallFailures-AssumeRole-Critical", "AwsCallFailure", "Sum",
     {"operation": "AssumeRole"}, "GreaterThanOrEqualToThreshold", 3, 1),
    ("CredentialVending-VendLatencyP99-Warning", "VendLatency", "p99",
     {"service": "credential-vendor"}, "GreaterThanOrEqualToThreshold", 5000, 3),
    ("CredentialVendorFunction-Throttled-Count-Critical", "Throttles", "Sum",
     {}, "GreaterThanThreshold", 0, None),
    ("Registry-CPU-Usage-Warning", "CPUUtilization", None, {}, "GreaterThanThreshold", 80, 3),
    ("Registry-Connection-Count-High-Warning", "DatabaseConnections", None, {}, "GreaterThanThreshold", 80, None),
    ("Registry-Min-Usage-Count-Critical", "FreeStorageSpace", None, {}, "LessThanThreshold", 2 * 1024**3, None),
]  # fmt: skip


@pytest.mark.parametrize(("name", "metric", "stat", "dims", "operator", "threshold", "periods"), EXPECTED)
def test_alarm_watches_its_metric_with_its_threshold(
    dev: Synthesized, name: str, metric: str, stat: str | None, dims: dict[str, str], operator: str,
    threshold: float, periods: int | None,
):  # fmt: skip
    alarm = alarms(dev.platform)[PREFIX + name]
    watched = metric_of(alarm)["MetricStat"]
    assert watched["Metric"]["MetricName"] == metric
    if stat:
        assert watched["Stat"] == stat
    assert dims.items() <= dimensions(alarm).items()
    assert alarm["ComparisonOperator"] == operator
    assert alarm["Threshold"] == threshold
    if periods:
        assert alarm["EvaluationPeriods"] == alarm["DatapointsToAlarm"] == periods


def test_runtime_tool_errors_alarm_per_error_type_over_any_dimension_set(dev: Synthesized):
    found = alarms(dev.platform)
    for error_type, threshold in AlarmThresholds().tool_errors.items():
        alarm = found[f"{PREFIX}McpRuntime-ToolErrors-{error_type}-Critical"]
        assert metric_of(alarm)["Expression"] == (
            f'SELECT SUM("{RUNTIME_TOOL_ERRORS}") FROM "bedrock-agentcore" WHERE error_type = \'{error_type}\''  # noqa: S608
        )
        assert metric_of(alarm)["Period"] == 300
        assert alarm["Threshold"] == threshold
        assert alarm["TreatMissingData"] == "notBreaching"
    ratio = found[f"{PREFIX}McpRuntime-CredentialCacheHitRatio-Warning"]
    assert metric_of(ratio)["Expression"] == f'SELECT AVG("{RUNTIME_CACHE_HIT_RATIO}") FROM "bedrock-agentcore"'  # noqa: S608
    assert (ratio["ComparisonOperator"], ratio["Threshold"], ratio["EvaluationPeriods"]) == (
        "LessThanThreshold",
        0.5,
        3,
    )


def test_runtime_metric_names_are_the_ones_the_runtime_records():
    source = (REPO_ROOT / "runtime_image" / "account_tools" / "observability.py").read_text()
    for name in (RUNTIME_TOOL_ERRORS, RUNTIME_CACHE_HIT_RATIO):
        assert f'"{name}"' in source
    assert '"error_type": error_type' in source  # tool errors carry their error_type


def test_vendor_metric_names_are_the_ones_the_vendor_emits():
    source = (REPO_ROOT / "lambdas" / "credential_vendor" / "handler.py").read_text()
    for name in ("VendFailure", "VendLatency", "VendSuccess", "AwsCallFailure"):
        assert f'name="{name}"' in source


def test_every_alarm_notifies_the_created_encrypted_topic(dev: Synthesized):
    template = Template.from_json(dev.platform)
    template.resource_count_is("AWS::SNS::Topic", 1)
    template.has_resource_properties(
        "AWS::SNS::Topic", {"TopicName": "AccountTools-dev-alarms", "KmsMasterKeyId": Match.any_value()}
    )
    topic_id = next(k for k, r in dev.platform["Resources"].items() if r["Type"] == "AWS::SNS::Topic")
    found = alarms(dev.platform)
    assert len(found) >= 20
    for alarm in found.values():
        assert alarm["AlarmActions"] == [{"Ref": topic_id}]
    # CloudWatch may use the topic's key
    template.has_resource_properties(
        "AWS::KMS::Key",
        {
            "EnableKeyRotation": True,
            "KeyPolicy": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                            }
                        )
                    ]
                )
            },
        },
    )
    assert dev.platform["Outputs"]["AlarmTopicArn"]["Value"] == {"Ref": topic_id}


def test_the_dashboard_shows_vending_runtime_and_registry(dev: Synthesized):
    template = Template.from_json(dev.platform)
    template.resource_count_is("AWS::CloudWatch::Dashboard", 1)
    dashboard = next(r for r in dev.platform["Resources"].values() if r["Type"] == "AWS::CloudWatch::Dashboard")
    assert dashboard["Properties"]["DashboardName"] == "AccountTools-dev"
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    for shown in (
        "VendFailure",
        "error_type",
        "AwsCallFailure",
        "VendLatency",
        "p99",
        RUNTIME_TOOL_ERRORS,
        "GROUP BY error_type",
        RUNTIME_CACHE_HIT_RATIO,
        "Throttles",
        "CPUUtilization",
        "DatabaseConnections",
        "FreeStorageSpace",
    ):
        assert shown in body, shown


def test_alarms_go_to_the_topic_the_environment_names(tmp_path: Path):
    environments = project_context()["environments"]
    environments = environments | {"dev": environments["dev"] | {"alarm_topic_arn": ONCALL_TOPIC}}
    synthesized = synthesize(tmp_path, environments=environments)
    Template.from_json(synthesized.platform).resource_count_is("AWS::SNS::Topic", 0)
    assert {tuple(a["AlarmActions"]) for a in alarms(synthesized.platform).values()} == {(ONCALL_TOPIC,)}


@pytest.mark.parametrize("bad", ["oncall", "arn:aws:sqs:eu-west-1:111111111111:q", "arn:aws:sns:eu-west-1:1:x"])
def test_a_malformed_alarm_topic_is_refused(bad: str):
    with pytest.raises(ConfigError, match="alarm_topic_arn"):
        EnvironmentConfig(name="dev", alarm_topic_arn=bad)
