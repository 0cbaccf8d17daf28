"""CloudTrail ``LookupEvents`` for moto from declarative, per-account, per-region event fixtures.

moto 5.2.5 implements trails, selectors and tags but no event history. A region's history is seeded with
``"cloudtrail_events": [<Event>, ...]`` in the ``POST /moto-api/local/seed`` body: the ``Events`` members of
the LookupEvents response exactly as AWS shapes them (``CloudTrailEvent`` is the CloudTrail record as a JSON
string), checked against botocore's output shape when seeded; a fixture that drifts is refused with the path
of the first mismatch. Code runs only where the answer depends on the request
(https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html):

* one LookupAttributes entry of the eight AWS keys, exact match (``ResourceType``/``ResourceName`` match any of
  the event's ``Resources``); StartTime/EndTime inclusive; newest events first;
* MaxResults 1-50 (default 50) and a NextToken bound to the request's filters;
* ``EventCategory=insight`` answers an empty list (no Insights events are seeded).

State lives in :data:`event_history_backends`, a moto ``BackendDict`` keyed ``[account_id][region]``, so
``POST /moto-api/reset`` clears it. The account is moto's ``current_account``: the account that the access key
of the request belongs to (an assumed role's keys act in the role's account).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import botocore.session
from moto.cloudtrail import urls as cloudtrail_urls
from moto.cloudtrail.responses import CloudTrailResponse
from moto.core.base_backend import BackendDict, BaseBackend

from local_stack.moto_ext.ce_fixtures import validate_fixture
from local_stack.moto_ext.common import decode_token, encode_token, parse_timestamp
from local_stack.moto_ext.exceptions import (
    InvalidEventCategoryException,
    InvalidLookupAttributesException,
    InvalidMaxResultsException,
    InvalidTimeRangeException,
)

MODEL = botocore.session.get_session().get_service_model("cloudtrail")
LOOKUP_ATTRIBUTE_KEYS = (
    "EventId",
    "EventName",
    "ReadOnly",
    "Username",
    "ResourceType",
    "ResourceName",
    "EventSource",
    "AccessKeyId",
)
LOOKUP_MAX_RESULTS_LIMIT = 50
#: Members AWS returns for every management event; the filters and CloudTrail Lake read them.
REQUIRED_EVENT_MEMBERS = ("EventId", "EventName", "ReadOnly", "EventTime", "EventSource", "CloudTrailEvent")
#: An Event member and the CloudTrail record field that must say the same.
_RECORD_MIRRORS = (("EventId", "eventID"), ("EventName", "eventName"), ("EventSource", "eventSource"))


@dataclass(frozen=True)
class SeededEvent:
    """A seeded ``Event`` as LookupEvents returns it, with its time and its parsed CloudTrail record."""

    event: dict[str, Any]
    time: datetime
    record: dict[str, Any]

    def attribute_values(self, key: str) -> list[str]:
        """The values LookupAttributes key ``key`` matches against."""
        if key in ("ResourceType", "ResourceName"):
            return [str(r.get(key)) for r in self.event.get("Resources", [])]
        return [self.event[key]] if key in self.event else []

    def to_json(self) -> dict[str, Any]:
        """The ``Event`` with ``EventTime`` as the JSON protocol sends it (epoch seconds)."""
        return {**self.event, "EventTime": self.time.timestamp()}


def validate_events(events: Any, name: str = "cloudtrail_events") -> list[SeededEvent]:
    """Check events against LookupEvents' ``Events`` shape and return them, newest first.

    Raises:
        ValueError: the path of the first mismatch: a botocore shape error, a missing member AWS always
            returns, ``ReadOnly`` other than "true"/"false", or a ``CloudTrailEvent`` that is not a JSON object
            agreeing with the event.
    """
    validate_fixture("LookupEvents", {"Events": events}, model=MODEL, operations=("LookupEvents",), name=name)
    seeded = []
    for i, event in enumerate(events):
        where = f"{name}.LookupEvents.Events[{i}]"
        missing = [member for member in REQUIRED_EVENT_MEMBERS if member not in event]
        if missing:
            raise ValueError(f"{where}: missing {missing[0]} (AWS returns {', '.join(REQUIRED_EVENT_MEMBERS)})")
        if event["ReadOnly"] not in ("true", "false"):
            raise ValueError(f"{where}.ReadOnly: {event['ReadOnly']!r} is not 'true' or 'false'")
        try:
            time = parse_timestamp(event["EventTime"])
        except ValueError as exc:
            raise ValueError(f"{where}.EventTime: {exc}") from exc
        try:
            record = json.loads(event["CloudTrailEvent"])
        except ValueError:
            record = None
        if not isinstance(record, dict):
            raise ValueError(f"{where}.CloudTrailEvent: not a JSON object (the CloudTrail record)")
        for member, field in _RECORD_MIRRORS:
            if record.get(field) != event[member]:
                raise ValueError(f"{where}.CloudTrailEvent.{field}: {record.get(field)!r} is not {member}")
        seeded.append(SeededEvent(copy.deepcopy(event), time, record))
    return sorted(seeded, key=lambda e: (e.time, e.event["EventId"]), reverse=True)


class EventHistoryBackend(BaseBackend):
    """The seeded event history of one account in one region, newest first."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.events: list[SeededEvent] = []

    def seed(self, events: Any) -> int:
        """Validate and store ``events``, replacing the region's history; return how many were stored.

        Raises:
            ValueError: see :func:`validate_events`.
        """
        self.events = validate_events(events)
        return len(self.events)


event_history_backends: BackendDict[EventHistoryBackend] = BackendDict(EventHistoryBackend, "cloudtrail")


def max_results_param(value: Any, limit: int) -> int:
    """Validate a MaxResults-style parameter; ``limit`` is also the default.

    Raises:
        InvalidMaxResultsException: not an integer in 1..limit.
    """
    if value is None:
        return limit
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= limit:
        raise InvalidMaxResultsException(f"MaxResults must be between 1 and {limit}, got {value!r}.")
    return value


class EventHistoryResponse(CloudTrailResponse):
    """moto's CloudTrail handler plus ``LookupEvents``."""

    def _params(self) -> dict[str, Any]:
        body = json.loads(self.body or "{}")
        return body if isinstance(body, dict) else {}

    def lookup_events(self) -> str:
        """Emulate ``LookupEvents``: see the module docstring for the behaviour."""
        params = self._params()
        attributes = params.get("LookupAttributes") or []
        if len(attributes) > 1:
            raise InvalidLookupAttributesException("LookupAttributes accepts only one attribute.")
        for attribute in attributes:
            if attribute.get("AttributeKey") not in LOOKUP_ATTRIBUTE_KEYS:
                raise InvalidLookupAttributesException(
                    f"Invalid AttributeKey {attribute.get('AttributeKey')!r}; valid keys: "
                    + ", ".join(LOOKUP_ATTRIBUTE_KEYS)
                )
            if not attribute.get("AttributeValue"):
                raise InvalidLookupAttributesException("AttributeValue must not be empty.")
        category = params.get("EventCategory")
        if category is not None and category != "insight":
            raise InvalidEventCategoryException(f"Invalid EventCategory {category!r}; the only value is 'insight'.")
        try:
            start = None if params.get("StartTime") is None else parse_timestamp(params["StartTime"])
            end = None if params.get("EndTime") is None else parse_timestamp(params["EndTime"])
        except ValueError as exc:
            raise InvalidTimeRangeException(str(exc)) from exc
        if start is not None and end is not None and start > end:
            raise InvalidTimeRangeException("StartTime must be before EndTime.")
        max_results = max_results_param(params.get("MaxResults"), LOOKUP_MAX_RESULTS_LIMIT)
        token_scope = {k: params.get(k) for k in ("LookupAttributes", "StartTime", "EndTime", "EventCategory")}
        offset = decode_token(params.get("NextToken"), token_scope)
        if category == "insight":
            return json.dumps({"Events": []})
        attribute = attributes[0] if attributes else None
        matching = [
            event
            for event in event_history_backends[self.current_account][self.region].events
            if (start is None or event.time >= start)
            and (end is None or event.time <= end)
            and (attribute is None or attribute["AttributeValue"] in event.attribute_values(attribute["AttributeKey"]))
        ]
        response: dict[str, Any] = {"Events": [e.to_json() for e in matching[offset : offset + max_results]]}
        if offset + max_results < len(matching):
            response["NextToken"] = encode_token(offset + max_results, token_scope)
        return json.dumps(response)


def install() -> None:
    """Route CloudTrail requests to :class:`EventHistoryResponse` (idempotent; before the server starts)."""
    cloudtrail_urls.url_paths["{0}/$"] = EventHistoryResponse.dispatch
