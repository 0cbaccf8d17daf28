"""Each account's Cost Explorer data: seeded daily rates, and the cost line items every operation answers from.

Seeded data are *daily rates*, not canned responses, so any TimePeriod works. Seed shapes (the
``savings_plans``, ``reservations``, ``cost_forecast``, ``services`` and ``dimension_values`` members of the
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
    services = {"Amazon Elastic Compute Cloud - Compute": {   # the account's services, in this order
        "dimensions": {"USAGE_TYPE_GROUP": "EC2: Running Hours"},  # extra DIMENSION values of its line items
        "tags": {"team": "orders"},                                # cost allocation tags
        "usage_unit": "Hrs",                                       # the unit of its usage (usage forecasts)
        "resources": ["i-0a1b2c3d4e5f60718"]},                    # RESOURCE_IDs sharing its cost (opt-in data)
        "AWS CloudTrail": {}}                                      # a service paid for from the forecast only
    dimension_values = {"LINKED_ACCOUNT": [{"Value": "222222222222", "Attributes": {"description": "acme-prod"}}]}
                       # GetDimensionValues' DimensionValues the line items lack (values or their Attributes),
                       # checked against botocore's output shape; listed before the line items' own values

State lives in :data:`ce_data_backends`, a moto ``BackendDict`` keyed ``[account_id][partition]`` like moto's
own Cost Explorer backend, so ``POST /moto-api/reset`` clears it. An account with nothing seeded for an API
raises ``DataUnavailableException``.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, TypeVar

from moto.ce.responses import CostExplorerResponse
from moto.core.base_backend import BackendDict, BaseBackend
from moto.utilities.utils import PARTITION_NAMES

from local_stack.moto_ext.ce_core import (
    COST_FORECAST_METRICS,
    DIMENSIONS,
    HOURS_PER_DAY,
    HUNDRED,
    USAGE_FORECAST_METRICS,
    ZERO,
    Bucket,
    CostLineItem,
    expression_matches,
)
from local_stack.moto_ext.common import to_decimal
from local_stack.moto_ext.exceptions import DataUnavailableException

T = TypeVar("T")
OTHER_SERVICE_UNIT_PRICE = Decimal("0.10")  # USD per usage unit of the services that only the forecast accounts for


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
        unknown = set(means) - COST_FORECAST_METRICS - USAGE_FORECAST_METRICS
        if unknown:
            raise ValueError(f"cost_forecast.daily_mean has unknown metrics {sorted(unknown)}")
        spread = to_decimal(raw.get("interval_spread_percentage", 10), "interval_spread_percentage") / HUNDRED
        return cls(daily_mean=means, unit=str(raw.get("unit", "USD")), spread=spread)


class CostExplorerDataBackend(BaseBackend):
    """Seeded Savings Plans, reservations, forecast, services and declared dimension values of one account."""

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

        ``dimension_values`` must already be checked against the AWS shape (:mod:`local_stack.moto_ext.seed`).

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
            if set(dimension_values) - DIMENSIONS:
                raise ValueError(
                    f"dimension_values has unknown dimensions {sorted(set(dimension_values) - DIMENSIONS)}"
                )
            self.dimension_values = copy.deepcopy(dimension_values)
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


def _declared(backend: CostExplorerDataBackend, dimension: str) -> list[str]:
    return [str(v["Value"]) for v in backend.dimension_values.get(dimension, [])]


def cost_line_items(account_id: str, backend: CostExplorerDataBackend) -> list[CostLineItem]:
    """Derive an account's daily cost line items from its seeded sections, so every Cost Explorer API agrees.

    * each Savings Plans coverage row is a line (covered + On-Demand spend; usage in hours at the implied rate);
    * each reservation is a line: reserved hours at the amortized (upfront + recurring) or recurring-only rate,
      plus its On-Demand hours at the On-Demand rate;
    * the rest of the forecast's daily ``UNBLENDED_COST`` (if positive) is shared evenly by the services (of
      ``services``, then declared SERVICE values) no line has yet, in the first declared or seeded REGION.

    Every line has LINKED_ACCOUNT = the account, and its SERVICE's ``services`` details (extra dimensions,
    tags, usage unit, resources); lines come in the order of ``services``. Returns ``[]`` when nothing is seeded.
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
    regions = _declared(backend, "REGION") + [
        item.attributes["REGION"] for item in items if "REGION" in item.attributes
    ]
    billed = {item.attributes.get("SERVICE") for item in items}
    others = [name for name in dict.fromkeys([*backend.services, *_declared(backend, "SERVICE")]) if name not in billed]
    remainder = (daily or ZERO) - sum((item.unblended_per_day for item in items), ZERO)
    if others and remainder > 0:
        share = remainder / len(others)
        region = {"REGION": regions[0]} if regions else {}
        items.extend(
            CostLineItem({"SERVICE": name, **region}, share, share, share / OTHER_SERVICE_UNIT_PRICE) for name in others
        )
    rank = {name: n for n, name in enumerate(backend.services)}
    items.sort(key=lambda item: rank.get(item.attributes.get("SERVICE", ""), len(rank)))
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


def dimension_values(
    backend: CostExplorerDataBackend, items: list[CostLineItem], dimension: str
) -> list[dict[str, Any]]:
    """A dimension's ``DimensionValues``: the declared ones, then the line items' other values, each once."""
    values = {str(v["Value"]): v for v in backend.dimension_values.get(dimension, [])}
    for item in items:
        value = item.attributes.get(dimension)
        if value:
            values.setdefault(value, {"Value": value, "Attributes": {}})
    return list(values.values())


ce_data_backends: BackendDict[CostExplorerDataBackend] = BackendDict(
    CostExplorerDataBackend, "ce", use_boto3_regions=False, additional_regions=PARTITION_NAMES
)


class CeDataResponse(CostExplorerResponse):
    """moto's Cost Explorer handler with the calling account's data: the base of this package's operations."""

    @property
    def data_backend(self) -> CostExplorerDataBackend:
        """The seeded data of the calling account."""
        return ce_data_backends[self.current_account][self.partition]

    def _params(self) -> dict[str, Any]:
        body = json.loads(self.body or "{}")
        return body if isinstance(body, dict) else {}

    def _items(self, params: dict[str, Any] | None = None) -> list[CostLineItem]:
        """The calling account's line items, those ``params["Filter"]`` selects if given."""
        items = cost_line_items(self.current_account, self.data_backend)
        if params and params.get("Filter"):
            items = [item for item in items if expression_matches(params["Filter"], item)]
        return items
