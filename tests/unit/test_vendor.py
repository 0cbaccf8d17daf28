"""Credential vendor logic and handler, with botocore Stubber for STS and KMS (exact requests)
and an in-memory registry fake. No network."""

from __future__ import annotations

import base64
import io
import json
import logging
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, TypedDict
from uuid import uuid4

import boto3
import pg8000.exceptions
import pytest
from botocore.stub import Stubber

from account_registry.models import AccountRecord
from account_registry.store import RegistryConnection
from caller_assertion import KmsPublicKey
from credential_vendor.errors import (
    AccountNotFoundError,
    AssumeRoleError,
    CredentialError,
    DatabaseError,
    UnauthorizedError,
)
from credential_vendor.handler import handle
from credential_vendor.logic import CredentialVendor
from credential_vendor.models import VendRequest
from credential_vendor.scopes import SCOPES, session_policy
from credential_vendor.settings import VendorSettings
from tests.callers import KEY_ID, Callers

pytestmark = pytest.mark.unit

ROLE_ACCOUNT = "222222222222"
AKSK_ACCOUNT = "333333333333"
ORG_ID = uuid4()
EXTERNAL_ID = "ext-5b1c0f2a9d"
KEY_ARN = "arn:aws:kms:us-east-1:111111111111:key/11111111-2222-3333-4444-555555555555"
LONG_LIVED_SECRET = "wJalrXUtnFEMI/K7MDENG/LONGLIVEDSECRETxx"
CIPHERTEXT = base64.b64encode(b"opaque-ciphertext-blob").decode()
EXPIRATION = datetime(2026, 11, 21, 15, 0, tzinfo=UTC)


class _Credentials(TypedDict):
    """The ``Credentials`` member of STS answers."""

    AccessKeyId: str
    SecretAccessKey: str
    SessionToken: str
    Expiration: datetime


TEMP: _Credentials = {
    "AccessKeyId": "ASIATEMPORARYKEY0001",
    "SecretAccessKey": "temporary-secret-key-value-0001",
    "SessionToken": "temporary-session-token-0001",
    "Expiration": EXPIRATION,
}


def record(account_id: str, **overrides: Any) -> AccountRecord:
    now = datetime.now(UTC)
    base: dict[str, Any] = {
        "id": uuid4(),
        "account_id": account_id,
        "alias": "demo",
        "auth_type": "iam_role",
        "access_key_id": None,
        "secret_access_key_encrypted": None,
        "secret_kms_key_arn": None,
        "role_arn": f"arn:aws:iam::{account_id}:role/AccountToolsReadOnly",
        "region": "eu-west-1",
        "org_id": ORG_ID,
        "external_id": EXTERNAL_ID,
        "enabled": True,
        "created_at": now,
        "updated_at": now,
    }
    return AccountRecord(**(base | overrides))


AKSK_RECORD = record(
    AKSK_ACCOUNT,
    auth_type="aksk",
    role_arn=None,
    access_key_id="AKIALONGLIVEDKEY0001",
    secret_access_key_encrypted=CIPHERTEXT,
    secret_kms_key_arn=KEY_ARN,
)


CALLERS = Callers()


def req(account_id: str, scope: str, *, named: str | bool | None = True, **kwargs: Any) -> VendRequest:
    """A vend request carrying a caller assertion for a tool of ``scope`` that names ``account_id``.

    ``named=False`` (or None): the assertion names no account; caller fields (``sub``, ``kind``,
    ``name``, ``groups``) go to the assertion, everything else to the request.
    """
    caller = {k: kwargs.pop(k) for k in ("sub", "kind", "name", "groups", "tool", "now", "ttl_s") if k in kwargs}
    tool = caller.pop("tool", SCOPES[scope].tools[0])
    target = account_id if named is True else None
    assertion = CALLERS.assertion(tool, target, **caller)
    return VendRequest(account_id=account_id, scope=scope, assertion=assertion, **kwargs)


def event(account_id: str, scope: str, **kwargs: Any) -> dict[str, Any]:
    """The invoke payload of ``req``."""
    return req(account_id, scope, **kwargs).model_dump(exclude_none=True)


class FakeStore:
    """The registry reads the vendor makes: accounts, and grants (every caller is granted ``granted``)."""

    def __init__(
        self,
        records: list[AccountRecord],
        error: Exception | None = None,
        granted: list[str] | None = None,
        allowlists: dict[str, list[str]] | None = None,
    ) -> None:
        self.records = {r.account_id: r for r in records}
        self.allowlists = allowlists or {}  # account id -> its effective registry entries (org + account)
        self.error = error
        self.lookups: list[str] = []
        self.granted = list(self.records) if granted is None else granted
        self.grant_checks: list[tuple[list[tuple[str, str]], str]] = []
        self.verified: list[str] = []  # accounts whose last_verified_at the vendor stamped

    @property
    def grants(self) -> FakeStore:
        return self

    @property
    def log_groups(self) -> FakeStore:
        return self

    def effective_patterns(self, account_id: str) -> list[str]:
        if self.error:
            raise self.error
        return sorted(self.allowlists.get(account_id, []))

    def is_granted(self, principals: list[tuple[str, str]], account_id: str) -> bool:
        self.grant_checks.append((principals, account_id))
        if self.error:
            raise self.error
        return account_id in self.granted

    def record_verification(self, account_id: str) -> None:
        self.verified.append(account_id)

    def granted_accounts(self, principals: list[tuple[str, str]]) -> list[Any]:
        return [type("Summary", (), {"account_id": a})() for a in self.granted if a in self.records]

    def get_account(self, account_id: str) -> AccountRecord | None:
        self.lookups.append(account_id)
        if self.error:
            raise self.error
        return self.records.get(account_id)

    def list_accounts(self) -> list[Any]:
        return []


class FakeRegistry(RegistryConnection):
    """RegistryConnection (its real retry logic) over an in-memory store instead of PostgreSQL."""

    def __init__(self, store: FakeStore) -> None:
        super().__init__(lambda refresh: pytest.fail("no database in unit tests"))
        self._store = store
        self.resets: list[bool] = []

    def store(self) -> FakeStore:  # type: ignore[override]
        return self._store

    def reset(self, *, refresh_settings: bool = False) -> None:
        self.resets.append(refresh_settings)


@pytest.fixture
def settings() -> VendorSettings:
    return VendorSettings(
        registry_secret_arn="arn:aws:secretsmanager:us-east-1:111111111111:secret:registry",
        allowed_log_groups=("/demo/app",),
        customer_role_name_pattern="AccountToolsReadOnly*",
        assertion_key_id=KEY_ID,
    )


@pytest.fixture
def sts() -> Any:
    return boto3.client("sts", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")


@pytest.fixture
def kms() -> Any:
    return boto3.client("kms", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")


def make_vendor(settings, sts, kms, store: FakeStore, federation_sts: Any | None = None):
    keys_used: list[tuple[str, str, str]] = []

    def sts_for_keys(akid: str, secret: str, region: str) -> Any:
        keys_used.append((akid, secret, region))
        return federation_sts

    vendor = CredentialVendor(
        settings=settings,
        registry=FakeRegistry(store),
        sts_client=sts,
        kms_client=kms,
        assertion_key=KmsPublicKey(CALLERS.kms, KEY_ID),
        sts_client_for_keys=sts_for_keys,
    )
    return vendor, keys_used


def test_iam_role_vend_sends_exact_assume_role_request(settings, sts, kms):
    # Given an iam_role account and a vend for the logs scope
    vendor, _ = make_vendor(settings, sts, kms, FakeStore([record(ROLE_ACCOUNT)]))
    expected = {
        "RoleArn": f"arn:aws:iam::{ROLE_ACCOUNT}:role/AccountToolsReadOnly",
        "RoleSessionName": "agent-42",
        "ExternalId": EXTERNAL_ID,
        "Policy": session_policy("logs_insights", account_id=ROLE_ACCOUNT, log_groups=("/demo/app",)),
        "DurationSeconds": 1800,
        "SourceIdentity": "agent-42",
    }
    response = {
        "Credentials": TEMP,
        "AssumedRoleUser": {
            "AssumedRoleId": "AROAEXAMPLE:agent-42",
            "Arn": f"arn:aws:sts::{ROLE_ACCOUNT}:assumed-role/AccountToolsReadOnly/agent-42",
        },
    }
    with Stubber(sts) as stub:
        stub.add_response("assume_role", response, expected)
        # When
        creds = vendor.vend(req(ROLE_ACCOUNT, "logs_insights", sub="42", duration_seconds=1800))
        stub.assert_no_pending_responses()
    # Then the temporary credentials come back with ISO-8601 UTC expiry and the row's region
    assert creds.access_key_id == TEMP["AccessKeyId"]
    assert creds.session_token == TEMP["SessionToken"]
    assert creds.expiration == "2026-11-21T15:00:00Z"
    assert (creds.account_id, creds.region, creds.auth_type, creds.scope) == (
        ROLE_ACCOUNT,
        "eu-west-1",
        "iam_role",
        "logs_insights",
    )


def test_default_duration_comes_from_settings(sts, kms, settings):
    vendor, _ = make_vendor(settings, sts, kms, FakeStore([record(ROLE_ACCOUNT)]))
    with Stubber(sts) as stub:
        stub.add_response(
            "assume_role",
            {
                "Credentials": TEMP,
                "AssumedRoleUser": {"AssumedRoleId": "A:b", "Arn": f"arn:aws:sts::{ROLE_ACCOUNT}:assumed-role/R/b"},
            },
            {
                "RoleArn": f"arn:aws:iam::{ROLE_ACCOUNT}:role/AccountToolsReadOnly",
                "RoleSessionName": "agent-agent-client-a",
                "ExternalId": EXTERNAL_ID,
                "Policy": session_policy("identity", account_id=ROLE_ACCOUNT),
                "DurationSeconds": 900,
                "SourceIdentity": "agent-agent-client-a",
            },
        )
        vendor.vend(req(ROLE_ACCOUNT, "identity", region="us-west-2"))


def test_aksk_vend_decrypts_with_row_context_and_federates(settings, sts, kms):
    # Given an aksk account whose secret is KMS-encrypted
    federation_sts = boto3.client("sts", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b")
    vendor, keys_used = make_vendor(settings, sts, kms, FakeStore([AKSK_RECORD]), federation_sts)
    with Stubber(kms) as kms_stub, Stubber(federation_sts) as fed_stub:
        kms_stub.add_response(
            "decrypt",
            {"Plaintext": LONG_LIVED_SECRET.encode(), "KeyId": KEY_ARN},
            {
                "KeyId": KEY_ARN,
                "CiphertextBlob": b"opaque-ciphertext-blob",
                # The context comes from the row (account id, org id), never from the request.
                "EncryptionContext": {"account_id": AKSK_ACCOUNT, "org_id": str(ORG_ID)},
            },
        )
        fed_stub.add_response(
            "get_federation_token",
            {
                "Credentials": TEMP,
                "FederatedUser": {
                    "FederatedUserId": f"{AKSK_ACCOUNT}:agent-agent-client-a",
                    "Arn": f"arn:aws:sts::{AKSK_ACCOUNT}:federated-user/agent-agent-client-a",
                },
            },
            {
                "Name": "agent-agent-client-a",
                "Policy": session_policy("cost_explorer", account_id=AKSK_ACCOUNT),
                "DurationSeconds": 900,
            },
        )
        # When
        creds = vendor.vend(req(AKSK_ACCOUNT, "cost_explorer"))
        kms_stub.assert_no_pending_responses()
        fed_stub.assert_no_pending_responses()
    # Then the long-lived key was used only to build the STS client, and only temporary ones come back
    # (in the vendor's own STS region, not the row's eu-west-1: the vendor's VPC reaches only its own region)
    assert keys_used == [("AKIALONGLIVEDKEY0001", LONG_LIVED_SECRET, "us-east-1")]
    assert creds.access_key_id == TEMP["AccessKeyId"]
    assert LONG_LIVED_SECRET not in creds.model_dump_json()
    assert "AKIALONGLIVEDKEY0001" not in creds.model_dump_json()
    assert creds.auth_type == "aksk"


def test_a_granted_but_disabled_account_is_account_not_found(settings, sts, kms):
    store = FakeStore([record(ROLE_ACCOUNT, enabled=False)])
    vendor, _ = make_vendor(settings, sts, kms, store)
    with Stubber(sts), pytest.raises(AccountNotFoundError, match=ROLE_ACCOUNT):  # no STS response queued: no STS call
        vendor.vend(req(ROLE_ACCOUNT, "identity"))


@pytest.mark.parametrize("exists", [True, False])
def test_an_ungranted_account_is_unauthorized_whether_it_exists_or_not(settings, sts, kms, exists):
    # Given a caller granted nothing, asking for an account that is or is not registered
    store = FakeStore([record(ROLE_ACCOUNT)], granted=[])
    vendor, _ = make_vendor(settings, sts, kms, store)
    account = ROLE_ACCOUNT if exists else "444444444444"
    # Then the same answer either way, and no STS call (no response queued)
    with Stubber(sts), pytest.raises(UnauthorizedError) as info:
        vendor.vend(req(account, "identity"))
    assert info.value.message == f"account {account} is not granted to agent agent-client-a"
    assert store.lookups == []  # not even the account row is read


def test_assume_role_refusal_is_assume_role_error(settings, sts, kms):
    vendor, _ = make_vendor(settings, sts, kms, FakeStore([record(ROLE_ACCOUNT)]))
    with Stubber(sts) as stub:
        stub.add_client_error("assume_role", "AccessDenied", "not authorized to perform sts:AssumeRole")
        with pytest.raises(AssumeRoleError, match="AccessDenied") as info:
            vendor.vend(req(ROLE_ACCOUNT, "identity"))
    assert EXTERNAL_ID not in info.value.message


def test_role_in_another_account_is_refused_before_sts(settings, sts, kms):
    bad = record(ROLE_ACCOUNT, role_arn="arn:aws:iam::999999999999:role/AccountToolsReadOnly")
    vendor, _ = make_vendor(settings, sts, kms, FakeStore([bad]))
    with Stubber(sts), pytest.raises(CredentialError, match="not a role in that account"):
        vendor.vend(req(ROLE_ACCOUNT, "identity"))


def test_role_outside_name_pattern_is_refused_before_sts(settings, sts, kms):
    bad = record(ROLE_ACCOUNT, role_arn=f"arn:aws:iam::{ROLE_ACCOUNT}:role/Admin")
    vendor, _ = make_vendor(settings, sts, kms, FakeStore([bad]))
    with Stubber(sts), pytest.raises(CredentialError, match="name pattern"):
        vendor.vend(req(ROLE_ACCOUNT, "identity"))


def test_credentials_acting_in_another_account_are_refused(settings, sts, kms):
    vendor, _ = make_vendor(settings, sts, kms, FakeStore([record(ROLE_ACCOUNT)]))
    with Stubber(sts) as stub:
        stub.add_response(
            "assume_role",
            {
                "Credentials": TEMP,
                "AssumedRoleUser": {"AssumedRoleId": "A:b", "Arn": "arn:aws:sts::999999999999:assumed-role/R/b"},
            },
        )
        with pytest.raises(CredentialError, match="different account"):
            vendor.vend(req(ROLE_ACCOUNT, "identity"))


def test_kms_context_mismatch_is_credential_error(settings, sts, kms):
    vendor, keys_used = make_vendor(settings, sts, kms, FakeStore([AKSK_RECORD]))
    with Stubber(kms) as stub:
        stub.add_client_error("decrypt", "InvalidCiphertextException", "")
        with pytest.raises(CredentialError, match="could not be decrypted") as info:
            vendor.vend(req(AKSK_ACCOUNT, "identity"))
    assert keys_used == []
    assert CIPHERTEXT not in info.value.message


def test_federation_refusal_is_credential_error(settings, sts, kms):
    federation_sts = boto3.client("sts", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b")
    vendor, _ = make_vendor(settings, sts, kms, FakeStore([AKSK_RECORD]), federation_sts)
    with Stubber(kms) as kms_stub, Stubber(federation_sts) as fed_stub:
        kms_stub.add_response("decrypt", {"Plaintext": LONG_LIVED_SECRET.encode()})
        fed_stub.add_client_error("get_federation_token", "InvalidClientTokenId", "The security token is invalid")
        with pytest.raises(CredentialError, match="GetFederationToken") as info:
            vendor.vend(req(AKSK_ACCOUNT, "identity"))
    assert LONG_LIVED_SECRET not in str(info.value)


def test_database_failures_are_database_error_and_reset_the_connection(settings, sts, kms):
    store = FakeStore([], error=pg8000.exceptions.InterfaceError("connection refused"))
    registry = FakeRegistry(store)
    vendor = CredentialVendor(
        settings=settings,
        registry=registry,
        sts_client=sts,
        kms_client=kms,
        assertion_key=KmsPublicKey(CALLERS.kms, KEY_ID),
    )
    with pytest.raises(DatabaseError, match="unreachable"):
        vendor.vend(req(ROLE_ACCOUNT, "identity"))
    # one retry after a stale connection, then give up (the grant check is the first registry read)
    assert [account for _, account in store.grant_checks] == [ROLE_ACCOUNT, ROLE_ACCOUNT]
    assert registry.resets == [False, False]


def test_a_refused_login_refetches_the_secret_once(settings, sts, kms):
    refused = pg8000.exceptions.DatabaseError({"C": "28P01", "M": "password authentication failed"})
    store = FakeStore([], error=refused)
    registry = FakeRegistry(store)
    vendor = CredentialVendor(
        settings=settings,
        registry=registry,
        sts_client=sts,
        kms_client=kms,
        assertion_key=KmsPublicKey(CALLERS.kms, KEY_ID),
    )
    with pytest.raises(DatabaseError, match="query failed"):
        vendor.vend(req(ROLE_ACCOUNT, "identity"))
    assert registry.resets == [True, True]  # reconnect with a freshly fetched secret, once


def test_a_failed_query_is_not_retried(settings, sts, kms):
    store = FakeStore([], error=pg8000.exceptions.DatabaseError({"C": "42P01", "M": "relation does not exist"}))
    registry = FakeRegistry(store)
    vendor = CredentialVendor(
        settings=settings,
        registry=registry,
        sts_client=sts,
        kms_client=kms,
        assertion_key=KmsPublicKey(CALLERS.kms, KEY_ID),
    )
    with pytest.raises(DatabaseError):
        vendor.vend(req(ROLE_ACCOUNT, "identity"))
    assert [account for _, account in store.grant_checks] == [ROLE_ACCOUNT]


# -- handler: payload shapes and error types -------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "field"),
    [
        ({"account_id": "12ab", "scope": "identity"}, "account_id"),
        ({"account_id": ROLE_ACCOUNT, "scope": "admin"}, "scope"),
        ({"account_id": ROLE_ACCOUNT, "scope": "identity", "duration_seconds": 43200}, "duration_seconds"),
        ({"account_id": ROLE_ACCOUNT, "scope": "identity", "caller": "a b;c"}, "caller"),
        ({"account_id": ROLE_ACCOUNT, "scope": "identity", "actions": ["iam:*"]}, "actions"),
        ({"account_id": ROLE_ACCOUNT, "scope": "identity", "region": "moon-1"}, "region"),
    ],
)
def test_handler_rejects_invalid_requests_naming_the_field(settings, sts, kms, event, field):
    store = FakeStore([record(ROLE_ACCOUNT)])
    vendor, _ = make_vendor(settings, sts, kms, store)
    response = handle(event, vendor)
    assert response["ok"] is False
    assert response["error_type"] == "invalid_request"
    assert field in response["message"]
    assert store.lookups == []  # validated before any database call


def test_handler_returns_vendor_errors_as_payloads(settings, sts, kms):
    vendor, _ = make_vendor(settings, sts, kms, FakeStore([]))
    response = handle(event("444444444444", "identity"), vendor)
    assert response == {
        "ok": False,
        "error_type": "unauthorized",
        "message": "account 444444444444 is not granted to agent agent-client-a",
    }


def test_handler_success_payload_and_logs_hold_no_secret(settings, sts, kms):
    # Given the Powertools logger writing to a buffer
    from credential_vendor.observability import logger

    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logger.registered_formatter)
    logger.addHandler(handler)
    federation_sts = boto3.client("sts", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b")
    vendor, _ = make_vendor(settings, sts, kms, FakeStore([AKSK_RECORD]), federation_sts)
    try:
        with Stubber(kms) as kms_stub, Stubber(federation_sts) as fed_stub:
            kms_stub.add_response("decrypt", {"Plaintext": LONG_LIVED_SECRET.encode()})
            fed_stub.add_response(
                "get_federation_token",
                {
                    "Credentials": TEMP,
                    "FederatedUser": {"FederatedUserId": "x:y", "Arn": f"arn:aws:sts::{AKSK_ACCOUNT}:federated-user/y"},
                },
            )
            # When
            response = handle(event(AKSK_ACCOUNT, "identity"), vendor)
    finally:
        # Powertools proxies removeHandler through __getattr__ (hidden from type checkers): same stdlib logger
        logging.getLogger(logger.name).removeHandler(handler)
    # Then the payload carries the temporary credentials
    assert response["ok"] is True
    assert response["credentials"]["session_token"] == TEMP["SessionToken"]
    # and the log lines are JSON with the outcome, but no secret, token, key or ciphertext
    lines = [json.loads(line) for line in buffer.getvalue().splitlines()]
    assert any(
        line.get("outcome") == "ok"
        and line.get("target_account_id") == AKSK_ACCOUNT
        and line.get("principal") == "agent:agent-client-a"
        and line.get("scope") == "identity"
        for line in lines
    )
    text = buffer.getvalue()
    assertion = event(AKSK_ACCOUNT, "identity")["assertion"]
    for secret in (LONG_LIVED_SECRET, TEMP["SecretAccessKey"], TEMP["SessionToken"], CIPHERTEXT, EXTERNAL_ID):
        assert secret not in text
    assert assertion.split(".")[2] not in text  # no assertion signature either


def test_expiration_is_iso8601_utc_for_non_utc_input(settings, sts, kms):
    vendor, _ = make_vendor(settings, sts, kms, FakeStore([record(ROLE_ACCOUNT)]))
    tz = datetime(2026, 11, 21, 16, 0, tzinfo=UTC).astimezone(timezone(timedelta(hours=1)))
    with Stubber(sts) as stub:
        stub.add_response(
            "assume_role",
            {
                "Credentials": TEMP | {"Expiration": tz},
                "AssumedRoleUser": {"AssumedRoleId": "A:b", "Arn": f"arn:aws:sts::{ROLE_ACCOUNT}:assumed-role/R/b"},
            },
        )
        creds = vendor.vend(req(ROLE_ACCOUNT, "identity"))
    assert creds.expiration == "2026-11-21T16:00:00Z"


# -- the caller: verified assertions, grants, attribution ---------------------------------------------------------


def _assume_role_response(account: str, session: str) -> dict[str, Any]:
    return {
        "Credentials": TEMP,
        "AssumedRoleUser": {
            "AssumedRoleId": f"AROA:{session}",
            "Arn": f"arn:aws:sts::{account}:assumed-role/R/{session}",
        },
    }


def test_a_vend_without_an_assertion_is_unauthorized(settings, sts, kms):
    store = FakeStore([record(ROLE_ACCOUNT)])
    vendor, _ = make_vendor(settings, sts, kms, store)
    response = handle({"account_id": ROLE_ACCOUNT, "scope": "identity"}, vendor)
    assert (response["ok"], response["error_type"]) == (False, "unauthorized")
    assert store.lookups == []
    assert store.grant_checks == []


def test_list_accounts_without_an_assertion_is_unauthorized(settings, sts, kms):
    vendor, _ = make_vendor(settings, sts, kms, FakeStore([record(ROLE_ACCOUNT)]))
    response = handle({"action": "list_accounts"}, vendor)
    assert (response["ok"], response["error_type"]) == (False, "unauthorized")


def test_a_forged_assertion_is_unauthorized(settings, sts, kms):
    # Given an assertion signed with another key (e.g. a runtime that invents one)
    forger = Callers()
    forged = forger.assertion("get_caller_identity", ROLE_ACCOUNT)
    store = FakeStore([record(ROLE_ACCOUNT)])
    vendor, _ = make_vendor(settings, sts, kms, store)
    with Stubber(sts), pytest.raises(UnauthorizedError, match="not valid"):
        vendor.vend(VendRequest(account_id=ROLE_ACCOUNT, scope="identity", assertion=forged))
    assert store.lookups == []


def test_an_altered_assertion_is_unauthorized(settings, sts, kms):
    # Given a genuine assertion for 222... whose payload is rewritten to name 333...
    genuine = CALLERS.assertion("get_caller_identity", ROLE_ACCOUNT)
    header, payload, signature = genuine.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["target_account_id"] = AKSK_ACCOUNT
    altered_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    altered = f"{header}.{altered_payload}.{signature}"
    vendor, _ = make_vendor(settings, sts, kms, FakeStore([record(ROLE_ACCOUNT), AKSK_RECORD]))
    with Stubber(sts), pytest.raises(UnauthorizedError, match="not valid"):
        vendor.vend(VendRequest(account_id=AKSK_ACCOUNT, scope="identity", assertion=altered))


def test_an_assertion_replayed_for_another_account_is_unauthorized(settings, sts, kms):
    # Given a genuine assertion for a call on 222..., presented for a vend on 333... (both granted)
    store = FakeStore([record(ROLE_ACCOUNT), AKSK_RECORD])
    vendor, _ = make_vendor(settings, sts, kms, store)
    assertion = CALLERS.assertion("get_caller_identity", ROLE_ACCOUNT)
    with Stubber(sts), pytest.raises(UnauthorizedError, match="does not name account 333333333333"):
        vendor.vend(VendRequest(account_id=AKSK_ACCOUNT, scope="identity", assertion=assertion))
    assert store.lookups == []


def test_an_expired_assertion_is_unauthorized(settings, sts, kms):
    store = FakeStore([record(ROLE_ACCOUNT)])
    vendor, _ = make_vendor(settings, sts, kms, store)
    with Stubber(sts), pytest.raises(UnauthorizedError, match="expired"):
        vendor.vend(req(ROLE_ACCOUNT, "identity", now=datetime.now(UTC).timestamp() - 3600))


def test_an_assertion_for_a_tool_of_another_scope_is_unauthorized(settings, sts, kms):
    # A runtime asking for the logs scope on the strength of a get_caller_identity call
    vendor, _ = make_vendor(settings, sts, kms, FakeStore([record(ROLE_ACCOUNT)]))
    with Stubber(sts), pytest.raises(UnauthorizedError, match="does not use scope logs_insights"):
        vendor.vend(req(ROLE_ACCOUNT, "logs_insights", tool="get_caller_identity"))


@pytest.mark.parametrize(("granted", "allowed"), [([ROLE_ACCOUNT], True), ([ROLE_ACCOUNT, AKSK_ACCOUNT], False)])
def test_a_call_naming_no_account_may_use_only_the_callers_single_account(settings, sts, kms, granted, allowed):
    store = FakeStore([record(ROLE_ACCOUNT), AKSK_RECORD], granted=granted)
    vendor, _ = make_vendor(settings, sts, kms, store)
    with Stubber(sts) as stub:
        if allowed:
            stub.add_response("assume_role", _assume_role_response(ROLE_ACCOUNT, "s"))
            assert vendor.vend(req(ROLE_ACCOUNT, "identity", named=False)).account_id == ROLE_ACCOUNT
        else:
            with pytest.raises(UnauthorizedError, match="not exactly one"):
                vendor.vend(req(ROLE_ACCOUNT, "identity", named=False))


def test_grants_are_checked_for_the_user_and_each_of_their_groups(settings, sts, kms):
    store = FakeStore([record(ROLE_ACCOUNT)])
    vendor, _ = make_vendor(settings, sts, kms, store)
    with Stubber(sts) as stub:
        stub.add_response("assume_role", _assume_role_response(ROLE_ACCOUNT, "user-alice"))
        vendor.vend(req(ROLE_ACCOUNT, "identity", sub="0f5e-sub", kind="user", name="alice", groups=("finops", "ops")))
    assert store.grant_checks == [([("user", "0f5e-sub"), ("group", "finops"), ("group", "ops")], ROLE_ACCOUNT)]


@pytest.mark.parametrize(
    ("caller", "session", "federation"),
    [
        # An agent: its client id, as is
        ({"sub": "7pq2rcl0client", "kind": "agent"}, "agent-7pq2rcl0client", "agent-7pq2rcl0client"),
        # A user: the username, which STS's character set allows as is
        (
            {"sub": "0f5e", "kind": "user", "name": "alice@example.com"},
            "user-alice@example.com",
            "user-alice@example.com",
        ),
        # Characters outside STS's set are replaced, and a stable hash of the principal keeps names apart
        (
            {"sub": "u-1", "kind": "user", "name": "Zoë Müller (FinOps)"},
            "user-Zo--M-ller--FinOps--cbe2ab089f",
            "user-Zo--M-ller--FinO-cbe2ab089f",
        ),
    ],
)
def test_sts_requests_name_the_principal(settings, sts, kms, caller, session, federation):
    # Given an iam_role and an aksk account, vended for the same caller
    federation_sts = boto3.client("sts", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b")
    vendor, _ = make_vendor(settings, sts, kms, FakeStore([record(ROLE_ACCOUNT), AKSK_RECORD]), federation_sts)
    with Stubber(sts) as stub, Stubber(kms) as kms_stub, Stubber(federation_sts) as fed_stub:
        stub.add_response(
            "assume_role",
            _assume_role_response(ROLE_ACCOUNT, session),
            {
                "RoleArn": f"arn:aws:iam::{ROLE_ACCOUNT}:role/AccountToolsReadOnly",
                "RoleSessionName": session,
                "ExternalId": EXTERNAL_ID,
                "Policy": session_policy("identity", account_id=ROLE_ACCOUNT),
                "DurationSeconds": 900,
                "SourceIdentity": session,
            },
        )
        kms_stub.add_response("decrypt", {"Plaintext": LONG_LIVED_SECRET.encode()})
        fed_stub.add_response(
            "get_federation_token",
            {
                "Credentials": TEMP,
                "FederatedUser": {"FederatedUserId": "xx", "Arn": f"arn:aws:sts::{AKSK_ACCOUNT}:f/x"},
            },
            {"Name": federation, "Policy": session_policy("identity", account_id=AKSK_ACCOUNT), "DurationSeconds": 900},
        )
        # When
        vendor.vend(req(ROLE_ACCOUNT, "identity", **caller))
        vendor.vend(req(AKSK_ACCOUNT, "identity", **caller))
        # Then (the Stubbers asserted the exact names)
        stub.assert_no_pending_responses()
        fed_stub.assert_no_pending_responses()
    assert 2 <= len(session) <= 64
    assert 2 <= len(federation) <= 32


def test_two_principals_on_one_account_get_separate_sessions(settings, sts, kms):
    # Given two users granted the same account: each vend is its own AssumeRole, named after its principal
    vendor, _ = make_vendor(settings, sts, kms, FakeStore([record(ROLE_ACCOUNT)]))
    with Stubber(sts) as stub:
        for who in ("alice", "bob"):
            stub.add_response(
                "assume_role",
                _assume_role_response(ROLE_ACCOUNT, f"user-{who}"),
                {
                    "RoleArn": f"arn:aws:iam::{ROLE_ACCOUNT}:role/AccountToolsReadOnly",
                    "RoleSessionName": f"user-{who}",
                    "ExternalId": EXTERNAL_ID,
                    "Policy": session_policy("identity", account_id=ROLE_ACCOUNT),
                    "DurationSeconds": 900,
                    "SourceIdentity": f"user-{who}",
                },
            )
        for who in ("alice", "bob"):
            vendor.vend(req(ROLE_ACCOUNT, "identity", sub=f"sub-{who}", kind="user", name=who))
        stub.assert_no_pending_responses()


def test_a_vend_that_acts_in_the_registered_account_stamps_its_verification(settings, sts, kms):
    store = FakeStore([record(ROLE_ACCOUNT)])
    vendor, _ = make_vendor(settings, sts, kms, store)
    with Stubber(sts) as stub:
        stub.add_response("assume_role", _assume_role_response(ROLE_ACCOUNT, "s"))
        stub.add_response(
            "assume_role",
            {
                "Credentials": TEMP,
                "AssumedRoleUser": {"AssumedRoleId": "A:b", "Arn": "arn:aws:sts::999999999999:assumed-role/R/b"},
            },
        )
        vendor.vend(req(ROLE_ACCOUNT, "identity"))
        with pytest.raises(CredentialError):
            vendor.vend(req(ROLE_ACCOUNT, "cloudtrail"))
    # Only the vend whose STS principal acted in the registered account counts as a verification
    assert store.verified == [ROLE_ACCOUNT]


def test_a_verification_that_cannot_be_recorded_does_not_fail_the_vend(settings, sts, kms):
    store = FakeStore([record(ROLE_ACCOUNT)])

    def refuse(account_id: str) -> None:
        raise pg8000.exceptions.DatabaseError({"C": "42501", "M": "permission denied"})

    store.record_verification = refuse  # type: ignore[method-assign]
    vendor, _ = make_vendor(settings, sts, kms, store)
    with Stubber(sts) as stub:
        stub.add_response("assume_role", _assume_role_response(ROLE_ACCOUNT, "s"))
        assert vendor.vend(req(ROLE_ACCOUNT, "identity")).account_id == ROLE_ACCOUNT
