# mypy: disable-error-code="valid-type"
# Parameter types built by account_tools.params are runtime Annotated aliases, which mypy cannot see as types.
"""CloudTrail event history: ``lookup_events`` (management events of the last 90 days), of one or several accounts."""

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from mcp.server import MCPServer
from pydantic import Field

from account_tools import fanout
from account_tools.errors import ToolFailure
from account_tools.models import TrailEvents
from account_tools.params import AccountIdParam, LenientBool, NextTokenParam, TargetAccountIdsParam, lenient_int
from account_tools.tools import ToolRuntime, read_only_tool
from account_tools.tools.logs_insights import parse_time

SCOPE = "cloudtrail"
LookupAttributeKey = Literal[
    "EventId", "EventName", "ReadOnly", "Username", "ResourceType", "ResourceName", "EventSource", "AccessKeyId"
]  # fmt: skip
# Fields of the full CloudTrail record worth showing by default (the whole record with include_raw_event).
_RECORD_FIELDS = {
    "awsRegion": "aws_region",
    "sourceIPAddress": "source_ip_address",
    "userAgent": "user_agent",
    "errorCode": "error_code",
    "errorMessage": "error_message",
}


def _iso(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _event(raw: dict[str, Any], *, include_raw: bool) -> dict[str, Any]:
    event: dict[str, Any] = {
        "event_id": raw.get("EventId"),
        "event_name": raw.get("EventName"),
        "event_time": _iso(raw.get("EventTime")),
        "event_source": raw.get("EventSource"),
        "username": raw.get("Username"),
        "read_only": raw.get("ReadOnly") == "true",
        "access_key_id": raw.get("AccessKeyId"),
        "resources": [{"type": r.get("ResourceType"), "name": r.get("ResourceName")} for r in raw.get("Resources", [])],
    }
    try:
        record = json.loads(raw.get("CloudTrailEvent") or "{}")
    except ValueError:
        record = {}
    if isinstance(record, dict):
        identity = record.get("userIdentity") or {}
        if identity.get("arn"):
            event["principal_arn"] = identity["arn"]
        event.update({name: record[key] for key, name in _RECORD_FIELDS.items() if record.get(key) is not None})
        if include_raw:
            event["cloudtrail_event"] = record
    return event


def register(server: MCPServer, rt: ToolRuntime) -> None:
    """Add ``lookup_events``."""

    @read_only_tool(server, rt, name="lookup_events", title="Look up CloudTrail events", output=TrailEvents)
    async def lookup_events(
        attribute_key: Annotated[
            LookupAttributeKey | None,
            Field(description="attribute to filter on; needs attribute_value"),
        ] = None,
        attribute_value: Annotated[
            str | None,
            Field(min_length=1, max_length=2000, description="exact value of attribute_key, e.g. ConsoleLogin"),
        ] = None,
        start_time: Annotated[
            str | None, Field(description="ISO-8601 start (inclusive), e.g. 2026-05-01T00:00:00Z; default 90 days ago")
        ] = None,
        end_time: Annotated[str | None, Field(description="ISO-8601 end (inclusive); default now")] = None,
        max_results: Annotated[lenient_int(ge=1, le=50), Field(description="events per page, 1-50, default 20")] = 20,
        next_token: NextTokenParam = None,
        include_raw_event: Annotated[
            LenientBool, Field(description="add each full CloudTrail record as cloudtrail_event, default false")
        ] = False,
        target_account_id: AccountIdParam = None,
        target_account_ids: TargetAccountIdsParam = None,
    ) -> dict[str, Any]:
        """Look up CloudTrail management events (last 90 days), newest first: who did what, when.

        Filter by one attribute (e.g. EventName, Username) and a time range.

        Example: lookup_events(attribute_key="EventName", attribute_value="ConsoleLogin",
        target_account_id="222222222222")
        """
        fanout.refuse_mixed(target_account_id, target_account_ids, next_token)
        if (attribute_key is None) != (attribute_value is None):
            missing = "attribute_value" if attribute_value is None else "attribute_key"
            raise ToolFailure("invalid_parameter", f"{missing}: attribute_key and attribute_value go together")
        params: dict[str, Any] = {"MaxResults": max_results}
        if attribute_key is not None:
            params["LookupAttributes"] = [{"AttributeKey": attribute_key, "AttributeValue": attribute_value}]
        start = parse_time("start_time", start_time, datetime.min) if start_time else None
        end = parse_time("end_time", end_time, datetime.min) if end_time else None
        if start is not None and end is not None and start > end:
            raise ToolFailure("invalid_parameter", "start_time: must not be after end_time")
        if start is not None:
            params["StartTime"] = start
        if end is not None:
            params["EndTime"] = end
        if next_token:
            params["NextToken"] = next_token

        async def one(account: str) -> dict[str, Any]:
            response = await rt.clients.call("cloudtrail", "lookup_events", account_id=account, scope=SCOPE, **params)
            result: dict[str, Any] = {
                "events": [_event(e, include_raw=include_raw_event is True) for e in response.get("Events", [])]
            }
            if response.get("NextToken"):
                result["next_token"] = response["NextToken"]
            return result

        return await fanout.answer(
            {}, one, target_account_id=target_account_id, target_account_ids=target_account_ids, resolve=rt.account
        )
