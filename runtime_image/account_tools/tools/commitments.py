# mypy: disable-error-code="valid-type"
# Parameter types built by account_tools.params are runtime Annotated aliases, which mypy cannot see as types.
"""Savings Plans and Reserved Instances: coverage and utilization (Cost Explorer), one tool with a ``kind``.

Same date rules as ``cost_explorer``: ``YYYY-MM-DD``, ``end_date`` exclusive,
validated before any AWS call. Amounts and percentages come back as numbers.
Each kind is one API; what that API does not take (its group keys, paging) is
refused naming the kind (see ``cost_rules`` for the rules taken from the API reference).

``savings_plans_utilization_details`` is one row per Savings Plan (GetSavingsPlansUtilizationDetails: "This
doesn't support granular or grouped data"); ``savings_plans_inventory`` lists the Savings Plans themselves
(Savings Plans API ``DescribeSavingsPlans``: ``states``, ``maxResults`` 1-1000, ``nextToken``), one row per plan
with its term as start and end, under a scope of its own (another service).
"""

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from mcp.server import MCPServer
from pydantic import Field

from account_tools import cost_rules
from account_tools.errors import ToolFailure
from account_tools.models import CommitmentReport
from account_tools.params import (
    AccountIdParam,
    CostExpression,
    CostFilterParam,
    NextTokenParam,
    lenient_int,
    lenient_list,
)
from account_tools.tools import ToolRuntime, read_only_tool
from account_tools.tools.cost_explorer import EndDate, StartDate, amount, period_param, time_period, today

SCOPE = "commitments"
INVENTORY_SCOPE = "savings_plans_inventory"
INVENTORY = "savings_plans_inventory"
CommitmentKind = Literal[
    "savings_plans_coverage", "savings_plans_utilization", "savings_plans_utilization_details", INVENTORY,
    "reservation_coverage", "reservation_utilization",
]  # fmt: skip
SavingsPlanState = Literal[
    "payment-pending", "payment-failed", "active", "retired", "queued", "queued-deleted", "pending-return", "returned"
]  # fmt: skip
CommitmentGroupKey = Literal[
    "SERVICE", "INSTANCE_FAMILY", "AZ", "CACHE_ENGINE", "DATABASE_ENGINE", "DEPLOYMENT_OPTION", "INSTANCE_TYPE",
    "INVOICING_ENTITY", "LINKED_ACCOUNT", "OPERATING_SYSTEM", "PLATFORM", "REGION", "TENANCY", "SUBSCRIPTION_ID",
]  # fmt: skip


@dataclass(frozen=True)
class _Kind:
    """One kind: its API (boto3 operation), rules, group keys and paging parameter names."""

    operation: str
    rules: cost_rules.FilterRules
    group_keys: tuple[str, ...] = ()  # empty: the API takes no GroupBy
    max_group_keys: int = 0
    max_results_param: str | None = "MaxResults"  # None: the API does not page
    page_param: str | None = "NextPageToken"  # the API's paging token parameter and answer key
    granularity: bool = True  # False: the API takes no Granularity


KINDS: dict[str, _Kind] = {
    "savings_plans_coverage": _Kind(
        "get_savings_plans_coverage", cost_rules.SAVINGS_PLANS_COVERAGE, ("SERVICE", "REGION", "INSTANCE_FAMILY"), 3,
        page_param="NextToken",
    ),
    "savings_plans_utilization": _Kind(
        "get_savings_plans_utilization", cost_rules.SAVINGS_PLANS_UTILIZATION, max_results_param=None, page_param=None
    ),
    "savings_plans_utilization_details": _Kind(
        "get_savings_plans_utilization_details", cost_rules.SAVINGS_PLANS_UTILIZATION_DETAILS, page_param="NextToken",
        granularity=False,
    ),
    "reservation_coverage": _Kind(
        "get_reservation_coverage", cost_rules.RESERVATION_COVERAGE,
        ("AZ", "CACHE_ENGINE", "DATABASE_ENGINE", "DEPLOYMENT_OPTION", "INSTANCE_TYPE", "INVOICING_ENTITY",
         "LINKED_ACCOUNT", "OPERATING_SYSTEM", "PLATFORM", "REGION", "TENANCY"), 2,
    ),
    "reservation_utilization": _Kind(
        "get_reservation_utilization", cost_rules.RESERVATION_UTILIZATION, ("SUBSCRIPTION_ID",), 1
    ),
}  # fmt: skip

OptionalGranularity = Annotated[
    Literal["DAILY", "MONTHLY"] | None,
    Field(description="DAILY or MONTHLY rows (not with group_by); default: period total only"),
]


_NOT_NUMBERS = ("TimePeriod", "Attributes", "Groups", "Key", "Value", "SavingsPlanArn")


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


def _refuse_unsupported(
    kind: str,
    spec: _Kind,
    group_by: list[str] | None,
    max_results: int | None,
    next_token: str | None,
    granularity: str | None,
) -> None:
    """Refuse what this kind's API does not take, naming the field and the kind.

    Raises:
        ToolFailure: ``invalid_parameter``.
    """
    api = spec.rules.api
    if granularity and not spec.granularity:
        raise ToolFailure("invalid_parameter", f"granularity: {api} (kind={kind}) has no rows per period")
    if group_by:
        if not spec.group_keys:
            raise ToolFailure("invalid_parameter", f"group_by: {api} (kind={kind}) takes no group_by")
        bad = [key for key in group_by if key not in spec.group_keys]
        if bad:
            raise ToolFailure(
                "invalid_parameter", f"group_by: {api} (kind={kind}) groups by {', '.join(spec.group_keys)} only"
            )
        if len(group_by) > spec.max_group_keys:
            raise ToolFailure("invalid_parameter", f"group_by: {api} takes at most {spec.max_group_keys} keys")
    if max_results is not None and spec.max_results_param is None:
        raise ToolFailure("invalid_parameter", f"max_results: {api} (kind={kind}) does not page")
    if next_token and spec.page_param is None:
        raise ToolFailure("invalid_parameter", f"next_token: {api} (kind={kind}) does not page")


def _rows(kind: str, response: dict[str, Any]) -> tuple[dict[str, float] | None, list[dict[str, Any]]]:
    """The period total (when the API gives one) and the rows of one answer."""
    if kind == "savings_plans_coverage":
        return None, [
            {
                "start": c["TimePeriod"]["Start"],
                "end": c["TimePeriod"]["End"],
                "attributes": c.get("Attributes", {}),
                **_flatten(c.get("Coverage", {})),
            }
            for c in response.get("SavingsPlansCoverages", [])
        ]
    if kind == "savings_plans_utilization_details":
        period = response.get("TimePeriod", {})
        return _flatten(response.get("Total", {})), [
            {
                "start": period.get("Start", ""),
                "end": period.get("End", ""),
                "savings_plan_arn": d.get("SavingsPlanArn"),
                "attributes": d.get("Attributes", {}),
                **_flatten(d),
            }
            for d in response.get("SavingsPlansUtilizationDetails", [])
        ]
    if kind == "savings_plans_utilization":
        return _flatten(response.get("Total", {})), [
            {"start": u["TimePeriod"]["Start"], "end": u["TimePeriod"]["End"], **_flatten(u)}
            for u in response.get("SavingsPlansUtilizationsByTime", [])
        ]
    by_time, figures = (
        ("CoveragesByTime", "Coverage") if kind == "reservation_coverage" else ("UtilizationsByTime", "Utilization")
    )
    return _flatten(response.get("Total", {})), [
        {
            "start": period["TimePeriod"]["Start"],
            "end": period["TimePeriod"]["End"],
            "total": _flatten(period.get("Total", {})),
            "groups": [
                {
                    **({"subscription_id": g["Value"]} if g.get("Key") == "SUBSCRIPTION_ID" else {}),
                    "attributes": g.get("Attributes", {}),
                    **_flatten(g.get(figures, {})),
                }
                for g in period.get("Groups", [])
            ],
        }
        for period in response.get(by_time, [])
    ]


_PLAN_TEXT = {
    "savingsPlanId": "savings_plan_id", "savingsPlanType": "savings_plan_type", "paymentOption": "payment_option",
    "state": "state", "region": "region", "ec2InstanceFamily": "ec2_instance_family", "currency": "currency",
}  # fmt: skip
_PLAN_NUMBERS = {
    "commitment": "commitment",  # per hour
    "upfrontPaymentAmount": "upfront_payment_amount",
    "recurringPaymentAmount": "recurring_payment_amount",
}
SECONDS_PER_YEAR = 365 * 24 * 3600


def _plan(raw: dict[str, Any]) -> dict[str, Any]:
    """One Savings Plan as a row: its term as start/end, text attributes, amounts as numbers."""
    attributes = {name: str(raw[key]) for key, name in _PLAN_TEXT.items() if raw.get(key)}
    if raw.get("productTypes"):
        attributes["product_types"] = ", ".join(raw["productTypes"])
    if raw.get("termDurationInSeconds"):
        attributes["term_years"] = str(round(int(raw["termDurationInSeconds"]) / SECONDS_PER_YEAR, 1))
    return {
        "start": raw.get("start", ""),
        "end": raw.get("end", ""),
        "savings_plan_arn": raw.get("savingsPlanArn"),
        "attributes": attributes,
        **{name: amount(raw.get(key)) for key, name in _PLAN_NUMBERS.items() if raw.get(key) is not None},
    }


def _inventory_params(
    states: list[str] | None, max_results: int | None, next_token: str | None, **others: Any
) -> dict[str, Any]:
    """DescribeSavingsPlans' parameters; what it does not take (dates, filter, grouping) is refused.

    Raises:
        ToolFailure: ``invalid_parameter`` naming the field.
    """
    for name, value in others.items():
        if value:
            raise ToolFailure("invalid_parameter", f"{name}: DescribeSavingsPlans (kind={INVENTORY}) takes no {name}")
    params: dict[str, Any] = {}
    if states:
        params["states"] = list(dict.fromkeys(states))
    if max_results is not None:
        params["maxResults"] = max_results
    if next_token:
        params["nextToken"] = next_token
    return params


def register(server: MCPServer, rt: ToolRuntime) -> None:
    """Add ``get_commitments``: Savings Plans and Reserved Instance coverage and utilization, the Savings Plans."""

    @read_only_tool(
        server, rt, name="get_commitments", title="Savings Plans and RI coverage and utilization",
        output=CommitmentReport,
    )  # fmt: skip
    async def get_commitments(
        kind: Annotated[CommitmentKind, Field(description="which report (one API each)")],
        start_date: StartDate = None,
        end_date: EndDate = None,
        granularity: OptionalGranularity = None,
        group_by: Annotated[
            lenient_list(CommitmentGroupKey, min_length=1, max_length=3) | None,
            Field(
                description="savings_plans_coverage: SERVICE, REGION, INSTANCE_FAMILY; reservation_coverage: "
                "INSTANCE_TYPE, REGION, AZ...(<= 2); reservation_utilization: SUBSCRIPTION_ID; default none"
            ),
        ] = None,
        filter: CostFilterParam = None,
        states: Annotated[
            lenient_list(SavingsPlanState, min_length=1, max_length=8) | None,
            Field(description='inventory: e.g. ["active"]; default all'),
        ] = None,
        max_results: Annotated[
            lenient_int(ge=1, le=1000) | None,
            Field(description="rows per page, 1-1000 (not savings_plans_utilization); default AWS's"),
        ] = None,
        next_token: NextTokenParam = None,
        target_account_id: AccountIdParam = None,
    ) -> dict[str, Any]:
        """Savings Plans and Reserved Instance coverage and utilization: what commitments covered, how well used.

        Coverage: covered spend or hours, On-Demand cost, coverage percentage. Utilization: used and
        unused commitment, utilization percentage, net savings. Rows per period with granularity, or
        totals per group with group_by (not both). Without a SERVICE filter, RI reports cover EC2.
        Per plan: savings_plans_utilization_details; the plans: savings_plans_inventory.

        Example: get_commitments(kind="reservation_utilization", group_by=["SUBSCRIPTION_ID"],
        target_account_id="222222222222")
        """
        if kind == INVENTORY:
            inventory = _inventory_params(
                states, max_results, next_token, start_date=start_date, end_date=end_date, granularity=granularity,
                group_by=group_by, filter=filter,
            )  # fmt: skip
            account = await rt.account(target_account_id)
            response = await rt.clients.call(
                "savingsplans", "describe_savings_plans", account_id=account, scope=INVENTORY_SCOPE, **inventory
            )
            rows = [_plan(plan) for plan in response.get("savingsPlans", [])]
            result: dict[str, Any] = {"kind": kind, "target_account_id": account, "rows": rows}
            if response.get("nextToken"):
                result["next_token"] = response["nextToken"]
            return result
        if states:
            raise ToolFailure("invalid_parameter", f"states: applies to kind={INVENTORY} only")
        spec = KINDS[kind]
        _refuse_unsupported(kind, spec, group_by, max_results, next_token, granularity)
        params, period = _base(spec.rules, start_date, end_date, granularity, filter, group_by)
        if max_results is not None and spec.max_results_param:
            params[spec.max_results_param] = max_results
        if next_token and spec.page_param:
            params[spec.page_param] = next_token
        account = await rt.account(target_account_id)
        response = await rt.clients.call("ce", spec.operation, account_id=account, scope=SCOPE, **params)
        total, rows = _rows(kind, response)
        result = {"kind": kind, "target_account_id": account, "time_period": period, "rows": rows}
        if total is not None:
            result["total"] = total
        token = response.get(spec.page_param) if spec.page_param else None
        if token:
            result["next_token"] = token
        return result
