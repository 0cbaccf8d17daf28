"""Structured JSON logs (standard ``logging`` with Powertools' formatter) and tool metrics.

Log records carry the MCP request id, tool name, target account, outcome and
duration; never credentials, argument values that could hold secrets, or AWS
responses. Metrics go to OpenTelemetry (exported by the ADOT distro the image
runs under; no-ops without it) and are summarized on the ``/ping`` endpoint:
tool calls, errors by ``error_type``, vend latency, credential-cache hit ratio.
"""

from __future__ import annotations

import logging
import sys
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field

from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from opentelemetry import metrics
from opentelemetry.metrics import CallbackOptions, Observation

__all__ = [
    "LambdaPowertoolsFormatter",
    "ToolMetrics",
    "configure_logging",
    "correlation_id_var",
    "new_correlation_id",
    "record_vend_latency",
    "request_id_var",
]

SERVICE_NAME = "account-tools-mcp"
logger = logging.getLogger("account_tools")
# The MCP request id of the tool call being served (set by the server, read by log lines).
request_id_var: ContextVar[str | None] = ContextVar("mcp_request_id", default=None)
# One id per tool call (MCP request ids repeat across sessions): logged by the runtime's "tool call" line,
# sent in every vend request the call causes, and logged by the vendor as its Powertools correlation id.
correlation_id_var: ContextVar[str | None] = ContextVar("correlation_id", default=None)

_meter = metrics.get_meter("account_tools")
TOOL_CALLS = _meter.create_counter(
    "account_tools.tool_calls", unit="{call}", description="Tool calls by tool and outcome"
)
TOOL_ERRORS = _meter.create_counter(
    "account_tools.tool_errors", unit="{call}", description="Failed tool calls by error_type"
)
VEND_LATENCY = _meter.create_histogram(
    "account_tools.vend_latency", unit="ms", description="Credential vend round trip (Lambda Invoke) in milliseconds"
)


class DropColorMessage(logging.Filter):
    """Remove uvicorn's ``color_message`` extra (ANSI codes), which the JSON formatter would copy into the line."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.__dict__.pop("color_message", None)
        return True


def configure_logging(level: str = "INFO") -> None:
    """Send JSON log lines to stdout (AgentCore Runtime ships them to CloudWatch Logs); no color codes."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(LambdaPowertoolsFormatter(service=SERVICE_NAME))
    handler.addFilter(DropColorMessage())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # botocore logs request parameters at DEBUG; keep it quiet whatever the root level.
    for noisy in ("botocore", "boto3", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def new_correlation_id() -> str:
    """A fresh correlation id for one tool call (a UUID4: matches the vendor's accepted format)."""
    return str(uuid.uuid4())


def observe_cache_hit_ratio(ratio: Callable[[], float]) -> None:
    """Publish the credential cache's hit ratio as an observable gauge."""

    def callback(_: CallbackOptions) -> Iterable[Observation]:
        return [Observation(ratio())]

    _meter.create_observable_gauge(
        "account_tools.credential_cache_hit_ratio", callbacks=[callback], unit="1", description="Cache hits / lookups"
    )


@dataclass
class ToolMetrics:
    """In-process counters for ``/ping``, mirrored to OpenTelemetry."""

    calls: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, tool: str, error_type: str | None) -> None:
        """Count one call of ``tool`` and, if it failed, its ``error_type``."""
        with self._lock:
            self.calls[tool] += 1
            if error_type:
                self.errors[error_type] += 1
        TOOL_CALLS.add(1, {"tool": tool, "outcome": error_type or "ok"})
        if error_type:
            TOOL_ERRORS.add(1, {"tool": tool, "error_type": error_type})


def record_vend_latency(seconds: float, *, scope: str) -> None:
    """Record one vend's round trip."""
    VEND_LATENCY.record(seconds * 1000, {"scope": scope})
