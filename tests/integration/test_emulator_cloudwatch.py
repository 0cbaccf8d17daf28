"""CloudWatch metrics, alarms and alarm history against the extended moto server, per account.

Each account is seeded with its demo CloudWatch section only (local_stack.demo_data.demo_cloudwatch): moto's own
backend answers metrics and alarms (filtered and paged here as AWS does), the history fixture answers
DescribeAlarmHistory; nothing of one account is ever in another's answer.
"""

from __future__ import annotations

import urllib.error
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from local_stack.demo_data import demo_cloudwatch, post_seed
from tests.integration.emulator_support import account_client, extended_emulator

pytestmark = pytest.mark.integration

ACME, GLOBEX, MANY = "222222222222", "333333333333", "444444444444"
NOW = datetime.now(UTC)
ALIASES = {ACME: "acme-prod", GLOBEX: "globex-legacy"}
TYPES = ["MetricAlarm", "CompositeAlarm"]


def _seed(account_id: str, section: dict[str, Any]) -> dict[str, Any]:
    return {"account_id": account_id, "region": "us-east-1", "cloudwatch": section}


# 501 metrics in one account: ListMetrics answers 500 a page
MANY_METRICS = {
    "PutMetricData": [
        {"Namespace": "Demo/Many", "MetricData": [
            {"MetricName": "Depth", "Dimensions": [{"Name": "Queue", "Value": f"q-{i:03d}"}], "Value": 1.0,
             "Timestamp": NOW.isoformat()} for i in range(start, min(start + 250, 501))]}
        for start in range(0, 501, 250)
    ]
}  # fmt: skip


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    seeds = [_seed(a, demo_cloudwatch(a, alias, NOW)) for a, alias in ALIASES.items()] + [_seed(MANY, MANY_METRICS)]
    with extended_emulator(seeds) as url:
        yield url


@pytest.fixture(scope="module")
def clients(endpoint: str) -> dict[str, Any]:
    return {account: account_client(endpoint, "cloudwatch", account) for account in (ACME, GLOBEX, MANY)}


def _code(excinfo: pytest.ExceptionInfo[ClientError]) -> str:
    return str(excinfo.value.response["Error"]["Code"])


@pytest.mark.parametrize(("account", "alarm"), [(ACME, "acme-prod-ec2-cpu-high"),
                                                (GLOBEX, "globex-legacy-rds-free-storage-low")])  # fmt: skip
def test_each_account_has_its_own_alarm_in_alarm(clients: dict[str, Any], account: str, alarm: str) -> None:
    answer = clients[account].describe_alarms(StateValue="ALARM", AlarmTypes=TYPES)
    assert [a["AlarmName"] for a in answer["MetricAlarms"]] == [alarm]
    assert answer["MetricAlarms"][0]["StateReason"].startswith("Threshold Crossed: 3 out of the last 3 datapoints")
    other = ALIASES[GLOBEX if account == ACME else ACME]
    everything = clients[account].describe_alarms(AlarmTypes=TYPES)["MetricAlarms"]
    assert len(everything) == 3
    assert not [a for a in everything if a["AlarmName"].startswith(other)]


def test_describe_alarms_applies_every_filter_and_pages(clients: dict[str, Any]) -> None:
    acme = clients[ACME]
    # moto alone answers a name prefix without the state filter; AWS applies both
    prefixed = acme.describe_alarms(AlarmNamePrefix="acme-prod-", StateValue="INSUFFICIENT_DATA")
    assert [a["AlarmName"] for a in prefixed["MetricAlarms"]] == ["acme-prod-api-5xx"]
    assert acme.describe_alarms(AlarmNames=["acme-prod-api-5xx"], StateValue="OK")["MetricAlarms"] == []
    assert acme.describe_alarms(AlarmTypes=["CompositeAlarm"])["MetricAlarms"] == []
    # by name, MaxRecords at a time
    names, token = [], None
    while True:
        page = acme.describe_alarms(MaxRecords=1, **({"NextToken": token} if token else {}))
        names += [a["AlarmName"] for a in page["MetricAlarms"]]
        token = page.get("NextToken")
        if not token:
            break
    assert names == ["acme-prod-api-5xx", "acme-prod-ec2-cpu-high", "acme-prod-nightly-export-errors"]
    with pytest.raises(ClientError) as excinfo:
        acme.describe_alarms(AlarmNames=["a"], AlarmNamePrefix="a")
    assert _code(excinfo) == "InvalidParameterCombination"


def _cpu_query(instance: str) -> list[dict[str, Any]]:
    metric = {"Namespace": "AWS/EC2", "MetricName": "CPUUtilization",
              "Dimensions": [{"Name": "InstanceId", "Value": instance}]}  # fmt: skip
    return [{"Id": "cpu", "MetricStat": {"Metric": metric, "Period": 300, "Stat": "Average"}}]


def _instance(client: Any) -> str:
    [metric] = client.list_metrics(Namespace="AWS/EC2")["Metrics"]
    return str(metric["Dimensions"][0]["Value"])


def test_metric_data_is_the_accounts_own_and_pages_by_max_datapoints(clients: dict[str, Any]) -> None:
    acme, globex = clients[ACME], clients[GLOBEX]
    queries = _cpu_query(_instance(acme))
    window = {"StartTime": NOW - timedelta(hours=3, minutes=5), "EndTime": NOW + timedelta(minutes=1)}

    whole = acme.get_metric_data(MetricDataQueries=queries, ScanBy="TimestampAscending", **window)
    [series] = whole["MetricDataResults"]
    assert series["StatusCode"] == "Complete"
    assert len(series["Values"]) == 36
    assert series["Values"][0] == pytest.approx(38.0)
    assert series["Values"][-1] == pytest.approx(96.5)
    assert "NextToken" not in whole
    # Globex has no such instance: the same query answers nothing there
    assert globex.get_metric_data(MetricDataQueries=queries, **window)["MetricDataResults"][0]["Values"] == []

    values, token, pages = [], None, 0
    while True:
        page = acme.get_metric_data(MetricDataQueries=queries, ScanBy="TimestampAscending", MaxDatapoints=10,
                                    **window, **({"NextToken": token} if token else {}))  # fmt: skip
        [part] = page["MetricDataResults"]
        values += part["Values"]
        pages += 1
        token = page.get("NextToken")
        assert part["StatusCode"] == ("PartialData" if token else "Complete")
        if not token:
            break
    assert pages == 4
    assert values == series["Values"]


def test_a_next_token_belongs_to_its_request(clients: dict[str, Any]) -> None:
    acme = clients[ACME]
    queries = _cpu_query(_instance(acme))
    window = {"StartTime": NOW - timedelta(hours=3, minutes=5), "EndTime": NOW + timedelta(minutes=1)}
    token = acme.get_metric_data(MetricDataQueries=queries, MaxDatapoints=5, **window)["NextToken"]
    with pytest.raises(ClientError) as excinfo:
        acme.get_metric_data(MetricDataQueries=queries, NextToken=token, StartTime=NOW - timedelta(hours=1),
                             EndTime=NOW)  # fmt: skip
    assert _code(excinfo) == "InvalidParameterValue"


def test_list_metrics_is_per_account_with_reusable_pages_of_500(clients: dict[str, Any]) -> None:
    acme_names = {m["MetricName"] for m in clients[ACME].list_metrics()["Metrics"]}
    globex_names = {m["MetricName"] for m in clients[GLOBEX].list_metrics()["Metrics"]}
    assert acme_names == {"Errors", "CPUUtilization"}
    assert globex_names == {"Errors", "FreeStorageSpace"}
    filtered = clients[GLOBEX].list_metrics(Dimensions=[{"Name": "DBInstanceIdentifier"}])["Metrics"]
    assert [m["Dimensions"] for m in filtered] == [[{"Name": "DBInstanceIdentifier", "Value": "globex-legacy-db"}]]

    many = clients[MANY]
    first = many.list_metrics(Namespace="Demo/Many")
    assert len(first["Metrics"]) == 500
    again = [many.list_metrics(Namespace="Demo/Many", NextToken=first["NextToken"]) for _ in range(2)]
    assert again[0]["Metrics"] == again[1]["Metrics"]  # a token can be used again (the tool resumes inside a page)
    assert [m["Dimensions"][0]["Value"] for m in again[0]["Metrics"]] == ["q-500"]
    assert "NextToken" not in again[0]


def test_alarm_history_filters_and_pages_the_accounts_own_items(clients: dict[str, Any]) -> None:
    acme, globex = clients[ACME], clients[GLOBEX]
    newest_first = acme.describe_alarm_history()["AlarmHistoryItems"]
    assert [i["Timestamp"] for i in newest_first] == sorted((i["Timestamp"] for i in newest_first), reverse=True)
    assert {i["AlarmName"] for i in newest_first} == {"acme-prod-ec2-cpu-high", "acme-prod-api-5xx",
                                                     "acme-prod-nightly-export-errors"}  # fmt: skip
    assert all(not i["AlarmName"].startswith("globex") for i in newest_first)

    state_changes = acme.describe_alarm_history(AlarmName="acme-prod-ec2-cpu-high", HistoryItemType="StateUpdate")
    assert [i["HistorySummary"] for i in state_changes["AlarmHistoryItems"]] == ["Alarm updated from OK to ALARM"]
    recent = acme.describe_alarm_history(StartDate=NOW - timedelta(hours=3), ScanBy="TimestampAscending")
    assert [i["AlarmName"] for i in recent["AlarmHistoryItems"]] == [
        "acme-prod-api-5xx", "acme-prod-ec2-cpu-high", "acme-prod-ec2-cpu-high"]  # fmt: skip
    older = acme.describe_alarm_history(EndDate=NOW - timedelta(days=2))["AlarmHistoryItems"]
    assert [i["HistoryItemType"] for i in older] == ["ConfigurationUpdate"]
    assert acme.describe_alarm_history(AlarmTypes=["CompositeAlarm"])["AlarmHistoryItems"] == []
    assert globex.describe_alarm_history(AlarmName="acme-prod-ec2-cpu-high")["AlarmHistoryItems"] == []

    paged, token = [], None
    while True:
        page = acme.describe_alarm_history(MaxRecords=2, **({"NextToken": token} if token else {}))
        paged += page["AlarmHistoryItems"]
        token = page.get("NextToken")
        if not token:
            break
    assert paged == newest_first


def test_the_query_protocol_is_answered_in_xml(endpoint: str, clients: dict[str, Any]) -> None:
    # An older botocore (or the CLI v1) speaks the query protocol: moto answers the same data as XML
    credentials = clients[GLOBEX]._request_signer._credentials.get_frozen_credentials()
    scope = f"{credentials.access_key}/20260101/us-east-1/monitoring/aws4_request"
    authorization = f"AWS4-HMAC-SHA256 Credential={scope}, SignedHeaders=host, Signature=0"
    response = httpx.post(
        endpoint,
        data={"Action": "DescribeAlarmHistory", "Version": "2010-08-01", "HistoryItemType": "Action"},
        headers={"Authorization": authorization, "X-Amz-Security-Token": credentials.token or "",
                 "Host": "monitoring.us-east-1.amazonaws.com"},
        timeout=10,
    )  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.text.lstrip().startswith("<")
    assert "<DescribeAlarmHistoryResponse" in response.text
    assert "globex-legacy-rds-free-storage-low" in response.text
    assert "acme-prod" not in response.text


@pytest.mark.parametrize(
    ("section", "says"),
    [
        ({"DescribeAlarmHistory": {"AlarmHistoryItems": [{"AlarmName": "a", "HistoryItemType": "Deleted"}]}},
         "HistoryItemType"),
        ({"DescribeAlarmHistory": {"AlarmHistoryItems": [{"AlarmName": 5}]}}, "AlarmName"),
        ({"PutMetricAlarm": [{"AlarmName": "a", "ComparisonOperator": "GreaterThanThreshold"}]}, "EvaluationPeriods"),
        ({"PutMetricData": [{"Namespace": "x", "MetricData": [{"Value": 1.0}]}]}, "MetricName"),
        ({"SetAlarmState": [{"AlarmName": "a", "StateValue": "FIRING", "StateReason": "r"}]}, "FIRING"),
        ({"GetMetricData": {}}, "not one of"),
    ],
)  # fmt: skip
def test_a_seed_that_drifts_from_the_aws_shapes_is_refused(endpoint: str, section: dict[str, Any], says: str) -> None:
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        post_seed(endpoint, _seed("555555555555", section))
    assert excinfo.value.code == 400
    assert says in excinfo.value.read().decode()
