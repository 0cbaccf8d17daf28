"""Operator actions on the registry. Secrets are KMS-encrypted here, bound to their row.

Only this component may ``kms:Encrypt`` (and only the vendor may ``kms:Decrypt``).
"""

from __future__ import annotations

import re
import secrets
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from account_registry.models import (
    AccountRecord,
    AccountSummary,
    AuditEntry,
    Grant,
    LogGroupEntry,
    Organization,
    PrincipalType,
)
from account_registry.secrets import encrypt_secret
from account_registry.settings import RegistrySettings
from account_registry.store import RegistryStore
from credential_vendor.scopes import MAX_SESSION_POLICY_CHARS, SCOPES, SessionPolicyTooLargeError, session_policy

ROLE_ARN_PATTERN = r"^arn:aws[a-z-]*:iam::\d{12}:role/(?:[\w+=,.@-]+/)*[\w+=,.@-]{1,64}$"
ACCESS_KEY_ID_PATTERN = r"^AKIA[A-Z0-9]{12,124}$"
REGION_PATTERN = r"^[a-z]{2}(-gov)?-[a-z]+-\d$"
UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
# A CloudWatch Logs log-group name, or a prefix pattern: the name's start and one trailing '*'.
LOG_GROUP_PATTERN = r"^[-._/#A-Za-z0-9]{1,512}\*?$"
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
    org_id: str = Field(pattern=UUID_PATTERN)
    auth_type: Literal["aksk", "iam_role"]
    alias: str | None = Field(default=None, max_length=100)
    region: str = Field(default="us-east-1", pattern=REGION_PATTERN)
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


class UpdateAccount(BaseModel):
    """Change an account's role ARN, alias or region (at least one)."""

    model_config = ConfigDict(extra="forbid")

    account_id: str = Field(pattern=r"^\d{12}$")
    alias: str | None = Field(default=None, min_length=1, max_length=100)
    region: str | None = Field(default=None, pattern=REGION_PATTERN)
    role_arn: str | None = Field(default=None, pattern=ROLE_ARN_PATTERN)

    @model_validator(mode="after")
    def _something_to_change(self) -> UpdateAccount:
        if self.alias is None and self.region is None and self.role_arn is None:
            raise ValueError("give at least one of alias, region, role_arn")
        if self.role_arn and self.role_arn.split(":")[4] != self.account_id:
            raise ValueError("role_arn must be a role in account_id")
        return self


class OrgOrAccount(BaseModel):
    """What a grant or an allowlist entry applies to: an organization (all its accounts) or one account."""

    model_config = ConfigDict(extra="forbid")

    org_id: str | None = Field(default=None, pattern=UUID_PATTERN)
    account_id: str | None = Field(default=None, pattern=r"^\d{12}$")

    @model_validator(mode="after")
    def _one_target(self) -> OrgOrAccount:
        if (self.org_id is None) == (self.account_id is None):
            raise ValueError("give exactly one of org_id, account_id")
        return self


class AddGrant(OrgOrAccount):
    """Grant a principal an organization or one account."""

    principal_type: PrincipalType
    principal: str = Field(min_length=1, max_length=256)


class LogGroupTarget(OrgOrAccount):
    """An organization (all its accounts) or one account, for log-group allowlist entries."""


class LogGroupChange(LogGroupTarget):
    """Add or remove one allowlist entry: an exact log-group name or a prefix pattern ending in ``*``."""

    pattern: str = Field(
        pattern=LOG_GROUP_PATTERN,
        description="a log-group name (/aws/lambda/orders-api) or a prefix pattern (/aws/lambda/orders-*)",
    )


class ImportAccount(BaseModel):
    """One first-version account with its organization, the secret already Fernet-decrypted by the CLI."""

    model_config = ConfigDict(extra="forbid")

    org_name: str = Field(min_length=1, max_length=200)
    org_external_id: str = Field(min_length=2, max_length=1224, pattern=r"^[A-Za-z0-9_+=,.@:/-]+$")
    account_id: str = Field(pattern=r"^\d{12}$")
    auth_type: Literal["aksk", "iam_role"]
    alias: str | None = Field(default=None, max_length=100)
    region: str = Field(default="us-east-1", pattern=REGION_PATTERN)
    role_arn: str | None = Field(default=None, pattern=ROLE_ARN_PATTERN)
    access_key_id: str | None = Field(default=None, pattern=ACCESS_KEY_ID_PATTERN)
    secret_access_key: SecretStr | None = Field(default=None, min_length=16, max_length=128)
    dry_run: bool = False

    @model_validator(mode="after")
    def _fields_match_auth_type(self) -> ImportAccount:
        if self.auth_type == "iam_role" and not self.role_arn:
            raise ValueError("role_arn is required for auth_type iam_role")
        if self.auth_type == "aksk" and not (self.access_key_id and (self.secret_access_key or self.dry_run)):
            raise ValueError("access_key_id and secret_access_key are required for auth_type aksk")
        return self


class AccountAdmin:
    """Registry administration; every change writes its audit row in the change's transaction.

    Args:
        store: Registry data access.
        kms_client: boto3 KMS client (``kms:Encrypt`` on ``key_arn``).
        key_arn: The registry's KMS key.
        settings: Registry settings; the customer role name pattern is enforced at registration.
        actor: Who asks, as AWS verified them (the caller ARN of the function URL request).
        default_log_groups: The platform-wide default log-group allowlist (the vendor's
            ``ALLOWED_LOG_GROUPS``), counted when an entry is checked against the STS policy limit.
    """

    def __init__(
        self,
        store: RegistryStore,
        *,
        kms_client: Any,
        key_arn: str,
        settings: RegistrySettings | None = None,
        actor: str = "unknown",
        default_log_groups: tuple[str, ...] = (),
    ) -> None:
        self._default_log_groups = default_log_groups
        self._store = store
        self._kms = kms_client
        self._key_arn = key_arn
        self._settings = settings
        self._actor = actor

    def _audit(self, action: str, object_type: str, object_id: str, details: dict[str, Any]) -> None:
        self._store.audit(
            actor=self._actor, action=action, object_type=object_type, object_id=object_id, details=details
        )

    # -- organizations ---------------------------------------------------------------
    def register_organization(self, request: RegisterOrganization) -> Organization:
        """The organization named ``request.name`` (see ``create_organization``)."""
        return self.create_organization(request)[0]

    def create_organization(self, request: RegisterOrganization) -> tuple[Organization, bool]:
        """The organization named ``request.name``, created with a fresh ExternalId unless it exists.

        Idempotent by name: a rerun returns the same id and ExternalId (and ``False``).
        """
        with self._store.transaction():
            self._store.lock(f"organization:{request.name}")
            existing = self._store.find_organizations(name=request.name)
            if existing:
                return existing[0], False
            org = self._store.create_organization(name=request.name, external_id=new_external_id())
            self._audit("create", "organization", str(org.id), {"name": org.name})
            return org, True

    def get_organization(self, org_id: str) -> Organization:
        """One organization by id.

        Raises:
            AdminError: Malformed or unknown id.
        """
        if not re.fullmatch(UUID_PATTERN, org_id):
            raise AdminError("org_id: expected a UUID")
        org = self._store.get_organization(UUID(org_id))
        if org is None:
            raise AdminError(f"org_id: organization {org_id} does not exist")
        return org

    def list_organizations(self) -> list[Organization]:
        """Every organization with its ExternalId (operators hand it to the customer)."""
        return self._store.list_organizations()

    # -- accounts --------------------------------------------------------------------
    def _check_role_name(self, role_arn: str | None) -> None:
        if role_arn and self._settings and not self._settings.role_name_allowed(role_arn.split("/")[-1]):
            raise AdminError(
                f"role_arn: the role name must match {self._settings.customer_role_name_pattern!r}"
                " (the vendor may only assume roles of that name)"
            )

    def _encrypt(self, secret: SecretStr, *, account_id: str, org_id: str) -> str:
        return encrypt_secret(
            self._kms, key_arn=self._key_arn, plaintext=secret.get_secret_value(), account_id=account_id, org_id=org_id
        )

    def register_account(self, request: RegisterAccount) -> AccountSummary:
        """Register an account; an aksk secret is KMS-encrypted with the row's encryption context first.

        Raises:
            AdminError: Unknown organization, the account is already registered, or a role name the
                vendor may not assume.
        """
        org = self._store.get_organization(UUID(request.org_id))
        if org is None:
            raise AdminError(f"org_id: organization {request.org_id} does not exist")
        if self._store.get_account(request.account_id) is not None:
            raise AdminError(f"account_id: {request.account_id} is already registered")
        self._check_role_name(request.role_arn)
        ciphertext = None
        if request.auth_type == "aksk":
            assert request.secret_access_key is not None
            ciphertext = self._encrypt(request.secret_access_key, account_id=request.account_id, org_id=str(org.id))
        with self._store.transaction():
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
            self._audit(
                "register",
                "account",
                request.account_id,
                {
                    "org_id": str(org.id),
                    "auth_type": request.auth_type,
                    "alias": request.alias,
                    "region": request.region,
                    "role_arn": request.role_arn,
                    "access_key_id": request.access_key_id,
                },
            )
        return _summary(record)

    def get_account(self, account_id: str) -> dict[str, Any]:
        """What an operator may see of one account (no secret, no ExternalId).

        Raises:
            AdminError: Not registered.
        """
        details = self._store.account_details(_account_id(account_id))
        if details is None:
            raise AdminError(f"account_id: {account_id} is not registered")
        return details

    def update_account(self, request: UpdateAccount) -> dict[str, Any]:
        """Change role ARN, alias or region; the audit row records old and new values.

        Raises:
            AdminError: Not registered, a role ARN on an aksk account, or a role name the vendor may not assume.
        """
        with self._store.transaction():
            self._store.lock(f"account:{request.account_id}")
            before = self._store.account_details(request.account_id)
            if before is None:
                raise AdminError(f"account_id: {request.account_id} is not registered")
            if request.role_arn and before["auth_type"] != "iam_role":
                raise AdminError("role_arn: only iam_role accounts have a role ARN")
            self._check_role_name(request.role_arn)
            wanted = {"alias": request.alias, "region": request.region, "role_arn": request.role_arn}
            changes = {k: v for k, v in wanted.items() if v is not None and before[k] != v}
            if changes:
                self._store.update_account(request.account_id, changes)
                self._audit(
                    "update",
                    "account",
                    request.account_id,
                    {k: {"from": before[k], "to": v} for k, v in changes.items()},
                )
        return self.get_account(request.account_id)

    def list_accounts(self, *, include_disabled: bool = True) -> list[AccountSummary]:
        """Every account, without secrets."""
        return self._store.list_accounts(include_disabled=include_disabled)

    def set_enabled(self, account_id: str, *, enabled: bool) -> None:
        """Disable (or re-enable) an account; the vendor refuses disabled accounts.

        Raises:
            AdminError: The account is not registered.
        """
        with self._store.transaction():
            if not self._store.set_enabled(_account_id(account_id), enabled=enabled):
                raise AdminError(f"account_id: {account_id} is not registered")
            self._audit("enable" if enabled else "disable", "account", account_id, {"enabled": enabled})

    def delete_account(self, account_id: str) -> None:
        """Delete a disabled account and its grants; the audit row keeps what it was.

        Raises:
            AdminError: Not registered, or still enabled (disable it first).
        """
        with self._store.transaction():
            self._store.lock(f"account:{account_id}")
            before = self._store.account_details(_account_id(account_id))
            if before is None:
                raise AdminError(f"account_id: {account_id} is not registered")
            if before["enabled"]:
                raise AdminError(f"account_id: {account_id} is enabled; disable it first")
            grants = self._store.grants.list_grants(account_id=account_id)
            self._store.delete_account(account_id)
            keep = ("alias", "auth_type", "region", "role_arn", "access_key_id", "org_id", "org_name")
            self._audit(
                "delete",
                "account",
                account_id,
                {k: before[k] for k in keep} | {"grants_removed": [str(g.id) for g in grants]},
            )

    def rotate_secret(self, account_id: str, *, access_key_id: str, secret_access_key: SecretStr) -> None:
        """Replace an aksk account's key pair (encrypted for the row before it is stored).

        Raises:
            AdminError: Not registered, not an aksk account, or malformed key id.
        """
        if not re.fullmatch(ACCESS_KEY_ID_PATTERN, access_key_id):
            raise AdminError("access_key_id: expected an IAM user access key id (AKIA...)")
        record = self._store.get_account(_account_id(account_id))
        if record is None or record.auth_type != "aksk":
            raise AdminError(f"account_id: {account_id} is not a registered aksk account")
        ciphertext = self._encrypt(secret_access_key, account_id=account_id, org_id=str(record.org_id))
        with self._store.transaction():
            self._store.replace_secret(
                account_id,
                access_key_id=access_key_id,
                secret_access_key_encrypted=ciphertext,
                secret_kms_key_arn=self._key_arn,
            )
            self._audit(
                "rotate_secret",
                "account",
                account_id,
                {"access_key_id": {"from": record.access_key_id, "to": access_key_id}},
            )

    # -- grants ----------------------------------------------------------------------
    def add_grant(self, request: AddGrant) -> Grant:
        """Grant an organization or an account (an identical active grant is returned as it is).

        Raises:
            AdminError: Unknown organization or account.
        """
        if request.org_id is not None:
            self.get_organization(request.org_id)
        elif self._store.get_account(str(request.account_id)) is None:
            raise AdminError(f"account_id: {request.account_id} is not registered")
        with self._store.transaction():
            return self._store.grants.add_grant(
                principal_type=request.principal_type,
                principal=request.principal,
                org_id=UUID(request.org_id) if request.org_id else None,
                account_id=request.account_id,
                actor=self._actor,
            )

    def revoke_grant(self, grant_id: str) -> Grant:
        """Revoke an active grant (the row stays, marked revoked).

        Raises:
            AdminError: Malformed id, or no active grant has it.
        """
        if not re.fullmatch(UUID_PATTERN, grant_id):
            raise AdminError("grant_id: expected a UUID")
        with self._store.transaction():
            grant = self._store.grants.revoke_grant(UUID(grant_id), actor=self._actor)
        if grant is None:
            raise AdminError(f"grant_id: no active grant {grant_id}")
        return grant

    def list_grants(self, **filters: Any) -> list[Grant]:
        """Grants matching the filters of ``GrantStore.list_grants``, newest first."""
        return self._store.grants.list_grants(**filters)

    def list_audit(self, **filters: Any) -> list[AuditEntry]:
        """Audit entries matching the filters of ``GrantStore.list_audit``, oldest first."""
        return self._store.grants.list_audit(**filters)

    # -- log-group allowlists ----------------------------------------------------------
    def _log_group_target(self, request: LogGroupTarget) -> tuple[UUID | None, str | None, UUID]:
        """(org_id, account_id, the organization whose allowlists the change touches).

        Raises:
            AdminError: Unknown organization or account.
        """
        if request.org_id is not None:
            org = self.get_organization(request.org_id)
            return org.id, None, org.id
        record = self._store.get_account(str(request.account_id))
        if record is None:
            raise AdminError(f"account_id: {request.account_id} is not registered")
        return None, record.account_id, record.org_id

    def _check_policy_size(self, accounts: list[str], patterns: dict[str, list[str]], new: str) -> None:
        """Refuse ``new`` when any account's session policy with it would exceed the STS limit."""
        for account in accounts:
            allowlist = tuple(sorted({*self._default_log_groups, *patterns[account], new}))
            for scope in (s for s in SCOPES.values() if s.log_group_actions):
                try:
                    session_policy(scope.name, account_id=account, log_groups=allowlist)
                except SessionPolicyTooLargeError as exc:
                    where = f"account {account}" if account != "0" * 12 else "the organization"
                    raise AdminError(
                        f"pattern: with {new} the {scope.name} session policy of {where} would be {exc.size}"
                        f" characters, over STS's limit of {MAX_SESSION_POLICY_CHARS} ({len(allowlist)} entries):"
                        " use a prefix pattern (e.g. /aws/lambda/orders-*) instead of many names, or remove entries"
                    ) from exc

    def add_log_group(self, request: LogGroupChange) -> LogGroupEntry:
        """Allow a log group (or prefix) for an organization or an account (an active duplicate is returned).

        Checked first: every affected account's ``logs_insights`` session policy (the platform default,
        its organization's and its own entries, and this one) must fit STS's limit, so an allowlist that
        cannot be vended is refused here, not at query time. The vendor uses the entry from its next
        vend (within the runtime's revocation bound).

        Raises:
            AdminError: Unknown organization or account, or the policy of some account would be too large.
        """
        org_id, account_id, owner = self._log_group_target(request)
        with self._store.transaction():
            self._store.lock(f"log_groups:{owner}")  # org and account entries of one organization, in turn
            entries = self._store.log_groups
            accounts = [account_id] if account_id else entries.accounts_of(owner)
            patterns = {a: entries.effective_patterns(a) for a in accounts}
            if not accounts:  # an organization without accounts yet: its own entries must fit
                accounts = ["0" * 12]
                patterns = {accounts[0]: [e.pattern for e in entries.list_entries(org_id=owner)]}
            self._check_policy_size(accounts, patterns, request.pattern)
            return entries.add_entry(org_id=org_id, account_id=account_id, pattern=request.pattern, actor=self._actor)

    def remove_log_group(self, request: LogGroupChange) -> LogGroupEntry:
        """Remove an allowlist entry (kept, marked removed); the vendor stops naming it from its next vend.

        Raises:
            AdminError: Unknown organization or account, or no such active entry.
        """
        org_id, account_id, owner = self._log_group_target(request)
        with self._store.transaction():
            self._store.lock(f"log_groups:{owner}")
            entry = self._store.log_groups.remove_entry(
                org_id=org_id, account_id=account_id, pattern=request.pattern, actor=self._actor
            )
        if entry is None:
            target = f"organization {org_id}" if org_id else f"account {account_id}"
            raise AdminError(f"pattern: {request.pattern} is not on the allowlist of {target}")
        return entry

    def list_log_groups(self, request: LogGroupTarget, *, include_removed: bool = False) -> dict[str, Any]:
        """An organization's entries, or an account's (its own and its organization's) with its effective allowlist.

        Raises:
            AdminError: Unknown organization or account.
        """
        org_id, account_id, _ = self._log_group_target(request)
        entries = self._store.log_groups.list_entries(
            org_id=org_id, account_id=account_id, include_removed=include_removed
        )
        answer: dict[str, Any] = {"entries": entries, "platform_default": list(self._default_log_groups)}
        if account_id is not None:
            effective = {*self._default_log_groups, *self._store.log_groups.effective_patterns(account_id)}
            answer["effective"] = sorted(effective)
        return answer

    # -- first version ---------------------------------------------------------------
    def import_account(self, request: ImportAccount) -> dict[str, Any]:
        """Bring one first-version account (and its organization, ExternalId kept) into the registry.

        Idempotent: an organization is matched by ExternalId, an account by id. A first-version aksk
        row upgraded in place (Fernet ciphertext, no KMS key) gets its secret re-encrypted under KMS;
        an account already imported is left as it is. ``dry_run`` reports without changing anything.

        Returns:
            ``{"account_id", "organization": created|exists, "account": created|re-encrypted|unchanged}``.

        Raises:
            AdminError: The account exists under another organization, or with another auth type.
        """
        self._check_role_name(request.role_arn)
        with self._store.transaction():
            self._store.lock(f"organization:{request.org_name}")
            self._store.lock(f"account:{request.account_id}")
            orgs = self._store.find_organizations(external_id=request.org_external_id)
            org_outcome = "exists" if orgs else "created"
            record = self._store.get_account(request.account_id)
            if record is not None and (not orgs or record.org_id != orgs[0].id):
                raise AdminError(f"account_id: {request.account_id} is registered under another organization")
            if record is not None and record.auth_type != request.auth_type:
                raise AdminError(f"account_id: {request.account_id} is registered as {record.auth_type}")
            legacy = record is not None and record.auth_type == "aksk" and not record.secret_kms_key_arn
            outcome = "created" if record is None else ("re-encrypted" if legacy else "unchanged")
            result = {"account_id": request.account_id, "organization": org_outcome, "account": outcome}
            if request.dry_run or outcome == "unchanged":
                return result
            if orgs:
                org = orgs[0]
            else:
                org = self._store.create_organization(name=request.org_name, external_id=request.org_external_id)
                self._audit("import", "organization", str(org.id), {"name": org.name, "source": "first-version"})
            ciphertext = None
            if request.auth_type == "aksk":
                assert request.secret_access_key is not None
                ciphertext = self._encrypt(request.secret_access_key, account_id=request.account_id, org_id=str(org.id))
            if record is None:
                self._store.insert_account(
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
            else:
                assert ciphertext is not None
                assert request.access_key_id is not None
                self._store.replace_secret(
                    request.account_id,
                    access_key_id=request.access_key_id,
                    secret_access_key_encrypted=ciphertext,
                    secret_kms_key_arn=self._key_arn,
                )
            self._audit(
                "import",
                "account",
                request.account_id,
                {
                    "source": "first-version",
                    "outcome": outcome,
                    "org_id": str(org.id),
                    "auth_type": request.auth_type,
                    "alias": request.alias,
                    "region": request.region,
                    "role_arn": request.role_arn,
                    "access_key_id": request.access_key_id,
                },
            )
            return result


def _account_id(account_id: str) -> str:
    if not re.fullmatch(r"\d{12}", account_id):
        raise AdminError("account_id: expected 12 digits")
    return account_id


def _summary(record: AccountRecord) -> AccountSummary:
    return AccountSummary(
        account_id=record.account_id,
        alias=record.alias,
        auth_type=record.auth_type,
        region=record.region,
        enabled=record.enabled,
    )
