# mypy: disable-error-code="valid-type"
# Parameter types built by account_tools.params are runtime Annotated aliases, which mypy cannot see as types.
"""Cost Explorer: cost and usage (also per resource), cost and usage forecasts, dimension values, tags, cost categories.

Dates are ISO ``YYYY-MM-DD`` (UTC), ``end_date`` exclusive, as the API takes them;
everything is validated before any AWS call (the rules are the API Reference's, see
``cost_rules``). Amounts come back as numbers with their unit. The helpers here
(periods, amounts) are shared with ``commitments``.
"""

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal

from mcp.server import MCPServer
from pydantic import Field, WithJsonSchema

from account_tools import cost_rules, fanout
from account_tools.errors import ToolFailure
from account_tools.models import CostAndUsage, CostForecast, DimensionValues
from account_tools.params import (
    AccountIdParam,
    CostDimension,
    CostExpression,
    CostFilterParam,
    CostGroupBy,
    LenientBool,
    NextTokenParam,
    TargetAccountIdsParam,
    lenient_int,
    lenient_list,
)
from account_tools.tools import ToolRuntime, read_only_tool

SCOPE = "cost_explorer"
DEFAULT_LOOKBACK_DAYS = 30
DEFAULT_FORECAST_DAYS = 30
MAX_HOURLY_DAYS = 14
CostMetric = Literal[
    "UnblendedCost",
    "AmortizedCost",
    "BlendedCost",
    "NetUnblendedCost",
    "NetAmortizedCost",
    "UsageQuantity",
    "NormalizedUsageAmount",
]
# GetCostForecast's valid metrics, then GetUsageForecast's ("Valid values for a GetUsageForecast call").
ForecastMetric = Literal[
    "UNBLENDED_COST", "AMORTIZED_COST", "BLENDED_COST", "NET_UNBLENDED_COST", "NET_AMORTIZED_COST",
    "USAGE_QUANTITY", "NORMALIZED_USAGE_AMOUNT",
]  # fmt: skip
USAGE_METRICS = frozenset({"USAGE_QUANTITY", "NORMALIZED_USAGE_AMOUNT"})
EC2_COMPUTE = "Amazon Elastic Compute Cloud - Compute"
DEFAULT_SORTED_RESULTS = 100
DiscoveryKind = Literal["dimension", "tags", "cost_categories"]
# kind -> (API, boto3 operation, the request member naming the key, answer member without / with a key)
_DISCOVERY: dict[str, tuple[str, str, str, str, str]] = {
    "dimension": ("GetDimensionValues", "get_dimension_values", "Dimension", "DimensionValues", "DimensionValues"),
    "tags": ("GetTags", "get_tags", "TagKey", "Tags", "Tags"),
    "cost_categories": (
        "GetCostCategories", "get_cost_categories", "CostCategoryName", "CostCategoryNames", "CostCategoryValues"
    ),
}  # fmt: skip
_DATE_HELP = "expected a date YYYY-MM-DD such as 2026-05-01"


def today() -> date:
    """The current UTC date (Cost Explorer's calendar)."""
    return datetime.now(UTC).date()


def parse_date(field: str, value: str | None, default: date) -> date:
    """Parse ``YYYY-MM-DD``.

    Raises:
        ToolFailure: ``invalid_parameter`` naming ``field``.
    """
    if value is None:
        return default
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ToolFailure("invalid_parameter", f"{field}: {_DATE_HELP}") from None


def time_period(
    start_date: str | None, end_date: str | None, *, default_days: int = DEFAULT_LOOKBACK_DAYS, future: bool = False
) -> tuple[date, date]:
    """The validated ``[start, end)`` period; defaults to the ``default_days`` before today (or after, ``future``).

    Raises:
        ToolFailure: ``invalid_parameter`` for a malformed date or ``end_date`` not after ``start_date``.
    """
    if future:
        start = parse_date("start_date", start_date, today())
        end = parse_date("end_date", end_date, start + timedelta(days=default_days))
    else:
        end = parse_date("end_date", end_date, today())
        start = parse_date("start_date", start_date, end - timedelta(days=default_days))
    if start >= end:
        raise ToolFailure("invalid_parameter", "end_date: must be after start_date (end_date is exclusive)")
    return start, end


def period_param(start: date, end: date, granularity: str | None = None) -> dict[str, str]:
    """The API's ``TimePeriod``; HOURLY takes timestamps."""
    if granularity == "HOURLY":
        return {"Start": f"{start.isoformat()}T00:00:00Z", "End": f"{end.isoformat()}T00:00:00Z"}
    return {"Start": start.isoformat(), "End": end.isoformat()}


def amount(value: Any) -> float:
    """A Cost Explorer amount or percentage string as a number (0.0 when absent)."""
    try:
        return round(float(value), 6)
    except (TypeError, ValueError):
        return 0.0


def _metrics(raw: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: {"amount": amount(m.get("Amount")), "unit": m.get("Unit")} for name, m in raw.items()}


def _group_by(group_by: list[CostGroupBy] | None) -> list[dict[str, str]]:
    return [g.to_api() for g in group_by or []]


def _cost_and_usage(response: dict[str, Any], *, grouped: bool) -> dict[str, Any]:
    """One account's rows, totals per metric, dimension value attributes and next page token."""
    rows: list[dict[str, Any]] = []
    totals: dict[str, dict[str, Any]] = {}
    for period in response.get("ResultsByTime", []):
        base = {
            "start": period["TimePeriod"]["Start"],
            "end": period["TimePeriod"]["End"],
            "estimated": bool(period.get("Estimated", False)),
        }
        entries = (
            [(g.get("Keys", []), g.get("Metrics", {})) for g in period.get("Groups", [])]
            if grouped
            else [(None, period.get("Total", {}))]
        )
        for keys, raw in entries:
            values = _metrics(raw)
            row = {**base, "metrics": values}
            if keys is not None:
                row["keys"] = keys
            rows.append(row)
            for name, value in values.items():
                total = totals.setdefault(name, {"amount": 0.0, "unit": value["unit"]})
                total["amount"] = round(total["amount"] + value["amount"], 6)
    attributes = {
        a["Value"]: a.get("Attributes", {}) for a in response.get("DimensionValueAttributes", []) if "Value" in a
    }
    result: dict[str, Any] = {
        **({"dimension_value_attributes": attributes} if attributes else {}),
        "totals": totals,
        "rows": rows,
    }
    if response.get("NextPageToken"):
        result["next_token"] = response["NextPageToken"]
    return result


def _conditions(expression: CostExpression) -> list[Any]:
    """The ``Dimensions`` conditions an Expression requires: its own, or those of its top-level And."""
    nodes = expression.And if expression.And is not None else [expression]
    return [node.Dimensions for node in nodes if node.Dimensions is not None]


def _resource_group_by(
    granularity: str, group_by: list[CostGroupBy] | None, filter: CostExpression | None
) -> list[CostGroupBy] | None:
    """GetCostAndUsageWithResources' rules (Cost Explorer API Reference), before the call; the GroupBy to send.

    "Filter ... required"; "requires that you either group by or filter by a ResourceId. It requires the
    Expression SERVICE = ... in the filter"; "Hourly granularity is only available for EC2-Instances ...
    resource-level data. All other resource-level data is available at daily granularity."
    Without a group_by, and no RESOURCE_ID in the filter, it groups by RESOURCE_ID.

    Raises:
        ToolFailure: ``invalid_parameter`` naming the field.
    """
    api = "GetCostAndUsageWithResources"
    if granularity == "MONTHLY":
        raise ToolFailure(
            "invalid_parameter",
            f"granularity: {api} has resource-level data at DAILY (HOURLY for EC2 instances) granularity only",
        )
    example = f'{{"Dimensions": {{"Key": "SERVICE", "Values": ["{EC2_COMPUTE}"]}}}}'
    services = [c for c in _conditions(filter) if c.Key == "SERVICE"] if filter is not None else []
    if not services:
        raise ToolFailure(
            "invalid_parameter",
            f"filter: {api} requires a Filter with the Expression SERVICE = ... (alone or in its top-level And), "
            f"e.g. {example}",
        )
    if granularity == "HOURLY" and any(v != EC2_COMPUTE for c in services for v in c.Values):
        raise ToolFailure(
            "invalid_parameter", f"granularity: {api} has HOURLY data for SERVICE = {EC2_COMPUTE} only; use DAILY"
        )
    assert filter is not None
    grouped = any(g.Type == "DIMENSION" and g.Key == "RESOURCE_ID" for g in group_by or [])
    if grouped or any(c.Key == "RESOURCE_ID" for c in _conditions(filter)):
        return group_by
    if group_by:
        raise ToolFailure(
            "invalid_parameter",
            f'group_by: {api} requires grouping or filtering by a ResourceId: add {{"Type": "DIMENSION", '
            '"Key": "RESOURCE_ID"}',
        )
    return [CostGroupBy(Type="DIMENSION", Key="RESOURCE_ID")]


def _discovery_params(
    kind: str,
    dimension: str | None,
    key: str | None,
    context: str,
    search_string: str | None,
    sort_by: str | None,
    max_results: int | None,
    next_token: str | None,
) -> dict[str, Any]:
    """The kind's own parameters, after the API Reference's rules (``cost_rules``).

    Raises:
        ToolFailure: ``invalid_parameter`` naming the field.
    """
    api = _DISCOVERY[kind][0]
    if kind == "dimension":
        if dimension is None:
            raise ToolFailure("invalid_parameter", "dimension: required with kind=dimension, e.g. SERVICE")
        if key:
            raise ToolFailure("invalid_parameter", "key: applies to kind=tags or cost_categories")
    elif dimension is not None:
        raise ToolFailure("invalid_parameter", "dimension: applies to kind=dimension; use key with kind=" + kind)
    elif context != "COST_AND_USAGE":
        raise ToolFailure("invalid_parameter", f"context: {api} takes no context")
    if kind == "cost_categories" and key and len(key) > 50:
        raise ToolFailure("invalid_parameter", "key: a cost category name has at most 50 characters")
    if sort_by is not None:
        if search_string or next_token:
            field = "search_string" if search_string else "next_token"
            raise ToolFailure("invalid_parameter", f"{field}: {api} takes no SearchString or NextPageToken with SortBy")
        if context != "COST_AND_USAGE":
            raise ToolFailure("invalid_parameter", f"sort_by: {api} sorts only in context COST_AND_USAGE")
    elif max_results is not None:
        raise ToolFailure("invalid_parameter", f"max_results: {api} uses MaxResults only with SortBy; set sort_by")
    params: dict[str, Any] = {"Context": context} if kind == "dimension" else {}
    name = dimension if kind == "dimension" else key
    if name:
        params[_DISCOVERY[kind][2]] = name
    if search_string:
        params["SearchString"] = search_string
    if sort_by is not None:
        params["SortBy"] = [{"Key": sort_by, "SortOrder": "DESCENDING"}]
        params["MaxResults"] = max_results or DEFAULT_SORTED_RESULTS
    if next_token:
        params["NextPageToken"] = next_token
    return params


StartDate = Annotated[str | None, Field(description="YYYY-MM-DD, inclusive; default end_date - 30 days")]
EndDate = Annotated[str | None, Field(description="YYYY-MM-DD, exclusive; default today")]


def register(server: MCPServer, rt: ToolRuntime) -> None:
    """Add ``get_cost_and_usage``, ``get_cost_forecast`` and ``get_dimension_values``."""

    @read_only_tool(server, rt, name="get_cost_and_usage", title="Cost and usage", output=CostAndUsage)
    async def get_cost_and_usage(
        start_date: StartDate = None,
        end_date: EndDate = None,
        granularity: Annotated[
            Literal["DAILY", "MONTHLY", "HOURLY"] | None,
            Field(description=f"default MONTHLY (with_resources: DAILY); HOURLY: at most {MAX_HOURLY_DAYS} days"),
        ] = None,
        metrics: Annotated[
            lenient_list(CostMetric, min_length=1, max_length=7) | None,
            Field(description='metrics to return, 1-7 of the listed names, default ["UnblendedCost"]'),
        ] = None,
        group_by: Annotated[
            lenient_list(CostGroupBy, min_length=1, max_length=2) | None,
            Field(description='up to 2, e.g. [{"Type": "DIMENSION", "Key": "SERVICE"}]; Type also TAG, COST_CATEGORY'),
        ] = None,
        filter: CostFilterParam = None,
        with_resources: Annotated[
            LenientBool,
            Field(description="per resource, last 14 days (opt-in): filter on SERVICE; groups by RESOURCE_ID"),
        ] = False,
        next_token: NextTokenParam = None,
        target_account_id: AccountIdParam = None,
        target_account_ids: TargetAccountIdsParam = None,
    ) -> dict[str, Any]:
        """Cost and usage of an account from Cost Explorer, per day, month or hour.

        Answers "what did we spend, on what, when": one row per period (and per group
        when group_by is set), each metric as {amount, unit}, plus totals per metric.
        Filter with a Cost Explorer Expression. Pages with next_token.

        Example: get_cost_and_usage(start_date="2026-04-01", end_date="2026-05-01",
        granularity="DAILY", group_by=[{"Type": "DIMENSION", "Key": "SERVICE"}],
        target_account_id="222222222222")
        """
        granularity = granularity or ("DAILY" if with_resources else "MONTHLY")
        if with_resources:
            start, end = time_period(start_date, end_date, default_days=cost_rules.WITH_RESOURCES_MAX_AGE_DAYS)
            cost_rules.refuse_too_old(
                "start_date", start, today(), cost_rules.WITH_RESOURCES_MAX_AGE_DAYS,
                "GetCostAndUsageWithResources covers the last 14 days",
            )  # fmt: skip
            group_by = _resource_group_by(granularity, group_by, filter)
        else:
            start, end = time_period(start_date, end_date)
        if granularity == "HOURLY":
            if (end - start).days > MAX_HOURLY_DAYS:
                raise ToolFailure(
                    "invalid_parameter", f"end_date: HOURLY granularity covers at most {MAX_HOURLY_DAYS} days"
                )
            cost_rules.refuse_too_old(
                "start_date", start, today(), cost_rules.HOURLY_MAX_AGE_DAYS, "HOURLY data covers the last 14 days"
            )
        elif granularity == "DAILY":
            cost_rules.refuse_too_old(
                "start_date", start, today(), cost_rules.DAILY_MAX_AGE_DAYS, "DAILY data covers the last 14 months"
            )
        else:
            cost_rules.refuse_too_old(
                "start_date", start, today(), cost_rules.MONTHLY_MAX_AGE_DAYS, "MONTHLY data covers at most 38 months"
            )
        dimensions = cost_rules.COST_AND_USAGE_GROUP_DIMENSIONS | ({"RESOURCE_ID"} if with_resources else set())
        for i, group in enumerate(group_by or []):
            if group.Type == "DIMENSION" and group.Key not in dimensions:
                raise ToolFailure(
                    "invalid_parameter",
                    f"group_by[{i}].Key: GetCostAndUsage groups by dimension {', '.join(sorted(dimensions))}"
                    + (" (RESOURCE_ID: with_resources=true)" if group.Key == "RESOURCE_ID" else ""),
                )
        rules = cost_rules.COST_AND_USAGE_WITH_RESOURCES if with_resources else cost_rules.COST_AND_USAGE
        if filter is not None:
            rules.check(filter)
        names = list(dict.fromkeys(metrics or ["UnblendedCost"]))
        params: dict[str, Any] = {
            "TimePeriod": period_param(start, end, granularity),
            "Granularity": granularity,
            "Metrics": names,
        }
        if group_by:
            params["GroupBy"] = _group_by(group_by)
        if filter is not None:
            params["Filter"] = filter.to_api()
        if next_token:
            params["NextPageToken"] = next_token
        fanout.refuse_mixed(target_account_id, target_account_ids, next_token)
        common: dict[str, Any] = {
            "time_period": {"start": start.isoformat(), "end": end.isoformat()},
            "granularity": granularity,
            "group_by": [f"{g.Type}:{g.Key}" for g in group_by or []],
        }

        operation = "get_cost_and_usage_with_resources" if with_resources else "get_cost_and_usage"

        async def one(account: str) -> dict[str, Any]:
            try:
                response = await rt.clients.call("ce", operation, account_id=account, scope=SCOPE, **params)
            except ToolFailure as exc:
                if with_resources and "DataUnavailableException" in exc.message:
                    raise ToolFailure(
                        exc.error_type,
                        f"{exc.message}. Resource-level data is opt-in: it must be enabled in the Cost Explorer "
                        "settings (Cost Management preferences) and covers the last 14 days",
                        request_id=exc.request_id,
                    ) from exc
                raise
            return _cost_and_usage(response, grouped=bool(group_by))

        return await fanout.answer(
            common,
            one,
            target_account_id=target_account_id,
            target_account_ids=target_account_ids,
            resolve=rt.account,
        )

    @read_only_tool(server, rt, name="get_cost_forecast", title="Cost forecast", output=CostForecast)
    async def get_cost_forecast(
        start_date: Annotated[
            str | None, Field(description="first forecast day, YYYY-MM-DD, today or later, default today")
        ] = None,
        end_date: Annotated[
            str | None, Field(description="day after the last forecast day, YYYY-MM-DD (exclusive), default start + 30")
        ] = None,
        metric: Annotated[
            ForecastMetric,
            Field(description="default UNBLENDED_COST; USAGE_*: usage, filter to a USAGE_TYPE(_GROUP)"),
        ] = "UNBLENDED_COST",
        granularity: Annotated[
            Literal["DAILY", "MONTHLY"], Field(description="bucket size, default MONTHLY")
        ] = "MONTHLY",
        prediction_interval_level: Annotated[
            lenient_int(ge=51, le=99), Field(description="confidence of the interval in percent, 51-99, default 80")
        ] = 80,
        filter: CostFilterParam = None,
        target_account_id: AccountIdParam = None,
    ) -> dict[str, Any]:
        """Forecast an account's cost (or usage) for a future period, with a prediction interval.

        Returns the forecast total and one row per day or month with mean, lower and upper
        bound. The period must start today or later; DAILY covers up to 3 months, MONTHLY up to 18.

        Example: get_cost_forecast(end_date="2026-07-01", granularity="MONTHLY",
        target_account_id="222222222222")
        """
        start, end = time_period(start_date, end_date, default_days=DEFAULT_FORECAST_DAYS, future=True)
        if start < today():
            raise ToolFailure("invalid_parameter", f"start_date: must be today ({today().isoformat()}) or later")
        if (end - start).days > cost_rules.FORECAST_MAX_DAYS[granularity]:
            months = 3 if granularity == "DAILY" else 18
            raise ToolFailure("invalid_parameter", f"end_date: {granularity} forecasts cover at most {months} months")
        usage = metric in USAGE_METRICS  # GetUsageForecast: same periods, its own filter dimensions
        if filter is not None:
            (cost_rules.USAGE_FORECAST if usage else cost_rules.COST_FORECAST).check(filter)
        params: dict[str, Any] = {
            "TimePeriod": period_param(start, end),
            "Metric": metric,
            "Granularity": granularity,
            "PredictionIntervalLevel": prediction_interval_level,
        }
        if filter is not None:
            params["Filter"] = filter.to_api()
        account = await rt.account(target_account_id)
        operation = "get_usage_forecast" if usage else "get_cost_forecast"
        response = await rt.clients.call("ce", operation, account_id=account, scope=SCOPE, **params)
        total = response.get("Total", {})
        return {
            "target_account_id": account,
            "time_period": {"start": start.isoformat(), "end": end.isoformat()},
            "metric": metric,
            "prediction_interval_level": prediction_interval_level,
            "total": {"amount": amount(total.get("Amount")), "unit": total.get("Unit")},
            "rows": [
                {
                    "start": r["TimePeriod"]["Start"],
                    "end": r["TimePeriod"]["End"],
                    "mean": amount(r.get("MeanValue")),
                    "lower_bound": amount(r.get("PredictionIntervalLowerBound")),
                    "upper_bound": amount(r.get("PredictionIntervalUpperBound")),
                }
                for r in response.get("ForecastResultsByTime", [])
            ],
        }

    @read_only_tool(server, rt, name="get_dimension_values", title="Cost dimension values", output=DimensionValues)
    async def get_dimension_values(
        dimension: Annotated[
            CostDimension | None,
            # The 36 names stay out of the schema (tools/list size); a wrong name is refused with the full list.
            WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "null"}]}),
            Field(description="kind=dimension: e.g. SERVICE, REGION, LINKED_ACCOUNT, USAGE_TYPE, AZ"),
        ] = None,
        kind: Annotated[
            DiscoveryKind, Field(description="dimension (default), tags: keys, cost_categories: names")
        ] = "dimension",
        key: Annotated[
            str | None, Field(max_length=1024, description="tags: a tag key, cost_categories: a name: its values")
        ] = None,
        start_date: StartDate = None,
        end_date: EndDate = None,
        search_string: Annotated[
            str | None, Field(max_length=1024, description="only values containing this text; default all")
        ] = None,
        context: Annotated[
            Literal["COST_AND_USAGE", "RESERVATIONS", "SAVINGS_PLANS"],
            Field(description="which data the values come from, default COST_AND_USAGE"),
        ] = "COST_AND_USAGE",
        filter: CostFilterParam = None,
        sort_by: Annotated[CostMetric | None, Field(description="top values by this metric")] = None,
        max_results: Annotated[
            lenient_int(ge=1, le=1000) | None,
            Field(description=f"sort_by: 1-1000, default {DEFAULT_SORTED_RESULTS}"),
        ] = None,
        next_token: NextTokenParam = None,
        target_account_id: AccountIdParam = None,
    ) -> dict[str, Any]:
        """List the values a Cost Explorer dimension had in an account, or its tag keys or cost categories.

        Use it to find exact names for filters and group_by (e.g. the SERVICE names, a tag's values).

        Example: get_dimension_values(kind="tags", key="team", target_account_id="222222222222")
        """
        start, end = time_period(start_date, end_date)
        params = _discovery_params(kind, dimension, key, context, search_string, sort_by, max_results, next_token)
        params["TimePeriod"] = period_param(start, end)
        if filter is not None:
            params["Filter"] = filter.to_api()
        _, operation, _, names, values = _DISCOVERY[kind]
        account = await rt.account(target_account_id)
        response = await rt.clients.call("ce", operation, account_id=account, scope=SCOPE, **params)
        found = response.get(values if key else names, [])
        result: dict[str, Any] = {
            "target_account_id": account,
            "kind": kind,
            **({"dimension": dimension} if dimension else {}),
            **({"key": key} if key else {}),
            "values": [
                {"value": v} if isinstance(v, str)
                else {"value": v["Value"], **({"attributes": v["Attributes"]} if v.get("Attributes") else {})}
                for v in found
            ],
            "total_size": response.get("TotalSize"),
        }  # fmt: skip
        if response.get("NextPageToken"):
            result["next_token"] = response["NextPageToken"]
        return result
