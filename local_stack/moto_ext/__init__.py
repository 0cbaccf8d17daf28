"""In-process extensions of the moto AWS emulator for the APIs the tools need and moto lacks.

Call :func:`install` in the emulator process before ``ThreadedMotoServer(...).start()``. It adds:

* CloudTrail ``LookupEvents`` from per-account event fixtures checked against botocore's output shapes
  (:mod:`local_stack.moto_ext.cloudtrail_events`), and CloudTrail Lake ``ListEventDataStores`` (fixtures) /
  ``StartQuery`` / ``DescribeQuery`` / ``GetQueryResults`` over those events
  (:mod:`local_stack.moto_ext.cloudtrail_lake`);
* Cost Explorer ``GetCostAndUsage`` / ``GetCostForecast`` (:mod:`local_stack.moto_ext.ce_cost_and_usage`),
  ``GetSavingsPlansCoverage`` / ``GetSavingsPlansUtilization`` / ``GetReservationCoverage`` /
  ``GetReservationUtilization`` (:mod:`local_stack.moto_ext.ce_commitments`) and ``GetDimensionValues``
  (:mod:`local_stack.moto_ext.ce_dimensions`), from each account's line items (:mod:`local_stack.moto_ext.ce_data`),
  composed into one handler by :mod:`local_stack.moto_ext.cost_explorer`;
* Cost Explorer ``GetAnomalies`` / ``GetAnomalyMonitors`` / ``GetCostAndUsageComparisons`` /
  ``GetCostComparisonDrivers`` / ``GetSavingsPlansPurchaseRecommendation`` /
  ``GetReservationPurchaseRecommendation`` / ``GetRightsizingRecommendation`` from per-account fixtures checked
  against botocore's output shapes (:mod:`local_stack.moto_ext.ce_fixtures`);
* AWS Budgets ``DescribeBudgetPerformanceHistory`` from a fixture; budgets seeded into moto's own backend,
  which answers ``DescribeBudgets`` (:mod:`local_stack.moto_ext.budgets`);
* CloudWatch Logs ``StopQuery``, and Logs Insights queries that run for a time that grows with their window
  (:mod:`local_stack.moto_ext.logs`);
* Cost Optimization Hub ``ListRecommendations`` / ``GetRecommendation`` and Compute Optimizer
  ``Get{EC2Instance,AutoScalingGroup,EBSVolume,LambdaFunction}Recommendations``, two services moto lacks, from
  per-account fixtures (an account without them is not opted in) (:mod:`local_stack.moto_ext.optimization`);
* CloudWatch ``DescribeAlarmHistory`` from a fixture; metrics and alarms seeded into moto's own backend, which
  answers ``GetMetricData`` / ``ListMetrics`` / ``DescribeAlarms`` (paged and filtered as AWS does)
  (:mod:`local_stack.moto_ext.cloudwatch`);
* Cost Explorer ``GetTags`` / ``GetCostCategories`` / ``GetCostAndUsageWithResources`` / ``GetUsageForecast`` /
  ``GetSavingsPlansUtilizationDetails``, computed from the account's line items, cost categories and Savings
  Plans (:mod:`local_stack.moto_ext.ce_discovery`), and Savings Plans ``DescribeSavingsPlans``, a service moto
  lacks, from per-account fixtures (:mod:`local_stack.moto_ext.savingsplans`);
* ``POST /moto-api/local/seed`` to load per-account data over HTTP (:mod:`local_stack.moto_ext.seed`).

Every API answers from the data of the account that signed the request (moto's ``current_account``), so
credentials from ``sts:AssumeRole`` into ``arn:aws:iam::222222222222:role/...`` see only 222222222222's data.
The patches only replace the handlers in moto's ``urls.url_paths`` tables with subclasses of moto's own
response classes, which moto reads when the server builds a service's Flask app on its first request.
"""

from __future__ import annotations

import threading

from local_stack.moto_ext import (
    budgets,
    ce_discovery,
    ce_fixtures,
    cloudtrail_events,
    cloudtrail_lake,
    cloudwatch,
    cost_explorer,
    logs,
    optimization,
    savingsplans,
    seed,
)

__all__ = ["install"]

_install_lock = threading.Lock()
_installed = False


def install() -> None:
    """Patch moto in this process (idempotent). Call before the moto server handles its first request."""
    global _installed
    with _install_lock:
        if _installed:
            return
        cloudtrail_events.install()
        cloudtrail_lake.install()  # extends cloudtrail_events' handler, so after it
        cost_explorer.install()
        ce_fixtures.install()  # extends cost_explorer's handler, so after it
        ce_discovery.install()  # mixed into the installed handler, so after both
        budgets.install()
        cloudwatch.install()
        logs.install()
        optimization.install()
        savingsplans.install()
        seed.install()
        _installed = True
