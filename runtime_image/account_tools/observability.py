"""Structured JSON logs (standard ``logging`` with Powertools' formatter) and tool metrics.

Log records carry the tool name, target account, outcome and duration; never
credentials, arguments that could hold secrets, or AWS responses.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections import Counter
from dataclasses import dataclass, field

from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

SERVICE_NAME = "account-tools-mcp"
logger = logging.getLogger("account_tools")


def configure_logging(level: str = "INFO") -> None:
    """Send JSON log lines to stdout (AgentCore Runtime ships them to CloudWatch Logs)."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(LambdaPowertoolsFormatter(service=SERVICE_NAME))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # botocore logs request parameters at DEBUG; keep it quiet whatever the root level.
    for noisy in ("botocore", "boto3", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


@dataclass
class ToolMetrics:
    """In-process counters exposed on the health endpoint and logged per call."""

    calls: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, tool: str, error_type: str | None) -> None:
        """Count one call of ``tool`` and, if it failed, its ``error_type``."""
        with self._lock:
            self.calls[tool] += 1
            if error_type:
                self.errors[error_type] += 1
