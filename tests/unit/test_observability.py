"""Tool metrics and logs: OpenTelemetry instruments (SDK in-memory reader) and JSON log lines."""

from __future__ import annotations

import io
import json
import logging

import pytest
from opentelemetry import metrics
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader, NumberDataPoint

from account_tools.observability import LambdaPowertoolsFormatter, ToolMetrics, record_vend_latency
from account_tools.server import build_runtime, build_server
from account_tools.settings import RuntimeSettings
from tests.callers import Callers, call_tool

pytestmark = pytest.mark.unit

READER = InMemoryMetricReader()
metrics.set_meter_provider(MeterProvider(metric_readers=[READER]))


def points() -> dict[str, list[tuple[dict[str, object], float]]]:
    data = READER.get_metrics_data()
    found: dict[str, list[tuple[dict[str, object], float]]] = {}
    for resource in data.resource_metrics if data else []:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                for p in metric.data.data_points:
                    value = p.value if isinstance(p, NumberDataPoint) else p.sum
                    found.setdefault(metric.name, []).append((dict(p.attributes or {}), value))
    return found


def test_tool_calls_errors_and_vend_latency_are_exported():
    recorder = ToolMetrics()
    recorder.record("get_caller_identity", None)
    recorder.record("get_caller_identity", "account_not_found")
    record_vend_latency(0.042, scope="identity")
    found = points()
    calls = {(a["tool"], a["outcome"]): v for a, v in found["account_tools.tool_calls"]}
    assert calls[("get_caller_identity", "ok")] >= 1
    assert calls[("get_caller_identity", "account_not_found")] >= 1
    errors = {a["error_type"]: v for a, v in found["account_tools.tool_errors"]}
    assert errors["account_not_found"] >= 1
    assert any(a == {"scope": "identity"} and total >= 42 for a, total in found["account_tools.vend_latency"])
    assert recorder.errors == {"account_not_found": 1}


def test_a_refused_call_logs_one_json_line_with_tool_target_and_outcome():
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(LambdaPowertoolsFormatter(service="test"))
    log = logging.getLogger("account_tools")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    callers = Callers()
    rt = build_runtime(RuntimeSettings(vendor_function_name="x"), verifier=callers.verifier())
    server = build_server(rt)
    try:
        result = call_tool(
            server,
            callers,
            "logs_insights_query",
            {"query_string": "SOURCE '/x' | fields @message", "target_account_id": "222222222222"},
        )
    finally:
        log.removeHandler(handler)
    assert result.is_error
    lines = [json.loads(line) for line in buffer.getvalue().splitlines()]
    call = next(line for line in lines if line.get("message") == "tool call")
    assert call["tool"] == "logs_insights_query"
    assert call["target_account_id"] == "222222222222"
    assert call["outcome"] == "invalid_parameter"
    assert call["principal"] == "agent:agent-client-a"  # who called, never their token
    assert "SOURCE" not in buffer.getvalue()  # argument values are not logged
    assert "gauge" not in call
    assert rt.metrics.calls["logs_insights_query"] == 1
