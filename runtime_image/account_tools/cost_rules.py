"""What Cost Explorer refuses, refused here first with a message naming the field.

The emulator accepts parameter combinations that Cost Explorer rejects, so every
rule below is taken from the AWS Cost Explorer API Reference (the same text ships
in botocore's ``ce`` service model documentation) and applied before any call:

- GetSavingsPlansCoverage, GetReservationCoverage, GetReservationUtilization:
  "Granularity can't be set if GroupBy is set"; only DAILY and MONTHLY.
- GetSavingsPlansCoverage GroupBy: INSTANCE_FAMILY, REGION or SERVICE; filter
  dimensions LINKED_ACCOUNT, REGION, SERVICE, INSTANCE_FAMILY (and cost
  categories); "only AND is supported among each dimension".
- GetSavingsPlansUtilization filter dimensions: LINKED_ACCOUNT, SAVINGS_PLAN_ARN,
  SAVINGS_PLANS_TYPE, REGION, PAYMENT_OPTION, INSTANCE_TYPE_FAMILY; only AND.
- GetReservationCoverage filter dimensions: AZ, CACHE_ENGINE, DATABASE_ENGINE,
  DEPLOYMENT_OPTION, INSTANCE_TYPE, LINKED_ACCOUNT, OPERATING_SYSTEM, PLATFORM,
  REGION, SERVICE, TAG, TENANCY (and cost categories); only AND, one level deep.
- GetReservationUtilization filter dimensions: AZ, CACHE_ENGINE,
  DEPLOYMENT_OPTION, INSTANCE_TYPE, LINKED_ACCOUNT, OPERATING_SYSTEM, PLATFORM,
  REGION, SERVICE, SCOPE, TENANCY; only AND, one level deep.
- Savings Plans coverage and utilization: "Future dates can't be used as an End
  date"; the Start date must be within 13 months (Reserved Instances likewise:
  "a maximum of 13 months: the last 12 months and the current month").
- GetCostAndUsage GroupBy DIMENSION keys: AZ, INSTANCE_TYPE, LEGAL_ENTITY_NAME,
  INVOICING_ENTITY, LINKED_ACCOUNT, OPERATION, PLATFORM, PURCHASE_TYPE, SERVICE,
  TENANCY, RECORD_TYPE, USAGE_TYPE; up to two groups. MatchOptions for Dimensions:
  EQUALS and CASE_SENSITIVE; for Tags and CostCategories: EQUALS, ABSENT,
  CASE_SENSITIVE. HOURLY data covers the last 14 days (Cost Explorer's hourly
  granularity, an opt-in); DAILY data the last 14 months (User Guide, "Comparing
  your costs"), MONTHLY up to 38 months with multi-year data enabled.
- GetCostForecast: "3 months of DAILY forecasts or 18 months of MONTHLY
  forecasts"; the start date must not be before the current date; filter
  dimensions as listed in the reference (no COST_CATEGORY restriction).
- GetUsageForecast: the same periods ("supports only DAILY and MONTHLY
  granularities"); Metric "Valid values for a GetUsageForecast call are
  USAGE_QUANTITY, NORMALIZED_USAGE_AMOUNT"; its filter dimensions add
  LINKED_ACCOUNT_NAME to GetCostForecast's.
- GetCostAndUsageWithResources: "The range must be within the last 14 days";
  Filter is required, and the operation "requires that you either group by or
  filter by a ResourceId. It requires the Expression SERVICE = ... in the
  filter"; "Hourly granularity is only available for EC2-Instances (Elastic
  Compute Cloud) resource-level data. All other resource-level data is
  available at daily granularity"; MatchOptions as GetCostAndUsage; "This is
  an opt-in only feature" (Cost Explorer Settings page).
- GetDimensionValues, GetTags, GetCostCategories: SortBy keys are the seven
  cost and usage metrics; "when using SortBy, NextPageToken and SearchString
  aren't supported"; MaxResults "is only used when SortBy is provided" (upper
  limit 1000); GetDimensionValues: "When you specify a SortBy paramater, the
  context must be COST_AND_USAGE".
- GetSavingsPlansUtilizationDetails: "This doesn't support granular or grouped
  data"; filter dimensions LINKED_ACCOUNT, SAVINGS_PLAN_ARN, REGION,
  PAYMENT_OPTION, INSTANCE_TYPE_FAMILY, "only AND is supported"; End date not
  in the future, Start within 13 months.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from account_tools.errors import ToolFailure
from account_tools.params import CostExpression

COST_AND_USAGE_GROUP_DIMENSIONS = frozenset(
    {"AZ", "INSTANCE_TYPE", "LEGAL_ENTITY_NAME", "INVOICING_ENTITY", "LINKED_ACCOUNT", "OPERATION", "PLATFORM",
     "PURCHASE_TYPE", "SERVICE", "TENANCY", "RECORD_TYPE", "USAGE_TYPE"}
)  # fmt: skip
DIMENSION_MATCH_OPTIONS = frozenset({"EQUALS", "CASE_SENSITIVE"})
TAG_MATCH_OPTIONS = frozenset({"EQUALS", "ABSENT", "CASE_SENSITIVE"})
HOURLY_MAX_AGE_DAYS = 14
DAILY_MAX_AGE_DAYS = 14 * 31  # 14 months
MONTHLY_MAX_AGE_DAYS = 38 * 31  # 38 months (multi-year data)
COMMITMENT_MAX_AGE_DAYS = 13 * 31  # "within 13 months"
FORECAST_MAX_DAYS = {"DAILY": 3 * 31, "MONTHLY": 18 * 31}


@dataclass(frozen=True)
class FilterRules:
    """Which parts of an ``Expression`` one Cost Explorer API accepts."""

    api: str
    dimensions: frozenset[str] | None = None  # None: any dimension
    and_only: bool = False  # "only AND is supported among each dimension" (no Or, no Not)
    max_depth: int | None = None  # "You can nest only one level deep" -> 2 (the And plus its leaves)
    tags: bool = True
    cost_categories: bool = True
    dimension_match_options: frozenset[str] | None = None
    tag_match_options: frozenset[str] | None = None

    def check(self, expression: CostExpression, *, name: str = "filter") -> None:
        """Refuse what ``self.api`` refuses in a filter.

        Raises:
            ToolFailure: ``invalid_parameter`` naming the path inside ``name``.
        """
        self._check(expression, name, depth=1)

    def _check(self, node: CostExpression, where: str, depth: int) -> None:
        compound = node.And is not None or node.Or is not None or node.Not is not None
        if self.max_depth is not None and compound and depth >= self.max_depth:
            self._refuse(where, f"nests deeper than {self.api} allows (an And of simple conditions, one level)")
        if self.and_only and (node.Or is not None or node.Not is not None):
            self._refuse(where, f"{self.api} supports only And between conditions (no Or, no Not)")
        for key, children in (("And", node.And), ("Or", node.Or)):
            for i, child in enumerate(children or []):
                self._check(child, f"{where}.{key}[{i}]", depth + 1)
        if node.Not is not None:
            self._check(node.Not, f"{where}.Not", depth + 1)
        if node.Dimensions is not None:
            if self.dimensions is not None and node.Dimensions.Key not in self.dimensions:
                self._refuse(
                    f"{where}.Dimensions.Key",
                    f"{self.api} filters by {', '.join(sorted(self.dimensions))} only",
                )
            self._match_options(f"{where}.Dimensions", node.Dimensions.MatchOptions, self.dimension_match_options)
        if node.Tags is not None:
            if not self.tags:
                self._refuse(f"{where}.Tags", f"{self.api} does not filter by tags")
            self._match_options(f"{where}.Tags", node.Tags.MatchOptions, self.tag_match_options)
        if node.CostCategories is not None:
            if not self.cost_categories:
                self._refuse(f"{where}.CostCategories", f"{self.api} does not filter by cost categories")
            self._match_options(f"{where}.CostCategories", node.CostCategories.MatchOptions, self.tag_match_options)

    def _match_options(self, where: str, options: Sequence[str] | None, allowed: frozenset[str] | None) -> None:
        bad = [o for o in options or [] if allowed is not None and o not in allowed]
        if bad:
            self._refuse(f"{where}.MatchOptions", f"{self.api} accepts {', '.join(sorted(allowed or ()))} here")

    @staticmethod
    def _refuse(where: str, why: str) -> None:
        raise ToolFailure("invalid_parameter", f"{where}: {why}")


COST_AND_USAGE = FilterRules(
    api="GetCostAndUsage", dimension_match_options=DIMENSION_MATCH_OPTIONS, tag_match_options=TAG_MATCH_OPTIONS
)
COST_FORECAST = FilterRules(
    api="GetCostForecast",
    dimensions=frozenset(
        {
            "AZ",
            "INSTANCE_TYPE",
            "LINKED_ACCOUNT",
            "OPERATION",
            "PURCHASE_TYPE",
            "REGION",
            "SERVICE",
            "USAGE_TYPE",
            "USAGE_TYPE_GROUP",
            "RECORD_TYPE",
            "OPERATING_SYSTEM",
            "TENANCY",
            "SCOPE",
            "PLATFORM",
            "SUBSCRIPTION_ID",
            "LEGAL_ENTITY_NAME",
            "DEPLOYMENT_OPTION",
            "DATABASE_ENGINE",
            "INSTANCE_TYPE_FAMILY",
            "BILLING_ENTITY",
            "RESERVATION_ID",
            "SAVINGS_PLAN_ARN",
        }
    ),
)
USAGE_FORECAST = FilterRules(
    api="GetUsageForecast", dimensions=frozenset({"LINKED_ACCOUNT_NAME", *(COST_FORECAST.dimensions or ())})
)
COST_AND_USAGE_WITH_RESOURCES = FilterRules(
    api="GetCostAndUsageWithResources",
    dimension_match_options=DIMENSION_MATCH_OPTIONS,
    tag_match_options=TAG_MATCH_OPTIONS,
)
WITH_RESOURCES_MAX_AGE_DAYS = 14
SORT_MAX_RESULTS = 1000
SAVINGS_PLANS_UTILIZATION_DETAILS = FilterRules(
    api="GetSavingsPlansUtilizationDetails",
    dimensions=frozenset({"LINKED_ACCOUNT", "SAVINGS_PLAN_ARN", "REGION", "PAYMENT_OPTION", "INSTANCE_TYPE_FAMILY"}),
    and_only=True,
    tags=False,
    cost_categories=False,
)
SAVINGS_PLANS_COVERAGE = FilterRules(
    api="GetSavingsPlansCoverage",
    dimensions=frozenset({"LINKED_ACCOUNT", "REGION", "SERVICE", "INSTANCE_FAMILY"}),
    and_only=True,
    tags=False,
)
SAVINGS_PLANS_UTILIZATION = FilterRules(
    api="GetSavingsPlansUtilization",
    dimensions=frozenset(
        {"LINKED_ACCOUNT", "SAVINGS_PLAN_ARN", "SAVINGS_PLANS_TYPE", "REGION", "PAYMENT_OPTION", "INSTANCE_TYPE_FAMILY"}
    ),
    and_only=True,
    tags=False,
    cost_categories=False,
)
RESERVATION_COVERAGE = FilterRules(
    api="GetReservationCoverage",
    dimensions=frozenset(
        {
            "AZ",
            "CACHE_ENGINE",
            "DATABASE_ENGINE",
            "DEPLOYMENT_OPTION",
            "INSTANCE_TYPE",
            "LINKED_ACCOUNT",
            "OPERATING_SYSTEM",
            "PLATFORM",
            "REGION",
            "SERVICE",
            "TAG",
            "TENANCY",
        }
    ),
    and_only=True,
    max_depth=2,
)
RESERVATION_UTILIZATION = FilterRules(
    api="GetReservationUtilization",
    dimensions=frozenset(
        {
            "AZ",
            "CACHE_ENGINE",
            "DEPLOYMENT_OPTION",
            "INSTANCE_TYPE",
            "LINKED_ACCOUNT",
            "OPERATING_SYSTEM",
            "PLATFORM",
            "REGION",
            "SERVICE",
            "SCOPE",
            "TENANCY",
        }
    ),
    and_only=True,
    max_depth=2,
    tags=False,
    cost_categories=False,
)


def refuse_granularity_with_group_by(api: str, granularity: str | None, group_by: object) -> None:
    """Coverage and utilization APIs: "Granularity can't be set if GroupBy is set".

    Raises:
        ToolFailure: ``invalid_parameter`` naming ``granularity``.
    """
    if granularity and group_by:
        raise ToolFailure(
            "invalid_parameter",
            f"granularity: {api} does not take a granularity together with group_by; "
            "omit granularity for grouped totals, or omit group_by for rows per period",
        )


def refuse_too_old(field_name: str, start: date, today: date, max_age_days: int, what: str) -> None:
    """Refuse a start date older than the data Cost Explorer keeps for this request.

    Raises:
        ToolFailure: ``invalid_parameter`` naming ``field_name``.
    """
    oldest = today - timedelta(days=max_age_days)
    if start < oldest:
        raise ToolFailure("invalid_parameter", f"{field_name}: {what}; the earliest start is {oldest.isoformat()}")


def refuse_future_end(field_name: str, end: date, today: date, api: str) -> None:
    """Savings Plans coverage and utilization: "Future dates can't be used as an End date".

    ``end`` is exclusive, so today is the latest end (data up to yesterday).

    Raises:
        ToolFailure: ``invalid_parameter`` naming ``field_name``.
    """
    if end > today:
        raise ToolFailure(
            "invalid_parameter", f"{field_name}: {api} takes no future end date; the latest is {today.isoformat()}"
        )
