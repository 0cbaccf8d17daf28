"""CloudWatch: moto's own metrics and alarms, paged as AWS pages them, plus ``DescribeAlarmHistory`` from a fixture.

moto answers ``PutMetricData``, ``GetMetricData``, ``ListMetrics``, ``PutMetricAlarm``, ``SetAlarmState`` and
``DescribeAlarms`` but not ``DescribeAlarmHistory``. Seeded with ``"cloudwatch": {"PutMetricData": [<request>],
"PutMetricAlarm": [<request>], "SetAlarmState": [<request>], "DescribeAlarmHistory": <response>}`` in the
``POST /moto-api/local/seed`` body: each request is checked against botocore's *input* shape of its operation and
loaded into moto's own backend of the seeded account and region (replacing its metric data and alarms); the history
is checked against the *output* shape of ``DescribeAlarmHistory`` (as the Cost Explorer fixtures are) and kept per
account and region.

Protocol: botocore lists ``smithy-rpc-v2-cbor``, ``json`` and ``query`` for CloudWatch and its clients send
``awsJson1_0`` here (moto has no CBOR parser; an older botocore sends the query protocol). moto parses either and
serializes an ``ActionResult`` in the protocol the request came in, so every handler here returns one too.

Code runs only where an answer depends on the request:

* ``DescribeAlarmHistory``: ``AlarmName``; ``AlarmTypes`` ("If you omit this parameter, only metric alarms are
  returned"); ``HistoryItemType``; ``StartDate``/``EndDate``; ``ScanBy`` (newest first by default); ``MaxRecords``
  (1-100)/``NextToken``;
* ``DescribeAlarms``: moto applies one filter only (a name prefix wins over the state) and does not page; here
  every filter applies (``AlarmNames``, ``AlarmNamePrefix``, ``StateValue``, ``ActionPrefix``, ``AlarmTypes``),
  alarms come by name and ``MaxRecords``/``NextToken`` page them;
* ``GetMetricData``: ``MaxDatapoints`` (default 100,800) and ``NextToken`` page moto's datapoints;
* ``ListMetrics``: 500 a page with tokens that can be used again (moto's are single-use).
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import botocore.session
from botocore.validate import ParamValidator
from moto.cloudwatch import urls as cloudwatch_urls
from moto.cloudwatch.exceptions import InvalidParameterCombination, InvalidParameterValue, ValidationError
from moto.cloudwatch.models import CloudWatchBackend, cloudwatch_backends
from moto.cloudwatch.responses import CloudWatchResponse
from moto.core.base_backend import BackendDict, BaseBackend
from moto.core.responses import ActionResult

from local_stack.moto_ext.ce_fixtures import _check_enums, validate_fixture
from local_stack.moto_ext.common import decode_token, encode_token, parse_timestamp

REQUESTS = ("PutMetricData", "PutMetricAlarm", "SetAlarmState")
FIXTURES = ("DescribeAlarmHistory",)
MAX_RECORDS = 100  # DescribeAlarms / DescribeAlarmHistory MaxRecords: 1-100
DEFAULT_MAX_DATAPOINTS = 100_800  # GetMetricData: "If you omit this, the default of 100,800 is used"
LIST_PAGE = 500  # ListMetrics: "Up to 500 results are returned for any one call"
_MODEL = botocore.session.get_session().get_service_model("cloudwatch")
# PutMetricAlarm members -> moto's CloudWatchBackend.put_metric_alarm arguments (single-metric alarms).
_ALARM_ARGS = {
    "AlarmName": "name", "Namespace": "namespace", "MetricName": "metric_name",
    "ComparisonOperator": "comparison_operator", "EvaluationPeriods": "evaluation_periods", "Period": "period",
    "Threshold": "threshold", "Statistic": "statistic", "AlarmDescription": "description",
    "Dimensions": "dimensions", "AlarmActions": "alarm_actions", "DatapointsToAlarm": "datapoints_to_alarm",
    "ExtendedStatistic": "extended_statistic", "OKActions": "ok_actions",
    "InsufficientDataActions": "insufficient_data_actions", "Unit": "unit", "ActionsEnabled": "actions_enabled",
    "TreatMissingData": "treat_missing_data", "Tags": "tags",
    "EvaluateLowSampleCountPercentile": "evaluate_low_sample_count_percentile",
    "ThresholdMetricId": "threshold_metric_id",
}  # fmt: skip
# What moto's put_metric_alarm needs of a single-metric alarm (the API model leaves them optional for math alarms).
_SINGLE_METRIC_ALARM = ("Namespace", "MetricName", "ComparisonOperator", "EvaluationPeriods", "Period", "Threshold")


class AlarmHistoryBackend(BaseBackend):
    """One account's (and region's) alarm history: the ``AlarmHistoryItems`` of its fixture."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.items: list[dict[str, Any]] = []


alarm_history_backends: BackendDict[AlarmHistoryBackend] = BackendDict(AlarmHistoryBackend, "cloudwatch")


def validate_request(operation: str, request: Any, *, name: str = "cloudwatch") -> None:
    """Check a seeded request against botocore's input shape of ``operation`` (types, required members, enums).

    Raises:
        ValueError: not a seeded operation, or the request does not have the API's shape.
    """
    if operation not in REQUESTS:
        raise ValueError(f"{name}: {operation!r} is not one of {[*REQUESTS, *FIXTURES]}")
    shape = _MODEL.operation_model(operation).input_shape
    if shape is None:  # every seeded operation takes input
        raise ValueError(f"{name}: {operation} has no input shape")
    report = ParamValidator().validate(request, shape)
    if report.has_errors():
        raise ValueError(f"{name}.{operation} does not match the AWS request shape: {report.generate_report()}")
    _check_enums(request, shape, f"{name}.{operation}")


def _utc(value: Any) -> datetime:
    """An aware UTC datetime from a request's parsed time (moto: naive UTC) or a fixture's (ISO 8601, epoch)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return parse_timestamp(value).astimezone(UTC)


def _naive_utc(value: Any) -> datetime:
    """moto keeps metric and alarm times as naive UTC datetimes."""
    return _utc(value).replace(tzinfo=None)


def seed_cloudwatch(account_id: str, region: str, section: dict[str, Any]) -> dict[str, int]:
    """Validate the section, then replace the account's metric data, alarms and alarm history in ``region``.

    Returns:
        How many requests of each operation were loaded (and history items kept).

    Raises:
        ValueError: a request or the history does not have its operation's shape, or moto refuses it.
    """
    for operation, value in section.items():
        if operation in FIXTURES:
            validate_fixture(operation, value, model=_MODEL, operations=FIXTURES, name="cloudwatch")
            continue
        if operation not in REQUESTS:
            raise ValueError(f"cloudwatch: {operation!r} is not one of {[*REQUESTS, *FIXTURES]}")
        if not isinstance(value, list):
            raise ValueError(f"cloudwatch.{operation} must be a list of requests")
        for request in value:
            validate_request(operation, request)
            missing = [k for k in _SINGLE_METRIC_ALARM if k not in request] if operation == "PutMetricAlarm" else []
            if missing or "Metrics" in request:
                raise ValueError(
                    f"cloudwatch.PutMetricAlarm {request.get('AlarmName')!r}: the emulator seeds single-metric alarms, "
                    f"which need {', '.join(_SINGLE_METRIC_ALARM)} (missing: {', '.join(missing) or 'none'}; "
                    "metric math alarms are not emulated)"
                )
    backend: CloudWatchBackend = cloudwatch_backends[account_id][region]
    summary: dict[str, int] = {}
    if "PutMetricData" in section:
        backend.metric_data = []
        for request in copy.deepcopy(section["PutMetricData"]):
            for datum in request["MetricData"]:
                if "Timestamp" in datum:
                    datum["Timestamp"] = _naive_utc(datum["Timestamp"])
            backend.put_metric_data(request["Namespace"], request["MetricData"])
        summary["PutMetricData"] = len(section["PutMetricData"])
    if "PutMetricAlarm" in section:
        backend.alarms.clear()
        for request in section["PutMetricAlarm"]:
            arguments: dict[str, Any] = {"description": None, "dimensions": [], "alarm_actions": [], "statistic": None}
            arguments.update({_ALARM_ARGS[k]: copy.deepcopy(v) for k, v in request.items() if k in _ALARM_ARGS})
            backend.put_metric_alarm(**arguments)
        summary["PutMetricAlarm"] = len(section["PutMetricAlarm"])
    for request in section.get("SetAlarmState", []):
        backend.set_alarm_state(
            request["AlarmName"], request["StateReason"], request.get("StateReasonData"), request["StateValue"]
        )
    if "SetAlarmState" in section:
        summary["SetAlarmState"] = len(section["SetAlarmState"])
    if "DescribeAlarmHistory" in section:
        items = copy.deepcopy(section["DescribeAlarmHistory"].get("AlarmHistoryItems", []))
        for item in items:
            item["Timestamp"] = _utc(item["Timestamp"])
        alarm_history_backends[account_id][region].items = items
        summary["DescribeAlarmHistory"] = len(items)
    return summary


def _page(items: list[Any], params: dict[str, Any], size: int) -> tuple[list[Any], str | None]:
    """One page of ``items`` and the token of the next, bound to the request (as AWS binds its tokens)."""
    scope = {k: v for k, v in params.items() if k not in ("NextToken", "MaxRecords")}
    offset = decode_token(params.get("NextToken"), scope, InvalidParameterValue)
    following = offset + size
    return items[offset:following], (encode_token(following, scope) if following < len(items) else None)


def _records(params: dict[str, Any]) -> int:
    records = params.get("MaxRecords") or MAX_RECORDS
    if not 1 <= int(records) <= MAX_RECORDS:
        raise ValidationError(f"MaxRecords must be between 1 and {MAX_RECORDS}.")
    return int(records)


class ExtendedCloudWatchResponse(CloudWatchResponse):
    """moto's CloudWatch handler: every DescribeAlarms filter, AWS's paging, and ``DescribeAlarmHistory``."""

    def describe_alarm_history(self) -> ActionResult:
        """Emulate ``DescribeAlarmHistory`` from the calling account's fixture, filtered and paged."""
        params = self._get_params()
        types = params.get("AlarmTypes") or ["MetricAlarm"]
        start, end = params.get("StartDate"), params.get("EndDate")
        items = [
            item
            for item in alarm_history_backends[self.current_account][self.region].items
            if params.get("AlarmName") in (None, item.get("AlarmName"))
            and item.get("AlarmType", "MetricAlarm") in types
            and params.get("HistoryItemType") in (None, item.get("HistoryItemType"))
            and (start is None or item["Timestamp"] >= _utc(start))
            and (end is None or item["Timestamp"] <= _utc(end))
        ]
        items.sort(key=lambda i: i["Timestamp"], reverse=params.get("ScanBy") != "TimestampAscending")
        page, token = _page(copy.deepcopy(items), params, _records(params))
        return ActionResult({"AlarmHistoryItems": page, "NextToken": token})

    def describe_alarms(self) -> ActionResult:
        """Emulate ``DescribeAlarms`` with every filter applied at once, by alarm name, paged."""
        params = self._get_params()
        if params.get("AlarmNames") and params.get("AlarmNamePrefix"):
            raise InvalidParameterCombination("AlarmNames and AlarmNamePrefix cannot be specified together.")
        if params.get("ChildrenOfAlarmName") or params.get("ParentsOfAlarmName"):
            raise ValidationError("ChildrenOfAlarmName and ParentsOfAlarmName are not emulated.")
        types = params.get("AlarmTypes") or ["MetricAlarm"]
        names, prefix = params.get("AlarmNames"), params.get("AlarmNamePrefix")
        state, action = params.get("StateValue"), params.get("ActionPrefix")
        alarms = [
            alarm
            for alarm in sorted(self.cloudwatch_backend.alarms.values(), key=lambda a: a.name)
            if ("CompositeAlarm" if alarm.rule is not None else "MetricAlarm") in types
            and (not names or alarm.name in names)
            and (not prefix or alarm.name.startswith(prefix))
            and (not state or alarm.state_value == state)
            and (not action or any(a.startswith(action) for a in alarm.alarm_actions))
        ]
        page, token = _page(alarms, params, _records(params))
        return ActionResult(
            {
                "MetricAlarms": [a for a in page if a.rule is None],
                "CompositeAlarms": [a for a in page if a.rule is not None],
                "NextToken": token,
            }
        )

    def get_metric_data(self) -> ActionResult:
        """moto's ``GetMetricData``, at most ``MaxDatapoints`` datapoints a page (``PartialData`` when cut)."""
        params = self._get_params()
        for query in params.get("MetricDataQueries", []):
            if "MetricStat" not in query and "Expression" not in query:
                raise ValidationError("The parameter MetricDataQueries.member.1.MetricStat is required.\n")
        results = self.cloudwatch_backend.get_metric_data(
            start_time=params["StartTime"],
            end_time=params["EndTime"],
            queries=params.get("MetricDataQueries", []),
            scan_by=params.get("ScanBy") or "TimestampDescending",
        )
        scope = {k: v for k, v in params.items() if k not in ("NextToken", "MaxDatapoints")}
        offset = decode_token(params.get("NextToken"), scope, InvalidParameterValue)
        budget = int(params.get("MaxDatapoints") or DEFAULT_MAX_DATAPOINTS)
        skipped = taken = 0
        total = sum(len(r["values"]) for r in results)
        for result in results:
            points = list(zip(result["timestamps"], result["values"], strict=True))
            before = min(max(offset - skipped, 0), len(points))
            skipped += before
            kept = points[before : before + max(budget - taken, 0)]
            taken += len(kept)
            result["timestamps"], result["values"] = [t for t, _ in kept], [v for _, v in kept]
            if before + len(kept) < len(points):
                result["status_code"] = "PartialData"
        following = offset + taken
        token = encode_token(following, scope) if following < total else None
        return ActionResult({"MetricDataResults": results, "NextToken": token})

    def list_metrics(self) -> ActionResult:
        """moto's ``ListMetrics`` (distinct metrics), 500 a page with tokens that can be reused."""
        params = self._get_params()
        metrics = self.cloudwatch_backend.get_filtered_metrics(
            params.get("MetricName", ""), params.get("Namespace", ""), params.get("Dimensions", [])
        )
        scope = {k: v for k, v in params.items() if k != "NextToken"}
        offset = decode_token(params.get("NextToken"), scope, InvalidParameterValue)
        following = offset + LIST_PAGE
        token = encode_token(following, scope) if following < len(metrics) else None
        return ActionResult({"Metrics": metrics[offset:following], "NextToken": token})


def install() -> None:
    """Route CloudWatch requests to :class:`ExtendedCloudWatchResponse`."""
    for path in list(cloudwatch_urls.url_paths):
        cloudwatch_urls.url_paths[path] = ExtendedCloudWatchResponse.dispatch


__all__ = ["alarm_history_backends", "install", "seed_cloudwatch"]
