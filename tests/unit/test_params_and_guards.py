"""Lenient parameter types, the Logs Insights allowlist guard and the scope registry."""

from __future__ import annotations

import json
from typing import Annotated, Any

import pytest
from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from account_tools.errors import ToolFailure
from account_tools.params import LenientBool, lenient_int, lenient_list, lenient_object
from account_tools.tools.logs_insights import check_query, parse_time
from credential_vendor.scopes import MAX_SESSION_POLICY_CHARS, SCOPES, session_policy, union_of_actions

pytestmark = pytest.mark.unit

ALLOWED = ("/demo/app", "/demo/worker")


class Filter(BaseModel):
    key: str
    values: list[str] = Field(min_length=1)


class Args(BaseModel):
    limit: lenient_int(ge=1, le=50) = 10  # type: ignore[valid-type]
    flag: LenientBool = False
    names: lenient_list(str, min_length=1) | None = None  # type: ignore[valid-type]
    filter: lenient_object(Filter) | None = None  # type: ignore[valid-type]


@pytest.mark.parametrize(
    ("native", "stringified"),
    [
        ({"limit": 50}, {"limit": "50"}),
        ({"flag": True}, {"flag": "true"}),
        ({"names": ["a", "b"]}, {"names": '["a", "b"]'}),
        ({"filter": {"key": "SERVICE", "values": ["EC2"]}}, {"filter": '{"key": "SERVICE", "values": ["EC2"]}'}),
    ],
)
def test_native_and_stringified_forms_normalize_to_the_same_value(native, stringified):
    assert Args.model_validate(native) == Args.model_validate(stringified)


@pytest.mark.parametrize(
    ("payload", "field", "expected"),
    [
        ({"limit": "0"}, "limit", "greater than or equal to 1"),
        ({"limit": 51}, "limit", "less than or equal to 50"),
        ({"limit": "fifty"}, "limit", "pattern"),
        ({"flag": "yes"}, "flag", "pattern"),
        ({"names": "[1"}, "names", "expected a JSON array"),
        ({"names": "[]"}, "names", "at least 1"),
        ({"filter": '{"key": "SERVICE"}'}, "filter", "values"),
        ({"filter": "not json"}, "filter", "expected a JSON object"),
    ],
)
def test_bad_values_fail_naming_the_field(payload, field, expected):
    with pytest.raises(ValidationError) as info:
        Args.model_validate(payload)
    errors = info.value.errors()
    assert {str(e["loc"][0]) for e in errors} == {field}
    assert any(expected in e["msg"] for e in errors)


def test_schema_advertises_both_forms():
    schema = Args.model_json_schema()
    for name, native_type in (("limit", "integer"), ("flag", "boolean")):
        types = {branch.get("type") for branch in schema["properties"][name]["anyOf"]}
        assert types == {native_type, "string"}
    names_types = {b.get("type") for b in schema["properties"]["names"]["anyOf"]}
    assert {"array", "string"} <= names_types


def test_integer_range_is_in_the_schema():
    # built at run time (lenient_int returns an Annotated form), so not a static type expression
    lenient: Any = Annotated[lenient_int(ge=1, le=50), Field()]
    schema = TypeAdapter(lenient).json_schema()
    integer = next(b for b in schema["anyOf"] if b["type"] == "integer")
    assert (integer["minimum"], integer["maximum"]) == (1, 50)


# -- Logs Insights allowlist --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "groups", "message"),
    [
        ("fields @message", ["/aws/lambda/other"], "log_group_names: /aws/lambda/other not on the allowlist"),
        ("SOURCE '/aws/lambda/secrets' | fields @message", ["/demo/app"], "SOURCE"),
        ("fields @message | source logGroups(namePrefix: ['/'])", ["/demo/app"], "SOURCE"),
        ("  source '/x'", ["/demo/app"], "SOURCE"),
        (
            "fields @message | filter @log = 'arn:aws:logs:us-east-1:222222222222:log-group:/secret/group'",
            ["/demo/app"],
            "/secret/group",
        ),
    ],
)
def test_queries_reaching_outside_the_allowlist_are_refused(query, groups, message):
    with pytest.raises(ToolFailure) as info:
        check_query(query, groups, ALLOWED)
    assert info.value.error_type == "invalid_parameter"
    assert message in info.value.message


def test_allowlisted_queries_pass():
    check_query("fields @timestamp, @message | filter @message like /sourced/ | limit 5", ["/demo/app"], ALLOWED)
    check_query(
        "fields @message | filter @log = 'arn:aws:logs:us-east-1:222222222222:log-group:/demo/app'",
        ["/demo/app"],
        ALLOWED,
    )


def test_no_allowlist_means_no_queries():
    with pytest.raises(ToolFailure) as info:
        check_query("fields @message", ["/demo/app"], ())
    assert info.value.error_type == "access_denied"


def test_parse_time_names_the_field():
    with pytest.raises(ToolFailure, match="start_time: expected an ISO-8601"):
        parse_time("start_time", "yesterday", parse_time("x", "2026-11-21T00:00:00Z", None))  # type: ignore[arg-type]
    assert parse_time("end_time", "2026-11-21T10:00:00", None).isoformat() == "2026-11-21T10:00:00+00:00"  # type: ignore[arg-type]


# -- scope registry --------------------------------------------------------------------------------------


@pytest.mark.parametrize("scope", sorted(SCOPES))
def test_session_policy_allows_only_the_scope_actions(scope):
    policy = session_policy(scope, account_id="222222222222", log_groups=ALLOWED)
    assert len(policy) <= MAX_SESSION_POLICY_CHARS
    document = json.loads(policy)
    actions = {a for s in document["Statement"] for a in s["Action"]}
    assert actions == set(SCOPES[scope].all_actions)
    assert all(s["Effect"] == "Allow" for s in document["Statement"])
    assert not any("*" in a for a in actions)


def test_logs_scope_pins_start_query_to_allowlisted_groups_of_the_account():
    document = json.loads(session_policy("logs_insights", account_id="222222222222", log_groups=ALLOWED))
    pinned = next(s for s in document["Statement"] if s["Action"] == ["logs:StartQuery"])
    assert pinned["Resource"] == [
        "arn:aws:logs:*:222222222222:log-group:/demo/app:*",
        "arn:aws:logs:*:222222222222:log-group:/demo/worker:*",
    ]
    # without an allowlist, StartQuery is not granted at all
    bare = json.loads(session_policy("logs_insights", account_id="222222222222"))
    assert "logs:StartQuery" not in {a for s in bare["Statement"] for a in s["Action"]}


def test_union_covers_every_scope():
    assert set(union_of_actions()) == {a for s in SCOPES.values() for a in s.all_actions}


@pytest.mark.parametrize(
    ("tool", "arguments", "message"),
    [
        ("get_caller_identity", {"target_account_id": "12ab"}, "target_account_id: expected a 12-digit AWS account id"),
        (
            "lookup_events",
            {"max_results": "lots"},
            'max_results: expected an integer, as a number or a string (e.g. 50 or "50")',
        ),
        ("lookup_events", {"max_results": "0"}, "max_results: Input should be greater than or equal to 1"),
        ("lookup_events", {"max_results": 51}, "max_results: Input should be less than or equal to 50"),
        ("lookup_events", {"include_raw_event": "yes"}, "include_raw_event: expected a boolean"),
        (
            "get_cost_and_usage",
            {"granularity": "WEEKLY"},
            "granularity: Input should be 'DAILY', 'MONTHLY' or 'HOURLY'",
        ),
        (
            "logs_insights_query",
            {"query_string": "x", "log_group_names": "[1"},
            "log_group_names: expected a JSON array",
        ),
    ],
)
def test_invalid_arguments_get_one_plain_message_per_field(tool, arguments, message):
    from account_tools.server import build_runtime, build_server
    from account_tools.settings import RuntimeSettings
    from tests.callers import Callers, call_tool

    callers = Callers()
    settings = RuntimeSettings(vendor_function_name="x")
    server = build_server(build_runtime(settings, verifier=callers.verifier()))
    result = call_tool(server, callers, tool, arguments)
    assert result.is_error
    assert result.structured_content["error_type"] == "invalid_parameter"
    assert result.structured_content["message"].startswith(message)
    assert "pattern" not in result.structured_content["message"]
