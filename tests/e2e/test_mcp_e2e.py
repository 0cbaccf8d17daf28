"""End to end: a real MCP client over streamable HTTP against the local stack (PostgreSQL, the AWS
emulator, the vendor behind a Lambda Invoke endpoint, the MCP server in its own process)."""

from __future__ import annotations

import json
from typing import Any

import anyio
import httpx
import pytest

from local_stack.stack import AKSK_ACCOUNT, HOST_ACCOUNT, ROLE_ACCOUNT, LocalStack
from tests.mcp_results import body

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]
QUERY = "fields @timestamp, @message | sort @timestamp desc | limit 10"


def health(stack: LocalStack) -> dict[str, Any]:
    response = httpx.get(stack.runtime_url.replace("/mcp", "/ping"), timeout=5)
    response.raise_for_status()
    data: dict[str, Any] = response.json()
    return data


def marker(stack: LocalStack, account_id: str) -> str:
    return next(a.marker for a in stack.accounts if a.account_id == account_id)


async def test_each_account_gets_its_own_data(local_stack: LocalStack):
    async with local_stack.mcp_client() as client:
        for account_id, other in ((ROLE_ACCOUNT, AKSK_ACCOUNT), (AKSK_ACCOUNT, ROLE_ACCOUNT)):
            identity = await client.call_tool("get_caller_identity", {"target_account_id": account_id})
            assert not identity.is_error
            assert body(identity)["account_id"] == account_id
            logs = await client.call_tool(
                "logs_insights_query", {"query_string": QUERY, "target_account_id": account_id}
            )
            assert not logs.is_error, body(logs)
            text = json.dumps(body(logs))
            assert body(logs)["status"] == "Complete"
            assert marker(local_stack, account_id) in text
            assert marker(local_stack, other) not in text


async def test_omitted_target_uses_the_callers_only_account(local_stack: LocalStack):
    # A caller with one account may omit it; a caller with several is asked for it (no global default)
    async with local_stack.mcp_client("acme-agent") as client:
        identity = body(await client.call_tool("get_caller_identity", {}))
    async with local_stack.mcp_client("platform-agent") as client:
        ambiguous = await client.call_tool("get_caller_identity", {})
    assert identity["account_id"] == ROLE_ACCOUNT
    assert ambiguous.is_error
    assert body(ambiguous)["error_type"] == "invalid_parameter"
    assert body(ambiguous)["message"].startswith("target_account_id is required: you may target ")


async def test_unknown_account_is_unauthorized_like_any_ungranted_one(local_stack: LocalStack):
    async with local_stack.mcp_client() as client:
        result = await client.call_tool("get_caller_identity", {"target_account_id": "444444444444"})
    assert result.is_error
    assert body(result) == {
        "error_type": "unauthorized",
        "message": "account 444444444444 is not granted to agent platform-agent",
    }


async def test_malformed_account_id_is_rejected_before_any_vend(local_stack: LocalStack):
    before = health(local_stack)["credential_cache"]
    async with local_stack.mcp_client() as client:
        for tool, args in (
            ("get_caller_identity", {"target_account_id": "12ab"}),
            ("logs_insights_query", {"query_string": QUERY, "target_account_id": "12ab"}),
        ):
            result = await client.call_tool(tool, args)
            assert result.is_error
            assert body(result)["error_type"] == "invalid_parameter"
            assert "target_account_id" in body(result)["message"]
    after = health(local_stack)["credential_cache"]
    assert after["vends"] == before["vends"]
    assert after["entries"] == before["entries"]


async def test_query_text_refusals_happen_before_any_vend_and_group_refusals_need_the_accounts_allowlist(
    local_stack: LocalStack,
):
    before = health(local_stack)["credential_cache"]["vends"]
    async with local_stack.mcp_client() as client:
        refused = await client.call_tool(
            "logs_insights_query",
            {"query_string": "SOURCE '/aws/lambda/x' | fields @message", "target_account_id": "555444333222"},
        )
        assert body(refused)["error_type"] == "invalid_parameter"
        assert health(local_stack)["credential_cache"]["vends"] == before
        # The allowlist is the account's, sent by the vendor with its credentials: an account the caller
        # may not use is refused by the vendor, and never reveals its allowlist
        ungranted = await client.call_tool(
            "logs_insights_query",
            {"query_string": QUERY, "log_group_names": '["/aws/lambda/x"]', "target_account_id": "555444333222"},
        )
        assert body(ungranted)["error_type"] == "unauthorized"
        assert "allowed" not in body(ungranted)["message"]
        outside = await client.call_tool(
            "logs_insights_query",
            {"query_string": QUERY, "log_group_names": '["/aws/lambda/x"]', "target_account_id": ROLE_ACCOUNT},
        )
    assert body(outside)["error_type"] == "invalid_parameter"
    assert "log_group_names" in body(outside)["message"]


async def test_concurrent_requests_never_see_each_others_account(local_stack: LocalStack):
    # The first version wrote credentials into os.environ: 180 of 200 concurrent sessions saw another account.
    seen: list[tuple[str, str]] = []

    async def call(account_id: str) -> None:
        async with local_stack.mcp_client() as client:
            result = body(await client.call_tool("get_caller_identity", {"target_account_id": account_id}))
            seen.append((account_id, result["account_id"]))

    async with anyio.create_task_group() as tg:
        for i in range(60):
            tg.start_soon(call, (ROLE_ACCOUNT, AKSK_ACCOUNT, HOST_ACCOUNT)[i % 3])
    assert len(seen) == 60
    assert all(asked == answered for asked, answered in seen)


async def test_no_secret_reaches_any_log_or_result(local_stack: LocalStack):
    # Given credentials the vendor handed out and the aksk account's long-lived secret
    from account_registry.store import RegistryStore, connect

    conn = connect(local_stack.postgres.settings)
    try:
        record = RegistryStore(conn).get_account(AKSK_ACCOUNT)
    finally:
        conn.close()
    assert record is not None
    async with local_stack.mcp_client() as client:
        results = [
            await client.call_tool("get_caller_identity", {"target_account_id": a})
            for a in (ROLE_ACCOUNT, AKSK_ACCOUNT)
        ]
    secrets = [record.secret_access_key_encrypted, record.external_id, local_stack.postgres.password]
    secrets += local_stack.long_lived_secrets
    secrets += [k["AWS_SECRET_ACCESS_KEY"] for k in local_stack.host_keys.values()]
    secrets += [local_stack.token(), *local_stack.client_secrets.values(), *local_stack.user_passwords.values()]
    # Then neither results nor any component's log carry them, nor any session token
    logs = "".join(p.read_text(errors="replace") for p in local_stack.log_dir.glob("*.log"))
    output = json.dumps([body(r) for r in results])
    calls = [json.loads(line) for line in logs.splitlines() if line.startswith("{") and '"tool call"' in line]
    assert any(
        c["outcome"] == "ok"
        and c["request_id"]
        and c.get("target_account_id") == AKSK_ACCOUNT
        and c.get("principal") == "agent:platform-agent"
        for c in calls
    )
    for secret in secrets:
        assert secret
        assert secret not in logs
        assert secret not in output
    for forbidden in ("SessionToken", "session_token", "SecretAccessKey", 'secret_access_key":'):
        assert forbidden not in logs
    assert "Traceback" not in output
    assert "eyJ" not in logs  # no JWT at all: neither a bearer token nor a caller assertion
