"""The per-(principal, account, scope, region) credential cache: hits, refresh margins, collapsed misses, failures."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from account_tools.credentials import CredentialCache
from account_tools.errors import ToolFailure

pytestmark = pytest.mark.unit

ALICE = "user:alice-sub"
BOB = "user:bob-sub"


class CountingVendor:
    """Fake vendor: each vend returns distinct keys valid for ``lifetime_s``."""

    def __init__(self, lifetime_s: int = 900, delay_s: float = 0.0) -> None:
        self.lifetime_s = lifetime_s
        self.delay_s = delay_s
        self.calls: list[tuple[str, str, str | None]] = []
        self._lock = threading.Lock()

    def __call__(self, account: str, scope: str, region: str | None) -> dict[str, Any]:
        time.sleep(self.delay_s)
        with self._lock:
            self.calls.append((account, scope, region))
            n = len(self.calls)
        expiry = datetime.now(UTC) + timedelta(seconds=self.lifetime_s)
        return {
            "access_key": f"ASIA{account}{n}",
            "secret_key": f"secret-{n}",
            "token": f"token-{n}",
            "expiry_time": expiry.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": region or "eu-west-1",
        }


def test_cached_per_principal_account_scope_and_region():
    vendor = CountingVendor()
    cache = CredentialCache(vendor)
    a1 = cache.get(ALICE, "222222222222", "identity")
    a2 = cache.get(ALICE, "222222222222", "identity")
    b = cache.get(ALICE, "222222222222", "logs_insights")
    c = cache.get(ALICE, "333333333333", "identity")
    d = cache.get(ALICE, "222222222222", "identity", "us-west-2")
    e = cache.get(BOB, "222222222222", "identity")  # another principal never shares a session
    assert a1.credentials.access_key == a2.credentials.access_key
    keys = [x.credentials.access_key for x in (a1, b, c, d, e)]
    assert len(set(keys)) == 5
    assert len(vendor.calls) == 5
    assert a1.region == "eu-west-1"
    assert d.region == "us-west-2"
    assert cache.stats.hits == 1
    assert cache.stats.misses == 5


def test_concurrent_misses_collapse_into_one_vend():
    vendor = CountingVendor(delay_s=0.2)
    cache = CredentialCache(vendor)
    keys: list[str] = []
    threads = [
        threading.Thread(
            target=lambda: keys.append(cache.get(ALICE, "222222222222", "identity").credentials.access_key)
        )
        for _ in range(20)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(vendor.calls) == 1
    assert len(set(keys)) == 1
    assert len(keys) == 20


def test_short_lived_credentials_are_not_revended_on_every_read():
    # 900 s credentials with botocore's default 15-minute advisory margin would re-vend on every read.
    vendor = CountingVendor(lifetime_s=900)
    cache = CredentialCache(vendor, advisory_refresh_s=300, mandatory_refresh_s=120)
    for _ in range(5):
        cache.get(ALICE, "222222222222", "identity")
    assert len(vendor.calls) == 1


def test_credentials_inside_the_mandatory_margin_are_refreshed_before_use():
    vendor = CountingVendor(lifetime_s=100)  # every vend is already inside the 120 s mandatory margin
    cache = CredentialCache(vendor, advisory_refresh_s=300, mandatory_refresh_s=120)
    first = cache.get(ALICE, "222222222222", "identity")
    assert len(vendor.calls) == 2  # the initial vend, then a blocking refresh before handing them out
    assert first.credentials.access_key == "ASIA2222222222222"
    second = cache.get(ALICE, "222222222222", "identity")
    assert len(vendor.calls) == 3
    assert second.credentials.access_key == "ASIA2222222222223"


def test_vendor_failures_are_not_cached():
    calls = []

    def failing(account: str, scope: str, region: str | None) -> dict[str, Any]:
        calls.append(account)
        raise ToolFailure("account_not_found", f"account {account} is not registered or is disabled")

    cache = CredentialCache(failing)
    for _ in range(2):
        with pytest.raises(ToolFailure) as info:
            cache.get(ALICE, "444444444444", "identity")
        assert info.value.error_type == "account_not_found"
    assert calls == ["444444444444", "444444444444"]
    assert len(cache) == 0


def test_cache_is_bounded_least_recently_used_first():
    vendor = CountingVendor()
    cache = CredentialCache(vendor, max_entries=2)
    cache.get(ALICE, "111111111111", "identity")
    cache.get(ALICE, "222222222222", "identity")
    cache.get(ALICE, "111111111111", "identity")  # 111 is now most recent
    cache.get(ALICE, "333333333333", "identity")  # evicts 222
    assert len(cache) == 2
    cache.get(ALICE, "111111111111", "identity")
    assert len(vendor.calls) == 3
    cache.get(ALICE, "222222222222", "identity")
    assert len(vendor.calls) == 4
