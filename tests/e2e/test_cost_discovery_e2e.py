"""Tags, cost categories, usage forecasts, cost per resource and the Savings Plans themselves, end to end.

Through the local Gateway as the platform agent: each account of both auth types (222222222222 iam_role,
333333333333 aksk) answers every new kind and option with its own demo data (its teams, its cost category, its
instances, its Savings Plans), and never with another account's.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local_stack.stack import AKSK_ACCOUNT, HOST_ACCOUNT, ROLE_ACCOUNT, LocalStack
from tests.mcp_results import body

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]

# Each account's teams and cost category (local_stack.demo_data._TEAMS): what only that account's answers hold
OWN: dict[str, dict[str, Any]] = {
    ROLE_ACCOUNT: {"teams": ["checkout", "orders"], "category": "Acme business units", "values": ["platform", "retail"],
                   "alias": "acme-prod"},
    AKSK_ACCOUNT: {"teams": ["billing", "invoicing"], "category": "Globex departments", "values": ["finance", "shared"],
                   "alias": "globex-legacy"},
}  # fmt: skip
EC2 = {"Dimensions": {"Key": "SERVICE", "Values": ["Amazon Elastic Compute Cloud - Compute"]}}
RUNNING_HOURS = {"Dimensions": {"Key": "USAGE_TYPE_GROUP", "Values": ["EC2: Running Hours"]}}


def _markers(account: str) -> list[str]:
    """What identifies an account's answers: its id, teams, cost category and alias."""
    own = OWN[account]
    return [account, *own["teams"], own["category"], own["alias"]]


def _assert_only(account: str, answers: list[dict[str, Any]]) -> None:
    text = json.dumps(answers)
    for other in (a for a in (*OWN, HOST_ACCOUNT) if a != account):
        markers = _markers(other) if other in OWN else [other]
        assert not any(marker in text for marker in markers), (other, markers)


@pytest.mark.parametrize("account", [ROLE_ACCOUNT, AKSK_ACCOUNT])  # iam_role, aksk
async def test_each_account_discovers_its_own_tags_and_cost_categories(local_stack: LocalStack, account: str) -> None:
    own = OWN[account]
    async with local_stack.mcp_client("platform-agent") as client:
        keys = body(await client.call_tool("get_dimension_values", {"kind": "tags", "target_account_id": account}))
        teams = body(
            await client.call_tool(
                "get_dimension_values", {"kind": "tags", "key": "team", "target_account_id": account}
            )
        )
        top = body(
            await client.call_tool(
                "get_dimension_values",
                {"kind": "tags", "key": "team", "sort_by": "UnblendedCost", "max_results": 1,
                 "target_account_id": account},
            )
        )  # fmt: skip
        names = body(
            await client.call_tool("get_dimension_values", {"kind": "cost_categories", "target_account_id": account})
        )
        values = body(
            await client.call_tool(
                "get_dimension_values",
                {"kind": "cost_categories", "key": own["category"], "target_account_id": account},
            )
        )
        refused = await client.call_tool(
            "get_dimension_values",
            {"kind": "tags", "sort_by": "UnblendedCost", "search_string": "o", "target_account_id": account},
        )

    assert [v["value"] for v in keys["values"]] == ["cost-center", "team"]
    assert keys["kind"] == "tags"
    assert [v["value"] for v in teams["values"]] == own["teams"]
    assert teams["key"] == "team"
    assert len(top["values"]) == 1  # the team with the most cost (EC2 and RDS)
    assert top["values"][0]["value"] in own["teams"]
    assert [v["value"] for v in names["values"]] == [own["category"]]
    assert sorted(v["value"] for v in values["values"]) == own["values"]
    assert refused.is_error
    assert body(refused)["message"].startswith("search_string: GetTags")
    _assert_only(account, [keys, teams, top, names, values])


@pytest.mark.parametrize("account", [ROLE_ACCOUNT, AKSK_ACCOUNT])  # iam_role, aksk
async def test_each_account_forecasts_its_usage_and_sees_its_own_resources(
    local_stack: LocalStack, account: str
) -> None:
    today = datetime.now(UTC).date()
    async with local_stack.mcp_client("platform-agent") as client:
        usage = body(
            await client.call_tool(
                "get_cost_forecast",
                {"metric": "USAGE_QUANTITY", "filter": RUNNING_HOURS, "target_account_id": account},
            )
        )
        resources = body(
            await client.call_tool(
                "get_cost_and_usage",
                {"with_resources": True, "filter": EC2, "start_date": (today - timedelta(days=3)).isoformat(),
                 "target_account_id": account},
            )
        )  # fmt: skip
        too_old = await client.call_tool(
            "get_cost_and_usage",
            {"with_resources": True, "filter": EC2, "start_date": (today - timedelta(days=20)).isoformat(),
             "target_account_id": account},
        )  # fmt: skip

    assert usage["metric"] == "USAGE_QUANTITY"
    assert usage["total"]["unit"] == "Hrs"
    assert usage["total"]["amount"] > 0
    assert resources["group_by"] == ["DIMENSION:RESOURCE_ID"]
    assert resources["granularity"] == "DAILY"
    instances = {row["keys"][0] for row in resources["rows"]}
    assert len(instances) == 2
    assert all(i.startswith("i-0") for i in instances)
    assert too_old.is_error
    assert body(too_old)["message"].startswith("start_date: GetCostAndUsageWithResources covers the last 14 days")
    _assert_only(account, [usage, resources])


async def test_accounts_forecast_and_resources_differ(local_stack: LocalStack) -> None:
    today = datetime.now(UTC).date()
    answers: dict[str, Any] = {}
    async with local_stack.mcp_client("platform-agent") as client:
        for account in OWN:
            usage = body(
                await client.call_tool(
                    "get_cost_forecast",
                    {"metric": "USAGE_QUANTITY", "filter": RUNNING_HOURS, "target_account_id": account},
                )
            )
            resources = body(
                await client.call_tool(
                    "get_cost_and_usage",
                    {"with_resources": True, "filter": EC2, "start_date": (today - timedelta(days=2)).isoformat(),
                     "target_account_id": account},
                )
            )  # fmt: skip
            answers[account] = (usage["total"]["amount"], {row["keys"][0] for row in resources["rows"]})
    (acme_hours, acme_instances), (globex_hours, globex_instances) = answers.values()
    assert acme_hours != globex_hours
    assert not acme_instances & globex_instances


@pytest.mark.parametrize("account", [ROLE_ACCOUNT, AKSK_ACCOUNT])  # iam_role, aksk
async def test_each_account_lists_its_own_savings_plans_and_their_utilization(
    local_stack: LocalStack, account: str
) -> None:
    today = datetime.now(UTC).date()
    async with local_stack.mcp_client("platform-agent") as client:
        active = body(
            await client.call_tool(
                "get_commitments",
                {"kind": "savings_plans_inventory", "states": ["active"], "target_account_id": account},
            )
        )
        every = body(
            await client.call_tool(
                "get_commitments", {"kind": "savings_plans_inventory", "max_results": 2, "target_account_id": account}
            )
        )
        rest = body(
            await client.call_tool(
                "get_commitments",
                {"kind": "savings_plans_inventory", "max_results": 2, "next_token": every["next_token"],
                 "target_account_id": account},
            )
        )  # fmt: skip
        details = body(
            await client.call_tool(
                "get_commitments",
                {"kind": "savings_plans_utilization_details",
                 "start_date": (today - timedelta(days=20)).isoformat(), "target_account_id": account},
            )
        )  # fmt: skip

    arns = {row["savings_plan_arn"] for row in active["rows"]}
    assert len(arns) == 2
    assert all(f"::{account}:savingsplan/" in arn for arn in arns)
    assert {row["attributes"]["state"] for row in active["rows"]} == {"active"}
    assert {row["attributes"]["savings_plan_type"] for row in active["rows"]} == {"Compute", "EC2Instance"}
    assert all(row["commitment"] > 0 for row in active["rows"])
    assert len(every["rows"]) + len(rest["rows"]) == 3  # and the retired one, on the second page
    assert "next_token" not in rest
    assert active["kind"] == "savings_plans_inventory"
    assert "time_period" not in active
    # utilization per plan: the active plans (the retired one ended before the period)
    assert {row["savings_plan_arn"] for row in details["rows"]} == arns
    assert all(0 < row["utilization_percentage"] <= 100 for row in details["rows"])
    assert details["total"]["total_commitment"] == pytest.approx(sum(r["total_commitment"] for r in details["rows"]))
    _assert_only(account, [active, every, rest, details])
