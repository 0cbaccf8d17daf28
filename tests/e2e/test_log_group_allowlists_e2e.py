"""End to end, through the local Gateway with a real MCP client: each account's own log-group allowlist.

The demo seeds ``/aws/lambda/orders-api`` in both customer accounts, but only Acme's organization
allowlists ``/aws/lambda/orders-*`` (Globex allowlists its own ``/globex/billing``): the same group is
queried in Acme's account and refused in Globex's, before any Logs call, naming only Globex's allowlist.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from local_stack.stack import AKSK_ACCOUNT, GLOBEX_LOG_GROUP, LOG_GROUP, ORDERS_LOG_GROUP, ROLE_ACCOUNT, LocalStack
from tests.mcp_results import body

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]
QUERY = "fields @message | sort @timestamp desc | limit 10"


async def query(stack: LocalStack, account: str, groups: list[str] | None) -> Any:
    arguments: dict[str, Any] = {"query_string": QUERY, "wait_seconds": 10, "target_account_id": account}
    if groups is not None:
        arguments["log_group_names"] = groups
    async with stack.mcp_client("platform-agent") as client:
        return await client.call_tool("logs_insights_query", arguments)


async def test_a_group_allowed_for_one_account_is_refused_for_another_where_it_exists(local_stack: LocalStack):
    # Given /aws/lambda/orders-api exists in both customer accounts
    for account in (ROLE_ACCOUNT, AKSK_ACCOUNT):
        logs = local_stack.client("logs", local_stack.account_admin_credentials(account))
        assert logs.describe_log_groups(logGroupNamePrefix=ORDERS_LOG_GROUP)["logGroups"]
    # When the platform agent (granted both organizations) queries it in Acme's account, then rows come back
    allowed = await query(local_stack, ROLE_ACCOUNT, [ORDERS_LOG_GROUP])
    assert not allowed.is_error, body(allowed)
    messages = [row["@message"] for row in body(allowed)["results"]]
    assert messages
    assert all(f"acme-prod-{ROLE_ACCOUNT}" in m and ORDERS_LOG_GROUP in m for m in messages)
    # When it queries the same group in Globex's account, then it is refused, listing Globex's allowlist only
    refused = await query(local_stack, AKSK_ACCOUNT, [ORDERS_LOG_GROUP])
    assert refused.is_error
    answer = body(refused)
    assert answer["error_type"] == "invalid_parameter"
    assert answer["message"] == (
        f"log_group_names: {ORDERS_LOG_GROUP} not on the allowlist of account {AKSK_ACCOUNT};"
        f" allowed: {LOG_GROUP}, {GLOBEX_LOG_GROUP}"
    )
    assert "orders-*" not in json.dumps(answer)  # another customer's entries are never named
    # And Globex's own group is queried in Globex's account
    own = await query(local_stack, AKSK_ACCOUNT, [GLOBEX_LOG_GROUP])
    assert not own.is_error, body(own)
    assert all(GLOBEX_LOG_GROUP in row["@message"] for row in body(own)["results"])


async def test_a_query_naming_no_group_runs_over_the_accounts_allowlisted_names(local_stack: LocalStack):
    result = await query(local_stack, AKSK_ACCOUNT, None)
    assert not result.is_error, body(result)
    messages = [row["@message"] for row in body(result)["results"]]
    assert any(GLOBEX_LOG_GROUP in m for m in messages)
    assert not any(ORDERS_LOG_GROUP in m for m in messages)


async def test_a_prefix_entry_covers_the_groups_under_it_only(local_stack: LocalStack):
    result = await query(local_stack, ROLE_ACCOUNT, ["/aws/lambda/payments"])
    assert result.is_error
    assert body(result)["message"].endswith(f"allowed: {ORDERS_LOG_GROUP[:-3]}*, {LOG_GROUP}")
