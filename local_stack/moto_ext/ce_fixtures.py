"""Cost Explorer anomalies, comparisons, drivers and Savings Plans recommendations from declarative fixtures.

moto has none of these APIs. Each account's data is a *fixture*: the AWS response of the operation, as
the API reference shapes it, seeded with ``"ce_fixtures": {"<Operation>": <response>, ...}`` in the
``POST /moto-api/local/seed`` body and checked against botocore's output shape for that operation when
it is seeded (a fixture that drifts from AWS's shape is refused with the path of the first mismatch).
Code runs only where an answer depends on the request:

* ``GetAnomalies``: anomalies whose ``AnomalyEndDate`` lies in ``DateInterval`` (as AWS selects them),
  ``MonitorArn``, ``Feedback`` and ``TotalImpact`` filters, ``MaxResults``/``NextPageToken``;
* ``GetAnomalyMonitors``: ``MonitorArnList``, paging;
* ``GetCostAndUsageComparisons`` / ``GetCostComparisonDrivers``: both periods must be whole months
  (``ValidationException`` otherwise, as AWS answers); rows are the fixture's (any two months give the
  same numbers), selected by ``Filter``, grouped by SERVICE only; the comparison's totals are summed here;
* ``GetSavingsPlansPurchaseRecommendation``: the fixture answers its own ``SavingsPlansType``; the
  request's term, payment option and lookback are echoed; ``PageSize`` pages the details.
* ``GetReservationPurchaseRecommendation``: the details for the requested ``Service`` (by their
  ``InstanceDetails`` member), term/payment/lookback echoed, paged;
* ``GetRightsizingRecommendation``: ``Service`` must be ``AmazonEC2`` (as AWS requires); paged.

Fixtures live in :data:`ce_fixture_backends` (a moto ``BackendDict`` keyed by the calling account), so
``POST /moto-api/reset`` clears them and every answer comes from the signing account's data only.
"""

from __future__ import annotations

import copy
import json
from datetime import date
from decimal import Decimal
from typing import Any

import botocore.session
from botocore.validate import ParamValidator
from moto.ce import urls as ce_urls
from moto.core.base_backend import BackendDict, BaseBackend
from moto.utilities.utils import PARTITION_NAMES

from local_stack.moto_ext.ce_core import CostLineItem, expression_matches, paginate
from local_stack.moto_ext.cost_explorer import ExtendedCostExplorerResponse
from local_stack.moto_ext.exceptions import ValidationException

OPERATIONS = (
    "GetAnomalies",
    "GetAnomalyMonitors",
    "GetCostAndUsageComparisons",
    "GetCostComparisonDrivers",
    "GetSavingsPlansPurchaseRecommendation",
    "GetReservationPurchaseRecommendation",
    "GetRightsizingRecommendation",
)
# GetReservationPurchaseRecommendation's Service -> the InstanceDetails member its details carry.
RI_SERVICES = {
    "Amazon Elastic Compute Cloud - Compute": "EC2InstanceDetails",
    "Amazon Relational Database Service": "RDSInstanceDetails",
    "Amazon Redshift": "RedshiftInstanceDetails",
    "Amazon ElastiCache": "ElastiCacheInstanceDetails",
    "Amazon OpenSearch Service": "ESInstanceDetails",
    "Amazon MemoryDB": "MemoryDBInstanceDetails",
}
DEFAULT_PAGE_SIZE = 100
MAX_DRIVERS_PAGE = 10
_CE_MODEL = botocore.session.get_session().get_service_model("ce")


def validate_fixture(
    operation: str,
    response: Any,
    *,
    model: Any = _CE_MODEL,
    operations: tuple[str, ...] = OPERATIONS,
    name: str = "ce_fixtures",
) -> None:
    """Check a fixture against botocore's output shape of ``operation`` (types, required members, enums).

    Args:
        operation: The API operation whose response ``response`` is.
        response: The fixture.
        model: The botocore service model (Cost Explorer unless given).
        operations: The operations fixtures may be given for.
        name: The seed member, for messages.

    Raises:
        ValueError: not a known operation, or the fixture does not have the API's shape.
    """
    if operation not in operations:
        raise ValueError(f"{name}: {operation!r} is not one of {list(operations)}")
    shape = model.operation_model(operation).output_shape
    if shape is None:  # every operation here has an output
        raise ValueError(f"{name}: {operation} has no output shape")
    report = ParamValidator().validate(response, shape)
    if report.has_errors():
        raise ValueError(f"{name}.{operation} does not match the AWS response shape: {report.generate_report()}")
    _check_enums(response, shape, f"{name}.{operation}")


def _check_enums(value: Any, shape: Any, where: str) -> None:
    """ParamValidator does not check enums; AWS answers only listed values."""
    if shape.type_name == "structure" and isinstance(value, dict):
        for name, member in shape.members.items():
            if name in value:
                _check_enums(value[name], member, f"{where}.{name}")
    elif shape.type_name == "list" and isinstance(value, list):
        for i, item in enumerate(value):
            _check_enums(item, shape.member, f"{where}[{i}]")
    elif shape.type_name == "map" and isinstance(value, dict):
        for key, item in value.items():
            _check_enums(item, shape.value, f"{where}.{key}")
    elif shape.type_name == "string" and shape.enum and value not in shape.enum:
        raise ValueError(f"{where}: {value!r} is not one of {shape.enum}")


class CeFixtureBackend(BaseBackend):
    """One account's Cost Explorer fixtures: operation name -> response."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.fixtures: dict[str, dict[str, Any]] = {}

    def seed(self, fixtures: dict[str, Any]) -> list[str]:
        """Validate and store each given operation's fixture (others are kept); return the operations seeded.

        Raises:
            ValueError: a fixture does not have its operation's response shape.
        """
        for operation, response in fixtures.items():
            validate_fixture(operation, response)
        self.fixtures.update(copy.deepcopy(fixtures))
        return sorted(fixtures)

    def get(self, operation: str) -> dict[str, Any]:
        """A copy of the fixture, or an empty answer when none is seeded (AWS answers empty lists too)."""
        return copy.deepcopy(self.fixtures.get(operation, {}))


ce_fixture_backends: BackendDict[CeFixtureBackend] = BackendDict(
    CeFixtureBackend, "ce", use_boto3_regions=False, additional_regions=PARTITION_NAMES
)


def _whole_month(period: Any, field: str) -> None:
    """GetCostAndUsageComparisons: "The interval must start and end on the first day of a month, with a
    duration of exactly one month."

    Raises:
        ValidationException: it does not.
    """
    try:
        start, end = date.fromisoformat(period["Start"]), date.fromisoformat(period["End"])
    except (TypeError, KeyError, ValueError) as exc:
        raise ValidationException(f"{field} needs Start and End dates (YYYY-MM-DD).") from exc
    following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    if start.day != 1 or end != following:
        raise ValidationException(f"{field} must start on the first day of a month and last exactly one month.")


def _selected(selector: dict[str, Any], expression: dict[str, Any] | None) -> bool:
    """Whether a row's selector (a Dimensions expression) matches the request's Filter."""
    if not expression:
        return True
    dimensions = selector.get("Dimensions") or {}
    values = dimensions.get("Values") or [""]
    item = CostLineItem({str(dimensions.get("Key")): str(values[0])}, Decimal(0), Decimal(0), Decimal(0))
    return expression_matches(expression, item)


def _impact_matches(impact: float, condition: dict[str, Any] | None) -> bool:
    if not condition:
        return True
    start, end = float(condition["StartValue"]), float(condition.get("EndValue") or 0)
    return {
        "EQUAL": impact == start,
        "GREATER_THAN_OR_EQUAL": impact >= start,
        "LESS_THAN_OR_EQUAL": impact <= start,
        "GREATER_THAN": impact > start,
        "LESS_THAN": impact < start,
        "BETWEEN": start <= impact <= end,
    }[str(condition["NumericOperator"])]


class CeInsightsResponse(ExtendedCostExplorerResponse):
    """The extended Cost Explorer handler plus the fixture-backed operations of this module."""

    @property
    def fixtures(self) -> CeFixtureBackend:
        """The calling account's fixtures."""
        return ce_fixture_backends[self.current_account][self.partition]

    def get_anomalies(self) -> str:
        """Emulate ``GetAnomalies``: anomalies ending inside ``DateInterval``, filtered and paged."""
        params = self._params()
        interval = params.get("DateInterval") or {}
        if not interval.get("StartDate"):
            raise ValidationException("DateInterval.StartDate is required.")
        start, end = interval["StartDate"][:10], (interval.get("EndDate") or "9999-12-31")[:10]
        anomalies = [
            a
            for a in self.fixtures.get("GetAnomalies").get("Anomalies", [])
            if start <= a["AnomalyEndDate"][:10] <= end
            and params.get("MonitorArn") in (None, a.get("MonitorArn"))
            and params.get("Feedback") in (None, a.get("Feedback"))
            and _impact_matches(float(a.get("Impact", {}).get("TotalImpact", 0)), params.get("TotalImpact"))
        ]
        page, token = paginate(anomalies, params, "NextPageToken", DEFAULT_PAGE_SIZE)
        return json.dumps({"Anomalies": page, **({"NextPageToken": token} if token else {})})

    def get_anomaly_monitors(self) -> str:
        """Emulate ``GetAnomalyMonitors``: the account's monitors, or those of ``MonitorArnList``, paged."""
        params = self._params()
        wanted = params.get("MonitorArnList")
        monitors = [
            m
            for m in self.fixtures.get("GetAnomalyMonitors").get("AnomalyMonitors", [])
            if not wanted or m.get("MonitorArn") in wanted
        ]
        page, token = paginate(monitors, params, "NextPageToken", DEFAULT_PAGE_SIZE)
        return json.dumps({"AnomalyMonitors": page, **({"NextPageToken": token} if token else {})})

    def _comparison_rows(self, operation: str, rows_key: str, selector_key: str) -> tuple[dict[str, Any], list[Any]]:
        params = self._params()
        _whole_month(params.get("BaselineTimePeriod"), "BaselineTimePeriod")
        _whole_month(params.get("ComparisonTimePeriod"), "ComparisonTimePeriod")
        metric = params.get("MetricForComparison")
        for group in params.get("GroupBy") or []:
            if (group.get("Type"), group.get("Key")) != ("DIMENSION", "SERVICE"):
                raise ValidationException("The local emulator groups comparisons by DIMENSION SERVICE only.")
        rows = []
        for row in self.fixtures.get(operation).get(rows_key, []):
            if not _selected(row.get(selector_key, {}), params.get("Filter")):
                continue
            row["Metrics"] = {k: v for k, v in row.get("Metrics", {}).items() if k == metric}
            for driver in row.get("CostDrivers", []):
                driver["Metrics"] = {k: v for k, v in driver.get("Metrics", {}).items() if k == metric}
            rows.append(row)
        return params, rows

    def get_cost_and_usage_comparisons(self) -> str:
        """Emulate ``GetCostAndUsageComparisons``: the fixture's rows for the metric, their totals, paged."""
        params, rows = self._comparison_rows(
            "GetCostAndUsageComparisons", "CostAndUsageComparisons", "CostAndUsageSelector"
        )
        metric = str(params.get("MetricForComparison"))
        sums = [Decimal(0), Decimal(0)]
        unit = "USD"
        for row in rows:
            value = row["Metrics"].get(metric) or {}
            sums[0] += Decimal(value.get("BaselineTimePeriodAmount", "0"))
            sums[1] += Decimal(value.get("ComparisonTimePeriodAmount", "0"))
            unit = value.get("Unit", unit)
        total = {
            "BaselineTimePeriodAmount": str(sums[0]),
            "ComparisonTimePeriodAmount": str(sums[1]),
            "Difference": str(sums[1] - sums[0]),
            "Unit": unit,
        }
        page, token = paginate(rows, params, "NextPageToken", DEFAULT_PAGE_SIZE)
        response: dict[str, Any] = {"CostAndUsageComparisons": page, "TotalCostAndUsage": {metric: total}}
        return json.dumps({**response, **({"NextPageToken": token} if token else {})})

    def get_cost_comparison_drivers(self) -> str:
        """Emulate ``GetCostComparisonDrivers``: the fixture's drivers for the metric, at most 10 a page."""
        params, rows = self._comparison_rows("GetCostComparisonDrivers", "CostComparisonDrivers", "CostSelector")
        if int(params.get("MaxResults") or MAX_DRIVERS_PAGE) > MAX_DRIVERS_PAGE:
            raise ValidationException(f"MaxResults must be at most {MAX_DRIVERS_PAGE}.")
        page, token = paginate(rows, params, "NextPageToken", MAX_DRIVERS_PAGE)
        return json.dumps({"CostComparisonDrivers": page, **({"NextPageToken": token} if token else {})})

    def get_savings_plans_purchase_recommendation(self) -> str:
        """Emulate ``GetSavingsPlansPurchaseRecommendation`` for the fixture's Savings Plans type."""
        params = self._params()
        missing = [
            k for k in ("SavingsPlansType", "TermInYears", "PaymentOption", "LookbackPeriodInDays") if not params.get(k)
        ]
        if missing:
            raise ValidationException(f"{missing[0]} is required.")
        response = self.fixtures.get("GetSavingsPlansPurchaseRecommendation")
        found = response.get("SavingsPlansPurchaseRecommendation", {})
        details = found.get("SavingsPlansPurchaseRecommendationDetails", [])
        if found.get("SavingsPlansType") != params["SavingsPlansType"]:
            details, found = [], {}
        paging = {**params, "MaxResults": params.get("PageSize") or DEFAULT_PAGE_SIZE}
        page, token = paginate(details, paging, "NextPageToken", DEFAULT_PAGE_SIZE)
        found.update(
            {k: params[k] for k in ("SavingsPlansType", "TermInYears", "PaymentOption", "LookbackPeriodInDays")},
            AccountScope=params.get("AccountScope", "PAYER"),
            SavingsPlansPurchaseRecommendationDetails=page,
        )
        response["SavingsPlansPurchaseRecommendation"] = found
        return json.dumps({**response, **({"NextPageToken": token} if token else {})})

    def get_reservation_purchase_recommendation(self) -> str:
        """Emulate ``GetReservationPurchaseRecommendation``: the fixture's details for the requested Service."""
        params = self._params()
        details_key = RI_SERVICES.get(str(params.get("Service")))
        if details_key is None:
            raise ValidationException(f"Service must be one of {sorted(RI_SERVICES)}.")
        response = self.fixtures.get("GetReservationPurchaseRecommendation")
        groups = []
        for group in response.get("Recommendations", []):
            details = [d for d in group.get("RecommendationDetails", []) if details_key in d.get("InstanceDetails", {})]
            if not details:
                continue
            group.update(
                {k: params[k] for k in ("TermInYears", "PaymentOption", "LookbackPeriodInDays") if params.get(k)},
                AccountScope=params.get("AccountScope", "PAYER"),
                RecommendationDetails=details,
            )
            groups.append(group)
        paging = {**params, "MaxResults": params.get("PageSize") or DEFAULT_PAGE_SIZE}
        page, token = paginate(groups, paging, "NextPageToken", DEFAULT_PAGE_SIZE)
        response["Recommendations"] = page
        return json.dumps({**response, **({"NextPageToken": token} if token else {})})

    def get_rightsizing_recommendation(self) -> str:
        """Emulate ``GetRightsizingRecommendation``: Service must be AmazonEC2; the fixture's instances, paged."""
        params = self._params()
        if params.get("Service") != "AmazonEC2":
            raise ValidationException("The only valid value for Service is AmazonEC2.")
        response = self.fixtures.get("GetRightsizingRecommendation")
        paging = {**params, "MaxResults": params.get("PageSize") or DEFAULT_PAGE_SIZE}
        page, token = paginate(response.get("RightsizingRecommendations", []), paging, "NextPageToken", 100)
        response["RightsizingRecommendations"] = page
        return json.dumps({**response, **({"NextPageToken": token} if token else {})})


def install() -> None:
    """Route Cost Explorer requests to :class:`CeInsightsResponse` (after ``cost_explorer.install``)."""
    ce_urls.url_paths["{0}/$"] = CeInsightsResponse.dispatch
