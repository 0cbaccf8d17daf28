"""Lambda entry point of the credential vendor.

Invoked only by the AgentCore Runtime's role (resource policy). The payload is
``{"action": "vend", "account_id", "scope", "assertion", "region"?, "duration_seconds"?}``
or ``{"action": "list_accounts", "assertion"}``; the ``assertion`` is the caller assertion the
Gateway interceptor signed (never logged); the response is ``VendResponse``,
``ListAccountsResponse`` or ``ErrorResponse`` as JSON. Errors are returned as
payloads (never raised), so the caller always gets an ``error_type``.

Both payloads may carry the runtime's ``correlation_id`` of the tool call: every log line of the
invocation carries it (Powertools correlation id). Metrics: ``VendSuccess``, ``VendFailure`` and
``VendLatency`` by ``service``, by ``service`` + ``scope`` and, for failures, by ``service`` +
``error_type`` (+ ``scope``); ``AwsCallFailure`` by ``operation`` (``AssumeRole``, ``Decrypt``,
``GetFederationToken``) when an AWS call failed.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import asdict
from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError
from pydantic import ValidationError

from credential_vendor.constants import METRICS_NAMESPACE, POWERTOOLS_SERVICE_NAME
from credential_vendor.errors import VendorError
from credential_vendor.models import (
    CORRELATION_ID_PATTERN,
    ErrorResponse,
    ListAccountsRequest,
    ListAccountsResponse,
    VendRequest,
    VendResponse,
)
from credential_vendor.observability import capture_lambda_handler, logger, metrics

if TYPE_CHECKING:
    from credential_vendor.logic import CredentialVendor

_BUILD_LOCK = threading.Lock()
_CORRELATION_ID = re.compile(CORRELATION_ID_PATTERN)


def _vendor() -> CredentialVendor:
    """The vendor of this execution environment (one, even when requests arrive concurrently, as locally)."""
    with _BUILD_LOCK:
        return _build_vendor()


@cache
def _build_vendor() -> CredentialVendor:
    """Build the vendor once per execution environment (cold start).

    boto3, the registry driver, the assertion verifier and the vending logic are imported here, by the
    first request, rather than when the module is imported (``make bench``: ``vendor_import_ms``).
    """
    import boto3

    from caller_assertion import KmsPublicKey
    from credential_vendor.cache import VendCache
    from credential_vendor.logic import STS_CONFIG, CredentialVendor
    from credential_vendor.settings import VendorSettings

    settings = VendorSettings.from_env()
    kms = boto3.client("kms", config=STS_CONFIG)
    return CredentialVendor(
        settings=settings,
        registry=settings.connection(),
        sts_client=boto3.client("sts", config=STS_CONFIG),
        kms_client=kms,
        assertion_key=KmsPublicKey(kms, settings.assertion_key_id),
        cache=VendCache(),  # lives as long as the execution environment
    )


def _principal(vendor: CredentialVendor, assertion: str | None) -> str | None:
    """``kind:sub`` of a verified assertion for log lines, or None (the assertion itself is never logged)."""
    try:
        caller = vendor.caller(assertion)
    except VendorError:
        return None
    return f"{caller.kind}:{caller.sub}"


def _upstream(vendor: CredentialVendor) -> dict[str, int]:
    """This environment's totals so far: STS, KMS and registry calls, and its own cache's hits and misses."""
    upstream = getattr(vendor, "upstream", None)  # stand-in vendors in tests have none
    totals = asdict(upstream) if upstream is not None else {}
    cache = getattr(vendor, "cache", None)
    if cache is not None:
        totals |= {"cache_hits": cache.hits, "cache_misses": cache.misses}
    return totals


def _correlation_id(event: Any) -> str | None:
    """The event's ``correlation_id`` if it is well formed (read before validation: refusals log it too)."""
    value = event.get("correlation_id") if isinstance(event, dict) else None
    return value if isinstance(value, str) and _CORRELATION_ID.match(value) else None


def _failed_aws_operation(exc: VendorError) -> str | None:
    """The AWS operation whose error ended the vend (``AssumeRole``, ``Decrypt``...), if an AWS call failed."""
    cause = exc.__cause__ or exc.__context__
    return cause.operation_name if isinstance(cause, ClientError) else None


def _count_failure(exc: VendorError, *, scope: str) -> None:
    """``VendFailure`` (and the invocation's other metrics) by ``error_type``; ``AwsCallFailure`` by operation."""
    metrics.add_dimensions(service=POWERTOOLS_SERVICE_NAME, error_type=exc.error_type)
    metrics.add_dimensions(service=POWERTOOLS_SERVICE_NAME, error_type=exc.error_type, scope=scope)
    metrics.add_metric(name="VendFailure", unit=MetricUnit.Count, value=1)
    operation = _failed_aws_operation(exc)
    if operation is not None:
        with single_metric(
            name="AwsCallFailure",
            unit=MetricUnit.Count,
            value=1,
            namespace=METRICS_NAMESPACE,
            default_dimensions={"service": POWERTOOLS_SERVICE_NAME},
        ) as metric:
            metric.add_dimension(name="operation", value=operation)


def validation_message(exc: ValidationError) -> str:
    """Name each invalid field and why, without echoing the input values."""
    parts = []
    for error in exc.errors(include_input=False, include_url=False):
        field = ".".join(str(p) for p in error["loc"]) or "payload"
        parts.append(f"{field}: {error['msg']}")
    return "invalid request: " + "; ".join(parts)


def handle(event: Any, vendor: CredentialVendor) -> dict[str, Any]:
    """Dispatch one invoke payload to the vendor and shape the response.

    Args:
        event: The Lambda Invoke payload (already JSON-decoded).
        vendor: The configured vendor.

    Returns:
        A JSON-serializable response; errors carry ``error_type`` and ``message``.
    """
    action = event.get("action", "vend") if isinstance(event, dict) else None
    logger.set_correlation_id(_correlation_id(event))
    try:
        if action == "list_accounts":
            listing = ListAccountsRequest.model_validate(event)
            accounts = vendor.list_accounts(listing.assertion)
            logger.info("listed", extra={"outcome": "ok", "principal": _principal(vendor, listing.assertion)})
            return ListAccountsResponse(accounts=accounts).model_dump(mode="json")
        request = VendRequest.model_validate(event)
    except ValidationError as exc:
        metrics.add_metric(name="VendInvalidRequest", unit=MetricUnit.Count, value=1)
        logger.info("vend rejected", extra={"outcome": "invalid_request"})
        return ErrorResponse(error_type="invalid_request", message=validation_message(exc)).model_dump()
    except VendorError as exc:
        logger.warning("list_accounts failed", extra={"outcome": exc.error_type, "reason": exc.message})
        return ErrorResponse(error_type=exc.error_type, message=exc.message).model_dump()

    principal = _principal(vendor, request.assertion)
    logger.append_keys(target_account_id=request.account_id, scope=request.scope, principal=principal)
    metrics.add_dimensions(service=POWERTOOLS_SERVICE_NAME, scope=request.scope)
    started = time.perf_counter()
    try:
        credentials = vendor.vend(request)
    except VendorError as exc:
        _count_failure(exc, scope=request.scope)
        logger.warning(
            "vend failed", extra={"outcome": exc.error_type, "reason": exc.message, "upstream": _upstream(vendor)}
        )
        return ErrorResponse(
            error_type=exc.error_type, message=exc.message, retry_after_s=exc.retry_after_s
        ).model_dump(exclude_none=True)
    finally:
        metrics.add_metric(
            name="VendLatency", unit=MetricUnit.Milliseconds, value=(time.perf_counter() - started) * 1000
        )
        logger.remove_keys(["target_account_id", "scope", "principal"])
    metrics.add_metric(name="VendSuccess", unit=MetricUnit.Count, value=1)
    logger.info(
        "vended",
        extra={
            "outcome": "ok",
            "principal": principal,
            "scope": credentials.scope,
            "target_account_id": credentials.account_id,
            "auth_type": credentials.auth_type,
            "expiration": credentials.expiration,
            "upstream": _upstream(vendor),
        },
    )
    return VendResponse(credentials=credentials).model_dump()


# log_event=False whatever POWERTOOLS_LOGGER_LOG_EVENT says: the event is never logged.
@logger.inject_lambda_context(clear_state=True, log_event=False)
@capture_lambda_handler
@metrics.log_metrics(raise_on_empty_metrics=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Lambda handler: see the module docstring for the payload shapes."""
    return handle(event, _vendor())
