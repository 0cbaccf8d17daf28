"""Cost Explorer for moto, from each account's seeded daily rates: the handler that composes its API families.

moto 5.2.5 implements only ``GetCostAndUsage`` (from a queue of canned results, consumed per new request)
and cost categories. :class:`ExtendedCostExplorerResponse` is moto's ``CostExplorerResponse`` plus:

* ``GetCostAndUsage`` / ``GetCostForecast`` (:mod:`local_stack.moto_ext.ce_cost_and_usage`);
* ``GetSavingsPlansCoverage`` / ``GetSavingsPlansUtilization`` / ``GetReservationCoverage`` /
  ``GetReservationUtilization`` (:mod:`local_stack.moto_ext.ce_commitments`);
* ``GetDimensionValues`` (:mod:`local_stack.moto_ext.ce_dimensions`).

They all answer from the calling account's data (:mod:`local_stack.moto_ext.ce_data`: the seed shapes, and the
cost line items derived from them) with the shared periods, paging and filters of
:mod:`local_stack.moto_ext.ce_core`. :mod:`local_stack.moto_ext.ce_fixtures` extends this handler with the
fixture-backed operations, and :mod:`local_stack.moto_ext.ce_discovery` mixes in tags, cost categories,
per-resource cost, usage forecasts and Savings Plans utilization details computed from the same line items.
"""

from __future__ import annotations

from moto.ce import urls as ce_urls

from local_stack.moto_ext.ce_commitments import CommitmentsResponse
from local_stack.moto_ext.ce_cost_and_usage import CostAndUsageResponse
from local_stack.moto_ext.ce_dimensions import DimensionsResponse

__all__ = ["ExtendedCostExplorerResponse", "install"]


class ExtendedCostExplorerResponse(CostAndUsageResponse, CommitmentsResponse, DimensionsResponse):
    """moto's Cost Explorer handler plus cost and usage, forecast, commitments and dimension values."""


def install() -> None:
    """Route Cost Explorer requests to :class:`ExtendedCostExplorerResponse` (idempotent; before the server starts)."""
    ce_urls.url_paths["{0}/$"] = ExtendedCostExplorerResponse.dispatch
