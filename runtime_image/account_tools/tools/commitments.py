# mypy: disable-error-code="valid-type"
# Parameter types built by account_tools.params are runtime Annotated aliases, which mypy cannot see as types.
"""Savings Plans and Reserved Instances: coverage and utilization (Cost Explorer).

Same date rules as ``cost_explorer``: ``YYYY-MM-DD``, ``end_date`` exclusive,
validated before any AWS call. Amounts and percentages come back as numbers.
"""

from typing import Annotated, Any, Literal

from mcp.server import MCPServer
from pydantic import Field

from account_tools import cost_rules
from account_tools.models import ReservationReport, SavingsPlansCoverage, SavingsPlansUtilization
from account_tools.params import (
    AccountIdParam,
    CostExpression,
    CostFilterParam,
    LenientBool,
    NextTokenParam,
    lenient_int,
    lenient_list,
)
from account_tools.tools import ToolRuntime, read_only_tool
from account_tools.tools.cost_explorer import EndDate, StartDate, amount, period_param, time_period, today

SCOPE = "commitments"
SavingsPlansGroupKey = Literal["SERVICE", "REGION", "INSTANCE_FAMILY"]
ReservationGroupKey = Literal[
    "AZ", "CACHE_ENGINE", "DATABASE_ENGINE", "DEPLOYMENT_OPTION", "INSTANCE_TYPE", "INVOICING_ENTITY",
    "LINKED_ACCOUNT", "OPERATING_SYSTEM", "PLATFORM", "REGION", "TENANCY",
]  # fmt: skip

OptionalGranularity = Annotated[
    Literal["DAILY", "MONTHLY"] | None,
    Field(description="DAILY or MONTHLY rows (not with group_by); default: period total only"),
]


_NOT_NUMBERS = ("TimePeriod", "Attributes", "Groups", "Key", "Value")


def _flatten(raw: dict[str, Any]) -> dict[str, float]:
    """A coverage or utilization object (nested sections of number strings) as one flat snake_case dict.

    e.g. ``{"Utilization": {"UtilizationPercentage": "93.50"}}`` -> ``{"utilization_percentage": 93.5}``.
    """
    flat: dict[str, float] = {}
    for key, value in raw.items():
        if key in _NOT_NUMBERS or isinstance(value, list):
            continue
        if isinstance(value, dict):
            flat.update(_flatten(value))
        else:
            flat[_snake(key)] = amount(value)
    return flat


def _snake(name: str) -> str:
    """``OnDemandCostOfRIHoursUsed`` -> ``on_demand_cost_of_ri_hours_used``."""
    out = []
    for i, ch in enumerate(name):
        boundary = i and ch.isupper() and (not name[i - 1].isupper() or (i + 1 < len(name) and name[i + 1].islower()))
        if boundary:
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


def _group_by(keys: list[str] | None) -> list[dict[str, str]]:
    return [{"Type": "DIMENSION", "Key": key} for key in keys or []]


def _base(
    rules: cost_rules.FilterRules,
    start_date: str | None,
    end_date: str | None,
    granularity: str | None,
    filter: CostExpression | None,
    group_keys: list[str] | None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """The request's common parameters, after the API's own rules (see ``cost_rules``).

    Raises:
        ToolFailure: ``invalid_parameter`` for anything the API would refuse.
    """
    start, end = time_period(start_date, end_date)
    cost_rules.refuse_granularity_with_group_by(rules.api, granularity, group_keys)
    cost_rules.refuse_too_old(
        "start_date", start, today(), cost_rules.COMMITMENT_MAX_AGE_DAYS, f"{rules.api} covers the last 13 months"
    )
    if rules.api.startswith("GetSavingsPlans"):
        cost_rules.refuse_future_end("end_date", end, today(), rules.api)
    if filter is not None:
        rules.check(filter)
    params: dict[str, Any] = {"TimePeriod": period_param(start, end)}
    if granularity:
        params["Granularity"] = granularity
    if group_keys:
        params["GroupBy"] = _group_by(group_keys)
    if filter is not None:
        params["Filter"] = filter.to_api()
    return params, {"start": start.isoformat(), "end": end.isoformat()}


def register(server: MCPServer, rt: ToolRuntime) -> None:
    """Add the Savings Plans and Reserved Instance coverage and utilization tools."""

    @read_only_tool(
        server, rt, name="get_savings_plans_coverage", title="Savings Plans coverage", output=SavingsPlansCoverage
    )
    async def get_savings_plans_coverage(
        start_date: StartDate = None,
        end_date: EndDate = None,
        granularity: OptionalGranularity = None,
        group_by: Annotated[
            lenient_list(SavingsPlansGroupKey, min_length=1, max_length=3) | None,
            Field(description='dimension keys to group by, e.g. ["SERVICE"]; default: no grouping'),
        ] = None,
        filter: CostFilterParam = None,
        max_results: Annotated[
            lenient_int(ge=1, le=1000) | None, Field(description="rows per page, 1-1000, default 20")
        ] = None,
        next_token: NextTokenParam = None,
        target_account_id: AccountIdParam = None,
    ) -> dict[str, Any]:
        """How much of an account's eligible spend Savings Plans covered.

        Rows have coverage_percentage, spend covered, On-Demand and total cost. Use
        granularity for rows per period, or group_by for totals per group (not both).

        Example: get_savings_plans_coverage(group_by=["SERVICE"], target_account_id="222222222222")
        """
        params, period = _base(cost_rules.SAVINGS_PLANS_COVERAGE, start_date, end_date, granularity, filter, group_by)
        if max_results is not None:
            params["MaxResults"] = max_results
        if next_token:
            params["NextToken"] = next_token
        account = await rt.account(target_account_id)
        response = await rt.clients.call("ce", "get_savings_plans_coverage", account_id=account, scope=SCOPE, **params)
        result: dict[str, Any] = {
            "target_account_id": account,
            "time_period": period,
            "rows": [
                {
                    "start": c["TimePeriod"]["Start"],
                    "end": c["TimePeriod"]["End"],
                    "attributes": c.get("Attributes", {}),
                    **_flatten(c.get("Coverage", {})),
                }
                for c in response.get("SavingsPlansCoverages", [])
            ],
        }
        if response.get("NextToken"):
            result["next_token"] = response["NextToken"]
        return result

    @read_only_tool(
        server,
        rt,
        name="get_savings_plans_utilization",
        title="Savings Plans utilization",
        output=SavingsPlansUtilization,
    )
    async def get_savings_plans_utilization(
        start_date: StartDate = None,
        end_date: EndDate = None,
        granularity: OptionalGranularity = None,
        filter: CostFilterParam = None,
        target_account_id: AccountIdParam = None,
    ) -> dict[str, Any]:
        """How well an account used its Savings Plans commitment, and what it saved.

        Returns the period's total (utilization_percentage, used/unused commitment, net
        savings) and, with a granularity, one row per period.

        Example: get_savings_plans_utilization(granularity="MONTHLY", target_account_id="222222222222")
        """
        params, period = _base(cost_rules.SAVINGS_PLANS_UTILIZATION, start_date, end_date, granularity, filter, None)
        account = await rt.account(target_account_id)
        response = await rt.clients.call(
            "ce", "get_savings_plans_utilization", account_id=account, scope=SCOPE, **params
        )
        return {
            "target_account_id": account,
            "time_period": period,
            "total": _flatten(response.get("Total", {})),
            "rows": [
                {"start": u["TimePeriod"]["Start"], "end": u["TimePeriod"]["End"], **_flatten(u)}
                for u in response.get("SavingsPlansUtilizationsByTime", [])
            ],
        }

    @read_only_tool(
        server, rt, name="get_reservation_coverage", title="Reserved Instance coverage", output=ReservationReport
    )
    async def get_reservation_coverage(
        start_date: StartDate = None,
        end_date: EndDate = None,
        granularity: OptionalGranularity = None,
        group_by: Annotated[
            lenient_list(ReservationGroupKey, min_length=1, max_length=2) | None,
            Field(description='dimension keys to group by, e.g. ["INSTANCE_TYPE"]; default: no grouping'),
        ] = None,
        filter: CostFilterParam = None,
        next_token: NextTokenParam = None,
        target_account_id: AccountIdParam = None,
    ) -> dict[str, Any]:
        """How many of an account's running instance hours Reserved Instances covered.

        Returns the total (coverage_hours_percentage, reserved/on-demand/total running
        hours, cost) and one row per period, with groups when group_by is set. Use
        granularity or group_by, not both. Without a SERVICE filter, AWS reports EC2.

        Example: get_reservation_coverage(granularity="MONTHLY", group_by=["INSTANCE_TYPE"],
        target_account_id="222222222222")
        """
        params, period = _base(cost_rules.RESERVATION_COVERAGE, start_date, end_date, granularity, filter, group_by)
        if next_token:
            params["NextPageToken"] = next_token
        account = await rt.account(target_account_id)
        response = await rt.clients.call("ce", "get_reservation_coverage", account_id=account, scope=SCOPE, **params)
        result: dict[str, Any] = {
            "target_account_id": account,
            "time_period": period,
            "total": _flatten(response.get("Total", {})),
            "rows": [
                {
                    "start": c["TimePeriod"]["Start"],
                    "end": c["TimePeriod"]["End"],
                    "total": _flatten(c.get("Total", {})),
                    "groups": [
                        {"attributes": g.get("Attributes", {}), **_flatten(g.get("Coverage", {}))}
                        for g in c.get("Groups", [])
                    ],
                }
                for c in response.get("CoveragesByTime", [])
            ],
        }
        if response.get("NextPageToken"):
            result["next_token"] = response["NextPageToken"]
        return result

    @read_only_tool(
        server, rt, name="get_reservation_utilization", title="Reserved Instance utilization", output=ReservationReport
    )
    async def get_reservation_utilization(
        start_date: StartDate = None,
        end_date: EndDate = None,
        granularity: OptionalGranularity = None,
        group_by_subscription: Annotated[
            LenientBool, Field(description="one group per reservation (SUBSCRIPTION_ID), default false")
        ] = False,
        filter: CostFilterParam = None,
        next_token: NextTokenParam = None,
        target_account_id: AccountIdParam = None,
    ) -> dict[str, Any]:
        """How well an account used its Reserved Instances, and what they saved.

        Returns the total (utilization_percentage, purchased/used/unused hours, net RI
        savings, amortized fees) and one row per period; group_by_subscription (not with
        granularity) adds one group per reservation.

        Example: get_reservation_utilization(granularity="MONTHLY", group_by_subscription=true,
        target_account_id="222222222222")
        """
        params, period = _base(
            cost_rules.RESERVATION_UTILIZATION,
            start_date,
            end_date,
            granularity,
            filter,
            ["SUBSCRIPTION_ID"] if group_by_subscription else None,
        )
        if next_token:
            params["NextPageToken"] = next_token
        account = await rt.account(target_account_id)
        response = await rt.clients.call("ce", "get_reservation_utilization", account_id=account, scope=SCOPE, **params)
        result: dict[str, Any] = {
            "target_account_id": account,
            "time_period": period,
            "total": _flatten(response.get("Total", {})),
            "rows": [
                {
                    "start": u["TimePeriod"]["Start"],
                    "end": u["TimePeriod"]["End"],
                    "total": _flatten(u.get("Total", {})),
                    "groups": [
                        {
                            "subscription_id": g.get("Value"),
                            "attributes": g.get("Attributes", {}),
                            **_flatten(g.get("Utilization", {})),
                        }
                        for g in u.get("Groups", [])
                    ],
                }
                for u in response.get("UtilizationsByTime", [])
            ],
        }
        if response.get("NextPageToken"):
            result["next_token"] = response["NextPageToken"]
        return result
