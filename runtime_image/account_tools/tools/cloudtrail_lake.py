# mypy: disable-error-code="valid-type"
# Parameter types built by account_tools.params are runtime Annotated aliases, which mypy cannot see as types.
"""CloudTrail Lake: SQL queries over event data stores of the target account.

``lake_query`` parses the statement with a SQL parser (sqlglot, Trino dialect: CloudTrail Lake
runs Trino SQL) and refuses anything but one query whose every table is an event data store of
the target account: comma joins, quoted names, comments between keywords and names all reach the
parser as the engine would read them, and anything it cannot read is refused
(``invalid_parameter``). A store of another account is ``not_found``, before ``StartQuery``.
Independently, the session policy pins ``StartQuery``/``DescribeQuery``/``GetQueryResults`` to the
target account's event data store ARNs. The tool then waits for the query without blocking the
event loop, for at most ``wait_seconds``; a query still running returns its id, which
``get_query_results`` resumes (status, then rows).
"""

import re
import time
from datetime import datetime
from typing import Annotated, Any

import anyio
import sqlglot
from mcp.server import MCPServer
from pydantic import Field
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.tokenizer_core import TokenType

from account_tools.errors import ToolFailure
from account_tools.models import EventDataStores, LakeQuery
from account_tools.params import DEFAULT_WAIT_S, AccountIdParam, NextTokenParam, WaitSecondsParam, lenient_int
from account_tools.tools import ToolRuntime, read_only_tool

SCOPE = "cloudtrail_lake"
POLL_INITIAL_S = 0.5
POLL_MAX_S = 2.0
DEFAULT_ROWS = 100
MAX_STORE_PAGES = 20
_TERMINAL = {"FINISHED", "FAILED", "CANCELLED", "TIMED_OUT"}
_QUERY_ID = re.compile(r"^[0-9a-fA-F-]{36}$")
MAX_STATEMENT_CHARS = 10_000
SQL_DIALECT = "trino"
# How CloudTrail Lake lets a FROM name a store without quotes: its id (a UUID) or its ARN.
_STORE_NAME = re.compile(
    r"^(?:[0-9A-Za-z]{8}-[0-9A-Za-z]{4}-[0-9A-Za-z]{4}-[0-9A-Za-z]{4}-[0-9A-Za-z]{12}"
    r"|arn:aws[a-z-]*:cloudtrail:[a-z0-9-]+:[0-9]{12}:eventdatastore/[0-9A-Za-z-]+)$"
)
# Tokens an unquoted store id or ARN splits into; adjacent ones are joined back before parsing.
_NAME_PARTS = {TokenType.VAR, TokenType.NUMBER, TokenType.DASH, TokenType.COLON, TokenType.SLASH}

QueryIdParam = Annotated[str, Field(max_length=64, description="query_id returned by lake_query")]
MaxRowsParam = Annotated[
    lenient_int(ge=1, le=1000), Field(description=f"rows per page, 1-1000, default {DEFAULT_ROWS}")
]


def _refuse(reason: str) -> ToolFailure:
    return ToolFailure("invalid_parameter", f"query_statement: {reason}")


def _quote_store_names(statement: str) -> str:
    """The statement with each unquoted store id or ARN (split by the tokenizer) as one quoted identifier.

    Strings and comments are tokens of their own (or dropped), so nothing inside them changes.
    """
    try:
        tokens = sqlglot.Dialect.get_or_raise(SQL_DIALECT).tokenize(statement)
    except (SqlglotError, RecursionError):  # RecursionError: nested too deeply to read
        raise _refuse("not SQL that CloudTrail Lake can read") from None
    if any(token.token_type == TokenType.UNKNOWN for token in tokens):  # e.g. backticks: not Lake SQL
        raise _refuse("contains characters CloudTrail Lake SQL does not use (backticks?)")
    spans: list[tuple[int, int]] = []
    run: list[Any] = []
    for token in [*tokens, None]:
        joins = token is not None and token.token_type in _NAME_PARTS and (not run or token.start == run[-1].end + 1)
        if joins:
            run.append(token)
            continue
        if run and _STORE_NAME.match(statement[run[0].start : run[-1].end + 1]):
            spans.append((run[0].start, run[-1].end + 1))
        run = [token] if token is not None and token.token_type in _NAME_PARTS else []
    for start, end in reversed(spans):
        statement = f'{statement[:start]}"{statement[start:end]}"{statement[end:]}'
    return statement


def query_sources(statement: str) -> list[str]:
    """The tables (event data store ids or ARNs) one CloudTrail Lake query reads, as the SQL parser sees them.

    Raises:
        ToolFailure: ``invalid_parameter`` for anything but one read-only query that reads at least
            one table: unparseable SQL, several statements, other statements than SELECT, qualified
            names (``catalog.schema.table``), table functions.
    """
    try:
        trees = [tree for tree in sqlglot.parse(_quote_store_names(statement), read=SQL_DIALECT) if tree is not None]
    except (SqlglotError, RecursionError):  # RecursionError: nested too deeply to read
        raise _refuse("not SQL that CloudTrail Lake can read") from None
    if len(trees) != 1:
        raise _refuse("exactly one SELECT statement, please")
    tree = trees[0]
    if not isinstance(tree, exp.Query):
        raise _refuse("only SELECT queries are allowed")
    ctes = {cte.alias for cte in tree.find_all(exp.CTE)}
    sources: list[str] = []
    for table in tree.find_all(exp.Table):
        if not isinstance(table.this, exp.Identifier) or table.args.get("db") or table.args.get("catalog"):
            raise _refuse("FROM and JOIN take an event data store id, nothing else")
        name = table.name
        if name in ctes and not _STORE_NAME.match(name):
            continue  # a WITH clause's own result: its tables are checked where it is defined
        sources.append(name)
    if not sources:
        raise _refuse("must read FROM an event data store id (see list_event_data_stores)")
    return list(dict.fromkeys(sources))


def _store_id(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else (None if value is None else str(value))


def _rows(raw: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    return [{k: v for column in row for k, v in column.items()} for row in raw]


_STATISTICS = {
    "EventsMatched": "events_matched",
    "EventsScanned": "events_scanned",
    "BytesScanned": "bytes_scanned",
    "ExecutionTimeInMillis": "execution_time_ms",
    "ResultsCount": "results_count",
    "TotalResultsCount": "total_results_count",
}


def _statistics(raw: dict[str, Any]) -> dict[str, Any]:
    return {name: raw[key] for key, name in _STATISTICS.items() if key in raw}


def _check_query_id(query_id: str) -> None:
    if not _QUERY_ID.match(query_id):
        raise ToolFailure("invalid_parameter", "query_id: expected the 36-character id from lake_query")


async def _list_stores(rt: ToolRuntime, account: str) -> list[dict[str, Any]]:
    stores: list[dict[str, Any]] = []
    token: str | None = None
    for _ in range(MAX_STORE_PAGES):
        params: dict[str, Any] = {"NextToken": token} if token else {}
        response = await rt.clients.call(
            "cloudtrail", "list_event_data_stores", account_id=account, scope=SCOPE, **params
        )
        stores.extend(response.get("EventDataStores", []))
        token = response.get("NextToken")
        if not token:
            break
    return stores


async def _status(rt: ToolRuntime, account: str, query_id: str) -> dict[str, Any]:
    return await rt.clients.call("cloudtrail", "describe_query", account_id=account, scope=SCOPE, QueryId=query_id)


async def _results(
    rt: ToolRuntime, account: str, query_id: str, max_rows: int, next_token: str | None
) -> dict[str, Any]:
    params: dict[str, Any] = {"QueryId": query_id, "MaxQueryResults": max_rows}
    if next_token:
        params["NextToken"] = next_token
    response = await rt.clients.call("cloudtrail", "get_query_results", account_id=account, scope=SCOPE, **params)
    result: dict[str, Any] = {
        "target_account_id": account,
        "query_id": query_id,
        "status": response.get("QueryStatus"),
        "rows": _rows(response.get("QueryResultRows", [])),
        "statistics": _statistics(response.get("QueryStatistics", {})),
    }
    if response.get("ErrorMessage"):
        result["error_message"] = response["ErrorMessage"]
    if response.get("NextToken"):
        result["next_token"] = response["NextToken"]
    return result


def _describe(account: str, response: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "target_account_id": account,
        "query_id": response.get("QueryId"),
        "status": response.get("QueryStatus"),
        "query_statement": response.get("QueryString"),
        "statistics": _statistics(response.get("QueryStatistics", {})),
    }
    if response.get("ErrorMessage"):
        result["error_message"] = response["ErrorMessage"]
    return result


def register(server: MCPServer, rt: ToolRuntime) -> None:
    """Add ``list_event_data_stores``, ``lake_query`` and ``get_query_results``."""

    @read_only_tool(
        server, rt, name="list_event_data_stores", title="CloudTrail Lake event data stores", output=EventDataStores
    )
    async def list_event_data_stores(
        max_results: Annotated[
            lenient_int(ge=1, le=1000), Field(description="stores per page, 1-1000, default 100")
        ] = 100,
        next_token: NextTokenParam = None,
        target_account_id: AccountIdParam = None,
    ) -> dict[str, Any]:
        """List the CloudTrail Lake event data stores of an account.

        Use the event_data_store_id in the FROM clause of lake_query.

        Example: list_event_data_stores(target_account_id="222222222222")
        """
        params: dict[str, Any] = {"MaxResults": max_results}
        if next_token:
            params["NextToken"] = next_token
        account = await rt.account(target_account_id)
        response = await rt.clients.call(
            "cloudtrail", "list_event_data_stores", account_id=account, scope=SCOPE, **params
        )
        result: dict[str, Any] = {
            "target_account_id": account,
            "event_data_stores": [
                {
                    "event_data_store_id": _store_id(s.get("EventDataStoreArn", "")),
                    "arn": s.get("EventDataStoreArn"),
                    "name": s.get("Name"),
                    "status": s.get("Status"),
                    "multi_region": s.get("MultiRegionEnabled"),
                    "organization": s.get("OrganizationEnabled"),
                    "retention_days": s.get("RetentionPeriod"),
                    "created": _iso(s.get("CreatedTimestamp")),
                }
                for s in response.get("EventDataStores", [])
            ],
        }
        if response.get("NextToken"):
            result["next_token"] = response["NextToken"]
        return result

    @read_only_tool(
        server, rt, name="lake_query", title="CloudTrail Lake SQL query", output=LakeQuery, idempotent=False
    )
    async def lake_query(
        query_statement: Annotated[
            str,
            Field(
                min_length=1,
                max_length=MAX_STATEMENT_CHARS,
                description="CloudTrail Lake SQL; FROM must name an event data store id of the target account, "
                "e.g. SELECT eventName, userIdentity.arn FROM <event_data_store_id> WHERE eventName = 'ConsoleLogin'",
            ),
        ],
        wait_seconds: WaitSecondsParam = DEFAULT_WAIT_S,
        max_results: MaxRowsParam = DEFAULT_ROWS,
        target_account_id: AccountIdParam = None,
    ) -> dict[str, Any]:
        """Run a CloudTrail Lake SQL query in an account and return its first page of rows.

        FROM takes an event data store id from list_event_data_stores (other accounts'
        stores are refused). A query still running after wait_seconds returns its query_id:
        resume with get_query_results.

        Example: lake_query(query_statement="SELECT eventName, eventTime FROM
        0f1e2d3c-... WHERE eventName = 'ConsoleLogin' LIMIT 10", target_account_id="222222222222")
        """
        sources = query_sources(query_statement)
        account = await rt.account(target_account_id)
        stores = await _list_stores(rt, account)
        known = {s["EventDataStoreArn"] for s in stores} | {_store_id(s["EventDataStoreArn"]) for s in stores}
        foreign = [source for source in sources if source not in known]
        if foreign:
            raise ToolFailure(
                "not_found",
                f"query_statement: event data store {', '.join(foreign)} is not in account {account}; "
                "call list_event_data_stores for the ids this account has",
            )
        started = await rt.clients.call(
            "cloudtrail", "start_query", account_id=account, scope=SCOPE, QueryStatement=query_statement
        )
        query_id = started["QueryId"]
        deadline = time.monotonic() + wait_seconds
        interval = POLL_INITIAL_S
        while True:
            status = await _status(rt, account, query_id)
            if status.get("QueryStatus") in _TERMINAL or time.monotonic() + interval > deadline:
                break
            await anyio.sleep(interval)
            interval = min(interval * 2, POLL_MAX_S)
        if status.get("QueryStatus") != "FINISHED":
            result = _describe(account, status)
            if status.get("QueryStatus") not in _TERMINAL:
                result["message"] = "the query is still running: call get_query_results with this query_id"
            return result
        return await _results(rt, account, query_id, max_results, None)

    @read_only_tool(server, rt, name="get_query_results", title="CloudTrail Lake query results", output=LakeQuery)
    async def get_query_results(
        query_id: QueryIdParam,
        max_results: MaxRowsParam = DEFAULT_ROWS,
        next_token: NextTokenParam = None,
        target_account_id: AccountIdParam = None,
    ) -> dict[str, Any]:
        """Status and rows of a CloudTrail Lake query started by lake_query, one object per row.

        Status is QUEUED, RUNNING, FINISHED, FAILED, CANCELLED or TIMED_OUT (FAILED has an
        error_message); rows come once FINISHED. Use the query's target_account_id. Pages with next_token.

        Example: get_query_results(query_id="<query_id>", max_results=50, target_account_id="222222222222")
        """
        _check_query_id(query_id)
        account = await rt.account(target_account_id)
        return await _results(rt, account, query_id, max_results, next_token)
