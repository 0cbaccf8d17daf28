"""What every Cost Explorer operation of the emulator shares: dimensions, periods, paging, line items, filters.

* :class:`Bucket` / :func:`time_buckets`: a request's ``TimePeriod`` cut by ``Granularity`` (DAILY, or MONTHLY
  clipped to the period; ``End`` exclusive, as AWS does; HOURLY needs an opt-in, refused here);
* :func:`paginate`: one page of a result, its token bound to the request (a token used with other parameters is
  refused with ``InvalidNextTokenException``, as AWS does);
* :class:`CostLineItem`: the spend of one combination of dimension values per day, what ``GetCostAndUsage``
  aggregates (see :func:`local_stack.moto_ext.ce_data.cost_line_items`);
* :func:`expression_matches`: a Cost Explorer ``Expression`` (And/Or/Not/Dimensions/Tags with EQUALS, CONTAINS,
  STARTS_WITH, ENDS_WITH, CASE_INSENSITIVE, ABSENT) evaluated against a line item.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from local_stack.moto_ext.common import decode_token, encode_token
from local_stack.moto_ext.exceptions import ValidationException

HUNDRED = Decimal(100)
HOURS_PER_DAY = Decimal(24)
ZERO = Decimal(0)
DEFAULT_PAGE_SIZE = 100
DIMENSIONS = frozenset(
    {
        "AZ", "INSTANCE_TYPE", "LINKED_ACCOUNT", "PAYER_ACCOUNT", "LINKED_ACCOUNT_NAME", "OPERATION",
        "PURCHASE_TYPE", "REGION", "SERVICE", "SERVICE_CODE", "USAGE_TYPE", "USAGE_TYPE_GROUP", "RECORD_TYPE",
        "OPERATING_SYSTEM", "TENANCY", "SCOPE", "PLATFORM", "SUBSCRIPTION_ID", "LEGAL_ENTITY_NAME",
        "DEPLOYMENT_OPTION", "DATABASE_ENGINE", "CACHE_ENGINE", "INSTANCE_TYPE_FAMILY", "BILLING_ENTITY",
        "RESERVATION_ID", "RESOURCE_ID", "RIGHTSIZING_TYPE", "SAVINGS_PLANS_TYPE", "SAVINGS_PLAN_ARN",
        "PAYMENT_OPTION", "AGREEMENT_END_DATE_TIME_AFTER", "AGREEMENT_END_DATE_TIME_BEFORE", "INVOICING_ENTITY",
        "ANOMALY_TOTAL_IMPACT_ABSOLUTE", "ANOMALY_TOTAL_IMPACT_PERCENTAGE", "PRODUCT_ATTRIBUTE",
    }
)  # fmt: skip
COST_METRICS = (
    "AmortizedCost", "BlendedCost", "NetAmortizedCost", "NetUnblendedCost", "NormalizedUsageAmount", "UnblendedCost",
    "UsageQuantity",
)  # fmt: skip
# "Valid values for a GetCostForecast call" / "for a GetUsageForecast call" (Cost Explorer API Reference)
COST_FORECAST_METRICS = frozenset(
    {"BLENDED_COST", "UNBLENDED_COST", "AMORTIZED_COST", "NET_UNBLENDED_COST", "NET_AMORTIZED_COST"}
)
USAGE_FORECAST_METRICS = frozenset({"USAGE_QUANTITY", "NORMALIZED_USAGE_AMOUNT"})


@dataclass(frozen=True)
class Bucket:
    """One result period: ``start`` inclusive, ``end`` exclusive."""

    start: date
    end: date

    @property
    def days(self) -> Decimal:
        """Length in days."""
        return Decimal((self.end - self.start).days)

    def to_json(self) -> dict[str, str]:
        """Return the ``DateInterval`` shape."""
        return {"Start": self.start.isoformat(), "End": self.end.isoformat()}


def _parse_date(value: Any, field: str) -> date:
    if not isinstance(value, str):
        raise ValidationException(f"{field} is required and must be a date (YYYY-MM-DD).")
    try:
        return date.fromisoformat(value[:10])
    except ValueError as exc:
        raise ValidationException(f"{field} must be a date (YYYY-MM-DD), got {value!r}.") from exc


def time_buckets(params: dict[str, Any], default_granularity: str | None = "DAILY") -> tuple[Bucket, list[Bucket]]:
    """Return the whole TimePeriod and its buckets for the request's Granularity.

    With ``default_granularity=None`` and no Granularity in the request, the single bucket is the whole
    period (Savings Plans and Reservation APIs return only ``Total`` then).

    Raises:
        ValidationException: missing/invalid dates, Start not before End, or HOURLY/unknown granularity.
    """
    period = params.get("TimePeriod") or {}
    start = _parse_date(period.get("Start"), "TimePeriod.Start")
    end = _parse_date(period.get("End"), "TimePeriod.End")
    if start >= end:
        raise ValidationException("TimePeriod.Start must be before TimePeriod.End.")
    whole = Bucket(start, end)
    granularity = params.get("Granularity") or default_granularity
    if granularity is None:
        return whole, [whole]
    if granularity == "DAILY":
        return whole, [Bucket(start + timedelta(days=n), start + timedelta(days=n + 1)) for n in range(int(whole.days))]
    if granularity == "MONTHLY":
        buckets = []
        cursor = start
        while cursor < end:
            month_end = date(cursor.year, cursor.month, calendar.monthrange(cursor.year, cursor.month)[1])
            next_start = min(month_end + timedelta(days=1), end)
            buckets.append(Bucket(cursor, next_start))
            cursor = next_start
        return whole, buckets
    if granularity == "HOURLY":
        raise ValidationException("HOURLY granularity is not enabled for this account in the local emulator.")
    raise ValidationException(f"Granularity must be DAILY or MONTHLY, got {granularity!r}.")


def paginate(
    items: list[dict[str, Any]], params: dict[str, Any], token_field: str, page_size: int
) -> tuple[list[dict[str, Any]], str | None]:
    """Return one page of ``items`` and the token for the next one, binding the token to the request.

    Raises:
        ValidationException: MaxResults is not a positive integer.
        InvalidNextTokenException: the token was not issued for this request.
    """
    max_results = params.get("MaxResults") or page_size
    if not isinstance(max_results, int) or max_results < 1:
        raise ValidationException(f"MaxResults must be a positive integer, got {max_results!r}.")
    scope = {k: v for k, v in params.items() if k not in (token_field, "MaxResults")}
    offset = decode_token(params.get(token_field), scope)
    page = items[offset : offset + max_results]
    next_offset = offset + max_results
    return page, (encode_token(next_offset, scope) if next_offset < len(items) else None)


@dataclass(frozen=True)
class CostLineItem:
    """Spend of one (service, region, ...) combination per day: what GetCostAndUsage aggregates."""

    attributes: dict[str, str]  # DIMENSION -> value
    unblended_per_day: Decimal
    amortized_per_day: Decimal
    usage_per_day: Decimal
    tags: dict[str, str] = field(default_factory=dict)
    unit: str = "N/A"  # of the usage
    resources: tuple[str, ...] = ()  # RESOURCE_IDs that share the line's cost (resource-level data)

    def metric(self, name: str) -> Decimal:
        """Return the per-day value of a GetCostAndUsage metric."""
        if name in ("UsageQuantity", "NormalizedUsageAmount"):
            return self.usage_per_day
        if name in ("AmortizedCost", "NetAmortizedCost"):
            return self.amortized_per_day
        return self.unblended_per_day


def metric_total(items: list[CostLineItem], metric: str) -> Decimal:
    """The per-day sum of a GetCostAndUsage metric over line items."""
    return sum((item.metric(metric) for item in items), ZERO)


def _text_matches(value: str | None, wanted: list[str], options: set[str]) -> bool:
    if "ABSENT" in options:
        return value is None or value == ""
    if value is None:
        return False
    fold = "CASE_INSENSITIVE" in options
    candidate = value.lower() if fold else value
    for raw in wanted:
        target = raw.lower() if fold else raw
        if "CONTAINS" in options and target in candidate:
            return True
        if "STARTS_WITH" in options and candidate.startswith(target):
            return True
        if "ENDS_WITH" in options and candidate.endswith(target):
            return True
        if not options & {"CONTAINS", "STARTS_WITH", "ENDS_WITH"} and candidate == target:
            return True
    return False


def expression_matches(expression: dict[str, Any], item: CostLineItem) -> bool:
    """Evaluate a Cost Explorer ``Expression`` against a line item.

    Raises:
        ValidationException: the expression is malformed or uses CostCategories (not emulated).
    """
    present = [k for k in ("And", "Or", "Not", "Dimensions", "Tags", "CostCategories") if expression.get(k)]
    if len(present) != 1:
        raise ValidationException("An Expression must have exactly one of And, Or, Not, Dimensions, Tags.")
    kind = present[0]
    if kind == "And":
        return all(expression_matches(e, item) for e in expression["And"])
    if kind == "Or":
        return any(expression_matches(e, item) for e in expression["Or"])
    if kind == "Not":
        return not expression_matches(expression["Not"], item)
    if kind == "CostCategories":
        raise ValidationException("The local emulator does not support CostCategories filters.")
    condition = expression[kind]
    key = str(condition.get("Key", ""))
    options = set(condition.get("MatchOptions") or [])
    values = [str(v) for v in condition.get("Values") or []]
    if kind == "Dimensions":
        if key not in DIMENSIONS:
            raise ValidationException(f"Dimension {key!r} is not a valid Cost Explorer dimension.")
        return _text_matches(item.attributes.get(key), values, options)
    return _text_matches(item.tags.get(key), values, options)
