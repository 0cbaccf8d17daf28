"""End to end, through the local Gateway: query results outside the allowlist stay unreadable.

A query someone started out of band over a non-allowlisted log group (``/secret/payments``, in the
emulator) cannot be read through ``logs_insights_get_results`` nor stopped through ``logs_insights_stop_query``,
while the tool's own queries resume.
"""

from __future__ import annotations

import json
import time

import pytest

from local_stack.demo_data import demo_event_data_store_id
from local_stack.stack import ROLE_ACCOUNT, LocalStack
from tests.mcp_results import body

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]
SECRET_GROUP = "/secret/payments"
CARD = "4111111111111111"


def out_of_band_query(stack: LocalStack, window_s: int = 3600) -> str:
    """Start a Logs Insights query over SECRET_GROUP with the account's own (non-vended) credentials.

    The emulator runs a query for a time that grows with its window: a month's is still running for a while.
    """
    logs = stack.client("logs", stack.account_admin_credentials(ROLE_ACCOUNT))
    if not logs.describe_log_groups(logGroupNamePrefix=SECRET_GROUP)["logGroups"]:
        logs.create_log_group(logGroupName=SECRET_GROUP)
        logs.create_log_stream(logGroupName=SECRET_GROUP, logStreamName="charges")
        logs.put_log_events(
            logGroupName=SECRET_GROUP,
            logStreamName="charges",
            logEvents=[{"timestamp": int(time.time() * 1000) - 60_000, "message": f"charge card={CARD}"}],
        )
    now = int(time.time())
    started = logs.start_query(
        logGroupNames=[SECRET_GROUP], startTime=now - window_s, endTime=now + 60, queryString="fields @message"
    )
    query_id: str = started["queryId"]
    assert CARD in json.dumps(logs.get_query_results(queryId=query_id))  # the data is there to be stolen
    return query_id


async def test_results_of_a_query_over_a_non_allowlisted_group_cannot_be_read(local_stack: LocalStack):
    # Given a query over /secret/payments started outside the tools
    query_id = out_of_band_query(local_stack)
    # When an agent asks the tool for its results
    async with local_stack.mcp_client() as client:
        result = await client.call_tool(
            "logs_insights_get_results", {"query_id": query_id, "wait_seconds": 0, "target_account_id": ROLE_ACCOUNT}
        )
    # Then it is refused, and no row of it comes back
    assert result.is_error
    assert body(result)["error_type"] == "not_found"
    assert CARD not in json.dumps(body(result))


async def test_a_running_query_over_a_non_allowlisted_group_cannot_be_stopped(local_stack: LocalStack):
    # Given a query over /secret/payments started outside the tools, still running
    query_id = out_of_band_query(local_stack, window_s=30 * 86_400)
    logs = local_stack.client("logs", local_stack.account_admin_credentials(ROLE_ACCOUNT))
    # When an agent asks the tool to stop it
    async with local_stack.mcp_client() as client:
        result = await client.call_tool(
            "logs_insights_stop_query", {"query_id": query_id, "target_account_id": ROLE_ACCOUNT}
        )
    # Then it is not found (StopQuery never ran: the query still runs), naming no group
    assert result.is_error
    assert body(result)["error_type"] == "not_found"
    assert SECRET_GROUP not in json.dumps(body(result))
    assert logs.get_query_results(queryId=query_id)["status"] == "Running"
    logs.stop_query(queryId=query_id)


async def test_the_tools_own_queries_resume(local_stack: LocalStack):
    async with local_stack.mcp_client() as client:
        started = body(
            await client.call_tool(
                "logs_insights_query",
                {"query_string": "fields @message | limit 5", "wait_seconds": 0, "target_account_id": ROLE_ACCOUNT},
            )
        )
        resumed = await client.call_tool(
            "logs_insights_get_results",
            {"query_id": started["query_id"], "wait_seconds": 5, "target_account_id": ROLE_ACCOUNT},
        )
    assert not resumed.is_error, body(resumed)
    assert body(resumed)["status"] == "Complete"


async def test_lake_query_naming_another_accounts_store_is_refused(local_stack: LocalStack):
    own = demo_event_data_store_id(ROLE_ACCOUNT)
    foreign = next(a.account_id for a in local_stack.accounts if a.account_id != ROLE_ACCOUNT)
    statement = f'SELECT eventName FROM {own}, "{demo_event_data_store_id(foreign)}"'  # noqa: S608 - test data
    async with local_stack.mcp_client() as client:
        result = await client.call_tool("lake_query", {"query_statement": statement, "target_account_id": ROLE_ACCOUNT})
    assert result.is_error
    assert body(result)["error_type"] == "not_found"
