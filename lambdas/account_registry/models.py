"""Row shapes of the account registry."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict

AuthType = Literal["aksk", "iam_role"]


class Organization(BaseModel):
    """A customer organization; its ExternalId guards every AssumeRole into its accounts."""

    model_config = ConfigDict(frozen=True)

    id: UUID
    name: str
    external_id: str
    created_at: datetime


class AccountRecord(BaseModel):
    """One ``aws_accounts`` row joined with its organization's ExternalId.

    Holds the ciphertext of an aksk secret, never its plaintext. ``repr`` hides
    the secret-bearing fields so a stray log line cannot leak them.
    """

    model_config = ConfigDict(frozen=True)

    id: UUID
    account_id: str
    alias: str | None
    auth_type: AuthType
    access_key_id: str | None
    secret_access_key_encrypted: str | None
    secret_kms_key_arn: str | None
    role_arn: str | None
    region: str
    org_id: UUID
    external_id: str
    enabled: bool
    created_at: datetime
    updated_at: datetime

    def __repr_args__(self) -> list[tuple[str | None, object]]:
        hidden = {"access_key_id", "secret_access_key_encrypted", "external_id"}
        return [(k, v) for k, v in super().__repr_args__() if k not in hidden]


class AccountSummary(BaseModel):
    """What an agent may know about a target account: never secrets or ExternalIds."""

    model_config = ConfigDict(frozen=True)

    account_id: str
    alias: str | None
    auth_type: AuthType
    region: str
    enabled: bool


PrincipalType = Literal["client", "user", "group"]


class Grant(BaseModel):
    """A principal's access to an organization (all its accounts) or to one account.

    Attributes:
        principal_type: ``client`` (an agent's OAuth client id), ``user`` (a user's ``sub``) or
            ``group`` (a user group name).
        org_id: The organization granted, or None for an account grant.
        account_id: The account granted, or None for an organization grant.
        revoked_at: When the grant was revoked (UTC), or None while it is active.
    """

    model_config = ConfigDict(frozen=True)

    id: UUID
    principal_type: PrincipalType
    principal: str
    org_id: UUID | None
    account_id: str | None
    created_by: str
    created_at: datetime
    revoked_by: str | None = None
    revoked_at: datetime | None = None


class AuditEntry(BaseModel):
    """One registry change: who (``actor``), what (``action`` on an object, changed fields), when (UTC)."""

    model_config = ConfigDict(frozen=True)

    id: UUID
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    details: dict[str, object]


class LogGroupEntry(BaseModel):
    """One log-group allowlist entry of an organization (all its accounts) or of one account.

    Attributes:
        pattern: An exact log-group name, or a prefix pattern ending in ``*`` (``/aws/lambda/orders-*``).
    """

    id: UUID
    org_id: UUID | None
    account_id: str | None
    pattern: str
    created_by: str
    created_at: datetime
    removed_by: str | None = None
    removed_at: datetime | None = None
