"""Turn one Gateway request into a forwarded request carrying a caller assertion, or a refusal.

Input and output follow the AgentCore Gateway interceptor contract for MCP targets (REQUEST
interception point, ``passRequestHeaders``)::

    in:  {"interceptorInputVersion": "1.0",
          "mcp": {"gatewayRequest": {"headers": {...}, "body": <JSON-RPC request>}}}
    out: {"interceptorOutputVersion": "1.0", "mcp": {"transformedGatewayRequest": {"body": ...}}}
     or: {"interceptorOutputVersion": "1.0", "mcp": {"transformedGatewayResponse": {"statusCode": 401, "body": ...}}}

Every request needs a valid bearer token; anything else is answered here and never reaches the
runtime. A ``tools/call`` gets a fresh caller assertion in ``params._meta`` (replacing whatever the
client put under that key); other methods pass with the key removed.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

from caller_assertion import ASSERTION_META_KEY, MAX_TARGET_ACCOUNTS, CallerAssertion
from gateway_interceptor.constants import GATEWAY_NAME_SEPARATOR
from gateway_interceptor.tokens import Principal, TokenRejectedError, TokenVerifier

INTERCEPTOR_VERSION = "1.0"
UNAUTHORIZED_STATUS = 401
# JSON-RPC error code for a refused caller (implementation-defined server error range).
UNAUTHORIZED_CODE = -32001
MAX_ACCOUNT_NUMBER = 999_999_999_999

Signer = Callable[[CallerAssertion], str]


def _header(headers: dict[str, Any], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return str(value)
    return None


def bare_tool_name(name: str, target: str) -> str:
    """``account-tools___lookup_events`` -> ``lookup_events`` (the runtime's name for the tool)."""
    prefix = f"{target}{GATEWAY_NAME_SEPARATOR}"
    return name[len(prefix) :] if name.startswith(prefix) else name


def named_account(arguments: Any) -> str | None:
    """The account a call names, normalized as the runtime normalizes it; None when absent or invalid.

    A number is zero-padded to 12 digits; a string must be 12 ASCII digits. An invalid value is
    refused by the runtime's validation, so the assertion names no account for it.
    """
    value = arguments.get("target_account_id") if isinstance(arguments, dict) else None
    return _account(value)


def named_accounts(arguments: Any) -> tuple[str, ...] | None:
    """The accounts a many-accounts call names (``target_account_ids``), normalized as the runtime does.

    An array (or its JSON-encoded string form) of 1-``MAX_TARGET_ACCOUNTS`` account ids, each normalized
    like ``named_account``, duplicates removed in order. None when absent or invalid (the runtime's
    validation refuses an invalid list, so the assertion names no accounts for it).
    """
    value = arguments.get("target_account_ids") if isinstance(arguments, dict) else None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_TARGET_ACCOUNTS:
        return None
    accounts = [_account(item) for item in value]
    if any(account is None for account in accounts):
        return None
    return tuple(dict.fromkeys(a for a in accounts if a is not None))


def _account(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_ACCOUNT_NUMBER:
        return f"{value:012d}"
    if isinstance(value, str) and len(value) == 12 and value.isascii() and value.isdigit():
        return value
    return None


def _refusal(request_id: Any, message: str) -> dict[str, Any]:
    return {
        "interceptorOutputVersion": INTERCEPTOR_VERSION,
        "mcp": {
            "transformedGatewayResponse": {
                "statusCode": UNAUTHORIZED_STATUS,
                "body": {
                    "jsonrpc": "2.0",
                    "id": request_id,
                    "error": {"code": UNAUTHORIZED_CODE, "message": f"unauthorized: {message}"},
                },
            }
        },
    }


def intercept(
    event: dict[str, Any], *, verifier: TokenVerifier, sign: Signer, target_name: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Process one Gateway request.

    Args:
        event: The interceptor input.
        verifier: Verifies the bearer token.
        sign: Signs a caller assertion (KMS).
        target_name: The Gateway target name (tool-name prefix).

    Returns:
        The interceptor output, and a log record (principal, method, tool, account, outcome; no token).
    """
    request = (event.get("mcp") or {}).get("gatewayRequest") or {}
    body = request.get("body")
    body = copy.deepcopy(body) if isinstance(body, dict) else {}
    request_id = body.get("id")
    method = body.get("method")
    record: dict[str, Any] = {"method": method}
    try:
        principal: Principal = verifier.verify(_header(request.get("headers") or {}, "authorization"))
    except TokenRejectedError as exc:
        record["outcome"] = "unauthorized"
        record["reason"] = str(exc)
        return _refusal(request_id, str(exc)), record
    record.update(principal=principal.sub, principal_kind=principal.kind)

    params = body.get("params")
    if isinstance(params, dict) and isinstance(params.get("_meta"), dict):
        params["_meta"].pop(ASSERTION_META_KEY, None)  # only this interceptor puts an assertion there
    if method == "tools/call" and isinstance(params, dict):
        tool = bare_tool_name(str(params.get("name", "")), target_name)
        account = named_account(params.get("arguments"))
        accounts = named_accounts(params.get("arguments"))
        record.update(tool=tool, target_account_id=account)
        if accounts is not None:
            record["target_account_ids"] = list(accounts)
        try:
            claims = CallerAssertion.issue(
                sub=principal.sub,
                kind=principal.kind,
                name=principal.name,
                groups=principal.groups,
                tool=tool,
                target_account_id=account,
                target_account_ids=accounts,
            )
        except ValueError:  # e.g. a tool name no tool can have
            record["outcome"] = "invalid_request"
            return _refusal(request_id, "the tool name is not valid"), record
        meta: dict[str, Any] = params["_meta"] if isinstance(params.get("_meta"), dict) else {}
        params["_meta"] = {**meta, ASSERTION_META_KEY: sign(claims)}
    record["outcome"] = "forwarded"
    return {
        "interceptorOutputVersion": INTERCEPTOR_VERSION,
        "mcp": {"transformedGatewayRequest": {"body": body}},
    }, record
