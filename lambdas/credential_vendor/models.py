"""Request and response shapes of the credential vendor (Lambda Invoke payloads)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from account_registry.models import AccountSummary, AuthType
from credential_vendor.constants import MAX_SESSION_DURATION_S, MIN_SESSION_DURATION_S
from credential_vendor.scopes import SCOPES

AccountId = Annotated[str, Field(pattern=r"^\d{12}$", description="12-digit AWS account id")]
Region = Annotated[str, Field(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$", description="AWS Region code, e.g. us-east-1")]
# A compact JWS from the Gateway interceptor (caller_assertion); verified by the vendor, never logged.
Assertion = Annotated[str, Field(min_length=1, max_length=4096, description="the caller assertion of this call")]
# Set by the runtime per tool call; the vendor logs it (Powertools correlation id) so one call can be followed.
CORRELATION_ID_PATTERN = r"^[A-Za-z0-9._:-]{1,128}$"
CorrelationId = Annotated[
    str, Field(pattern=CORRELATION_ID_PATTERN, description="id of the tool call that asked, for log correlation")
]


class VendRequest(BaseModel):
    """``{"action": "vend", "account_id", "scope", "assertion", "region"?, "duration_seconds"?, "correlation_id"?}``.

    The caller is not a field: it is the principal of the verified ``assertion``.
    """

    model_config = ConfigDict(extra="forbid")

    action: Literal["vend"] = "vend"
    account_id: AccountId
    scope: str = Field(description="a key of the server-side scope registry")
    region: Region | None = None
    assertion: Assertion | None = None
    duration_seconds: int | None = Field(
        default=None,
        ge=MIN_SESSION_DURATION_S,
        le=MAX_SESSION_DURATION_S,
        description="credential lifetime in seconds, 900-3600; default from the vendor's settings",
    )
    rejected_access_key_id: str | None = Field(
        default=None,
        pattern=r"^[A-Z0-9]{16,128}$",
        description="an access key AWS refused (ExpiredToken...): if it is the cached one, vend anew",
    )
    correlation_id: CorrelationId | None = None

    @field_validator("scope")
    @classmethod
    def _known_scope(cls, value: str) -> str:
        if value not in SCOPES:
            raise ValueError(f"unknown scope; expected one of {', '.join(sorted(SCOPES))}")
        return value


class ListAccountsRequest(BaseModel):
    """``{"action": "list_accounts", "assertion", "correlation_id"?}``: the enabled accounts granted to the caller."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["list_accounts"]
    assertion: Assertion | None = None
    correlation_id: CorrelationId | None = None


class VendedCredentials(BaseModel):
    """Temporary credentials for one account and scope.

    Attributes:
        expiration: ISO-8601 UTC timestamp, e.g. ``2026-11-21T14:00:00Z``.
    """

    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: str
    account_id: str
    region: str
    auth_type: AuthType
    scope: str
    allowed_log_groups: list[str] | None = Field(
        default=None,
        description="scopes that use the log-group allowlist: the account's effective allowlist (exact names"
        " and prefix patterns ending in *) the session policy was built from",
    )

    def __repr_args__(self) -> list[tuple[str | None, object]]:
        hidden = {"secret_access_key", "session_token"}
        return [(k, v) for k, v in super().__repr_args__() if k not in hidden]


class VendResponse(BaseModel):
    """Successful vend: ``{"ok": true, "credentials": {...}}``."""

    ok: Literal[True] = True
    credentials: VendedCredentials


class ListAccountsResponse(BaseModel):
    """``{"ok": true, "accounts": [...]}`` without secrets."""

    ok: Literal[True] = True
    accounts: list[AccountSummary]


class ErrorResponse(BaseModel):
    """Failed request: ``{"ok": false, "error_type": ..., "message": ...}``."""

    ok: Literal[False] = False
    error_type: str
    message: str
    retry_after_s: int | None = Field(default=None, description="set when retryable: seconds to wait")
