"""Cost Explorer tags, cost categories, per-resource cost, usage forecasts and Savings Plans utilization details.

moto has none of these APIs. Each answer is computed from what an account already has, so they agree with
``GetCostAndUsage``: its cost line items (:func:`local_stack.moto_ext.ce_data.cost_line_items`, with the
tags, extra dimensions, usage unit and resources of the ``services`` seed section), the cost category
definitions in moto's own Cost Explorer backend (seeded with ``"cost_categories": [<CreateCostCategoryDefinition
request>, ...]``, checked against botocore's input shape), and the account's Savings Plans
(:mod:`local_stack.moto_ext.savingsplans`). Code runs where the answer depends on the request:

* ``GetTags``: the tag keys of the line items (or ``TagKey``'s values) selected by ``Filter``;
* ``GetCostCategories``: the names of the definitions effective before ``TimePeriod.End`` (or one name's values)
  that some selected line item falls in, by the first rule whose ``Rule`` matches it, else ``DefaultValue``;
* both: ``SearchString``; ``SortBy`` by a metric's total cost, as ``GetDimensionValues``
  (:func:`local_stack.moto_ext.ce_dimensions.search_sort_page`);
* ``GetCostAndUsageWithResources``: a required ``Filter``, ``TimePeriod`` within the last 14 days, grouped or
  filtered by ``RESOURCE_ID``; each line's cost shared by its resources; ``DataUnavailableException`` when the
  account has no resource-level data (the opt-in of the Cost Explorer settings);
* ``GetUsageForecast``: the usage of the selected line items per day (lower on weekends), in their unit;
* ``GetSavingsPlansUtilizationDetails``: each Savings Plan's share of the account's Savings Plans utilization
  over the part of its term inside ``TimePeriod`` (no future End date), ``Filter``, ``SortBy``, ``DataType``,
  ``MaxResults`` (default 20) / ``NextToken``.
"""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import botocore.session
from botocore.validate import ParamValidator
from moto.ce import urls as ce_urls
from moto.ce.models import ce_backends

from local_stack.moto_ext.ce_commitments import savings_plans_utilization
from local_stack.moto_ext.ce_core import (
    HUNDRED,
    USAGE_FORECAST_METRICS,
    ZERO,
    Bucket,
    CostLineItem,
    expression_matches,
    metric_total,
    paginate,
    time_buckets,
)
from local_stack.moto_ext.ce_cost_and_usage import cost_and_usage_answer, forecast_answer
from local_stack.moto_ext.ce_data import CeDataResponse
from local_stack.moto_ext.ce_dimensions import search_sort_page
from local_stack.moto_ext.common import money
from local_stack.moto_ext.exceptions import DataUnavailableException, ValidationException
from local_stack.moto_ext.savingsplans import account_plans

DETAILS_PAGE_SIZE = 20  # GetSavingsPlansUtilizationDetails MaxResults: "The default is 20"
RESOURCE_DAYS = 14
NO_RESOURCE = "NoResourceId"
_CE_MODEL = botocore.session.get_session().get_service_model("ce")
_DETAIL_SECTIONS = {"UTILIZATION": "Utilization", "SAVINGS": "Savings", "AMORTIZED_COMMITMENT": "AmortizedCommitment"}


def seed_cost_categories(account_id: str, definitions: list[dict[str, Any]]) -> list[str]:
    """Replace the account's cost category definitions in moto's backend; return their names.

    Each definition is a ``CreateCostCategoryDefinition`` request, checked against botocore's input shape.

    Raises:
        ValueError: a definition does not have the request's shape.
    """
    shape = _CE_MODEL.operation_model("CreateCostCategoryDefinition").input_shape
    assert shape is not None
    for i, definition in enumerate(definitions):
        report = ParamValidator().validate(definition, shape)
        if report.has_errors():
            raise ValueError(f"cost_categories[{i}] is not a CreateCostCategoryDefinition request: "
                             f"{report.generate_report()}")  # fmt: skip
    backend = ce_backends[account_id]["aws"]
    backend.cost_categories.clear()
    for definition in copy.deepcopy(definitions):
        backend.create_cost_category_definition(
            name=definition["Name"],
            effective_start=definition.get("EffectiveStart"),
            rule_version=definition["RuleVersion"],
            rules=definition["Rules"],
            default_value=definition.get("DefaultValue", ""),
            split_charge_rules=definition.get("SplitChargeRules", []),
            tags=definition.get("ResourceTags", []),
        )
    return [d["Name"] for d in definitions]


def _day(value: str) -> date:
    return date.fromisoformat(value[:10])


def _category_value(definition: Any, item: CostLineItem) -> str | None:
    """The value a cost category gives a line item: the first matching rule's, else the default."""
    for rule in definition.rules:
        if rule.get("Rule") and rule.get("Value") and expression_matches(rule["Rule"], item):
            return str(rule["Value"])
    return str(definition.default_value) if definition.default_value else None


def _figures_total(details: list[dict[str, Any]]) -> dict[str, Any]:
    """The ``Total`` of utilization details: sums, and the utilization percentage of the sums."""
    total: dict[str, dict[str, Decimal]] = {}
    for detail in details:
        for section in _DETAIL_SECTIONS.values():
            for name, value in detail.get(section, {}).items():
                sums = total.setdefault(section, {})
                sums[name] = sums.get(name, ZERO) + Decimal(value)
    answer = {section: {name: money(value) for name, value in sums.items()} for section, sums in total.items()}
    if "Utilization" in total and total["Utilization"].get("TotalCommitment"):
        share = total["Utilization"]["UsedCommitment"] / total["Utilization"]["TotalCommitment"] * HUNDRED
        answer["Utilization"]["UtilizationPercentage"] = money(share)
    return answer


class CeDiscoveryMixin(CeDataResponse):
    """The operations of this module, mixed into the installed Cost Explorer handler (see :func:`install`)."""

    def get_tags(self) -> str:
        """Emulate ``GetTags``: the selected line items' tag keys, or ``TagKey``'s values."""
        params = self._params()
        time_buckets(params, default_granularity=None)
        items = self._items(params)
        key = params.get("TagKey")
        if key:
            names = sorted({item.tags[key] for item in items if key in item.tags})

            def cost_of(name: str, metric: str) -> Decimal:
                return metric_total([i for i in items if i.tags.get(key) == name], metric)
        else:
            names = sorted({k for item in items for k in item.tags})

            def cost_of(name: str, metric: str) -> Decimal:
                return metric_total([i for i in items if name in i.tags], metric)

        page, total, token = search_sort_page(params, names, cost_of)
        answer = {"Tags": page, "ReturnSize": len(page), "TotalSize": total}
        return json.dumps({**answer, **({"NextPageToken": token} if token else {})})

    def get_cost_categories(self) -> str:
        """Emulate ``GetCostCategories``: categories (or a category's values) that the selected costs fall in."""
        params = self._params()
        whole, _ = time_buckets(params, default_granularity=None)
        items = self._items(params)
        definitions = [
            d for d in ce_backends[self.current_account][self.partition].cost_categories.values()
            if _day(d.effective_start) < whole.end
        ]  # fmt: skip
        assigned = {d.name: [(_category_value(d, item), item) for item in items] for d in definitions}
        name = params.get("CostCategoryName")
        if name:
            pairs = assigned.get(str(name), [])
            names = sorted({value for value, _ in pairs if value})

            def cost_of(value: str, metric: str) -> Decimal:
                return metric_total([item for v, item in pairs if v == value], metric)
        else:
            names = sorted(n for n, pairs in assigned.items() if any(v for v, _ in pairs))

            def cost_of(value: str, metric: str) -> Decimal:
                return metric_total([item for v, item in assigned[value] if v], metric)

        page, total, token = search_sort_page(params, names, cost_of)
        listed = {"CostCategoryNames": [name], "CostCategoryValues": page} if name else {"CostCategoryNames": page}
        answer = {**listed, "ReturnSize": len(page), "TotalSize": total}
        return json.dumps({**answer, **({"NextPageToken": token} if token else {})})

    def get_cost_and_usage_with_resources(self) -> str:
        """Emulate ``GetCostAndUsageWithResources``: the last 14 days, per resource, grouped or filtered by one."""
        params = self._params()
        if not params.get("Filter"):
            raise ValidationException("Filter is required.")
        whole, _ = time_buckets({**params, "Granularity": None}, default_granularity=None)
        oldest = datetime.now(UTC).date() - timedelta(days=RESOURCE_DAYS)
        if whole.start < oldest:
            raise ValidationException(f"The start date must be within the last 14 days (on or after {oldest}).")
        grouped = any(g.get("Key") == "RESOURCE_ID" for g in params.get("GroupBy") or [])
        if not grouped and '"RESOURCE_ID"' not in json.dumps(params["Filter"]):
            raise ValidationException("GetCostAndUsageWithResources requires a group by or filter by RESOURCE_ID.")
        items = self._items()
        if not any(item.resources for item in items):
            raise DataUnavailableException(
                f"Resource-level data is not enabled for account {self.current_account} (Cost Explorer settings)."
            )
        per_resource = []
        for item in items:
            share = Decimal(max(len(item.resources), 1))
            for resource in item.resources or (NO_RESOURCE,):
                per_resource.append(
                    replace(
                        item,
                        attributes={**item.attributes, "RESOURCE_ID": resource},
                        unblended_per_day=item.unblended_per_day / share,
                        amortized_per_day=item.amortized_per_day / share,
                        usage_per_day=item.usage_per_day / share,
                    )
                )
        return json.dumps(cost_and_usage_answer(params, per_resource, self.data_backend))

    def get_usage_forecast(self) -> str:
        """Emulate ``GetUsageForecast``: the selected line items' usage per day, in their unit."""
        params = self._params()
        backend = self.data_backend

        def profile(_: str) -> tuple[Decimal, str, Decimal]:
            forecast = backend.require(backend.forecast, "usage forecast")
            items = self._items(params)
            if not items:
                raise DataUnavailableException("No usage matches the filter to forecast from.")
            units = {item.unit for item in items}
            unit = units.pop() if len(units) == 1 else "N/A"
            return sum((item.usage_per_day for item in items), ZERO), unit, forecast.spread

        return json.dumps(forecast_answer(params, USAGE_FORECAST_METRICS, profile))

    def get_savings_plans_utilization_details(self) -> str:
        """Emulate ``GetSavingsPlansUtilizationDetails``: each Savings Plan over its term inside the period."""
        params = self._params()
        whole, _ = time_buckets(params, default_granularity=None)
        if whole.end > datetime.now(UTC).date():
            raise ValidationException("Future dates can't be used as an End date.")
        profile = self.data_backend.require(self.data_backend.savings_plans, "Savings Plans utilization")
        details = []
        for plan in account_plans(self.current_account):
            term = Bucket(max(whole.start, _day(plan["start"])), min(whole.end, _day(plan["end"])))
            if term.start >= term.end:
                continue
            dimensions = {
                "SAVINGS_PLAN_ARN": plan["savingsPlanArn"], "REGION": plan.get("region", ""),
                "PAYMENT_OPTION": plan.get("paymentOption", ""), "LINKED_ACCOUNT": self.current_account,
                "INSTANCE_TYPE_FAMILY": plan.get("ec2InstanceFamily", ""),
            }  # fmt: skip
            if params.get("Filter") and not expression_matches(
                params["Filter"], CostLineItem(dimensions, ZERO, ZERO, ZERO)
            ):
                continue
            commitment = Decimal(plan.get("commitment", "0"))
            attributes = {
                "SavingsPlansType": plan.get("savingsPlanType", ""), "PaymentOption": plan.get("paymentOption", ""),
                "Region": plan.get("region", ""), "InstanceFamily": plan.get("ec2InstanceFamily", ""),
                "StartDateTime": plan["start"], "EndDateTime": plan["end"], "RecurringHourlyFee": str(commitment),
                "UpfrontFee": plan.get("upfrontPaymentAmount", "0"),
            }  # fmt: skip
            figures = savings_plans_utilization(replace(profile, hourly_commitment=commitment), term)
            details.append({"SavingsPlanArn": plan["savingsPlanArn"], "Attributes": attributes, **figures})
        sort_by = params.get("SortBy")
        if sort_by:
            section = next((s for s in _DETAIL_SECTIONS.values() if details and sort_by["Key"] in details[0][s]), None)
            if details and section is None:
                raise ValidationException(f"SortBy Key {sort_by['Key']!r} is not supported.")
            descending = sort_by.get("SortOrder") == "DESCENDING"
            details.sort(key=lambda d: Decimal(d[str(section)][sort_by["Key"]]), reverse=descending)
        total = _figures_total(details)
        wanted = params.get("DataType")
        if wanted:
            keep = {_DETAIL_SECTIONS[t] for t in wanted if t in _DETAIL_SECTIONS}
            for detail in details:
                for section in _DETAIL_SECTIONS.values():
                    if section not in keep:
                        detail.pop(section, None)
                if "ATTRIBUTES" not in wanted:
                    detail.pop("Attributes", None)
        page, token = paginate(details, params, "NextToken", DETAILS_PAGE_SIZE)
        answer = {"SavingsPlansUtilizationDetails": page, "Total": total, "TimePeriod": whole.to_json()}
        return json.dumps({**answer, **({"NextToken": token} if token else {})})


def install() -> None:
    """Mix these operations into the installed Cost Explorer handler (after ``cost_explorer``/``ce_fixtures``).

    The handler class is composed with whatever is installed, so other extensions of it keep theirs.
    """
    current = ce_urls.url_paths["{0}/$"]
    handler = getattr(current, "__self__", None)
    if handler is None or issubclass(handler, CeDiscoveryMixin):
        return
    composed: Any = type("CeDiscoveryResponse", (CeDiscoveryMixin, handler), {})
    ce_urls.url_paths["{0}/$"] = composed.dispatch
