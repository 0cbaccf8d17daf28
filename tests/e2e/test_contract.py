"""Contract: every tool listed over MCP accepts both the native-typed and the stringified form of its arguments.

For each tool, both payloads validate against the tool's advertised ``inputSchema`` (JSON Schema draft
2020-12, as the AgentCore Gateway checks them), and calling the tool with either gives the same result.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from mcp import Client

from local_stack.demo_data import demo_event_data_store_id
from local_stack.stack import LOG_GROUP, ROLE_ACCOUNT, LocalStack
from tests.mcp_results import body as _body

pytestmark = pytest.mark.e2e

ACCOUNT = ROLE_ACCOUNT
LOG_QUERY = "fields @timestamp, @message | sort @timestamp desc | limit 5"
NATIVE_TYPES = {"integer", "number", "boolean", "array", "object"}
# Answers that name a freshly started query differ by its id (and page tokens bound to it) only.
VOLATILE = {"query_id", "next_token"}


def _payloads(query_ids: dict[str, str]) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """Tool -> (native-typed arguments, the same arguments with every non-string value stringified)."""
    today = datetime.now(UTC).date()
    tomorrow = today + timedelta(days=1)
    lake_sql = f"SELECT eventName, userIdentity.userName FROM {demo_event_data_store_id(ACCOUNT)} LIMIT 5"  # noqa: S608
    ce_filter = {"Not": {"Dimensions": {"Key": "SERVICE", "Values": ["AWS Lambda"]}}}
    native: dict[str, dict[str, Any]] = {
        "list_accounts": {},
        "get_caller_identity": {},
        "logs_insights_query": {
            "query_string": LOG_QUERY,
            "log_group_names": [LOG_GROUP],
            "max_results": 5,
            "wait_seconds": 20,
        },
        "logs_insights_get_results": {"query_id": query_ids["logs"], "wait_seconds": 5},
        # A running query (a year's window runs for a minute in the emulator); the second call finds it cancelled
        "logs_insights_stop_query": {"query_id": query_ids["running"]},
        "list_log_groups": {"name_prefix": "/demo", "max_results": 5},
        "get_cost_and_usage": {
            "start_date": "2026-01-01",
            "end_date": "2026-03-01",
            "granularity": "MONTHLY",
            "metrics": ["UnblendedCost", "AmortizedCost"],
            "group_by": [{"Type": "DIMENSION", "Key": "SERVICE"}],
            "filter": ce_filter,
        },
        "get_cost_forecast": {
            "start_date": tomorrow.isoformat(),
            "end_date": (tomorrow + timedelta(days=7)).isoformat(),
            "granularity": "DAILY",
            "prediction_interval_level": 90,
        },
        "get_dimension_values": {"dimension": "SERVICE", "start_date": "2026-01-01", "filter": ce_filter},
        "get_commitments": {
            "kind": "reservation_coverage",
            "start_date": "2026-01-01",
            "end_date": "2026-02-01",
            "group_by": ["INSTANCE_TYPE", "REGION"],
            "max_results": 5,
        },
        "get_budgets": {
            "kind": "history",
            "budget_name": "acme-prod-monthly-cost",
            "start_date": "2026-01-01",
            "max_results": 3,
        },
        "lookup_events": {
            "attribute_key": "EventSource",
            "attribute_value": "ec2.amazonaws.com",
            "max_results": 3,
            "include_raw_event": True,
        },
        "list_event_data_stores": {"max_results": 10},
        "lake_query": {"query_statement": lake_sql, "wait_seconds": 10, "max_results": 3},
        "get_query_results": {"query_id": query_ids["lake"], "max_results": 2},
        "get_anomalies": {"start_date": (today - timedelta(days=85)).isoformat(), "min_impact": 50, "max_results": 5},
        "compare_costs": {
            "baseline_month": _month(today, 2),
            "comparison_month": _month(today, 1),
            "kind": "drivers",
            "group_by": "SERVICE",
            "max_results": 5,
        },
        "get_recommendations": {"kind": "rightsizing", "service": "AmazonEC2", "max_results": 3},
        "get_metrics": {
            "metrics": [{"namespace": "AWS/EC2", "metric_name": "CPUUtilization", "stat": "Maximum", "period": 600}],
            "start_time": (datetime.now(UTC) - timedelta(hours=6)).isoformat(),
            "end_time": datetime.now(UTC).isoformat(),
            "max_results": 50,
        },
        "get_alarms": {
            "kind": "history",
            "history_type": "StateUpdate",
            "start_time": (datetime.now(UTC) - timedelta(days=2)).isoformat(),
            "max_results": 5,
        },
    }
    pairs = {}
    for tool, arguments in native.items():
        if tool != "list_accounts":
            arguments["target_account_id"] = ACCOUNT
        stringified = {
            k: v if isinstance(v, str) else (json.dumps(v) if isinstance(v, list | dict | bool) else str(v))
            for k, v in arguments.items()
        }
        pairs[tool] = (arguments, stringified)
    return pairs


def _month(day: date, months_back: int) -> str:
    """``YYYY-MM`` of the month ``months_back`` before ``day``'s."""
    index = day.year * 12 + day.month - 1 - months_back
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _stable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: "<volatile>" if k in VOLATILE else _stable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value


def _branch_types(schema: dict[str, Any], defs: dict[str, Any]) -> set[str]:
    """Every JSON type a property schema accepts, through anyOf/oneOf and $ref."""
    if "$ref" in schema:
        return _branch_types(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
    types: set[str] = set()
    for key in ("anyOf", "oneOf"):
        for branch in schema.get(key, []):
            types |= _branch_types(branch, defs)
    kind = schema.get("type")
    if isinstance(kind, list):
        types |= set(kind)
    elif kind:
        types.add(kind)
    elif "enum" in schema:
        types.add("string")
    return types


async def _query_ids(client: Client) -> dict[str, str]:
    logs = _body(
        await client.call_tool(
            "logs_insights_query", {"query_string": LOG_QUERY, "wait_seconds": 0, "target_account_id": ACCOUNT}
        )
    )
    lake = _body(
        await client.call_tool(
            "lake_query",
            {
                "query_statement": f"SELECT eventName FROM {demo_event_data_store_id(ACCOUNT)}",  # noqa: S608
                "target_account_id": ACCOUNT,
            },
        )
    )
    year_ago = (datetime.now(UTC) - timedelta(days=365)).isoformat()
    running = _body(
        await client.call_tool(
            "logs_insights_query",
            {"query_string": LOG_QUERY, "start_time": year_ago, "wait_seconds": 0, "target_account_id": ACCOUNT},
        )
    )
    return {"logs": logs["query_id"], "lake": lake["query_id"], "running": running["query_id"]}


@pytest.mark.anyio
async def test_every_tool_accepts_native_and_stringified_arguments(local_stack: LocalStack) -> None:
    async with local_stack.mcp_client() as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        pairs = _payloads(await _query_ids(client))

        # Every listed tool has a contract case
        assert set(tools) == set(pairs)

        for name, (native, stringified) in pairs.items():
            schema = tools[name].input_schema
            validator = Draft202012Validator(schema)
            Draft202012Validator.check_schema(schema)

            # Every integer/number/boolean/array/object parameter advertises a string form too
            defs = schema.get("$defs", {})
            for prop, prop_schema in schema.get("properties", {}).items():
                types = _branch_types(prop_schema, defs)
                if types & NATIVE_TYPES:
                    assert "string" in types, f"{name}.{prop} advertises {types} without a string form"

            # Given both payloads are valid for the advertised schema
            for payload in (native, stringified):
                errors = [e.message for e in validator.iter_errors(payload)]
                assert not errors, f"{name} {payload}: {errors}"

            # When the tool is called with each
            native_result = await client.call_tool(name, native)
            string_result = await client.call_tool(name, stringified)

            # Then both succeed with the same answer, for the target account, in the advertised output shape
            assert not native_result.is_error, (name, _body(native_result))
            assert not string_result.is_error, (name, _body(string_result))
            assert _stable(_body(native_result)) == _stable(_body(string_result)), name
            output = Draft202012Validator(tools[name].output_schema)
            assert not [e.message for e in output.iter_errors(native_result.structured_content)], name
            if "target_account_id" in native:
                assert _body(native_result)["target_account_id"] == ACCOUNT, name


@pytest.mark.anyio
async def test_every_tool_takes_a_numeric_account_id_and_refuses_other_digits(local_stack: LocalStack) -> None:
    async with local_stack.mcp_client() as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        pairs = _payloads(await _query_ids(client))
        for name, (native, _) in pairs.items():
            if "target_account_id" not in native:
                continue
            validator = Draft202012Validator(tools[name].input_schema)
            numeric = {**native, "target_account_id": int(ACCOUNT)}
            assert not list(validator.iter_errors(numeric)), name

            # A number is the same account as its 12-digit string
            result = await client.call_tool(name, numeric)
            assert not result.is_error, (name, _body(result))
            assert _body(result)["target_account_id"] == ACCOUNT, name

            # Arabic-Indic and fullwidth digits are digits to Python, not to an account id
            for other in ("\u0662" * 12, "\uff12" * 12):
                refused = await client.call_tool(name, {**native, "target_account_id": other})
                assert refused.is_error, name
                assert _body(refused)["error_type"] == "invalid_parameter", name
                assert _body(refused)["message"].startswith("target_account_id:"), name
                assert list(validator.iter_errors({**native, "target_account_id": other})), name


@pytest.mark.anyio
async def test_every_tool_refuses_an_unknown_argument(local_stack: LocalStack) -> None:
    async with local_stack.mcp_client() as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        pairs = _payloads({"logs": "0" * 36, "lake": "0" * 36, "running": "0" * 36})
        for name, (native, _) in pairs.items():
            # Given the account named under a wrong key, with no target_account_id
            arguments = {k: v for k, v in native.items() if k != "target_account_id"} | {"accountId": ACCOUNT}

            # Then the advertised schema refuses it, and so does the server (nothing runs in another account)
            assert list(Draft202012Validator(tools[name].input_schema).iter_errors(arguments)), name
            result = await client.call_tool(name, arguments)
            assert result.is_error, name
            body = _body(result)
            assert body["error_type"] == "invalid_parameter", name
            takes_account = "target_account_id" in tools[name].input_schema.get("properties", {})
            hint = " (did you mean target_account_id?)" if takes_account else ""
            assert body["message"].startswith(f"accountId: unknown argument{hint}"), body


@pytest.mark.anyio
async def test_a_bad_value_names_the_field_and_the_expected_form(local_stack: LocalStack) -> None:
    async with local_stack.mcp_client() as client:
        result = await client.call_tool("lookup_events", {"max_results": "lots", "target_account_id": ACCOUNT})
        cost = await client.call_tool("get_cost_and_usage", {"group_by": "SERVICE", "target_account_id": ACCOUNT})
    assert result.is_error
    assert _body(result)["error_type"] == "invalid_parameter"
    assert _body(result)["message"].startswith("max_results:")
    assert cost.is_error
    assert _body(cost)["message"].startswith("group_by:")
    assert "JSON array" in _body(cost)["message"]
