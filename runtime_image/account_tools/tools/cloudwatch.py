# mypy: disable-error-code="valid-type"
# Parameter types built by account_tools.params are runtime Annotated aliases, which mypy cannot see as types.
"""CloudWatch metrics and alarms: ``get_metrics`` (GetMetricData, ListMetrics) and ``get_alarms``
(DescribeAlarms, DescribeAlarmHistory).

What the Amazon CloudWatch API Reference refuses is refused before any call:

- GetMetricData: "A single GetMetricData call can include as many as 500 MetricDataQuery structures"
  (here at most ``MAX_QUERIES``, so an answer fits an agent's context); within each query "you must specify
  either Expression or MetricStat but not both"; ``Id`` "must be unique within a single call ... The valid
  characters are letters, numbers, and underscore. The first character must be a lowercase letter"
  (1-255 characters); ``Expression`` 1-2048 characters; a metric has at most 30 dimensions; StartTime must
  be earlier than EndTime. MetricStat ``Period``: "a period can be as short as one minute (60 seconds) and
  must be a multiple of 60. For high-resolution metrics ... 1, 5, 10, 20, 30, 60, or any multiple of 60";
  for a StartTime more than 3 hours / 15 days / 63 days ago a multiple of 60 / 300 / 3600 seconds "or no data
  points in that time range is returned". ``MaxDatapoints`` ("the maximum number of data points the request
  should return before paginating", default 100,800) bounds each page: here 1-``MAX_DATAPOINTS``.
- ListMetrics: "Up to 500 results are returned for any one call" and the API takes no page size, so at
  most ``max_results`` of a page are returned and ``next_token`` resumes inside that page; ``Namespace`` 1-255
  characters, not starting with ``:``; at most 10 dimension filters.
- DescribeAlarms: ``StateValue`` is one of OK, ALARM, INSUFFICIENT_DATA (the default here asks for ALARM,
  then INSUFFICIENT_DATA); ``MaxRecords`` 1-100; ``AlarmNamePrefix`` 1-255; "If you omit [AlarmTypes], only
  metric alarms are returned": metric and composite alarms are asked for.
- DescribeAlarmHistory: ``AlarmName`` 1-255; ``HistoryItemType`` ConfigurationUpdate, StateUpdate or Action;
  ``MaxRecords`` 1-100; StartDate before EndDate (here: now, so start_time in the past).

Composite alarms are returned only when ``cloudwatch:DescribeAlarms`` / ``DescribeAlarmHistory`` are allowed
on ``*`` (API Reference), which the scopes do.
"""

import base64
import binascii
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from mcp.server import MCPServer
from pydantic import Field, WithJsonSchema

from account_tools.errors import ToolFailure
from account_tools.models import Alarms, Metrics
from account_tools.params import AccountIdParam, NextTokenParam, lenient_int, lenient_list
from account_tools.tools import ToolRuntime, read_only_tool
from account_tools.tools.logs_insights import parse_time

METRICS_SCOPE = "cloudwatch_metrics"
ALARMS_SCOPE = "cloudwatch_alarms"
MAX_QUERIES = 5  # GetMetricData allows 500; five series keep an answer readable
MAX_DATAPOINTS = 1000
DEFAULT_DATAPOINTS = 300
LIST_PAGE = 500  # ListMetrics: "Up to 500 results are returned for any one call"
DEFAULT_LISTED = 50
DEFAULT_ALARMS = 20
MAX_ALARM_RECORDS = 100
DEFAULT_WINDOW = timedelta(hours=3)
DEFAULT_PERIOD_S = 300
DEFAULT_STAT = "Average"
MAX_DIMENSIONS = 30
MAX_DIMENSION_FILTERS = 10
MAX_EXPRESSION_CHARS = 2048
HIGH_RESOLUTION_PERIODS = (1, 5, 10, 20, 30)
# Periods by StartTime age (MetricStat.Period): older data is kept at a coarser resolution.
_PERIOD_STEPS = ((timedelta(days=63), 3600), (timedelta(days=15), 300), (timedelta(hours=3), 60))
_ID = re.compile(r"^[a-z][A-Za-z0-9_]{0,254}$")
_STATS = {s.lower(): s for s in ("SampleCount", "Average", "Sum", "Minimum", "Maximum", "IQM")}
_EXTENDED_STAT = re.compile(r"^((p|tm|wm|tc|ts)[0-9]{1,2}(\.[0-9]{1,10})?|(PR|TM|WM|TC|TS)\([^()]{1,40}\))$")
# Query keys as a model sends them (snake_case or the API's PascalCase), by their lower-case form without "_".
_QUERY_KEYS = {"namespace": "namespace", "metricname": "metric_name", "dimensions": "dimensions", "stat": "stat",
               "period": "period", "id": "id", "expression": "expression", "label": "label",
               "returndata": "return_data", "unit": "unit"}  # fmt: skip
_OPERATORS = {
    "GreaterThanThreshold": ">",
    "GreaterThanOrEqualToThreshold": ">=",
    "LessThanThreshold": "<",
    "LessThanOrEqualToThreshold": "<=",
}
AlarmTypes = ["MetricAlarm", "CompositeAlarm"]

MetricQueriesParam = Annotated[
    lenient_list(dict[str, Any], min_length=1, max_length=MAX_QUERIES) | None,
    WithJsonSchema(
        {
            "anyOf": [{"type": "array", "items": {"type": "object"}, "maxItems": MAX_QUERIES}, {"type": "string"}],
            "description": f"{{namespace, metric_name, dimensions {{name: value}}, stat: {DEFAULT_STAT}, period: "
            f"{DEFAULT_PERIOD_S}}} or {{id, expression}}; list: 1 filter",
        }
    ),
]


def _iso(value: Any) -> str | None:
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return str(value) if value is not None else None


def _encode(position: dict[str, Any]) -> str:
    """A page token of this tool (a position inside AWS's own paging)."""
    return base64.urlsafe_b64encode(json.dumps(position, separators=(",", ":")).encode()).decode()


def _decode(token: str | None, keys: tuple[str, ...]) -> dict[str, Any]:
    if not token:
        return {}
    try:
        position = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (binascii.Error, ValueError):
        position = None
    if not isinstance(position, dict) or set(position) - set(keys):
        raise ToolFailure("invalid_parameter", "next_token: not a next_token of this tool and kind")
    return position


def _dimensions(field: str, raw: Any, *, limit: int, values_required: bool) -> list[dict[str, str]]:
    """``{name: value}`` (or the API's ``[{"Name", "Value"}]``) as the API's Dimensions list."""
    pairs: list[tuple[Any, Any]]
    if isinstance(raw, dict):
        pairs = list(raw.items())
    elif isinstance(raw, list) and all(isinstance(d, dict) and "Name" in d for d in raw):
        pairs = [(d["Name"], d.get("Value")) for d in raw]
    else:
        raise ToolFailure("invalid_parameter", f'{field}: expected {{name: value}}, e.g. {{"InstanceId": "i-0abc"}}')
    if len(pairs) > limit:
        raise ToolFailure("invalid_parameter", f"{field}: at most {limit} dimensions (CloudWatch API Reference)")
    out = []
    for name, value in pairs:
        if not isinstance(name, str) or not 1 <= len(name) <= 255:
            raise ToolFailure("invalid_parameter", f"{field}: a dimension name has 1-255 characters")
        if value in (None, "") and not values_required:
            out.append({"Name": name})
        elif isinstance(value, str) and 1 <= len(value) <= 1024:
            out.append({"Name": name, "Value": value})
        else:
            raise ToolFailure("invalid_parameter", f"{field}.{name}: a dimension value has 1-1024 characters")
    return out


def _period(field: str, value: Any, start: datetime, now: datetime) -> int:
    """A MetricStat/MetricDataQuery Period CloudWatch answers for a window starting at ``start``."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ToolFailure("invalid_parameter", f"{field}: expected seconds, e.g. 60 or 300")
    if value < 60 and value not in HIGH_RESOLUTION_PERIODS:
        raise ToolFailure("invalid_parameter", f"{field}: below 60 s only 1, 5, 10, 20 or 30 (high-resolution)")
    if value >= 60 and value % 60:
        raise ToolFailure("invalid_parameter", f"{field}: must be a multiple of 60 (CloudWatch API Reference)")
    for age, step in _PERIOD_STEPS:
        if now - start > age and value % step:
            raise ToolFailure(
                "invalid_parameter",
                f"{field}: for a start_time more than {age.days or 3} {'days' if age.days else 'hours'} ago "
                f"CloudWatch returns data only for a period that is a multiple of {step} s (API Reference: MetricStat)",
            )
    return value


def _stat(field: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ToolFailure("invalid_parameter", f"{field}: expected a statistic, e.g. Average or p99")
    if value.lower() in _STATS:
        return _STATS[value.lower()]
    if _EXTENDED_STAT.match(value):
        return value
    raise ToolFailure(
        "invalid_parameter", f"{field}: expected Average, Sum, Minimum, Maximum, SampleCount, IQM or e.g. p99, tm90"
    )


def _query(index: int, raw: dict[str, Any], start: datetime, now: datetime) -> dict[str, Any]:
    """One MetricDataQuery from a compact query (snake_case or PascalCase keys).

    Raises:
        ToolFailure: ``invalid_parameter`` naming ``metrics[index].<key>``.
    """
    where = f"metrics[{index}]"
    query: dict[str, Any] = {}
    for key, value in raw.items():
        name = _QUERY_KEYS.get(str(key).replace("_", "").lower())
        if name is None:
            raise ToolFailure(
                "invalid_parameter", f"{where}.{key}: unknown key; use {', '.join(dict.fromkeys(_QUERY_KEYS.values()))}"
            )
        query[name] = value
    has_metric = any(k in query for k in ("namespace", "metric_name", "dimensions", "stat", "unit"))
    if ("expression" in query) == has_metric:
        raise ToolFailure(
            "invalid_parameter",
            f"{where}: give namespace and metric_name, or an expression, not both (GetMetricData: "
            '"you must specify either Expression or MetricStat but not both")',
        )
    built: dict[str, Any] = {"Id": query.get("id", f"m{index + 1}")}
    if not isinstance(built["Id"], str) or not _ID.match(built["Id"]):
        raise ToolFailure(
            "invalid_parameter",
            f"{where}.id: letters, numbers and underscore, starting with a lowercase letter (1-255 characters)",
        )
    if "expression" in query:
        expression = query["expression"]
        if not isinstance(expression, str) or not 1 <= len(expression) <= MAX_EXPRESSION_CHARS:
            raise ToolFailure("invalid_parameter", f"{where}.expression: 1-{MAX_EXPRESSION_CHARS} characters")
        built["Expression"] = expression
        if "period" in query:
            built["Period"] = _period(f"{where}.period", query["period"], start, now)
    else:
        for key in ("namespace", "metric_name"):
            value = query.get(key)
            if not isinstance(value, str) or not 1 <= len(value) <= 255 or (key == "namespace" and value[0] == ":"):
                raise ToolFailure("invalid_parameter", f"{where}.{key}: required, 1-255 characters")
        metric: dict[str, Any] = {"Namespace": query["namespace"], "MetricName": query["metric_name"]}
        if query.get("dimensions"):
            metric["Dimensions"] = _dimensions(
                f"{where}.dimensions", query["dimensions"], limit=MAX_DIMENSIONS, values_required=True
            )
        stat: dict[str, Any] = {
            "Metric": metric,
            "Period": _period(f"{where}.period", query.get("period", DEFAULT_PERIOD_S), start, now),
            "Stat": _stat(f"{where}.stat", query.get("stat", DEFAULT_STAT)),
        }
        if query.get("unit"):
            stat["Unit"] = query["unit"]
        built["MetricStat"] = stat
    if query.get("label"):
        built["Label"] = str(query["label"])
    if "return_data" in query:
        built["ReturnData"] = query["return_data"] in (True, "true", "True")
    return built


def _queries(raw: list[dict[str, Any]], start: datetime, now: datetime) -> list[dict[str, Any]]:
    built = [_query(i, q, start, now) for i, q in enumerate(raw)]
    ids = [q["Id"] for q in built]
    duplicate = next((i for i in ids if ids.count(i) > 1), None)
    if duplicate:
        raise ToolFailure("invalid_parameter", f"metrics: id {duplicate!r} twice; each query's id must be unique")
    return built


def _series(raw: dict[str, Any]) -> dict[str, Any]:
    pairs = sorted(zip(raw.get("Timestamps", []), raw.get("Values", []), strict=False), key=lambda p: p[0])
    return {"id": raw["Id"], "points": {str(_iso(t)): v for t, v in pairs}}


def _series_notes(results: list[dict[str, Any]]) -> list[str]:
    """What is not Complete about a series (PartialData: more on the next page; InternalError, Forbidden)."""
    notes = []
    for raw in results:
        said = [str(m.get("Value")) for m in raw.get("Messages", [])]
        if raw.get("StatusCode", "Complete") != "Complete" or said:
            notes.append(f"{raw['Id']}: " + "; ".join([str(raw.get("StatusCode")), *said]))
    return notes


def _listed(raw: dict[str, Any]) -> dict[str, Any]:
    dimensions = {d["Name"]: d.get("Value", "") for d in raw.get("Dimensions", [])}
    return {"namespace": raw.get("Namespace"), "metric_name": raw.get("MetricName"), "dimensions": dimensions or None}


def _condition(raw: dict[str, Any]) -> str | None:
    if raw.get("ComparisonOperator") is None:
        return None
    operator = _OPERATORS.get(raw["ComparisonOperator"], raw["ComparisonOperator"])
    stat = raw.get("Statistic") or raw.get("ExtendedStatistic") or "metric math"
    threshold = raw.get("Threshold", raw.get("ThresholdMetricId"))
    periods = raw.get("EvaluationPeriods")
    points = raw.get("DatapointsToAlarm") or periods
    window = f" for {points} of {periods} periods" if periods else ""
    seconds = f" of {raw['Period']} s" if raw.get("Period") else ""
    return f"{stat} {operator} {threshold}{window}{seconds}"


def _alarm(raw: dict[str, Any]) -> dict[str, Any]:
    """A metric alarm (its metric and condition) or a composite alarm (its rule as the condition)."""
    parts = [str(raw[k]) for k in ("Namespace", "MetricName") if raw.get(k)]
    parts += [f"{d['Name']}={d.get('Value', '')}" for d in raw.get("Dimensions", [])]
    return {
        "name": raw["AlarmName"],
        "state": raw.get("StateValue"),
        "reason": raw.get("StateReason"),
        "updated": _iso(raw.get("StateUpdatedTimestamp")),
        "metric": " ".join(parts) or None,
        "condition": f"rule: {raw['AlarmRule']}" if raw.get("AlarmRule") else _condition(raw),
    }


def _refuse_other_kind(kind: str, named: dict[str, Any]) -> None:
    given = [name for name, value in named.items() if value is not None]
    if given:
        raise ToolFailure("invalid_parameter", f"{given[0]}: does not apply to kind={kind}")


def register(server: MCPServer, rt: ToolRuntime) -> None:
    """Add ``get_metrics`` and ``get_alarms``."""

    @read_only_tool(server, rt, name="get_metrics", title="CloudWatch metrics", output=Metrics)
    async def get_metrics(
        kind: Annotated[Literal["data", "list"], Field(description="data or list")] = "data",
        metrics: MetricQueriesParam = None,
        start_time: Annotated[str | None, Field(max_length=40, description="ISO-8601, default 3 h ago")] = None,
        end_time: Annotated[str | None, Field(max_length=40, description="ISO-8601, default now")] = None,
        max_results: Annotated[
            lenient_int(ge=1, le=MAX_DATAPOINTS) | None,
            Field(description=f"datapoints, default {DEFAULT_DATAPOINTS}; list: 1-{LIST_PAGE}, 50"),
        ] = None,
        next_token: NextTokenParam = None,
        target_account_id: AccountIdParam = None,
    ) -> dict[str, Any]:
        """Datapoints of 1-5 CloudWatch metrics or metric math; kind="list" finds metrics.

        Example: metrics=[{"namespace": "AWS/EC2", "metric_name": "CPUUtilization"}]
        """
        if kind == "list":
            _refuse_other_kind(kind, {"start_time": start_time, "end_time": end_time})
            return await _list_metrics(rt, metrics, max_results, next_token, target_account_id)
        if not metrics:
            raise ToolFailure(
                "invalid_parameter",
                'metrics: required for kind=data, e.g. [{"namespace": "AWS/EC2", "metric_name": "CPUUtilization"}]; '
                'kind="list" shows the metrics that exist',
            )
        # The token holds the window of its first page: AWS continues a NextToken only for the same request, and a
        # default window ("the last 3 hours") would move between pages.
        position = _decode(next_token, ("t", "s", "e"))
        now = datetime.now(UTC)
        end = parse_time("end_time", end_time or position.get("e"), now)
        start = parse_time("start_time", start_time or position.get("s"), end - DEFAULT_WINDOW)
        if start >= end:
            raise ToolFailure("invalid_parameter", "start_time: must be earlier than end_time (GetMetricData)")
        params: dict[str, Any] = {
            "MetricDataQueries": _queries(metrics, start, now),
            "StartTime": start,
            "EndTime": end,
            "ScanBy": "TimestampAscending",
            "MaxDatapoints": max_results or DEFAULT_DATAPOINTS,
        }
        if position.get("t"):
            params["NextToken"] = position["t"]
        account = await rt.account(target_account_id)
        response = await rt.clients.call(
            "cloudwatch", "get_metric_data", account_id=account, scope=METRICS_SCOPE, **params
        )
        result: dict[str, Any] = {
            "kind": kind,
            "target_account_id": account,
            "results": [_series(r) for r in response.get("MetricDataResults", [])],
        }
        notes = [str(m.get("Value")) for m in response.get("Messages", [])]
        notes += _series_notes(response.get("MetricDataResults", []))
        if response.get("NextToken"):
            result["next_token"] = _encode({"t": response["NextToken"], "s": _iso(start), "e": _iso(end)})
            notes.append(f"more datapoints: at most {params['MaxDatapoints']} a page; pass next_token")
        if notes:
            result["note"] = "; ".join(notes)
        return result

    @read_only_tool(server, rt, name="get_alarms", title="CloudWatch alarms", output=Alarms)
    async def get_alarms(
        kind: Annotated[Literal["alarms", "history"], Field(description="alarms or history")] = "alarms",
        state_value: Annotated[
            Literal["ALARM", "INSUFFICIENT_DATA", "OK", "ANY"] | None,
            Field(description="default ALARM, INSUFFICIENT_DATA"),
        ] = None,
        alarm_name: Annotated[str | None, Field(max_length=255, description="name prefix (history: exact)")] = None,
        history_type: Annotated[
            Literal["StateUpdate", "ConfigurationUpdate", "Action"] | None, Field(description="history")
        ] = None,
        start_time: Annotated[str | None, Field(max_length=40, description="history since, ISO-8601")] = None,
        max_results: Annotated[lenient_int(ge=1, le=MAX_ALARM_RECORDS), Field(description="per page")] = DEFAULT_ALARMS,
        next_token: NextTokenParam = None,
        target_account_id: AccountIdParam = None,
    ) -> dict[str, Any]:
        """Alarms in ALARM or INSUFFICIENT_DATA (or state_value) and why; kind="history": their changes."""
        if kind == "history":
            _refuse_other_kind(kind, {"state_value": state_value})
            params: dict[str, Any] = {"AlarmTypes": AlarmTypes, "MaxRecords": max_results}
            if alarm_name:
                params["AlarmName"] = alarm_name
            if history_type:
                params["HistoryItemType"] = history_type
            if start_time:
                start = parse_time("start_time", start_time, datetime.min)
                if start >= datetime.now(UTC):  # StartDate must come before EndDate (here: now)
                    raise ToolFailure("invalid_parameter", "start_time: must be in the past")
                params["StartDate"] = start
            if next_token:
                params["NextToken"] = next_token
            account = await rt.account(target_account_id)
            response = await rt.clients.call(
                "cloudwatch", "describe_alarm_history", account_id=account, scope=ALARMS_SCOPE, **params
            )
            history = [
                {"name": h["AlarmName"], "time": _iso(h.get("Timestamp")), "type": h.get("HistoryItemType"),
                 "summary": h.get("HistorySummary")}
                for h in response.get("AlarmHistoryItems", [])
            ]  # fmt: skip
            answer: dict[str, Any] = {"kind": kind, "target_account_id": account, "history": history}
            if response.get("NextToken"):
                answer["next_token"] = response["NextToken"]
            return answer
        _refuse_other_kind(kind, {"history_type": history_type, "start_time": start_time})
        return await _describe_alarms(rt, state_value, alarm_name, max_results, next_token, target_account_id)


def _list_filter(filters: list[dict[str, Any]] | None) -> dict[str, Any]:
    """ListMetrics' Namespace, MetricName and Dimensions (DimensionFilter: a value is optional) from one filter."""
    if not filters:
        return {}
    if len(filters) > 1:
        raise ToolFailure(
            "invalid_parameter", "metrics: kind=list takes one filter {namespace, metric_name, dimensions}"
        )
    params: dict[str, Any] = {}
    for key, value in filters[0].items():
        name = _QUERY_KEYS.get(str(key).replace("_", "").lower())
        field = f"metrics[0].{key}"
        if name == "dimensions":
            params["Dimensions"] = _dimensions(field, value, limit=MAX_DIMENSION_FILTERS, values_required=False)
        elif name in ("namespace", "metric_name"):
            if not isinstance(value, str) or not 1 <= len(value) <= 255 or value.startswith(":"):
                raise ToolFailure("invalid_parameter", f"{field}: 1-255 characters, not starting with ':'")
            params["Namespace" if name == "namespace" else "MetricName"] = value
        else:
            raise ToolFailure("invalid_parameter", f"{field}: kind=list filters by namespace, metric_name, dimensions")
    return params


async def _list_metrics(
    rt: ToolRuntime,
    filters: list[dict[str, Any]] | None,
    max_results: int | None,
    next_token: str | None,
    target_account_id: str | None,
) -> dict[str, Any]:
    """ListMetrics, at most ``max_results`` of its (up to 500) metrics; the token resumes inside the page."""
    limit = max_results or DEFAULT_LISTED
    if limit > LIST_PAGE:
        raise ToolFailure("invalid_parameter", f"max_results: kind=list returns 1-{LIST_PAGE} metrics a page")
    params = _list_filter(filters)
    position = _decode(next_token, ("t", "o"))
    if position.get("t"):
        params["NextToken"] = position["t"]
    account = await rt.account(target_account_id)
    response = await rt.clients.call("cloudwatch", "list_metrics", account_id=account, scope=METRICS_SCOPE, **params)
    found = response.get("Metrics", [])
    offset = int(position.get("o") or 0)
    page = found[offset : offset + limit]
    result: dict[str, Any] = {"kind": "list", "target_account_id": account, "metrics": [_listed(m) for m in page]}
    if offset + limit < len(found):
        result["next_token"] = _encode({"t": position.get("t"), "o": offset + limit})
        result["note"] = f"{len(found) - offset - limit} more metrics on this page; pass next_token"
    elif response.get("NextToken"):
        result["next_token"] = _encode({"t": response["NextToken"], "o": 0})
    return result


async def _describe_alarms(
    rt: ToolRuntime,
    state_value: str | None,
    alarm_name: str | None,
    max_results: int,
    next_token: str | None,
    target_account_id: str | None,
) -> dict[str, Any]:
    """DescribeAlarms once per asked state (ALARM, then INSUFFICIENT_DATA by default), ``max_results`` in all.

    The token holds which state is being read and AWS's own token inside it.
    """
    states: list[str | None] = (
        ["ALARM", "INSUFFICIENT_DATA"] if state_value is None else [None if state_value == "ANY" else state_value]
    )
    position = _decode(next_token, ("s", "t"))
    index, token = int(position.get("s") or 0), position.get("t")
    if not 0 <= index < len(states):
        raise ToolFailure("invalid_parameter", "next_token: not a next_token of this state_value")
    account = await rt.account(target_account_id)
    alarms: list[dict[str, Any]] = []
    following: dict[str, Any] | None = None
    while index < len(states):
        params: dict[str, Any] = {"AlarmTypes": AlarmTypes, "MaxRecords": max_results - len(alarms)}
        if states[index]:
            params["StateValue"] = states[index]
        if alarm_name:
            params["AlarmNamePrefix"] = alarm_name
        if token:
            params["NextToken"] = token
        response = await rt.clients.call(
            "cloudwatch", "describe_alarms", account_id=account, scope=ALARMS_SCOPE, **params
        )
        alarms += [_alarm(a) for a in [*response.get("MetricAlarms", []), *response.get("CompositeAlarms", [])]]
        if response.get("NextToken"):
            following = {"s": index, "t": response["NextToken"]}
            break
        index, token = index + 1, None
        if index < len(states) and len(alarms) >= max_results:
            following = {"s": index}
            break
    result: dict[str, Any] = {"kind": "alarms", "target_account_id": account, "alarms": alarms}
    if following:
        result["next_token"] = _encode(following)
    return result
