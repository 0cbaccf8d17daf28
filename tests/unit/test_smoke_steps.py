"""Smoke-test pieces that need no server: fixes by error, dates, MCP bodies, the runtime lister."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import anyio
import pytest

from smoke.mcp_calls import bare_name, find_tool
from smoke.runtime_tools import AgentCoreRuntimeTools, parse_mcp_response
from smoke.steps import FIX_BY_ERROR_TYPE, FIX_SOURCE_IDENTITY, StepResult, error_fix, last_month

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("body", "fix"),
    [
        ({"error_type": "unauthorized", "message": "not granted"}, FIX_BY_ERROR_TYPE["unauthorized"]),
        ({"error_type": "account_not_found", "message": "x"}, FIX_BY_ERROR_TYPE["account_not_found"]),
        (
            {"error_type": "assume_role_error", "message": "not authorized to perform: sts:SetSourceIdentity"},
            FIX_SOURCE_IDENTITY,
        ),
        ({"error_type": "assume_role_error", "message": "AccessDenied"}, FIX_BY_ERROR_TYPE["assume_role_error"]),
    ],
)
def test_each_common_failure_gets_its_fix(body: dict[str, str], fix: str) -> None:
    assert error_fix(body) == fix


def test_last_month_spans_the_previous_calendar_month() -> None:
    assert last_month(dt.date(2026, 1, 15)) == ("2025-12-01", "2026-01-01")
    assert last_month(dt.date(2026, 3, 1)) == ("2026-02-01", "2026-03-01")


def test_gateway_names_resolve_to_the_runtime_names() -> None:
    names = ["account-tools___get_caller_identity", "account-tools___list_accounts"]
    assert bare_name(names[0]) == "get_caller_identity"
    assert find_tool(names, "list_accounts") == "account-tools___list_accounts"
    assert find_tool(names, "get_cost_and_usage") is None


def test_a_failed_step_renders_its_fix() -> None:
    text = StepResult("tool count", False, "Gateway 15, runtime 16", "synchronize").render()
    assert text == "[FAIL] tool count: Gateway 15, runtime 16\n       fix: synchronize"


@pytest.mark.parametrize("framing", ["json", "sse"])
def test_runtime_tools_come_from_invoke_agent_runtime(framing: str) -> None:
    # Given a bedrock-agentcore client answering tools/list in JSON or as server-sent events
    message = {"jsonrpc": "2.0", "id": 1, "result": {"tools": [{"name": "b"}, {"name": "a"}]}}
    text = json.dumps(message) if framing == "json" else f"event: message\ndata: {json.dumps(message)}\n\n"
    calls: list[dict[str, Any]] = []

    class FakeAgentCore:
        def invoke_agent_runtime(self, **kwargs: Any) -> dict[str, Any]:
            calls.append(kwargs)
            return {"response": io.BytesIO(text.encode())}

    lister = AgentCoreRuntimeTools("arn:aws:bedrock-agentcore:us-east-1:1:runtime/x", FakeAgentCore())

    # When the smoke test lists the runtime's tools
    names = anyio.run(lister.names)

    # Then it sent one MCP tools/list to the runtime's DEFAULT endpoint and read the names
    assert names == ["a", "b"]
    (call,) = calls
    assert call["qualifier"] == "DEFAULT"
    assert json.loads(call["payload"])["method"] == "tools/list"
    assert parse_mcp_response(text) == message
