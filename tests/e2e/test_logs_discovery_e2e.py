"""CloudWatch Logs discovery and stopping a query, and CloudTrail / Logs Insights across many accounts, end to end.

Through the local Gateway with a real MCP client as the platform agent (granted every demo organization):

- ``list_log_groups`` names, in each customer account, only the allowlisted groups that exist there:
  ``/aws/lambda/orders-api`` exists in both, and is listed for Acme (``/aws/lambda/orders-*``) and never
  for Globex, whose allowlist is ``/demo/app`` and ``/globex/billing``;
- ``logs_insights_stop_query`` stops a running query (a month's window runs for half a minute in the
  emulator), in the account it runs in only;
- ``lookup_events`` and ``logs_insights_query`` with ``target_account_ids`` answer one entry per account
  across the five working accounts, the ungranted ``444444444444`` and the broken ``909090909090`` (its
  registered key deleted) each failing in its own entry, and no entry holding another account's data.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local_stack.stack import (
    AKSK_ACCOUNT,
    BROKEN_ACCOUNT,
    GLOBEX_LOG_GROUP,
    LOG_GROUP,
    ORDERS_LOG_GROUP,
    ROLE_ACCOUNT,
    LocalStack,
    SeededAccount,
)
from tests.mcp_results import assert_failed_in_own_entries, body

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]

UNGRANTED = "444444444444"  # not registered: refused like any account not granted to the caller
LISTED = {ROLE_ACCOUNT: [ORDERS_LOG_GROUP, LOG_GROUP], AKSK_ACCOUNT: [LOG_GROUP, GLOBEX_LOG_GROUP]}
QUERY = "fields @message | sort @timestamp desc | limit 20"


def _month_ago() -> str:
    return (datetime.now(UTC) - timedelta(days=30)).isoformat()


def _working(stack: LocalStack) -> dict[str, SeededAccount]:
    """The working demo accounts platform-agent is granted (five: two customers', three of its own)."""
    accounts = {a.account_id: a for a in stack.accounts}
    assert len(accounts) >= 5, accounts
    return accounts


def _only_its_own(entry: dict[str, Any], account: str, accounts: dict[str, SeededAccount]) -> None:
    """No other account's id or demo marker appears anywhere in ``entry``."""
    text = json.dumps(entry)
    for other, seeded in accounts.items():
        if other != account:
            assert other not in text, (account, other, entry)
            assert seeded.marker not in text, (account, other, entry)


@pytest.mark.parametrize("account", [ROLE_ACCOUNT, AKSK_ACCOUNT])  # iam_role, aksk
async def test_each_account_lists_only_its_own_allowlisted_groups(local_stack: LocalStack, account: str) -> None:
    # Given /aws/lambda/orders-api exists in both customer accounts (and, in each, groups nobody allowlisted)
    admin = local_stack.client("logs", local_stack.account_admin_credentials(account))
    assert admin.describe_log_groups(logGroupNamePrefix=ORDERS_LOG_GROUP)["logGroups"]
    admin.create_log_group(logGroupName=f"/internal/{account}-payroll")
    try:
        async with local_stack.mcp_client("platform-agent") as client:
            listed = body(await client.call_tool("list_log_groups", {"target_account_id": account}))
            lambdas = body(
                await client.call_tool("list_log_groups", {"name_prefix": "/aws/lambda/", "target_account_id": account})
            )
            paged = body(await client.call_tool("list_log_groups", {"max_results": 1, "target_account_id": account}))
    finally:
        admin.delete_log_group(logGroupName=f"/internal/{account}-payroll")

    # Then exactly the account's allowlisted groups that exist are named, each with its details
    assert [g["name"] for g in listed["log_groups"]] == LISTED[account], listed
    assert listed["target_account_id"] == account
    assert all("created" in g and "stored_bytes" in g for g in listed["log_groups"]), listed
    assert "next_token" not in listed
    assert "payroll" not in json.dumps(listed)  # exists, not allowlisted: never named
    # Acme allowlists /aws/lambda/orders-*; Globex does not, though the group exists there too
    expected_lambdas = [ORDERS_LOG_GROUP] if account == ROLE_ACCOUNT else []
    assert [g["name"] for g in lambdas["log_groups"]] == expected_lambdas, lambdas
    if account == AKSK_ACCOUNT:
        assert "orders" not in json.dumps(listed) + json.dumps(lambdas)
    # One group per page: the first page names the first group and says where to go on
    assert [g["name"] for g in paged["log_groups"]] == LISTED[account][:1]
    assert paged["next_token"]


async def test_an_org_caller_lists_its_own_account_only(local_stack: LocalStack) -> None:
    async with local_stack.mcp_client("globex-agent") as client:
        own = await client.call_tool("list_log_groups", {"target_account_id": AKSK_ACCOUNT})
        other = await client.call_tool("list_log_groups", {"target_account_id": ROLE_ACCOUNT})
    assert [g["name"] for g in body(own)["log_groups"]] == LISTED[AKSK_ACCOUNT]
    assert other.is_error
    assert body(other)["error_type"] == "unauthorized"
    assert "orders" not in json.dumps(body(other))


@pytest.mark.parametrize("account", [ROLE_ACCOUNT, AKSK_ACCOUNT])  # iam_role, aksk
async def test_a_running_query_is_stopped_in_its_own_account_only(local_stack: LocalStack, account: str) -> None:
    other = AKSK_ACCOUNT if account == ROLE_ACCOUNT else ROLE_ACCOUNT
    async with local_stack.mcp_client("platform-agent") as client:
        # Given a query over the last month, still running
        started = body(
            await client.call_tool(
                "logs_insights_query",
                {"query_string": QUERY, "start_time": _month_ago(), "wait_seconds": 0, "target_account_id": account},
            )
        )
        assert started["status"] == "Running", started
        query = {"query_id": started["query_id"]}
        # When it is stopped in another account, then that account has no such query
        elsewhere = await client.call_tool("logs_insights_stop_query", {**query, "target_account_id": other})
        # When it is stopped in its own account, then it is stopped, and stopping it again changes nothing
        stopped = await client.call_tool("logs_insights_stop_query", {**query, "target_account_id": account})
        again = await client.call_tool("logs_insights_stop_query", {**query, "target_account_id": account})
        results = body(
            await client.call_tool(
                "logs_insights_get_results", {**query, "wait_seconds": 0, "target_account_id": account}
            )
        )
    assert elsewhere.is_error
    assert body(elsewhere)["error_type"] == "not_found"
    assert not stopped.is_error, body(stopped)
    assert body(stopped) == {"target_account_id": account, "query_id": started["query_id"], "stopped": True}
    assert body(again) == body(stopped)
    assert results["status"] == "Cancelled", results


async def test_a_query_that_ended_is_not_stopped(local_stack: LocalStack) -> None:
    async with local_stack.mcp_client("platform-agent") as client:
        done = body(
            await client.call_tool(
                "logs_insights_query", {"query_string": QUERY, "wait_seconds": 10, "target_account_id": ROLE_ACCOUNT}
            )
        )
        assert done["status"] == "Complete", done
        refused = await client.call_tool(
            "logs_insights_stop_query", {"query_id": done["query_id"], "target_account_id": ROLE_ACCOUNT}
        )
    assert refused.is_error
    assert body(refused)["error_type"] == "invalid_parameter"
    assert "not running (status Complete)" in body(refused)["message"]


async def test_lookup_events_across_accounts_one_entry_each(local_stack: LocalStack) -> None:
    # Given the five working accounts, a broken one and one that is not granted
    accounts = _working(local_stack)
    asked = [*accounts, BROKEN_ACCOUNT, UNGRANTED]
    async with local_stack.mcp_client("platform-agent") as client:
        result = await client.call_tool(
            "lookup_events",
            {"attribute_key": "EventName", "attribute_value": "ConsoleLogin", "target_account_ids": asked},
        )
    # Then one entry per account, in the order asked; the ungranted and broken ones fail in their own entries
    assert not result.is_error, body(result)
    entries = body(result)["accounts"]
    assert list(entries) == asked
    assert_failed_in_own_entries(entries, ungranted=UNGRANTED, broken=BROKEN_ACCOUNT)
    # And each working account's entry holds its own sign-ins only
    for account, seeded in accounts.items():
        entry = entries[account]
        assert "error_type" not in entry, (account, entry)
        users = {e["username"] for e in entry["events"]}
        assert users == {f"{seeded.alias}-admin", f"{seeded.alias}-finops-analyst"}, (account, users)
        assert all(e["event_name"] == "ConsoleLogin" for e in entry["events"])
        _only_its_own(entry, account, accounts)


async def test_logs_insights_query_across_accounts_each_over_its_own_allowlist(local_stack: LocalStack) -> None:
    accounts = _working(local_stack)
    asked = [*accounts, BROKEN_ACCOUNT, UNGRANTED]
    async with local_stack.mcp_client("platform-agent") as client:
        # When the same query runs in every account, over each account's allowlisted names
        result = await client.call_tool(
            "logs_insights_query", {"query_string": QUERY, "wait_seconds": 20, "target_account_ids": asked}
        )
        assert not result.is_error, body(result)
        entries = body(result)["accounts"]
        # And each account's query id resumes in its own account only
        resumed = body(
            await client.call_tool(
                "logs_insights_get_results",
                {"query_id": entries[AKSK_ACCOUNT]["query_id"], "wait_seconds": 5, "target_account_id": AKSK_ACCOUNT},
            )
        )
        crossed = await client.call_tool(
            "logs_insights_get_results",
            {"query_id": entries[AKSK_ACCOUNT]["query_id"], "wait_seconds": 0, "target_account_id": ROLE_ACCOUNT},
        )

    # Then every working account answered from its own logs, with its own query id
    assert list(entries) == asked
    assert_failed_in_own_entries(entries, ungranted=UNGRANTED, broken=BROKEN_ACCOUNT)
    assert len({entries[a]["query_id"] for a in accounts}) == len(accounts)
    for account, seeded in accounts.items():
        entry = entries[account]
        assert entry.get("status") == "Complete", (account, entry)
        messages = [row["@message"] for row in entry["results"]]
        assert messages, account
        assert all(f"[{seeded.marker}]" in m for m in messages), (account, messages)
        _only_its_own(entry, account, accounts)
    # Globex's allowlisted names include /globex/billing, and never the orders group it does not allowlist
    globex = json.dumps(entries[AKSK_ACCOUNT])
    assert GLOBEX_LOG_GROUP in globex
    assert ORDERS_LOG_GROUP not in globex
    assert resumed["status"] == "Complete"
    assert crossed.is_error
    assert body(crossed)["error_type"] == "not_found"


async def test_a_group_allowlisted_in_one_account_fails_only_in_the_others_entry(local_stack: LocalStack) -> None:
    async with local_stack.mcp_client("platform-agent") as client:
        result = await client.call_tool(
            "logs_insights_query",
            {"query_string": QUERY, "log_group_names": [ORDERS_LOG_GROUP], "wait_seconds": 20,
             "target_account_ids": [ROLE_ACCOUNT, AKSK_ACCOUNT]},
        )  # fmt: skip
    entries = body(result)["accounts"]
    acme, globex = entries[ROLE_ACCOUNT], entries[AKSK_ACCOUNT]
    assert acme["status"] == "Complete", acme
    assert all(ORDERS_LOG_GROUP in row["@message"] for row in acme["results"])
    assert globex["error_type"] == "invalid_parameter"
    assert globex["message"] == (
        f"log_group_names: {ORDERS_LOG_GROUP} not on the allowlist of account {AKSK_ACCOUNT};"
        f" allowed: {LOG_GROUP}, {GLOBEX_LOG_GROUP}"
    )
    assert "orders-*" not in json.dumps(globex)  # Acme's entries are never named in Globex's entry
