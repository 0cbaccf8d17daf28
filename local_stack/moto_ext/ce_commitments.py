"""Cost Explorer Savings Plans and Reserved Instances coverage and utilization from the account's seeded rates.

* ``GetSavingsPlansCoverage``: one entry per period and GroupBy combination (DIMENSION keys present in the
  seeded coverage attributes), SortBy a coverage figure, MaxResults / NextToken;
* ``GetSavingsPlansUtilization``: per period (if Granularity) and Total;
* ``GetReservationCoverage``: per period, grouped by GroupBy keys, and Total; NextPageToken;
* ``GetReservationUtilization``: per period, optionally grouped by SUBSCRIPTION_ID, and Total; NextPageToken.

Without Granularity the single period is the whole TimePeriod. All amounts are strings with two decimals, like
the AWS responses; an account with nothing seeded raises ``DataUnavailableException``.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from local_stack.moto_ext.ce_core import DEFAULT_PAGE_SIZE, HOURS_PER_DAY, HUNDRED, ZERO, Bucket, paginate, time_buckets
from local_stack.moto_ext.ce_data import CeDataResponse, Reservation, SavingsPlansProfile
from local_stack.moto_ext.common import money
from local_stack.moto_ext.exceptions import ValidationException


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


def savings_plans_utilization(profile: SavingsPlansProfile, bucket: Bucket) -> dict[str, Any]:
    """Return ``Utilization``/``Savings``/``AmortizedCommitment`` of a Savings Plans profile for one period."""
    total = profile.hourly_commitment * HOURS_PER_DAY * bucket.days
    used = total * profile.utilization
    on_demand_equivalent = used / (1 - profile.savings) if profile.savings < 1 else used
    upfront = total * profile.upfront_share
    return {
        "Utilization": {
            "TotalCommitment": money(total),
            "UsedCommitment": money(used),
            "UnusedCommitment": money(total - used),
            "UtilizationPercentage": money(profile.utilization * HUNDRED),
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


class CommitmentsResponse(CeDataResponse):
    """Savings Plans and Reserved Instances coverage and utilization of the calling account."""

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
        by_time = [{"TimePeriod": b.to_json(), **savings_plans_utilization(profile, b)} for b in buckets]
        return json.dumps(
            {"SavingsPlansUtilizationsByTime": by_time, "Total": savings_plans_utilization(profile, whole)}
        )

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
