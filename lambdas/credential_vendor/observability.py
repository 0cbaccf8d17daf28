"""Powertools Logger, Tracer and Metrics, created once for the vendor.

The Tracer is created at the first invocation, not at import: creating one imports the X-Ray SDK
(about 200 ms), which the module import would otherwise pay before the handler exists.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools import Logger, Metrics, Tracer

from account_registry.log_safety import silence_sdk_wire_logs
from credential_vendor.constants import METRICS_NAMESPACE, POWERTOOLS_SERVICE_NAME

logger = Logger(service=POWERTOOLS_SERVICE_NAME)
metrics = Metrics(namespace=METRICS_NAMESPACE, service=POWERTOOLS_SERVICE_NAME)

silence_sdk_wire_logs()

R = TypeVar("R")
_TRACER_LOCK = threading.Lock()


@functools.cache
def tracer() -> Tracer:
    """The vendor's Powertools Tracer (built once, at first use)."""
    return Tracer(service=POWERTOOLS_SERVICE_NAME)


def capture_lambda_handler(fn: Callable[[Any, Any], R]) -> Callable[[Any, Any], R]:
    """``tracer().capture_lambda_handler(capture_response=False)``, applied at the first invocation.

    Same segments, annotations (``ColdStart``, service) and error capture as the decorator applied at
    import; only the Tracer's creation moves from the import to the first request.
    """
    traced: list[Callable[[Any, Any], R]] = []

    @functools.wraps(fn)
    def handler(event: Any, context: Any) -> R:
        if not traced:
            with _TRACER_LOCK:
                if not traced:
                    traced.append(tracer().capture_lambda_handler(fn, capture_response=False))
        return traced[0](event, context)

    return handler
