# mypy: disable-error-code="valid-type"
# Parameter types built by account_tools.params are runtime Annotated aliases, which mypy cannot see as types.
"""Why the bill moved and what to buy or resize: anomalies, month-over-month comparisons and their drivers,
Savings Plans and Reserved Instance purchase recommendations, EC2 rightsizing (Cost Explorer), Cost Optimization
Hub and Compute Optimizer recommendations (their rules: ``tools/optimization.py``). Anomalies and comparisons take
``target_account_ids``.

What the Cost Explorer API Reference forbids is refused before any call (see ``cost_rules``
for the rules of the other Cost Explorer tools):

- GetAnomalies: "Anomalies are available for up to 90 days"; ``DateInterval.StartDate`` is
  required; ``TotalImpact`` filters by a numeric operator and a start value.
- GetCostAndUsageComparisons / GetCostComparisonDrivers: each period "must start and end on the
  first day of a month, with a duration of exactly one month", "within the last 13 months";
  MaxResults 1-2000 (comparisons) and 1-10 (drivers).
- GetSavingsPlansPurchaseRecommendation: SavingsPlansType, TermInYears, PaymentOption and
  LookbackPeriodInDays are required (defaults here); PageSize 0-6000.
- GetReservationPurchaseRecommendation: Service is required ("The specific service that you want
  recommendations for").
- GetRightsizingRecommendation: Service is required; "The only valid value for
  GetRightsizingRecommendation is AmazonEC2".
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from mcp.server import MCPServer
from pydantic import Field

from account_tools import cost_rules, fanout
from account_tools.errors import ToolFailure
from account_tools.models import CostAnomalies, CostComparison, Recommendations
from account_tools.params import (
    AccountIdParam,
    CostFilterParam,
    LenientFloat,
    NextTokenParam,
    TargetAccountIdsParam,
    lenient_int,
)
from account_tools.tools import ToolRuntime, optimization, read_only_tool
from account_tools.tools.commitments import _snake
from account_tools.tools.cost_explorer import CostMetric, EndDate, amount, parse_date, today

ANOMALIES_SCOPE = "cost_anomalies"
COMPARISONS_SCOPE = "cost_comparisons"
RECOMMENDATIONS_SCOPE = "recommendations"
RI_RECOMMENDATIONS_SCOPE = "ri_recommendations"
RIGHTSIZING_SCOPE = "rightsizing"
RIGHTSIZING_SERVICE = "AmazonEC2"  # "The only valid value for GetRightsizingRecommendation"
ANOMALY_MAX_AGE_DAYS = 90
DEFAULT_ANOMALY_DAYS = 30
COMPARISON_MAX_AGE_MONTHS = 13
MAX_DRIVERS_PAGE = 10
MAX_COMPARISONS_PAGE = 2000
DEFAULT_PAGE = 20
# GetCostAndUsageComparisons groups by DIMENSION, TAG or COST_CATEGORY; the dimensions an agent asks about.
ComparisonDimension = Literal["SERVICE", "LINKED_ACCOUNT", "REGION", "USAGE_TYPE", "INSTANCE_TYPE", "OPERATION"]
MonthParam = Annotated[str, Field(pattern=r"^20[0-9]{2}-(0[1-9]|1[0-2])$")]  # Cost Explorer keeps no older data


def _month(field: str, value: str) -> tuple[date, date]:
    """``YYYY-MM`` as the whole month ``[first day, first day of the next month)``."""
    first = date.fromisoformat(f"{value}-01")
    following = (first + timedelta(days=32)).replace(day=1)
    current = today()
    months_back = current.year * 12 + current.month - 1 - (COMPARISON_MAX_AGE_MONTHS - 1)
    oldest = date(months_back // 12, months_back % 12 + 1, 1)  # this month and the 12 before it
    if first > today():
        raise ToolFailure("invalid_parameter", f"{field}: {value} has not started yet")
    if first < oldest:
        raise ToolFailure(
            "invalid_parameter",
            f"{field}: Cost Explorer compares months within the last {COMPARISON_MAX_AGE_MONTHS} months "
            f"(the earliest is {oldest.isoformat()[:7]})",
        )
    return first, following


def _comparison_amounts(raw: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: {
            "baseline": amount(m.get("BaselineTimePeriodAmount")),
            "comparison": amount(m.get("ComparisonTimePeriodAmount")),
            "difference": amount(m.get("Difference")),
            "unit": m.get("Unit"),
        }
        for name, m in raw.items()
    }


def _anomaly(raw: dict[str, Any]) -> dict[str, Any]:
    impact = raw.get("Impact", {})
    score = raw.get("AnomalyScore", {})
    return {
        "anomaly_id": raw["AnomalyId"],
        "start": raw.get("AnomalyStartDate"),
        "end": raw.get("AnomalyEndDate"),
        "monitor_arn": raw.get("MonitorArn"),
        "feedback": raw.get("Feedback"),
        "score": score.get("CurrentScore"),
        "total_impact": impact.get("TotalImpact"),
        "total_actual_spend": impact.get("TotalActualSpend"),
        "total_expected_spend": impact.get("TotalExpectedSpend"),
        "root_causes": [
            {
                "service": c.get("Service"),
                "region": c.get("Region"),
                "linked_account": c.get("LinkedAccount"),
                "usage_type": c.get("UsageType"),
                "contribution": (c.get("Impact") or {}).get("Contribution"),
            }
            for c in raw.get("RootCauses", [])
        ],
    }


def _monitor(raw: dict[str, Any]) -> dict[str, Any]:
    created = raw.get("CreationDate")
    return {
        "monitor_arn": raw.get("MonitorArn"),
        "name": raw.get("MonitorName"),
        "type": raw.get("MonitorType"),
        "dimension": raw.get("MonitorDimension"),
        "created": str(created) if created else None,
    }


def _figures(raw: dict[str, Any], *, text: tuple[str, ...] = ()) -> dict[str, Any]:
    """A recommendation's fields as snake_case: numbers as numbers, ``text`` fields (and nested ones) and
    anything else that is not a number (e.g. an instance type) as text."""
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, dict):
            out.update(_figures(value, text=text))
        elif key in text or isinstance(value, bool) or (isinstance(value, str) and not _is_number(value)):
            out[_snake(key)] = str(value)
        elif isinstance(value, str | int | float):
            out[_snake(key)] = amount(value)
    return out


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


_SP_TEXT = ("AccountId", "CurrencyCode", "Region", "InstanceFamily", "OfferingId", "RecommendationDetailId")
# Reserved Instance details: the instance attributes (EC2, RDS, ElastiCache, ... details flattened) are text.
_RI_TEXT = (
    "AccountId", "CurrencyCode", "Family", "InstanceType", "Region", "AvailabilityZone", "Platform", "Tenancy",
    "DatabaseEngine", "DatabaseEdition", "DeploymentOption", "LicenseModel", "NodeType", "ProductDescription",
    "RecommendationDetailId", "CurrentGeneration", "SizeFlexEligible", "InstanceClass", "InstanceSize",
)  # fmt: skip


@dataclass(frozen=True)
class _RecommendationRequest:
    operation: str
    scope: str
    params: dict[str, Any]
    parameters: dict[str, str]  # what the answer assumes, echoed to the agent


def _recommendation_request(
    kind: str,
    service: str | None,
    savings_plans_type: str | None,
    term: str | None,
    payment_option: str | None,
    lookback: str | None,
) -> _RecommendationRequest:
    """The API, scope and request of one kind, after what the API reference requires of it.

    Raises:
        ToolFailure: ``invalid_parameter`` naming the field.
    """
    if kind != "savings_plans" and savings_plans_type:
        raise ToolFailure("invalid_parameter", f"savings_plans_type: applies to kind=savings_plans only, not {kind}")
    if kind == "rightsizing":
        named = [n for n, v in (("term", term), ("payment_option", payment_option), ("lookback", lookback)) if v]
        if named:
            raise ToolFailure("invalid_parameter", f"{named[0]}: applies to purchase recommendations, not rightsizing")
        if service != RIGHTSIZING_SERVICE:
            raise ToolFailure(
                "invalid_parameter",
                f'service: GetRightsizingRecommendation requires Service; "The only valid value for '
                f'GetRightsizingRecommendation is {RIGHTSIZING_SERVICE}" (Cost Explorer API Reference)',
            )
        return _RecommendationRequest(
            "get_rightsizing_recommendation", RIGHTSIZING_SCOPE, {"Service": service}, {"service": service}
        )
    purchase = {
        "term": term or "ONE_YEAR",
        "payment_option": payment_option or "NO_UPFRONT",
        "lookback": lookback or "THIRTY_DAYS",
    }
    params: dict[str, Any] = {
        "TermInYears": purchase["term"],
        "PaymentOption": purchase["payment_option"],
        "LookbackPeriodInDays": purchase["lookback"],
        "AccountScope": "LINKED",  # the target account's own usage, not its organization's
    }
    if kind == "reservations":
        if not service:
            raise ToolFailure(
                "invalid_parameter",
                "service: GetReservationPurchaseRecommendation requires Service (Cost Explorer API Reference), "
                'e.g. "Amazon Elastic Compute Cloud - Compute" or "Amazon Relational Database Service"',
            )
        return _RecommendationRequest(
            "get_reservation_purchase_recommendation", RI_RECOMMENDATIONS_SCOPE, {"Service": service, **params},
            {"service": service, **purchase},
        )  # fmt: skip
    if service:
        raise ToolFailure("invalid_parameter", "service: applies to kind=reservations or rightsizing")
    sp_type = savings_plans_type or "COMPUTE_SP"
    return _RecommendationRequest(
        "get_savings_plans_purchase_recommendation", RECOMMENDATIONS_SCOPE, {"SavingsPlansType": sp_type, **params},
        {"savings_plans_type": sp_type, **purchase},
    )  # fmt: skip


def _savings_plans_recommendations(response: dict[str, Any]) -> dict[str, Any]:
    found = response.get("SavingsPlansPurchaseRecommendation", {})
    result: dict[str, Any] = {
        "recommendations": [
            _figures(d, text=_SP_TEXT) for d in found.get("SavingsPlansPurchaseRecommendationDetails", [])
        ],
    }
    if found.get("SavingsPlansPurchaseRecommendationSummary"):
        result["summary"] = _figures(found["SavingsPlansPurchaseRecommendationSummary"], text=_SP_TEXT)
    return result


def _reservation_recommendations(response: dict[str, Any]) -> dict[str, Any]:
    """Every group's details in one list (AWS answers one group per service specification), the first summary."""
    groups = response.get("Recommendations", [])
    result: dict[str, Any] = {
        "recommendations": [
            _figures(d, text=_RI_TEXT) for group in groups for d in group.get("RecommendationDetails", [])
        ],
    }
    if groups and groups[0].get("RecommendationSummary"):
        result["summary"] = _figures(groups[0]["RecommendationSummary"], text=_RI_TEXT)
    return result


def _rightsizing_recommendations(response: dict[str, Any]) -> dict[str, Any]:
    """One flat entry per instance: what runs now, the recommended action and target, and the savings."""
    entries = []
    for raw in response.get("RightsizingRecommendations", []):
        current = raw.get("CurrentInstance", {})
        details = current.get("ResourceDetails", {}).get("EC2ResourceDetails", {})
        usage = current.get("ResourceUtilization", {}).get("EC2ResourceUtilization", {})
        entry: dict[str, Any] = {
            "account_id": raw.get("AccountId"),
            "resource_id": current.get("ResourceId"),
            "instance_name": current.get("InstanceName"),
            "rightsizing_type": raw.get("RightsizingType"),
            "instance_type": details.get("InstanceType"),
            "region": details.get("Region"),
            "currency_code": current.get("CurrencyCode"),
            "monthly_cost": amount(current.get("MonthlyCost")),
            "max_cpu_utilization_percentage": amount(usage.get("MaxCpuUtilizationPercentage")),
            "finding_reason_codes": ", ".join(raw.get("FindingReasonCodes", [])),
        }
        if raw.get("RightsizingType") == "TERMINATE":
            entry["estimated_monthly_savings"] = amount(
                raw.get("TerminateRecommendationDetail", {}).get("EstimatedMonthlySavings")
            )
        else:
            targets = raw.get("ModifyRecommendationDetail", {}).get("TargetInstances", [])
            target = next((t for t in targets if t.get("DefaultTargetInstance")), targets[0] if targets else {})
            entry["target_instance_type"] = (
                target.get("ResourceDetails", {}).get("EC2ResourceDetails", {}).get("InstanceType")
            )
            entry["estimated_monthly_savings"] = amount(target.get("EstimatedMonthlySavings"))
            entry["estimated_monthly_cost"] = amount(target.get("EstimatedMonthlyCost"))
        entries.append({k: v for k, v in entry.items() if v not in (None, "")})
    result: dict[str, Any] = {"recommendations": entries}
    if response.get("Summary"):
        result["summary"] = _figures(response["Summary"], text=("SavingsCurrencyCode",))
    return result


_RECOMMENDATION_SHAPES = {
    "savings_plans": _savings_plans_recommendations,
    "reservations": _reservation_recommendations,
    "rightsizing": _rightsizing_recommendations,
}


def register(server: MCPServer, rt: ToolRuntime) -> None:
    """Add ``get_anomalies``, ``compare_costs`` and ``get_recommendations``."""

    @read_only_tool(server, rt, name="get_anomalies", title="Cost anomalies", output=CostAnomalies)
    async def get_anomalies(
        kind: Annotated[
            Literal["anomalies", "monitors"], Field(description="anomalies (default) or monitors")
        ] = "anomalies",
        start_date: Annotated[
            str | None, Field(description="YYYY-MM-DD, within 90 days; default end_date - 30 days")
        ] = None,
        end_date: EndDate = None,
        min_impact: Annotated[
            LenientFloat | None, Field(description="only anomalies with a total impact >= this many USD")
        ] = None,
        monitor_arn: Annotated[str | None, Field(max_length=1024, description="only this monitor's")] = None,
        max_results: Annotated[lenient_int(ge=1, le=100), Field(description="per page, 1-100, default 20")] = (
            DEFAULT_PAGE
        ),
        next_token: NextTokenParam = None,
        target_account_id: AccountIdParam = None,
        target_account_ids: TargetAccountIdsParam = None,
    ) -> dict[str, Any]:
        """Cost anomalies (Cost Anomaly Detection): what spiked, when, the impact in USD and root causes.

        kind="monitors" lists the anomaly monitors instead.

        Example: get_anomalies(start_date="2026-04-01", min_impact=100, target_account_id="222222222222")
        """
        fanout.refuse_mixed(target_account_id, target_account_ids, next_token)
        params: dict[str, Any] = {"MaxResults": max_results}
        if next_token:
            params["NextPageToken"] = next_token
        common: dict[str, Any] = {"kind": kind}
        if kind == "monitors":
            named = [
                n for n, v in (("start_date", start_date), ("end_date", end_date), ("min_impact", min_impact)) if v
            ]
            if named:
                raise ToolFailure("invalid_parameter", f"{named[0]}: applies to kind=anomalies only")
            if monitor_arn:
                params["MonitorArnList"] = [monitor_arn]
            operation, key, shape = "get_anomaly_monitors", "monitors", _monitor
        else:
            end = parse_date("end_date", end_date, today())
            start = parse_date("start_date", start_date, end - timedelta(days=DEFAULT_ANOMALY_DAYS))
            if start > end:
                raise ToolFailure("invalid_parameter", "end_date: must not be before start_date")
            cost_rules.refuse_too_old(
                "start_date", start, today(), ANOMALY_MAX_AGE_DAYS, "anomalies are available for up to 90 days"
            )
            params["DateInterval"] = {"StartDate": start.isoformat(), "EndDate": end.isoformat()}
            if monitor_arn:
                params["MonitorArn"] = monitor_arn
            if min_impact is not None:
                params["TotalImpact"] = {"NumericOperator": "GREATER_THAN_OR_EQUAL", "StartValue": min_impact}
            common["time_period"] = {"start": start.isoformat(), "end": end.isoformat()}
            operation, key, shape = "get_anomalies", "anomalies", _anomaly

        async def one(account: str) -> dict[str, Any]:
            response = await rt.clients.call("ce", operation, account_id=account, scope=ANOMALIES_SCOPE, **params)
            items = response.get("AnomalyMonitors" if kind == "monitors" else "Anomalies", [])
            result: dict[str, Any] = {key: [shape(item) for item in items]}
            if response.get("NextPageToken"):
                result["next_token"] = response["NextPageToken"]
            return result

        return await fanout.answer(
            common,
            one,
            target_account_id=target_account_id,
            target_account_ids=target_account_ids,
            resolve=rt.account,
        )

    @read_only_tool(server, rt, name="compare_costs", title="Cost comparison between two months", output=CostComparison)
    async def compare_costs(
        baseline_month: Annotated[MonthParam, Field(description="the month to compare against, YYYY-MM")],
        comparison_month: Annotated[MonthParam, Field(description="the month to compare, YYYY-MM")],
        kind: Annotated[
            Literal["totals", "drivers"],
            Field(description="totals (default) or drivers"),
        ] = "totals",
        metric: Annotated[CostMetric, Field(description="default UnblendedCost")] = "UnblendedCost",
        group_by: Annotated[
            ComparisonDimension | None, Field(description="a dimension to group by, e.g. SERVICE; default none")
        ] = None,
        filter: CostFilterParam = None,
        max_results: Annotated[
            lenient_int(ge=1, le=MAX_COMPARISONS_PAGE) | None,
            Field(description="per page; totals 1-2000, drivers 1-10, default 20/10"),
        ] = None,
        next_token: NextTokenParam = None,
        target_account_id: AccountIdParam = None,
        target_account_ids: TargetAccountIdsParam = None,
    ) -> dict[str, Any]:
        """Why the bill moved between two whole months (within the last 13).

        kind=totals: each group's baseline, comparison and difference; kind=drivers: what
        drove each change (usage, Savings Plans, credits...).

        Example: compare_costs(baseline_month="2026-03", comparison_month="2026-04",
        kind="drivers", target_account_id="222222222222")
        """
        fanout.refuse_mixed(target_account_id, target_account_ids, next_token)
        baseline = _month("baseline_month", baseline_month)
        comparison = _month("comparison_month", comparison_month)
        page_limit = MAX_DRIVERS_PAGE if kind == "drivers" else MAX_COMPARISONS_PAGE
        if max_results is not None and max_results > page_limit:
            raise ToolFailure(
                "invalid_parameter", f"max_results: GetCostComparisonDrivers returns at most {MAX_DRIVERS_PAGE} a page"
            )
        if filter is not None:
            cost_rules.COST_AND_USAGE.check(filter)
        params: dict[str, Any] = {
            "BaselineTimePeriod": {"Start": baseline[0].isoformat(), "End": baseline[1].isoformat()},
            "ComparisonTimePeriod": {"Start": comparison[0].isoformat(), "End": comparison[1].isoformat()},
            "MetricForComparison": metric,
            "MaxResults": max_results or min(DEFAULT_PAGE, page_limit),
        }
        if group_by:
            params["GroupBy"] = [{"Type": "DIMENSION", "Key": group_by}]
        if filter is not None:
            params["Filter"] = filter.to_api()
        if next_token:
            params["NextPageToken"] = next_token
        common: dict[str, Any] = {
            "kind": kind,
            "metric": metric,
            "baseline": {"start": baseline[0].isoformat(), "end": baseline[1].isoformat()},
            "comparison": {"start": comparison[0].isoformat(), "end": comparison[1].isoformat()},
        }
        operation = "get_cost_comparison_drivers" if kind == "drivers" else "get_cost_and_usage_comparisons"

        async def one(account: str) -> dict[str, Any]:
            response = await rt.clients.call("ce", operation, account_id=account, scope=COMPARISONS_SCOPE, **params)
            result: dict[str, Any] = {}
            if kind == "drivers":
                result["rows"] = [
                    {
                        "selector": d.get("CostSelector", {}),
                        "metrics": _comparison_amounts(d.get("Metrics", {})),
                        "drivers": [
                            {"type": c.get("Type"), "name": c.get("Name"), "metrics": _comparison_amounts(c["Metrics"])}
                            for c in d.get("CostDrivers", [])
                        ],
                    }
                    for d in response.get("CostComparisonDrivers", [])
                ]
            else:
                result["totals"] = _comparison_amounts(response.get("TotalCostAndUsage", {}))
                result["rows"] = [
                    {
                        "selector": c.get("CostAndUsageSelector", {}),
                        "metrics": _comparison_amounts(c.get("Metrics", {})),
                    }
                    for c in response.get("CostAndUsageComparisons", [])
                ]
            if response.get("NextPageToken"):
                result["next_token"] = response["NextPageToken"]
            return result

        return await fanout.answer(
            common,
            one,
            target_account_id=target_account_id,
            target_account_ids=target_account_ids,
            resolve=rt.account,
        )

    @read_only_tool(server, rt, name="get_recommendations", title="Purchase and rightsizing recommendations",
                    output=Recommendations)  # fmt: skip
    async def get_recommendations(
        kind: Annotated[
            Literal["savings_plans", "reservations", "rightsizing", "cost_optimization_hub", "compute_optimizer"],
            Field(
                description="savings_plans (default), reservations (RI purchases), rightsizing (EC2), "
                "cost_optimization_hub or compute_optimizer"
            ),
        ] = "savings_plans",
        service: Annotated[
            str | None,
            Field(
                max_length=100,
                description='reservations: e.g. "Amazon Relational Database Service"; rightsizing: "AmazonEC2"',
            ),
        ] = None,
        savings_plans_type: Annotated[
            Literal["COMPUTE_SP", "EC2_INSTANCE_SP", "SAGEMAKER_SP", "DATABASE_SP"] | None,
            Field(description="savings_plans only, default COMPUTE_SP"),
        ] = None,
        term: Annotated[Literal["ONE_YEAR", "THREE_YEARS"] | None, Field(description="default ONE_YEAR")] = None,
        payment_option: Annotated[
            Literal["NO_UPFRONT", "PARTIAL_UPFRONT", "ALL_UPFRONT"] | None, Field(description="default NO_UPFRONT")
        ] = None,
        lookback: Annotated[
            Literal["SEVEN_DAYS", "THIRTY_DAYS", "SIXTY_DAYS"] | None,
            Field(description="usage considered, default 30 days"),
        ] = None,
        resource_type: Annotated[
            optimization.ResourceType | None, Field(description="compute_optimizer (default ec2_instance); hub filter")
        ] = None,
        action_type: Annotated[optimization.ActionType | None, Field(description="hub filter")] = None,
        finding: Annotated[optimization.Finding | None, Field(description="compute_optimizer filter")] = None,
        region: Annotated[
            str | None,
            Field(
                pattern=r"^[a-z]{2}(-[a-z]+)+-[0-9]$", description="hub filter; compute_optimizer default: account's"
            ),
        ] = None,
        recommendation_id: Annotated[
            str | None, Field(max_length=256, description="hub: one recommendation's details")
        ] = None,
        max_results: Annotated[lenient_int(ge=1, le=100), Field(description="per page, 1-100, default 20")] = (
            DEFAULT_PAGE
        ),
        next_token: NextTokenParam = None,
        target_account_id: AccountIdParam = None,
    ) -> dict[str, Any]:
        """What to buy or resize: Savings Plans or Reserved Instance purchases (monthly savings), EC2 rightsizing,
        Cost Optimization Hub (hub) and Compute Optimizer recommendations.

        term, payment_option and lookback apply to purchases; rightsizing needs service="AmazonEC2".

        Example: get_recommendations(kind="compute_optimizer", resource_type="ebs_volume",
        target_account_id="333333333333")
        """
        if kind in ("cost_optimization_hub", "compute_optimizer"):
            named = [n for n, v in (("service", service), ("savings_plans_type", savings_plans_type), ("term", term),
                                    ("payment_option", payment_option), ("lookback", lookback)) if v]  # fmt: skip
            if named:
                raise ToolFailure("invalid_parameter", f"{named[0]}: applies to Cost Explorer kinds, not {kind}")
            return await _optimization_recommendations(
                rt, kind, target_account_id, resource_type=resource_type, action_type=action_type, finding=finding,
                region=region, recommendation_id=recommendation_id, max_results=max_results, next_token=next_token,
            )  # fmt: skip
        named = [n for n, v in (("resource_type", resource_type), ("action_type", action_type), ("finding", finding),
                                ("region", region), ("recommendation_id", recommendation_id)) if v]  # fmt: skip
        if named:
            raise ToolFailure(
                "invalid_parameter", f"{named[0]}: applies to kind=cost_optimization_hub or compute_optimizer"
            )
        request = _recommendation_request(kind, service, savings_plans_type, term, payment_option, lookback)
        request.params["PageSize"] = max_results
        if next_token:
            request.params["NextPageToken"] = next_token
        account = await rt.account(target_account_id)
        response = await rt.clients.call(
            "ce", request.operation, account_id=account, scope=request.scope, **request.params
        )
        result: dict[str, Any] = {
            "kind": kind,
            "parameters": request.parameters,
            "target_account_id": account,
            **_RECOMMENDATION_SHAPES[kind](response),
        }
        if response.get("Metadata", {}).get("RecommendationId"):
            result["recommendation_id"] = response["Metadata"]["RecommendationId"]
        if response.get("NextPageToken"):
            result["next_token"] = response["NextPageToken"]
        return result


async def _optimization_recommendations(
    rt: ToolRuntime, kind: str, target_account_id: str | None, **asked: Any
) -> dict[str, Any]:
    """kind=cost_optimization_hub or compute_optimizer: one call with that kind's scope (see ``optimization``)."""
    request = optimization.optimization_request(kind, **asked)
    account = await rt.account(target_account_id)
    try:
        response = await rt.clients.call(
            request.service, request.operation, account_id=account, scope=request.scope, region=request.region,
            **request.params_for(account),
        )  # fmt: skip
    except ToolFailure as exc:
        failure = optimization.opt_in_failure(exc, request.service, account)
        if failure is exc:
            raise
        raise failure from exc
    result: dict[str, Any] = {"kind": kind, "parameters": request.parameters, "target_account_id": account}
    if request.operation == "get_recommendation":
        if response.get("accountId") not in (None, account):  # a management account can read its members'
            raise ToolFailure("not_found", f"recommendation_id: not a recommendation of account {account}")
        result["recommendation_id"] = response.get("recommendationId") or asked["recommendation_id"]
        result["recommendations"] = [optimization.coh_entry(response)]
        return result
    if request.service == "cost-optimization-hub":
        result["recommendations"] = [optimization.coh_entry(item) for item in response.get("items", [])]
    else:
        resource = request.parameters["resource_type"]
        items = response.get(optimization.COMPUTE_OPTIMIZER[resource][1], [])
        result["recommendations"] = [optimization.compute_optimizer_entry(resource, item) for item in items]
    if response.get("nextToken"):
        result["next_token"] = response["nextToken"]
    return result
