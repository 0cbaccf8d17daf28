"""CloudTrail Lake for moto: event data stores from declarative fixtures, queries over the seeded events.

moto 5.2.5 has no CloudTrail Lake. A region's event data stores are seeded with ``"event_data_stores":
[<EventDataStore>, ...]`` in the ``POST /moto-api/local/seed`` body: the ``EventDataStores`` members of the
ListEventDataStores response exactly as AWS shapes them, checked against botocore's output shape when seeded
(a fixture that drifts is refused with the path of the first mismatch; its ARN must name the seeding account
and region). A store's events are the account's seeded LookupEvents history
(:mod:`local_stack.moto_ext.cloudtrail_events`): with ``MultiRegionEnabled`` (AWS's default) every region's,
otherwise its own region's. Code runs only where the answer depends on the request:

* ``ListEventDataStores``: MaxResults 1-1000, NextToken;
* ``StartQuery`` runs the query synchronously, so ``DescribeQuery`` reports ``FINISHED`` (or ``FAILED`` with
  an ``ErrorMessage`` for an unknown column, as Lake does at run time); ``GetQueryResults`` pages the rows
  (MaxQueryResults 1-1000, NextToken). The query engine is deliberately small and honest: it accepts only::

      SELECT <* | column[, column...]> FROM <event data store ID or ARN>
        [WHERE <column> <op> <literal> [AND ...]] [ORDER BY <column> [ASC|DESC]] [LIMIT <n>]

  where ``op`` is one of ``= != <> < <= > >=``, a literal is ``'quoted text'``, ``true``/``false`` or a number,
  and a column is a CloudTrail record field (``eventName``) or a dotted path into one (``userIdentity.arn``).
  Anything else raises ``InvalidQueryStatementException``. A FROM naming an event data store that is not in
  the caller's account and region raises ``EventDataStoreNotFoundException``.

State lives in :data:`lake_backends`, a moto ``BackendDict`` keyed ``[account_id][region]``.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from moto.cloudtrail import urls as cloudtrail_urls
from moto.core.base_backend import BackendDict, BaseBackend
from moto.moto_api._internal import mock_random

from local_stack.moto_ext.ce_fixtures import validate_fixture
from local_stack.moto_ext.cloudtrail_events import (
    MODEL,
    EventHistoryResponse,
    SeededEvent,
    event_history_backends,
    max_results_param,
)
from local_stack.moto_ext.common import decode_token, encode_token, parse_timestamp
from local_stack.moto_ext.exceptions import (
    EventDataStoreNotFoundException,
    InvalidParameterException,
    InvalidQueryStatementException,
    QueryIdNotFoundException,
)

LAKE_MAX_RESULTS_LIMIT = 1000
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


def validate_event_data_stores(stores: Any, account_id: str, region: str) -> dict[str, dict[str, Any]]:
    """Check stores against ListEventDataStores' shape; return them by event data store ID.

    Raises:
        ValueError: the path of the first mismatch: a botocore shape error, a missing ``EventDataStoreArn``
            or ``Name``, or an ARN of another account or region.
    """
    name = "event_data_stores"
    validate_fixture(
        "ListEventDataStores", {"EventDataStores": stores}, model=MODEL, operations=("ListEventDataStores",), name=name
    )
    arn_prefix = f"arn:aws:cloudtrail:{region}:{account_id}:eventdatastore/"
    by_id = {}
    for i, store in enumerate(stores):
        where = f"{name}.ListEventDataStores.EventDataStores[{i}]"
        for member in ("EventDataStoreArn", "Name"):
            if not store.get(member):
                raise ValueError(f"{where}: missing {member}")
        arn = store["EventDataStoreArn"]
        if not arn.startswith(arn_prefix) or not arn.removeprefix(arn_prefix):
            raise ValueError(f"{where}.EventDataStoreArn: {arn!r} is not {arn_prefix}<id> (the seeded account)")
        by_id[arn.removeprefix(arn_prefix)] = copy.deepcopy(store)
    return by_id


def _lake_value(event: SeededEvent, column: str) -> str | None:
    """A record field (or dotted path) as CloudTrail Lake renders it in QueryResultRows."""
    if column == "eventTime":
        return event.time.strftime(LAKE_TIME_FORMAT)
    value: Any = event.record
    for part in column.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return str(value)


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

    def matches(self, event: SeededEvent) -> bool:
        """Return whether the event satisfies the term (a missing field satisfies nothing, as SQL NULL)."""
        value = _lake_value(event, self.column)
        if value is None:
            return False
        left: Any = value
        right: Any = self.literal
        if self.column == "eventTime":
            left, right = event.time, _parse_lake_time(self.literal)
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


def run_query(query: ParsedQuery, events: list[SeededEvent]) -> list[list[dict[str, str | None]]]:
    """The rows of a query over ``events``: filtered, ordered (missing values last), limited, projected."""
    selected = [event for event in events if all(c.matches(event) for c in query.conditions)]
    if query.order_by:
        order_by = query.order_by
        present = [e for e in selected if _lake_value(e, order_by) is not None]
        absent = [e for e in selected if _lake_value(e, order_by) is None]

        def sort_key(event: SeededEvent) -> Any:
            return event.time if order_by == "eventTime" else _lake_value(event, order_by)

        selected = sorted(present, key=sort_key, reverse=query.descending) + absent
    if query.limit is not None:
        selected = selected[: query.limit]
    rows = []
    for event in selected:
        columns = query.columns or tuple(c for c in LAKE_COLUMNS if c in event.record)
        rows.append([{column: _lake_value(event, column)} for column in columns])
    return rows


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


class LakeBackend(BaseBackend):
    """The event data stores and Lake queries of one account in one region."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.event_data_stores: dict[str, dict[str, Any]] = {}
        self.queries: dict[str, LakeQuery] = {}

    def seed(self, stores: Any) -> list[dict[str, str]]:
        """Validate and store ``stores``, replacing the region's; return their names, ARNs and IDs.

        Raises:
            ValueError: see :func:`validate_event_data_stores`.
        """
        self.event_data_stores = validate_event_data_stores(stores, self.account_id, self.region_name)
        return [
            {"Name": s["Name"], "EventDataStoreArn": s["EventDataStoreArn"], "EventDataStoreId": store_id}
            for store_id, s in self.event_data_stores.items()
        ]

    def find_event_data_store(self, id_or_arn: str) -> dict[str, Any]:
        """Return this account and region's event data store by ID or ARN.

        Raises:
            EventDataStoreNotFoundException: no such store here (another account's store is never found).
        """
        store = self.event_data_stores.get(id_or_arn.rsplit("/", 1)[-1])
        if store is None or (id_or_arn.startswith("arn:") and store["EventDataStoreArn"] != id_or_arn):
            raise EventDataStoreNotFoundException(f"The specified event data store {id_or_arn} was not found.")
        return store

    def start_query(self, statement: str) -> LakeQuery:
        """Run a query over the events of the event data store it names and keep its result."""
        query = parse_query(statement)
        store = self.find_event_data_store(query.source)
        regions = event_history_backends[self.account_id]
        histories = regions.values() if store.get("MultiRegionEnabled", True) else [regions[self.region_name]]
        events = [event for history in histories for event in history.events]
        unknown = _unknown_columns(query)
        lake_query = LakeQuery(
            query_id=str(mock_random.uuid4()),
            statement=statement,
            status="FAILED" if unknown else "FINISHED",
            created=datetime.now(UTC),
            rows=[] if unknown else run_query(query, events),
            events_scanned=0 if unknown else len(events),
            bytes_scanned=0 if unknown else sum(len(e.event["CloudTrailEvent"]) for e in events),
            error_message=f"COLUMN_NOT_FOUND: Column '{unknown[0]}' cannot be resolved" if unknown else None,
        )
        self.queries[lake_query.query_id] = lake_query
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


lake_backends: BackendDict[LakeBackend] = BackendDict(LakeBackend, "cloudtrail")


class CloudTrailLakeResponse(EventHistoryResponse):
    """The event history handler plus CloudTrail Lake."""

    @property
    def lake(self) -> LakeBackend:
        """The calling account's event data stores and queries in the request's region."""
        return lake_backends[self.current_account][self.region]

    def list_event_data_stores(self) -> str:
        """Emulate ``ListEventDataStores`` (MaxResults 1-1000, NextToken)."""
        params = self._params()
        max_results = max_results_param(params.get("MaxResults"), LAKE_MAX_RESULTS_LIMIT)
        offset = decode_token(params.get("NextToken"), {"op": "ListEventDataStores"})
        stores = list(self.lake.event_data_stores.values())
        response: dict[str, Any] = {"EventDataStores": stores[offset : offset + max_results]}
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
        return json.dumps({"QueryId": self.lake.start_query(statement).query_id})

    def describe_query(self) -> str:
        """Emulate ``DescribeQuery`` by QueryId."""
        query_id = self._params().get("QueryId")
        if not query_id:
            raise InvalidParameterException("QueryId is required (QueryAlias/RefreshId are not emulated).")
        return json.dumps(self.lake.get_query(query_id).describe_json())

    def get_query_results(self) -> str:
        """Emulate ``GetQueryResults`` (MaxQueryResults 1-1000, NextToken)."""
        params = self._params()
        query = self.lake.get_query(str(params.get("QueryId")))
        max_results = max_results_param(params.get("MaxQueryResults"), LAKE_MAX_RESULTS_LIMIT)
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
    """Route CloudTrail requests to :class:`CloudTrailLakeResponse` (after ``cloudtrail_events.install``)."""
    cloudtrail_urls.url_paths["{0}/$"] = CloudTrailLakeResponse.dispatch
