"""``POST /moto-api/local/seed``: load one account's demo data into the running emulator over HTTP.

Modelled on moto's ``POST /moto-api/static/ce/cost-and-usage-results``; a separate process (the local stack,
a test) seeds accounts without sharing memory with the emulator.

Request body (JSON object; every member except ``account_id`` is optional)::

    {
      "account_id": "222222222222",            # 12 digits, required
      "region": "us-east-1",                   # CloudTrail region; default us-east-1
      "cloudtrail_events": [                   # replaces the region's event history
        {"EventName": "RunInstances", "EventSource": "ec2.amazonaws.com",
         "EventTime": "2024-05-01T10:00:00Z",  # ISO 8601 or epoch seconds
         "EventId"?: "...", "Username"?: "alice", "ReadOnly"?: false, "AccessKeyId"?: "AKIA...",
         "Resources"?: [{"ResourceType": "AWS::EC2::Instance", "ResourceName": "i-0abc"}],
         "CloudTrailEvent"?: {...},            # full record; synthesised from the other fields if omitted
         "AwsRegion"?, "SourceIPAddress"?, "UserAgent"?, "RequestParameters"?, "ErrorCode"?, "ErrorMessage"?,
         "UserIdentityType"?: "IAMUser" | "AssumedRole" | "Root"}
      ],
      "event_data_stores": [                   # replaces the region's CloudTrail Lake event data stores
        {"Name": "audit-trail-lake", "EventDataStoreId"?: "<uuid>", "MultiRegionEnabled"?: true,
         "OrganizationEnabled"?: false, "RetentionPeriod"?: 2557, "TerminationProtectionEnabled"?: true,
         "Status"?: "ENABLED", "AdvancedEventSelectors"?: [...]}
      ],
      "savings_plans": {...},                  # Cost Explorer sections, account-wide (see cost_explorer.py)
      "reservations": {...},
      "cost_forecast": {...},
      "dimension_values": {"SERVICE": ["Amazon Simple Storage Service", ...], ...},
      "cost_and_usage_results": [{...}],       # appended to moto's own GetCostAndUsage result queue
      "ce_fixtures": {"GetAnomalies": {...}, ...}, # AWS responses, checked against botocore's output shapes
                                               # (see ce_fixtures.py)
      "budget_fixtures": {"DescribeBudgets": {...}, "DescribeBudgetPerformanceHistory": {...}}  # (budgets.py)
    }

Each given section *replaces* what that account (and region, for CloudTrail) had, so seeding is idempotent.

Responses:
    201 with ``{"account_id", "region", "cloudtrail_events": <count>, "event_data_stores":
    [{"Name", "EventDataStoreArn", "EventDataStoreId"}], "cost_explorer": [<sections seeded>],
    "cost_and_usage_results": <count>, "ce_fixtures": [<operations seeded>], "budget_fixtures": [<operations>]}``;
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
from local_stack.moto_ext.ce_fixtures import ce_fixture_backends
from local_stack.moto_ext.cloudtrail import cloudtrail_data_backends
from local_stack.moto_ext.cost_explorer import ce_data_backends

SEED_PATH = "/moto-api/local/seed"
DEFAULT_REGION = "us-east-1"
CE_SECTIONS = ("savings_plans", "reservations", "cost_forecast", "dimension_values")
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

    trail = cloudtrail_data_backends[account_id][region]
    if body.get("cloudtrail_events") is not None:
        summary["cloudtrail_events"] = trail.seed_events(_list(body, "cloudtrail_events"))
    if body.get("event_data_stores") is not None:
        stores = trail.seed_event_data_stores(_list(body, "event_data_stores"))
        summary["event_data_stores"] = [
            {"Name": s.name, "EventDataStoreArn": s.arn, "EventDataStoreId": s.store_id} for s in stores
        ]

    sections = {name: body[name] for name in CE_SECTIONS if body.get(name) is not None}
    for name, section in sections.items():
        if not isinstance(section, dict):
            raise ValueError(f"{name} must be an object")
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
