"""The exact AWS request each Cost Explorer / commitments / CloudTrail / Lake tool sends, and its error types.

No network: the vendor is a fake that records vends, and ``AccountClients._client`` returns boto3 clients
wrapped in a botocore ``Stubber`` that asserts each request's parameters.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
import boto3
import pytest
from botocore.stub import Stubber
from mcp import Client

from account_tools.aws import AccountClients
from account_tools.caller import current_caller
from account_tools.credentials import Entry
from account_tools.errors import ToolFailure
from account_tools.params import account_id as normalized_account
from account_tools.params import account_ids
from account_tools.server import AccountToolsServer, build_runtime, build_server
from account_tools.settings import RuntimeSettings
from account_tools.tools import budgets, cloudtrail, cloudtrail_lake, commitments, cost_explorer, cost_insights
from credential_vendor.scopes import SCOPES, session_policy
from tests.callers import Callers

pytestmark = pytest.mark.unit

ACCOUNT = "222222222222"
DEFAULT = "111111111111"
STORE_ID = "6a4f1e0b-2c3d-4e5f-8a9b-0c1d2e3f4a5b"
STORE_ARN = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:eventdatastore/{STORE_ID}"
LAKE_SQL = f"SELECT eventName FROM {STORE_ID} WHERE eventName = 'ConsoleLogin'"  # noqa: S608 - test data
QUERY_ID = "0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e"
LOG_GROUPS = ("/aws/lambda/orders-*", "/demo/app")  # an allowlist as the vendor sends it (sorted)
FUTURE = datetime.now(UTC).date() + timedelta(days=1)
FUTURE_END = FUTURE + timedelta(days=31)
EXPRESSION = {
    "And": [
        {"Dimensions": {"Key": "SERVICE", "Values": ["AWS Lambda"], "MatchOptions": ["EQUALS"]}},
        {"Not": {"Tags": {"Key": "team", "Values": ["finops"]}}},
    ]
}


@dataclass
class FakeVendor:
    """Records vends; hands out dummy credentials; grants ``granted`` to every caller."""

    vends: list[tuple[str, str]] = field(default_factory=list)
    granted: list[str] = field(default_factory=lambda: [DEFAULT])
    refused: set[str] = field(default_factory=set)  # accounts the vendor refuses (not granted)
    # Each account's log-group allowlist, sent with the scopes that use it (LOG_GROUPS unless named here)
    allowlists: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def vend(self, *, account_id: str, scope: str, region: str | None, assertion: str, **_: Any) -> dict[str, Any]:
        assert assertion  # the runtime always passes the caller's assertion on
        if account_id in self.refused:
            raise ToolFailure("unauthorized", f"account {account_id} is not granted to agent agent-client-a")
        self.vends.append((account_id, scope))
        expiry = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
        allowlist = self.allowlists.get(account_id, LOG_GROUPS) if SCOPES[scope].uses_log_group_allowlist else None
        return {
            "access_key": "ASIAFAKE",
            "secret_key": "fake",
            "token": "fake",
            "expiry_time": expiry,
            "region": "us-east-1",
            "allowed_log_groups": list(allowlist) if allowlist is not None else None,
        }

    def list_accounts(self, *, assertion: str) -> list[dict[str, Any]]:
        assert assertion
        return [{"account_id": a, "alias": None, "auth_type": "iam_role", "region": "us-east-1"} for a in self.granted]


@dataclass
class Harness:
    server: AccountToolsServer
    vendor: FakeVendor
    stubbers: dict[str, Stubber]
    clients: list[tuple[str, str, str]]  # service, account, scope
    callers: Callers

    def call(self, tool: str, arguments: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
        """Call through an in-process MCP client, with the assertion the Gateway interceptor would sign."""
        try:
            named = normalized_account(arguments["target_account_id"]) if "target_account_id" in arguments else None
        except ValueError:
            named = None

        try:  # a many-accounts call's accounts, as the Gateway interceptor puts them in the assertion
            listed = account_ids(arguments["target_account_ids"]) if "target_account_ids" in arguments else None
        except ValueError:
            listed = None

        async def run() -> Any:
            async with Client(self.server) as client:
                meta = self.callers.meta(tool, named, target_account_ids=listed)
                return await client.call_tool(tool, arguments, meta=meta)

        result = anyio.run(run)
        body = result.structured_content or json.loads(result.content[0].text)
        return bool(result.is_error), body


def _harness(monkeypatch: pytest.MonkeyPatch, granted: tuple[str, ...] = (DEFAULT,)) -> Iterator[Harness]:
    vendor = FakeVendor(granted=list(granted))
    callers = Callers()
    settings = RuntimeSettings(vendor_function_name="vendor")
    rt = build_runtime(settings, vendor=vendor, verifier=callers.verifier())  # type: ignore[arg-type]
    stubbers: dict[str, Stubber] = {}
    for service in (
        "ce",
        "cloudtrail",
        "budgets",
        "logs",
        "cloudwatch",
        "savingsplans",
        "cost-optimization-hub",
        "compute-optimizer",
    ):
        aws = boto3.client(service, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
        stubbers[service] = Stubber(aws)
        stubbers[service].activate()
    made: list[tuple[str, str, str]] = []

    def stubbed_client(self: AccountClients, entry: Entry, service: str, region: str | None) -> Any:
        assert entry.lease is not None  # vended for the current caller, as the real method's entry is
        assert entry.key.principal == current_caller.get().principal  # type: ignore[union-attr]
        made.append((service, entry.key.account_id, entry.key.scope))
        return stubbers[service].client

    monkeypatch.setattr(AccountClients, "_client", stubbed_client)
    yield Harness(build_server(rt), vendor, stubbers, made, callers)
    for stubber in stubbers.values():
        stubber.assert_no_pending_responses()


@pytest.fixture
def harness(monkeypatch: pytest.MonkeyPatch) -> Iterator[Harness]:
    yield from _harness(monkeypatch)


# --- one case per tool: arguments (native and stringified), the exact requests, the answer --------------------


@dataclass(frozen=True)
class Case:
    tool: str
    scope: str
    native: dict[str, Any]
    stringified: dict[str, Any]
    calls: list[tuple[str, str, dict[str, Any], dict[str, Any]]]  # service, operation, request, response
    expect: dict[str, Any]  # dotted path in the answer -> value
    name: str = ""  # the test id when one tool has several cases (kinds)

    def __str__(self) -> str:
        return self.name or self.tool


COST_AND_USAGE_EXPECTED = {
    "rows.0": {
        "start": "2026-04-01",
        "end": "2026-04-02",
        "estimated": False,
        "keys": ["AWS Lambda", "team$payments"],
        "metrics": {"UnblendedCost": {"amount": 12.5, "unit": "USD"}, "UsageQuantity": {"amount": 3.0, "unit": "N/A"}},
    },
    "totals.UnblendedCost": {"amount": 20.0, "unit": "USD"},
    "next_token": "page-2",
    "dimension_value_attributes": {"AWS Lambda": {"description": "x"}},
}


def at(answer: Any, path: str) -> Any:
    """The value at a dotted path (list indexes as numbers), e.g. ``rows.0.start``."""
    for part in path.split("."):
        answer = answer[int(part)] if isinstance(answer, list) else answer[part]
    return answer


CE_PERIOD = {"Start": "2026-04-01", "End": "2026-05-01"}
# CloudWatch: a window of the last two hours (periods depend on how far back the window starts).
CW_END = datetime.now(UTC).replace(second=0, microsecond=0)
CW_START = CW_END - timedelta(hours=2)
CW_ALARM_TYPES = ["MetricAlarm", "CompositeAlarm"]


def cw_token(position: dict[str, Any]) -> str:
    """A get_metrics/get_alarms page token: its position inside AWS's own paging."""
    return base64.urlsafe_b64encode(json.dumps(position, separators=(",", ":")).encode()).decode()


def cw_iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


CW_METRICS = [
    {"namespace": "AWS/EC2", "metric_name": "CPUUtilization", "dimensions": {"InstanceId": "i-0abc"},
     "stat": "maximum", "period": 60},
    {"id": "e1", "expression": "m1 * 2", "label": "doubled"},
]  # fmt: skip
CW_ALARM = {
    "AlarmName": "acme-cpu-high", "StateValue": "ALARM", "StateReason": "Threshold Crossed: 3 datapoints > 80",
    "StateUpdatedTimestamp": CW_END, "Namespace": "AWS/EC2", "MetricName": "CPUUtilization",
    "Dimensions": [{"Name": "InstanceId", "Value": "i-0abc"}], "Statistic": "Average", "Period": 300,
    "EvaluationPeriods": 3, "Threshold": 80.0, "ComparisonOperator": "GreaterThanThreshold",
}  # fmt: skip
CASES = [
    Case(
        tool="get_cost_and_usage",
        scope=cost_explorer.SCOPE,
        native={
            "start_date": "2026-04-01",
            "end_date": "2026-05-01",
            "granularity": "DAILY",
            "metrics": ["UnblendedCost", "UsageQuantity"],
            "group_by": [{"Type": "DIMENSION", "Key": "SERVICE"}, {"Type": "TAG", "Key": "team"}],
            "filter": EXPRESSION,
            "next_token": "page-1",
            "target_account_id": ACCOUNT,
        },
        stringified={
            "start_date": "2026-04-01",
            "end_date": "2026-05-01",
            "granularity": "DAILY",
            "metrics": '["UnblendedCost", "UsageQuantity"]',
            "group_by": '[{"Type": "DIMENSION", "Key": "SERVICE"}, {"Type": "TAG", "Key": "team"}]',
            "filter": json.dumps(EXPRESSION),
            "next_token": "page-1",
            "target_account_id": ACCOUNT,
        },
        calls=[
            (
                "ce",
                "get_cost_and_usage",
                {
                    "TimePeriod": CE_PERIOD,
                    "Granularity": "DAILY",
                    "Metrics": ["UnblendedCost", "UsageQuantity"],
                    "GroupBy": [{"Type": "DIMENSION", "Key": "SERVICE"}, {"Type": "TAG", "Key": "team"}],
                    "Filter": EXPRESSION,
                    "NextPageToken": "page-1",
                },
                {
                    "ResultsByTime": [
                        {
                            "TimePeriod": {"Start": "2026-04-01", "End": "2026-04-02"},
                            "Total": {},
                            "Groups": [
                                {
                                    "Keys": ["AWS Lambda", "team$payments"],
                                    "Metrics": {
                                        "UnblendedCost": {"Amount": "12.50", "Unit": "USD"},
                                        "UsageQuantity": {"Amount": "3", "Unit": "N/A"},
                                    },
                                },
                                {
                                    "Keys": ["AWS Lambda", "team$search"],
                                    "Metrics": {
                                        "UnblendedCost": {"Amount": "7.5", "Unit": "USD"},
                                        "UsageQuantity": {"Amount": "1", "Unit": "N/A"},
                                    },
                                },
                            ],
                            "Estimated": False,
                        }
                    ],
                    "DimensionValueAttributes": [{"Value": "AWS Lambda", "Attributes": {"description": "x"}}],
                    "NextPageToken": "page-2",
                },
            )
        ],
        expect=COST_AND_USAGE_EXPECTED,
    ),
    Case(
        tool="get_cost_forecast",
        scope=cost_explorer.SCOPE,
        native={
            "start_date": FUTURE.isoformat(),
            "end_date": FUTURE_END.isoformat(),
            "metric": "AMORTIZED_COST",
            "granularity": "MONTHLY",
            "prediction_interval_level": 90,
            "filter": {"Dimensions": {"Key": "REGION", "Values": ["us-east-1"]}},
            "target_account_id": ACCOUNT,
        },
        stringified={
            "start_date": FUTURE.isoformat(),
            "end_date": FUTURE_END.isoformat(),
            "metric": "AMORTIZED_COST",
            "granularity": "MONTHLY",
            "prediction_interval_level": "90",
            "filter": '{"Dimensions": {"Key": "REGION", "Values": ["us-east-1"]}}',
            "target_account_id": ACCOUNT,
        },
        calls=[
            (
                "ce",
                "get_cost_forecast",
                {
                    "TimePeriod": {"Start": FUTURE.isoformat(), "End": FUTURE_END.isoformat()},
                    "Metric": "AMORTIZED_COST",
                    "Granularity": "MONTHLY",
                    "PredictionIntervalLevel": 90,
                    "Filter": {"Dimensions": {"Key": "REGION", "Values": ["us-east-1"]}},
                },
                {
                    "Total": {"Amount": "4410.00", "Unit": "USD"},
                    "ForecastResultsByTime": [
                        {
                            "TimePeriod": {"Start": FUTURE.isoformat(), "End": FUTURE_END.isoformat()},
                            "MeanValue": "4410.00",
                            "PredictionIntervalLowerBound": "3900.5",
                            "PredictionIntervalUpperBound": "4900",
                        }
                    ],
                },
            )
        ],
        expect={"total": {"amount": 4410.0, "unit": "USD"}, "rows.0.lower_bound": 3900.5},
    ),
    Case(
        tool="get_dimension_values",
        scope=cost_explorer.SCOPE,
        native={
            "dimension": "SERVICE",
            "start_date": "2026-04-01",
            "end_date": "2026-05-01",
            "search_string": "Amazon",
            "context": "COST_AND_USAGE",
            "next_token": "p",
            "target_account_id": ACCOUNT,
        },
        stringified={
            "dimension": "SERVICE",
            "start_date": "2026-04-01",
            "end_date": "2026-05-01",
            "search_string": "Amazon",
            "context": "COST_AND_USAGE",
            "next_token": "p",
            "target_account_id": ACCOUNT,
        },
        calls=[
            (
                "ce",
                "get_dimension_values",
                {
                    "TimePeriod": CE_PERIOD,
                    "Dimension": "SERVICE",
                    "Context": "COST_AND_USAGE",
                    "SearchString": "Amazon",
                    "NextPageToken": "p",
                },
                {
                    "DimensionValues": [{"Value": "Amazon Simple Storage Service", "Attributes": {}}],
                    "ReturnSize": 1,
                    "TotalSize": 1,
                },
            )
        ],
        expect={"values": [{"value": "Amazon Simple Storage Service"}]},
    ),
    Case(
        tool="get_commitments",
        name="get_commitments-savings_plans_coverage",
        scope=commitments.SCOPE,
        native={
            "kind": "savings_plans_coverage",
            "start_date": "2026-04-01",
            "end_date": "2026-05-01",
            "group_by": ["SERVICE", "REGION"],
            "max_results": 10,
            "next_token": "t1",
            "target_account_id": ACCOUNT,
        },
        stringified={
            "kind": "savings_plans_coverage",
            "start_date": "2026-04-01",
            "end_date": "2026-05-01",
            "group_by": '["SERVICE", "REGION"]',
            "max_results": "10",
            "next_token": "t1",
            "target_account_id": ACCOUNT,
        },
        calls=[
            (
                "ce",
                "get_savings_plans_coverage",
                {
                    "TimePeriod": CE_PERIOD,
                    "GroupBy": [{"Type": "DIMENSION", "Key": "SERVICE"}, {"Type": "DIMENSION", "Key": "REGION"}],
                    "MaxResults": 10,
                    "NextToken": "t1",
                },
                {
                    "SavingsPlansCoverages": [
                        {
                            "Attributes": {"SERVICE": "AWS Lambda", "REGION": "us-east-1"},
                            "Coverage": {
                                "SpendCoveredBySavingsPlans": "9.60",
                                "OnDemandCost": "2.10",
                                "TotalCost": "11.70",
                                "CoveragePercentage": "82.05",
                            },
                            "TimePeriod": {"Start": "2026-04-01", "End": "2026-04-02"},
                        }
                    ],
                    "NextToken": "t2",
                },
            )
        ],
        expect={"rows.0.coverage_percentage": 82.05, "next_token": "t2"},
    ),
    Case(
        tool="get_commitments",
        name="get_commitments-savings_plans_utilization",
        scope=commitments.SCOPE,
        native={
            "kind": "savings_plans_utilization",
            "start_date": "2026-04-01",
            "end_date": "2026-05-01",
            "granularity": "MONTHLY",
            "filter": {"Dimensions": {"Key": "SAVINGS_PLANS_TYPE", "Values": ["COMPUTE_SP"]}},
            "target_account_id": ACCOUNT,
        },
        stringified={
            "kind": "savings_plans_utilization",
            "start_date": "2026-04-01",
            "end_date": "2026-05-01",
            "granularity": "MONTHLY",
            "filter": '{"Dimensions": {"Key": "SAVINGS_PLANS_TYPE", "Values": ["COMPUTE_SP"]}}',
            "target_account_id": ACCOUNT,
        },
        calls=[
            (
                "ce",
                "get_savings_plans_utilization",
                {
                    "TimePeriod": CE_PERIOD,
                    "Granularity": "MONTHLY",
                    "Filter": {"Dimensions": {"Key": "SAVINGS_PLANS_TYPE", "Values": ["COMPUTE_SP"]}},
                },
                {
                    "SavingsPlansUtilizationsByTime": [
                        {
                            "TimePeriod": CE_PERIOD,
                            "Utilization": {
                                "TotalCommitment": "2304.00",
                                "UsedCommitment": "2154.24",
                                "UnusedCommitment": "149.76",
                                "UtilizationPercentage": "93.50",
                            },
                            "Savings": {"NetSavings": "600", "OnDemandCostEquivalent": "2950.99"},
                        }
                    ],
                    "Total": {
                        "Utilization": {
                            "TotalCommitment": "2304.00",
                            "UsedCommitment": "2154.24",
                            "UnusedCommitment": "149.76",
                            "UtilizationPercentage": "93.50",
                        }
                    },
                },
            )
        ],
        expect={"total.utilization_percentage": 93.5, "rows.0.net_savings": 600.0, "rows.0.start": "2026-04-01"},
    ),
    Case(
        tool="get_commitments",
        name="get_commitments-reservation_coverage",
        scope=commitments.SCOPE,
        native={
            "kind": "reservation_coverage",
            "start_date": "2026-04-01",
            "end_date": "2026-05-01",
            "group_by": ["INSTANCE_TYPE"],
            "target_account_id": ACCOUNT,
        },
        stringified={
            "kind": "reservation_coverage",
            "start_date": "2026-04-01",
            "end_date": "2026-05-01",
            "group_by": '["INSTANCE_TYPE"]',
            "target_account_id": ACCOUNT,
        },
        calls=[
            (
                "ce",
                "get_reservation_coverage",
                {
                    "TimePeriod": CE_PERIOD,
                    "GroupBy": [{"Type": "DIMENSION", "Key": "INSTANCE_TYPE"}],
                },
                {
                    "CoveragesByTime": [
                        {
                            "TimePeriod": CE_PERIOD,
                            "Groups": [
                                {
                                    "Attributes": {"INSTANCE_TYPE": "db.r6g.large"},
                                    "Coverage": {"CoverageHours": {"CoverageHoursPercentage": "75.5"}},
                                }
                            ],
                            "Total": {"CoverageHours": {"CoverageHoursPercentage": "75.5"}},
                        }
                    ],
                    "Total": {"CoverageHours": {"CoverageHoursPercentage": "75.5", "ReservedHours": "1260"}},
                },
            )
        ],
        expect={
            "rows.0.groups": [{"attributes": {"INSTANCE_TYPE": "db.r6g.large"}, "coverage_hours_percentage": 75.5}],
            "total.reserved_hours": 1260.0,
        },
    ),
    Case(
        tool="get_commitments",
        name="get_commitments-reservation_utilization",
        scope=commitments.SCOPE,
        native={
            "kind": "reservation_utilization",
            "start_date": "2026-04-01",
            "end_date": "2026-05-01",
            "group_by": ["SUBSCRIPTION_ID"],
            "next_token": "n",
            "target_account_id": ACCOUNT,
        },
        stringified={
            "kind": "reservation_utilization",
            "start_date": "2026-04-01",
            "end_date": "2026-05-01",
            "group_by": '["SUBSCRIPTION_ID"]',
            "next_token": "n",
            "target_account_id": ACCOUNT,
        },
        calls=[
            (
                "ce",
                "get_reservation_utilization",
                {
                    "TimePeriod": CE_PERIOD,
                    "GroupBy": [{"Type": "DIMENSION", "Key": "SUBSCRIPTION_ID"}],
                    "NextPageToken": "n",
                },
                {
                    "UtilizationsByTime": [
                        {
                            "TimePeriod": CE_PERIOD,
                            "Groups": [
                                {
                                    "Key": "SUBSCRIPTION_ID",
                                    "Value": "sub-1",
                                    "Attributes": {"accountName": "acme-prod"},
                                    "Utilization": {"UtilizationPercentage": "87.5", "NetRISavings": "12"},
                                }
                            ],
                            "Total": {"UtilizationPercentage": "87.5"},
                        }
                    ],
                    "Total": {"UtilizationPercentage": "87.5"},
                },
            )
        ],
        expect={
            "rows.0.groups.0": {
                "subscription_id": "sub-1",
                "attributes": {"accountName": "acme-prod"},
                "utilization_percentage": 87.5,
                "net_ri_savings": 12.0,
            }
        },
    ),
    Case(
        tool="lookup_events",
        scope=cloudtrail.SCOPE,
        native={
            "attribute_key": "EventName",
            "attribute_value": "ConsoleLogin",
            "start_time": "2026-05-01T00:00:00Z",
            "end_time": "2026-05-02T12:00:00+00:00",
            "max_results": 5,
            "next_token": "nt",
            "include_raw_event": False,
            "target_account_id": ACCOUNT,
        },
        stringified={
            "attribute_key": "EventName",
            "attribute_value": "ConsoleLogin",
            "start_time": "2026-05-01T00:00:00Z",
            "end_time": "2026-05-02T12:00:00+00:00",
            "max_results": "5",
            "next_token": "nt",
            "include_raw_event": "false",
            "target_account_id": ACCOUNT,
        },
        calls=[
            (
                "cloudtrail",
                "lookup_events",
                {
                    "LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": "ConsoleLogin"}],
                    "StartTime": datetime(2026, 5, 1, tzinfo=UTC),
                    "EndTime": datetime(2026, 5, 2, 12, tzinfo=UTC),
                    "MaxResults": 5,
                    "NextToken": "nt",
                },
                {
                    "Events": [
                        {
                            "EventId": "e1",
                            "EventName": "ConsoleLogin",
                            "ReadOnly": "false",
                            "EventTime": datetime(2026, 5, 1, 9, tzinfo=UTC),
                            "EventSource": "signin.amazonaws.com",
                            "Username": "acme-prod-admin",
                            "Resources": [],
                            "CloudTrailEvent": json.dumps(
                                {
                                    "userIdentity": {"arn": "arn:aws:iam::222222222222:user/acme-prod-admin"},
                                    "sourceIPAddress": "198.51.100.10",
                                    "awsRegion": "us-east-1",
                                }
                            ),
                        }
                    ],
                    "NextToken": "nt2",
                },
            )
        ],
        expect={
            "events.0.principal_arn": "arn:aws:iam::222222222222:user/acme-prod-admin",
            "events.0.event_time": "2026-05-01T09:00:00+00:00",
            "events.0.source_ip_address": "198.51.100.10",
            "next_token": "nt2",
        },
    ),
    Case(
        tool="list_event_data_stores",
        scope=cloudtrail_lake.SCOPE,
        native={"max_results": 50, "next_token": "page-x", "target_account_id": ACCOUNT},
        stringified={"max_results": "50", "next_token": "page-x", "target_account_id": ACCOUNT},
        calls=[
            (
                "cloudtrail",
                "list_event_data_stores",
                {"MaxResults": 50, "NextToken": "page-x"},
                {"EventDataStores": [{"EventDataStoreArn": STORE_ARN, "Name": "acme-prod-audit-lake"}]},
            )
        ],
        expect={
            "event_data_stores.0.event_data_store_id": STORE_ID,
            "event_data_stores.0.name": "acme-prod-audit-lake",
        },
    ),
    Case(
        tool="lake_query",
        scope=cloudtrail_lake.SCOPE,
        native={
            "query_statement": LAKE_SQL,
            "wait_seconds": 5,
            "max_results": 10,
            "target_account_id": ACCOUNT,
        },
        stringified={
            "query_statement": LAKE_SQL,
            "wait_seconds": "5",
            "max_results": "10",
            "target_account_id": ACCOUNT,
        },
        calls=[
            ("cloudtrail", "list_event_data_stores", {}, {"EventDataStores": [{"EventDataStoreArn": STORE_ARN}]}),
            (
                "cloudtrail",
                "start_query",
                {"QueryStatement": LAKE_SQL},
                {"QueryId": QUERY_ID},
            ),
            ("cloudtrail", "describe_query", {"QueryId": QUERY_ID}, {"QueryId": QUERY_ID, "QueryStatus": "FINISHED"}),
            (
                "cloudtrail",
                "get_query_results",
                {"QueryId": QUERY_ID, "MaxQueryResults": 10},
                {
                    "QueryStatus": "FINISHED",
                    "QueryResultRows": [[{"eventName": "ConsoleLogin"}, {"eventTime": "2026-05-01 09:00:00.000"}]],
                    "QueryStatistics": {"ResultsCount": 1, "TotalResultsCount": 1, "BytesScanned": 100},
                },
            ),
        ],
        expect={
            "rows": [{"eventName": "ConsoleLogin", "eventTime": "2026-05-01 09:00:00.000"}],
            "status": "FINISHED",
            "statistics.results_count": 1,
        },
    ),
    Case(
        tool="get_query_results",
        scope=cloudtrail_lake.SCOPE,
        native={"query_id": QUERY_ID, "max_results": 2, "next_token": "page-r2", "target_account_id": ACCOUNT},
        stringified={"query_id": QUERY_ID, "max_results": "2", "next_token": "page-r2", "target_account_id": ACCOUNT},
        calls=[
            (
                "cloudtrail",
                "get_query_results",
                {"QueryId": QUERY_ID, "MaxQueryResults": 2, "NextToken": "page-r2"},
                {
                    "QueryStatus": "FINISHED",
                    "QueryResultRows": [[{"eventName": "RunInstances"}]],
                    "NextToken": "page-r3",
                },
            )
        ],
        expect={"rows": [{"eventName": "RunInstances"}], "next_token": "page-r3"},
    ),
]


# --- anomalies, comparisons and recommendations (tools/cost_insights.py) ---------------------------------------


def _months_ago(n: int) -> str:
    """``YYYY-MM`` of the month ``n`` months before the current one (comparisons need recent whole months)."""
    index = _TODAY_MONTHS - n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _month_period(month: str) -> dict[str, str]:
    first = datetime.fromisoformat(f"{month}-01").date()
    following = (first + timedelta(days=32)).replace(day=1)
    return {"Start": first.isoformat(), "End": following.isoformat()}


_NOW = datetime.now(UTC).date()
_TODAY_MONTHS = _NOW.year * 12 + _NOW.month - 1
BASELINE, COMPARED = _months_ago(2), _months_ago(1)
ANOMALY_START = (_NOW - timedelta(days=20)).isoformat()
ANOMALY_END = (_NOW - timedelta(days=1)).isoformat()
MONITOR_ARN = f"arn:aws:ce::{ACCOUNT}:anomalymonitor/5b6c7d8e-0000-4000-8000-000000000001"
SERVICE_SELECTOR = {"Dimensions": {"Key": "SERVICE", "Values": ["Amazon Elastic Compute Cloud - Compute"]}}
CHANGE = {"BaselineTimePeriodAmount": "1000.0", "ComparisonTimePeriodAmount": "1450.5", "Difference": "450.5",
          "Unit": "USD"}  # fmt: skip
CHANGED = {"baseline": 1000.0, "comparison": 1450.5, "difference": 450.5, "unit": "USD"}
ANOMALY = {
    "AnomalyId": "anomaly-1",
    "AnomalyStartDate": ANOMALY_START,
    "AnomalyEndDate": ANOMALY_END,
    "DimensionValue": "Amazon Elastic Compute Cloud - Compute",
    "RootCauses": [
        {"Service": "Amazon Elastic Compute Cloud - Compute", "Region": "us-east-1", "LinkedAccount": ACCOUNT,
         "UsageType": "BoxUsage:m6i.2xlarge", "Impact": {"Contribution": 412.0}}
    ],
    "AnomalyScore": {"MaxScore": 0.91, "CurrentScore": 0.74},
    "Impact": {"MaxImpact": 61.2, "TotalImpact": 412.0, "TotalActualSpend": 1450.5, "TotalExpectedSpend": 1038.5,
               "TotalImpactPercentage": 39.7},
    "MonitorArn": MONITOR_ARN,
    "Feedback": "NO",
}  # fmt: skip
CASES += [
    Case(
        tool="get_anomalies",
        scope=cost_insights.ANOMALIES_SCOPE,
        native={"start_date": ANOMALY_START, "end_date": ANOMALY_END, "min_impact": 100, "monitor_arn": MONITOR_ARN,
                "max_results": 5, "next_token": "page-a1", "target_account_id": ACCOUNT},
        stringified={"start_date": ANOMALY_START, "end_date": ANOMALY_END, "min_impact": "100",
                     "monitor_arn": MONITOR_ARN, "max_results": "5", "next_token": "page-a1",
                     "target_account_id": ACCOUNT},
        calls=[
            (
                "ce",
                "get_anomalies",
                {
                    "DateInterval": {"StartDate": ANOMALY_START, "EndDate": ANOMALY_END},
                    "MonitorArn": MONITOR_ARN,
                    "TotalImpact": {"NumericOperator": "GREATER_THAN_OR_EQUAL", "StartValue": 100.0},
                    "MaxResults": 5,
                    "NextPageToken": "page-a1",
                },
                {"Anomalies": [ANOMALY], "NextPageToken": "page-a2"},
            )
        ],
        expect={
            "kind": "anomalies",
            "anomalies.0.anomaly_id": "anomaly-1",
            "anomalies.0.total_impact": 412.0,
            "anomalies.0.root_causes.0": {"service": "Amazon Elastic Compute Cloud - Compute", "region": "us-east-1",
                                          "linked_account": ACCOUNT, "usage_type": "BoxUsage:m6i.2xlarge",
                                          "contribution": 412.0},
            "next_token": "page-a2",
        },
    ),
    Case(
        tool="compare_costs",
        scope=cost_insights.COMPARISONS_SCOPE,
        native={"baseline_month": BASELINE, "comparison_month": COMPARED, "kind": "drivers",
                "metric": "AmortizedCost", "group_by": "SERVICE",
                "filter": SERVICE_SELECTOR, "max_results": 3, "next_token": "page-c1", "target_account_id": ACCOUNT},
        stringified={"baseline_month": BASELINE, "comparison_month": COMPARED, "kind": "drivers",
                     "metric": "AmortizedCost", "group_by": "SERVICE",
                     "filter": json.dumps(SERVICE_SELECTOR), "max_results": "3", "next_token": "page-c1",
                     "target_account_id": ACCOUNT},
        calls=[
            (
                "ce",
                "get_cost_comparison_drivers",
                {
                    "BaselineTimePeriod": _month_period(BASELINE),
                    "ComparisonTimePeriod": _month_period(COMPARED),
                    "MetricForComparison": "AmortizedCost",
                    "GroupBy": [{"Type": "DIMENSION", "Key": "SERVICE"}],
                    "Filter": SERVICE_SELECTOR,
                    "MaxResults": 3,
                    "NextPageToken": "page-c1",
                },
                {
                    "CostComparisonDrivers": [
                        {
                            "CostSelector": SERVICE_SELECTOR,
                            "Metrics": {"AmortizedCost": CHANGE},
                            "CostDrivers": [
                                {"Type": "USAGE_CHANGE", "Name": "BoxUsage:m6i.2xlarge",
                                 "Metrics": {"AmortizedCost": CHANGE}}
                            ],
                        }
                    ],
                    "NextPageToken": "page-c2",
                },
            )
        ],
        expect={
            "kind": "drivers",
            "baseline": {"start": _month_period(BASELINE)["Start"], "end": _month_period(BASELINE)["End"]},
            "rows.0.selector": SERVICE_SELECTOR,
            "rows.0.metrics": {"AmortizedCost": CHANGED},
            "rows.0.drivers.0": {"type": "USAGE_CHANGE", "name": "BoxUsage:m6i.2xlarge",
                                 "metrics": {"AmortizedCost": CHANGED}},
            "next_token": "page-c2",
        },
    ),
    Case(
        tool="get_recommendations",
        scope=cost_insights.RECOMMENDATIONS_SCOPE,
        native={"savings_plans_type": "EC2_INSTANCE_SP", "term": "THREE_YEARS", "payment_option": "ALL_UPFRONT",
                "lookback": "SIXTY_DAYS", "max_results": 5, "next_token": "page-r1", "target_account_id": ACCOUNT},
        stringified={"savings_plans_type": "EC2_INSTANCE_SP", "term": "THREE_YEARS", "payment_option": "ALL_UPFRONT",
                     "lookback": "SIXTY_DAYS", "max_results": "5", "next_token": "page-r1",
                     "target_account_id": ACCOUNT},
        calls=[
            (
                "ce",
                "get_savings_plans_purchase_recommendation",
                {
                    "SavingsPlansType": "EC2_INSTANCE_SP",
                    "TermInYears": "THREE_YEARS",
                    "PaymentOption": "ALL_UPFRONT",
                    "LookbackPeriodInDays": "SIXTY_DAYS",
                    "AccountScope": "LINKED",
                    "PageSize": 5,
                    "NextPageToken": "page-r1",
                },
                {
                    "Metadata": {"RecommendationId": "rec-1"},
                    "SavingsPlansPurchaseRecommendation": {
                        "SavingsPlansPurchaseRecommendationDetails": [
                            {
                                "SavingsPlansDetails": {"Region": "us-east-1", "InstanceFamily": "m6i"},
                                "AccountId": ACCOUNT,
                                "CurrencyCode": "USD",
                                "HourlyCommitmentToPurchase": "0.85",
                                "EstimatedMonthlySavingsAmount": "212.40",
                                "EstimatedSavingsPercentage": "31.5",
                            }
                        ],
                        "SavingsPlansPurchaseRecommendationSummary": {"HourlyCommitmentToPurchase": "0.85",
                                                                       "CurrencyCode": "USD"},
                    },
                    "NextPageToken": "page-r2",
                },
            )
        ],
        expect={
            "recommendation_id": "rec-1",
            "parameters.term": "THREE_YEARS",
            "recommendations.0": {"region": "us-east-1", "instance_family": "m6i", "account_id": ACCOUNT,
                                  "currency_code": "USD", "hourly_commitment_to_purchase": 0.85,
                                  "estimated_monthly_savings_amount": 212.4, "estimated_savings_percentage": 31.5},
            "summary": {"hourly_commitment_to_purchase": 0.85, "currency_code": "USD"},
            "next_token": "page-r2",
        },
    ),
    Case(
        tool="get_recommendations",
        name="get_recommendations-reservations",
        scope=cost_insights.RI_RECOMMENDATIONS_SCOPE,
        native={"kind": "reservations", "service": "Amazon Relational Database Service", "term": "THREE_YEARS",
                "max_results": 5, "target_account_id": ACCOUNT},
        stringified={"kind": "reservations", "service": "Amazon Relational Database Service", "term": "THREE_YEARS",
                     "max_results": "5", "target_account_id": ACCOUNT},
        calls=[
            (
                "ce",
                "get_reservation_purchase_recommendation",
                {
                    "Service": "Amazon Relational Database Service",
                    "TermInYears": "THREE_YEARS",
                    "PaymentOption": "NO_UPFRONT",
                    "LookbackPeriodInDays": "THIRTY_DAYS",
                    "AccountScope": "LINKED",
                    "PageSize": 5,
                },
                {
                    "Metadata": {"RecommendationId": "ri-1"},
                    "Recommendations": [
                        {
                            "RecommendationDetails": [
                                {
                                    "AccountId": ACCOUNT,
                                    "InstanceDetails": {"RDSInstanceDetails": {
                                        "Family": "r6g", "InstanceType": "db.r6g.large", "Region": "us-east-1",
                                        "DatabaseEngine": "PostgreSQL", "CurrentGeneration": True}},
                                    "RecommendedNumberOfInstancesToPurchase": "2",
                                    "EstimatedMonthlySavingsAmount": "120.5",
                                    "CurrencyCode": "USD",
                                }
                            ],
                            "RecommendationSummary": {"TotalEstimatedMonthlySavingsAmount": "120.5",
                                                      "CurrencyCode": "USD"},
                        }
                    ],
                },
            )
        ],
        expect={
            "kind": "reservations",
            "recommendation_id": "ri-1",
            "parameters": {"service": "Amazon Relational Database Service", "term": "THREE_YEARS",
                           "payment_option": "NO_UPFRONT", "lookback": "THIRTY_DAYS"},
            "recommendations.0": {"account_id": ACCOUNT, "family": "r6g", "instance_type": "db.r6g.large",
                                  "region": "us-east-1", "database_engine": "PostgreSQL", "current_generation": "True",
                                  "recommended_number_of_instances_to_purchase": 2.0,
                                  "estimated_monthly_savings_amount": 120.5, "currency_code": "USD"},
            "summary": {"total_estimated_monthly_savings_amount": 120.5, "currency_code": "USD"},
        },
    ),
    Case(
        tool="get_recommendations",
        name="get_recommendations-rightsizing",
        scope=cost_insights.RIGHTSIZING_SCOPE,
        native={"kind": "rightsizing", "service": "AmazonEC2", "max_results": 2, "next_token": "rs-1",
                "target_account_id": ACCOUNT},
        stringified={"kind": "rightsizing", "service": "AmazonEC2", "max_results": "2", "next_token": "rs-1",
                     "target_account_id": ACCOUNT},
        calls=[
            (
                "ce",
                "get_rightsizing_recommendation",
                {"Service": "AmazonEC2", "PageSize": 2, "NextPageToken": "rs-1"},
                {
                    "Summary": {"TotalRecommendationCount": "2", "EstimatedTotalMonthlySavingsAmount": "95.0",
                                "SavingsCurrencyCode": "USD"},
                    "RightsizingRecommendations": [
                        {
                            "AccountId": ACCOUNT,
                            "CurrentInstance": {
                                "ResourceId": "i-0abc", "InstanceName": "batch-1", "MonthlyCost": "140.0",
                                "CurrencyCode": "USD",
                                "ResourceDetails": {"EC2ResourceDetails": {"InstanceType": "m6i.2xlarge",
                                                                           "Region": "US East (N. Virginia)"}},
                                "ResourceUtilization": {"EC2ResourceUtilization": {
                                    "MaxCpuUtilizationPercentage": "12.5"}},
                            },
                            "RightsizingType": "MODIFY",
                            "ModifyRecommendationDetail": {"TargetInstances": [
                                {"EstimatedMonthlyCost": "70.0", "EstimatedMonthlySavings": "70.0",
                                 "DefaultTargetInstance": True,
                                 "ResourceDetails": {"EC2ResourceDetails": {"InstanceType": "m6i.xlarge"}}}]},
                            "FindingReasonCodes": ["CPU_OVER_PROVISIONED"],
                        },
                        {
                            "AccountId": ACCOUNT,
                            "CurrentInstance": {"ResourceId": "i-0def", "MonthlyCost": "25.0"},
                            "RightsizingType": "TERMINATE",
                            "TerminateRecommendationDetail": {"EstimatedMonthlySavings": "25.0",
                                                              "CurrencyCode": "USD"},
                        },
                    ],
                    "NextPageToken": "rs-2",
                },
            )
        ],
        expect={
            "parameters": {"service": "AmazonEC2"},
            "recommendations.0": {"account_id": ACCOUNT, "resource_id": "i-0abc", "instance_name": "batch-1",
                                  "rightsizing_type": "MODIFY", "instance_type": "m6i.2xlarge",
                                  "region": "US East (N. Virginia)", "currency_code": "USD", "monthly_cost": 140.0,
                                  "max_cpu_utilization_percentage": 12.5,
                                  "finding_reason_codes": "CPU_OVER_PROVISIONED",
                                  "target_instance_type": "m6i.xlarge", "estimated_monthly_savings": 70.0,
                                  "estimated_monthly_cost": 70.0},
            "recommendations.1.rightsizing_type": "TERMINATE",
            "recommendations.1.estimated_monthly_savings": 25.0,
            "summary": {"total_recommendation_count": 2.0, "estimated_total_monthly_savings_amount": 95.0,
                        "savings_currency_code": "USD"},
            "next_token": "rs-2",
        },
    ),
    # Cost Optimization Hub: always filtered on the target account (a management account would answer its members')
    Case(
        tool="get_recommendations",
        name="get_recommendations-cost_optimization_hub",
        scope="cost_optimization_hub",
        native={"kind": "cost_optimization_hub", "resource_type": "ec2_instance", "action_type": "Rightsize",
                "region": "us-east-1", "max_results": 2, "next_token": "h-1", "target_account_id": ACCOUNT},
        stringified={"kind": "cost_optimization_hub", "resource_type": "ec2_instance", "action_type": "Rightsize",
                     "region": "us-east-1", "max_results": "2", "next_token": "h-1", "target_account_id": ACCOUNT},
        calls=[
            (
                "cost-optimization-hub",
                "list_recommendations",
                {"filter": {"accountIds": [ACCOUNT], "resourceTypes": ["Ec2Instance"], "actionTypes": ["Rightsize"],
                            "regions": ["us-east-1"]}, "maxResults": 2, "nextToken": "h-1"},
                {
                    "items": [{
                        "recommendationId": "rec-1", "accountId": ACCOUNT, "region": "us-east-1",
                        "resourceId": "i-0abc", "resourceArn": f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-0abc",
                        "currentResourceType": "Ec2Instance", "recommendedResourceType": "Ec2Instance",
                        "estimatedMonthlySavings": 138.7, "estimatedSavingsPercentage": 50.0,
                        "estimatedMonthlyCost": 138.7, "currencyCode": "USD", "implementationEffort": "Medium",
                        "restartNeeded": True, "actionType": "Rightsize", "rollbackPossible": True,
                        "currentResourceSummary": "m6i.2xlarge", "recommendedResourceSummary": "m6i.xlarge",
                        "lastRefreshTimestamp": datetime(2026, 5, 1, tzinfo=UTC), "source": "ComputeOptimizer",
                    }],
                    "nextToken": "h-2",
                },
            )
        ],
        expect={
            "kind": "cost_optimization_hub",
            "parameters": {"resource_type": "ec2_instance", "action_type": "Rightsize", "region": "us-east-1"},
            "recommendations.0": {"recommendation_id": "rec-1", "resource_id": "i-0abc",
                                  "resource_arn": f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-0abc",
                                  "region": "us-east-1", "action_type": "Rightsize", "resource_type": "Ec2Instance",
                                  "current": "m6i.2xlarge", "recommended": "m6i.xlarge",
                                  "estimated_monthly_savings": 138.7, "estimated_monthly_cost": 138.7,
                                  "savings_percentage": 50.0, "currency_code": "USD",
                                  "implementation_effort": "Medium", "restart_needed": "True",
                                  "rollback_possible": "True", "source": "ComputeOptimizer"},
            "next_token": "h-2",
        },
    ),
    Case(
        tool="get_recommendations",
        name="get_recommendations-cost_optimization_hub-details",
        scope="cost_optimization_hub",
        native={"kind": "cost_optimization_hub", "recommendation_id": "rec-2", "target_account_id": ACCOUNT},
        stringified={"kind": "cost_optimization_hub", "recommendation_id": "rec-2", "target_account_id": ACCOUNT},
        calls=[
            (
                "cost-optimization-hub",
                "get_recommendation",
                {"recommendationId": "rec-2"},
                {
                    "recommendationId": "rec-2", "accountId": ACCOUNT, "resourceId": "vol-0abc",
                    "currentResourceType": "EbsVolume", "recommendedResourceType": "EbsVolume",
                    "actionType": "Upgrade", "estimatedMonthlySavings": 20.0, "currencyCode": "USD",
                    "costCalculationLookbackPeriodInDays": 14,
                    "currentResourceDetails": {"ebsVolume": {"configuration": {
                        "storage": {"type": "gp2", "sizeInGb": 1000.0}, "attachmentState": "attached"}}},
                    "recommendedResourceDetails": {"ebsVolume": {"configuration": {
                        "storage": {"type": "gp3", "sizeInGb": 1000.0}}}},
                },
            )
        ],
        expect={
            "recommendation_id": "rec-2",
            "parameters": {"recommendation_id": "rec-2"},
            "recommendations": [{"recommendation_id": "rec-2", "resource_id": "vol-0abc", "resource_type": "EbsVolume",
                                 "action_type": "Upgrade", "estimated_monthly_savings": 20.0, "currency_code": "USD",
                                 "current_type": "gp2", "current_size_in_gb": 1000.0,
                                 "current_attachment_state": "attached", "recommended_type": "gp3",
                                 "recommended_size_in_gb": 1000.0}],
        },
    ),
    # Compute Optimizer: one operation per resource type; accountIds omitted (the target account's own)
    Case(
        tool="get_recommendations",
        name="get_recommendations-compute_optimizer-ec2_instance",
        scope="compute_optimizer_ec2_instance",
        native={"kind": "compute_optimizer", "finding": "Overprovisioned", "region": "eu-west-1", "max_results": 2,
                "next_token": "c-1", "target_account_id": ACCOUNT},
        stringified={"kind": "compute_optimizer", "finding": "Overprovisioned", "region": "eu-west-1",
                     "max_results": "2", "next_token": "c-1", "target_account_id": ACCOUNT},
        calls=[
            (
                "compute-optimizer",
                "get_ec2_instance_recommendations",
                {"maxResults": 2, "filters": [{"name": "Finding", "values": ["Overprovisioned"]}], "nextToken": "c-1"},
                {
                    "instanceRecommendations": [{
                        "instanceArn": f"arn:aws:ec2:eu-west-1:{ACCOUNT}:instance/i-0abc", "accountId": ACCOUNT,
                        "instanceName": "batch-1", "currentInstanceType": "m6i.2xlarge", "finding": "Overprovisioned",
                        "findingReasonCodes": ["CPUOverprovisioned", "MemoryOverprovisioned"],
                        "recommendationOptions": [
                            {"instanceType": "m6i.large", "rank": 2, "savingsOpportunity": {
                                "savingsOpportunityPercentage": 75.0,
                                "estimatedMonthlySavings": {"currency": "USD", "value": 208.0}}},
                            {"instanceType": "m6i.xlarge", "rank": 1, "savingsOpportunity": {
                                "savingsOpportunityPercentage": 50.0,
                                "estimatedMonthlySavings": {"currency": "USD", "value": 138.7}}},
                        ],
                    }],
                    "nextToken": "c-2",
                },
            )
        ],
        expect={
            "kind": "compute_optimizer",
            "parameters": {"resource_type": "ec2_instance", "finding": "Overprovisioned", "region": "eu-west-1"},
            "recommendations": [{"resource_arn": f"arn:aws:ec2:eu-west-1:{ACCOUNT}:instance/i-0abc",
                                 "name": "batch-1", "finding": "Overprovisioned",
                                 "finding_reason_codes": "CPUOverprovisioned, MemoryOverprovisioned",
                                 "current": "m6i.2xlarge", "recommended": "m6i.xlarge",
                                 "estimated_monthly_savings": 138.7, "currency_code": "USD",
                                 "savings_percentage": 50.0}],
            "next_token": "c-2",
        },
    ),
    Case(
        tool="get_recommendations",
        name="get_recommendations-compute_optimizer-auto_scaling_group",
        scope="compute_optimizer_auto_scaling_group",
        native={"kind": "compute_optimizer", "resource_type": "auto_scaling_group", "finding": "NotOptimized",
                "target_account_id": ACCOUNT},
        stringified={"kind": "compute_optimizer", "resource_type": "auto_scaling_group", "finding": "NotOptimized",
                     "target_account_id": ACCOUNT},
        calls=[
            (
                "compute-optimizer",
                "get_auto_scaling_group_recommendations",
                {"maxResults": 20, "filters": [{"name": "Finding", "values": ["NotOptimized"]}]},
                {"autoScalingGroupRecommendations": [{
                    "autoScalingGroupArn": "arn:asg", "autoScalingGroupName": "workers", "finding": "NotOptimized",
                    "currentConfiguration": {"instanceType": "m6i.xlarge", "desiredCapacity": 4},
                    "recommendationOptions": [{"configuration": {"instanceType": "m6i.large"}, "rank": 1,
                                               "savingsOpportunity": {"estimatedMonthlySavings": {
                                                   "currency": "USD", "value": 211.4}}}],
                }]},
            )
        ],
        expect={"recommendations": [{"resource_arn": "arn:asg", "name": "workers", "finding": "NotOptimized",
                                     "current": "m6i.xlarge", "recommended": "m6i.large",
                                     "estimated_monthly_savings": 211.4, "currency_code": "USD"}]},
    ),
    Case(
        tool="get_recommendations",
        name="get_recommendations-compute_optimizer-ebs_volume",
        scope="compute_optimizer_ebs_volume",
        native={"kind": "compute_optimizer", "resource_type": "ebs_volume", "max_results": 5,
                "target_account_id": ACCOUNT},
        stringified={"kind": "compute_optimizer", "resource_type": "ebs_volume", "max_results": "5",
                     "target_account_id": ACCOUNT},
        calls=[
            (
                "compute-optimizer",
                "get_ebs_volume_recommendations",
                {"maxResults": 5},
                {"volumeRecommendations": [{
                    "volumeArn": "arn:vol", "finding": "NotOptimized",
                    "currentConfiguration": {"volumeType": "gp2", "volumeSize": 1000},
                    "volumeRecommendationOptions": [{"configuration": {"volumeType": "gp3", "volumeSize": 1000},
                                                     "rank": 1, "savingsOpportunity": {"estimatedMonthlySavings": {
                                                         "currency": "USD", "value": 20.0}}}],
                }]},
            )
        ],
        expect={"recommendations": [{"resource_arn": "arn:vol", "finding": "NotOptimized", "current": "gp2 1000 GiB",
                                     "recommended": "gp3 1000 GiB", "estimated_monthly_savings": 20.0,
                                     "currency_code": "USD"}]},
    ),
    Case(
        tool="get_recommendations",
        name="get_recommendations-compute_optimizer-lambda_function",
        scope="compute_optimizer_lambda_function",
        native={"kind": "compute_optimizer", "resource_type": "lambda_function", "finding": "Unavailable",
                "target_account_id": ACCOUNT},
        stringified={"kind": "compute_optimizer", "resource_type": "lambda_function", "finding": "Unavailable",
                     "target_account_id": ACCOUNT},
        calls=[
            (
                "compute-optimizer",
                "get_lambda_function_recommendations",
                {"maxResults": 20, "filters": [{"name": "Finding", "values": ["Unavailable"]}]},
                {"lambdaFunctionRecommendations": [{
                    "functionArn": "arn:fn:$LATEST", "functionVersion": "$LATEST", "finding": "NotOptimized",
                    "findingReasonCodes": ["MemoryOverprovisioned"], "currentMemorySize": 3008,
                    "memorySizeRecommendationOptions": [{"rank": 1, "memorySize": 1024, "savingsOpportunity": {
                        "estimatedMonthlySavings": {"currency": "USD", "value": 42.3}}}],
                }]},
            )
        ],
        expect={"recommendations": [{"resource_arn": "arn:fn:$LATEST", "finding": "NotOptimized",
                                     "finding_reason_codes": "MemoryOverprovisioned", "current": "3008 MB",
                                     "recommended": "1024 MB", "estimated_monthly_savings": 42.3,
                                     "currency_code": "USD"}]},
    ),
    Case(
        tool="get_budgets",
        name="get_budgets-budgets",
        scope=budgets.SCOPE,
        native={"max_results": 2, "next_token": "b-1", "target_account_id": ACCOUNT},
        stringified={"max_results": "2", "next_token": "b-1", "target_account_id": ACCOUNT},
        calls=[
            (
                "budgets",
                "describe_budgets",
                {"AccountId": ACCOUNT, "MaxResults": 2, "NextToken": "b-1"},
                {
                    "Budgets": [
                        {
                            "BudgetName": "monthly-total",
                            "BudgetLimit": {"Amount": "1000.0", "Unit": "USD"},
                            "TimeUnit": "MONTHLY",
                            "BudgetType": "COST",
                            "TimePeriod": {"Start": datetime(2026, 1, 1, tzinfo=UTC),
                                           "End": datetime(2087, 6, 15, tzinfo=UTC)},
                            "CalculatedSpend": {"ActualSpend": {"Amount": "850.0", "Unit": "USD"},
                                                "ForecastedSpend": {"Amount": "1120.0", "Unit": "USD"}},
                        }
                    ],
                    "NextToken": "b-2",
                },
            )
        ],
        expect={
            "kind": "budgets",
            "budgets.0": {"name": "monthly-total", "budget_type": "COST", "time_unit": "MONTHLY",
                          "limit": {"amount": 1000.0, "unit": "USD"}, "actual": {"amount": 850.0, "unit": "USD"},
                          "forecast": {"amount": 1120.0, "unit": "USD"}, "actual_percent_of_limit": 85.0,
                          "forecast_percent_of_limit": 112.0, "period_start": "2026-01-01",
                          "period_end": "2087-06-15"},
            "next_token": "b-2",
        },
    ),
    Case(
        tool="get_budgets",
        name="get_budgets-history",
        scope=budgets.SCOPE,
        native={"kind": "history", "budget_name": "monthly-total", "start_date": "2026-01-01",
                "end_date": "2026-04-01", "target_account_id": ACCOUNT},
        stringified={"kind": "history", "budget_name": "monthly-total", "start_date": "2026-01-01",
                     "end_date": "2026-04-01", "target_account_id": ACCOUNT},
        calls=[
            (
                "budgets",
                "describe_budget_performance_history",
                {"AccountId": ACCOUNT, "BudgetName": "monthly-total", "MaxResults": 20,
                 "TimePeriod": {"Start": datetime(2026, 1, 1), "End": datetime(2026, 4, 1)}},
                {
                    "BudgetPerformanceHistory": {
                        "BudgetName": "monthly-total", "BudgetType": "COST", "TimeUnit": "MONTHLY",
                        "BudgetedAndActualAmountsList": [
                            {"BudgetedAmount": {"Amount": "1000", "Unit": "USD"},
                             "ActualAmount": {"Amount": "930", "Unit": "USD"},
                             "TimePeriod": {"Start": datetime(2026, 1, 1, tzinfo=UTC),
                                            "End": datetime(2026, 2, 1, tzinfo=UTC)}},
                        ],
                    }
                },
            )
        ],
        expect={
            "budget_name": "monthly-total",
            "time_unit": "MONTHLY",
            "history": [{"start": "2026-01-01", "end": "2026-02-01", "budgeted": {"amount": 1000.0, "unit": "USD"},
                         "actual": {"amount": 930.0, "unit": "USD"}, "actual_percent_of_budget": 93.0}],
        },
    ),
    # CloudWatch Logs: the allowlist's groups that exist (one DescribeLogGroups per entry, answers filtered)
    Case(
        tool="list_log_groups",
        scope="log_groups",
        native={"name_prefix": "/aws/", "max_results": 5, "target_account_id": ACCOUNT},
        stringified={"name_prefix": "/aws/", "max_results": "5", "target_account_id": ACCOUNT},
        calls=[
            (
                "logs",
                "describe_log_groups",
                {"limit": 5, "logGroupNamePrefix": "/aws/lambda/orders-"},
                # /aws/lambda/payments: were AWS to answer a group outside the entry, it would not be named
                {"logGroups": [{"logGroupName": "/aws/lambda/orders-api", "creationTime": 1767225600000,
                                "retentionInDays": 30, "storedBytes": 2048},
                               {"logGroupName": "/aws/lambda/payments", "storedBytes": 1}]},
            ),
        ],
        expect={
            "log_groups": [{"name": "/aws/lambda/orders-api", "created": "2026-01-01T00:00:00+00:00",
                            "retention_days": 30, "stored_bytes": 2048}],
        },
    ),
    Case(
        tool="list_log_groups",
        name="list_log_groups-exact-entry",
        scope="log_groups",
        native={"name_prefix": "/demo", "target_account_id": ACCOUNT},
        stringified={"name_prefix": "/demo", "target_account_id": ACCOUNT},
        calls=[
            # An exact entry: the first group under its name is itself if it exists (ASCII order); here it does not
            ("logs", "describe_log_groups", {"limit": 1, "logGroupNamePrefix": "/demo/app"},
             {"logGroups": [{"logGroupName": "/demo/app-secret"}], "nextToken": "more"}),
        ],
        expect={"log_groups": []},
    ),
    Case(
        tool="logs_insights_stop_query",
        scope="logs_insights",
        native={"query_id": QUERY_ID, "target_account_id": ACCOUNT},
        stringified={"query_id": QUERY_ID, "target_account_id": int(ACCOUNT)},
        calls=[
            ("logs", "describe_queries", {"maxResults": 1000, "queryLanguage": "CWLI", "logGroupName": "/demo/app"},
             {"queries": [{"queryId": QUERY_ID, "logGroupName": "/demo/app", "queryString": "fields @message",
                           "status": "Running"}]}),
            ("logs", "stop_query", {"queryId": QUERY_ID}, {"success": True}),
        ],
        expect={"query_id": QUERY_ID, "stopped": True},
    ),
    Case(
        tool="get_metrics",
        name="get_metrics-data",
        scope="cloudwatch_metrics",
        native={"metrics": CW_METRICS, "start_time": cw_iso(CW_START), "end_time": cw_iso(CW_END),
                "max_results": 100, "next_token": cw_token({"t": "d-1"}), "target_account_id": ACCOUNT},
        stringified={"metrics": json.dumps(CW_METRICS), "start_time": cw_iso(CW_START), "end_time": cw_iso(CW_END),
                     "max_results": "100", "next_token": cw_token({"t": "d-1"}), "target_account_id": ACCOUNT},
        calls=[
            (
                "cloudwatch",
                "get_metric_data",
                {
                    "MetricDataQueries": [
                        {"Id": "m1", "MetricStat": {"Metric": {"Namespace": "AWS/EC2", "MetricName": "CPUUtilization",
                                                               "Dimensions": [{"Name": "InstanceId",
                                                                               "Value": "i-0abc"}]},
                                                    "Period": 60, "Stat": "Maximum"}},
                        {"Id": "e1", "Expression": "m1 * 2", "Label": "doubled"},
                    ],
                    "StartTime": CW_START, "EndTime": CW_END, "ScanBy": "TimestampAscending", "MaxDatapoints": 100,
                    "NextToken": "d-1",
                },
                {
                    "MetricDataResults": [
                        {"Id": "m1", "Label": "CPUUtilization", "StatusCode": "PartialData",
                         "Timestamps": [CW_START + timedelta(minutes=1), CW_START], "Values": [97.5, 81.0]},
                        {"Id": "e1", "Label": "doubled", "StatusCode": "Complete", "Timestamps": [CW_START],
                         "Values": [162.0]},
                    ],
                    "NextToken": "d-2",
                },
            )
        ],
        expect={
            "kind": "data",
            "results": [{"id": "m1", "points": {cw_iso(CW_START): 81.0,
                                                cw_iso(CW_START + timedelta(minutes=1)): 97.5}},
                        {"id": "e1", "points": {cw_iso(CW_START): 162.0}}],
            "next_token": cw_token({"t": "d-2", "s": cw_iso(CW_START), "e": cw_iso(CW_END)}),
            "note": "m1: PartialData; more datapoints: at most 100 a page; pass next_token",
        },
    ),
    Case(
        tool="get_metrics",
        name="get_metrics-list",
        scope="cloudwatch_metrics",
        native={"kind": "list", "metrics": [{"Namespace": "AWS/RDS", "dimensions": {"DBInstanceIdentifier": None}}],
                "max_results": 1, "target_account_id": ACCOUNT},
        stringified={"kind": "list",
                     "metrics": '[{"Namespace": "AWS/RDS", "dimensions": {"DBInstanceIdentifier": null}}]',
                     "max_results": "1", "target_account_id": ACCOUNT},
        calls=[
            (
                "cloudwatch",
                "list_metrics",
                {"Namespace": "AWS/RDS", "Dimensions": [{"Name": "DBInstanceIdentifier"}]},
                {
                    "Metrics": [
                        {"Namespace": "AWS/RDS", "MetricName": "FreeStorageSpace",
                         "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": "globex-db"}]},
                        {"Namespace": "AWS/RDS", "MetricName": "CPUUtilization",
                         "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": "globex-db"}]},
                    ],
                    "NextToken": "aws-2",
                },
            )
        ],
        expect={
            "metrics": [{"namespace": "AWS/RDS", "metric_name": "FreeStorageSpace",
                         "dimensions": {"DBInstanceIdentifier": "globex-db"}}],
            "next_token": cw_token({"t": None, "o": 1}),
            "note": "1 more metrics on this page; pass next_token",
        },
    ),
    Case(
        tool="get_alarms",
        name="get_alarms-alarms",
        scope="cloudwatch_alarms",
        native={"alarm_name": "acme", "max_results": 2, "target_account_id": ACCOUNT},
        stringified={"alarm_name": "acme", "max_results": "2", "target_account_id": ACCOUNT},
        calls=[
            ("cloudwatch", "describe_alarms",
             {"AlarmTypes": CW_ALARM_TYPES, "MaxRecords": 2, "StateValue": "ALARM", "AlarmNamePrefix": "acme"},
             {"MetricAlarms": [CW_ALARM]}),
            ("cloudwatch", "describe_alarms",
             {"AlarmTypes": CW_ALARM_TYPES, "MaxRecords": 1, "StateValue": "INSUFFICIENT_DATA",
              "AlarmNamePrefix": "acme"},
             {"MetricAlarms": [], "NextToken": "x-2",
              "CompositeAlarms": [{"AlarmName": "acme-service-down", "StateValue": "INSUFFICIENT_DATA",
                                   "AlarmRule": 'ALARM("acme-cpu-high") AND ALARM("acme-5xx")'}]}),
        ],
        expect={
            "kind": "alarms",
            "alarms": [
                {"name": "acme-cpu-high", "state": "ALARM", "reason": "Threshold Crossed: 3 datapoints > 80",
                 "updated": cw_iso(CW_END), "metric": "AWS/EC2 CPUUtilization InstanceId=i-0abc",
                 "condition": "Average > 80.0 for 3 of 3 periods of 300 s"},
                {"name": "acme-service-down", "state": "INSUFFICIENT_DATA",
                 "condition": 'rule: ALARM("acme-cpu-high") AND ALARM("acme-5xx")'},
            ],
            "next_token": cw_token({"s": 1, "t": "x-2"}),
        },
    ),
    Case(
        tool="get_alarms",
        name="get_alarms-history",
        scope="cloudwatch_alarms",
        native={"kind": "history", "alarm_name": "acme-cpu-high", "history_type": "StateUpdate",
                "start_time": cw_iso(CW_START), "max_results": 5, "next_token": "h-1", "target_account_id": ACCOUNT},
        stringified={"kind": "history", "alarm_name": "acme-cpu-high", "history_type": "StateUpdate",
                     "start_time": cw_iso(CW_START), "max_results": "5", "next_token": "h-1",
                     "target_account_id": ACCOUNT},
        calls=[
            ("cloudwatch", "describe_alarm_history",
             {"AlarmTypes": CW_ALARM_TYPES, "MaxRecords": 5, "AlarmName": "acme-cpu-high",
              "HistoryItemType": "StateUpdate", "StartDate": CW_START, "NextToken": "h-1"},
             {"AlarmHistoryItems": [{"AlarmName": "acme-cpu-high", "AlarmType": "MetricAlarm", "Timestamp": CW_END,
                                     "HistoryItemType": "StateUpdate",
                                     "HistorySummary": "Alarm updated from OK to ALARM", "HistoryData": "{}"}],
              "NextToken": "h-2"}),
        ],
        expect={
            "kind": "history",
            "history": [{"name": "acme-cpu-high", "time": cw_iso(CW_END), "type": "StateUpdate",
                         "summary": "Alarm updated from OK to ALARM"}],
            "next_token": "h-2",
        },
    ),
]  # fmt: skip


# --- discovery and per-resource cost (issue 12): usage forecast, tags, cost categories, resources, Savings Plans --

RECENT = (datetime.now(UTC).date() - timedelta(days=7)).isoformat()
TODAY_ISO = datetime.now(UTC).date().isoformat()
EC2_FILTER = {"Dimensions": {"Key": "SERVICE", "Values": ["Amazon Elastic Compute Cloud - Compute"]}}
PLAN_ARN = f"arn:aws:savingsplans::{ACCOUNT}:savingsplan/0f3c9a52-3b7e-4d2a-9a55-0d1f3c2b8e41"
SP_PERIOD = {"Start": RECENT, "End": TODAY_ISO}
CASES += [
    Case(
        tool="get_cost_and_usage",
        name="get_cost_and_usage-with_resources",
        scope=cost_explorer.SCOPE,
        native={"start_date": RECENT, "with_resources": True, "filter": EC2_FILTER, "target_account_id": ACCOUNT},
        stringified={"start_date": RECENT, "with_resources": "true", "filter": json.dumps(EC2_FILTER),
                     "target_account_id": ACCOUNT},
        calls=[
            ("ce", "get_cost_and_usage_with_resources",
             {"TimePeriod": {"Start": RECENT, "End": TODAY_ISO}, "Granularity": "DAILY", "Metrics": ["UnblendedCost"],
              "GroupBy": [{"Type": "DIMENSION", "Key": "RESOURCE_ID"}], "Filter": EC2_FILTER},
             {"ResultsByTime": [{"TimePeriod": {"Start": RECENT, "End": TODAY_ISO}, "Total": {}, "Estimated": False,
                                 "Groups": [{"Keys": ["i-0abc"],
                                             "Metrics": {"UnblendedCost": {"Amount": "4.2", "Unit": "USD"}}}]}]}),
        ],
        expect={"group_by": ["DIMENSION:RESOURCE_ID"], "granularity": "DAILY",
                "rows.0.keys": ["i-0abc"], "totals.UnblendedCost": {"amount": 4.2, "unit": "USD"}},
    ),
    Case(
        tool="get_cost_forecast",
        name="get_cost_forecast-usage",
        scope=cost_explorer.SCOPE,
        native={"start_date": FUTURE.isoformat(), "end_date": FUTURE_END.isoformat(), "metric": "USAGE_QUANTITY",
                "filter": {"Dimensions": {"Key": "USAGE_TYPE_GROUP", "Values": ["EC2: Running Hours"]}},
                "target_account_id": ACCOUNT},
        stringified={"start_date": FUTURE.isoformat(), "end_date": FUTURE_END.isoformat(), "metric": "USAGE_QUANTITY",
                     "filter": '{"Dimensions": {"Key": "USAGE_TYPE_GROUP", "Values": ["EC2: Running Hours"]}}',
                     "target_account_id": ACCOUNT},
        calls=[
            ("ce", "get_usage_forecast",
             {"TimePeriod": {"Start": FUTURE.isoformat(), "End": FUTURE_END.isoformat()}, "Metric": "USAGE_QUANTITY",
              "Granularity": "MONTHLY", "PredictionIntervalLevel": 80,
              "Filter": {"Dimensions": {"Key": "USAGE_TYPE_GROUP", "Values": ["EC2: Running Hours"]}}},
             {"Total": {"Amount": "1488", "Unit": "Hrs"}, "ForecastResultsByTime": [
                 {"TimePeriod": {"Start": FUTURE.isoformat(), "End": FUTURE_END.isoformat()}, "MeanValue": "1488",
                  "PredictionIntervalLowerBound": "1300", "PredictionIntervalUpperBound": "1650"}]}),
        ],
        expect={"metric": "USAGE_QUANTITY", "total": {"amount": 1488.0, "unit": "Hrs"}, "rows.0.upper_bound": 1650.0},
    ),
    Case(
        tool="get_dimension_values",
        name="get_dimension_values-tags",
        scope=cost_explorer.SCOPE,
        native={"kind": "tags", "key": "team", "start_date": "2026-04-01", "end_date": "2026-05-01",
                "search_string": "ord", "next_token": "t1", "target_account_id": ACCOUNT},
        stringified={"kind": "tags", "key": "team", "start_date": "2026-04-01", "end_date": "2026-05-01",
                     "search_string": "ord", "next_token": "t1", "target_account_id": ACCOUNT},
        calls=[
            ("ce", "get_tags", {"TimePeriod": CE_PERIOD, "TagKey": "team", "SearchString": "ord",
                                "NextPageToken": "t1"},
             {"Tags": ["orders"], "ReturnSize": 1, "TotalSize": 1, "NextPageToken": "t2"}),
        ],
        expect={"kind": "tags", "key": "team", "values": [{"value": "orders"}], "total_size": 1, "next_token": "t2"},
    ),
    Case(
        tool="get_dimension_values",
        name="get_dimension_values-cost_categories",
        scope=cost_explorer.SCOPE,
        native={"kind": "cost_categories", "key": "business unit", "start_date": "2026-04-01",
                "end_date": "2026-05-01", "sort_by": "AmortizedCost", "filter": EC2_FILTER,
                "target_account_id": ACCOUNT},
        stringified={"kind": "cost_categories", "key": "business unit", "start_date": "2026-04-01",
                     "end_date": "2026-05-01", "sort_by": "AmortizedCost", "filter": json.dumps(EC2_FILTER),
                     "target_account_id": ACCOUNT},
        calls=[
            ("ce", "get_cost_categories",
             {"TimePeriod": CE_PERIOD, "CostCategoryName": "business unit", "Filter": EC2_FILTER,
              "SortBy": [{"Key": "AmortizedCost", "SortOrder": "DESCENDING"}], "MaxResults": 100},
             {"CostCategoryNames": ["business unit"], "CostCategoryValues": ["retail", "platform"], "ReturnSize": 2,
              "TotalSize": 2}),
        ],
        expect={"kind": "cost_categories", "values": [{"value": "retail"}, {"value": "platform"}]},
    ),
    Case(
        tool="get_commitments",
        name="get_commitments-savings_plans_utilization_details",
        scope=commitments.SCOPE,
        native={"kind": "savings_plans_utilization_details", "start_date": RECENT, "end_date": TODAY_ISO,
                "filter": {"Dimensions": {"Key": "SAVINGS_PLAN_ARN", "Values": [PLAN_ARN]}}, "max_results": 5,
                "next_token": "d1", "target_account_id": ACCOUNT},
        stringified={"kind": "savings_plans_utilization_details", "start_date": RECENT, "end_date": TODAY_ISO,
                     "filter": json.dumps({"Dimensions": {"Key": "SAVINGS_PLAN_ARN", "Values": [PLAN_ARN]}}),
                     "max_results": "5", "next_token": "d1", "target_account_id": ACCOUNT},
        calls=[
            ("ce", "get_savings_plans_utilization_details",
             {"TimePeriod": SP_PERIOD, "Filter": {"Dimensions": {"Key": "SAVINGS_PLAN_ARN", "Values": [PLAN_ARN]}},
              "MaxResults": 5, "NextToken": "d1"},
             {"SavingsPlansUtilizationDetails": [
                 {"SavingsPlanArn": PLAN_ARN, "Attributes": {"PaymentOption": "No Upfront"},
                  "Utilization": {"TotalCommitment": "100", "UsedCommitment": "90", "UnusedCommitment": "10",
                                  "UtilizationPercentage": "90"},
                  "Savings": {"NetSavings": "30", "OnDemandCostEquivalent": "130"}}],
              "Total": {"Utilization": {"UtilizationPercentage": "90"}}, "TimePeriod": SP_PERIOD,
              "NextToken": "d2"}),
        ],
        expect={"rows.0": {"start": RECENT, "end": TODAY_ISO, "savings_plan_arn": PLAN_ARN,
                           "attributes": {"PaymentOption": "No Upfront"}, "total_commitment": 100.0,
                           "used_commitment": 90.0, "unused_commitment": 10.0, "utilization_percentage": 90.0,
                           "net_savings": 30.0, "on_demand_cost_equivalent": 130.0},
                "total.utilization_percentage": 90.0, "next_token": "d2"},
    ),
    Case(
        tool="get_commitments",
        name="get_commitments-savings_plans_inventory",
        scope=commitments.INVENTORY_SCOPE,
        native={"kind": "savings_plans_inventory", "states": ["active", "queued", "active"], "max_results": 10,
                "next_token": "abc=", "target_account_id": ACCOUNT},
        stringified={"kind": "savings_plans_inventory", "states": '["active", "queued", "active"]',
                     "max_results": "10", "next_token": "abc=", "target_account_id": ACCOUNT},
        calls=[
            ("savingsplans", "describe_savings_plans",
             {"states": ["active", "queued"], "maxResults": 10, "nextToken": "abc="},
             {"savingsPlans": [{"savingsPlanId": "0f3c9a52-3b7e-4d2a-9a55-0d1f3c2b8e41", "savingsPlanArn": PLAN_ARN,
                                "start": "2025-01-01T00:00:00.000Z", "end": "2028-01-01T00:00:00.000Z",
                                "state": "active", "region": "us-east-1", "savingsPlanType": "Compute",
                                "paymentOption": "No Upfront", "productTypes": ["EC2", "Fargate"],
                                "currency": "USD", "commitment": "2.24", "upfrontPaymentAmount": "0",
                                "recurringPaymentAmount": "2.24", "termDurationInSeconds": 94608000}],
              "nextToken": "def="}),
        ],
        expect={"rows.0": {"start": "2025-01-01T00:00:00.000Z", "end": "2028-01-01T00:00:00.000Z",
                           "savings_plan_arn": PLAN_ARN,
                           "attributes": {"savings_plan_id": "0f3c9a52-3b7e-4d2a-9a55-0d1f3c2b8e41",
                                          "savings_plan_type": "Compute", "payment_option": "No Upfront",
                                          "state": "active", "region": "us-east-1", "currency": "USD",
                                          "product_types": "EC2, Fargate", "term_years": "3.0"},
                           "commitment": 2.24, "upfront_payment_amount": 0.0, "recurring_payment_amount": 2.24},
                "next_token": "def="},
    ),
]  # fmt: skip


@pytest.mark.parametrize("form", ["native", "stringified"])
@pytest.mark.parametrize("case", CASES, ids=str)
def test_tool_sends_the_exact_request(harness: Harness, case: Case, form: str) -> None:
    # Given the AWS answers, asserting each request's exact parameters
    for service, operation, request, response in case.calls:
        harness.stubbers[service].add_response(operation, response, request)

    # When
    is_error, answer = harness.call(case.tool, getattr(case, form))

    # Then every request went to the target account with the tool's scope
    assert not is_error, answer
    assert answer["target_account_id"] == ACCOUNT
    assert {(account, scope) for _, account, scope in harness.clients} == {(ACCOUNT, case.scope)}
    assert harness.vendor.vends == [(ACCOUNT, case.scope)]
    assert {path: at(answer, path) for path in case.expect} == case.expect
    assert "fake" not in json.dumps(answer)  # no credential in an answer


def test_every_new_tool_has_a_case() -> None:
    async def names() -> set[str]:
        runtime = build_runtime(_settings(), vendor=FakeVendor(), verifier=Callers().verifier())  # type: ignore[arg-type]
        return {t.name for t in await build_server(runtime).list_tools()}

    registered = anyio.run(names)
    assert {c.tool for c in CASES} == registered - {"list_accounts", "get_caller_identity", "logs_insights_query",
                                                    "logs_insights_get_results"}  # fmt: skip


def _settings() -> RuntimeSettings:
    return RuntimeSettings(vendor_function_name="vendor")


def test_omitted_target_uses_the_callers_only_account(harness: Harness) -> None:
    # Given a caller granted exactly one account
    harness.stubbers["cloudtrail"].add_response("lookup_events", {"Events": []}, {"MaxResults": 20})
    is_error, answer = harness.call("lookup_events", {})
    assert not is_error
    assert answer == {"target_account_id": DEFAULT, "events": []}
    assert harness.vendor.vends == [(DEFAULT, cloudtrail.SCOPE)]


@pytest.mark.parametrize("granted", [(), (DEFAULT, ACCOUNT)])
def test_omitted_target_without_exactly_one_account_asks_for_it(
    monkeypatch: pytest.MonkeyPatch, granted: tuple[str, ...]
) -> None:
    for harness in _harness(monkeypatch, granted=granted):
        is_error, answer = harness.call("get_cost_and_usage", {"start_date": "2026-04-01", "end_date": "2026-05-01"})
        assert is_error
        assert answer["error_type"] == "invalid_parameter"
        assert "target_account_id is required" in answer["message"]
        assert "list_accounts" in answer["message"]
        assert harness.vendor.vends == []


# --- validation before any AWS call ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tool", "arguments", "field"),
    [
        ("get_cost_and_usage", {"start_date": "2026-13-01", "end_date": "2026-05-01"}, "start_date"),
        ("get_cost_and_usage", {"start_date": "2026-05-01", "end_date": "2026-04-01"}, "end_date"),
        (
            "get_cost_and_usage",
            {"start_date": "2026-04-01", "end_date": "2026-05-01", "granularity": "HOURLY"},
            "end_date",
        ),
        ("get_cost_and_usage", {"granularity": "WEEKLY"}, "granularity"),
        ("get_cost_and_usage", {"metrics": '["Dollars"]'}, "metrics"),
        ("get_cost_and_usage", {"group_by": [{"Type": "DIMENSION", "Key": "A"}] * 3}, "group_by"),
        ("get_cost_and_usage", {"filter": '{"Dimensions": {"Key": "SERVICE"}}'}, "filter"),
        (
            "get_cost_and_usage",
            {"filter": {"Dimensions": {"Key": "SERVICE", "Values": ["a"]}, "Tags": {"Key": "t"}}},
            "filter",
        ),
        ("get_cost_and_usage", {"filter": "not json"}, "filter"),
        ("get_cost_forecast", {"start_date": "2020-01-01", "end_date": "2020-02-01"}, "start_date"),
        ("get_cost_forecast", {"prediction_interval_level": "50"}, "prediction_interval_level"),
        ("get_dimension_values", {"dimension": "COLOUR"}, "dimension"),
        ("get_commitments", {"kind": "savings_plans_coverage", "group_by": ["INSTANCE_TYPE"]}, "group_by"),
        ("get_commitments", {"kind": "savings_plans_coverage", "max_results": "0"}, "max_results"),
        ("get_commitments", {"kind": "reservation_utilization", "group_by": ["REGION"]}, "group_by"),
        ("lookup_events", {"attribute_key": "Colour", "attribute_value": "x"}, "attribute_key"),
        ("lookup_events", {"attribute_key": "EventName"}, "attribute_value"),
        ("lookup_events", {"max_results": "51"}, "max_results"),
        ("lookup_events", {"start_time": "yesterday"}, "start_time"),
        ("lookup_events", {"start_time": "2026-05-02T00:00:00Z", "end_time": "2026-05-01T00:00:00Z"}, "start_time"),
        ("lake_query", {"query_statement": "SELECT 1"}, "query_statement"),
        ("lake_query", {"query_statement": LAKE_SQL, "wait_seconds": 61}, "wait_seconds"),
        ("get_query_results", {"query_id": "not-a-query-id"}, "query_id"),
    ],
)
def test_bad_arguments_fail_naming_the_field_before_any_vend(
    harness: Harness, tool: str, arguments: dict[str, Any], field: str
) -> None:
    is_error, answer = harness.call(tool, arguments)
    assert is_error
    assert answer["error_type"] == "invalid_parameter"
    assert answer["message"].startswith(f"{field}:") or f"; {field}:" in answer["message"], answer
    assert harness.vendor.vends == []


def test_lake_query_refuses_a_store_of_another_account(harness: Harness) -> None:
    # Given the target account has one store; the query reads another account's store
    other = "arn:aws:cloudtrail:us-east-1:333333333333:eventdatastore/0a0a0a0a-0000-4000-8000-000000000000"
    harness.stubbers["cloudtrail"].add_response(
        "list_event_data_stores", {"EventDataStores": [{"EventDataStoreArn": STORE_ARN}]}, {}
    )

    # When
    is_error, answer = harness.call(
        "lake_query",
        {
            "query_statement": f"SELECT * FROM {STORE_ID} JOIN {other} ON 1 = 1",  # noqa: S608 - test data
            "target_account_id": ACCOUNT,
        },
    )

    # Then not_found, and StartQuery was never called (the Stubber would fail on an unexpected request)
    assert is_error
    assert answer["error_type"] == "not_found"
    assert other in answer["message"]
    assert STORE_ID not in answer["message"].split("is not in")[0]


def test_lake_query_still_running_returns_the_query_id(harness: Harness) -> None:
    statement = f"SELECT * FROM {STORE_ARN}"  # noqa: S608 - test data
    cloudtrail_stub = harness.stubbers["cloudtrail"]
    cloudtrail_stub.add_response("list_event_data_stores", {"EventDataStores": [{"EventDataStoreArn": STORE_ARN}]}, {})
    cloudtrail_stub.add_response("start_query", {"QueryId": QUERY_ID}, {"QueryStatement": statement})
    cloudtrail_stub.add_response(
        "describe_query", {"QueryId": QUERY_ID, "QueryStatus": "RUNNING"}, {"QueryId": QUERY_ID}
    )

    is_error, answer = harness.call("lake_query", {"query_statement": statement, "wait_seconds": 0})

    assert not is_error
    assert (answer["query_id"], answer["status"]) == (QUERY_ID, "RUNNING")
    assert "get_query_results" in answer["message"]


# --- AWS errors become structured results -----------------------------------------------------------------------

FIRST_CALL = {case.tool: case for case in CASES}


@pytest.mark.parametrize(
    ("code", "error_type"),
    [
        ("AccessDeniedException", "access_denied"),
        ("ThrottlingException", "throttled"),
        ("ValidationException", "invalid_parameter"),
        ("DataUnavailableException", "invalid_parameter"),
        ("EventDataStoreNotFoundException", "not_found"),
        ("ResourceNotFoundException", "not_found"),
        ("InternalServerError", "aws_error"),
    ],
)
@pytest.mark.parametrize("tool", sorted(FIRST_CALL))
def test_aws_errors_become_structured_results(harness: Harness, tool: str, code: str, error_type: str) -> None:
    # Given the tool's first AWS call fails with ``code``
    case = FIRST_CALL[tool]
    service, operation, request, _ = case.calls[0]
    harness.stubbers[service].add_client_error(
        operation, service_error_code=code, service_message="nope", http_status_code=400, expected_params=request,
        response_meta={"RequestId": "req-123"},
    )  # fmt: skip

    # When
    is_error, answer = harness.call(tool, case.native)

    # Then
    assert is_error
    assert answer["error_type"] == error_type
    assert answer["request_id"] == "req-123"
    assert "Traceback" not in answer["message"]
    if error_type == "access_denied":
        assert ACCOUNT in answer["message"]
        assert case.scope in answer["message"]


# --- what Cost Explorer refuses is refused first (AWS Cost Explorer API Reference; see account_tools.cost_rules) --

_TODAY = datetime.now(UTC).date()


@pytest.mark.parametrize(
    ("tool", "arguments", "field", "says"),
    [
        # "Granularity can't be set if GroupBy is set" (coverage and utilization APIs)
        (
            "get_commitments",
            {"kind": "savings_plans_coverage", "granularity": "DAILY", "group_by": ["SERVICE"]},
            "granularity",
            "group_by",
        ),
        (
            "get_commitments",
            {"kind": "reservation_coverage", "granularity": "MONTHLY", "group_by": ["REGION"]},
            "granularity",
            "group_by",
        ),
        (
            "get_commitments",
            {"kind": "reservation_utilization", "granularity": "MONTHLY", "group_by": ["SUBSCRIPTION_ID"]},
            "granularity",
            "group_by",
        ),
        # GetCostAndUsage GroupBy DIMENSION keys
        ("get_cost_and_usage", {"group_by": [{"Type": "DIMENSION", "Key": "REGION"}]}, "group_by[0].Key", "SERVICE"),
        # MatchOptions for Dimensions: EQUALS and CASE_SENSITIVE only
        (
            "get_cost_and_usage",
            {"filter": {"Dimensions": {"Key": "SERVICE", "Values": ["a"], "MatchOptions": ["CONTAINS"]}}},
            "filter.Dimensions.MatchOptions",
            "CASE_SENSITIVE",
        ),
        # HOURLY data: the last 14 days
        (
            "get_cost_and_usage",
            {"granularity": "HOURLY", "start_date": "2026-01-01", "end_date": "2026-01-05"},
            "start_date",
            "14 days",
        ),
        # Savings Plans filters: only AND, only their dimensions
        (
            "get_commitments",
            {
                "kind": "savings_plans_coverage",
                "filter": {"Or": [{"Dimensions": {"Key": "REGION", "Values": ["a"]}}] * 2},
            },
            "filter",
            "only And",
        ),
        (
            "get_commitments",
            {"kind": "savings_plans_utilization", "filter": {"Dimensions": {"Key": "SERVICE", "Values": ["a"]}}},
            "filter.Dimensions.Key",
            "SAVINGS_PLANS_TYPE",
        ),
        (
            "get_commitments",
            {"kind": "savings_plans_utilization", "filter": {"Tags": {"Key": "team"}}},
            "filter.Tags",
            "tags",
        ),
        # "Future dates can't be used as an End date"
        (
            "get_commitments",
            {"kind": "savings_plans_utilization", "end_date": (_TODAY + timedelta(days=2)).isoformat()},
            "end_date",
            "future",
        ),
        # Reserved Instances: one level of nesting, within 13 months
        (
            "get_commitments",
            {
                "kind": "reservation_coverage",
                "filter": {
                    "And": [
                        {"And": [{"Dimensions": {"Key": "REGION", "Values": ["a"]}}] * 2},
                        {"Dimensions": {"Key": "REGION", "Values": ["b"]}},
                    ]
                },
            },
            "filter.And[0]",
            "one level",
        ),
        ("get_commitments", {"kind": "reservation_utilization", "start_date": "2024-01-01"}, "start_date", "13 months"),
        # GetRightsizingRecommendation: Service is required, "The only valid value ... is AmazonEC2"
        ("get_recommendations", {"kind": "rightsizing"}, "service", "AmazonEC2"),
        ("get_recommendations", {"kind": "rightsizing", "service": "AmazonRDS"}, "service", "API Reference"),
        ("get_recommendations", {"kind": "rightsizing", "service": "AmazonEC2", "term": "ONE_YEAR"}, "term", ""),
        # GetReservationPurchaseRecommendation: Service is required
        ("get_recommendations", {"kind": "reservations"}, "service", "requires Service"),
        (
            "get_recommendations",
            {"kind": "reservations", "service": "x", "savings_plans_type": "COMPUTE_SP"},
            "savings_plans_type",
            "savings_plans only",
        ),
        ("get_recommendations", {"service": "AmazonEC2"}, "service", "reservations or rightsizing"),
        # DescribeBudgetPerformanceHistory: BudgetName is required; options of the other kind
        ("get_budgets", {"kind": "history"}, "budget_name", "requires BudgetName"),
        ("get_budgets", {"budget_name": "monthly-total"}, "budget_name", "kind=history"),
        (
            "get_budgets",
            {"kind": "history", "budget_name": "b", "start_date": "2026-04-01", "end_date": "2026-03-01"},
            "end_date",
            "after",
        ),
        # each kind takes its own API's group keys and paging
        ("get_commitments", {"kind": "savings_plans_utilization", "group_by": ["SERVICE"]}, "group_by", "no group_by"),
        ("get_commitments", {"kind": "savings_plans_utilization", "next_token": "x"}, "next_token", "does not page"),
        ("get_commitments", {"kind": "reservation_coverage", "group_by": ["SERVICE"]}, "group_by", "INSTANCE_TYPE"),
        # GetCostForecast: 3 months of DAILY
        (
            "get_cost_forecast",
            {"granularity": "DAILY", "end_date": (_TODAY + timedelta(days=200)).isoformat()},
            "end_date",
            "3 months",
        ),
        ("get_cost_forecast", {"metric": "USAGE_HOURS"}, "metric", ""),
    ],
)
def test_combinations_cost_explorer_refuses_are_refused_before_any_vend(
    harness: Harness, tool: str, arguments: dict[str, Any], field: str, says: str
) -> None:
    is_error, answer = harness.call(tool, {**arguments, "target_account_id": ACCOUNT})
    assert is_error
    assert answer["error_type"] == "invalid_parameter"
    assert answer["message"].startswith(f"{field}:"), answer
    assert says in answer["message"]
    assert harness.vendor.vends == []


# --- target_account_id forms, unknown arguments, bounded input -------------------------------------------------


@pytest.mark.parametrize(
    ("value", "account"),
    [("222222222222", "222222222222"), (222222222222, "222222222222"), (12345678901, "012345678901")],
)
def test_account_id_as_string_or_number(harness: Harness, value: Any, account: str) -> None:
    harness.stubbers["cloudtrail"].add_response("lookup_events", {"Events": []}, {"MaxResults": 20})
    is_error, answer = harness.call("lookup_events", {"target_account_id": value})
    assert not is_error, answer
    assert harness.vendor.vends == [(account, cloudtrail.SCOPE)]


@pytest.mark.parametrize(
    "value",
    [
        "\u0662" * 12,  # Arabic-Indic digit two: str.isdigit() says yes, an account id says no
        "\uff12" * 12,  # fullwidth digit two
        "22222222222",
        "2222222222222",
        -1,
        10**12,
        True,
        2.2e11,
        "22222222222a",
    ],
)
def test_account_id_refuses_anything_but_12_ascii_digits(harness: Harness, value: Any) -> None:
    is_error, answer = harness.call("lookup_events", {"target_account_id": value})
    assert is_error
    assert answer["error_type"] == "invalid_parameter"
    assert answer["message"].startswith("target_account_id: expected a 12-digit AWS account id"), answer
    assert harness.vendor.vends == []


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("account_id", "target_account_id"),
        ("accountId", "target_account_id"),
        ("targetAccountId", "target_account_id"),
        ("region", None),
        ("next_page_token", "next_token"),
        ("limit", None),
    ],
)
def test_unknown_arguments_are_refused_with_the_intended_name(harness: Harness, name: str, hint: str | None) -> None:
    # Given a misnamed argument: without the check the call would run in the default account
    is_error, answer = harness.call("lookup_events", {name: "222222222222"})

    # Then nothing runs, and the message names the argument (and what was meant, when close)
    assert is_error
    assert answer["error_type"] == "invalid_parameter"
    assert answer["message"].startswith(f"{name}: unknown argument")
    if hint:
        assert f"did you mean {hint}?" in answer["message"]
    assert harness.vendor.vends == []


@pytest.mark.parametrize("as_string", [False, True])
def test_deeply_nested_filter_is_a_clear_error_not_a_recursion_error(harness: Harness, as_string: bool) -> None:
    leaf = '{"Dimensions": {"Key": "SERVICE", "Values": ["a"]}}'
    # The string form stays under the size bound, to test depth alone; the native form stays within what an
    # MCP client serializes (pydantic's depth limit), still far beyond MAX_JSON_DEPTH.
    depth = 2000 if as_string else 200
    expression: Any = json.loads(leaf)
    for _ in range(depth):
        expression = {"Not": expression}
    arguments = {"filter": '{"Not": ' * depth + leaf + "}" * depth if as_string else expression}
    is_error, answer = harness.call("get_cost_and_usage", {**arguments, "target_account_id": ACCOUNT})
    assert is_error
    assert answer["error_type"] == "invalid_parameter"
    assert answer["message"].startswith("filter:"), answer
    assert "nested too deeply" in answer["message"]
    assert harness.vendor.vends == []


@pytest.mark.parametrize(
    ("scope", "actions"),
    [
        ("recommendations", ("ce:GetSavingsPlansPurchaseRecommendation",)),
        ("ri_recommendations", ("ce:GetReservationPurchaseRecommendation",)),
        ("rightsizing", ("ce:GetRightsizingRecommendation",)),
        ("budgets", ("budgets:ViewBudget",)),
        ("log_groups", ("logs:DescribeLogGroups",)),  # Resource "*": no resource type (the allowlist filters names)
        ("cloudwatch_metrics", ("cloudwatch:GetMetricData", "cloudwatch:ListMetrics")),
        ("cloudwatch_alarms", ("cloudwatch:DescribeAlarmHistory", "cloudwatch:DescribeAlarms")),
        ("commitments", ("ce:GetReservationCoverage", "ce:GetReservationUtilization",
                         "ce:GetSavingsPlansCoverage", "ce:GetSavingsPlansUtilization",
                         "ce:GetSavingsPlansUtilizationDetails")),
        ("savings_plans_inventory", ("savingsplans:DescribeSavingsPlans",)),
        ("cost_explorer", ("ce:GetCostAndUsage", "ce:GetCostAndUsageWithResources", "ce:GetCostCategories",
                           "ce:GetCostForecast", "ce:GetDimensionValues", "ce:GetTags", "ce:GetUsageForecast")),
    ],
)  # fmt: skip
def test_each_new_scope_holds_only_its_actions(scope: str, actions: tuple[str, ...]) -> None:
    # get_recommendations vends one scope per kind: a rightsizing call's credentials cannot buy-plan, and so on
    assert SCOPES[scope].all_actions == actions
    policy = json.loads(session_policy(scope, account_id=ACCOUNT))
    assert [s["Action"] for s in policy["Statement"]] == [list(actions)]


# --- CloudWatch Logs: log-group discovery, stopping a query, many-accounts lookups and queries -------------------

LOGS_OTHER = "444444444444"
LOGS_UNGRANTED = "555555555555"


@pytest.fixture
def logs_harness(monkeypatch: pytest.MonkeyPatch) -> Iterator[Harness]:
    yield from _harness(monkeypatch, granted=(ACCOUNT, LOGS_OTHER))


def test_list_log_groups_pages_within_an_entry_then_moves_to_the_next(harness: Harness) -> None:
    # Given a prefix entry with more groups than one page, then an exact entry
    logs = harness.stubbers["logs"]
    orders = "/aws/lambda/orders-"
    logs.add_response("describe_log_groups", {"logGroups": [{"logGroupName": f"{orders}api"}], "nextToken": "t2"},
                      {"limit": 1, "logGroupNamePrefix": orders})  # fmt: skip
    # When one group per page is asked, then the answer continues inside the entry
    is_error, first = harness.call("list_log_groups", {"max_results": 1, "target_account_id": ACCOUNT})
    assert not is_error, first
    assert (first["log_groups"], first["next_token"]) == ([{"name": f"{orders}api"}], "0:t2")
    logs.add_response("describe_log_groups", {"logGroups": [{"logGroupName": f"{orders}web"}]},
                      {"limit": 2, "logGroupNamePrefix": orders, "nextToken": "t2"})  # fmt: skip
    logs.add_response("describe_log_groups", {"logGroups": [{"logGroupName": "/demo/app"}]},
                      {"limit": 1, "logGroupNamePrefix": "/demo/app"})  # fmt: skip
    is_error, second = harness.call(
        "list_log_groups", {"max_results": 2, "next_token": first["next_token"], "target_account_id": ACCOUNT}
    )
    assert not is_error, second
    assert [g["name"] for g in second["log_groups"]] == [f"{orders}web", "/demo/app"]
    assert "next_token" not in second


def test_list_log_groups_makes_a_bounded_number_of_requests(harness: Harness) -> None:
    # Given an allowlist of 12 exact names, none of which exists
    names = tuple(f"/app/{i:02d}" for i in range(12))
    harness.vendor.allowlists[ACCOUNT] = names
    for name in names[:10]:
        harness.stubbers["logs"].add_response(
            "describe_log_groups", {"logGroups": []}, {"limit": 1, "logGroupNamePrefix": name}
        )
    is_error, answer = harness.call("list_log_groups", {"target_account_id": ACCOUNT})
    assert not is_error, answer
    assert answer["log_groups"] == []
    assert answer["next_token"] == "10:"  # the next call starts with the eleventh entry


def test_an_entry_covered_by_another_is_not_asked_twice_and_a_prefix_outside_asks_nothing(harness: Harness) -> None:
    harness.vendor.allowlists[ACCOUNT] = ("/aws/*", "/aws/lambda/orders-*", "/aws/lambda/orders-api", "/demo/app")
    harness.stubbers["logs"].add_response(
        "describe_log_groups", {"logGroups": [{"logGroupName": "/aws/lambda/orders-api"}]},
        {"limit": 20, "logGroupNamePrefix": "/aws/lambda/"},
    )  # fmt: skip
    is_error, answer = harness.call("list_log_groups", {"name_prefix": "/aws/lambda/", "target_account_id": ACCOUNT})
    assert not is_error, answer
    assert answer["log_groups"] == [{"name": "/aws/lambda/orders-api"}]
    # And a prefix no entry allows makes no request and names nothing
    is_error, answer = harness.call("list_log_groups", {"name_prefix": "/secret/", "target_account_id": ACCOUNT})
    assert (is_error, answer) == (False, {"target_account_id": ACCOUNT, "log_groups": []})


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"name_prefix": "/aws/lambda/*"}, "name_prefix"),  # logGroupNamePrefix pattern [\.\-_/#A-Za-z0-9]+
        ({"max_results": 51}, "max_results"),  # DescribeLogGroups limit 1-50
        ({"next_token": "7:x"}, "next_token"),  # not one of this listing's requests
        ({"next_token": "x"}, "next_token"),
    ],
)
def test_list_log_groups_refuses_what_describe_log_groups_would(
    harness: Harness, arguments: dict[str, Any], field: str
) -> None:
    is_error, answer = harness.call("list_log_groups", {**arguments, "target_account_id": ACCOUNT})
    assert is_error
    assert answer["error_type"] == "invalid_parameter"
    assert answer["message"].startswith(f"{field}:") or f"{field}" in answer["message"], answer
    assert harness.clients == []  # no DescribeLogGroups


def test_without_an_allowlist_nothing_is_listed_or_stopped(harness: Harness) -> None:
    harness.vendor.allowlists[ACCOUNT] = ()
    for tool, arguments in (("list_log_groups", {}), ("logs_insights_stop_query", {"query_id": QUERY_ID})):
        is_error, answer = harness.call(tool, {**arguments, "target_account_id": ACCOUNT})
        assert is_error
        assert answer["error_type"] == "access_denied"
        assert f"no log groups are allowlisted for Logs Insights in account {ACCOUNT}" in answer["message"]
    assert harness.clients == []


@pytest.mark.parametrize(
    ("described", "error_type", "says"),
    [
        # StopQuery: "If the query has already ended, the operation returns an error" (refused before it)
        ({"logGroupName": "/demo/app", "status": "Complete"}, "invalid_parameter", "not running (status Complete)"),
        # a query over a group outside the allowlist is not found, whatever its status
        ({"logGroupName": "/demo/app", "status": "Running", "queryString": "SOURCE '/secret' | fields card"},
         "not_found", "not a query over the allowlisted log groups"),
    ],
)  # fmt: skip
def test_stop_query_stops_only_a_running_query_over_allowlisted_groups(
    harness: Harness, described: dict[str, Any], error_type: str, says: str
) -> None:
    harness.stubbers["logs"].add_response(
        "describe_queries", {"queries": [{"queryId": QUERY_ID, **described}]},
        {"maxResults": 1000, "queryLanguage": "CWLI", "logGroupName": "/demo/app"},
    )  # fmt: skip
    is_error, answer = harness.call("logs_insights_stop_query", {"query_id": QUERY_ID, "target_account_id": ACCOUNT})
    assert is_error
    assert answer["error_type"] == error_type
    assert says in answer["message"]
    assert "secret" not in answer["message"]  # StopQuery never ran: the stubber holds no answer for it


def test_stop_query_refuses_a_malformed_id_before_any_vend(harness: Harness) -> None:
    is_error, answer = harness.call("logs_insights_stop_query", {"query_id": "x" * 40, "target_account_id": ACCOUNT})
    assert (is_error, answer["error_type"]) == (True, "invalid_parameter")
    assert answer["message"].startswith("query_id:")
    assert harness.vendor.vends == []


def test_lookup_events_of_several_accounts_one_entry_each(logs_harness: Harness) -> None:
    # Given two granted accounts and one the vendor refuses
    harness = logs_harness
    harness.vendor.refused = {LOGS_UNGRANTED}
    request = {"MaxResults": 5, "LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": "ConsoleLogin"}]}
    for _ in range(2):
        harness.stubbers["cloudtrail"].add_response(
            "lookup_events", {"Events": [{"EventId": "e-1", "EventName": "ConsoleLogin"}], "NextToken": "n"}, request
        )
    # When
    is_error, answer = harness.call(
        "lookup_events",
        {"attribute_key": "EventName", "attribute_value": "ConsoleLogin", "max_results": 5,
         "target_account_ids": [ACCOUNT, LOGS_UNGRANTED, LOGS_OTHER]},
    )  # fmt: skip
    # Then each account has its own entry (and its own next_token to page with target_account_id)
    assert not is_error, answer
    assert list(answer["accounts"]) == [ACCOUNT, LOGS_UNGRANTED, LOGS_OTHER]
    for account in (ACCOUNT, LOGS_OTHER):
        assert answer["accounts"][account]["events"][0]["event_id"] == "e-1"
        assert answer["accounts"][account]["next_token"] == "n"
    assert answer["accounts"][LOGS_UNGRANTED]["error_type"] == "unauthorized"
    assert sorted(harness.vendor.vends) == [(ACCOUNT, "cloudtrail"), (LOGS_OTHER, "cloudtrail")]


def test_logs_insights_query_of_several_accounts_each_over_its_own_allowlist(logs_harness: Harness) -> None:
    # Given /demo/app allowlisted in 222... only (444... allowlists /globex/billing), and 555... not granted
    harness = logs_harness
    harness.vendor.refused = {LOGS_UNGRANTED}
    harness.vendor.allowlists = {ACCOUNT: ("/demo/app",), LOGS_OTHER: ("/globex/billing",)}
    start, end = "2026-05-01T00:00:00Z", "2026-05-01T01:00:00Z"
    harness.stubbers["logs"].add_response(
        "start_query", {"queryId": QUERY_ID},
        {"logGroupNames": ["/demo/app"], "startTime": 1777593600, "endTime": 1777597200,
         "queryString": "fields @message", "queryLanguage": "CWLI", "limit": 10},
    )  # fmt: skip
    harness.stubbers["logs"].add_response(
        "get_query_results", {"status": "Complete", "results": [[{"field": "@message", "value": "hi"}]]},
        {"queryId": QUERY_ID},
    )  # fmt: skip
    # When
    is_error, answer = harness.call(
        "logs_insights_query",
        {"query_string": "fields @message", "log_group_names": ["/demo/app"], "start_time": start, "end_time": end,
         "max_results": 10, "target_account_ids": [ACCOUNT, LOGS_OTHER, LOGS_UNGRANTED]},
    )  # fmt: skip
    # Then 222... ran with its own query id; 444... is refused in its own entry, naming its own allowlist only
    assert not is_error, answer
    entries = answer["accounts"]
    assert entries[ACCOUNT] == {"query_id": QUERY_ID, "status": "Complete", "results": [{"@message": "hi"}],
                                "statistics": {}}  # fmt: skip
    assert entries[LOGS_OTHER]["error_type"] == "invalid_parameter"
    assert entries[LOGS_OTHER]["message"] == (
        f"log_group_names: /demo/app not on the allowlist of account {LOGS_OTHER}; allowed: /globex/billing"
    )
    assert entries[LOGS_UNGRANTED]["error_type"] == "unauthorized"
    assert "/globex/billing" not in json.dumps(entries[ACCOUNT])
    assert [c for c in harness.clients if c[0] == "logs"] == [("logs", ACCOUNT, "logs_insights")] * 2


@pytest.mark.parametrize(
    ("tool", "arguments", "field"),
    [
        ("lookup_events", {"next_token": "n", "target_account_ids": [ACCOUNT]}, "next_token"),
        ("lookup_events", {"target_account_id": ACCOUNT, "target_account_ids": [ACCOUNT]}, "target_account_ids"),
        ("logs_insights_query", {"query_string": "fields @message", "target_account_id": ACCOUNT,
                                 "target_account_ids": [ACCOUNT]}, "target_account_ids"),
        # SOURCE is refused for every account at once, before any vend
        ("logs_insights_query", {"query_string": "SOURCE '/secret' | fields @message",
                                 "target_account_ids": [ACCOUNT, LOGS_OTHER]}, "query_string"),
    ],
)  # fmt: skip
def test_many_accounts_combinations_refused_before_any_vend(
    logs_harness: Harness, tool: str, arguments: dict[str, Any], field: str
) -> None:
    is_error, answer = logs_harness.call(tool, arguments)
    assert is_error
    assert answer["error_type"] == "invalid_parameter"
    assert answer["message"].startswith(f"{field}:"), answer
    assert logs_harness.vendor.vends == []


# --- discovery and per-resource cost (issue 12): what the API Reference refuses is refused before any vend ----

_OLD = (datetime.now(UTC).date() - timedelta(days=20)).isoformat()
_RDS = {"Dimensions": {"Key": "SERVICE", "Values": ["Amazon Relational Database Service"]}}


@pytest.mark.parametrize(
    ("tool", "arguments", "field", "says"),
    [
        # GetCostAndUsageWithResources: the last 14 days; DAILY (HOURLY for EC2 instances); a SERVICE filter;
        # grouped or filtered by a ResourceId
        ("get_cost_and_usage", {"with_resources": True, "filter": EC2_FILTER, "granularity": "MONTHLY"},
         "granularity", "DAILY"),
        ("get_cost_and_usage", {"with_resources": True}, "filter", "SERVICE"),
        ("get_cost_and_usage", {"with_resources": True, "filter": {"Dimensions": {"Key": "REGION", "Values": ["x"]}}},
         "filter", "SERVICE"),
        ("get_cost_and_usage", {"with_resources": True, "filter": {"Not": EC2_FILTER}}, "filter", "SERVICE"),
        ("get_cost_and_usage", {"with_resources": True, "filter": _RDS, "granularity": "HOURLY"},
         "granularity", "Amazon Elastic Compute Cloud - Compute"),
        ("get_cost_and_usage", {"with_resources": True, "filter": EC2_FILTER, "start_date": _OLD},
         "start_date", "14 days"),
        ("get_cost_and_usage", {"with_resources": True, "filter": EC2_FILTER,
                                "group_by": [{"Type": "DIMENSION", "Key": "USAGE_TYPE"}]}, "group_by", "RESOURCE_ID"),
        ("get_cost_and_usage", {"with_resources": True, "filter": {"Dimensions": {
            "Key": "SERVICE", "Values": ["x"], "MatchOptions": ["CONTAINS"]}}}, "filter.Dimensions.MatchOptions",
         "GetCostAndUsageWithResources"),
        ("get_cost_and_usage", {"group_by": [{"Type": "DIMENSION", "Key": "RESOURCE_ID"}]}, "group_by[0].Key",
         "with_resources=true"),
        # GetUsageForecast / GetCostForecast: each its own filter dimensions
        ("get_cost_forecast", {"metric": "USAGE_QUANTITY", "filter": {"Dimensions": {"Key": "RESOURCE_ID",
                                                                                      "Values": ["i-1"]}}},
         "filter.Dimensions.Key", "GetUsageForecast"),
        ("get_cost_forecast", {"filter": {"Dimensions": {"Key": "LINKED_ACCOUNT_NAME", "Values": ["a"]}}},
         "filter.Dimensions.Key", "GetCostForecast"),
        ("get_cost_forecast", {"metric": "NORMALIZED_USAGE_AMOUNT", "granularity": "DAILY",
                               "end_date": (_TODAY + timedelta(days=200)).isoformat()}, "end_date", "3 months"),
        # GetDimensionValues / GetTags / GetCostCategories: "when using SortBy, NextPageToken and SearchString
        # aren't supported"; MaxResults "is only used when SortBy is provided"; SortBy needs COST_AND_USAGE
        ("get_dimension_values", {"kind": "tags", "sort_by": "UnblendedCost", "search_string": "a"},
         "search_string", "GetTags"),
        ("get_dimension_values", {"kind": "cost_categories", "sort_by": "UnblendedCost", "next_token": "x"},
         "next_token", "GetCostCategories"),
        ("get_dimension_values", {"dimension": "SERVICE", "max_results": 5}, "max_results", "SortBy"),
        ("get_dimension_values", {"dimension": "SERVICE", "sort_by": "UnblendedCost", "context": "RESERVATIONS"},
         "sort_by", "COST_AND_USAGE"),
        ("get_dimension_values", {"kind": "tags", "dimension": "SERVICE"}, "dimension", "kind=dimension"),
        ("get_dimension_values", {}, "dimension", "required"),
        ("get_dimension_values", {"dimension": "SERVICE", "key": "team"}, "key", "tags"),
        ("get_dimension_values", {"kind": "tags", "context": "RESERVATIONS"}, "context", "GetTags"),
        ("get_dimension_values", {"kind": "cost_categories", "key": "x" * 51}, "key", "50"),
        ("get_dimension_values", {"kind": "hashtags"}, "kind", ""),
        # GetSavingsPlansUtilizationDetails: no granular or grouped data, its own filter, no future end date
        ("get_commitments", {"kind": "savings_plans_utilization_details", "granularity": "DAILY"}, "granularity",
         "per period"),
        ("get_commitments", {"kind": "savings_plans_utilization_details", "group_by": ["SERVICE"]}, "group_by",
         "no group_by"),
        ("get_commitments", {"kind": "savings_plans_utilization_details",
                             "filter": {"Dimensions": {"Key": "SAVINGS_PLANS_TYPE", "Values": ["COMPUTE_SP"]}}},
         "filter.Dimensions.Key", "GetSavingsPlansUtilizationDetails"),
        ("get_commitments", {"kind": "savings_plans_utilization_details",
                             "end_date": (_TODAY + timedelta(days=2)).isoformat()}, "end_date", "future"),
        # DescribeSavingsPlans takes states and paging only
        ("get_commitments", {"kind": "savings_plans_inventory", "start_date": "2026-01-01"}, "start_date",
         "DescribeSavingsPlans"),
        ("get_commitments", {"kind": "savings_plans_inventory", "filter": EC2_FILTER}, "filter",
         "DescribeSavingsPlans"),
        ("get_commitments", {"kind": "savings_plans_inventory", "states": ["expired"]}, "states.0", "active"),
        ("get_commitments", {"kind": "savings_plans_utilization", "states": ["active"]}, "states",
         "savings_plans_inventory"),
    ],
)  # fmt: skip
def test_discovery_combinations_aws_refuses_are_refused_before_any_vend(
    harness: Harness, tool: str, arguments: dict[str, Any], field: str, says: str
) -> None:
    is_error, answer = harness.call(tool, {**arguments, "target_account_id": ACCOUNT})
    assert is_error
    assert answer["error_type"] == "invalid_parameter"
    assert answer["message"].startswith(f"{field}:"), answer
    assert says in answer["message"]
    assert harness.vendor.vends == []


def test_with_resources_data_unavailable_says_resource_level_data_is_opt_in(harness: Harness) -> None:
    # Given resource-level data is not enabled in the account (AWS answers DataUnavailableException)
    request = {"TimePeriod": {"Start": RECENT, "End": TODAY_ISO}, "Granularity": "DAILY", "Metrics": ["UnblendedCost"],
               "GroupBy": [{"Type": "DIMENSION", "Key": "RESOURCE_ID"}], "Filter": EC2_FILTER}  # fmt: skip
    harness.stubbers["ce"].add_client_error(
        "get_cost_and_usage_with_resources", service_error_code="DataUnavailableException",
        service_message="Data is not available.", http_status_code=400, expected_params=request,
    )  # fmt: skip

    # When
    is_error, answer = harness.call(
        "get_cost_and_usage",
        {"with_resources": True, "start_date": RECENT, "filter": EC2_FILTER, "target_account_id": ACCOUNT},
    )

    # Then the agent reads AWS's answer and what to do about it
    assert is_error
    assert answer["error_type"] == "invalid_parameter"
    assert "DataUnavailableException" in answer["message"]
    assert "opt-in" in answer["message"]
    assert "Cost Explorer settings" in answer["message"]
