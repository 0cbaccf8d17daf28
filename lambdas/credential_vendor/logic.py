"""Vend temporary, down-scoped credentials for one registered account.

Every request carries the caller assertion the Gateway interceptor signed; the vendor verifies it
and vends only for an account granted to its principal (directly or through the account's
organization), for a scope of the tool it names. Unknown and ungranted accounts get the same
``unauthorized`` answer.

``iam_role`` accounts: STS ``AssumeRole`` into the customer's role with the
organization's ExternalId, a session policy built from the scope, and a
SourceIdentity and RoleSessionName naming the principal.

``aksk`` accounts: KMS ``Decrypt`` of the stored secret (encryption context from
the row), then STS ``GetFederationToken`` with the scope's policy. The long-lived
key never leaves this module: only the temporary credentials are returned.
"""

from __future__ import annotations

import binascii
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pg8000.exceptions
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from account_registry.models import AccountRecord, AccountSummary
from account_registry.secrets import decrypt_secret
from account_registry.store import RegistryConnection
from caller_assertion import (
    CallerAssertion,
    InvalidAssertionError,
    KmsPublicKey,
    federation_name,
    principal_refs,
    session_name,
    verify_assertion,
)
from credential_vendor.cache import VendCache
from credential_vendor.constants import AWS_CONNECT_TIMEOUT_S, AWS_MAX_ATTEMPTS, AWS_READ_TIMEOUT_S
from credential_vendor.errors import (
    AccountNotFoundError,
    AssumeRoleError,
    CredentialError,
    DatabaseError,
    SessionPolicyTooLargeForStsError,
    ThrottledError,
    UnauthorizedError,
)
from credential_vendor.models import VendedCredentials, VendRequest
from credential_vendor.observability import logger
from credential_vendor.scopes import MAX_SESSION_POLICY_CHARS, SCOPES, SessionPolicyTooLargeError, session_policy
from credential_vendor.settings import VendorSettings

ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(?P<account>\d{12}):role/(?:[\w+=,.@-]+/)*(?P<name>[\w+=,.@-]{1,64})$")
# The account of an assumed-role or federated-user ARN returned by STS.
_STS_PRINCIPAL_ACCOUNT = re.compile(r"^arn:aws[a-z-]*:sts::(?P<account>\d{12}):")
# STS and KMS (through the VPC's interface endpoints): short timeouts, one retry; see vend_budget_s.
STS_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": AWS_MAX_ATTEMPTS},
    connect_timeout=AWS_CONNECT_TIMEOUT_S,
    read_timeout=AWS_READ_TIMEOUT_S,
)

_ASSUME_ROLE_HINTS = {
    "AccessDenied": ": the role must trust the platform's vendor role with this organization's ExternalId",
    "RegionDisabledException": ": STS is not activated in the vendor's region for that account",
}

StsClientFactory = Callable[[str, str, str], Any]
"""(access_key_id, secret_access_key, region) -> STS client built from those keys.

The region is always the vendor's own: its VPC has no internet path and reaches only its own
region's STS endpoint, and the temporary credentials STS returns work in every region.
"""


def _sts_client_for_keys(access_key_id: str, secret_access_key: str, region: str) -> Any:
    import boto3  # imported by the first vend, not at cold start (see handler._build_vendor)

    return boto3.client(
        "sts",
        region_name=region,
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret_access_key,
        config=STS_CONFIG,
    )


# Throttling answers of STS and KMS, and PostgreSQL's too_many_connections / cannot_connect_now.
_AWS_THROTTLED = {"Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException",
                  "LimitExceededException"}  # fmt: skip
_PG_THROTTLED = {"53300", "57P03"}


def _raise_if_throttled(code: str, service: str) -> None:
    if code in _AWS_THROTTLED:
        raise ThrottledError(f"{service} is throttling the credential vendor ({code}); retry shortly")


def _sqlstate(exc: Exception) -> str | None:
    detail = exc.args[0] if exc.args else None
    return str(detail.get("C")) if isinstance(detail, dict) else None


@dataclass
class UpstreamCalls:
    """What this execution environment asked of STS, KMS and the registry (logged with each answer)."""

    sts_calls: int = 0
    kms_calls: int = 0
    registry_reads: int = 0


def iso_utc(moment: datetime) -> str:
    """Format a timestamp as ISO-8601 UTC with a ``Z`` suffix (second precision)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class CredentialVendor:
    """Looks accounts up in the registry and vends credentials for them.

    Args:
        settings: Vendor configuration.
        registry: Connection to the account registry.
        sts_client: STS client acting as the vendor's own role (for AssumeRole).
        kms_client: KMS client for decrypting aksk secrets.
        sts_client_for_keys: Builds an STS client from an account's decrypted
            long-lived keys (GetFederationToken), in the region of ``sts_client``; injectable for tests.
        assertion_key: The caller-assertion key's public half (verification is local).
        clock: Seconds since the epoch (injectable for tests).
    """

    def __init__(
        self,
        *,
        settings: VendorSettings,
        registry: RegistryConnection,
        sts_client: Any,
        kms_client: Any,
        assertion_key: KmsPublicKey,
        sts_client_for_keys: StsClientFactory = _sts_client_for_keys,
        clock: Callable[[], float] = time.time,
        cache: VendCache | None = None,
    ) -> None:
        self._settings = settings
        self._registry = registry
        self._sts = sts_client
        self._kms = kms_client
        self._assertion_key = assertion_key
        self._sts_for_keys = sts_client_for_keys
        self._clock = clock
        self.cache = cache
        self._registry_lock = threading.Lock()  # one connection; the local endpoint serves on threads
        self.upstream = UpstreamCalls()

    # -- registry ------------------------------------------------------------
    def _with_store(self, operation: Callable[[Any], Any]) -> Any:
        """Run a registry read (one retry on a stale connection or rotated password), mapping failures."""
        try:
            with self._registry_lock:
                self.upstream.registry_reads += 1
                return self._registry.run(operation)
        except (pg8000.exceptions.InterfaceError, OSError) as exc:
            raise DatabaseError("the account registry is unreachable; retry later") from exc
        except pg8000.exceptions.DatabaseError as exc:
            if _sqlstate(exc) in _PG_THROTTLED:
                raise ThrottledError("the account registry is busy; retry shortly") from exc
            raise DatabaseError("the account registry query failed") from exc
        except (ClientError, BotoCoreError) as exc:  # fetching the database secret
            raise DatabaseError("the account registry credentials could not be read") from exc

    # -- authorization -------------------------------------------------------
    def caller(self, assertion: str | None, *, tool: str | None = None) -> CallerAssertion:
        """The verified caller of a request.

        Raises:
            UnauthorizedError: No assertion, or one that is forged, altered, expired or for another tool.
        """
        try:
            return verify_assertion(assertion, self._assertion_key.get(), tool=tool, now=self._clock())
        except InvalidAssertionError as exc:
            raise UnauthorizedError(str(exc)) from exc

    def list_accounts(self, assertion: str | None) -> list[AccountSummary]:
        """The enabled accounts granted to the caller, without secrets (the runtime's ``list_accounts``).

        Raises:
            UnauthorizedError: The assertion is not valid.
            DatabaseError: The registry could not be read.
        """
        caller = self.caller(assertion)
        refs = principal_refs(caller)
        accounts: list[AccountSummary] = self._with_store(lambda store: store.grants.granted_accounts(refs))
        return accounts

    def _authorize(self, request: VendRequest) -> CallerAssertion:
        """The caller, if the assertion allows this vend: its tool uses the scope, it names this account.

        A many-accounts call's assertion names a list (``target_account_ids``): any account of the list
        may be vended, and each only if it is granted to the principal, like a single account.
        """
        scope = SCOPES[request.scope]
        caller = self.caller(request.assertion)
        if caller.tool not in scope.tools:
            raise UnauthorizedError(f"the caller's tool {caller.tool} does not use scope {request.scope}")
        named = {caller.target_account_id, *(caller.target_account_ids or ())} - {None}
        if named and request.account_id not in named:
            raise UnauthorizedError(f"the caller assertion does not name account {request.account_id}")
        refs = principal_refs(caller)
        if not named:
            # The call named no account: only the caller's one granted account may be used.
            granted = self._with_store(lambda store: store.grants.granted_accounts(refs))
            if [a.account_id for a in granted] != [request.account_id]:
                raise UnauthorizedError("the call named no account and the caller has not exactly one")
        elif not self._with_store(lambda store: store.grants.is_granted(refs, request.account_id)):
            # The same answer whether the account exists or not.
            raise UnauthorizedError(f"account {request.account_id} is not granted to {caller.kind} {caller.name}")
        return caller

    def _account(self, account_id: str) -> AccountRecord:
        record: AccountRecord | None = self._with_store(lambda store: store.get_account(account_id))
        if record is None or not record.enabled:
            # Granted but disabled (or removed since): the caller may know the account exists.
            raise AccountNotFoundError(f"account {account_id} is not registered or is disabled")
        return record

    # -- vending -------------------------------------------------------------
    def vend(self, request: VendRequest) -> VendedCredentials:
        """Vend temporary credentials for ``request.account_id`` limited to ``request.scope``.

        Returns:
            Temporary credentials with ``expiration`` in ISO-8601 UTC.

        Raises:
            UnauthorizedError: No valid caller assertion, or the account is not granted to its principal.
            AccountNotFoundError: A granted account that is disabled.
            DatabaseError: The registry could not be read.
            AssumeRoleError: STS refused AssumeRole.
            CredentialError: Decrypting or exchanging stored credentials failed, or the
                credentials act in a different account than the registry says.
        """
        caller = self._authorize(request)
        record = self._account(request.account_id)
        region = request.region or record.region or self._settings.default_region
        log_groups = self._log_groups(request.scope, record.account_id)
        policy = self._session_policy(request.scope, record.account_id, log_groups)
        duration = request.duration_seconds or self._settings.session_duration_s
        if self.cache is None:
            return self._vend_new(record, caller, request.scope, region, policy, duration, log_groups)
        # Authorized above on every request (assertion, grant, account row): a hit saves only STS and KMS.
        key = (caller.kind, caller.sub, session_name(caller), record.account_id, request.scope, region, duration)
        # The allowlist too: a scope that only names log groups (names_log_groups) does not put it in its policy.
        fingerprint = (record.auth_type, record.role_arn, record.external_id, record.access_key_id,
                       record.secret_access_key_encrypted, record.secret_kms_key_arn, policy, log_groups)  # fmt: skip
        return self.cache.get_or_vend(
            key,
            fingerprint,
            lambda: self._vend_new(record, caller, request.scope, region, policy, duration, log_groups),
            rejected_access_key_id=request.rejected_access_key_id,
        )

    def _vend_new(
        self,
        record: AccountRecord,
        caller: CallerAssertion,
        scope: str,
        region: str,
        policy: str,
        duration: int,
        log_groups: tuple[str, ...] = (),
    ) -> VendedCredentials:
        if record.auth_type == "iam_role":
            creds, principal_arn = self._assume_role(record, caller, policy, duration)
        else:
            creds, principal_arn = self._federate(record, caller, policy, duration)
        acting = _STS_PRINCIPAL_ACCOUNT.match(principal_arn or "")
        if acting is None or acting.group("account") != record.account_id:
            raise CredentialError(f"credentials for account {record.account_id} act in a different account")
        self._record_verification(record.account_id)
        return VendedCredentials(
            access_key_id=creds["AccessKeyId"],
            secret_access_key=creds["SecretAccessKey"],
            session_token=creds["SessionToken"],
            expiration=iso_utc(creds["Expiration"]),
            account_id=record.account_id,
            region=region,
            auth_type=record.auth_type,
            scope=scope,
            allowed_log_groups=list(log_groups) if SCOPES[scope].uses_log_group_allowlist else None,
        )

    def _record_verification(self, account_id: str) -> None:
        """Stamp the account's ``last_verified_at``: STS just answered as that account.

        The only registry write the vendor makes (a column-level privilege, migration 0005). A failure
        is logged and does not fail the vend: the credentials are good, only the record is late.
        """
        try:
            self._with_store(lambda store: store.record_verification(account_id))
        except (DatabaseError, ThrottledError) as exc:
            logger.warning("verification not recorded", extra={"target_account_id": account_id, "reason": str(exc)})

    def _log_groups(self, scope: str, account_id: str) -> tuple[str, ...]:
        """The account's effective log-group allowlist for scopes that use it (``Scope.uses_log_group_allowlist``).

        The platform-wide default of the deployment (``allowed_log_groups``) plus the registry's
        entries of the account's organization and of the account: exact names and ``*`` prefixes.
        Read on every vend of such a scope, so an operator's change reaches the next re-validation.
        """
        if not SCOPES[scope].uses_log_group_allowlist:
            return ()
        entries: list[str] = self._with_store(lambda store: store.log_groups.effective_patterns(account_id))
        return tuple(sorted({*self._settings.allowed_log_groups, *entries}))

    def _session_policy(self, scope: str, account_id: str, log_groups: tuple[str, ...] = ()) -> str:
        try:
            return session_policy(scope, account_id=account_id, log_groups=log_groups)
        except SessionPolicyTooLargeError as exc:
            raise SessionPolicyTooLargeForStsError(
                f"the session policy of scope {scope} for account {account_id} is {exc.size} characters, over"
                f" the STS limit of {MAX_SESSION_POLICY_CHARS}: account {account_id}'s log-group allowlist is too"
                " long (use prefix patterns such as /aws/lambda/orders-*)"
            ) from exc

    def _assume_role(
        self, record: AccountRecord, caller: CallerAssertion, policy: str, duration: int
    ) -> tuple[dict[str, Any], str]:
        match = ROLE_ARN.match(record.role_arn or "")
        if match is None or match.group("account") != record.account_id:
            raise CredentialError(f"the registered role for account {record.account_id} is not a role in that account")
        if not self._settings.role_name_allowed(match.group("name")):
            raise CredentialError(
                f"role {match.group('name')} does not match the allowed customer role name pattern"
                f" {self._settings.customer_role_name_pattern!r}"
            )
        try:
            self.upstream.sts_calls += 1
            response = self._sts.assume_role(
                RoleArn=record.role_arn,
                RoleSessionName=session_name(caller),
                ExternalId=record.external_id,
                Policy=policy,
                DurationSeconds=duration,
                SourceIdentity=session_name(caller),
            )
        except ClientError as exc:
            # STS's message names the calling principal (the vendor's own role ARN): only the code is passed on.
            code = exc.response.get("Error", {}).get("Code", "Unknown")
            _raise_if_throttled(code, "STS")
            raise AssumeRoleError(
                f"AssumeRole into {record.role_arn} failed ({code}){_ASSUME_ROLE_HINTS.get(code, '')}"
            ) from exc
        except BotoCoreError as exc:
            raise AssumeRoleError(f"AssumeRole into {record.role_arn} failed: {type(exc).__name__}") from exc
        return response["Credentials"], response.get("AssumedRoleUser", {}).get("Arn", "")

    def _federate(
        self, record: AccountRecord, caller: CallerAssertion, policy: str, duration: int
    ) -> tuple[dict[str, Any], str]:
        if not (record.access_key_id and record.secret_access_key_encrypted and record.secret_kms_key_arn):
            raise CredentialError(f"account {record.account_id} has no stored access key")
        try:
            self.upstream.kms_calls += 1
            secret = decrypt_secret(
                self._kms,
                key_arn=record.secret_kms_key_arn,
                ciphertext_b64=record.secret_access_key_encrypted,
                account_id=record.account_id,
                org_id=str(record.org_id),
            )
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "Unknown")
            _raise_if_throttled(code, "KMS")
            raise CredentialError(
                f"the stored secret of account {record.account_id} could not be decrypted ({code})"
            ) from exc
        except (BotoCoreError, binascii.Error, UnicodeDecodeError) as exc:
            raise CredentialError(f"the stored secret of account {record.account_id} could not be decrypted") from exc
        try:
            # The vendor's own regional STS endpoint, whatever the account's region (credentials are global).
            sts = self._sts_for_keys(record.access_key_id, secret, self._sts.meta.region_name)
            self.upstream.sts_calls += 1
            response = sts.get_federation_token(Name=federation_name(caller), Policy=policy, DurationSeconds=duration)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "Unknown")
            _raise_if_throttled(code, "STS")
            raise CredentialError(f"GetFederationToken for account {record.account_id} failed ({code})") from exc
        except BotoCoreError as exc:
            raise CredentialError(f"GetFederationToken for account {record.account_id} failed") from exc
        return response["Credentials"], response.get("FederatedUser", {}).get("Arn", "")
