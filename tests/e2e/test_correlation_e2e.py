"""End to end: one tool call's correlation id is in the runtime's log line and in the vendor's log
line of the vend it caused; neither component's JSON log lines carry terminal color codes."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from local_stack.stack import AKSK_ACCOUNT, HOST_ACCOUNT, ROLE_ACCOUNT, LocalStack

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]

# Calls with different (principal, account, scope) keys: the runtime caches credentials per key, so at
# least one of them vends even when earlier tests of the session already used the others.
CANDIDATES: list[tuple[str, str, dict[str, Any]]] = [
    (principal, tool, {"target_account_id": account} | extra)
    for principal in ("platform-agent", "acme-agent")
    for tool, extra in (
        ("get_dimension_values", {"dimension": "SERVICE", "start_date": "2026-01-01", "end_date": "2026-02-01"}),
        ("lookup_events", {}),
        ("get_caller_identity", {}),
    )
    for account in (HOST_ACCOUNT, AKSK_ACCOUNT, ROLE_ACCOUNT)
]


def vends(stack: LocalStack) -> int:
    response = httpx.get(stack.runtime_url.replace("/mcp", "/ping"), timeout=5)
    response.raise_for_status()
    count: int = response.json()["credential_cache"]["vends"]
    return count


def json_lines(path: Path) -> list[dict[str, Any]]:
    lines = []
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            try:
                lines.append(json.loads(line))
            except ValueError:
                continue
    return lines


def wait_for(path: Path, predicate: Any, timeout_s: float = 10) -> dict[str, Any]:
    """The first JSON line of ``path`` matching ``predicate`` (component logs are flushed asynchronously)."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = [line for line in json_lines(path) if predicate(line)]
        if found:
            return found[-1]
        if time.monotonic() > deadline:
            raise AssertionError(f"no matching line in {path.name}")
        time.sleep(0.2)


async def test_one_tool_calls_correlation_id_is_in_the_runtimes_and_the_vendors_log_line(local_stack: LocalStack):
    # Given a tool call that makes the runtime vend (its credentials were not cached)
    called: tuple[str, str, dict[str, Any]] | None = None
    for principal, tool, arguments in CANDIDATES:
        before = vends(local_stack)
        async with local_stack.mcp_client(principal) as client:
            await client.call_tool(tool, arguments)
        if vends(local_stack) > before:
            called = (principal, tool, arguments)
            break
    assert called is not None, "every candidate call was answered from the credential cache"
    principal, tool, arguments = called
    runtime_log, vendor_log = local_stack.log_dir / "mcp-server.log", local_stack.log_dir / "vendor.log"

    # When we read the runtime's line for that call
    call = wait_for(
        runtime_log,
        lambda line: (
            line.get("message") == "tool call"
            and line.get("tool") == tool
            and line.get("target_account_id") == arguments["target_account_id"]
            and line.get("principal") == f"agent:{principal}"
        ),
    )
    correlation_id = call["correlation_id"]
    assert correlation_id

    # Then the vendor's "vended" line carries the same id, with the scope and the caller
    vended = wait_for(
        vendor_log, lambda line: line.get("message") == "vended" and line.get("correlation_id") == correlation_id
    )
    assert vended["target_account_id"] == arguments["target_account_id"]
    assert vended["principal"] == f"agent:{principal}"
    assert vended["scope"]
    # And no other call's lines share it
    assert sum(1 for line in json_lines(runtime_log) if line.get("correlation_id") == correlation_id) == 1


def test_component_logs_carry_no_terminal_color_codes(local_stack: LocalStack):
    for name in ("mcp-server.log", "vendor.log"):
        text = (local_stack.log_dir / name).read_text(errors="replace")
        json_text = "\n".join(line for line in text.splitlines() if line.startswith("{"))
        assert json_text, name
        assert "\x1b[" not in json_text, name
        assert "\\u001b[" not in json_text, name  # nor escaped inside a JSON string
