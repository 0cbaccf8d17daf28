# ruff: noqa: S608 - SQL statements are test data, never executed
"""Logs Insights and CloudTrail Lake query guards: the bypasses found in review, refused before any AWS call.

AWS is a scripted fake of ``AccountClients.call`` (the one door every tool uses to reach AWS): each
call is recorded, so a test can show that ``StartQuery``/``GetQueryResults`` never ran.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from account_tools.aws import AccountClients
from account_tools.errors import ToolFailure
from account_tools.server import build_runtime, build_server
from account_tools.settings import RuntimeSettings
from account_tools.tools.cloudtrail_lake import query_sources
from account_tools.tools.logs_insights import check_described_query, check_query
from tests.callers import Callers, call_tool

pytestmark = pytest.mark.unit

ACCOUNT = "222222222222"
ALLOWED = ("/demo/app", "/demo/worker")
QUERY_ID = "0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e"
STORE_ID = "6a4f1e0b-2c3d-4e5f-8a9b-0c1d2e3f4a5b"
FOREIGN_ID = "0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b"
STORE_ARN = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:eventdatastore/{STORE_ID}"


# --- Logs Insights: SOURCE, however it is hidden -----------------------------------------------------------

SOURCE_BYPASSES = [
    "# a comment line\nSOURCE '/secret/payments' | fields @message",
    "#\n#\nsource '/secret/payments'",
    "\u200bSOURCE '/secret/payments' | fields @message",  # zero-width space
    "fields @message |\u200b source '/secret/payments'",
    "\ufeffsource '/secret/payments'",  # byte-order mark
    "\u00a0source '/secret/payments'",  # no-break space
    "\u2028source '/secret/payments'",  # line separator
    "fields @message | # comment | still comment\r source '/secret/payments'",
    'fields @message\n|\n\t# c\n  SoUrCe "/secret/payments"',
    "\uff33\uff2f\uff35\uff32\uff23\uff25 '/secret/payments'",  # fullwidth SOURCE
    "fields @message \uff5c source '/secret/payments'",  # fullwidth vertical line
    "\u017fource '/secret/payments'",  # long s
    "fields x | source logGroups(namePrefix: ['/secret'])",
    "source=`/secret/payments` | fields @message",  # PPL
    "filter @message like 'x' and source '/secret/payments'",  # SOURCE where no command starts
]


@pytest.mark.parametrize("query", SOURCE_BYPASSES)
def test_every_source_bypass_is_refused(query: str) -> None:
    with pytest.raises(ToolFailure) as info:
        check_query(query, ["/demo/app"], ALLOWED)
    assert info.value.error_type == "invalid_parameter"
    assert info.value.message.startswith("query_string: ")


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM `/secret/payments`",
        "  select `@message` from `/secret/payments`",
        "WITH t AS (SELECT 1) SELECT * FROM t",
    ],
)
def test_other_query_languages_are_refused(query: str) -> None:
    with pytest.raises(ToolFailure, match="query_string: "):
        check_query(query, ["/demo/app"], ALLOWED)


@pytest.mark.parametrize(
    "query",
    [
        "fields @timestamp, source_ip, @message | sort @timestamp desc | limit 20",
        "fields @message | filter @message like /source code/ | limit 5",
        'fields @message | filter msg = "a|b" # a comment naming source\n| limit 5',
        "stats count(*) by sourceIPAddress",
        "fields @message | filter @message like 'café'",
    ],
)
def test_ordinary_queries_pass(query: str) -> None:
    check_query(query, ["/demo/app"], ALLOWED)


@pytest.mark.parametrize(
    "described",
    [
        {"queryId": QUERY_ID, "logGroupName": "/secret/payments", "queryString": "fields @message"},
        {"queryId": QUERY_ID, "logGroupName": "/demo/app", "queryString": "fields @message", "queryLanguage": "SQL"},
        {"queryId": QUERY_ID, "logGroupName": "/demo/app", "queryString": "SOURCE '/demo/app' '/secret/payments' | x"},
        {"queryId": QUERY_ID, "queryString": 'SOURCE "/demo/app" | SOURCE "/secret/payments" | fields @message'},
        {"queryId": QUERY_ID, "queryString": "SOURCE logGroups(namePrefix: ['/demo']) | fields @message"},
    ],
)
def test_described_queries_reaching_outside_the_allowlist_are_not_served(described: dict[str, Any]) -> None:
    with pytest.raises(ToolFailure) as info:
        check_described_query(described, ALLOWED)
    assert info.value.error_type == "not_found"


def test_described_queries_over_allowlisted_groups_are_served() -> None:
    check_described_query({"queryId": QUERY_ID, "logGroupName": "/demo/app", "queryString": "fields @m"}, ALLOWED)
    check_described_query(
        {"queryId": QUERY_ID, "queryString": 'SOURCE "/demo/app" START=-3600s END=0s | fields @m'}, ALLOWED
    )


# --- CloudTrail Lake: only this account's stores, as the SQL parser reads the statement -------------------

LAKE_BYPASSES = [
    f"SELECT * FROM {STORE_ID}, {FOREIGN_ID}",  # comma join
    f'SELECT * FROM {STORE_ID} JOIN "{FOREIGN_ID}" ON true',  # quoted name
    f"SELECT * FROM/**/{FOREIGN_ID}",  # comment between keyword and name
    f"SELECT * FROM {STORE_ID} UNION ALL SELECT * FROM {FOREIGN_ID}",
    f"SELECT * FROM (SELECT * FROM {FOREIGN_ID}) t",
    f"WITH t AS (SELECT * FROM {FOREIGN_ID}) SELECT * FROM t",
    f"SELECT * FROM {STORE_ID} WHERE eventName IN (SELECT eventName FROM {FOREIGN_ID})",
    f"SELECT * FROM arn:aws:cloudtrail:us-east-1:999988887777:eventdatastore/{FOREIGN_ID}",
]


@pytest.mark.parametrize("statement", LAKE_BYPASSES)
def test_lake_statements_naming_another_store_list_it(statement: str) -> None:
    assert set(query_sources(statement)) - {STORE_ID} != set()


@pytest.mark.parametrize(
    "statement",
    [
        f"SELECT * FROM `{FOREIGN_ID}`",  # backticks: not Lake SQL
        f"SELECT * FROM {STORE_ID}; SELECT * FROM {FOREIGN_ID}",
        f"DELETE FROM {STORE_ID}",
        f"SELECT * FROM other_catalog.db.{STORE_ID}",
        "SELECT 1",
        "SELECT * FROM " + "(" * 3000 + "SELECT 1" + ")" * 3000,
        f"SELECT * FROM {STORE_ID}\u200b",
    ],
)
def test_lake_statements_the_parser_cannot_vouch_for_are_refused(statement: str) -> None:
    with pytest.raises(ToolFailure) as info:
        query_sources(statement)
    assert info.value.error_type == "invalid_parameter"


def test_lake_statements_of_the_account_pass() -> None:
    statement = (
        f"SELECT eventName, count(*) FROM {STORE_ID} WHERE requestId = '{FOREIGN_ID}' GROUP BY 1 -- {FOREIGN_ID}"
    )
    assert query_sources(statement) == [STORE_ID]
    assert query_sources(f'SELECT * FROM "{STORE_ID}" a JOIN {STORE_ID} b ON a.x = b.x') == [STORE_ID]


# --- through the tools: refused before StartQuery / GetQueryResults -----------------------------------------


@dataclass
class FakeAws:
    """Scripted answers per operation; every call recorded as (service, operation, params)."""

    answers: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = field(default_factory=dict)
    calls: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    allowlist: tuple[str, ...] = ALLOWED  # what the vendor sends with the logs_insights credentials

    def operations(self) -> list[str]:
        return [operation for _, operation, _ in self.calls]


@dataclass
class Tools:
    server: Any
    callers: Callers
    aws: FakeAws

    def call(self, tool: str, arguments: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
        result = call_tool(self.server, self.callers, tool, arguments)
        return bool(result.is_error), result.structured_content or json.loads(result.content[0].text)


class _Vendor:
    def vend(self, **_: Any) -> dict[str, Any]:
        return {"access_key": "ASIAFAKE", "secret_key": "x", "token": "x", "expiry_time": "2999-01-01T00:00:00+00:00"}

    def list_accounts(self, **_: Any) -> list[dict[str, Any]]:
        return [{"account_id": ACCOUNT, "alias": None, "auth_type": "iam_role", "region": "us-east-1"}]


@pytest.fixture
def tools(monkeypatch: pytest.MonkeyPatch) -> Tools:
    aws = FakeAws()

    async def call(self: AccountClients, service: str, operation: str, **params: Any) -> dict[str, Any]:
        aws.calls.append((service, operation, params))
        if operation not in aws.answers:
            raise ToolFailure("access_denied", f"{operation} was not expected")
        return aws.answers[operation](params)

    async def allowed_log_groups(self: AccountClients, **_: Any) -> tuple[str, ...]:
        return aws.allowlist

    monkeypatch.setattr(AccountClients, "call", call)
    monkeypatch.setattr(AccountClients, "allowed_log_groups", allowed_log_groups)
    callers = Callers()
    settings = RuntimeSettings(vendor_function_name="vendor")
    rt = build_runtime(settings, vendor=_Vendor(), verifier=callers.verifier())  # type: ignore[arg-type]
    return Tools(build_server(rt), callers, aws)


def test_results_of_a_query_over_another_log_group_are_not_served(tools: Tools) -> None:
    # Given a query someone started out of band over /secret/payments: DescribeQueries lists it only there
    tools.aws.answers["describe_queries"] = lambda p: {
        "queries": []
        if p["logGroupName"] in ALLOWED
        else [{"queryId": QUERY_ID, "logGroupName": p["logGroupName"], "queryString": "fields card"}]
    }
    # When an agent asks for its results
    is_error, answer = tools.call("logs_insights_get_results", {"query_id": QUERY_ID, "target_account_id": ACCOUNT})
    # Then it is not found, and GetQueryResults never ran
    assert is_error
    assert answer["error_type"] == "not_found"
    assert tools.aws.operations() == ["describe_queries", "describe_queries"]
    assert [p["logGroupName"] for _, _, p in tools.aws.calls] == list(ALLOWED)


def test_results_of_a_mixed_query_are_not_served(tools: Tools) -> None:
    # Given a query listed under an allowlisted group whose text shows it also read another group
    described = {"queryId": QUERY_ID, "queryString": "SOURCE '/demo/app' | SOURCE '/secret/payments' | fields card"}
    tools.aws.answers["describe_queries"] = lambda p: {"queries": [described]}
    is_error, answer = tools.call("logs_insights_get_results", {"query_id": QUERY_ID, "target_account_id": ACCOUNT})
    assert is_error
    assert answer["error_type"] == "not_found"
    assert "get_query_results" not in tools.aws.operations()


def test_results_of_an_allowlisted_query_are_served_after_the_check(tools: Tools) -> None:
    pages: Iterator[dict[str, Any]] = iter(
        [{"queries": [], "nextToken": "p2"}, {"queries": [{"queryId": QUERY_ID, "logGroupName": "/demo/app"}]}]
    )
    tools.aws.answers["describe_queries"] = lambda p: next(pages)
    tools.aws.answers["get_query_results"] = lambda p: {
        "status": "Complete",
        "results": [[{"field": "@message", "value": "hello"}]],
    }
    is_error, answer = tools.call("logs_insights_get_results", {"query_id": QUERY_ID, "target_account_id": ACCOUNT})
    assert not is_error, answer
    assert answer["results"] == [{"@message": "hello"}]
    assert tools.aws.operations() == ["describe_queries", "describe_queries", "get_query_results"]
    assert tools.aws.calls[1][2]["nextToken"] == "p2"
    assert tools.aws.calls[0][2]["queryLanguage"] == "CWLI"


def test_start_query_pins_the_query_language(tools: Tools) -> None:
    tools.aws.answers["start_query"] = lambda p: {"queryId": QUERY_ID}
    tools.aws.answers["get_query_results"] = lambda p: {"status": "Complete", "results": []}
    is_error, answer = tools.call(
        "logs_insights_query", {"query_string": "fields @message", "wait_seconds": 0, "target_account_id": ACCOUNT}
    )
    assert not is_error, answer
    start = tools.aws.calls[0][2]
    assert (start["queryLanguage"], start["logGroupNames"]) == ("CWLI", list(ALLOWED))


@pytest.mark.parametrize("query", SOURCE_BYPASSES[:4])
def test_source_bypasses_never_reach_aws(tools: Tools, query: str) -> None:
    is_error, answer = tools.call("logs_insights_query", {"query_string": query, "target_account_id": ACCOUNT})
    assert is_error
    assert answer["error_type"] == "invalid_parameter"
    assert tools.aws.calls == []


@pytest.mark.parametrize("statement", LAKE_BYPASSES[:3])
def test_lake_query_naming_another_store_never_starts(tools: Tools, statement: str) -> None:
    tools.aws.answers["list_event_data_stores"] = lambda p: {"EventDataStores": [{"EventDataStoreArn": STORE_ARN}]}
    is_error, answer = tools.call("lake_query", {"query_statement": statement, "target_account_id": ACCOUNT})
    assert is_error
    assert answer["error_type"] == "not_found"
    assert FOREIGN_ID in answer["message"]
    assert tools.aws.operations() == ["list_event_data_stores"]


def test_prefix_entries_allow_the_groups_under_them_and_the_refusal_lists_the_allowlist(tools: Tools) -> None:
    # Given an account whose allowlist is one exact name and one prefix
    tools.aws.allowlist = ("/aws/lambda/orders-*", "/demo/app")
    tools.aws.answers["start_query"] = lambda p: {"queryId": QUERY_ID}
    tools.aws.answers["get_query_results"] = lambda p: {"status": "Complete", "results": []}
    query = {"query_string": "fields @message", "wait_seconds": 0, "target_account_id": ACCOUNT}
    # When a group under the prefix is queried, then it runs
    is_error, answer = tools.call("logs_insights_query", query | {"log_group_names": ["/aws/lambda/orders-api"]})
    assert not is_error, answer
    assert tools.aws.calls[0][2]["logGroupNames"] == ["/aws/lambda/orders-api"]
    # When a group outside it (or a wildcard passed as a name) is queried, then it is refused before any call
    for outside in ("/aws/lambda/payments", "/aws/lambda/orders-*", "/aws/lambda/order"):
        tools.aws.calls.clear()
        is_error, answer = tools.call("logs_insights_query", query | {"log_group_names": [outside]})
        assert is_error
        assert answer["error_type"] == "invalid_parameter"
        assert answer["message"] == (
            f"log_group_names: {outside} not on the allowlist of account {ACCOUNT};"
            " allowed: /aws/lambda/orders-*, /demo/app"
        )
        assert tools.aws.calls == []


def test_without_names_a_query_runs_over_the_exact_names_and_a_prefix_only_allowlist_needs_names(tools: Tools) -> None:
    tools.aws.allowlist = ("/aws/lambda/orders-*",)
    is_error, answer = tools.call(
        "logs_insights_query", {"query_string": "fields @message", "target_account_id": ACCOUNT}
    )
    assert is_error
    assert answer["error_type"] == "invalid_parameter"
    assert "allows groups by prefix: /aws/lambda/orders-*" in answer["message"]
    assert tools.aws.calls == []


def test_an_account_without_an_allowlist_is_refused_before_any_logs_call(tools: Tools) -> None:
    tools.aws.allowlist = ()
    for tool, args in (
        ("logs_insights_query", {"query_string": "fields @message"}),
        ("logs_insights_get_results", {"query_id": QUERY_ID}),
    ):
        is_error, answer = tools.call(tool, args | {"target_account_id": ACCOUNT})
        assert is_error
        assert answer["error_type"] == "access_denied"
        assert f"no log groups are allowlisted for Logs Insights in account {ACCOUNT}" in answer["message"]
    assert tools.aws.calls == []


def test_results_under_a_prefix_are_found_by_the_accounts_recent_queries(tools: Tools) -> None:
    # Given a prefix-only allowlist: DescribeQueries cannot filter by prefix, so the account's queries are read
    tools.aws.allowlist = ("/aws/lambda/orders-*",)
    listed = [
        {"queryId": "ffffffff-4f5a-6b7c-8d9e-0f1a2b3c4d5e", "logGroupName": "/secret/payments"},
        {"queryId": QUERY_ID, "logGroupName": "/aws/lambda/orders-api", "queryString": "fields @message"},
    ]
    tools.aws.answers["describe_queries"] = lambda p: {"queries": listed}
    tools.aws.answers["get_query_results"] = lambda p: {"status": "Complete", "results": []}
    is_error, answer = tools.call("logs_insights_get_results", {"query_id": QUERY_ID, "target_account_id": ACCOUNT})
    assert not is_error, answer
    assert "logGroupName" not in tools.aws.calls[0][2]
    # And a query over a group outside the prefix is not served
    listed[1]["logGroupName"] = "/aws/lambda/payments"
    tools.aws.calls.clear()
    is_error, answer = tools.call("logs_insights_get_results", {"query_id": QUERY_ID, "target_account_id": ACCOUNT})
    assert is_error
    assert answer["error_type"] == "not_found"
    assert "get_query_results" not in tools.aws.operations()
