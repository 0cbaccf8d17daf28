"""The vendor's own cache: a re-validation reads the registry but calls neither STS nor KMS."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from botocore.stub import Stubber

from caller_assertion import KmsPublicKey
from credential_vendor.cache import VendCache
from credential_vendor.handler import handle
from credential_vendor.logic import CredentialVendor
from tests.callers import KEY_ID
from tests.unit.test_vendor import (
    CALLERS,
    ROLE_ACCOUNT,
    FakeRegistry,
    FakeStore,
    _assume_role_response,
    event,
    kms,
    record,
    req,
    settings,
    sts,
)

pytestmark = pytest.mark.unit
__all__ = ["kms", "settings", "sts"]  # the vendor tests' fixtures


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def cached_vendor(settings: Any, sts: Any, kms: Any, store: FakeStore, clock: Clock) -> CredentialVendor:
    return CredentialVendor(
        settings=settings,
        registry=FakeRegistry(store),
        sts_client=sts,
        kms_client=kms,
        assertion_key=KmsPublicKey(CALLERS.kms, KEY_ID),
        cache=VendCache(clock=clock),
    )


def expiry_of(response: dict[str, Any]) -> float:
    return datetime.fromisoformat(response["Credentials"]["Expiration"].isoformat()).timestamp()


def test_revalidations_read_the_registry_but_call_sts_once_per_key(settings, sts, kms):
    store = FakeStore([record(ROLE_ACCOUNT)])
    response = _assume_role_response(ROLE_ACCOUNT, "agent-client-a")
    clock = Clock(expiry_of(response) - 900)
    vendor = cached_vendor(settings, sts, kms, store, clock)
    with Stubber(sts) as stub:
        stub.add_response("assume_role", response)
        answers = [vendor.vend(req(ROLE_ACCOUNT, "identity")) for _ in range(5)]
        stub.assert_no_pending_responses()
    assert len({a.access_key_id for a in answers}) == 1
    assert vendor.upstream.sts_calls == 1
    assert len(store.lookups) == 5  # every request re-checks the account (and the grant)
    assert len(store.grant_checks) == 5


def test_a_disabled_account_is_refused_even_with_credentials_cached(settings, sts, kms):
    store = FakeStore([record(ROLE_ACCOUNT)])
    response = _assume_role_response(ROLE_ACCOUNT, "agent-client-a")
    vendor = cached_vendor(settings, sts, kms, store, Clock(expiry_of(response) - 900))
    with Stubber(sts) as stub:
        stub.add_response("assume_role", response)
        vendor.vend(req(ROLE_ACCOUNT, "identity"))
    store.records[ROLE_ACCOUNT] = record(ROLE_ACCOUNT, enabled=False)
    answer = handle(event(ROLE_ACCOUNT, "identity"), vendor)
    assert answer["error_type"] == "account_not_found"
    store.granted = []
    store.records[ROLE_ACCOUNT] = record(ROLE_ACCOUNT)
    assert handle(event(ROLE_ACCOUNT, "identity"), vendor)["error_type"] == "unauthorized"
    assert vendor.upstream.sts_calls == 1


def test_near_expiry_a_rejected_key_or_a_changed_row_vend_anew(settings, sts, kms):
    store = FakeStore([record(ROLE_ACCOUNT)])
    response = _assume_role_response(ROLE_ACCOUNT, "agent-client-a")
    clock = Clock(expiry_of(response) - 900)
    vendor = cached_vendor(settings, sts, kms, store, clock)
    with Stubber(sts) as stub:
        for _ in range(4):
            stub.add_response("assume_role", response)
        first = vendor.vend(req(ROLE_ACCOUNT, "identity"))
        # AWS refused the cached key: vend anew
        vendor.vend(req(ROLE_ACCOUNT, "identity", rejected_access_key_id=first.access_key_id))
        # the row changed (e.g. a new role or a rotated secret): vend anew
        store.records[ROLE_ACCOUNT] = record(
            ROLE_ACCOUNT, role_arn=f"arn:aws:iam::{ROLE_ACCOUNT}:role/AccountToolsReadOnly2"
        )
        vendor.vend(req(ROLE_ACCOUNT, "identity"))
        clock.now += 900 - 359  # inside the vendor's refresh margin
        vendor.vend(req(ROLE_ACCOUNT, "identity"))
        stub.assert_no_pending_responses()
    assert vendor.upstream.sts_calls == 4


def test_sts_throttling_is_throttled_with_a_retry_hint_not_a_credential_error(settings, sts, kms):
    vendor = cached_vendor(settings, sts, kms, FakeStore([record(ROLE_ACCOUNT)]), Clock(0))
    with Stubber(sts) as stub:
        stub.add_client_error("assume_role", "Throttling", "Rate exceeded")
        answer = handle(event(ROLE_ACCOUNT, "identity"), vendor)
    assert answer["ok"] is False
    assert answer["error_type"] == "throttled"
    assert answer["retry_after_s"] == 2
