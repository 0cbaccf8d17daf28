"""In-process extensions of the moto AWS emulator for the APIs the tools need and moto lacks.

Call :func:`install` in the emulator process before ``ThreadedMotoServer(...).start()``. It adds:

* CloudTrail ``LookupEvents`` and CloudTrail Lake ``ListEventDataStores`` / ``StartQuery`` /
  ``DescribeQuery`` / ``GetQueryResults`` (:mod:`local_stack.moto_ext.cloudtrail`);
* Cost Explorer ``GetSavingsPlansCoverage`` / ``GetSavingsPlansUtilization`` / ``GetReservationCoverage`` /
  ``GetReservationUtilization`` / ``GetCostForecast`` / ``GetDimensionValues``
  (:mod:`local_stack.moto_ext.cost_explorer`);
* Cost Explorer ``GetAnomalies`` / ``GetAnomalyMonitors`` / ``GetCostAndUsageComparisons`` /
  ``GetCostComparisonDrivers`` / ``GetSavingsPlansPurchaseRecommendation`` /
  ``GetReservationPurchaseRecommendation`` / ``GetRightsizingRecommendation`` from per-account fixtures checked
  against botocore's output shapes (:mod:`local_stack.moto_ext.ce_fixtures`);
* AWS Budgets ``DescribeBudgetPerformanceHistory`` from a fixture; budgets seeded into moto's own backend,
  which answers ``DescribeBudgets`` (:mod:`local_stack.moto_ext.budgets`);
* ``POST /moto-api/local/seed`` to load per-account data over HTTP (:mod:`local_stack.moto_ext.seed`).

Every API answers from the data of the account that signed the request (moto's ``current_account``), so
credentials from ``sts:AssumeRole`` into ``arn:aws:iam::222222222222:role/...`` see only 222222222222's data.
The patches only replace the handlers in moto's ``urls.url_paths`` tables with subclasses of moto's own
response classes, which moto reads when the server builds a service's Flask app on its first request.
"""

from __future__ import annotations

import threading

from local_stack.moto_ext import budgets, ce_fixtures, cloudtrail, cost_explorer, seed

__all__ = ["install"]

_install_lock = threading.Lock()
_installed = False


def install() -> None:
    """Patch moto in this process (idempotent). Call before the moto server handles its first request."""
    global _installed
    with _install_lock:
        if _installed:
            return
        cloudtrail.install()
        cost_explorer.install()
        ce_fixtures.install()  # extends cost_explorer's handler, so after it
        budgets.install()
        seed.install()
        _installed = True
