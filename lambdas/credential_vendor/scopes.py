"""Server-side scope registry: the IAM actions each tool group may use.

A vend request names a scope; the vendor turns it into a session policy
(AssumeRole ``Policy`` / GetFederationToken ``Policy``). Requests never carry
free-form actions, so a compromised caller cannot widen its own permissions.

This module is stdlib-only: the CDK app imports it to build the customer
onboarding role as the union of all scopes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

# Session policies are limited to 2048 characters of plain text
# (STS AssumeRole / GetFederationToken, "Policy" parameter).
MAX_SESSION_POLICY_CHARS = 2048


class SessionPolicyTooLargeError(ValueError):
    """A scope's session policy is longer than STS accepts."""

    def __init__(self, scope_name: str, size: int) -> None:
        super().__init__(
            f"session policy for scope {scope_name!r} is {size} characters (STS limit {MAX_SESSION_POLICY_CHARS})"
        )
        self.scope_name = scope_name
        self.size = size


@dataclass(frozen=True)
class Scope:
    """One named permission set.

    Attributes:
        name: Identifier sent by the runtime in a vend request.
        description: What the scope allows, for operators.
        actions: IAM actions allowed on any resource.
        log_group_actions: IAM actions allowed only on allowlisted log groups
            (CloudWatch Logs resource ARNs); empty for most scopes.
        event_data_store_actions: IAM actions allowed only on the target account's CloudTrail Lake
            event data stores (``arn:aws:cloudtrail:*:<account>:eventdatastore/*``).
        tools: The runtime tools that vend with this scope. A caller assertion names its tool; the
            vendor vends a scope only for the tools listed here.
        names_log_groups: The scope's tools answer with log-group names from actions IAM cannot pin to
            log groups: the vendor sends the account's allowlist with the credentials (as it does for
            ``log_group_actions``) and the runtime names only the groups on it.
    """

    name: str
    description: str
    actions: tuple[str, ...]
    log_group_actions: tuple[str, ...] = field(default=())
    event_data_store_actions: tuple[str, ...] = field(default=())
    tools: tuple[str, ...] = field(default=())
    names_log_groups: bool = False

    @property
    def all_actions(self) -> tuple[str, ...]:
        """Every action of the scope, sorted."""
        return tuple(sorted({*self.actions, *self.log_group_actions, *self.event_data_store_actions}))

    @property
    def uses_log_group_allowlist(self) -> bool:
        """Whether a vend of this scope reads the account's log-group allowlist and returns it."""
        return bool(self.log_group_actions) or self.names_log_groups


SCOPES: dict[str, Scope] = {
    scope.name: scope
    for scope in (
        Scope(
            name="identity",
            description="Confirm which account and principal the vended credentials act as.",
            actions=("sts:GetCallerIdentity",),
            tools=("get_caller_identity",),
        ),
        Scope(
            name="logs_insights",
            description="Run CloudWatch Logs Insights queries over allowlisted log groups.",
            # GetQueryResults, DescribeQueries and StopQuery have no resource type in the service
            # authorization reference (Resource must be "*"): the runtime reads results only of queries
            # DescribeQueries shows over allowlisted groups (tools/logs_insights.py), and StartQuery,
            # which does take log-group ARNs, is pinned to the allowlist.
            actions=("logs:DescribeQueries", "logs:GetQueryResults", "logs:StopQuery"),
            log_group_actions=("logs:StartQuery",),
            tools=("logs_insights_query", "logs_insights_get_results", "logs_insights_stop_query"),
        ),
        Scope(
            name="log_groups",
            description="List the allowlisted CloudWatch Logs log groups that exist in the account.",
            # DescribeLogGroups has no resource type in the service authorization reference (Resource must be
            # "*"; IAM still bounds it to the vended account): the runtime names only the groups on the account's
            # allowlist, which the vendor sends with these credentials (names_log_groups).
            actions=("logs:DescribeLogGroups",),
            tools=("list_log_groups",),
            names_log_groups=True,
        ),
        Scope(
            name="cost_explorer",
            description="Read cost and usage (also per resource), cost and usage forecasts, and the dimension "
            "values, tags and cost categories of Cost Explorer.",
            # One scope for the three tools' reads of the same Cost Explorer data: a usage forecast, the tags and
            # cost categories present in cost data, and costs per resource add no data of another kind.
            actions=(
                "ce:GetCostAndUsage",
                "ce:GetCostAndUsageWithResources",
                "ce:GetCostForecast",
                "ce:GetUsageForecast",
                "ce:GetDimensionValues",
                "ce:GetTags",
                "ce:GetCostCategories",
            ),
            tools=("get_cost_and_usage", "get_cost_forecast", "get_dimension_values"),
        ),
        Scope(
            name="commitments",
            description="Read Savings Plans and Reserved Instance coverage and utilization.",
            actions=(
                "ce:GetSavingsPlansCoverage",
                "ce:GetSavingsPlansUtilization",
                "ce:GetSavingsPlansUtilizationDetails",
                "ce:GetReservationCoverage",
                "ce:GetReservationUtilization",
            ),
            tools=("get_commitments",),
        ),
        # get_commitments(kind="savings_plans_inventory") reads another service (the Savings Plans contracts, not
        # Cost Explorer figures): a scope of its own, so that vend holds only this action (as get_recommendations).
        Scope(
            name="savings_plans_inventory",
            description="Describe the Savings Plans of the account (term, commitment, payment, state).",
            actions=("savingsplans:DescribeSavingsPlans",),
            tools=("get_commitments",),
        ),
        Scope(
            name="cost_anomalies",
            description="Read Cost Anomaly Detection anomalies and monitors.",
            actions=("ce:GetAnomalies", "ce:GetAnomalyMonitors"),
            tools=("get_anomalies",),
        ),
        Scope(
            name="cost_comparisons",
            description="Compare cost and usage between two months and read the cost drivers.",
            actions=("ce:GetCostAndUsageComparisons", "ce:GetCostComparisonDrivers"),
            tools=("compare_costs",),
        ),
        Scope(
            name="recommendations",
            description="Read Savings Plans purchase recommendations.",
            actions=("ce:GetSavingsPlansPurchaseRecommendation",),
            tools=("get_recommendations",),
        ),
        # get_recommendations vends one scope per kind, so each vend holds only that kind's action.
        Scope(
            name="ri_recommendations",
            description="Read Reserved Instance purchase recommendations.",
            actions=("ce:GetReservationPurchaseRecommendation",),
            tools=("get_recommendations",),
        ),
        Scope(
            name="rightsizing",
            description="Read EC2 rightsizing recommendations.",
            actions=("ce:GetRightsizingRecommendation",),
            tools=("get_recommendations",),
        ),
        # Cost Optimization Hub: ListRecommendations lists GetRecommendation as a dependent action (Service
        # Authorization Reference, "Actions defined by AWS Cost Optimization Hub"); neither has a resource type.
        Scope(
            name="cost_optimization_hub",
            description="Read Cost Optimization Hub recommendations and one recommendation's details.",
            actions=("cost-optimization-hub:ListRecommendations", "cost-optimization-hub:GetRecommendation"),
            tools=("get_recommendations",),
        ),
        # Compute Optimizer: one scope per resource type (get_recommendations kind=compute_optimizer vends the one of
        # its resource_type). Each Get*Recommendations has a dependent action the Service Authorization Reference
        # lists for it ("Actions defined by AWS Compute Optimizer", Dependent actions): ec2:DescribeInstances (EC2),
        # autoscaling:DescribeAutoScalingGroups (Auto Scaling groups), ec2:DescribeVolumes (EBS), lambda:ListFunctions
        # and lambda:ListProvisionedConcurrencyConfigs (Lambda). All are reads on "*"; split so that, e.g., a vend for
        # EBS volumes cannot list Lambda functions (whose configurations carry environment variables).
        *(
            Scope(
                name=f"compute_optimizer_{resource}",
                description=f"Read Compute Optimizer recommendations for {what}.",
                actions=(f"compute-optimizer:Get{api}Recommendations", *dependent),
                tools=("get_recommendations",),
            )
            for resource, what, api, dependent in (
                ("ec2_instance", "EC2 instances", "EC2Instance", ("ec2:DescribeInstances",)),
                (
                    "auto_scaling_group",
                    "Auto Scaling groups",
                    "AutoScalingGroup",
                    ("autoscaling:DescribeAutoScalingGroups",),
                ),
                ("ebs_volume", "EBS volumes", "EBSVolume", ("ec2:DescribeVolumes",)),
                (
                    "lambda_function",
                    "Lambda functions",
                    "LambdaFunction",
                    ("lambda:ListFunctions", "lambda:ListProvisionedConcurrencyConfigs"),
                ),
            )
        ),
        Scope(
            name="budgets",
            description="Read budgets (actual, forecast, limit) and their performance history.",
            actions=("budgets:ViewBudget",),
            tools=("get_budgets",),
        ),
        Scope(
            name="cloudtrail",
            description="Look up CloudTrail management events.",
            actions=("cloudtrail:LookupEvents",),
            tools=("lookup_events",),
        ),
        Scope(
            name="cloudtrail_lake",
            description="Run and read CloudTrail Lake queries; list event data stores.",
            actions=("cloudtrail:ListEventDataStores",),  # no resource type: "*"
            event_data_store_actions=(
                "cloudtrail:StartQuery",
                "cloudtrail:DescribeQuery",
                "cloudtrail:GetQueryResults",
            ),
            tools=("list_event_data_stores", "lake_query", "get_query_results"),
        ),
        # GetMetricData and ListMetrics have no resource type in the service authorization reference ("*").
        Scope(
            name="cloudwatch_metrics",
            description="Read CloudWatch metric datapoints and list the metrics that exist.",
            actions=("cloudwatch:GetMetricData", "cloudwatch:ListMetrics"),
            tools=("get_metrics",),
        ),
        # DescribeAlarms and DescribeAlarmHistory take alarm ARNs, but return composite alarms only when allowed
        # on "*" (CloudWatch API Reference); the vended account bounds them either way.
        Scope(
            name="cloudwatch_alarms",
            description="Read CloudWatch alarms and their history.",
            actions=("cloudwatch:DescribeAlarms", "cloudwatch:DescribeAlarmHistory"),
            tools=("get_alarms",),
        ),
    )
}


def union_of_actions() -> list[str]:
    """Every action of every scope, sorted: the customer role's permissions."""
    return sorted({action for scope in SCOPES.values() for action in scope.all_actions})


def log_group_arn(account_id: str, entry: str) -> str:
    """The ARN of an allowlist entry in ``account_id``, any region.

    An exact name covers that group (``...:log-group:NAME:*``); a prefix pattern ending in ``*``
    (``/aws/lambda/orders-*``) covers every group whose name starts with the prefix
    (``...:log-group:/aws/lambda/orders-*``).
    """
    suffix = "" if entry.endswith("*") else ":*"
    return f"arn:aws:logs:*:{account_id}:log-group:{entry}{suffix}"


def session_policy(scope_name: str, *, account_id: str, log_groups: tuple[str, ...] = ()) -> str:
    """Build the session policy document for one scope.

    Args:
        scope_name: A key of ``SCOPES``.
        account_id: The 12-digit target account; log-group ARNs are pinned to it.
        log_groups: The account's effective log-group allowlist (exact names and prefix patterns
            ending in ``*``) for scopes with log-group actions. With none, those actions are left
            out (deny by default).

    Returns:
        A compact JSON IAM policy (``Version`` 2012-10-17), at most
        ``MAX_SESSION_POLICY_CHARS`` characters: no ``Sid``, no whitespace, and
        wildcards only where they stay inside the allowlist (any region, the
        log streams of an allowlisted group, the groups under an allowlisted
        prefix) or the target account (its event data stores).

    Raises:
        KeyError: The scope is not registered.
        SessionPolicyTooLargeError: The policy would exceed the STS size limit
            (too many or too long allowlisted log groups).
    """
    scope = SCOPES[scope_name]
    statements: list[dict[str, object]] = [{"Effect": "Allow", "Action": sorted(scope.actions), "Resource": "*"}]
    if scope.log_group_actions and log_groups:
        statements.append(
            {
                "Effect": "Allow",
                "Action": sorted(scope.log_group_actions),
                "Resource": [log_group_arn(account_id, entry) for entry in sorted(log_groups)],
            }
        )
    if scope.event_data_store_actions:
        statements.append(
            {
                "Effect": "Allow",
                "Action": sorted(scope.event_data_store_actions),
                "Resource": f"arn:aws:cloudtrail:*:{account_id}:eventdatastore/*",
            }
        )
    policy = json.dumps({"Version": "2012-10-17", "Statement": statements}, separators=(",", ":"))
    if len(policy) > MAX_SESSION_POLICY_CHARS:
        raise SessionPolicyTooLargeError(scope_name, len(policy))
    return policy


def oversized_scopes(log_groups: tuple[str, ...]) -> dict[str, int]:
    """Scopes whose session policy would exceed the STS limit with this allowlist, with their sizes.

    The size does not depend on the account (always 12 digits), so this is checked once, at synth time.
    """
    oversized: dict[str, int] = {}
    for name in SCOPES:
        try:
            session_policy(name, account_id="0" * 12, log_groups=log_groups)
        except SessionPolicyTooLargeError as exc:
            oversized[name] = exc.size
    return oversized
