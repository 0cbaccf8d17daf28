"""``POST /moto-api/local/seed``: load one account's demo data into the running emulator over HTTP.

Modelled on moto's ``POST /moto-api/static/ce/cost-and-usage-results``; a separate process (the local stack,
a test) seeds accounts without sharing memory with the emulator.

Request body (JSON object; every member except ``account_id`` is optional)::

    {
      "account_id": "222222222222",            # 12 digits, required
      "region": "us-east-1",                   # CloudTrail region; default us-east-1
      "cloudtrail_events": [<Event>, ...],     # LookupEvents' Events as AWS shapes them, checked against botocore
                                               # (EventId, EventName, ReadOnly, EventTime, EventSource and
                                               # CloudTrailEvent, the record as a JSON string, are required);
                                               # replaces the region's history (cloudtrail_events.py)
      "event_data_stores": [<EventDataStore>, ...],  # ListEventDataStores' EventDataStores, checked likewise
                                               # (EventDataStoreArn of this account and region, Name required);
                                               # replaces the region's Lake stores (cloudtrail_lake.py)
      "savings_plans": {...},                  # Cost Explorer sections, account-wide (see ce_data.py)
      "reservations": {...},
      "cost_forecast": {...},
      "dimension_values": {"LINKED_ACCOUNT": [{"Value": ..., "Attributes": {...}}]},  # GetDimensionValues'
                                               # DimensionValues the line items lack, checked against botocore
      "services": {"<SERVICE>": {"dimensions": {...}, "tags": {...}, "usage_unit": "Hrs", "resources": [...]}},
      "cost_categories": [<CreateCostCategoryDefinition request>, ...],  # replace the account's (ce_discovery.py)
      "savingsplans_fixtures": {"DescribeSavingsPlans": {...}},  # the account's Savings Plans (savingsplans.py)
      "cost_and_usage_results": [{...}],       # appended to moto's own GetCostAndUsage result queue
      "ce_fixtures": {"GetAnomalies": {...}, ...}, # AWS responses, checked against botocore's output shapes
                                               # (see ce_fixtures.py)
      "budget_fixtures": {"DescribeBudgets": {...}, "DescribeBudgetPerformanceHistory": {...}},  # (budgets.py)
      "cloudwatch": {"PutMetricData": [<request>], "PutMetricAlarm": [<request>], "SetAlarmState": [<request>],
                     "DescribeAlarmHistory": <response>},  # the region's metrics, alarms, history (cloudwatch.py)
      "optimization_fixtures": {"cost-optimization-hub": {"ListRecommendations": {...}, "GetRecommendation": [...]},
                                "compute-optimizer": {"GetEC2InstanceRecommendations": {...}, ...}}
                                               # a service left out: not opted in (optimization.py)
    }

Each given section *replaces* what that account (and region, for CloudTrail) had, so seeding is idempotent.

Responses:
    201 with ``{"account_id", "region", "cloudtrail_events": <count>, "event_data_stores":
    [{"Name", "EventDataStoreArn", "EventDataStoreId"}], "cost_explorer": [<sections seeded>],
    "cost_and_usage_results": <count>, "ce_fixtures": [<operations seeded>], "budget_fixtures": [<operations>],
    "optimization_fixtures": {<service>: [<operations>]}, "cloudwatch": {<operation>: <count>}}``;
    400 with ``{"message": ...}`` for a malformed body.
"""

from __future__ import annotations

import json
import re
from typing import Any

from moto.core.common_types import TYPE_RESPONSE
from moto.moto_api._internal import urls as moto_api_urls
from moto.moto_api._internal.models import moto_api_backend
from moto.moto_api._internal.responses import MotoAPIResponse

from local_stack.moto_ext.budgets import seed_budgets
from local_stack.moto_ext.ce_data import ce_data_backends
from local_stack.moto_ext.ce_discovery import seed_cost_categories
from local_stack.moto_ext.ce_fixtures import ce_fixture_backends, validate_fixture
from local_stack.moto_ext.cloudtrail_events import event_history_backends
from local_stack.moto_ext.cloudtrail_lake import lake_backends
from local_stack.moto_ext.cloudwatch import seed_cloudwatch
from local_stack.moto_ext.optimization import seed_optimization
from local_stack.moto_ext.savingsplans import seed_savings_plans

SEED_PATH = "/moto-api/local/seed"
DEFAULT_REGION = "us-east-1"
CE_SECTIONS = ("savings_plans", "reservations", "cost_forecast", "dimension_values", "services")
_ACCOUNT_ID_RE = re.compile(r"^\d{12}$")
_REGION_RE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
_JSON_HEADERS = {"Content-Type": "application/json"}


def apply_seed(body: dict[str, Any]) -> dict[str, Any]:
    """Store one account's seed data in the emulator's backends and return a summary.

    Args:
        body: the request body described in the module docstring.

    Returns:
        The 201 response body described in the module docstring.

    Raises:
        ValueError: the body is malformed (the message says which member).
    """
    account_id = str(body.get("account_id", ""))
    if not _ACCOUNT_ID_RE.match(account_id):
        raise ValueError(f"account_id must be 12 digits, got {account_id!r}")
    region = str(body.get("region") or DEFAULT_REGION)
    if not _REGION_RE.match(region):
        raise ValueError(f"region is not a region name: {region!r}")
    summary: dict[str, Any] = {"account_id": account_id, "region": region}

    if body.get("cloudtrail_events") is not None:
        summary["cloudtrail_events"] = event_history_backends[account_id][region].seed(body["cloudtrail_events"])
    if body.get("event_data_stores") is not None:
        summary["event_data_stores"] = lake_backends[account_id][region].seed(body["event_data_stores"])

    sections = {name: body[name] for name in CE_SECTIONS if body.get(name) is not None}
    for name, section in sections.items():
        if not isinstance(section, dict):
            raise ValueError(f"{name} must be an object")
    for dimension, values in sections.get("dimension_values", {}).items():
        listed = {"DimensionValues": values, "ReturnSize": len(values), "TotalSize": len(values)}
        validate_fixture(
            "GetDimensionValues", listed, operations=("GetDimensionValues",), name=f"dimension_values.{dimension}"
        )
    if sections:
        ce_data_backends[account_id]["aws"].seed(**sections)
        summary["cost_explorer"] = sorted(sections)

    if body.get("ce_fixtures") is not None:
        if not isinstance(body["ce_fixtures"], dict):
            raise ValueError("ce_fixtures must be an object: operation -> response")
        summary["ce_fixtures"] = ce_fixture_backends[account_id]["aws"].seed(body["ce_fixtures"])

    if body.get("budget_fixtures") is not None:
        if not isinstance(body["budget_fixtures"], dict):
            raise ValueError("budget_fixtures must be an object: operation -> response")
        summary["budget_fixtures"] = seed_budgets(account_id, body["budget_fixtures"])

    if body.get("cost_categories") is not None:
        summary["cost_categories"] = seed_cost_categories(account_id, _list(body, "cost_categories"))

    if body.get("savingsplans_fixtures") is not None:
        if not isinstance(body["savingsplans_fixtures"], dict):
            raise ValueError("savingsplans_fixtures must be an object: operation -> response")
        summary["savingsplans_fixtures"] = seed_savings_plans(account_id, body["savingsplans_fixtures"])

    if body.get("cloudwatch") is not None:
        if not isinstance(body["cloudwatch"], dict):
            raise ValueError("cloudwatch must be an object: operation -> requests (or the history response)")
        summary["cloudwatch"] = seed_cloudwatch(account_id, region, body["cloudwatch"])

    if body.get("optimization_fixtures") is not None:
        if not isinstance(body["optimization_fixtures"], dict):
            raise ValueError("optimization_fixtures must be an object: service -> operation -> response")
        summary["optimization_fixtures"] = seed_optimization(account_id, body["optimization_fixtures"])

    if body.get("cost_and_usage_results") is not None:
        results = _list(body, "cost_and_usage_results")
        for result in results:
            moto_api_backend.set_ce_cost_usage(result=result, account_id=account_id)
        summary["cost_and_usage_results"] = len(results)
    return summary


def _list(body: dict[str, Any], name: str) -> list[dict[str, Any]]:
    value = body[name]
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ValueError(f"{name} must be a list of objects")
    return value


def seed_response(request: Any, full_url: str, headers: Any) -> TYPE_RESPONSE:
    """moto URL handler for ``POST /moto-api/local/seed`` (see the module docstring)."""
    if request.method != "POST":
        return 405, _JSON_HEADERS, json.dumps({"message": "use POST"})
    try:
        body = MotoAPIResponse()._get_body(headers, request)
        if not isinstance(body, dict):
            raise ValueError("the body must be a JSON object")
        summary = apply_seed(body)
    except (ValueError, KeyError, TypeError) as exc:
        return 400, _JSON_HEADERS, json.dumps({"message": f"invalid seed: {exc}"})
    return 201, _JSON_HEADERS, json.dumps(summary)


def install() -> None:
    """Register the seed endpoint with moto's ``/moto-api`` routes (idempotent; before the server starts)."""
    moto_api_urls.url_paths["{0}" + SEED_PATH] = seed_response
