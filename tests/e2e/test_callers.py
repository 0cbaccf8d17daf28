"""Every call belongs to a verified caller, who reaches only the accounts granted to them (end to end).

Through the local Gateway (bearer tokens from the local issuer, the production interceptor behind the
local Lambda endpoint, the runtime behind it), and around it: straight to the runtime and straight to
the vendor, as a compromised runtime or a stray principal could.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import anyio
import httpx
import pytest
from mcp import Client
from mcp.types import RequestParamsMeta

from account_registry.constants import ADMIN_DB_ROLE
from account_registry.store import RegistryStore, connect
from caller_assertion import ASSERTION_META_KEY
from local_stack.stack import AKSK_ACCOUNT, ROLE_ACCOUNT, VENDOR_FUNCTION, LocalStack
from tests.callers import Callers
from tests.mcp_results import body

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]

QUERY_ID = str(uuid.UUID(int=7))
ORG_B_ACCOUNT = AKSK_ACCOUNT  # Globex
ORG_A_ACCOUNT = ROLE_ACCOUNT  # Acme Corp
_LAST_MONTH = (datetime.now(UTC).date().replace(day=1) - timedelta(days=1)).isoformat()[:7]
# Valid arguments for every tool that takes target_account_id (the account is added per call).
ARGUMENTS: dict[str, dict[str, Any]] = {
    "get_caller_identity": {},
    "logs_insights_query": {"query_string": "fields @message | limit 1", "wait_seconds": 0},
    "logs_insights_get_results": {"query_id": QUERY_ID, "wait_seconds": 0},
    "logs_insights_stop_query": {"query_id": QUERY_ID},
    "list_log_groups": {},
    "get_cost_and_usage": {},
    "get_cost_forecast": {},
    "get_dimension_values": {"dimension": "SERVICE"},
    "get_commitments": {"kind": "savings_plans_coverage"},
    "get_budgets": {},
    "lookup_events": {},
    "list_event_data_stores": {},
    "lake_query": {"query_statement": f"SELECT eventName FROM {QUERY_ID}", "wait_seconds": 0},  # noqa: S608
    "get_query_results": {"query_id": QUERY_ID},
    "get_anomalies": {},
    "compare_costs": {"baseline_month": _LAST_MONTH, "comparison_month": _LAST_MONTH},
    "get_recommendations": {},
    "get_metrics": {"kind": "list"},
    "get_alarms": {},
}


def vends(stack: LocalStack) -> int:
    health = httpx.get(stack.runtime_url.replace("/mcp", "/ping"), timeout=5).json()
    return int(health["credential_cache"]["vends"])


@pytest.mark.parametrize("principal", ["acme-agent", "alice"])
async def test_an_org_a_caller_sees_and_reaches_only_org_a(local_stack: LocalStack, principal: str) -> None:
    async with local_stack.mcp_client(principal) as client:
        tools = {t.name for t in (await client.list_tools()).tools}
        assert set(ARGUMENTS) | {"list_accounts"} == tools  # every tool is covered below

        # list_accounts shows org A's account only
        listed = body(await client.call_tool("list_accounts", {}))
        assert [a["account_id"] for a in listed["accounts"]] == [ORG_A_ACCOUNT]

        # Every tool refuses org B's account with `unauthorized`
        for tool, arguments in ARGUMENTS.items():
            result = await client.call_tool(tool, {**arguments, "target_account_id": ORG_B_ACCOUNT})
            assert result.is_error, (tool, body(result))
            assert body(result)["error_type"] == "unauthorized", (tool, body(result))
            assert "globex" not in json.dumps(body(result)).lower()

        # and org A's account works, as the caller
        identity = await client.call_tool("get_caller_identity", {"target_account_id": ORG_A_ACCOUNT})
        assert not identity.is_error, body(identity)
        kind = "agent" if principal.endswith("agent") else "user"
        assert body(identity)["arn"].endswith(f"/{kind}-{principal}")


async def test_two_principals_on_one_account_act_as_themselves(local_stack: LocalStack) -> None:
    arns = []
    for principal in ("acme-agent", "alice", "platform-agent"):
        async with local_stack.mcp_client(principal) as client:
            result = await client.call_tool("get_caller_identity", {"target_account_id": ORG_A_ACCOUNT})
            arns.append(body(result)["arn"])
    assert len(set(arns)) == 3
    assert [a.rsplit("/", 1)[-1] for a in arns] == ["agent-acme-agent", "user-alice", "agent-platform-agent"]


async def test_the_gateway_refuses_requests_without_a_valid_token(local_stack: LocalStack) -> None:
    request = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    headers = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
    async with httpx.AsyncClient(timeout=10) as http:
        missing = await http.post(local_stack.mcp_url, json=request, headers=headers)
        forged = await http.post(
            local_stack.mcp_url,
            json=request,
            headers=headers | {"Authorization": f"Bearer {Callers().assertion('x', None)}"},
        )
    assert missing.status_code == forged.status_code == 401
    assert "unauthorized" in missing.json()["error"]["message"]


# -- around the Gateway: the runtime alone can vend nothing -------------------------------------------------------


async def _call_runtime(stack: LocalStack, tool: str, arguments: dict[str, Any], assertion: str | None) -> Any:
    async with Client(stack.runtime_url) as client:
        # an extra key, which RequestParamsMeta allows (extra_items=Any)
        meta = cast(RequestParamsMeta, {ASSERTION_META_KEY: assertion}) if assertion is not None else None
        return await client.call_tool(tool, arguments, meta=meta)


@pytest.mark.parametrize("attack", ["none", "forged", "replayed_for_another_account", "expired", "another_tool"])
async def test_calling_the_runtime_directly_vends_nothing(local_stack: LocalStack, attack: str) -> None:
    # Given a call straight to the runtime for org B's account, with a missing or bad assertion
    arguments = {"target_account_id": ORG_B_ACCOUNT}
    assertions = {
        "none": None,
        "forged": Callers().assertion("get_caller_identity", ORG_B_ACCOUNT, sub="acme-agent"),
        "replayed_for_another_account": local_stack.assertion("acme-agent", "get_caller_identity", ORG_A_ACCOUNT),
        "expired": local_stack.assertion(
            "platform-agent", "get_caller_identity", ORG_B_ACCOUNT, now=time.time() - 3600
        ),
        "another_tool": local_stack.assertion("platform-agent", "list_event_data_stores", ORG_B_ACCOUNT),
    }
    before = vends(local_stack)

    # When
    result = await _call_runtime(local_stack, "get_caller_identity", arguments, assertions[attack])

    # Then it is refused before anything is vended
    assert result.is_error
    assert body(result)["error_type"] == "unauthorized"
    assert vends(local_stack) == before


async def test_a_genuine_assertion_works_only_for_what_it_names(local_stack: LocalStack) -> None:
    # The same runtime serves a call whose assertion matches it (the Gateway's path)
    assertion = local_stack.assertion("acme-agent", "get_caller_identity", ORG_A_ACCOUNT)
    result = await _call_runtime(local_stack, "get_caller_identity", {"target_account_id": ORG_A_ACCOUNT}, assertion)
    assert not result.is_error, body(result)
    assert body(result)["account_id"] == ORG_A_ACCOUNT


@pytest.mark.parametrize("attack", ["none", "forged", "replayed_for_another_account"])
def test_invoking_the_vendor_directly_vends_nothing(local_stack: LocalStack, attack: str) -> None:
    payload: dict[str, Any] = {"action": "vend", "account_id": ORG_B_ACCOUNT, "scope": "identity"}
    if attack == "forged":
        payload["assertion"] = Callers().assertion("get_caller_identity", ORG_B_ACCOUNT, sub="acme-agent")
    elif attack == "replayed_for_another_account":
        payload["assertion"] = local_stack.assertion("acme-agent", "get_caller_identity", ORG_A_ACCOUNT)
    response = local_stack.lambda_client().invoke(FunctionName=VENDOR_FUNCTION, Payload=json.dumps(payload).encode())
    answer = json.loads(response["Payload"].read())
    assert answer["ok"] is False
    assert answer["error_type"] == "unauthorized"
    assert "credentials" not in answer


async def test_revoking_a_grant_stops_the_callers_next_vend(local_stack: LocalStack) -> None:
    # Given gary (Globex's user, through the globex-finops group) working in Globex
    async with local_stack.mcp_client("gary") as client:
        assert not (await client.call_tool("lookup_events", {"target_account_id": ORG_B_ACCOUNT})).is_error
    conn = connect(local_stack.db_settings(ADMIN_DB_ROLE))
    store = RegistryStore(conn).grants
    (grant,) = store.list_grants(principal_type="group", principal="globex-finops")
    try:
        # When an operator revokes the group's grant
        assert store.revoke_grant(grant.id, actor="e2e-test") is not None

        # Then gary's next call that vends is refused (credentials cached before the revocation are bounded
        # by their refresh: see the README)
        async with local_stack.mcp_client("gary") as client:
            refused = await client.call_tool("get_caller_identity", {"target_account_id": ORG_B_ACCOUNT})
        assert refused.is_error
        assert body(refused)["error_type"] == "unauthorized"
        audit = store.list_audit(object_type="grant", object_id=str(grant.id))
        assert [(e.action, e.actor) for e in audit][-1] == ("revoke", "e2e-test")
    finally:
        store.add_grant(
            principal_type="group", principal="globex-finops", org_id=grant.org_id, account_id=None, actor="e2e-test"
        )
        conn.close()


async def test_concurrent_callers_of_different_organizations_stay_apart(local_stack: LocalStack) -> None:
    seen: list[tuple[str, str, bool]] = []

    async def call(principal: str, account: str) -> None:
        async with local_stack.mcp_client(principal) as client:
            result = await client.call_tool("get_caller_identity", {"target_account_id": account})
            seen.append((principal, account, bool(result.is_error)))

    async with anyio.create_task_group() as tg:
        for i in range(24):
            principal = ("acme-agent", "globex-agent")[i % 2]
            tg.start_soon(call, principal, (ORG_A_ACCOUNT, ORG_B_ACCOUNT)[(i // 2) % 2])
    for principal, account, refused in seen:
        own = (principal == "acme-agent") == (account == ORG_A_ACCOUNT)
        assert refused is not own, (principal, account)
