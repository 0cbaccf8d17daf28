"""Cost Optimization Hub and Compute Optimizer recommendations, for ``get_recommendations``.

``get_recommendations`` (tools/cost_insights.py) answers kind="cost_optimization_hub" and kind="compute_optimizer"
with the requests built here, each kind vending its own scope. What the API references refuse is refused first:

- Cost Optimization Hub ``ListRecommendations``: ``maxResults`` 0-1000 (the tool pages 1-100); every filter list
  holds 1-100 members; the only endpoint is ``cost-optimization-hub.us-east-1.amazonaws.com`` ("The Cost
  Optimization Hub API provides the following endpoint"), so every call goes to us-east-1 and ``region`` is a
  filter. A management account sees its member accounts' recommendations, so the request always filters on the
  target account (``filter.accountIds``) and a ``GetRecommendation`` answer of another account is refused.
  ``GetRecommendation`` takes ``recommendationId`` only ("valid for up to a maximum of 24 hours").
- Compute Optimizer ``Get{EC2Instance,AutoScalingGroup,EBSVolume,LambdaFunction}Recommendations``: ``maxResults``
  0-1000; ``accountIds`` is for a management account naming one member ("Only one account ID can be specified
  per request"), so it is omitted (the target account's own recommendations); the ``Finding`` filter's values
  depend on the resource (Filter, EBSFilter, LambdaFunctionRecommendationFilter): EC2 instances
  Underprovisioned | Overprovisioned | Optimized, Auto Scaling groups Optimized | NotOptimized, EBS volumes
  Optimized | NotOptimized, Lambda functions Optimized | NotOptimized | Unavailable. Compute Optimizer is
  regional: ``region`` picks the endpoint (default: the account's registered region).
- An account not opted in: Compute Optimizer answers ``OptInRequiredException`` ("The account is not opted in to
  Compute Optimizer"); Cost Optimization Hub documents no opt-in error and refuses an unenrolled account with
  ``AccessDeniedException``. Both become ``not_opted_in`` naming how an operator opts in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from botocore.exceptions import ClientError

from account_tools.errors import ToolFailure
from account_tools.tools.commitments import _snake
from account_tools.tools.cost_explorer import amount

COH_SCOPE = "cost_optimization_hub"
COH_SERVICE = "cost-optimization-hub"
# Compute Optimizer: one scope per resource type, so a vend holds only that API's action and the dependent
# action AWS checks for it (an EBS vend cannot list Lambda functions).
COMPUTE_OPTIMIZER_SCOPE_PREFIX = "compute_optimizer_"
COH_REGION = "us-east-1"  # the only Cost Optimization Hub endpoint
ResourceType = Literal["ec2_instance", "auto_scaling_group", "ebs_volume", "lambda_function"]
ActionType = Literal[
    "Rightsize", "Stop", "Upgrade", "PurchaseSavingsPlans", "PurchaseReservedInstances", "MigrateToGraviton",
    "Delete", "ScaleIn",
]  # fmt: skip
Finding = Literal["Overprovisioned", "Underprovisioned", "Optimized", "NotOptimized", "Unavailable"]
COH_RESOURCE_TYPES = {
    "ec2_instance": "Ec2Instance",
    "auto_scaling_group": "Ec2AutoScalingGroup",
    "ebs_volume": "EbsVolume",
    "lambda_function": "LambdaFunction",
}
# resource type -> (boto3 operation, list member of the answer, Finding values the API reference lists)
COMPUTE_OPTIMIZER = {
    "ec2_instance": (
        "get_ec2_instance_recommendations", "instanceRecommendations",
        ("Underprovisioned", "Overprovisioned", "Optimized"),
    ),
    "auto_scaling_group": (
        "get_auto_scaling_group_recommendations", "autoScalingGroupRecommendations", ("Optimized", "NotOptimized"),
    ),
    "ebs_volume": ("get_ebs_volume_recommendations", "volumeRecommendations", ("Optimized", "NotOptimized")),
    "lambda_function": (
        "get_lambda_function_recommendations", "lambdaFunctionRecommendations",
        ("Optimized", "NotOptimized", "Unavailable"),
    ),
}  # fmt: skip
# Enrolment is per service (the boto3 service name of the request), whichever scope a call vends.
OPT_IN = {
    COH_SERVICE: (
        "Cost Optimization Hub",
        "in the Billing and Cost Management console (Cost Optimization Hub) or with "
        "`aws cost-optimization-hub update-enrollment-status --status Active`",
    ),
    "compute-optimizer": (
        "AWS Compute Optimizer",
        "in the Compute Optimizer console or with `aws compute-optimizer update-enrollment-status --status Active`",
    ),
}


@dataclass(frozen=True)
class OptimizationRequest:
    """One AWS call of kind cost_optimization_hub or compute_optimizer."""

    service: str
    operation: str
    scope: str
    region: str | None
    params: dict[str, Any]
    parameters: dict[str, str]  # what was asked, echoed to the agent

    def params_for(self, account: str) -> dict[str, Any]:
        """The request's parameters; ListRecommendations always filtered on ``account``: a management account
        would otherwise answer with its member accounts' recommendations too."""
        if self.operation != "list_recommendations":
            return self.params
        return {**self.params, "filter": {"accountIds": [account], **self.params["filter"]}}


def optimization_request(
    kind: str,
    *,
    resource_type: str | None,
    action_type: str | None,
    finding: str | None,
    region: str | None,
    recommendation_id: str | None,
    max_results: int,
    next_token: str | None,
) -> OptimizationRequest:
    """The request of kind ``cost_optimization_hub`` or ``compute_optimizer`` after the API references' rules.

    Raises:
        ToolFailure: ``invalid_parameter`` naming the field.
    """
    asked = {"resource_type": resource_type, "action_type": action_type, "finding": finding, "region": region}
    parameters = {k: v for k, v in asked.items() if v}
    if kind == "compute_optimizer":
        for name, value in (("action_type", action_type), ("recommendation_id", recommendation_id)):
            if value:
                raise ToolFailure("invalid_parameter", f"{name}: applies to kind=cost_optimization_hub only")
        resource = resource_type or "ec2_instance"
        operation, _, findings = COMPUTE_OPTIMIZER[resource]
        params: dict[str, Any] = {"maxResults": max_results}
        if finding:
            if finding not in findings:
                raise ToolFailure(
                    "invalid_parameter",
                    f"finding: {resource} recommendations are filtered by {' | '.join(findings)} "
                    "(Compute Optimizer API Reference, Finding filter)",
                )
            params["filters"] = [{"name": "Finding", "values": [finding]}]
        if next_token:
            params["nextToken"] = next_token
        return OptimizationRequest(
            "compute-optimizer", operation, COMPUTE_OPTIMIZER_SCOPE_PREFIX + resource, region, params,
            {**parameters, "resource_type": resource},
        )  # fmt: skip
    if finding:
        raise ToolFailure("invalid_parameter", "finding: applies to kind=compute_optimizer only")
    if recommendation_id:
        named = [n for n, v in (*asked.items(), ("next_token", next_token)) if v]
        if named:
            raise ToolFailure(
                "invalid_parameter",
                f"{named[0]}: GetRecommendation takes recommendation_id only (no filters, no paging)",
            )
        return OptimizationRequest(
            COH_SERVICE, "get_recommendation", COH_SCOPE, COH_REGION,
            {"recommendationId": recommendation_id}, {"recommendation_id": recommendation_id},
        )  # fmt: skip
    where: dict[str, list[str]] = {}  # and accountIds, the target account (OptimizationRequest.params_for)
    if resource_type:
        where["resourceTypes"] = [COH_RESOURCE_TYPES[resource_type]]
    if action_type:
        where["actionTypes"] = [action_type]
    if region:
        where["regions"] = [region]
    params = {"filter": where, "maxResults": max_results}
    if next_token:
        params["nextToken"] = next_token
    return OptimizationRequest(COH_SERVICE, "list_recommendations", COH_SCOPE, COH_REGION, params, parameters)


def opt_in_failure(exc: ToolFailure, service: str, account: str) -> ToolFailure:
    """``not_opted_in`` when AWS said the account is not opted in to the service; ``exc`` otherwise.

    ``service`` is the request's boto3 service name (a key of ``OPT_IN``). Compute Optimizer answers
    ``OptInRequiredException``; Cost Optimization Hub refuses an unenrolled account with
    ``AccessDeniedException``, which a missing permission also raises: that message then names both causes.
    """
    cause = exc.__cause__
    code = str(cause.response.get("Error", {}).get("Code", "")) if isinstance(cause, ClientError) else ""
    message = str(cause.response.get("Error", {}).get("Message", "")) if isinstance(cause, ClientError) else ""
    name, how = OPT_IN[service]
    opt_in = f"an operator opts the account in once, {how}"
    if code == "OptInRequiredException" or (code == "AccessDeniedException" and "enrol" in message.lower()):
        return ToolFailure(
            "not_opted_in",
            f"Account {account} is not opted in to {name} ({code}), so it has no recommendations there: {opt_in}.",
            request_id=exc.request_id,
        )
    if code == "AccessDeniedException" and service == COH_SERVICE:
        return ToolFailure(
            exc.error_type,
            f"{exc.message} If the role allows them, the account may not be enrolled in {name}: {opt_in}.",
            request_id=exc.request_id,
        )
    return exc


def _savings(option: dict[str, Any]) -> dict[str, Any]:
    opportunity = option.get("savingsOpportunity") or {}
    monthly = opportunity.get("estimatedMonthlySavings") or {}
    return {
        "estimated_monthly_savings": amount(monthly.get("value")),
        "currency_code": monthly.get("currency"),
        "savings_percentage": opportunity.get("savingsOpportunityPercentage"),
    }


def _best(options: list[dict[str, Any]]) -> dict[str, Any]:
    """The rank-1 option (Compute Optimizer ranks its options), else the first."""
    return next((o for o in options if o.get("rank") == 1), options[0] if options else {})


def _volume(config: dict[str, Any]) -> str | None:
    return f"{config.get('volumeType')} {config.get('volumeSize')} GiB" if config.get("volumeType") else None


def compute_optimizer_entry(resource_type: str, raw: dict[str, Any]) -> dict[str, Any]:
    """One resource's finding, current and recommended configuration, and the rank-1 option's monthly savings."""
    if resource_type == "ec2_instance":
        option = _best(raw.get("recommendationOptions", []))
        arn, name = raw.get("instanceArn"), raw.get("instanceName")
        current, recommended = raw.get("currentInstanceType"), option.get("instanceType")
    elif resource_type == "auto_scaling_group":
        option = _best(raw.get("recommendationOptions", []))
        arn, name = raw.get("autoScalingGroupArn"), raw.get("autoScalingGroupName")
        current = (raw.get("currentConfiguration") or {}).get("instanceType")
        recommended = (option.get("configuration") or {}).get("instanceType")
    elif resource_type == "ebs_volume":
        option = _best(raw.get("volumeRecommendationOptions", []))
        arn, name = raw.get("volumeArn"), None
        current, recommended = (
            _volume(raw.get("currentConfiguration") or {}),
            _volume(option.get("configuration") or {}),
        )
    else:
        option = _best(raw.get("memorySizeRecommendationOptions", []))
        arn, name = raw.get("functionArn"), None
        current = f"{raw['currentMemorySize']} MB" if raw.get("currentMemorySize") else None
        recommended = f"{option['memorySize']} MB" if option.get("memorySize") else None
    entry = {
        "resource_arn": arn,
        "name": name,
        "finding": raw.get("finding"),
        "finding_reason_codes": ", ".join(raw.get("findingReasonCodes", [])),
        "current": current,
        "recommended": recommended,
        **(_savings(option) if option else {}),
    }
    return {k: v for k, v in entry.items() if v not in (None, "")}


_COH_FIELDS = {
    "recommendationId": "recommendation_id", "resourceId": "resource_id", "resourceArn": "resource_arn",
    "region": "region", "actionType": "action_type", "currentResourceType": "resource_type",
    "currentResourceSummary": "current", "recommendedResourceSummary": "recommended",
    "estimatedMonthlySavings": "estimated_monthly_savings", "estimatedMonthlyCost": "estimated_monthly_cost",
    "estimatedSavingsPercentage": "savings_percentage", "currencyCode": "currency_code",
    "implementationEffort": "implementation_effort", "restartNeeded": "restart_needed",
    "rollbackPossible": "rollback_possible", "source": "source",
}  # fmt: skip


def coh_entry(raw: dict[str, Any]) -> dict[str, Any]:
    """One Cost Optimization Hub recommendation: the resource, the action, current vs recommended, the savings.

    A ``GetRecommendation`` answer adds its resources' configurations (``current_*`` / ``recommended_*``).
    """
    entry: dict[str, Any] = {}
    for key, name in _COH_FIELDS.items():
        value = raw.get(key)
        if value is None or value == "":
            continue
        entry[name] = amount(value) if isinstance(value, int | float) and not isinstance(value, bool) else str(value)
    for side in ("current", "recommended"):
        details = raw.get(f"{side}ResourceDetails") or {}
        for resource in details.values():  # a union: one member is set
            for key, value in _leaves((resource or {}).get("configuration") or {}):
                entry[f"{side}_{key}"] = value
    return entry


def _leaves(config: dict[str, Any]) -> list[tuple[str, Any]]:
    """A configuration's scalar leaves as (snake_case name, number or text); lists are left out."""
    out: list[tuple[str, Any]] = []
    for key, value in config.items():
        if isinstance(value, dict):
            out.extend(_leaves(value))
        elif isinstance(value, bool | str):
            out.append((_snake(key), str(value)))
        elif isinstance(value, int | float):
            out.append((_snake(key), amount(value)))
    return out
