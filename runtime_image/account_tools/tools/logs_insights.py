# mypy: disable-error-code="valid-type"
# Parameter types built by account_tools.params are runtime Annotated aliases, which mypy cannot see as types.
"""CloudWatch Logs Insights queries over allowlisted log groups.

The allowlist is enforced here before any AWS call (and again in IAM by the
vendor's session policy, which grants ``logs:StartQuery`` only on those groups).
Long queries return their query id; ``logs_insights_get_results`` resumes them.
"""

import re
import time
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import anyio
from mcp.server import MCPServer
from pydantic import Field

from account_tools.errors import ToolFailure
from account_tools.models import LogsQueryResult
from account_tools.params import DEFAULT_WAIT_S, AccountIdParam, WaitSecondsParam, lenient_int, lenient_list
from account_tools.tools import ToolRuntime, read_only_tool

SCOPE = "logs_insights"
DEFAULT_LOOKBACK = timedelta(hours=1)
POLL_INITIAL_S = 0.5
POLL_MAX_S = 2.0
_TERMINAL = {"Complete", "Failed", "Cancelled", "Timeout", "Unknown"}

# Logs Insights commands that read other log groups than those the call names.
_SOURCE_COMMAND = re.compile(r"(^|\|)\s*source\b", re.IGNORECASE)
_LOG_GROUP_ARN = re.compile(r"arn:aws[a-z-]*:logs:[a-z0-9-]*:\d{12}:log-group:([^\s:'\"`|,)]+)", re.IGNORECASE)
_QUERY_ID = re.compile(r"^[0-9a-fA-F-]{36}$")


def check_query(query_string: str, log_group_names: list[str], allowed: tuple[str, ...]) -> None:
    """Refuse queries that reach outside the log-group allowlist.

    Raises:
        ToolFailure: ``invalid_parameter`` naming the field: a log group not on the
            allowlist, a ``SOURCE`` command, or a log-group ARN in the query text.
    """
    if not allowed:
        raise ToolFailure("access_denied", "no log groups are allowlisted for Logs Insights on this server")
    outside = [name for name in log_group_names if name not in allowed]
    if outside:
        raise ToolFailure(
            "invalid_parameter",
            f"log_group_names: {', '.join(outside)} not on the allowlist; allowed: {', '.join(allowed)}",
        )
    if _SOURCE_COMMAND.search(query_string):
        raise ToolFailure(
            "invalid_parameter", "query_string: the SOURCE command is not allowed; name log groups in log_group_names"
        )
    for match in _LOG_GROUP_ARN.finditer(query_string):
        if match.group(1) not in allowed:
            raise ToolFailure(
                "invalid_parameter",
                f"query_string: refers to log group {match.group(1)}, which is not on the allowlist",
            )


def parse_time(field: str, value: str | None, default: datetime) -> datetime:
    """Parse an ISO-8601 timestamp (``Z`` or offset; naive means UTC).

    Raises:
        ToolFailure: ``invalid_parameter`` naming ``field``.
    """
    if value is None:
        return default
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ToolFailure(
            "invalid_parameter", f"{field}: expected an ISO-8601 timestamp such as 2026-11-21T13:00:00Z"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _rows(results: list[list[dict[str, str]]]) -> list[dict[str, str]]:
    return [{f["field"]: f["value"] for f in row if f.get("field") != "@ptr"} for row in results]


async def _wait(rt: ToolRuntime, *, account: str, query_id: str, wait_s: int) -> dict[str, Any]:
    """Poll GetQueryResults without blocking the event loop, for at most ``wait_s`` seconds."""
    deadline = time.monotonic() + wait_s
    interval = POLL_INITIAL_S
    while True:
        response = await rt.clients.call("logs", "get_query_results", account_id=account, scope=SCOPE, queryId=query_id)
        status = response.get("status", "Unknown")
        if status in _TERMINAL or time.monotonic() + interval > deadline:
            break
        await anyio.sleep(interval)
        interval = min(interval * 2, POLL_MAX_S)
    result: dict[str, Any] = {"target_account_id": account, "query_id": query_id, "status": status}
    if status in _TERMINAL:
        result["results"] = _rows(response.get("results", []))
        result["statistics"] = response.get("statistics", {})
    else:
        result["message"] = "the query is still running: call logs_insights_get_results with this query_id"
    return result


def register(server: MCPServer, rt: ToolRuntime) -> None:
    """Add ``logs_insights_query`` and ``logs_insights_get_results``."""
    allowed = rt.settings.allowed_log_groups

    @read_only_tool(
        server, rt, name="logs_insights_query", title="Logs Insights query", output=LogsQueryResult, idempotent=False
    )
    async def logs_insights_query(
        query_string: Annotated[
            str,
            Field(
                min_length=1,
                max_length=10000,
                description="Logs Insights query, e.g. 'fields @timestamp, @message | sort @timestamp desc'",
            ),
        ],
        log_group_names: Annotated[
            lenient_list(str, min_length=1, max_length=50) | None,
            Field(
                description="log groups to query, default all allowlisted"
                + (f"; allowlist: {', '.join(allowed)}" if allowed else "; only allowlisted groups")
            ),
        ] = None,
        start_time: Annotated[
            str | None, Field(description="ISO-8601 UTC start, default one hour before end_time")
        ] = None,
        end_time: Annotated[str | None, Field(description="ISO-8601 UTC end, default now")] = None,
        max_results: Annotated[
            lenient_int(ge=1, le=10000), Field(description="rows to return, 1-10000, default 100")
        ] = 100,
        wait_seconds: WaitSecondsParam = DEFAULT_WAIT_S,
        target_account_id: AccountIdParam = None,
    ) -> dict[str, Any]:
        """Run a CloudWatch Logs Insights query in an account over allowlisted log groups.

        Returns rows when the query finishes within wait_seconds, else its query_id to
        resume with logs_insights_get_results. SOURCE and non-allowlisted groups are refused.

        Example: logs_insights_query(query_string="fields @timestamp, @message | limit 10",
        target_account_id="222222222222")
        """
        groups = list(log_group_names) if log_group_names else list(allowed)
        check_query(query_string, groups, allowed)
        end = parse_time("end_time", end_time, datetime.now(UTC))
        start = parse_time("start_time", start_time, end - DEFAULT_LOOKBACK)
        if start >= end:
            raise ToolFailure("invalid_parameter", "start_time: must be before end_time")
        account = await rt.account(target_account_id)
        started = await rt.clients.call(
            "logs",
            "start_query",
            account_id=account,
            scope=SCOPE,
            logGroupNames=groups,
            startTime=int(start.timestamp()),
            endTime=int(end.timestamp()),
            queryString=query_string,
            limit=max_results,
        )
        return await _wait(rt, account=account, query_id=started["queryId"], wait_s=wait_seconds)

    @read_only_tool(
        server, rt, name="logs_insights_get_results", title="Logs Insights query results", output=LogsQueryResult
    )
    async def logs_insights_get_results(
        query_id: Annotated[str, Field(description="query_id returned by logs_insights_query")],
        wait_seconds: WaitSecondsParam = DEFAULT_WAIT_S,
        target_account_id: AccountIdParam = None,
    ) -> dict[str, Any]:
        """Resume a Logs Insights query started by logs_insights_query and return its rows.

        Use the same target_account_id as the original query.

        Example: logs_insights_get_results(query_id="<query_id>", target_account_id="222222222222")
        """
        if not _QUERY_ID.match(query_id):
            raise ToolFailure("invalid_parameter", "query_id: expected the 36-character id from logs_insights_query")
        account = await rt.account(target_account_id)
        return await _wait(rt, account=account, query_id=query_id, wait_s=wait_seconds)
