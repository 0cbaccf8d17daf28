"""get_metrics and get_alarms: what CloudWatch refuses is refused before any vend, and paging inside AWS's pages.

The exact request of each kind is asserted with the other tools' (tests/unit/test_tool_requests.py CASES);
here: each refused combination (Amazon CloudWatch API Reference, cited in account_tools.tools.cloudwatch),
the page tokens that resume inside a ListMetrics page or across DescribeAlarms states, and the scopes'
session policies.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from credential_vendor.scopes import SCOPES, session_policy
from tests.policy_eval import allows
from tests.unit.test_tool_requests import ACCOUNT, CW_ALARM, CW_ALARM_TYPES, Harness, _harness, cw_iso, cw_token

pytestmark = pytest.mark.unit

NOW = datetime.now(UTC)
CPU = {"namespace": "AWS/EC2", "metric_name": "CPUUtilization"}


@pytest.fixture
def harness(monkeypatch: pytest.MonkeyPatch) -> Iterator[Harness]:
    yield from _harness(monkeypatch)


def _ago(**delta: float) -> str:
    return cw_iso((NOW - timedelta(**delta)).replace(microsecond=0))


@pytest.mark.parametrize(
    ("tool", "arguments", "field", "says"),
    [
        # GetMetricData needs at least one query; here at most 5 (the API allows 500)
        ("get_metrics", {}, "metrics", "required"),
        ("get_metrics", {"metrics": [CPU] * 6}, "metrics", "at most 5"),
        # "you must specify either Expression or MetricStat but not both"
        ("get_metrics", {"metrics": [{**CPU, "expression": "m1 * 2"}]}, "metrics[0]", "not both"),
        ("get_metrics", {"metrics": [{"label": "nothing"}]}, "metrics[0]", "not both"),
        ("get_metrics", {"metrics": [{"namespace": "AWS/EC2"}]}, "metrics[0].metric_name", "required"),
        # Id: "The first character must be a lowercase letter"; unique within the call
        ("get_metrics", {"metrics": [{**CPU, "id": "M1"}]}, "metrics[0].id", "lowercase"),
        ("get_metrics", {"metrics": [{**CPU, "id": "a-b"}]}, "metrics[0].id", "underscore"),
        ("get_metrics", {"metrics": [CPU, {**CPU, "id": "m1"}]}, "metrics", "unique"),
        ("get_metrics", {"metrics": [{"id": "e", "expression": "x" * 2049}]}, "metrics[0].expression", "2048"),
        ("get_metrics", {"metrics": [{**CPU, "colour": "red"}]}, "metrics[0].colour", "unknown key"),
        # MetricStat.Period: a multiple of 60, or 1/5/10/20/30 for high-resolution metrics
        ("get_metrics", {"metrics": [{**CPU, "period": 45}]}, "metrics[0].period", "1, 5, 10, 20 or 30"),
        ("get_metrics", {"metrics": [{**CPU, "period": 90}]}, "metrics[0].period", "multiple of 60"),
        ("get_metrics", {"metrics": [{**CPU, "period": 0}]}, "metrics[0].period", "seconds"),
        # ... and coarser for older data: 3 hours / 15 days / 63 days
        ("get_metrics", {"metrics": [{**CPU, "period": 30}], "start_time": _ago(hours=4)}, "metrics[0].period", "60"),
        ("get_metrics", {"metrics": [{**CPU, "period": 60}], "start_time": _ago(days=20)}, "metrics[0].period", "300"),
        ("get_metrics", {"metrics": [{**CPU, "period": 300}], "start_time": _ago(days=70)}, "metrics[0].period",
         "3600"),
        ("get_metrics", {"metrics": [{**CPU, "stat": "Mean"}]}, "metrics[0].stat", "Average"),
        ("get_metrics", {"metrics": [{**CPU, "dimensions": {f"d{i}": "v" for i in range(31)}}]},
         "metrics[0].dimensions", "at most 30"),
        ("get_metrics", {"metrics": [{**CPU, "dimensions": {"InstanceId": None}}]}, "metrics[0].dimensions.InstanceId",
         "1-1024"),
        ("get_metrics", {"metrics": [{**CPU, "dimensions": "InstanceId"}]}, "metrics[0].dimensions", "name: value"),
        # StartTime must be earlier than EndTime
        ("get_metrics", {"metrics": [CPU], "start_time": _ago(hours=1), "end_time": _ago(hours=2)}, "start_time",
         "earlier"),
        ("get_metrics", {"metrics": [CPU], "start_time": "yesterday"}, "start_time", "ISO-8601"),
        ("get_metrics", {"metrics": [CPU], "max_results": 1001}, "max_results", "1000"),
        ("get_metrics", {"metrics": [CPU], "next_token": "d-1"}, "next_token", "not a next_token"),
        # kind=list: ListMetrics filters by one namespace/metric name/dimension filters (at most 10), 500 a page
        ("get_metrics", {"kind": "list", "start_time": _ago(hours=1)}, "start_time", "kind=list"),
        ("get_metrics", {"kind": "list", "metrics": [CPU, CPU]}, "metrics", "one filter"),
        ("get_metrics", {"kind": "list", "metrics": [{**CPU, "stat": "Sum"}]}, "metrics[0].stat", "filters by"),
        ("get_metrics", {"kind": "list", "metrics": [{"namespace": ":x"}]}, "metrics[0].namespace", "':'"),
        ("get_metrics", {"kind": "list", "metrics": [{"dimensions": {f"d{i}": None for i in range(11)}}]},
         "metrics[0].dimensions", "at most 10"),
        ("get_metrics", {"kind": "list", "max_results": 501}, "max_results", "1-500"),
        ("get_metrics", {"kind": "list", "next_token": "not-ours"}, "next_token", "not a next_token"),
        # DescribeAlarms / DescribeAlarmHistory: each kind's own options; MaxRecords 1-100
        ("get_alarms", {"kind": "history", "state_value": "OK"}, "state_value", "kind=history"),
        ("get_alarms", {"history_type": "StateUpdate"}, "history_type", "kind=alarms"),
        ("get_alarms", {"start_time": _ago(days=1)}, "start_time", "kind=alarms"),
        ("get_alarms", {"kind": "history", "start_time": cw_iso(NOW + timedelta(hours=1))}, "start_time", "past"),
        ("get_alarms", {"kind": "history", "history_type": "Deleted"}, "history_type", ""),
        ("get_alarms", {"state_value": "FIRING"}, "state_value", ""),
        ("get_alarms", {"max_results": 101}, "max_results", "100"),
        ("get_alarms", {"next_token": cw_token({"x": 1})}, "next_token", "not a next_token"),
        ("get_alarms", {"next_token": cw_token({"s": 2})}, "next_token", "state_value"),
    ],
)  # fmt: skip
def test_what_cloudwatch_refuses_is_refused_before_any_vend(
    harness: Harness, tool: str, arguments: dict[str, Any], field: str, says: str
) -> None:
    is_error, answer = harness.call(tool, {**arguments, "target_account_id": ACCOUNT})
    assert is_error, answer
    assert answer["error_type"] == "invalid_parameter"
    assert answer["message"].startswith(f"{field}:"), answer
    assert says in answer["message"], answer
    assert harness.vendor.vends == []


def test_defaults_ask_for_the_last_three_hours_in_five_minute_averages(harness: Harness) -> None:
    # Given GetMetricData answers anything for the default window
    def window(params: dict[str, Any], **_: Any) -> None:
        seen.append(params)

    seen: list[dict[str, Any]] = []
    harness.stubbers["cloudwatch"].client.meta.events.register("provide-client-params.cloudwatch.GetMetricData", window)
    harness.stubbers["cloudwatch"].add_response("get_metric_data", {"MetricDataResults": []})

    # When a query names only the metric
    is_error, answer = harness.call("get_metrics", {"metrics": [CPU], "target_account_id": ACCOUNT})

    # Then the query is the metric's Average over 300 s, for [now - 3 h, now), at most 300 datapoints
    assert not is_error, answer
    [params] = seen
    assert params["MetricDataQueries"] == [
        {"Id": "m1", "MetricStat": {"Metric": {"Namespace": "AWS/EC2", "MetricName": "CPUUtilization"},
                                    "Period": 300, "Stat": "Average"}}
    ]  # fmt: skip
    assert params["EndTime"] - params["StartTime"] == timedelta(hours=3)
    assert abs(params["EndTime"] - datetime.now(UTC)) < timedelta(minutes=1)
    assert params["MaxDatapoints"] == 300
    assert answer == {"kind": "data", "target_account_id": ACCOUNT, "results": []}


def test_a_data_page_token_keeps_the_window_of_the_first_page(harness: Harness) -> None:
    # Given a first page of the default window (the last 3 hours) with more to come
    stub = harness.stubbers["cloudwatch"]
    seen: list[dict[str, Any]] = []
    stub.client.meta.events.register(
        "provide-client-params.cloudwatch.GetMetricData", lambda params, **_: seen.append(params)
    )
    stub.add_response("get_metric_data", {"MetricDataResults": [], "NextToken": "aws-2"})
    stub.add_response("get_metric_data", {"MetricDataResults": []})
    is_error, first = harness.call("get_metrics", {"metrics": [CPU], "target_account_id": ACCOUNT})
    assert not is_error, first

    # When the next page is asked for later, without a window
    is_error, second = harness.call(
        "get_metrics", {"metrics": [CPU], "next_token": first["next_token"], "target_account_id": ACCOUNT}
    )

    # Then it asks AWS for the same window, with AWS's token
    assert not is_error, second
    assert seen[1]["NextToken"] == "aws-2"
    assert (seen[1]["StartTime"], seen[1]["EndTime"]) == (seen[0]["StartTime"], seen[0]["EndTime"])


def test_list_pages_resume_inside_a_listmetrics_page_then_at_aws_next_token(harness: Harness) -> None:
    # Given ListMetrics answers 3 metrics and a NextToken, then (for that token) a last metric
    def metric(name: str) -> dict[str, Any]:
        return {"Namespace": "AWS/EC2", "MetricName": name, "Dimensions": [{"Name": "InstanceId", "Value": "i-1"}]}

    stub = harness.stubbers["cloudwatch"]
    page_one = {"Metrics": [metric("CPUUtilization"), metric("NetworkIn"), metric("NetworkOut")], "NextToken": "aws-2"}
    stub.add_response("list_metrics", page_one, {"Namespace": "AWS/EC2"})
    stub.add_response("list_metrics", page_one, {"Namespace": "AWS/EC2"})
    stub.add_response(
        "list_metrics", {"Metrics": [metric("DiskReadOps")]}, {"Namespace": "AWS/EC2", "NextToken": "aws-2"}
    )
    arguments = {"kind": "list", "metrics": [{"namespace": "AWS/EC2"}], "max_results": 2, "target_account_id": ACCOUNT}

    # When the agent pages through with max_results=2
    names: list[str] = []
    token = None
    for _ in range(3):
        is_error, answer = harness.call("get_metrics", {**arguments, **({"next_token": token} if token else {})})
        assert not is_error, answer
        names += [m["metric_name"] for m in answer["metrics"]]
        token = answer.get("next_token")
        if token is None:
            break

    # Then every metric comes once, in order, and the last page has no token
    assert names == ["CPUUtilization", "NetworkIn", "NetworkOut", "DiskReadOps"]
    assert token is None


def test_alarm_pages_continue_in_the_next_state(harness: Harness) -> None:
    # Given a page that ends exactly with the last ALARM alarm
    stub = harness.stubbers["cloudwatch"]
    stub.add_response("describe_alarms", {"MetricAlarms": [CW_ALARM]},
                      {"AlarmTypes": CW_ALARM_TYPES, "MaxRecords": 1, "StateValue": "ALARM"})  # fmt: skip
    is_error, first = harness.call("get_alarms", {"max_results": 1, "target_account_id": ACCOUNT})
    assert not is_error, first
    assert first["next_token"] == cw_token({"s": 1})

    # When the next page is asked for, it starts with the INSUFFICIENT_DATA alarms
    waiting = {**CW_ALARM, "AlarmName": "acme-api-5xx", "StateValue": "INSUFFICIENT_DATA"}
    stub.add_response("describe_alarms", {"MetricAlarms": [waiting]},
                      {"AlarmTypes": CW_ALARM_TYPES, "MaxRecords": 1, "StateValue": "INSUFFICIENT_DATA"})  # fmt: skip
    is_error, second = harness.call(
        "get_alarms", {"max_results": 1, "next_token": first["next_token"], "target_account_id": ACCOUNT}
    )

    # Then
    assert not is_error, second
    assert [a["name"] for a in second["alarms"]] == ["acme-api-5xx"]
    assert "next_token" not in second


def test_any_state_asks_once_without_a_state(harness: Harness) -> None:
    harness.stubbers["cloudwatch"].add_response(
        "describe_alarms", {"MetricAlarms": [], "NextToken": "n-2"}, {"AlarmTypes": CW_ALARM_TYPES, "MaxRecords": 20}
    )
    harness.stubbers["cloudwatch"].add_response(
        "describe_alarms", {"MetricAlarms": []}, {"AlarmTypes": CW_ALARM_TYPES, "MaxRecords": 20, "NextToken": "n-2"}
    )
    is_error, answer = harness.call("get_alarms", {"state_value": "ANY", "target_account_id": ACCOUNT})
    assert not is_error, answer
    assert answer["next_token"] == cw_token({"s": 0, "t": "n-2"})
    is_error, answer = harness.call(
        "get_alarms", {"state_value": "ANY", "next_token": answer["next_token"], "target_account_id": ACCOUNT}
    )
    assert not is_error, answer
    assert answer == {"kind": "alarms", "target_account_id": ACCOUNT, "alarms": []}


@pytest.mark.parametrize(
    ("scope", "allowed", "refused"),
    [
        (
            "cloudwatch_metrics",
            ("cloudwatch:GetMetricData", "cloudwatch:ListMetrics"),
            ("cloudwatch:PutMetricData", "cloudwatch:GetMetricStatistics", "cloudwatch:DescribeAlarms",
             "cloudwatch:GetMetricWidgetImage"),
        ),
        (
            "cloudwatch_alarms",
            ("cloudwatch:DescribeAlarms", "cloudwatch:DescribeAlarmHistory"),
            ("cloudwatch:PutMetricAlarm", "cloudwatch:SetAlarmState", "cloudwatch:DeleteAlarms",
             "cloudwatch:DisableAlarmActions", "cloudwatch:GetMetricData"),
        ),
    ],
)  # fmt: skip
def test_each_cloudwatch_scope_allows_only_its_reads(
    scope: str, allowed: tuple[str, ...], refused: tuple[str, ...]
) -> None:
    policy = session_policy(scope, account_id=ACCOUNT)
    alarm = f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:acme-cpu-high"
    for action in allowed:
        assert allows(policy, action, "*")
        assert allows(policy, action, alarm)
    for action in refused:
        assert not allows(policy, action, "*")
        assert not allows(policy, action, alarm)
    assert SCOPES[scope].tools == (("get_metrics",) if scope == "cloudwatch_metrics" else ("get_alarms",))
    assert json.loads(policy)["Statement"] == [{"Effect": "Allow", "Action": sorted(allowed), "Resource": "*"}]
