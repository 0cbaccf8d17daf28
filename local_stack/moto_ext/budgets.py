"""AWS Budgets: moto answers ``DescribeBudgets``; ``DescribeBudgetPerformanceHistory`` comes from a fixture.

Seeded with ``"budget_fixtures": {"DescribeBudgets": <response>, "DescribeBudgetPerformanceHistory":
<response>}`` in the ``POST /moto-api/local/seed`` body; each is checked against botocore's output shape of its
operation (as the Cost Explorer fixtures are). The ``DescribeBudgets`` fixture's budgets are created in moto's
own budgets backend (replacing the account's budgets), so moto answers ``DescribeBudgets`` itself. Code runs
only where the answer depends on the request: the history answers the fixture's budget (``NotFoundException``
for a budget moto does not have, an empty history for another one), its periods inside ``TimePeriod``, paged.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import botocore.session
from moto.budgets import urls as budgets_urls
from moto.budgets.exceptions import NotFoundException
from moto.budgets.models import budgets_backends
from moto.budgets.responses import BudgetsResponse
from moto.core.base_backend import BackendDict, BaseBackend
from moto.utilities.utils import PARTITION_NAMES

from local_stack.moto_ext.ce_core import paginate
from local_stack.moto_ext.ce_fixtures import validate_fixture

OPERATIONS = ("DescribeBudgets", "DescribeBudgetPerformanceHistory")
DEFAULT_PAGE_SIZE = 100
_MODEL = botocore.session.get_session().get_service_model("budgets")


class BudgetHistoryBackend(BaseBackend):
    """One account's budget performance history fixture."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.history: dict[str, Any] = {}


budget_history_backends: BackendDict[BudgetHistoryBackend] = BackendDict(
    BudgetHistoryBackend, "budgets", use_boto3_regions=False, additional_regions=PARTITION_NAMES
)


def seed_budgets(account_id: str, fixtures: dict[str, Any]) -> list[str]:
    """Validate the fixtures, load the budgets into moto and keep the history; return the operations seeded.

    Raises:
        ValueError: a fixture does not have its operation's response shape.
    """
    for operation, response in fixtures.items():
        validate_fixture(operation, response, model=_MODEL, operations=OPERATIONS, name="budget_fixtures")
    if "DescribeBudgets" in fixtures:
        backend = budgets_backends[account_id]["aws"]
        backend.budgets[account_id].clear()
        for budget in copy.deepcopy(fixtures["DescribeBudgets"].get("Budgets", [])):
            backend.create_budget(account_id=account_id, budget=budget, notifications=[])
    if "DescribeBudgetPerformanceHistory" in fixtures:
        budget_history_backends[account_id]["aws"].history = copy.deepcopy(fixtures["DescribeBudgetPerformanceHistory"])
    return sorted(fixtures)


def _instant(value: Any) -> datetime:
    """A timestamp as the JSON protocol sends it (epoch seconds) or as a fixture holds it (ISO 8601)."""
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class ExtendedBudgetsResponse(BudgetsResponse):
    """moto's budgets handler plus ``DescribeBudgetPerformanceHistory``."""

    def describe_budget_performance_history(self) -> str:
        """Emulate ``DescribeBudgetPerformanceHistory`` from the calling account's fixture."""
        account_id = self._get_param("AccountId")
        name = self._get_param("BudgetName")
        budget = self.backend.describe_budget(account_id=account_id, budget_name=name)  # NotFoundException
        fixture = copy.deepcopy(budget_history_backends[self.current_account][self.partition].history)
        history = fixture.get("BudgetPerformanceHistory") or {}
        periods = history.get("BudgetedAndActualAmountsList", []) if history.get("BudgetName") == name else []
        window = self._get_param("TimePeriod") or {}
        if window.get("Start"):
            periods = [p for p in periods if _instant(p["TimePeriod"]["End"]) > _instant(window["Start"])]
        if window.get("End"):
            periods = [p for p in periods if _instant(p["TimePeriod"]["Start"]) < _instant(window["End"])]
        params = {"MaxResults": self._get_param("MaxResults"), "NextToken": self._get_param("NextToken")}
        page, token = paginate(periods, params, "NextToken", DEFAULT_PAGE_SIZE)
        answer = {
            "BudgetName": name,
            "BudgetType": budget.get("BudgetType"),
            "TimeUnit": budget.get("TimeUnit"),
            "BudgetedAndActualAmountsList": page,
        }
        return json.dumps({"BudgetPerformanceHistory": answer, **({"NextToken": token} if token else {})})


def install() -> None:
    """Route budgets requests to :class:`ExtendedBudgetsResponse`."""
    for path in list(budgets_urls.url_paths):
        budgets_urls.url_paths[path] = ExtendedBudgetsResponse.dispatch


__all__ = ["NotFoundException", "install", "seed_budgets"]
