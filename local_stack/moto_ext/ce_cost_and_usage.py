"""Cost Explorer ``GetCostAndUsage`` and ``GetCostForecast`` from the calling account's cost line items.

* ``GetCostAndUsage`` answered on every call from the account's line items
  (:func:`local_stack.moto_ext.ce_data.cost_line_items`): DAILY/MONTHLY, the seven metrics, GroupBy up to two
  DIMENSION/TAG keys, Filter expressions, NextPageToken, DimensionValueAttributes for LINKED_ACCOUNT. An
  account with no Cost Explorer seed still gets moto's own queued results (``cost_and_usage_results`` of the
  seed body). Each bucket multiplies the daily rates by its number of days; HOURLY granularity raises
  ``ValidationException`` (it needs an opt-in on AWS too).
* ``GetCostForecast``: Start must not be before today (UTC); DAILY or MONTHLY; the seeded daily mean, lower on
  weekends, with a prediction interval that widens with ``PredictionIntervalLevel`` (51-99, default 80).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from local_stack.moto_ext.ce_core import (
    COST_FORECAST_METRICS,
    COST_METRICS,
    DEFAULT_PAGE_SIZE,
    DIMENSIONS,
    ZERO,
    Bucket,
    CostLineItem,
    expression_matches,
    metric_total,
    paginate,
    time_buckets,
)
from local_stack.moto_ext.ce_data import CeDataResponse, CostExplorerDataBackend, dimension_values
from local_stack.moto_ext.common import money
from local_stack.moto_ext.exceptions import DataUnavailableException, ValidationException

MAX_GROUP_BY = 2
FORECAST_DEFAULT_INTERVAL_LEVEL = 80
WEEKEND_FACTOR = Decimal("0.82")


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
        value = metric_total(items, name) * bucket.days
        unit = "N/A" if name in ("UsageQuantity", "NormalizedUsageAmount") else "USD"
        result[name] = {"Amount": str(value.quantize(Decimal("0.0000000001"))), "Unit": unit}
    return result


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
    selected = [item for item in items if expression_matches(params["Filter"], item)] if params.get("Filter") else items
    today = datetime.now(UTC).date()
    by_time = []
    for bucket in buckets:
        entry: dict[str, Any] = {"TimePeriod": bucket.to_json(), "Estimated": bucket.end > today}
        if keys:
            groups: dict[tuple[str, ...], list[CostLineItem]] = {}
            for item in selected:
                groups.setdefault(tuple(_group_value(item, kind, key) for kind, key in keys), []).append(item)
            entry["Total"] = {}
            entry["Groups"] = [
                {"Keys": list(values), "Metrics": _metrics_json(members, metrics, bucket)}
                for values, members in sorted(groups.items())
            ]
        else:
            entry["Total"] = _metrics_json(selected, metrics, bucket)
            entry["Groups"] = []
        by_time.append(entry)
    page, token = paginate(by_time, params, "NextPageToken", DEFAULT_PAGE_SIZE)
    response: dict[str, Any] = {"GroupDefinitions": params.get("GroupBy") or [], "ResultsByTime": page}
    if ("DIMENSION", "LINKED_ACCOUNT") in keys:
        response["DimensionValueAttributes"] = dimension_values(backend, items, "LINKED_ACCOUNT")
    if token:
        response["NextPageToken"] = token
    return response


def weekday_total(daily: Decimal, bucket: Bucket) -> Decimal:
    """``daily`` summed over a period's days, lower on weekends (a forecast's mean)."""
    result = ZERO
    for n in range(int(bucket.days)):
        day = bucket.start + timedelta(days=n)
        result += daily * (WEEKEND_FACTOR if day.weekday() >= 5 else 1)
    return result


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
    return {"Total": {"Amount": money(weekday_total(daily, whole)), "Unit": unit}, "ForecastResultsByTime": results}


class CostAndUsageResponse(CeDataResponse):
    """``GetCostAndUsage`` and ``GetCostForecast`` of the calling account."""

    def get_cost_and_usage(self) -> str:
        """Emulate ``GetCostAndUsage`` from the caller's seeded rates; unseeded accounts get moto's queue."""
        items = self._items()
        if not items:
            return str(super().get_cost_and_usage())
        return json.dumps(cost_and_usage_answer(self._params(), items, self.data_backend))

    def get_cost_forecast(self) -> str:
        """Emulate ``GetCostForecast``: Total and ForecastResultsByTime with a prediction interval."""
        backend = self.data_backend

        def profile(metric: str) -> tuple[Decimal, str, Decimal]:
            forecast = backend.require(backend.forecast, "cost forecast")
            if metric not in forecast.daily_mean:
                raise DataUnavailableException(f"No {metric} forecast is available for account {self.current_account}.")
            return forecast.daily_mean[metric], forecast.unit, forecast.spread

        return json.dumps(forecast_answer(self._params(), COST_FORECAST_METRICS, profile))
