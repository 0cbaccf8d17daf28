"""get_recommendations' Cost Optimization Hub and Compute Optimizer kinds: refusals, opt-in errors, scopes.

The exact requests of each operation are cases of ``tests/unit/test_tool_requests.py`` (CASES); this module uses the
same harness (an in-process MCP client, a fake vendor, Stubber-wrapped clients).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from credential_vendor.scopes import SCOPES, session_policy
from tests.unit.test_tool_requests import ACCOUNT, Harness, _harness

pytestmark = pytest.mark.unit

COH_LIST = {"filter": {"accountIds": [ACCOUNT]}, "maxResults": 20}
CO_EC2 = {"maxResults": 20}


@pytest.fixture
def harness(monkeypatch: pytest.MonkeyPatch) -> Iterator[Harness]:
    yield from _harness(monkeypatch)


@pytest.mark.parametrize(
    ("arguments", "field", "says"),
    [
        # each kind's own parameters
        ({"kind": "compute_optimizer", "action_type": "Stop"}, "action_type", "cost_optimization_hub only"),
        ({"kind": "compute_optimizer", "recommendation_id": "r"}, "recommendation_id", "cost_optimization_hub only"),
        ({"kind": "cost_optimization_hub", "finding": "Optimized"}, "finding", "compute_optimizer only"),
        ({"kind": "compute_optimizer", "term": "ONE_YEAR"}, "term", "Cost Explorer kinds"),
        ({"kind": "cost_optimization_hub", "service": "AmazonEC2"}, "service", "Cost Explorer kinds"),
        ({"kind": "savings_plans", "resource_type": "ebs_volume"}, "resource_type", "compute_optimizer"),
        ({"kind": "rightsizing", "service": "AmazonEC2", "region": "us-east-1"}, "region", "cost_optimization_hub"),
        # Compute Optimizer's Finding filter values depend on the resource (Filter / EBSFilter /
        # LambdaFunctionRecommendationFilter, Compute Optimizer API Reference)
        ({"kind": "compute_optimizer", "finding": "NotOptimized"}, "finding", "Underprovisioned | Overprovisioned"),
        (
            {"kind": "compute_optimizer", "resource_type": "auto_scaling_group", "finding": "Overprovisioned"},
            "finding",
            "Optimized | NotOptimized",
        ),
        ({"kind": "compute_optimizer", "resource_type": "ebs_volume", "finding": "Unavailable"}, "finding",
         "ebs_volume recommendations are filtered by Optimized | NotOptimized"),
        ({"kind": "compute_optimizer", "resource_type": "lambda_function", "finding": "Underprovisioned"}, "finding",
         "Optimized | NotOptimized | Unavailable"),
        # GetRecommendation takes recommendationId only
        ({"kind": "cost_optimization_hub", "recommendation_id": "r", "resource_type": "ebs_volume"}, "resource_type",
         "recommendation_id only"),
        ({"kind": "cost_optimization_hub", "recommendation_id": "r", "next_token": "t"}, "next_token", "no paging"),
        # a Region name, as the API takes it
        ({"kind": "cost_optimization_hub", "region": "US East"}, "region", ""),
        ({"kind": "compute_optimizer", "max_results": 101}, "max_results", "100"),
    ],
)  # fmt: skip
def test_what_the_apis_refuse_is_refused_before_any_vend(
    harness: Harness, arguments: dict[str, Any], field: str, says: str
) -> None:
    is_error, answer = harness.call("get_recommendations", {**arguments, "target_account_id": ACCOUNT})
    assert is_error
    assert answer["error_type"] == "invalid_parameter"
    assert answer["message"].startswith(f"{field}:"), answer
    assert says in answer["message"]
    assert harness.vendor.vends == []


def test_compute_optimizer_not_opted_in_says_so_and_how_to_opt_in(harness: Harness) -> None:
    # Given Compute Optimizer answers as it does for an account that is not opted in
    harness.stubbers["compute-optimizer"].add_client_error(
        "get_ec2_instance_recommendations", service_error_code="OptInRequiredException",
        service_message="The account is not opted in to Compute Optimizer.", http_status_code=403,
        expected_params=CO_EC2, response_meta={"RequestId": "req-9"},
    )  # fmt: skip

    # When
    is_error, answer = harness.call("get_recommendations", {"kind": "compute_optimizer", "target_account_id": ACCOUNT})

    # Then a structured error names the account, the service and the operator's way in
    assert is_error
    assert answer["error_type"] == "not_opted_in"
    assert ACCOUNT in answer["message"]
    assert "not opted in to AWS Compute Optimizer" in answer["message"]
    assert "aws compute-optimizer update-enrollment-status --status Active" in answer["message"]
    assert answer["request_id"] == "req-9"


def test_cost_optimization_hub_not_enrolled_says_so(harness: Harness) -> None:
    harness.stubbers["cost-optimization-hub"].add_client_error(
        "list_recommendations", service_error_code="AccessDeniedException",
        service_message=f"Account {ACCOUNT} is not enrolled in Cost Optimization Hub.", http_status_code=400,
        expected_params=COH_LIST,
    )  # fmt: skip
    is_error, answer = harness.call(
        "get_recommendations", {"kind": "cost_optimization_hub", "target_account_id": ACCOUNT}
    )
    assert is_error
    assert answer["error_type"] == "not_opted_in"
    assert "Cost Optimization Hub" in answer["message"]
    assert "aws cost-optimization-hub update-enrollment-status --status Active" in answer["message"]


def test_cost_optimization_hub_access_denied_names_both_causes(harness: Harness) -> None:
    # AccessDeniedException is also how the hub refuses an unenrolled account: the message names both causes
    harness.stubbers["cost-optimization-hub"].add_client_error(
        "list_recommendations", service_error_code="AccessDeniedException", service_message="not authorized",
        http_status_code=400, expected_params=COH_LIST,
    )  # fmt: skip
    is_error, answer = harness.call(
        "get_recommendations", {"kind": "cost_optimization_hub", "target_account_id": ACCOUNT}
    )
    assert is_error
    assert answer["error_type"] == "access_denied"
    assert "cost_optimization_hub" in answer["message"]
    assert "may not be enrolled in Cost Optimization Hub" in answer["message"]


def test_a_recommendation_of_another_account_is_not_answered(harness: Harness) -> None:
    # Given a management account's hub answers a member account's recommendation by id
    harness.stubbers["cost-optimization-hub"].add_response(
        "get_recommendation", {"recommendationId": "rec-9", "accountId": "333333333333", "resourceId": "i-0x"},
        {"recommendationId": "rec-9"},
    )  # fmt: skip

    # When the caller named 222222222222
    is_error, answer = harness.call(
        "get_recommendations",
        {"kind": "cost_optimization_hub", "recommendation_id": "rec-9", "target_account_id": ACCOUNT},
    )

    # Then nothing of 333333333333 is answered
    assert is_error
    assert answer["error_type"] == "not_found"
    assert "333333333333" not in json.dumps(answer)
    assert "i-0x" not in json.dumps(answer)


@pytest.mark.parametrize(
    ("scope", "actions"),
    [
        (
            "cost_optimization_hub",
            ("cost-optimization-hub:GetRecommendation", "cost-optimization-hub:ListRecommendations"),
        ),
        (
            "compute_optimizer_ec2_instance",
            ("compute-optimizer:GetEC2InstanceRecommendations", "ec2:DescribeInstances"),
        ),
        (
            "compute_optimizer_auto_scaling_group",
            ("autoscaling:DescribeAutoScalingGroups", "compute-optimizer:GetAutoScalingGroupRecommendations"),
        ),
        (
            "compute_optimizer_ebs_volume",
            ("compute-optimizer:GetEBSVolumeRecommendations", "ec2:DescribeVolumes"),
        ),
        (
            "compute_optimizer_lambda_function",
            (
                "compute-optimizer:GetLambdaFunctionRecommendations",
                "lambda:ListFunctions",
                "lambda:ListProvisionedConcurrencyConfigs",
            ),
        ),
    ],
)
def test_each_kind_vends_a_scope_holding_only_its_actions(scope: str, actions: tuple[str, ...]) -> None:
    # get_recommendations vends one scope per kind: a hub call's credentials cannot read Compute Optimizer, and so on
    assert SCOPES[scope].all_actions == actions
    assert SCOPES[scope].tools == ("get_recommendations",)
    policy = json.loads(session_policy(scope, account_id=ACCOUNT))
    assert policy["Statement"] == [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}]
