# mypy: disable-error-code="valid-type"
# Parameter types built by account_tools.params are runtime Annotated aliases, which mypy cannot see as types.
"""CloudWatch Logs: Logs Insights queries over allowlisted log groups, and the allowlisted groups that exist.

Each account has its own allowlist (its organization's and its own registry entries plus the
platform-wide default: exact names and prefix patterns ending in ``*``). The vendor builds the
session policy from it and sends it with the credentials; it is enforced here before any Logs call
and again in IAM: the session policy grants ``logs:StartQuery`` only on the allowlisted groups.

The query text is read the way Logs Insights reads it (commands separated by ``|``, ``#``
comments to the end of the line, any whitespace), and a ``SOURCE`` command is refused wherever a
command could start; invisible and unusual whitespace characters are refused outright, so nothing
hides a command from this check. Queries always run as Logs Insights QL (``queryLanguage`` CWLI,
not SQL or PPL).

``logs:GetQueryResults`` has no resource type in IAM, so any query id of the account could be read
with the vended credentials: ``logs_insights_get_results`` first finds the query with
``DescribeQueries`` under an allowlisted log group, checks what it describes, and only then reads
its results. Long queries return their query id; ``logs_insights_get_results`` resumes them, and
``logs_insights_stop_query`` stops one (``StopQuery``, also "*") after the same ``DescribeQueries`` check.
``logs_insights_query`` asks several accounts at once with ``target_account_ids``: each account's query
runs over that account's own allowlist and answers in its own entry, with its own query id.

``list_log_groups`` names the allowlisted groups that exist. ``logs:DescribeLogGroups`` has no resource type
either (scope ``log_groups``, Resource "*"; IAM still bounds it to the vended account), so the allowlist
(sent with those credentials) is the boundary here: one ``DescribeLogGroups`` request per allowlist entry,
``logGroupNamePrefix`` set to the entry (``logGroupNamePattern`` is a substring match, which cannot say
"starts with"), and every answer filtered against that entry before a name is shown.
"""

import re
import time
import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import anyio
from mcp.server import MCPServer
from pydantic import Field

from account_tools import fanout
from account_tools.errors import ToolFailure
from account_tools.models import LogGroups, LogsQuery, LogsQueryResult, LogsQueryStopped
from account_tools.params import (
    DEFAULT_WAIT_S,
    AccountIdParam,
    NextTokenParam,
    TargetAccountIdsParam,
    WaitSecondsParam,
    lenient_int,
    lenient_list,
)
from account_tools.tools import ToolRuntime, read_only_tool

SCOPE = "logs_insights"
LOG_GROUPS_SCOPE = "log_groups"
QUERY_LANGUAGE = "CWLI"  # Logs Insights QL; SQL and PPL name their log groups in the query text
DEFAULT_LOOKBACK = timedelta(hours=1)
POLL_INITIAL_S = 0.5
POLL_MAX_S = 2.0
MAX_QUERY_CHARS = 10_000
MAX_LOG_GROUP_CHARS = 512
MAX_TIMESTAMP_CHARS = 64
MAX_DESCRIBE_PAGES = 5
_TERMINAL = {"Complete", "Failed", "Cancelled", "Timeout", "Unknown"}
_STOPPABLE = {"Scheduled", "Running"}  # StopQuery: "If the query has already ended, the operation returns an error"
# DescribeLogGroups takes limit 1-50 (CloudWatch Logs API Reference). One list_log_groups call makes at most
# MAX_LIST_CALLS requests (one or more per allowlist entry) and answers next_token for the rest.
MAX_LOG_GROUPS_PAGE = 50
DEFAULT_LOG_GROUPS_PAGE = 20
MAX_LIST_CALLS = 10

_LOG_GROUP_ARN = re.compile(r"arn:aws[a-z-]*:logs:[a-z0-9-]*:\d{12}:log-group:([^\s:'\"`|,)]+)", re.IGNORECASE)
_QUERY_ID = re.compile(r"^[0-9a-fA-F-]{36}$")
# Plain whitespace; every other space, separator, control or format character (zero-width space, BOM,
# no-break space, line separator...) is refused rather than guessed at.
_PLAIN_WHITESPACE = frozenset(" \t\n\r")
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cn", "Cs", "Zs", "Zl", "Zp"})
_COMMAND_WORD = re.compile(r"[a-z0-9_]*")
# SOURCE followed by a quoted name or logGroups(...), wherever it is (the command check is the main one).
_SOURCE_ANYWHERE = re.compile(r"(?<![a-z0-9_@.$])source\s*(?:['\"`]|loggroups\b)")
_SQL_OR_PPL_START = frozenset({"select", "with", "search"})
_QUOTED = re.compile(r"'([^']*)'|\"([^\"]*)\"|`([^`]*)`")
_LOG_GROUP_NAME = re.compile(r"^[-._/#A-Za-z0-9]+$")  # CloudWatch Logs' alphabet; no wildcards


def is_allowed(name: str, allowed: tuple[str, ...]) -> bool:
    """Whether ``name`` is on the allowlist: equal to an exact entry, or starting with a ``prefix*`` entry."""
    if not _LOG_GROUP_NAME.match(name):
        return False
    return any(name.startswith(entry[:-1]) if entry.endswith("*") else name == entry for entry in allowed)


def exact_names(allowed: tuple[str, ...]) -> list[str]:
    """The allowlist's exact names (a query that names no group runs over these)."""
    return [entry for entry in allowed if not entry.endswith("*")]


def _refuse(message: str) -> ToolFailure:
    return ToolFailure("invalid_parameter", f"query_string: {message}")


def _unusual_characters(query: str) -> list[str]:
    return sorted(
        {
            f"U+{ord(ch):04X}"
            for ch in query
            if ch not in _PLAIN_WHITESPACE and unicodedata.category(ch) in _REFUSED_CATEGORIES
        }
    )


def _skip_blank(text: str, pos: int) -> int:
    """The first position at or after ``pos`` that is neither whitespace nor inside a ``#`` comment."""
    while pos < len(text):
        if text[pos].isspace():
            pos += 1
        elif text[pos] == "#":
            while pos < len(text) and text[pos] not in "\r\n":
                pos += 1
        else:
            break
    return pos


def command_segments(query: str) -> list[tuple[str, str]]:
    """Each place a Logs Insights command could start: (command word, the text up to the next ``|``).

    Over-approximates on purpose: every ``|`` (and anything that normalizes to one) counts as a
    separator, even inside a string or regular expression, so every real command start is among
    these. The command word is read NFKC-normalized and case-folded (fullwidth letters, long s);
    the segment text is the original.
    """
    segments: list[str] = [""]
    for ch in query:
        if "|" in unicodedata.normalize("NFKC", ch):
            segments.append("")
        else:
            segments[-1] += ch
    words = []
    for segment in segments:
        text = unicodedata.normalize("NFKC", segment).casefold()
        word = _COMMAND_WORD.match(text, _skip_blank(text, 0))
        words.append((word.group() if word else "", segment))
    return words


def no_allowlist(account: str | None = None) -> ToolFailure:
    """The refusal when an account allowlists no log group."""
    where = f"account {account}" if account else "this account"
    return ToolFailure(
        "access_denied",
        f"no log groups are allowlisted for Logs Insights in {where}; an operator adds them"
        " (account-tools-admin log-groups add)",
    )


def check_log_groups(log_group_names: list[str], allowed: tuple[str, ...], account: str | None = None) -> None:
    """Refuse log groups outside the account's allowlist, listing what is allowed.

    Raises:
        ToolFailure: ``access_denied`` without an allowlist; ``invalid_parameter`` naming the groups.
    """
    if not allowed:
        raise no_allowlist(account)
    outside = [name for name in log_group_names if not is_allowed(name, allowed)]
    if outside:
        where = f" of account {account}" if account else ""
        raise ToolFailure(
            "invalid_parameter",
            f"log_group_names: {', '.join(outside)} not on the allowlist{where}; allowed: {', '.join(allowed)}",
        )


def check_query(query_string: str, log_group_names: list[str], allowed: tuple[str, ...]) -> None:
    """Refuse queries that reach outside the log-group allowlist (``check_log_groups`` + ``check_query_text``).

    Raises:
        ToolFailure: ``access_denied`` without an allowlist; else ``invalid_parameter`` naming the
            field: a log group not on the allowlist, a ``SOURCE`` command, an invisible or unusual
            whitespace character, SQL/PPL, or a log-group ARN outside the allowlist in the query text.
    """
    check_log_groups(log_group_names, allowed)
    check_query_text(query_string)
    check_query_arns(query_string, allowed)


def check_query_text(query_string: str) -> None:
    """Refuse query text that could name log groups itself (needs no allowlist: checked before any vend).

    Raises:
        ToolFailure: ``invalid_parameter``: a ``SOURCE`` command, an invisible or unusual whitespace
            character, or SQL/PPL.
    """
    unusual = _unusual_characters(query_string)
    if unusual:
        raise _refuse(
            f"contains invisible or unusual whitespace characters ({', '.join(unusual[:5])}); use plain spaces"
        )
    segments = command_segments(query_string)
    normalized = unicodedata.normalize("NFKC", query_string).casefold()
    if any(word == "source" for word, _ in segments) or _SOURCE_ANYWHERE.search(normalized):
        raise _refuse("the SOURCE command is not allowed; name log groups in log_group_names")
    if segments[0][0] in _SQL_OR_PPL_START:
        raise _refuse("write Logs Insights QL (e.g. 'fields @message | limit 10'), not SQL or PPL")


def check_query_arns(query_string: str, allowed: tuple[str, ...]) -> None:
    """Refuse a log-group ARN in the query text outside the allowlist.

    Raises:
        ToolFailure: ``invalid_parameter`` naming the group (the agent's own text).
    """
    for match in _LOG_GROUP_ARN.finditer(query_string):
        if not is_allowed(match.group(1), allowed):
            raise _refuse(f"refers to log group {match.group(1)}, which is not on the allowlist")


def check_described_query(described: dict[str, Any], allowed: tuple[str, ...]) -> None:
    """Refuse a query (a ``DescribeQueries`` entry) that may read outside the allowlist.

    Its language must be Logs Insights QL, its log group allowlisted, and any ``SOURCE`` in its
    text (the service may show the queried groups that way) must name allowlisted groups only.

    Raises:
        ToolFailure: ``not_found``, without saying which groups the query reads.
    """
    refused = ToolFailure("not_found", "query_id: not a query over the allowlisted log groups")
    if described.get("queryLanguage", QUERY_LANGUAGE) != QUERY_LANGUAGE:
        raise refused
    if described.get("logGroupName") is not None and not is_allowed(described["logGroupName"], allowed):
        raise refused
    text = str(described.get("queryString") or "")
    if _unusual_characters(text):
        raise refused
    for word, segment in command_segments(text):
        if word != "source":
            continue
        names = [next(g for g in m.groups() if g is not None) for m in _QUOTED.finditer(segment)]
        if "loggroups" in segment.casefold() or not names or any(not is_allowed(n, allowed) for n in names):
            raise refused


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
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if not 1970 <= moment.year <= 9998:  # keeps the default lookback and epoch seconds in range
        raise ToolFailure("invalid_parameter", f"{field}: expected a timestamp between 1970 and 9999")
    return moment


def _rows(results: list[list[dict[str, str]]]) -> list[dict[str, str]]:
    return [{f["field"]: f["value"] for f in row if f.get("field") != "@ptr"} for row in results]


async def _check_allowlisted_query(
    rt: ToolRuntime, *, account: str, query_id: str, allowed: tuple[str, ...]
) -> dict[str, Any]:
    """Find ``query_id`` with ``DescribeQueries`` under an allowlisted log group, check what it reads, return it.

    Exact names are described one by one; prefix entries (which DescribeQueries cannot filter by) by
    the account's recent queries, each checked against the allowlist.

    Raises:
        ToolFailure: ``not_found`` when no allowlisted group lists it (another group's query, an old or
            unknown id) or its description reaches outside the allowlist.
    """
    groups: list[str | None] = list(exact_names(allowed))
    if len(groups) < len(allowed):
        groups.append(None)
    for group in groups:
        token: str | None = None
        for _ in range(MAX_DESCRIBE_PAGES):
            params: dict[str, Any] = {"maxResults": 1000, "queryLanguage": QUERY_LANGUAGE}
            if group is not None:
                params["logGroupName"] = group
            if token:
                params["nextToken"] = token
            response = await rt.clients.call("logs", "describe_queries", account_id=account, scope=SCOPE, **params)
            for described in response.get("queries", []):
                if described.get("queryId") == query_id:
                    check_described_query(described, allowed)
                    return dict(described)
            token = response.get("nextToken")
            if not token:
                break
    raise ToolFailure(
        "not_found",
        f"query_id: no recent Logs Insights query over the allowlisted log groups has this id in account {account}",
    )


async def _wait(rt: ToolRuntime, *, account: str, query_id: str, deadline: float) -> dict[str, Any]:
    """Poll GetQueryResults without blocking the event loop, until the query ends or ``deadline`` (monotonic)."""
    interval = POLL_INITIAL_S
    while True:
        response = await rt.clients.call("logs", "get_query_results", account_id=account, scope=SCOPE, queryId=query_id)
        status = response.get("status", "Unknown")
        if status in _TERMINAL or time.monotonic() + interval > deadline:
            break
        await anyio.sleep(interval)
        interval = min(interval * 2, POLL_MAX_S)
    result: dict[str, Any] = {"query_id": query_id, "status": status}
    if status in _TERMINAL:
        result["results"] = _rows(response.get("results", []))
        result["statistics"] = response.get("statistics", {})
    else:
        result["message"] = (
            f"the query is still running: call logs_insights_get_results with this query_id and target_account_id"
            f" {account}"
        )
    return result


def _query_id(query_id: str) -> str:
    """A query id as ``logs_insights_query`` returns it.

    Raises:
        ToolFailure: ``invalid_parameter`` naming ``query_id``.
    """
    if not _QUERY_ID.match(query_id):
        raise ToolFailure("invalid_parameter", "query_id: expected the 36-character id from logs_insights_query")
    return query_id


def _covered(entry: str, other: str) -> bool:
    """Whether the prefix entry ``other`` allows every name ``entry`` allows (so ``entry`` need not be listed)."""
    if other == entry or not other.endswith("*"):
        return False
    return entry.removesuffix("*").startswith(other[:-1])


def listing_requests(allowed: tuple[str, ...], name_prefix: str = "") -> list[tuple[str, str]]:
    """What ``list_log_groups`` asks DescribeLogGroups: ``(entry, logGroupNamePrefix)`` per allowlist entry.

    Entries another prefix entry covers are left out, so no two requests can name the same group; an
    entry outside ``name_prefix`` is left out, and one under it asks for the longer of the two prefixes.
    Entries CloudWatch Logs' alphabet cannot hold (``logGroupNamePrefix`` pattern) name no group.
    """
    requests = []
    for entry in allowed:
        if any(_covered(entry, other) for other in allowed):
            continue
        base = entry.removesuffix("*")
        if base and not _LOG_GROUP_NAME.match(base):
            continue
        if entry.endswith("*") and name_prefix.startswith(base):
            requests.append((entry, name_prefix))
        elif base.startswith(name_prefix):
            requests.append((entry, base))
    return requests


def _decode_listing_token(next_token: str | None, requests: int) -> tuple[int, str | None]:
    """``(request index, DescribeLogGroups nextToken)`` from a ``list_log_groups`` next_token.

    Raises:
        ToolFailure: ``invalid_parameter`` naming ``next_token``.
    """
    if not next_token:
        return 0, None
    index, _, token = next_token.partition(":")
    if not index.isdigit() or not int(index) < requests:
        raise ToolFailure("invalid_parameter", "next_token: not from a list_log_groups answer with these arguments")
    return int(index), token or None


def _log_group(raw: dict[str, Any]) -> dict[str, Any]:
    created = raw.get("creationTime")
    return {
        "name": raw["logGroupName"],
        "created": datetime.fromtimestamp(created / 1000, UTC).isoformat() if created is not None else None,
        "retention_days": raw.get("retentionInDays"),
        "stored_bytes": raw.get("storedBytes"),
    }


def register(server: MCPServer, rt: ToolRuntime) -> None:
    """Add the Logs Insights tools (query, get results, stop) and ``list_log_groups``."""

    @read_only_tool(
        server, rt, name="logs_insights_query", title="Logs Insights query", output=LogsQuery, idempotent=False
    )
    async def logs_insights_query(
        query_string: Annotated[
            str,
            Field(
                min_length=1,
                max_length=MAX_QUERY_CHARS,
                description="Logs Insights query, e.g. 'fields @timestamp, @message | sort @timestamp desc'",
            ),
        ],
        log_group_names: Annotated[
            lenient_list(
                Annotated[str, Field(min_length=1, max_length=MAX_LOG_GROUP_CHARS)], min_length=1, max_length=50
            )
            | None,
            Field(description="log groups to query, default all the account's allowlisted names"),
        ] = None,
        start_time: Annotated[
            str | None,
            Field(max_length=MAX_TIMESTAMP_CHARS, description="ISO-8601 UTC start, default one hour before end_time"),
        ] = None,
        end_time: Annotated[
            str | None, Field(max_length=MAX_TIMESTAMP_CHARS, description="ISO-8601 UTC end, default now")
        ] = None,
        max_results: Annotated[
            lenient_int(ge=1, le=10000), Field(description="rows to return, 1-10000, default 100")
        ] = 100,
        wait_seconds: WaitSecondsParam = DEFAULT_WAIT_S,
        target_account_id: AccountIdParam = None,
        target_account_ids: TargetAccountIdsParam = None,
    ) -> dict[str, Any]:
        """Run a CloudWatch Logs Insights query over an account's allowlisted log groups.

        Returns rows if it finishes within wait_seconds, else its query_id for
        logs_insights_get_results. SOURCE and other log groups are refused.

        Example: logs_insights_query(query_string="fields @timestamp, @message | limit 10",
        target_account_id="222222222222")
        """
        fanout.refuse_mixed(target_account_id, target_account_ids)
        check_query_text(query_string)
        end = parse_time("end_time", end_time, datetime.now(UTC))
        start = parse_time("start_time", start_time, end - DEFAULT_LOOKBACK)
        if start >= end:
            raise ToolFailure("invalid_parameter", "start_time: must be before end_time")
        deadline = time.monotonic() + wait_seconds  # one wait for the whole call, however many accounts

        async def one(account: str) -> dict[str, Any]:
            # The account's allowlist arrives with the credentials whose session policy enforces it.
            allowed = await rt.clients.allowed_log_groups(account_id=account, scope=SCOPE)
            if not allowed:
                raise no_allowlist(account)
            groups = list(log_group_names) if log_group_names else exact_names(allowed)
            if not groups:
                raise ToolFailure(
                    "invalid_parameter",
                    f"log_group_names: required; account {account} allows groups by prefix: {', '.join(allowed)}",
                )
            check_log_groups(groups, allowed, account)
            check_query_arns(query_string, allowed)
            started = await rt.clients.call(
                "logs",
                "start_query",
                account_id=account,
                scope=SCOPE,
                logGroupNames=groups,
                startTime=int(start.timestamp()),
                endTime=int(end.timestamp()),
                queryString=query_string,
                queryLanguage=QUERY_LANGUAGE,
                limit=max_results,
            )
            return await _wait(rt, account=account, query_id=started["queryId"], deadline=deadline)

        return await fanout.answer(
            {}, one, target_account_id=target_account_id, target_account_ids=target_account_ids, resolve=rt.account
        )

    @read_only_tool(
        server, rt, name="logs_insights_get_results", title="Logs Insights query results", output=LogsQueryResult
    )
    async def logs_insights_get_results(
        query_id: Annotated[str, Field(max_length=64, description="query_id returned by logs_insights_query")],
        wait_seconds: WaitSecondsParam = DEFAULT_WAIT_S,
        target_account_id: AccountIdParam = None,
    ) -> dict[str, Any]:
        """Resume a Logs Insights query started by logs_insights_query and return its rows.

        Use the query's target_account_id. Serves only queries over allowlisted log groups.

        Example: logs_insights_get_results(query_id="<query_id>", target_account_id="222222222222")
        """
        _query_id(query_id)
        deadline = time.monotonic() + wait_seconds
        account = await rt.account(target_account_id)
        allowed = await rt.clients.allowed_log_groups(account_id=account, scope=SCOPE)
        if not allowed:
            raise no_allowlist(account)
        await _check_allowlisted_query(rt, account=account, query_id=query_id, allowed=allowed)
        return {"target_account_id": account, **await _wait(rt, account=account, query_id=query_id, deadline=deadline)}

    @read_only_tool(
        server, rt, name="logs_insights_stop_query", title="Stop a Logs Insights query", output=LogsQueryStopped,
        read_only=False,
    )  # fmt: skip
    async def logs_insights_stop_query(
        query_id: Annotated[str, Field(max_length=64, description="from logs_insights_query")],
        target_account_id: AccountIdParam = None,
    ) -> dict[str, Any]:
        """Stop a running query that logs_insights_query started.

        Example: logs_insights_stop_query(query_id="<query_id>", target_account_id="222222222222")
        """
        _query_id(query_id)
        account = await rt.account(target_account_id)
        allowed = await rt.clients.allowed_log_groups(account_id=account, scope=SCOPE)
        if not allowed:
            raise no_allowlist(account)
        # StopQuery (no resource type, "*") would stop any query of the account: only one DescribeQueries shows
        # over the allowlisted groups is stopped, and only while it runs (StopQuery refuses a query that ended).
        described = await _check_allowlisted_query(rt, account=account, query_id=query_id, allowed=allowed)
        status = described.get("status")
        if status == "Cancelled":  # already stopped: calling again changes nothing (idempotentHint)
            return {"target_account_id": account, "query_id": query_id, "stopped": True}
        if status not in _STOPPABLE:
            raise ToolFailure(
                "invalid_parameter",
                f"query_id: the query is not running (status {status}); StopQuery stops only a query in progress"
                " (CloudWatch Logs API Reference)",
            )
        response = await rt.clients.call("logs", "stop_query", account_id=account, scope=SCOPE, queryId=query_id)
        return {"target_account_id": account, "query_id": query_id, "stopped": bool(response.get("success"))}

    @read_only_tool(server, rt, name="list_log_groups", title="Allowlisted log groups", output=LogGroups)
    async def list_log_groups(
        name_prefix: Annotated[
            str | None, Field(max_length=MAX_LOG_GROUP_CHARS, description="only names starting with this")
        ] = None,
        max_results: Annotated[
            lenient_int(ge=1, le=MAX_LOG_GROUPS_PAGE), Field(description="per page, 1-50, default 20")
        ] = DEFAULT_LOG_GROUPS_PAGE,
        next_token: NextTokenParam = None,
        target_account_id: AccountIdParam = None,
    ) -> dict[str, Any]:
        """Log groups of an account that logs_insights_query may read (allowlisted, existing).

        Example: list_log_groups(name_prefix="/aws/", target_account_id="222222222222")
        """
        prefix = name_prefix or ""
        if prefix and not _LOG_GROUP_NAME.match(prefix):
            # DescribeLogGroups logGroupNamePrefix: pattern [\.\-_/#A-Za-z0-9]+ (CloudWatch Logs API Reference)
            raise ToolFailure("invalid_parameter", "name_prefix: only letters, digits and . - _ / #")
        account = await rt.account(target_account_id)
        # The allowlist arrives with the credentials DescribeLogGroups is called with.
        allowed = await rt.clients.allowed_log_groups(account_id=account, scope=LOG_GROUPS_SCOPE)
        if not allowed:
            raise no_allowlist(account)
        requests = listing_requests(allowed, prefix)
        index, token = _decode_listing_token(next_token, len(requests))
        found: list[dict[str, Any]] = []
        for _ in range(MAX_LIST_CALLS):
            if index >= len(requests) or len(found) >= max_results:
                break
            entry, ask = requests[index]
            exact = not entry.endswith("*")
            # ASCII-sorted by name: an exact entry, if it exists, is the first group under its own name.
            params: dict[str, Any] = {"limit": 1 if exact else max_results - len(found)}
            if ask:
                params["logGroupNamePrefix"] = ask
            if token:
                params["nextToken"] = token
            response = await rt.clients.call(
                "logs", "describe_log_groups", account_id=account, scope=LOG_GROUPS_SCOPE, **params
            )
            for raw in response.get("logGroups", []):
                name = str(raw.get("logGroupName", ""))
                if is_allowed(name, (entry,)) and name.startswith(prefix):  # nothing outside the entry is named
                    found.append(_log_group(raw))
            token = None if exact else response.get("nextToken")
            if not token:
                index += 1
        result: dict[str, Any] = {"target_account_id": account, "log_groups": found}
        if index < len(requests):
            result["next_token"] = f"{index}:{token or ''}"
        return result
