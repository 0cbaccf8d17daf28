"""Property-based tests over every tool's arguments, drawn from the tool's own input schema (``tools/list``).

Whatever the arguments, the answer is a result or a structured error (``error_type`` + ``message``),
never a stack trace or the SDK's generic error; and an argument the server refuses as invalid never
leads to an AWS call, so it never vends. AWS is a fake of ``AccountClients.call`` (the one door every
tool uses to reach AWS, each call needing vended credentials) that records the call and answers
``access_denied``; the vendor records vends. Calls go through an in-process MCP client with a caller
assertion, as the Gateway interceptor would sign it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import anyio
import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from account_tools.aws import AccountClients
from account_tools.errors import ToolFailure
from account_tools.portable import MAX_STRING_CHARS, walk
from account_tools.server import build_runtime, build_server
from account_tools.settings import RuntimeSettings
from tests.callers import Callers, call_tool

pytestmark = pytest.mark.unit

ACCOUNT = "222222222222"
EXAMPLES = 8  # per tool and property: about 20 tools x 2 properties, well under a minute in all


@dataclass
class Recorder:
    vends: list[tuple[str, str]] = field(default_factory=list)
    aws_calls: list[tuple[str, str]] = field(default_factory=list)

    def vend(self, *, account_id: str, scope: str, region: str | None, assertion: str) -> dict[str, Any]:
        self.vends.append((account_id, scope))
        return {"access_key": "ASIAFAKE", "secret_key": "x", "token": "x", "expiry_time": "2999-01-01T00:00:00Z"}

    def list_accounts(self, *, assertion: str) -> list[dict[str, Any]]:
        return [{"account_id": ACCOUNT, "alias": None, "auth_type": "iam_role", "region": "us-east-1"}]

    def reset(self) -> None:
        self.vends.clear()
        self.aws_calls.clear()


RECORDER = Recorder()
CALLERS = Callers()
SERVER = build_server(
    build_runtime(
        RuntimeSettings(vendor_function_name="vendor"),
        vendor=RECORDER,  # type: ignore[arg-type]
        verifier=CALLERS.verifier(),
    )
)
TOOLS = {tool.name: tool for tool in anyio.run(SERVER.list_tools)}


@pytest.fixture(autouse=True)
def fake_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    async def call(self: AccountClients, service: str, operation: str, **_: Any) -> dict[str, Any]:
        RECORDER.aws_calls.append((service, operation))
        raise ToolFailure("access_denied", "the property tests reach no AWS service")

    monkeypatch.setattr(AccountClients, "call", call)


def answer(tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """Call ``tool``; assert the answer is a result or a structured error, and return its body."""
    RECORDER.reset()
    result = call_tool(SERVER, CALLERS, tool, arguments)
    text = result.content[0].text if result.content else ""
    assert "Traceback" not in text
    if not result.is_error:
        return dict(result.structured_content or {})
    try:
        body = result.structured_content or json.loads(text)
    except ValueError:
        pytest.fail(f"{tool}: an unstructured error: {text[:200]!r}")
    assert set(body) >= {"error_type", "message"}, body
    assert body["error_type"] != "internal_error", body
    return dict(body)


def refused_before_aws(tool: str, body: dict[str, Any]) -> None:
    if body.get("error_type") == "invalid_parameter":
        assert RECORDER.aws_calls == [], f"{tool}: invalid arguments reached AWS"
        assert RECORDER.vends == [], f"{tool}: invalid arguments vended credentials"


PROPERTY_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same examples on every run: CI stays reproducible and bounded
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much],
)


@pytest.mark.parametrize("tool", sorted(TOOLS))
def test_schema_valid_arguments_get_a_result_or_a_structured_error(tool: str) -> None:
    schema = TOOLS[tool].input_schema

    @PROPERTY_SETTINGS
    @given(arguments=from_schema(schema))
    def check(arguments: dict[str, Any]) -> None:
        refused_before_aws(tool, answer(tool, arguments))

    check()


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)


@pytest.mark.parametrize("tool", sorted(TOOLS))
def test_arguments_outside_the_schema_are_refused_before_any_vend(tool: str) -> None:
    schema = TOOLS[tool].input_schema
    names = sorted(schema.get("properties", {})) or ["unexpected"]
    arguments = st.dictionaries(st.sampled_from([*names, "accountId"]), JSON, max_size=len(names) + 1)

    @PROPERTY_SETTINGS
    @given(arguments=arguments)
    def check(arguments: dict[str, Any]) -> None:
        body = answer(tool, arguments)
        try:  # an explicit null means "not set" (the server accepts it for every optional argument)
            jsonschema.validate({k: v for k, v in arguments.items() if v is not None}, schema)
        except jsonschema.ValidationError:
            assert body.get("error_type") == "invalid_parameter", body
        refused_before_aws(tool, body)

    check()


@pytest.mark.parametrize("tool", sorted(TOOLS))
def test_every_parameter_advertises_a_bound(tool: str) -> None:
    # Free-form strings show maxLength, string forms of numbers/arrays/objects a pattern or the JSON bound
    # (server-side), arrays maxItems; page tokens are bounded by the server (next test).
    unbounded = []
    for path, node in walk(TOOLS[tool].input_schema):
        if node.get("type") == "array" and "maxItems" not in node:
            unbounded.append(path)
        free_form = node.get("type") == "string" and not {"maxLength", "pattern", "enum", "const"} & set(node)
        if free_form and "/anyOf/" not in path and not path.endswith("/next_token"):
            unbounded.append(path)
    assert unbounded == []


@pytest.mark.parametrize(
    ("tool", "name", "value"),
    [
        ("lookup_events", "next_token", "x" * (MAX_STRING_CHARS + 1)),
        ("get_cost_and_usage", "filter", json.dumps({"Tags": {"Key": "k", "Values": ["x" * (MAX_STRING_CHARS + 1)]}})),
        ("lookup_events", "max_results", "1" * (MAX_STRING_CHARS + 1)),
        ("get_cost_and_usage", "start_date", "2026-01-01" + " " * MAX_STRING_CHARS),
    ],
)
def test_an_oversized_string_is_refused_before_any_vend(tool: str, name: str, value: str) -> None:
    body = answer(tool, {name: value, "target_account_id": ACCOUNT})
    assert body["error_type"] == "invalid_parameter"
    assert body["message"].startswith(name)
    refused_before_aws(tool, body)
