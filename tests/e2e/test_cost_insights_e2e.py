"""Anomalies, comparisons, recommendations (SP, RI, rightsizing), budgets and commitments, end to end.

Through the local Gateway as the platform agent (granted every demo organization): each account of both
auth types answers with its own demo data, and a many-accounts call answers one entry per account, an
ungranted account's entry being ``unauthorized`` while the others answer; no entry holds another
account's data.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local_stack.stack import (
    AKSK_ACCOUNT,
    BROKEN_ACCOUNT,
    HOST_ACCOUNT,
    PLATFORM_AKSK_ACCOUNT,
    PLATFORM_ROLE_ACCOUNT,
    ROLE_ACCOUNT,
    LocalStack,
)
from tests.mcp_results import assert_failed_in_own_entries, body

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]

UNGRANTED = "444444444444"  # not registered: refused like any account not granted to the caller
# The five working accounts platform-agent is granted (two of each auth type among the customers' and its own).
ALIASES = {
    HOST_ACCOUNT: "platform",
    ROLE_ACCOUNT: "acme-prod",
    AKSK_ACCOUNT: "globex-legacy",
    PLATFORM_ROLE_ACCOUNT: "sandbox",
    PLATFORM_AKSK_ACCOUNT: "shared-services",
}
STORIES = {ROLE_ACCOUNT: "Amazon Elastic Compute Cloud - Compute", AKSK_ACCOUNT: "Amazon Relational Database Service"}


def _month(months_back: int) -> str:
    today = datetime.now(UTC).date()
    index = today.year * 12 + today.month - 1 - months_back
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _others(account: str) -> list[str]:
    return [a for a in ALIASES if a != account]


@pytest.mark.parametrize("account", [ROLE_ACCOUNT, AKSK_ACCOUNT])  # iam_role, aksk
async def test_each_account_answers_with_its_own_anomaly_drivers_and_recommendation(
    local_stack: LocalStack, account: str
) -> None:
    start = (datetime.now(UTC).date() - timedelta(days=85)).isoformat()
    async with local_stack.mcp_client("platform-agent") as client:
        anomalies = body(await client.call_tool("get_anomalies", {"start_date": start, "target_account_id": account}))
        monitors = body(await client.call_tool("get_anomalies", {"kind": "monitors", "target_account_id": account}))
        drivers = body(
            await client.call_tool(
                "compare_costs",
                {"baseline_month": _month(2), "comparison_month": _month(1), "kind": "drivers",
                 "target_account_id": account},
            )
        )  # fmt: skip
        recommended = body(await client.call_tool("get_recommendations", {"target_account_id": account}))

    # the anomaly is this account's, in its story's service
    [anomaly] = anomalies["anomalies"]
    assert anomaly["root_causes"][0]["linked_account"] == account
    assert anomaly["root_causes"][0]["service"] == STORIES[account]
    assert monitors["monitors"][0]["name"] == f"{ALIASES[account]}-services"
    # the biggest change between the two months is that service, driven by the anomaly's usage type
    top = drivers["rows"][0]
    assert top["selector"]["Dimensions"]["Values"] == [STORIES[account]]
    assert top["drivers"][0]["name"] == anomaly["root_causes"][0]["usage_type"]
    assert top["metrics"]["UnblendedCost"]["difference"] > 0
    # and a Savings Plan for this account
    assert recommended["recommendations"][0]["account_id"] == account
    assert recommended["summary"]["hourly_commitment_to_purchase"] > 0
    text = json.dumps([anomalies, monitors, drivers, recommended])
    assert not any(other in text or ALIASES[other] in text for other in _others(account))


@pytest.mark.parametrize("account", [ROLE_ACCOUNT, AKSK_ACCOUNT])  # iam_role, aksk
async def test_each_account_answers_with_its_own_ri_rightsizing_budgets_and_commitments(
    local_stack: LocalStack, account: str
) -> None:
    async with local_stack.mcp_client("platform-agent") as client:
        ri = body(
            await client.call_tool(
                "get_recommendations",
                {"kind": "reservations", "service": "Amazon Relational Database Service", "target_account_id": account},
            )
        )
        resize = body(
            await client.call_tool(
                "get_recommendations", {"kind": "rightsizing", "service": "AmazonEC2", "target_account_id": account}
            )
        )
        refused = await client.call_tool("get_recommendations", {"kind": "rightsizing", "target_account_id": account})
        budgets = body(await client.call_tool("get_budgets", {"target_account_id": account}))
        name = budgets["budgets"][0]["name"]
        history = body(
            await client.call_tool(
                "get_budgets", {"kind": "history", "budget_name": name, "target_account_id": account}
            )
        )
        commitments = body(
            await client.call_tool(
                "get_commitments",
                {"kind": "reservation_utilization", "group_by": ["SUBSCRIPTION_ID"], "target_account_id": account},
            )
        )

    assert ri["recommendations"][0]["account_id"] == account
    assert ri["recommendations"][0]["instance_type"] == "db.r6g.large"
    assert ri["summary"]["total_estimated_monthly_savings_amount"] > 0
    assert resize["recommendations"][0]["instance_name"] == f"{ALIASES[account]}-batch-1"
    assert resize["recommendations"][0]["target_instance_type"] == "m6i.xlarge"
    assert refused.is_error
    assert "AmazonEC2" in body(refused)["message"]
    assert name == f"{ALIASES[account]}-monthly-cost"
    budget = budgets["budgets"][0]
    assert budget["actual"]["amount"] < budget["limit"]["amount"]
    assert budget["forecast_percent_of_limit"] > 100  # both accounts have a cost story: the forecast is over
    assert len(history["history"]) == 6
    assert history["time_unit"] == "MONTHLY"
    assert commitments["kind"] == "reservation_utilization"
    text = json.dumps([ri, resize, budgets, history, commitments])
    assert not any(other in text or ALIASES[other] in text for other in _others(account))


async def test_the_platform_account_had_no_anomaly(local_stack: LocalStack) -> None:
    async with local_stack.mcp_client("platform-agent") as client:
        answer = body(await client.call_tool("get_anomalies", {"target_account_id": HOST_ACCOUNT}))
    assert answer["anomalies"] == []


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        ("get_cost_and_usage", {"granularity": "MONTHLY"}),
        ("compare_costs", {"baseline_month": _month(2), "comparison_month": _month(1)}),
        ("get_anomalies", {"start_date": (datetime.now(UTC).date() - timedelta(days=85)).isoformat()}),
        ("get_budgets", {}),
    ],
)
async def test_many_accounts_one_entry_each_and_the_ungranted_one_refused(
    local_stack: LocalStack, tool: str, arguments: dict[str, Any]
) -> None:
    # Given five working accounts, one whose registered key was deleted, and one not granted
    asked = [
        HOST_ACCOUNT,
        ROLE_ACCOUNT,
        UNGRANTED,
        AKSK_ACCOUNT,
        PLATFORM_ROLE_ACCOUNT,
        BROKEN_ACCOUNT,
        PLATFORM_AKSK_ACCOUNT,
    ]
    async with local_stack.mcp_client("platform-agent") as client:
        result = await client.call_tool(tool, {**arguments, "target_account_ids": asked})
    # Then the call answers, one entry per account in the order asked
    assert not result.is_error, body(result)
    entries = body(result)["accounts"]
    assert list(entries) == asked
    # the ungranted account is refused and the broken one fails, each in its own entry, naming no credential
    assert_failed_in_own_entries(entries, ungranted=UNGRANTED, broken=BROKEN_ACCOUNT)
    # and each of the five working accounts answers with its own data only
    for account in ALIASES:
        entry = entries[account]
        assert "error_type" not in entry, (account, entry)
        text = json.dumps(entry)
        assert not any(other in text or ALIASES[other] in text for other in _others(account)), (account, entry)


async def test_an_org_caller_asking_many_accounts_gets_only_its_own(local_stack: LocalStack) -> None:
    # Acme's agent asks its account and Globex's: Globex's entry is refused, Acme's answers
    async with local_stack.mcp_client("acme-agent") as client:
        result = await client.call_tool(
            "compare_costs",
            {
                "baseline_month": _month(2),
                "comparison_month": _month(1),
                "target_account_ids": [ROLE_ACCOUNT, AKSK_ACCOUNT],
            },
        )
    entries = body(result)["accounts"]
    assert entries[AKSK_ACCOUNT]["error_type"] == "unauthorized"
    assert "globex" not in json.dumps(entries).lower()
    assert entries[ROLE_ACCOUNT]["totals"]["UnblendedCost"]["difference"] > 0
