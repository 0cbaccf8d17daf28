"""Structured tool errors: ``isError`` results with ``error_type``, message and request id.

No stack trace, credential, secret or token ever reaches a result.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from mcp.types import CallToolResult, TextContent

# Vendor error types pass through unchanged; AWS errors are classified below.
VENDOR_ERROR_TYPES = frozenset(
    {
        "invalid_request",
        "unauthorized",
        "account_not_found",
        "credential_error",
        "assume_role_error",
        "database_error",
        "throttled",
    }
)
# AWS refused the credentials themselves: invalidate them, vend anew once, retry once (aws.AccountClients.call).
EXPIRED_CREDENTIAL_CODES = frozenset(
    {"ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId", "UnrecognizedClientException"}
)
THROTTLED_RETRY_AFTER_S = 2

_ACCESS_DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"}
_THROTTLED = {"Throttling", "ThrottlingException", "TooManyRequestsException", "LimitExceededException",
              "RequestLimitExceeded", "ServiceQuotaExceededException"}  # fmt: skip
_INVALID = {"ValidationException", "InvalidParameterException", "InvalidParameterValueException",
            "InvalidParameterCombinationException", "MalformedQueryException", "InvalidLookupAttributesException",
            "InvalidTimeRangeException", "InvalidNextTokenException", "InvalidQueryStatementException",
            "InvalidMaxResultsException", "DataUnavailableException", "BillExpirationException",
            "InvalidEventCategoryException", "InvalidParameter",
            # CloudWatch (query-compatible codes, also under its JSON and CBOR protocols)
            "InvalidParameterValue", "InvalidParameterCombination", "MissingParameter", "InvalidNextToken",
            "ValidationError"}  # fmt: skip
_NOT_FOUND = {"ResourceNotFoundException", "EventDataStoreNotFoundException", "QueryIdNotFoundException",
              "NoSuchEntity", "NotFoundException", "ResourceNotFound"}  # fmt: skip


class ToolFailure(Exception):
    """A failure the agent should read and can act on.

    Args:
        error_type: One of ``invalid_parameter``, ``access_denied``, ``throttled``,
            ``not_found``, ``not_opted_in`` (the account is not enrolled in the service, e.g. Compute
            Optimizer), ``aws_error``, ``timeout`` or a vendor error type.
        message: What went wrong and what to do, without secrets.
        request_id: The AWS request id, when an AWS call failed.
        retry_after_s: Set when the failure is retryable: seconds to wait before calling again.
    """

    def __init__(
        self, error_type: str, message: str, *, request_id: str | None = None, retry_after_s: float | None = None
    ) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.request_id = request_id
        self.retry_after_s = retry_after_s

    def payload(self) -> dict[str, Any]:
        """``{"error_type", "message", "request_id"?, "retry_after_s"?}``."""
        body: dict[str, Any] = {"error_type": self.error_type, "message": self.message}
        if self.request_id:
            body["request_id"] = self.request_id
        if self.retry_after_s is not None:
            body["retry_after_s"] = self.retry_after_s
        return body

    def to_result(self) -> CallToolResult:
        """The MCP ``CallToolResult`` with ``isError`` and the payload as text and structured content."""
        body = self.payload()
        return CallToolResult(
            content=[TextContent(type="text", text=json.dumps(body))], structured_content=body, is_error=True
        )


def from_client_error(exc: ClientError, *, operation: str, account_id: str, scope: str) -> ToolFailure:
    """Classify a botocore ``ClientError`` for the agent.

    AccessDenied names the action and the account so an operator can fix the
    customer role or the scope registry.
    """
    error = exc.response.get("Error", {})
    code = str(error.get("Code", "Unknown"))
    aws_message = str(error.get("Message", ""))[:500]
    request_id = exc.response.get("ResponseMetadata", {}).get("RequestId")
    if code in _ACCESS_DENIED:
        return ToolFailure(
            "access_denied",
            f"{operation} was denied in account {account_id} (scope {scope!r}): {aws_message}. "
            f"The customer role must allow the {scope!r} scope's actions.",
            request_id=request_id,
        )
    if code in _THROTTLED:
        return ToolFailure(
            "throttled",
            f"{operation} was throttled ({code}); retry after a short wait.",
            request_id=request_id,
            retry_after_s=THROTTLED_RETRY_AFTER_S,
        )
    if code in _INVALID:
        return ToolFailure(
            "invalid_parameter", f"{operation} rejected a parameter ({code}): {aws_message}", request_id=request_id
        )
    if code in _NOT_FOUND:
        return ToolFailure("not_found", f"{operation}: {code}: {aws_message}", request_id=request_id)
    return ToolFailure("aws_error", f"{operation} failed ({code}): {aws_message}", request_id=request_id)


def from_botocore_error(exc: BotoCoreError, *, operation: str) -> ToolFailure:
    """Connection, timeout and other client-side failures."""
    return ToolFailure("aws_error", f"{operation} failed before AWS answered: {type(exc).__name__}")
