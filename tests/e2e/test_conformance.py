"""Conformance: every tool, as a real MCP client lists it, is one the AgentCore Gateway and mainstream clients take.

Checked for each tool over streamable HTTP against the local stack:
1. ``inputSchema``/``outputSchema`` are self-contained JSON Schema 2020-12 (no ``$ref``, ``$defs``,
   ``definitions``), valid metaschema-wise, and compile in Ajv (Node, as JavaScript clients use them),
   whose RegExp is ECMA-262; every ``pattern`` also compiles in ``regress`` (an ECMA engine for Python).
2. The input schema is closed at the top (``additionalProperties: false``).
3. ``target_account_id`` advertises a 12-digit string or an integer.
4. A title, the annotations (``readOnlyHint: true``, or false and not destructive for the one tool that
   stops a query; ``idempotentHint``, ``openWorldHint``), an object ``outputSchema``.
5. One paging vocabulary (``max_results``, ``next_token``); descriptions without indentation, under 1,000
   characters.
Plus the Gateway's tool-name rule and the size of the whole ``tools/list`` answer.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
import regress
from jsonschema import Draft202012Validator

from account_tools.portable import MAX_DESCRIPTION_CHARS, walk
from local_stack.stack import REPO_ROOT, LocalStack
from stacks.constants import GATEWAY_TARGET_NAME

pytestmark = pytest.mark.e2e

MAX_TOOLS_LIST_BYTES = 40_000
# The tools that are not read-only (readOnlyHint false, destructiveHint false): stopping a running query.
CHANGES_STATE = {"logs_insights_stop_query"}
GATEWAY_TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")  # "<target>___<tool>", at most 64 characters
# Paging and size names that other tools once used; one vocabulary now: max_results and next_token.
RETIRED_PAGING_NAMES = {"next_page_token", "page_token", "nextToken", "limit", "page_size", "maxResults"}
# Inline modifiers such as (?i:...) are ES2025; Node 20/22 (Ajv) reject them. Lookarounds and named groups are fine.
_INLINE_GROUP = re.compile(r"\(\?(?![:=!]|<[=!]|<[A-Za-z])")


@pytest.fixture(scope="module")
def listed(local_stack: LocalStack) -> dict[str, Any]:
    """The raw ``tools/list`` result, exactly as a client receives it over streamable HTTP."""
    headers = {
        "Accept": "application/json, text/event-stream",
        "Content-Type": "application/json",
        "Authorization": f"Bearer {local_stack.token()}",
    }
    for method, params in (("initialize", _INIT), ("tools/list", {})):
        response = httpx.post(
            local_stack.mcp_url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params}, headers=headers
        )
        response.raise_for_status()
    body: dict[str, Any] = response.json()
    body["_bytes"] = len(response.content)
    return body


_INIT = {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "conformance", "version": "1"}}


def _schemas(tool: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(kind, tool[kind]) for kind in ("inputSchema", "outputSchema") if tool.get(kind) is not None]


def test_schemas_are_self_contained_2020_12(listed: dict[str, Any]) -> None:
    for tool in listed["result"]["tools"]:
        for kind, schema in _schemas(tool):
            text = json.dumps(schema)
            for keyword in ("$ref", "$defs", "definitions", "$dynamicRef"):
                assert f'"{keyword}"' not in text, f"{tool['name']}.{kind} has {keyword}"
            Draft202012Validator.check_schema(schema)
            assert schema.get("type") == "object", f"{tool['name']}.{kind} is not an object schema"


def test_every_pattern_is_an_ecma_262_regex(listed: dict[str, Any]) -> None:
    patterns = 0
    for tool in listed["result"]["tools"]:
        for kind, schema in _schemas(tool):
            for path, sub in walk(schema):
                if "pattern" in sub:
                    patterns += 1
                    where = f"{tool['name']}.{kind}{path}"
                    regress.Regex(sub["pattern"], "u")  # raises on a non-ECMA pattern
                    assert not _INLINE_GROUP.search(sub["pattern"]), f"{where}: inline modifier group"
    assert patterns > 0  # the check ran over real patterns


@pytest.mark.skipif(shutil.which("node") is None, reason="Node is part of the CDK toolchain; CI always has it")
def test_every_schema_compiles_in_ajv(listed: dict[str, Any], tmp_path: Path) -> None:
    # Given the tools/list answer as a JavaScript client receives it
    answer = tmp_path / "tools.json"
    answer.write_text(json.dumps(listed["result"]))

    # When Ajv (draft 2020-12, strict mode, unicode RegExp) compiles every input and output schema
    run = subprocess.run(
        ["node", str(REPO_ROOT / "tests" / "e2e" / "ajv_compile.mjs"), str(answer)],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=60,
        check=False,
    )

    # Then every one compiles
    assert run.returncode == 0, run.stdout + run.stderr
    assert json.loads(run.stdout) == {"ok": sum(len(_schemas(t)) for t in listed["result"]["tools"])}


def test_input_schemas_are_closed_and_take_numeric_account_ids(listed: dict[str, Any]) -> None:
    for tool in listed["result"]["tools"]:
        schema = tool["inputSchema"]
        assert schema.get("additionalProperties") is False, tool["name"]
        account = schema.get("properties", {}).get("target_account_id")
        if tool["name"] == "list_accounts":
            continue
        assert account is not None, f"{tool['name']} lacks target_account_id"
        branches = {b["type"]: b for b in account["anyOf"]}
        assert branches["string"]["pattern"] == "^[0-9]{12}$"
        assert "integer" in branches
        assert "zero-padded" in account["description"]


def test_titles_annotations_and_output_schemas(listed: dict[str, Any]) -> None:
    for tool in listed["result"]["tools"]:
        name = tool["name"]
        assert tool.get("title"), f"{name} has no title"
        hints = tool.get("annotations") or {}
        if name in CHANGES_STATE:  # it changes something, destroys nothing, and a repeat changes nothing more
            stated = [hints.get(k) for k in ("readOnlyHint", "destructiveHint", "idempotentHint")]
            assert stated == [False, False, True], name
        else:
            assert hints.get("readOnlyHint") is True, name
        assert isinstance(hints.get("idempotentHint"), bool), name
        assert isinstance(hints.get("openWorldHint"), bool), name
        output = tool.get("outputSchema") or {}
        assert output.get("properties"), f"{name}: outputSchema is empty"
        if "target_account_ids" in tool["inputSchema"].get("properties", {}):
            # a many-accounts answer has one entry per account instead of one target_account_id
            assert {"target_account_id", "accounts"} <= set(output["properties"]), name
        elif name != "list_accounts":
            assert "target_account_id" in output.get("required", []), name


def test_paging_vocabulary_and_descriptions(listed: dict[str, Any]) -> None:
    for tool in listed["result"]["tools"]:
        name = tool["name"]
        properties = set(tool["inputSchema"].get("properties", {}))
        assert not properties & RETIRED_PAGING_NAMES, f"{name} uses {properties & RETIRED_PAGING_NAMES}"
        if "next_token" in properties:
            assert "next_token" in tool["outputSchema"]["properties"], f"{name} takes next_token but never answers one"
        description = tool["description"]
        assert 0 < len(description) <= MAX_DESCRIPTION_CHARS, name
        assert description == description.strip()
        indented = [line for line in description.splitlines() if line[:1].isspace()]
        assert not indented, f"{name} description keeps indentation: {indented[:1]}"
        for prop, schema in tool["inputSchema"].get("properties", {}).items():
            assert schema.get("description"), f"{name}.{prop} has no description"


def test_gateway_tool_names_and_tools_list_size(listed: dict[str, Any]) -> None:
    names = [tool["name"] for tool in listed["result"]["tools"]]
    for name in names:
        assert GATEWAY_TOOL_NAME.match(f"{GATEWAY_TARGET_NAME}___{name}"), name
    assert len(names) == len(set(names))
    # The whole answer an agent pays for in context on every session
    assert listed["_bytes"] <= MAX_TOOLS_LIST_BYTES, listed["_bytes"]


@pytest.mark.anyio
async def test_the_python_sdk_client_sees_the_same_tools(local_stack: LocalStack, listed: dict[str, Any]) -> None:
    async with local_stack.mcp_client() as client:
        tools = (await client.list_tools()).tools
    assert [t.name for t in tools] == [t["name"] for t in listed["result"]["tools"]]
    for tool in tools:
        assert tool.title
        assert tool.annotations is not None
        assert tool.annotations.read_only_hint is (tool.name not in CHANGES_STATE)
