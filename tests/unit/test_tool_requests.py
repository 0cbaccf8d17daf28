"""The exact AWS request each Cost Explorer / commitments / CloudTrail / Lake tool sends, and its error types.

No network: the vendor is a fake that records vends, and ``AccountClients._client`` returns boto3 clients
wrapped in a botocore ``Stubber`` that asserts each request's parameters.
"""

from __future__ import annotations

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

    def vend(self, *, account_id: str, scope: str, region: str | None, assertion: str, **_: Any) -> dict[str, Any]:
        assert assertion  # the runtime always passes the caller's assertion on
        if account_id in self.refused:
            raise ToolFailure("unauthorized", f"account {account_id} is not granted to agent agent-client-a")
        self.vends.append((account_id, scope))
        expiry = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
        return {
            "access_key": "ASIAFAKE",
            "secret_key": "fake",
            "token": "fake",
            "expiry_time": expiry,
            "region": "us-east-1",
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
    for service in ("ce", "cloudtrail", "budgets"):
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
        ("get_cost_forecast", {"metric": "USAGE_QUANTITY"}, "metric", ""),
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
        ("commitments", ("ce:GetReservationCoverage", "ce:GetReservationUtilization",
                         "ce:GetSavingsPlansCoverage", "ce:GetSavingsPlansUtilization")),
    ],
)  # fmt: skip
def test_each_new_scope_holds_only_its_actions(scope: str, actions: tuple[str, ...]) -> None:
    # get_recommendations vends one scope per kind: a rightsizing call's credentials cannot buy-plan, and so on
    assert SCOPES[scope].all_actions == actions
    policy = json.loads(session_policy(scope, account_id=ACCOUNT))
    assert [s["Action"] for s in policy["Statement"]] == [list(actions)]
