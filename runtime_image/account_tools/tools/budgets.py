# mypy: disable-error-code="valid-type"
# Parameter types built by account_tools.params are runtime Annotated aliases, which mypy cannot see as types.
"""AWS Budgets: each budget's actual and forecast spend against its limit, and one budget's history.

Both operations need only ``budgets:ViewBudget`` (service authorization reference). What the AWS Budgets
API Reference requires is refused before any call:

- DescribeBudgets: ``AccountId`` (the target account, always); MaxResults 1-1000 (here 1-100).
- DescribeBudgetPerformanceHistory: ``BudgetName`` is required; MaxResults 1-100; "Budget history isn't
  available for ANNUAL budgets" (AWS answers that itself: the budget's time unit is not known here).
"""

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from mcp.server import MCPServer
from pydantic import Field

from account_tools import fanout
from account_tools.errors import ToolFailure
from account_tools.models import Budgets
from account_tools.params import AccountIdParam, NextTokenParam, TargetAccountIdsParam, lenient_int
from account_tools.tools import ToolRuntime, read_only_tool
from account_tools.tools.cost_explorer import amount, parse_date, today

SCOPE = "budgets"
DEFAULT_PAGE = 20
DEFAULT_HISTORY_DAYS = 365


def _money(raw: dict[str, Any] | None) -> dict[str, Any] | None:
    return {"amount": amount(raw.get("Amount")), "unit": raw.get("Unit")} if raw else None


def _percent(part: dict[str, Any] | None, whole: dict[str, Any] | None) -> float | None:
    if not part or not whole or not amount(whole.get("Amount")):
        return None
    return round(100 * amount(part.get("Amount")) / amount(whole.get("Amount")), 1)


def _day(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value)[:10] if value else None


def _budget(raw: dict[str, Any]) -> dict[str, Any]:
    limit = raw.get("BudgetLimit")
    spend = raw.get("CalculatedSpend", {})
    actual, forecast = spend.get("ActualSpend"), spend.get("ForecastedSpend")
    period = raw.get("TimePeriod", {})
    return {
        "name": raw["BudgetName"],
        "budget_type": raw.get("BudgetType"),
        "time_unit": raw.get("TimeUnit"),
        "limit": _money(limit),
        "actual": _money(actual),
        "forecast": _money(forecast),
        "actual_percent_of_limit": _percent(actual, limit),
        "forecast_percent_of_limit": _percent(forecast, limit),
        "period_start": _day(period.get("Start")),
        "period_end": _day(period.get("End")),
    }


def _history_period(raw: dict[str, Any]) -> dict[str, Any]:
    budgeted, actual = raw.get("BudgetedAmount"), raw.get("ActualAmount")
    period = raw.get("TimePeriod", {})
    return {
        "start": _day(period.get("Start")),
        "end": _day(period.get("End")),
        "budgeted": _money(budgeted),
        "actual": _money(actual),
        "actual_percent_of_budget": _percent(actual, budgeted),
    }


def register(server: MCPServer, rt: ToolRuntime) -> None:
    """Add ``get_budgets``."""

    @read_only_tool(server, rt, name="get_budgets", title="Budgets", output=Budgets)
    async def get_budgets(
        kind: Annotated[
            Literal["budgets", "history"], Field(description="budgets (default) or history of budget_name")
        ] = "budgets",
        budget_name: Annotated[str | None, Field(max_length=100, description="history: the budget")] = None,
        start_date: Annotated[str | None, Field(description="history: YYYY-MM-DD, default a year back")] = None,
        end_date: Annotated[str | None, Field(description="history: YYYY-MM-DD, default today")] = None,
        max_results: Annotated[lenient_int(ge=1, le=100), Field(description="per page, 1-100, default 20")] = (
            DEFAULT_PAGE
        ),
        next_token: NextTokenParam = None,
        target_account_id: AccountIdParam = None,
        target_account_ids: TargetAccountIdsParam = None,
    ) -> dict[str, Any]:
        """Budgets: each budget's limit, actual and forecast spend (and % of limit); or one budget's history.

        kind="history" gives budget_name's budgeted vs actual amount per period (not ANNUAL budgets).

        Example: get_budgets(kind="history", budget_name="monthly-total", target_account_id="222222222222")
        """
        fanout.refuse_mixed(target_account_id, target_account_ids, next_token)
        common: dict[str, Any] = {"kind": kind}
        params: dict[str, Any] = {"MaxResults": max_results}
        if next_token:
            params["NextToken"] = next_token
        if kind == "budgets":
            named = [n for n, v in (("budget_name", budget_name), ("start_date", start_date), ("end_date", end_date))
                     if v]  # fmt: skip
            if named:
                raise ToolFailure("invalid_parameter", f"{named[0]}: applies to kind=history only")
            operation = "describe_budgets"
        else:
            if not budget_name:
                raise ToolFailure(
                    "invalid_parameter",
                    "budget_name: DescribeBudgetPerformanceHistory requires BudgetName (AWS Budgets API Reference); "
                    'call get_budgets(kind="budgets") for the names',
                )
            if target_account_ids:
                raise ToolFailure("invalid_parameter", "target_account_ids: kind=history reads one account's budget")
            end = parse_date("end_date", end_date, today())
            start = parse_date("start_date", start_date, end - timedelta(days=DEFAULT_HISTORY_DAYS))
            if start >= end:
                raise ToolFailure("invalid_parameter", "end_date: must be after start_date")
            params["BudgetName"] = budget_name
            params["TimePeriod"] = {
                "Start": datetime.fromisoformat(start.isoformat()),
                "End": datetime.fromisoformat(end.isoformat()),
            }
            common["budget_name"] = budget_name
            operation = "describe_budget_performance_history"

        async def one(account: str) -> dict[str, Any]:
            response = await rt.clients.call(
                "budgets", operation, account_id=account, scope=SCOPE, AccountId=account, **params
            )
            result: dict[str, Any]
            if kind == "budgets":
                result = {"budgets": [_budget(b) for b in response.get("Budgets", [])]}
            else:
                history = response.get("BudgetPerformanceHistory", {})
                result = {
                    "budget_type": history.get("BudgetType"),
                    "time_unit": history.get("TimeUnit"),
                    "history": [_history_period(p) for p in history.get("BudgetedAndActualAmountsList", [])],
                }
            if response.get("NextToken"):
                result["next_token"] = response["NextToken"]
            return result

        return await fanout.answer(
            common,
            one,
            target_account_id=target_account_id,
            target_account_ids=target_account_ids,
            resolve=rt.account,
        )
