"""CloudTrail ``LookupEvents`` and CloudTrail Lake for moto, backed by per-account, per-region seeded data.

moto 5.2.5 implements trails, selectors and tags but none of event history or Lake. This module adds, on a
subclass of moto's ``CloudTrailResponse``:

* ``LookupEvents``: one LookupAttributes entry (the eight AWS keys, exact match), StartTime/EndTime
  (inclusive), MaxResults 1-50 (default 50), NextToken bound to the request's filters, newest events first,
  ``EventCategory=insight`` answers an empty list (no Insights events are seeded).
* CloudTrail Lake ``ListEventDataStores`` (MaxResults 1-1000, NextToken), ``StartQuery``, ``DescribeQuery`` and
  ``GetQueryResults`` (MaxQueryResults 1-1000, NextToken). Queries run synchronously at ``StartQuery``, so
  ``DescribeQuery`` reports ``FINISHED`` (or ``FAILED`` with an ``ErrorMessage`` for an unknown column, as Lake
  does at run time). The query engine is deliberately small and honest: it accepts only::

      SELECT <* | column[, column...]> FROM <event data store ID or ARN>
        [WHERE <column> <op> <literal> [AND ...]] [ORDER BY <column> [ASC|DESC]] [LIMIT <n>]

  where ``op`` is one of ``= != <> < <= > >=``, a literal is ``'quoted text'``, ``true``/``false`` or a number,
  and a column is a CloudTrail record field (``eventName``) or a dotted path into one
  (``userIdentity.arn``). Anything else raises ``InvalidQueryStatementException``. A FROM naming an event
  data store that is not in the caller's account and region raises ``EventDataStoreNotFoundException``. A
  store with ``MultiRegionEnabled`` covers the account's events in every region; otherwise only its own.

State lives in :data:`cloudtrail_data_backends`, a moto ``BackendDict`` keyed ``[account_id][region]``, so
``POST /moto-api/reset`` clears it with everything else. The account is moto's ``current_account``: the
account that the access key of the request belongs to (an assumed role's keys act in the role's account).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from moto.cloudtrail import urls as cloudtrail_urls
from moto.cloudtrail.responses import CloudTrailResponse
from moto.core.base_backend import BackendDict, BaseBackend
from moto.moto_api._internal import mock_random

from local_stack.moto_ext.common import decode_token, encode_token, parse_timestamp
from local_stack.moto_ext.exceptions import (
    EventDataStoreNotFoundException,
    InvalidEventCategoryException,
    InvalidLookupAttributesException,
    InvalidMaxResultsException,
    InvalidParameterException,
    InvalidQueryStatementException,
    InvalidTimeRangeException,
    QueryIdNotFoundException,
)

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
LOOKUP_MAX_RESULTS_DEFAULT = 50
LOOKUP_MAX_RESULTS_LIMIT = 50
LAKE_MAX_RESULTS_LIMIT = 1000
EVENT_DATA_STORE_RETENTION_DAYS_DEFAULT = 2557
READ_ONLY_PREFIXES = ("Get", "List", "Describe", "Lookup", "Head", "Search", "BatchGet", "Query", "Scan")

#: Columns of the CloudTrail Lake event schema (``SELECT *`` returns those present in a record, in this order).
LAKE_COLUMNS = (
    "eventVersion",
    "userIdentity",
    "eventTime",
    "eventSource",
    "eventName",
    "awsRegion",
    "sourceIPAddress",
    "userAgent",
    "errorCode",
    "errorMessage",
    "requestParameters",
    "responseElements",
    "additionalEventData",
    "requestID",
    "eventID",
    "readOnly",
    "resources",
    "eventType",
    "apiVersion",
    "managementEvent",
    "recipientAccountId",
    "sharedEventID",
    "vpcEndpointId",
    "eventCategory",
    "tlsDetails",
    "sessionCredentialFromConsole",
)
LAKE_TIME_FORMAT = "%Y-%m-%d %H:%M:%S.000"


@dataclass(frozen=True)
class TrailEvent:
    """One management event as LookupEvents returns it, plus its full CloudTrail record for Lake."""

    event_id: str
    event_name: str
    event_source: str
    event_time: datetime
    username: str | None
    read_only: bool
    access_key_id: str | None
    resources: tuple[tuple[str, str], ...]
    record: dict[str, Any]

    def lookup_attribute(self, key: str) -> list[str]:
        """Return the values LookupAttributes key ``key`` matches against."""
        if key == "ResourceType":
            return [rtype for rtype, _ in self.resources]
        if key == "ResourceName":
            return [name for _, name in self.resources]
        value = {
            "EventId": self.event_id,
            "EventName": self.event_name,
            "ReadOnly": "true" if self.read_only else "false",
            "Username": self.username,
            "EventSource": self.event_source,
            "AccessKeyId": self.access_key_id,
        }[key]
        return [] if value is None else [value]

    def to_lookup_json(self) -> dict[str, Any]:
        """Return the ``Event`` shape of the LookupEvents response (EventTime as epoch seconds)."""
        result: dict[str, Any] = {
            "EventId": self.event_id,
            "EventName": self.event_name,
            "ReadOnly": "true" if self.read_only else "false",
            "EventTime": self.event_time.timestamp(),
            "EventSource": self.event_source,
            "Resources": [{"ResourceType": rtype, "ResourceName": name} for rtype, name in self.resources],
            "CloudTrailEvent": json.dumps(self.record),
        }
        if self.access_key_id:
            result["AccessKeyId"] = self.access_key_id
        if self.username:
            result["Username"] = self.username
        return result

    def lake_value(self, column: str) -> str | None:
        """Return a record field (or dotted path) as CloudTrail Lake renders it in QueryResultRows."""
        if column == "eventTime":
            return self.event_time.strftime(LAKE_TIME_FORMAT)
        value: Any = self.record
        for part in column.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value is None:
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, dict | list):
            return json.dumps(value, sort_keys=True)
        return str(value)


def trail_event_from_seed(raw: dict[str, Any], account_id: str, region: str) -> TrailEvent:
    """Build a :class:`TrailEvent` from one seed entry.

    Args:
        raw: ``{"EventName": str, "EventSource": str, "EventTime": ISO 8601 str | epoch seconds,
            "EventId"?: str, "Username"?: str, "ReadOnly"?: bool | "true" | "false", "AccessKeyId"?: str,
            "Resources"?: [{"ResourceType": str, "ResourceName": str}], "CloudTrailEvent"?: dict | JSON str,
            "AwsRegion"?: str, "SourceIPAddress"?: str, "UserAgent"?: str, "RequestParameters"?: dict,
            "ErrorCode"?: str, "ErrorMessage"?: str, "UserIdentityType"?: "IAMUser" | "AssumedRole" | "Root"}``.
            Without ``CloudTrailEvent`` a realistic record is synthesised from the other fields.
        account_id: the account the event belongs to.
        region: the region the event was recorded in (unless ``AwsRegion`` says otherwise).

    Raises:
        ValueError: a required field is missing or malformed.
    """
    try:
        event_name = str(raw["EventName"])
        event_source = str(raw["EventSource"])
        event_time = parse_timestamp(raw["EventTime"])
    except KeyError as exc:
        raise ValueError(f"cloudtrail event is missing {exc.args[0]}") from exc
    event_id = str(raw.get("EventId") or mock_random.uuid4())
    read_only_raw = raw.get("ReadOnly")
    if read_only_raw is None:
        read_only = event_name.startswith(READ_ONLY_PREFIXES)
    else:
        read_only = str(read_only_raw).lower() == "true"
    username = raw.get("Username")
    access_key_id = raw.get("AccessKeyId")
    resources = tuple((str(r["ResourceType"]), str(r["ResourceName"])) for r in raw.get("Resources", []))
    record_raw = raw.get("CloudTrailEvent")
    if isinstance(record_raw, str):
        record: dict[str, Any] = json.loads(record_raw)
    elif isinstance(record_raw, dict):
        record = record_raw
    else:
        record = _synthesise_record(raw, account_id, region, event_id, event_time, read_only)
    return TrailEvent(
        event_id=event_id,
        event_name=event_name,
        event_source=event_source,
        event_time=event_time,
        username=None if username is None else str(username),
        read_only=read_only,
        access_key_id=None if access_key_id is None else str(access_key_id),
        resources=resources,
        record=record,
    )


def _synthesise_record(
    raw: dict[str, Any], account_id: str, region: str, event_id: str, event_time: datetime, read_only: bool
) -> dict[str, Any]:
    """Return a CloudTrail record (``eventVersion`` 1.09) consistent with a seed entry."""
    username = raw.get("Username")
    identity_type = str(raw.get("UserIdentityType", "IAMUser" if username else "AWSService"))
    identity: dict[str, Any] = {"type": identity_type, "accountId": account_id}
    if identity_type == "AssumedRole" and username:
        identity["arn"] = f"arn:aws:sts::{account_id}:assumed-role/{username}"
        identity["principalId"] = f"AROA{account_id}:{username}"
    elif identity_type == "Root":
        identity["arn"] = f"arn:aws:iam::{account_id}:root"
        identity["principalId"] = account_id
    elif username:
        identity["arn"] = f"arn:aws:iam::{account_id}:user/{username}"
        identity["principalId"] = f"AIDA{account_id}"
        identity["userName"] = username
    if raw.get("AccessKeyId"):
        identity["accessKeyId"] = raw["AccessKeyId"]
    record: dict[str, Any] = {
        "eventVersion": "1.09",
        "userIdentity": identity,
        "eventTime": event_time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventSource": raw["EventSource"],
        "eventName": raw["EventName"],
        "awsRegion": raw.get("AwsRegion", region),
        "sourceIPAddress": raw.get("SourceIPAddress", "198.51.100.10"),
        "userAgent": raw.get("UserAgent", "aws-cli/2.15.0 Python/3.11"),
        "requestParameters": raw.get("RequestParameters"),
        "responseElements": None,
        "requestID": str(mock_random.uuid4()),
        "eventID": event_id,
        "readOnly": read_only,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": account_id,
        "eventCategory": "Management",
    }
    if raw.get("Resources"):
        record["resources"] = [
            {"accountId": account_id, "type": r["ResourceType"], "ARN": r["ResourceName"]} for r in raw["Resources"]
        ]
    if raw.get("ErrorCode"):
        record["errorCode"] = raw["ErrorCode"]
        record["errorMessage"] = raw.get("ErrorMessage", "")
    return record


@dataclass
class EventDataStore:
    """A CloudTrail Lake event data store (metadata only; its events are the account's seeded events)."""

    arn: str
    name: str
    region: str
    multi_region: bool = True
    organization_enabled: bool = False
    retention_days: int = EVENT_DATA_STORE_RETENTION_DAYS_DEFAULT
    termination_protection: bool = True
    status: str = "ENABLED"
    advanced_event_selectors: list[dict[str, Any]] = field(default_factory=list)
    created: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def store_id(self) -> str:
        """The event data store ID (the last segment of its ARN), as used in a query's FROM clause."""
        return self.arn.rsplit("/", 1)[-1]

    def to_json(self) -> dict[str, Any]:
        """Return the ``EventDataStore`` shape of ListEventDataStores."""
        return {
            "EventDataStoreArn": self.arn,
            "Name": self.name,
            "TerminationProtectionEnabled": self.termination_protection,
            "Status": self.status,
            "AdvancedEventSelectors": self.advanced_event_selectors,
            "MultiRegionEnabled": self.multi_region,
            "OrganizationEnabled": self.organization_enabled,
            "RetentionPeriod": self.retention_days,
            "CreatedTimestamp": self.created.timestamp(),
            "UpdatedTimestamp": self.created.timestamp(),
        }


def event_data_store_from_seed(raw: dict[str, Any], account_id: str, region: str) -> EventDataStore:
    """Build an :class:`EventDataStore` from one seed entry.

    Args:
        raw: ``{"Name": str, "EventDataStoreId"?: str (default: a random UUID), "MultiRegionEnabled"?: bool,
            "OrganizationEnabled"?: bool, "RetentionPeriod"?: int, "TerminationProtectionEnabled"?: bool,
            "Status"?: str, "AdvancedEventSelectors"?: list}``.
        account_id: the owning account.
        region: the home region (queries must run there).

    Raises:
        ValueError: ``Name`` is missing.
    """
    if not raw.get("Name"):
        raise ValueError("event data store is missing Name")
    store_id = str(raw.get("EventDataStoreId") or mock_random.uuid4())
    return EventDataStore(
        arn=f"arn:aws:cloudtrail:{region}:{account_id}:eventdatastore/{store_id}",
        name=str(raw["Name"]),
        region=region,
        multi_region=bool(raw.get("MultiRegionEnabled", True)),
        organization_enabled=bool(raw.get("OrganizationEnabled", False)),
        retention_days=int(raw.get("RetentionPeriod", EVENT_DATA_STORE_RETENTION_DAYS_DEFAULT)),
        termination_protection=bool(raw.get("TerminationProtectionEnabled", True)),
        status=str(raw.get("Status", "ENABLED")),
        advanced_event_selectors=list(raw.get("AdvancedEventSelectors", [])),
    )


# --- the query engine -----------------------------------------------------------------------------------------

SUPPORTED_QUERY_HELP = (
    "The local emulator supports only: SELECT <* | column[, column...]> FROM <event data store ID> "
    "[WHERE <column> <=|!=|<>|<|<=|>|>=> <'text'|true|false|number> [AND ...]] "
    "[ORDER BY <column> [ASC|DESC]] [LIMIT <n>]"
)
_IDENT = r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*"
_QUERY_RE = re.compile(
    rf"""^\s*SELECT\s+(?P<cols>\*|{_IDENT}(?:\s*,\s*{_IDENT})*)
    \s+FROM\s+(?P<source>[A-Za-z0-9:/_.\-]+)
    (?:\s+WHERE\s+(?P<where>.+?))?
    (?:\s+ORDER\s+BY\s+(?P<order>{_IDENT})(?:\s+(?P<direction>ASC|DESC))?)?
    (?:\s+LIMIT\s+(?P<limit>\d+))?
    \s*;?\s*$""",
    re.IGNORECASE | re.DOTALL | re.VERBOSE,
)
_CONDITION_RE = re.compile(
    rf"""\s*(?P<col>{_IDENT})\s*(?P<op>!=|<>|<=|>=|=|<|>)\s*
    (?:'(?P<text>(?:[^']|'')*)'|(?P<bare>true|false|-?\d+(?:\.\d+)?))\s*""",
    re.IGNORECASE | re.VERBOSE,
)
_AND_RE = re.compile(r"AND\b", re.IGNORECASE)


@dataclass(frozen=True)
class Condition:
    """One ``column op literal`` term of a WHERE clause."""

    column: str
    op: str
    literal: str

    def matches(self, event: TrailEvent) -> bool:
        """Return whether the event satisfies the term (a missing field satisfies nothing, as SQL NULL)."""
        value = event.lake_value(self.column)
        if value is None:
            return False
        left: Any = value
        right: Any = self.literal
        if self.column == "eventTime":
            left, right = event.event_time, _parse_lake_time(self.literal)
        if self.op == "=":
            return bool(left == right)
        if self.op in ("!=", "<>"):
            return bool(left != right)
        if self.op == "<":
            return bool(left < right)
        if self.op == "<=":
            return bool(left <= right)
        if self.op == ">":
            return bool(left > right)
        return bool(left >= right)


@dataclass(frozen=True)
class ParsedQuery:
    """A parsed Lake query."""

    columns: tuple[str, ...] | None  # None for SELECT *
    source: str
    conditions: tuple[Condition, ...]
    order_by: str | None
    descending: bool
    limit: int | None


def _parse_lake_time(text: str) -> datetime:
    """Parse a Lake timestamp literal ('2024-05-01 10:00:00' or ISO 8601) as UTC.

    Raises:
        InvalidQueryStatementException: the literal is not a timestamp.
    """
    try:
        return parse_timestamp(text.replace(" ", "T", 1) if " " in text else text)
    except ValueError as exc:
        raise InvalidQueryStatementException(f"eventTime must be compared with a timestamp, got '{text}'") from exc


def parse_query(statement: str) -> ParsedQuery:
    """Parse a statement of the supported subset.

    Raises:
        InvalidQueryStatementException: the statement is outside the supported subset.
    """
    match = _QUERY_RE.match(statement)
    if match is None:
        raise InvalidQueryStatementException(SUPPORTED_QUERY_HELP)
    cols = match["cols"].strip()
    columns = None if cols == "*" else tuple(c.strip() for c in cols.split(","))
    conditions: list[Condition] = []
    where = match["where"]
    if where is not None:
        position = 0
        while True:
            term = _CONDITION_RE.match(where, position)
            if term is None:
                raise InvalidQueryStatementException(f"Unsupported WHERE clause '{where}'. {SUPPORTED_QUERY_HELP}")
            literal = term["text"].replace("''", "'") if term["text"] is not None else term["bare"].lower()
            conditions.append(Condition(term["col"], term["op"], literal))
            position = term.end()
            if position == len(where):
                break
            conjunction = _AND_RE.match(where, position)
            if conjunction is None:
                raise InvalidQueryStatementException(f"Unsupported WHERE clause '{where}'. {SUPPORTED_QUERY_HELP}")
            position = conjunction.end()
    for condition in conditions:
        if condition.column == "eventTime":
            _parse_lake_time(condition.literal)
    return ParsedQuery(
        columns=columns,
        source=match["source"],
        conditions=tuple(conditions),
        order_by=match["order"],
        descending=(match["direction"] or "ASC").upper() == "DESC",
        limit=None if match["limit"] is None else int(match["limit"]),
    )


def _unknown_columns(query: ParsedQuery) -> list[str]:
    """Return the referenced columns whose root is not in the Lake event schema."""
    referenced = [*(query.columns or ()), *(c.column for c in query.conditions)]
    if query.order_by:
        referenced.append(query.order_by)
    return [c for c in referenced if c.split(".", 1)[0] not in LAKE_COLUMNS]


@dataclass
class LakeQuery:
    """A query that has run: its status, statistics and rows."""

    query_id: str
    statement: str
    status: str
    created: datetime
    rows: list[list[dict[str, str | None]]]
    events_scanned: int
    bytes_scanned: int
    error_message: str | None = None

    def describe_json(self) -> dict[str, Any]:
        """Return the DescribeQuery response."""
        result: dict[str, Any] = {
            "QueryId": self.query_id,
            "QueryString": self.statement,
            "QueryStatus": self.status,
            "QueryStatistics": {
                "EventsMatched": len(self.rows),
                "EventsScanned": self.events_scanned,
                "BytesScanned": self.bytes_scanned,
                "ExecutionTimeInMillis": 42,
                "CreationTime": self.created.timestamp(),
            },
        }
        if self.error_message:
            result["ErrorMessage"] = self.error_message
        return result


class CloudTrailDataBackend(BaseBackend):
    """Seeded event history, event data stores and Lake queries of one account in one region."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.events: list[TrailEvent] = []
        self.event_data_stores: dict[str, EventDataStore] = {}
        self.queries: dict[str, LakeQuery] = {}

    # seeding

    def seed_events(self, raw_events: list[dict[str, Any]]) -> int:
        """Replace this region's event history with ``raw_events``; return how many were stored."""
        events = [trail_event_from_seed(raw, self.account_id, self.region_name) for raw in raw_events]
        self.events = sorted(events, key=lambda e: (e.event_time, e.event_id), reverse=True)
        return len(self.events)

    def seed_event_data_stores(self, raw_stores: list[dict[str, Any]]) -> list[EventDataStore]:
        """Replace this region's event data stores with ``raw_stores``; return them."""
        stores = [event_data_store_from_seed(raw, self.account_id, self.region_name) for raw in raw_stores]
        self.event_data_stores = {store.store_id: store for store in stores}
        return stores

    # LookupEvents

    def lookup_events(
        self,
        attributes: list[dict[str, str]],
        start: datetime | None,
        end: datetime | None,
        max_results: int,
        offset: int,
    ) -> tuple[list[TrailEvent], int | None]:
        """Return one page of matching events (newest first) and the offset of the next page, if any."""
        attribute = attributes[0] if attributes else None
        matching = [
            event
            for event in self.events
            if (start is None or event.event_time >= start)
            and (end is None or event.event_time <= end)
            and (attribute is None or attribute["AttributeValue"] in event.lookup_attribute(attribute["AttributeKey"]))
        ]
        page = matching[offset : offset + max_results]
        next_offset = offset + max_results
        return page, (next_offset if next_offset < len(matching) else None)

    # Lake

    def list_event_data_stores(self) -> list[EventDataStore]:
        """Return the event data stores whose home is this account and region, oldest first."""
        return sorted(self.event_data_stores.values(), key=lambda s: (s.created, s.name))

    def find_event_data_store(self, id_or_arn: str) -> EventDataStore:
        """Return this account and region's event data store by ID or ARN.

        Raises:
            EventDataStoreNotFoundException: no such store here (another account's store is never found).
        """
        store = self.event_data_stores.get(id_or_arn.rsplit("/", 1)[-1])
        if store is None or (id_or_arn.startswith("arn:") and store.arn != id_or_arn):
            raise EventDataStoreNotFoundException(f"The specified event data store {id_or_arn} was not found.")
        return store

    def start_query(self, statement: str) -> LakeQuery:
        """Run a query over the events of the event data store it names and keep its result."""
        query = parse_query(statement)
        store = self.find_event_data_store(query.source)
        if store.multi_region:
            regional = cloudtrail_data_backends[self.account_id].values()
            events = [event for backend in regional for event in backend.events]
        else:
            events = list(self.events)
        query_id = str(mock_random.uuid4())
        created = datetime.now(UTC)
        scanned_bytes = sum(len(json.dumps(event.record)) for event in events)
        unknown = _unknown_columns(query)
        if unknown:
            lake_query = LakeQuery(
                query_id=query_id,
                statement=statement,
                status="FAILED",
                created=created,
                rows=[],
                events_scanned=0,
                bytes_scanned=0,
                error_message=f"COLUMN_NOT_FOUND: Column '{unknown[0]}' cannot be resolved",
            )
        else:
            selected = [event for event in events if all(c.matches(event) for c in query.conditions)]
            if query.order_by:
                order_by = query.order_by
                present = [e for e in selected if e.lake_value(order_by) is not None]
                absent = [e for e in selected if e.lake_value(order_by) is None]

                def sort_key(event: TrailEvent) -> Any:
                    return event.event_time if order_by == "eventTime" else event.lake_value(order_by)

                selected = sorted(present, key=sort_key, reverse=query.descending) + absent
            if query.limit is not None:
                selected = selected[: query.limit]
            rows = []
            for event in selected:
                columns = query.columns or tuple(c for c in LAKE_COLUMNS if c in event.record)
                rows.append([{column: event.lake_value(column)} for column in columns])
            lake_query = LakeQuery(
                query_id=query_id,
                statement=statement,
                status="FINISHED",
                created=created,
                rows=rows,
                events_scanned=len(events),
                bytes_scanned=scanned_bytes,
            )
        self.queries[query_id] = lake_query
        return lake_query

    def get_query(self, query_id: str) -> LakeQuery:
        """Return a query started in this account and region.

        Raises:
            QueryIdNotFoundException: unknown here.
        """
        query = self.queries.get(query_id)
        if query is None:
            raise QueryIdNotFoundException(f"The query ID {query_id} does not exist or is not valid.")
        return query


cloudtrail_data_backends: BackendDict[CloudTrailDataBackend] = BackendDict(CloudTrailDataBackend, "cloudtrail")


def _max_results(value: Any, limit: int, default: int) -> int:
    """Validate a MaxResults-style parameter.

    Raises:
        InvalidMaxResultsException: not an integer in 1..limit.
    """
    if value is None:
        return default
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= limit:
        raise InvalidMaxResultsException(f"MaxResults must be between 1 and {limit}, got {value!r}.")
    return value


class ExtendedCloudTrailResponse(CloudTrailResponse):
    """moto's CloudTrail handler plus event history (LookupEvents) and CloudTrail Lake."""

    @property
    def data_backend(self) -> CloudTrailDataBackend:
        """The seeded data of the calling account in the request's region."""
        return cloudtrail_data_backends[self.current_account][self.region]

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
        max_results = _max_results(params.get("MaxResults"), LOOKUP_MAX_RESULTS_LIMIT, LOOKUP_MAX_RESULTS_DEFAULT)
        token_scope = {k: params.get(k) for k in ("LookupAttributes", "StartTime", "EndTime", "EventCategory")}
        offset = decode_token(params.get("NextToken"), token_scope)
        if category == "insight":
            return json.dumps({"Events": []})
        events, next_offset = self.data_backend.lookup_events(attributes, start, end, max_results, offset)
        response: dict[str, Any] = {"Events": [event.to_lookup_json() for event in events]}
        if next_offset is not None:
            response["NextToken"] = encode_token(next_offset, token_scope)
        return json.dumps(response)

    def list_event_data_stores(self) -> str:
        """Emulate ``ListEventDataStores`` (MaxResults 1-1000, NextToken)."""
        params = self._params()
        max_results = _max_results(params.get("MaxResults"), LAKE_MAX_RESULTS_LIMIT, LAKE_MAX_RESULTS_LIMIT)
        offset = decode_token(params.get("NextToken"), {"op": "ListEventDataStores"})
        stores = self.data_backend.list_event_data_stores()
        response: dict[str, Any] = {"EventDataStores": [s.to_json() for s in stores[offset : offset + max_results]]}
        if offset + max_results < len(stores):
            response["NextToken"] = encode_token(offset + max_results, {"op": "ListEventDataStores"})
        return json.dumps(response)

    def start_query(self) -> str:
        """Emulate ``StartQuery``: parse, run synchronously, return ``QueryId``.

        ``QueryParameters`` replace the statement's ``?`` placeholders in order, as quoted literals.
        """
        params = self._params()
        statement = params.get("QueryStatement")
        if not statement:
            raise InvalidParameterException("QueryStatement is required (query aliases and prompts are not emulated).")
        if params.get("DeliveryS3Uri"):
            raise InvalidParameterException("DeliveryS3Uri is not supported by the local emulator.")
        owner = params.get("EventDataStoreOwnerAccountId")
        if owner and owner != self.current_account:
            raise EventDataStoreNotFoundException(f"No event data store of account {owner} is shared with you.")
        for value in params.get("QueryParameters") or []:
            if "?" not in statement:
                raise InvalidParameterException("More QueryParameters than '?' placeholders.")
            statement = statement.replace("?", "'" + str(value).replace("'", "''") + "'", 1)
        query = self.data_backend.start_query(statement)
        return json.dumps({"QueryId": query.query_id})

    def describe_query(self) -> str:
        """Emulate ``DescribeQuery`` by QueryId."""
        query_id = self._params().get("QueryId")
        if not query_id:
            raise InvalidParameterException("QueryId is required (QueryAlias/RefreshId are not emulated).")
        return json.dumps(self.data_backend.get_query(query_id).describe_json())

    def get_query_results(self) -> str:
        """Emulate ``GetQueryResults`` (MaxQueryResults 1-1000, NextToken)."""
        params = self._params()
        query = self.data_backend.get_query(str(params.get("QueryId")))
        max_results = _max_results(params.get("MaxQueryResults"), LAKE_MAX_RESULTS_LIMIT, LAKE_MAX_RESULTS_LIMIT)
        offset = decode_token(params.get("NextToken"), {"QueryId": query.query_id})
        page = query.rows[offset : offset + max_results]
        response: dict[str, Any] = {
            "QueryStatus": query.status,
            "QueryStatistics": {
                "ResultsCount": len(page),
                "TotalResultsCount": len(query.rows),
                "BytesScanned": query.bytes_scanned,
            },
            "QueryResultRows": page,
        }
        if query.error_message:
            response["ErrorMessage"] = query.error_message
        if offset + max_results < len(query.rows):
            response["NextToken"] = encode_token(offset + max_results, {"QueryId": query.query_id})
        return json.dumps(response)


def install() -> None:
    """Route CloudTrail requests to :class:`ExtendedCloudTrailResponse` (idempotent; before the server starts)."""
    cloudtrail_urls.url_paths["{0}/$"] = ExtendedCloudTrailResponse.dispatch
