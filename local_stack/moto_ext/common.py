"""Helpers shared by the emulator extensions: pagination tokens, timestamps, number formatting."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from local_stack.moto_ext.exceptions import InvalidNextTokenException

MONEY_QUANTUM = Decimal("0.01")


def fingerprint(params: Any) -> str:
    """Return a short stable hash of request parameters, used to bind a NextToken to its request."""
    canonical = json.dumps(params, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def encode_token(offset: int, params: Any) -> str:
    """Return an opaque pagination token for ``offset`` into the result of a request with ``params``."""
    raw = json.dumps({"o": offset, "h": fingerprint(params)}).encode()
    return base64.urlsafe_b64encode(raw).decode()


def decode_token(token: str | None, params: Any, error: type[Exception] = InvalidNextTokenException) -> int:
    """Return the offset a token points to, 0 for no token.

    Raises:
        error: the token is malformed or was issued for a request with other parameters (as AWS does).
    """
    if not token:
        return 0
    try:
        decoded = json.loads(base64.urlsafe_b64decode(token.encode()))
        offset = int(decoded["o"])
        issued_for = str(decoded["h"])
    except (binascii.Error, ValueError, KeyError, TypeError) as exc:
        raise error("The NextToken is invalid.") from exc
    if issued_for != fingerprint(params) or offset < 0:
        raise error("The NextToken was not issued for this request; repeat the request with its original parameters.")
    return offset


def parse_timestamp(value: Any) -> datetime:
    """Parse an AWS JSON-protocol timestamp (epoch seconds) or an ISO 8601 string into an aware UTC datetime.

    Raises:
        ValueError: the value is neither.
    """
    if isinstance(value, int | float):
        return datetime.fromtimestamp(float(value), tz=UTC)
    if isinstance(value, str):
        try:
            return datetime.fromtimestamp(float(value), tz=UTC)
        except ValueError:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise ValueError(f"not a timestamp: {value!r}")


def to_decimal(value: Any, field: str) -> Decimal:
    """Return ``value`` as a Decimal.

    Raises:
        ValueError: the value is not a number; the message names ``field``.
    """
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"{field} must be a number, got {value!r}") from exc


def money(value: Decimal) -> str:
    """Format a Decimal as Cost Explorer does for amounts and percentages (two decimals)."""
    return str(value.quantize(MONEY_QUANTUM))
