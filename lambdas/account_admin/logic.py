"""Operator actions on the registry. Secrets are KMS-encrypted here, bound to their row.

Only this component may ``kms:Encrypt`` (and only the vendor may ``kms:Decrypt``).
"""

from __future__ import annotations

import re
import secrets
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from account_registry.models import AccountRecord, AccountSummary, Organization
from account_registry.secrets import encrypt_secret
from account_registry.settings import RegistrySettings
from account_registry.store import RegistryStore

ROLE_ARN_PATTERN = r"^arn:aws[a-z-]*:iam::\d{12}:role/(?:[\w+=,.@-]+/)*[\w+=,.@-]{1,64}$"
ACCESS_KEY_ID_PATTERN = r"^AKIA[A-Z0-9]{12,124}$"
# ExternalId: 2-1224 characters of [\w+=,.@:/-] (STS AssumeRole). 32 random bytes -> 43 URL-safe characters.
EXTERNAL_ID_BYTES = 32


def new_external_id() -> str:
    """A random, unguessable ExternalId (256 bits from ``secrets``; URL-safe base64 is in STS's alphabet)."""
    return secrets.token_urlsafe(EXTERNAL_ID_BYTES)


class AdminError(Exception):
    """An operator request that cannot be carried out (message names the field)."""


class RegisterOrganization(BaseModel):
    """Create an organization; its ExternalId is generated, never chosen by the caller."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)


class RegisterAccount(BaseModel):
    """Register one AWS account.

    ``iam_role`` needs ``role_arn`` (a role in that same account); ``aksk`` needs
    ``access_key_id`` and ``secret_access_key`` (encrypted before it is stored).
    """

    model_config = ConfigDict(extra="forbid")

    account_id: str = Field(pattern=r"^\d{12}$")
    org_id: str = Field(pattern=r"^[0-9a-fA-F-]{36}$")
    auth_type: Literal["aksk", "iam_role"]
    alias: str | None = Field(default=None, max_length=100)
    region: str = Field(default="us-east-1", pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
    role_arn: str | None = Field(default=None, pattern=ROLE_ARN_PATTERN)
    access_key_id: str | None = Field(default=None, pattern=ACCESS_KEY_ID_PATTERN)
    secret_access_key: SecretStr | None = Field(default=None, min_length=16, max_length=128)

    @model_validator(mode="after")
    def _fields_match_auth_type(self) -> RegisterAccount:
        if self.auth_type == "iam_role":
            if not self.role_arn:
                raise ValueError("role_arn is required for auth_type iam_role")
            if self.access_key_id or self.secret_access_key:
                raise ValueError("access_key_id/secret_access_key are only for auth_type aksk")
            if self.role_arn.split(":")[4] != self.account_id:
                raise ValueError("role_arn must be a role in account_id")
        else:
            if not (self.access_key_id and self.secret_access_key):
                raise ValueError("access_key_id and secret_access_key are required for auth_type aksk")
            if self.role_arn:
                raise ValueError("role_arn is only for auth_type iam_role")
        return self


class AccountAdmin:
    """Registry administration.

    Args:
        store: Registry data access.
        kms_client: boto3 KMS client (``kms:Encrypt`` on ``key_arn``).
        key_arn: The registry's KMS key.
        settings: Registry settings; the customer role name pattern is enforced at registration.
    """

    def __init__(
        self, store: RegistryStore, *, kms_client: Any, key_arn: str, settings: RegistrySettings | None = None
    ) -> None:
        self._store = store
        self._kms = kms_client
        self._key_arn = key_arn
        self._settings = settings

    def register_organization(self, request: RegisterOrganization) -> Organization:
        """Create an organization with a fresh ExternalId (give it to the customer for their role's trust policy)."""
        return self._store.create_organization(name=request.name, external_id=new_external_id())

    def register_account(self, request: RegisterAccount) -> AccountSummary:
        """Register an account; an aksk secret is KMS-encrypted with the row's encryption context first.

        Raises:
            AdminError: Unknown organization or the account is already registered.
        """
        org = self._store.get_organization(UUID(request.org_id))
        if org is None:
            raise AdminError(f"org_id: organization {request.org_id} does not exist")
        if self._store.get_account(request.account_id) is not None:
            raise AdminError(f"account_id: {request.account_id} is already registered")
        if (
            request.role_arn
            and self._settings
            and not self._settings.role_name_allowed(request.role_arn.split("/")[-1])
        ):
            raise AdminError(
                f"role_arn: the role name must match {self._settings.customer_role_name_pattern!r}"
                " (the vendor may only assume roles of that name)"
            )
        ciphertext = None
        if request.auth_type == "aksk":
            assert request.secret_access_key is not None
            ciphertext = encrypt_secret(
                self._kms,
                key_arn=self._key_arn,
                plaintext=request.secret_access_key.get_secret_value(),
                account_id=request.account_id,
                org_id=str(org.id),
            )
        record = self._store.insert_account(
            account_id=request.account_id,
            org_id=org.id,
            auth_type=request.auth_type,
            alias=request.alias,
            region=request.region,
            role_arn=request.role_arn,
            access_key_id=request.access_key_id,
            secret_access_key_encrypted=ciphertext,
            secret_kms_key_arn=self._key_arn if ciphertext else None,
        )
        return _summary(record)

    def list_organizations(self) -> list[Organization]:
        """Every organization with its ExternalId (operators hand it to the customer)."""
        return self._store.list_organizations()

    def list_accounts(self, *, include_disabled: bool = True) -> list[AccountSummary]:
        """Every account, without secrets."""
        return self._store.list_accounts(include_disabled=include_disabled)

    def set_enabled(self, account_id: str, *, enabled: bool) -> None:
        """Disable (or re-enable) an account; the vendor refuses disabled accounts.

        Raises:
            AdminError: The account is not registered.
        """
        if not re.fullmatch(r"\d{12}", account_id):
            raise AdminError("account_id: expected 12 digits")
        if not self._store.set_enabled(account_id, enabled=enabled):
            raise AdminError(f"account_id: {account_id} is not registered")

    def rotate_secret(self, account_id: str, *, access_key_id: str, secret_access_key: SecretStr) -> None:
        """Replace an aksk account's key pair (encrypted for the row before it is stored).

        Raises:
            AdminError: Not registered, not an aksk account, or malformed key id.
        """
        if not re.fullmatch(ACCESS_KEY_ID_PATTERN, access_key_id):
            raise AdminError("access_key_id: expected an IAM user access key id (AKIA...)")
        record = self._store.get_account(account_id)
        if record is None or record.auth_type != "aksk":
            raise AdminError(f"account_id: {account_id} is not a registered aksk account")
        ciphertext = encrypt_secret(
            self._kms,
            key_arn=self._key_arn,
            plaintext=secret_access_key.get_secret_value(),
            account_id=account_id,
            org_id=str(record.org_id),
        )
        self._store.replace_secret(
            account_id,
            access_key_id=access_key_id,
            secret_access_key_encrypted=ciphertext,
            secret_kms_key_arn=self._key_arn,
        )


def _summary(record: AccountRecord) -> AccountSummary:
    return AccountSummary(
        account_id=record.account_id,
        alias=record.alias,
        auth_type=record.auth_type,
        region=record.region,
        enabled=record.enabled,
    )
