"""Cost Optimization Hub and Compute Optimizer recommendations (get_recommendations), end to end.

Through the local Gateway as the platform agent: Acme (222222222222, iam_role) and Globex (333333333333, aksk) each
answer every new kind with their own demo data (Acme's oversized m6i instances and Auto Scaling group, Globex's gp2
volume and Lambda memory), never the other's; the platform account (111111111111) is opted in to neither service
and says so.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from local_stack.stack import AKSK_ACCOUNT, HOST_ACCOUNT, ROLE_ACCOUNT, LocalStack
from tests.mcp_results import body

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]

ALIASES = {HOST_ACCOUNT: "platform", ROLE_ACCOUNT: "acme-prod", AKSK_ACCOUNT: "globex-legacy"}
# what each account's story makes Compute Optimizer say, per resource type: (finding, current, recommended)
STORIES = {
    ROLE_ACCOUNT: {
        "ec2_instance": ("Overprovisioned", "m6i.2xlarge", "m6i.xlarge"),
        "auto_scaling_group": ("NotOptimized", "m6i.xlarge", "m6i.large"),
        "ebs_volume": ("Optimized", "gp3 200 GiB", "gp3 200 GiB"),
        "lambda_function": ("Optimized", "512 MB", "512 MB"),
    },
    AKSK_ACCOUNT: {
        "ec2_instance": ("Optimized", "t3.medium", "t3.medium"),
        "auto_scaling_group": ("Optimized", "c6i.large", "c6i.large"),
        "ebs_volume": ("NotOptimized", "gp2 1000 GiB", "gp3 1000 GiB"),
        "lambda_function": ("NotOptimized", "3008 MB", "1024 MB"),
    },
}
FIRST_DETAIL = {ROLE_ACCOUNT: ("m6i.2xlarge", "m6i.xlarge"), AKSK_ACCOUNT: ("gp2", "gp3")}  # current, recommended
HUB = {ROLE_ACCOUNT: {"Ec2Instance", "Ec2AutoScalingGroup"}, AKSK_ACCOUNT: {"EbsVolume", "LambdaFunction"}}


def _other(account: str) -> str:
    return AKSK_ACCOUNT if account == ROLE_ACCOUNT else ROLE_ACCOUNT


def _has_none_of_the_others(account: str, *answers: dict[str, Any]) -> bool:
    text = json.dumps(answers)
    return not any(other in text or ALIASES[other] in text for other in ALIASES if other != account)


@pytest.mark.parametrize("account", [ROLE_ACCOUNT, AKSK_ACCOUNT])  # iam_role, aksk
async def test_compute_optimizer_answers_each_resource_type_with_the_accounts_own(
    local_stack: LocalStack, account: str
) -> None:
    async with local_stack.mcp_client("platform-agent") as client:
        answers = {
            resource: body(
                await client.call_tool(
                    "get_recommendations",
                    {"kind": "compute_optimizer", "resource_type": resource, "target_account_id": account},
                )
            )
            for resource in STORIES[account]
        }
        not_optimized = body(
            await client.call_tool(
                "get_recommendations",
                {"kind": "compute_optimizer", "resource_type": "ebs_volume", "finding": "NotOptimized",
                 "target_account_id": account},
            )
        )  # fmt: skip
        elsewhere = body(
            await client.call_tool(
                "get_recommendations",
                {"kind": "compute_optimizer", "region": "eu-west-1", "target_account_id": account},
            )
        )

    for resource, (finding, current, recommended) in STORIES[account].items():
        answer = answers[resource]
        assert answer["target_account_id"] == account
        assert answer["parameters"]["resource_type"] == resource
        [entry] = answer["recommendations"]
        assert f":{account}:" in entry["resource_arn"]
        assert (entry["finding"], entry["current"], entry["recommended"]) == (finding, current, recommended)
        assert entry["currency_code"] == "USD"
        assert (entry["estimated_monthly_savings"] > 0) == (finding != "Optimized")
    assert len(not_optimized["recommendations"]) == (1 if account == AKSK_ACCOUNT else 0)
    assert elsewhere["recommendations"] == []  # Compute Optimizer is regional: the resources are in us-east-1
    assert elsewhere["parameters"]["region"] == "eu-west-1"
    assert _has_none_of_the_others(account, answers, not_optimized, elsewhere)


@pytest.mark.parametrize("account", [ROLE_ACCOUNT, AKSK_ACCOUNT])  # iam_role, aksk
async def test_cost_optimization_hub_lists_and_details_the_accounts_own(local_stack: LocalStack, account: str) -> None:
    async with local_stack.mcp_client("platform-agent") as client:
        listed = body(
            await client.call_tool(
                "get_recommendations", {"kind": "cost_optimization_hub", "target_account_id": account}
            )
        )
        first_page = body(
            await client.call_tool(
                "get_recommendations",
                {"kind": "cost_optimization_hub", "max_results": 1, "target_account_id": account},
            )
        )
        second_page = body(
            await client.call_tool(
                "get_recommendations",
                {"kind": "cost_optimization_hub", "max_results": 1, "next_token": first_page["next_token"],
                 "target_account_id": account},
            )
        )  # fmt: skip
        detail = body(
            await client.call_tool(
                "get_recommendations",
                {"kind": "cost_optimization_hub", "recommendation_id": listed["recommendations"][0][
                    "recommendation_id"], "target_account_id": account},
            )
        )  # fmt: skip
        filtered = body(
            await client.call_tool(
                "get_recommendations",
                {"kind": "cost_optimization_hub", "resource_type": "ebs_volume", "action_type": "Upgrade",
                 "region": "us-east-1", "target_account_id": account},
            )
        )  # fmt: skip

    recommendations = listed["recommendations"]
    assert {r["resource_type"] for r in recommendations} == HUB[account]
    assert all(account in r["resource_arn"] and r["estimated_monthly_savings"] > 0 for r in recommendations)
    assert [first_page["recommendations"][0], second_page["recommendations"][0]] == recommendations
    assert "next_token" not in second_page
    [details] = detail["recommendations"]
    assert detail["recommendation_id"] == recommendations[0]["recommendation_id"]
    assert (details["current_type"], details["recommended_type"]) == FIRST_DETAIL[account]
    assert len(filtered["recommendations"]) == (1 if account == AKSK_ACCOUNT else 0)
    assert _has_none_of_the_others(account, listed, first_page, second_page, detail, filtered)


async def test_a_recommendation_id_of_another_account_is_not_found(local_stack: LocalStack) -> None:
    async with local_stack.mcp_client("platform-agent") as client:
        globex = body(
            await client.call_tool(
                "get_recommendations", {"kind": "cost_optimization_hub", "target_account_id": AKSK_ACCOUNT}
            )
        )
        result = await client.call_tool(
            "get_recommendations",
            {"kind": "cost_optimization_hub", "recommendation_id": globex["recommendations"][0]["recommendation_id"],
             "target_account_id": ROLE_ACCOUNT},
        )  # fmt: skip
    assert result.is_error
    assert body(result)["error_type"] == "not_found"
    assert AKSK_ACCOUNT not in json.dumps(body(result))


@pytest.mark.parametrize("kind", ["compute_optimizer", "cost_optimization_hub"])
async def test_the_platform_account_is_not_opted_in(local_stack: LocalStack, kind: str) -> None:
    async with local_stack.mcp_client("platform-agent") as client:
        result = await client.call_tool("get_recommendations", {"kind": kind, "target_account_id": HOST_ACCOUNT})
    assert result.is_error
    answer = body(result)
    assert answer["error_type"] == "not_opted_in"
    assert HOST_ACCOUNT in answer["message"]
    assert "update-enrollment-status --status Active" in answer["message"]
