"""Cost Explorer Savings Plans / Reservations / forecast / dimension APIs for moto, from per-account seeded rates.

moto 5.2.5 implements only ``GetCostAndUsage`` (from a queue of canned results, consumed per new request)
and cost categories. This module adds, on a subclass of moto's ``CostExplorerResponse``:

* ``GetCostAndUsage`` answered on every call from the account's seeded rates (see :func:`cost_line_items`):
  DAILY/MONTHLY, the seven metrics, GroupBy up to two DIMENSION/TAG keys, Filter expressions
  (And/Or/Not/Dimensions/Tags with EQUALS, CONTAINS, STARTS_WITH, ENDS_WITH, CASE_INSENSITIVE, ABSENT),
  NextPageToken, DimensionValueAttributes for LINKED_ACCOUNT. An account with no Cost Explorer seed still
  gets moto's own queued results (``cost_and_usage_results`` of the seed body).

* ``GetSavingsPlansCoverage`` (GroupBy DIMENSION keys present in the seeded attributes, MaxResults, NextToken)
* ``GetSavingsPlansUtilization``
* ``GetReservationCoverage`` (GroupBy, NextPageToken)
* ``GetReservationUtilization`` (GroupBy SUBSCRIPTION_ID, NextPageToken)
* ``GetCostForecast`` (Start must not be before today, UTC; DAILY or MONTHLY)
* ``GetDimensionValues`` (SearchString substring match, MaxResults, NextPageToken)

Seeded data are *daily rates*, not canned responses, so any TimePeriod works: each DAILY or MONTHLY bucket
(months are clipped to the period, End exclusive, as AWS does) multiplies the rates by its number of days.
All amounts are strings with two decimals, like the AWS responses. HOURLY granularity raises
``ValidationException`` (it needs an opt-in on AWS too). An account with nothing seeded for an API raises
``DataUnavailableException``.

Seed shapes (the ``savings_plans``, ``reservations``, ``cost_forecast`` and ``dimension_values`` members of the
``POST /moto-api/local/seed`` body, see :mod:`local_stack.moto_ext.seed`)::

    savings_plans = {
        "hourly_commitment": "4.50",          # USD per hour committed
        "utilization_percentage": "93.5",     # share of the commitment used
        "savings_percentage": "27",           # discount against On-Demand
        "upfront_share_percentage": "0",      # share of the commitment paid upfront (amortized)
        "coverage": [                          # spend per day, by attributes
            {"attributes": {"SERVICE": "Amazon Elastic Compute Cloud - Compute", "REGION": "us-east-1",
                            "INSTANCE_FAMILY": "m6i"},
             "covered_per_day": "98.40", "on_demand_per_day": "31.20"},
        ],
    }
    reservations = {
        "items": [
            {"attributes": {"SUBSCRIPTION_ID": "4c8b6f7e-...", "SERVICE": "Amazon Relational Database Service",
                            "REGION": "us-east-1", "INSTANCE_TYPE": "db.r6g.large", "PLATFORM": "PostgreSQL"},
             "instance_count": 2,                 # reserved instances (purchased hours = 24 * count per day)
             "utilization_percentage": "87.5",
             "on_demand_hours_per_day": "12",     # running hours not covered by the reservation
             "on_demand_rate": "0.258",           # USD per hour On-Demand
             "amortized_upfront_rate": "0.05",    # USD per reserved hour
             "amortized_recurring_rate": "0.11",  # USD per reserved hour
             "normalization_factor": "4"},        # units per hour (large = 4)
        ],
    }
    cost_forecast = {"daily_mean": {"UNBLENDED_COST": "142.37", "AMORTIZED_COST": "150.10"},
                     "unit": "USD", "interval_spread_percentage": "12"}
    dimension_values = {"SERVICE": ["Amazon Elastic Compute Cloud - Compute", {"Value": "AWS Lambda",
                                                                              "Attributes": {}}]}
    services = {"Amazon Elastic Compute Cloud - Compute": {   # more about each SERVICE's line items
        "dimensions": {"USAGE_TYPE_GROUP": "EC2: Running Hours"},  # extra DIMENSION values
        "tags": {"team": "orders"},                                # cost allocation tags
        "usage_unit": "Hrs",                                       # the unit of its usage (usage forecasts)
        "resources": ["i-0a1b2c3d4e5f60718"]}}                    # RESOURCE_IDs sharing its cost (opt-in data)

Tags, cost categories, per-resource cost, usage forecasts and Savings Plans utilization details are answered
from the same line items by :mod:`local_stack.moto_ext.ce_discovery`.

State lives in :data:`ce_data_backends`, a moto ``BackendDict`` keyed ``[account_id][partition]`` like moto's
own Cost Explorer backend, so ``POST /moto-api/reset`` clears it.
"""

from __future__ import annotations

import calendar
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from moto.ce import urls as ce_urls
from moto.ce.responses import CostExplorerResponse
from moto.core.base_backend import BackendDict, BaseBackend
from moto.utilities.utils import PARTITION_NAMES

from local_stack.moto_ext.common import decode_token, encode_token, money, to_decimal
from local_stack.moto_ext.exceptions import DataUnavailableException, ValidationException

T = TypeVar("T")
HUNDRED = Decimal(100)
HOURS_PER_DAY = Decimal(24)
ZERO = Decimal(0)
DEFAULT_PAGE_SIZE = 100
DIMENSION_VALUES_PAGE_SIZE = 1000
FORECAST_DEFAULT_INTERVAL_LEVEL = 80
WEEKEND_FACTOR = Decimal("0.82")
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
MAX_GROUP_BY = 2
OTHER_SERVICE_UNIT_PRICE = Decimal("0.10")  # USD per usage unit of the services that only the forecast accounts for
# "Valid values for a GetCostForecast call" / "for a GetUsageForecast call" (Cost Explorer API Reference)
COST_FORECAST_METRICS = frozenset(
    {"BLENDED_COST", "UNBLENDED_COST", "AMORTIZED_COST", "NET_UNBLENDED_COST", "NET_AMORTIZED_COST"}
)
USAGE_FORECAST_METRICS = frozenset({"USAGE_QUANTITY", "NORMALIZED_USAGE_AMOUNT"})
FORECAST_METRICS = COST_FORECAST_METRICS | USAGE_FORECAST_METRICS


# --- time periods -----------------------------------------------------------------------------------------------


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


def group_by_keys(params: dict[str, Any], allowed: set[str]) -> list[str]:
    """Return the DIMENSION keys of GroupBy.

    Raises:
        ValidationException: a GroupBy entry is not a DIMENSION or names a key without seeded attributes.
    """
    keys = []
    for group in params.get("GroupBy") or []:
        if group.get("Type") != "DIMENSION":
            raise ValidationException("The local emulator supports GroupBy Type DIMENSION only.")
        key = group.get("Key")
        if key not in allowed:
            raise ValidationException(f"GroupBy key {key!r} is not supported here; use one of {sorted(allowed)}.")
        keys.append(key)
    return keys


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


# --- seeded models ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SavingsPlansProfile:
    """An account's Savings Plans: commitment, how well it is used, and the spend it covers per day."""

    hourly_commitment: Decimal
    utilization: Decimal
    savings: Decimal
    upfront_share: Decimal
    coverage: tuple[tuple[dict[str, str], Decimal, Decimal], ...]  # attributes, covered/day, on-demand/day

    @classmethod
    def from_seed(cls, raw: dict[str, Any]) -> SavingsPlansProfile:
        """Build from the ``savings_plans`` seed member (see the module docstring)."""
        return cls(
            hourly_commitment=to_decimal(raw.get("hourly_commitment", 0), "hourly_commitment"),
            utilization=to_decimal(raw.get("utilization_percentage", 100), "utilization_percentage") / HUNDRED,
            savings=to_decimal(raw.get("savings_percentage", 0), "savings_percentage") / HUNDRED,
            upfront_share=to_decimal(raw.get("upfront_share_percentage", 0), "upfront_share_percentage") / HUNDRED,
            coverage=tuple(
                (
                    {str(k): str(v) for k, v in item.get("attributes", {}).items()},
                    to_decimal(item["covered_per_day"], "covered_per_day"),
                    to_decimal(item["on_demand_per_day"], "on_demand_per_day"),
                )
                for item in raw.get("coverage", [])
            ),
        )

    def utilization_json(self, bucket: Bucket) -> dict[str, Any]:
        """Return ``Utilization``/``Savings``/``AmortizedCommitment`` for one period."""
        total = self.hourly_commitment * HOURS_PER_DAY * bucket.days
        used = total * self.utilization
        on_demand_equivalent = used / (1 - self.savings) if self.savings < 1 else used
        upfront = total * self.upfront_share
        return {
            "Utilization": {
                "TotalCommitment": money(total),
                "UsedCommitment": money(used),
                "UnusedCommitment": money(total - used),
                "UtilizationPercentage": money(self.utilization * HUNDRED),
            },
            "Savings": {
                "NetSavings": money(on_demand_equivalent - total),
                "OnDemandCostEquivalent": money(on_demand_equivalent),
            },
            "AmortizedCommitment": {
                "AmortizedRecurringCommitment": money(total - upfront),
                "AmortizedUpfrontCommitment": money(upfront),
                "TotalAmortizedCommitment": money(total),
            },
        }


def _coverage_json(covered: Decimal, on_demand: Decimal) -> dict[str, str]:
    total = covered + on_demand
    percentage = covered / total * HUNDRED if total else ZERO
    return {
        "SpendCoveredBySavingsPlans": money(covered),
        "OnDemandCost": money(on_demand),
        "TotalCost": money(total),
        "CoveragePercentage": money(percentage),
    }


@dataclass(frozen=True)
class Reservation:
    """One reservation (a SUBSCRIPTION_ID) and the usage around it, per day."""

    attributes: dict[str, str]
    instance_count: Decimal
    utilization: Decimal
    on_demand_hours_per_day: Decimal
    on_demand_rate: Decimal
    upfront_rate: Decimal
    recurring_rate: Decimal
    normalization_factor: Decimal

    @classmethod
    def from_seed(cls, raw: dict[str, Any]) -> Reservation:
        """Build from one ``reservations.items`` seed entry (see the module docstring)."""
        return cls(
            attributes={str(k): str(v) for k, v in raw.get("attributes", {}).items()},
            instance_count=to_decimal(raw.get("instance_count", 1), "instance_count"),
            utilization=to_decimal(raw.get("utilization_percentage", 100), "utilization_percentage") / HUNDRED,
            on_demand_hours_per_day=to_decimal(raw.get("on_demand_hours_per_day", 0), "on_demand_hours_per_day"),
            on_demand_rate=to_decimal(raw.get("on_demand_rate", 0), "on_demand_rate"),
            upfront_rate=to_decimal(raw.get("amortized_upfront_rate", 0), "amortized_upfront_rate"),
            recurring_rate=to_decimal(raw.get("amortized_recurring_rate", 0), "amortized_recurring_rate"),
            normalization_factor=to_decimal(raw.get("normalization_factor", 1), "normalization_factor"),
        )

    def hours(self, bucket: Bucket) -> tuple[Decimal, Decimal, Decimal]:
        """Return purchased, used (reserved running) and On-Demand running hours in a period."""
        purchased = self.instance_count * HOURS_PER_DAY * bucket.days
        return purchased, purchased * self.utilization, self.on_demand_hours_per_day * bucket.days


def _reservation_coverage(reservations: list[Reservation], bucket: Bucket) -> dict[str, Any]:
    reserved = on_demand = on_demand_cost = reserved_units = on_demand_units = ZERO
    for item in reservations:
        _, used, od_hours = item.hours(bucket)
        reserved += used
        on_demand += od_hours
        on_demand_cost += od_hours * item.on_demand_rate
        reserved_units += used * item.normalization_factor
        on_demand_units += od_hours * item.normalization_factor
    running, running_units = reserved + on_demand, reserved_units + on_demand_units
    return {
        "CoverageHours": {
            "OnDemandHours": money(on_demand),
            "ReservedHours": money(reserved),
            "TotalRunningHours": money(running),
            "CoverageHoursPercentage": money(reserved / running * HUNDRED if running else ZERO),
        },
        "CoverageNormalizedUnits": {
            "OnDemandNormalizedUnits": money(on_demand_units),
            "ReservedNormalizedUnits": money(reserved_units),
            "TotalRunningNormalizedUnits": money(running_units),
            "CoverageNormalizedUnitsPercentage": money(
                reserved_units / running_units * HUNDRED if running_units else ZERO
            ),
        },
        "CoverageCost": {"OnDemandCost": money(on_demand_cost)},
    }


def _reservation_utilization(reservations: list[Reservation], bucket: Bucket) -> dict[str, str]:
    purchased = used = od_cost_used = upfront = recurring = potential_od = units = used_units = ZERO
    for item in reservations:
        item_purchased, item_used, _ = item.hours(bucket)
        purchased += item_purchased
        used += item_used
        od_cost_used += item_used * item.on_demand_rate
        potential_od += item_purchased * item.on_demand_rate
        upfront += item_purchased * item.upfront_rate
        recurring += item_purchased * item.recurring_rate
        units += item_purchased * item.normalization_factor
        used_units += item_used * item.normalization_factor
    amortized = upfront + recurring
    unused = purchased - used
    amortized_per_hour = amortized / purchased if purchased else ZERO
    return {
        "UtilizationPercentage": money(used / purchased * HUNDRED if purchased else ZERO),
        "UtilizationPercentageInUnits": money(used_units / units * HUNDRED if units else ZERO),
        "PurchasedHours": money(purchased),
        "PurchasedUnits": money(units),
        "TotalActualHours": money(used),
        "TotalActualUnits": money(used_units),
        "UnusedHours": money(unused),
        "UnusedUnits": money(units - used_units),
        "OnDemandCostOfRIHoursUsed": money(od_cost_used),
        "NetRISavings": money(od_cost_used - amortized),
        "TotalPotentialRISavings": money(potential_od - amortized),
        "AmortizedUpfrontFee": money(upfront),
        "AmortizedRecurringFee": money(recurring),
        "TotalAmortizedFee": money(amortized),
        "RICostForUnusedHours": money(unused * amortized_per_hour),
        "RealizedSavings": money(od_cost_used - used * amortized_per_hour),
        "UnrealizedSavings": money(potential_od - od_cost_used - unused * amortized_per_hour),
    }


@dataclass(frozen=True)
class ForecastProfile:
    """An account's expected spend per day, by metric."""

    daily_mean: dict[str, Decimal]
    unit: str
    spread: Decimal

    @classmethod
    def from_seed(cls, raw: dict[str, Any]) -> ForecastProfile:
        """Build from the ``cost_forecast`` seed member (see the module docstring)."""
        means = {str(k): to_decimal(v, f"daily_mean.{k}") for k, v in (raw.get("daily_mean") or {}).items()}
        unknown = set(means) - FORECAST_METRICS
        if unknown:
            raise ValueError(f"cost_forecast.daily_mean has unknown metrics {sorted(unknown)}")
        spread = to_decimal(raw.get("interval_spread_percentage", 10), "interval_spread_percentage") / HUNDRED
        return cls(daily_mean=means, unit=str(raw.get("unit", "USD")), spread=spread)

    def mean(self, metric: str, bucket: Bucket) -> Decimal:
        """Return the forecast mean of a period: the daily mean, lower on weekends."""
        return weekday_total(self.daily_mean[metric], bucket)


def weekday_total(daily: Decimal, bucket: Bucket) -> Decimal:
    """``daily`` summed over a period's days, lower on weekends (a forecast's mean)."""
    total = ZERO
    for n in range(int(bucket.days)):
        day = bucket.start + timedelta(days=n)
        total += daily * (WEEKEND_FACTOR if day.weekday() >= 5 else 1)
    return total


class CostExplorerDataBackend(BaseBackend):
    """Seeded Savings Plans, reservations, forecast and dimension values of one account."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.savings_plans: SavingsPlansProfile | None = None
        self.reservations: list[Reservation] | None = None
        self.forecast: ForecastProfile | None = None
        self.dimension_values: dict[str, list[dict[str, Any]]] = {}
        self.services: dict[str, dict[str, Any]] = {}

    def seed(
        self,
        savings_plans: dict[str, Any] | None = None,
        reservations: dict[str, Any] | None = None,
        cost_forecast: dict[str, Any] | None = None,
        dimension_values: dict[str, list[Any]] | None = None,
        services: dict[str, Any] | None = None,
    ) -> None:
        """Replace each given section of this account's data (omitted sections are kept).

        Raises:
            ValueError: a section is malformed.
        """
        if savings_plans is not None:
            self.savings_plans = SavingsPlansProfile.from_seed(savings_plans)
        if reservations is not None:
            self.reservations = [Reservation.from_seed(item) for item in reservations.get("items", [])]
        if cost_forecast is not None:
            self.forecast = ForecastProfile.from_seed(cost_forecast)
        if dimension_values is not None:
            unknown = set(dimension_values) - DIMENSIONS
            if unknown:
                raise ValueError(f"dimension_values has unknown dimensions {sorted(unknown)}")
            self.dimension_values = {
                dimension: [v if isinstance(v, dict) else {"Value": str(v), "Attributes": {}} for v in values]
                for dimension, values in dimension_values.items()
            }
        if services is not None:
            self.services = {str(name): _service_details(name, raw) for name, raw in services.items()}

    def require(self, value: T | None, what: str) -> T:
        """Return seeded data or raise DataUnavailableException naming what is missing."""
        if value is None:
            raise DataUnavailableException(f"No {what} data is available for account {self.account_id}.")
        return value


def _service_details(name: str, raw: Any) -> dict[str, Any]:
    """One ``services`` seed entry, checked: ``dimensions``, ``tags``, ``usage_unit``, ``resources``.

    Raises:
        ValueError: unknown members or dimensions, or values that are not strings.
    """
    if not isinstance(raw, dict) or set(raw) - {"dimensions", "tags", "usage_unit", "resources"}:
        raise ValueError(f"services.{name} takes dimensions, tags, usage_unit and resources")
    dimensions = {str(k): str(v) for k, v in (raw.get("dimensions") or {}).items()}
    if set(dimensions) - DIMENSIONS:
        raise ValueError(f"services.{name}.dimensions has unknown dimensions {sorted(set(dimensions) - DIMENSIONS)}")
    return {
        "dimensions": dimensions,
        "tags": {str(k): str(v) for k, v in (raw.get("tags") or {}).items()},
        "usage_unit": str(raw.get("usage_unit") or "N/A"),
        "resources": tuple(str(r) for r in raw.get("resources") or ()),
    }


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


def cost_line_items(account_id: str, backend: CostExplorerDataBackend) -> list[CostLineItem]:
    """Derive an account's daily cost line items from its seeded sections, so every Cost Explorer API agrees.

    * each Savings Plans coverage row is a line (covered + On-Demand spend; usage in hours at the implied rate);
    * each reservation is a line: reserved hours at the amortized (upfront + recurring) or recurring-only rate,
      plus its On-Demand hours at the On-Demand rate;
    * the rest of the forecast's daily ``UNBLENDED_COST`` (if positive) is shared evenly by the SERVICE
      dimension values no line has yet, in the first seeded REGION.

    Every line has LINKED_ACCOUNT = the account, and its SERVICE's ``services`` details (extra dimensions,
    tags, usage unit, resources). Returns ``[]`` when nothing is seeded.
    """
    items: list[CostLineItem] = []
    profile = backend.savings_plans
    for attributes, covered, on_demand in profile.coverage if profile else ():
        cost = covered + on_demand
        family = attributes.get("INSTANCE_FAMILY", "")
        dims = {k: v for k, v in attributes.items() if k in DIMENSIONS and v}
        if family:
            dims["INSTANCE_TYPE_FAMILY"] = family
        items.append(CostLineItem(dims, cost, cost, cost / OTHER_SERVICE_UNIT_PRICE))
    for reservation in backend.reservations or []:
        reserved_hours = reservation.instance_count * HOURS_PER_DAY
        od_cost = reservation.on_demand_hours_per_day * reservation.on_demand_rate
        dims = {k: v for k, v in reservation.attributes.items() if k in DIMENSIONS and k != "SUBSCRIPTION_ID"}
        items.append(
            CostLineItem(
                dims,
                unblended_per_day=reserved_hours * reservation.recurring_rate + od_cost,
                amortized_per_day=reserved_hours * (reservation.recurring_rate + reservation.upfront_rate) + od_cost,
                usage_per_day=reserved_hours * reservation.utilization + reservation.on_demand_hours_per_day,
            )
        )
    daily = backend.forecast.daily_mean.get("UNBLENDED_COST") if backend.forecast else None
    services = [str(v["Value"]) for v in backend.dimension_values.get("SERVICE", [])]
    regions = [str(v["Value"]) for v in backend.dimension_values.get("REGION", [])]
    others = [name for name in services if name not in {item.attributes.get("SERVICE") for item in items}]
    remainder = (daily or ZERO) - sum((item.unblended_per_day for item in items), ZERO)
    if others and remainder > 0:
        share = remainder / len(others)
        region = {"REGION": regions[0]} if regions else {}
        items.extend(
            CostLineItem({"SERVICE": name, **region}, share, share, share / OTHER_SERVICE_UNIT_PRICE) for name in others
        )
    lines = []
    for item in items:
        details = backend.services.get(item.attributes.get("SERVICE", ""), {})
        attributes = {**details.get("dimensions", {}), **item.attributes, "LINKED_ACCOUNT": account_id}
        lines.append(
            replace(
                item,
                attributes=attributes,
                tags=dict(details.get("tags", {})),
                unit=details.get("usage_unit", "N/A"),
                resources=details.get("resources", ()),
            )
        )
    return lines


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


def _group_keys(params: dict[str, Any]) -> list[tuple[str, str]]:
    groups = params.get("GroupBy") or []
    if len(groups) > MAX_GROUP_BY:
        raise ValidationException(f"GroupBy accepts at most {MAX_GROUP_BY} entries.")
    keys = []
    for group in groups:
        kind, key = group.get("Type"), group.get("Key")
        if kind == "DIMENSION" and key not in DIMENSIONS:
            raise ValidationException(f"GroupBy dimension {key!r} is not a valid Cost Explorer dimension.")
        if kind not in ("DIMENSION", "TAG"):
            raise ValidationException("The local emulator supports GroupBy Type DIMENSION and TAG.")
        keys.append((str(kind), str(key)))
    return keys


def _group_value(item: CostLineItem, kind: str, key: str) -> str:
    if kind == "TAG":
        return f"{key}${item.tags.get(key, '')}"
    return item.attributes.get(key, "")


def _metrics_json(items: list[CostLineItem], metrics: list[str], bucket: Bucket) -> dict[str, dict[str, str]]:
    result = {}
    for name in metrics:
        value = sum((item.metric(name) for item in items), ZERO) * bucket.days
        unit = "N/A" if name in ("UsageQuantity", "NormalizedUsageAmount") else "USD"
        result[name] = {"Amount": str(value.quantize(Decimal("0.0000000001"))), "Unit": unit}
    return result


ce_data_backends: BackendDict[CostExplorerDataBackend] = BackendDict(
    CostExplorerDataBackend, "ce", use_boto3_regions=False, additional_regions=PARTITION_NAMES
)


def sort_entries(entries: list[dict[str, Any]], sort_by: dict[str, Any] | None, section: str) -> None:
    """Sort entries in place by ``SortBy.Key``, a numeric field of ``entry[section]`` (as AWS sorts by a metric).

    Raises:
        ValidationException: the key is not a field of the section.
    """
    if not sort_by or not sort_by.get("Key"):
        return
    key = str(sort_by["Key"])
    if entries and key not in entries[0][section]:
        raise ValidationException(f"SortBy Key {key!r} is not one of {sorted(entries[0][section])}.")
    entries.sort(key=lambda entry: Decimal(entry[section][key]), reverse=sort_by.get("SortOrder") == "DESCENDING")


def cost_and_usage_answer(
    params: dict[str, Any], items: list[CostLineItem], backend: CostExplorerDataBackend
) -> dict[str, Any]:
    """The ``GetCostAndUsage`` answer over ``items`` (also ``GetCostAndUsageWithResources``'s, per resource).

    Raises:
        ValidationException: as AWS, for a missing Granularity, bad Metrics, GroupBy or Filter.
    """
    if not params.get("Granularity"):
        raise ValidationException("Granularity is required.")
    metrics = params.get("Metrics") or []
    unknown = [m for m in metrics if m not in COST_METRICS]
    if not metrics or unknown:
        raise ValidationException(f"Metrics must be 1-7 of {list(COST_METRICS)}, got {metrics!r}.")
    _, buckets = time_buckets(params)
    keys = _group_keys(params)
    if params.get("Filter"):
        items = [item for item in items if expression_matches(params["Filter"], item)]
    today = datetime.now(UTC).date()
    by_time = []
    for bucket in buckets:
        entry: dict[str, Any] = {"TimePeriod": bucket.to_json(), "Estimated": bucket.end > today}
        if keys:
            groups: dict[tuple[str, ...], list[CostLineItem]] = {}
            for item in items:
                groups.setdefault(tuple(_group_value(item, kind, key) for kind, key in keys), []).append(item)
            entry["Total"] = {}
            entry["Groups"] = [
                {"Keys": list(values), "Metrics": _metrics_json(members, metrics, bucket)}
                for values, members in sorted(groups.items())
            ]
        else:
            entry["Total"] = _metrics_json(items, metrics, bucket)
            entry["Groups"] = []
        by_time.append(entry)
    page, token = paginate(by_time, params, "NextPageToken", DEFAULT_PAGE_SIZE)
    response: dict[str, Any] = {"GroupDefinitions": params.get("GroupBy") or [], "ResultsByTime": page}
    if ("DIMENSION", "LINKED_ACCOUNT") in keys:
        response["DimensionValueAttributes"] = backend.dimension_values.get("LINKED_ACCOUNT", [])
    if token:
        response["NextPageToken"] = token
    return response


def forecast_answer(
    params: dict[str, Any], metrics: frozenset[str], profile: Callable[[str], tuple[Decimal, str, Decimal]]
) -> dict[str, Any]:
    """A ``GetCostForecast`` / ``GetUsageForecast`` answer: ``profile(metric)`` gives the daily mean, unit, spread.

    The mean of a period is the daily mean per day, lower on weekends; the prediction interval widens with
    ``PredictionIntervalLevel`` (the spread is the seeded one at 80).

    Raises:
        ValidationException: as AWS, for a Metric not in ``metrics``, no Granularity, a Start before today or a
            PredictionIntervalLevel outside 51-99.
    """
    metric = params.get("Metric")
    if metric not in metrics:
        raise ValidationException(f"Metric must be one of {sorted(metrics)}, got {metric!r}.")
    if not params.get("Granularity"):
        raise ValidationException("Granularity is required.")
    whole, buckets = time_buckets(params)
    today = datetime.now(UTC).date()
    if whole.start < today:
        raise ValidationException(f"Start date must be equal to or later than the current date ({today}).")
    daily, unit, seeded_spread = profile(str(metric))
    level = params.get("PredictionIntervalLevel", FORECAST_DEFAULT_INTERVAL_LEVEL)
    if not isinstance(level, int) or not 51 <= level <= 99:
        raise ValidationException(f"PredictionIntervalLevel must be between 51 and 99, got {level!r}.")
    spread = seeded_spread * Decimal(level) / Decimal(FORECAST_DEFAULT_INTERVAL_LEVEL)
    results = []
    for bucket in buckets:
        mean = weekday_total(daily, bucket)
        results.append(
            {
                "TimePeriod": bucket.to_json(),
                "MeanValue": money(mean),
                "PredictionIntervalLowerBound": money(mean * (1 - spread)),
                "PredictionIntervalUpperBound": money(mean * (1 + spread)),
            }
        )
    total = weekday_total(daily, whole)
    return {"Total": {"Amount": money(total), "Unit": unit}, "ForecastResultsByTime": results}


class ExtendedCostExplorerResponse(CostExplorerResponse):
    """moto's Cost Explorer handler plus Savings Plans, Reservations, forecast and dimension values."""

    @property
    def data_backend(self) -> CostExplorerDataBackend:
        """The seeded data of the calling account."""
        return ce_data_backends[self.current_account][self.partition]

    def _params(self) -> dict[str, Any]:
        body = json.loads(self.body or "{}")
        return body if isinstance(body, dict) else {}

    def get_cost_and_usage(self) -> str:
        """Emulate ``GetCostAndUsage`` from the caller's seeded rates; unseeded accounts get moto's queue."""
        backend = self.data_backend
        items = cost_line_items(self.current_account, backend)
        if not items:
            return str(super().get_cost_and_usage())
        return json.dumps(cost_and_usage_answer(self._params(), items, backend))

    def get_savings_plans_coverage(self) -> str:
        """Emulate ``GetSavingsPlansCoverage``: one entry per period and GroupBy combination."""
        params = self._params()
        profile = self.data_backend.require(self.data_backend.savings_plans, "Savings Plans coverage")
        _, buckets = time_buckets(params)
        keys = group_by_keys(params, {k for attrs, _, _ in profile.coverage for k in attrs})
        entries = []
        for bucket in buckets:
            groups: dict[tuple[str, ...], list[Decimal]] = {}
            for attributes, covered, on_demand in profile.coverage:
                sums = groups.setdefault(tuple(attributes.get(k, "") for k in keys), [ZERO, ZERO])
                sums[0] += covered * bucket.days
                sums[1] += on_demand * bucket.days
            for values, (covered, on_demand) in groups.items():
                entries.append(
                    {
                        "Attributes": dict(zip(keys, values, strict=True)),
                        "Coverage": _coverage_json(covered, on_demand),
                        "TimePeriod": bucket.to_json(),
                    }
                )
        sort_entries(entries, params.get("SortBy"), "Coverage")
        page, token = paginate(entries, params, "NextToken", DEFAULT_PAGE_SIZE)
        response: dict[str, Any] = {"SavingsPlansCoverages": page}
        if token:
            response["NextToken"] = token
        return json.dumps(response)

    def get_savings_plans_utilization(self) -> str:
        """Emulate ``GetSavingsPlansUtilization``: per period (if Granularity) and Total."""
        params = self._params()
        profile = self.data_backend.require(self.data_backend.savings_plans, "Savings Plans utilization")
        whole, buckets = time_buckets(params)
        by_time = [{"TimePeriod": b.to_json(), **profile.utilization_json(b)} for b in buckets]
        return json.dumps({"SavingsPlansUtilizationsByTime": by_time, "Total": profile.utilization_json(whole)})

    def get_reservation_coverage(self) -> str:
        """Emulate ``GetReservationCoverage``: per period, grouped by GroupBy keys, and Total."""
        params = self._params()
        reservations = self.data_backend.require(self.data_backend.reservations, "reservation coverage")
        whole, buckets = time_buckets(params)
        keys = group_by_keys(params, {k for r in reservations for k in r.attributes})
        by_time = []
        for bucket in buckets:
            groups: dict[tuple[str, ...], list[Reservation]] = {}
            if keys:
                for item in reservations:
                    groups.setdefault(tuple(item.attributes.get(k, "") for k in keys), []).append(item)
            by_time.append(
                {
                    "TimePeriod": bucket.to_json(),
                    "Groups": [
                        {
                            "Attributes": dict(zip(keys, values, strict=True)),
                            "Coverage": _reservation_coverage(g, bucket),
                        }
                        for values, g in groups.items()
                    ],
                    "Total": _reservation_coverage(reservations, bucket),
                }
            )
        page, token = paginate(by_time, params, "NextPageToken", DEFAULT_PAGE_SIZE)
        response: dict[str, Any] = {"CoveragesByTime": page, "Total": _reservation_coverage(reservations, whole)}
        if token:
            response["NextPageToken"] = token
        return json.dumps(response)

    def get_reservation_utilization(self) -> str:
        """Emulate ``GetReservationUtilization``: per period, optionally grouped by SUBSCRIPTION_ID, and Total."""
        params = self._params()
        reservations = self.data_backend.require(self.data_backend.reservations, "reservation utilization")
        whole, buckets = time_buckets(params)
        keys = group_by_keys(params, {"SUBSCRIPTION_ID"})
        by_time = []
        for bucket in buckets:
            groups = []
            if keys:
                for item in reservations:
                    subscription = item.attributes.get("SUBSCRIPTION_ID", "")
                    groups.append(
                        {
                            "Key": "SUBSCRIPTION_ID",
                            "Value": subscription,
                            "Attributes": item.attributes,
                            "Utilization": _reservation_utilization([item], bucket),
                        }
                    )
            by_time.append(
                {
                    "TimePeriod": bucket.to_json(),
                    "Groups": groups,
                    "Total": _reservation_utilization(reservations, bucket),
                }
            )
        page, token = paginate(by_time, params, "NextPageToken", DEFAULT_PAGE_SIZE)
        response: dict[str, Any] = {"UtilizationsByTime": page, "Total": _reservation_utilization(reservations, whole)}
        if token:
            response["NextPageToken"] = token
        return json.dumps(response)

    def get_cost_forecast(self) -> str:
        """Emulate ``GetCostForecast``: Total and ForecastResultsByTime with a prediction interval."""
        backend = self.data_backend

        def profile(metric: str) -> tuple[Decimal, str, Decimal]:
            forecast = backend.require(backend.forecast, "cost forecast")
            if metric not in forecast.daily_mean:
                raise DataUnavailableException(f"No {metric} forecast is available for account {self.current_account}.")
            return forecast.daily_mean[metric], forecast.unit, forecast.spread

        return json.dumps(forecast_answer(self._params(), COST_FORECAST_METRICS, profile))

    def get_dimension_values(self) -> str:
        """Emulate ``GetDimensionValues``: the seeded values of a dimension, SearchString as a substring."""
        params = self._params()
        time_buckets(params, default_granularity=None)
        dimension = params.get("Dimension")
        if dimension not in DIMENSIONS:
            raise ValidationException(f"Dimension {dimension!r} is not a valid Cost Explorer dimension.")
        values = self.data_backend.dimension_values.get(str(dimension), [])
        search = str(params.get("SearchString") or "").lower()
        matching = [v for v in values if search in str(v["Value"]).lower()]
        page, token = paginate(matching, params, "NextPageToken", DIMENSION_VALUES_PAGE_SIZE)
        response: dict[str, Any] = {"DimensionValues": page, "ReturnSize": len(page), "TotalSize": len(matching)}
        if token:
            response["NextPageToken"] = token
        return json.dumps(response)


def install() -> None:
    """Route Cost Explorer requests to :class:`ExtendedCostExplorerResponse` (idempotent; before the server starts)."""
    ce_urls.url_paths["{0}/$"] = ExtendedCostExplorerResponse.dispatch
