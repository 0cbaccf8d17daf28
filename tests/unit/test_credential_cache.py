"""The runtime's credential cache: keys, margins, the revocation bound, re-vends, refusals, fairness.

Time is an injected clock; nothing here sleeps to make a point about time.
"""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime
from typing import Any, ClassVar

import pytest
from botocore.exceptions import ClientError

from account_tools.aws import AccountClients
from account_tools.caller import Caller, current_caller
from account_tools.credentials import CredentialCache
from account_tools.errors import ToolFailure

pytestmark = pytest.mark.unit

ALICE = "user:alice-sub"
BOB = "user:bob-sub"
ACCOUNT = "222222222222"
T0 = 1_800_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


class FakeVendor:
    """Each vend returns distinct keys valid for ``lifetime_s`` from the clock's now; can refuse or block."""

    def __init__(self, clock: Clock, lifetime_s: int = 900) -> None:
        self.clock = clock
        self.lifetime_s = lifetime_s
        self.calls: list[tuple[str, str, str | None, str | None]] = []
        self.refuse: str | None = None  # error_type to answer with
        self.block: dict[str, threading.Event] = {}  # account -> released when set
        self.started = threading.Semaphore(0)
        self._lock = threading.Lock()

    def __call__(self, account: str, scope: str, region: str | None, rejected: str | None) -> dict[str, Any]:
        with self._lock:
            self.calls.append((account, scope, region, rejected))
            n = len(self.calls)
        self.started.release()
        if account in self.block:
            self.block[account].wait(timeout=30)
        if self.refuse:
            raise ToolFailure(self.refuse, f"refused: {self.refuse}")
        expiry = datetime.fromtimestamp(self.clock() + self.lifetime_s, UTC)
        return {
            "access_key": f"ASIA{account}{n}",
            "secret_key": f"secret-{n}",
            "token": f"token-{n}",
            "expiry_time": expiry.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": region or "eu-west-1",
        }


def cache_for(vendor: FakeVendor, **kwargs: Any) -> CredentialCache:
    return CredentialCache(vendor, clock=vendor.clock, **kwargs)


def get(cache: CredentialCache, principal: str = ALICE, account: str = ACCOUNT, scope: str = "identity", region=None):
    return asyncio.run(cache.acquire(principal, account, scope, region))


def key_of(entry: Any) -> str:
    return str(entry.frozen().access_key)


def test_cached_per_principal_account_scope_and_region():
    vendor = FakeVendor(Clock())
    cache = cache_for(vendor)
    a1, a2 = get(cache), get(cache)
    others = [get(cache, scope="logs_insights"), get(cache, account="333333333333"), get(cache, region="us-west-2")]
    bob = get(cache, BOB)  # another principal never shares a session
    assert key_of(a1) == key_of(a2)
    assert len({key_of(x) for x in (a1, *others, bob)}) == 5
    assert len(vendor.calls) == 5
    assert a1.lease.region == "eu-west-1"
    assert others[2].lease.region == "us-west-2"
    assert (cache.stats.hits, cache.stats.misses) == (1, 5)


def test_concurrent_misses_collapse_into_one_vend():
    vendor = FakeVendor(Clock())
    vendor.block[ACCOUNT] = gate = threading.Event()

    async def run() -> list[str]:
        tasks = [asyncio.create_task(CACHE.acquire(ALICE, ACCOUNT, "identity")) for _ in range(20)]
        await asyncio.to_thread(vendor.started.acquire)
        gate.set()
        return [key_of(e) for e in await asyncio.gather(*tasks)]

    CACHE = cache_for(vendor)
    keys = asyncio.run(run())
    assert len(vendor.calls) == 1
    assert len(set(keys)) == 1
    assert len(keys) == 20


def test_revalidation_bound_and_refresh_margins():
    # Given 900 s credentials, a 60 s revocation bound (one caller re-validates from 45 s), 300/120 s margins
    clock = Clock()
    vendor = FakeVendor(clock)
    cache = cache_for(vendor, revalidate_s=60, revalidate_ahead_s=15, advisory_refresh_s=300, mandatory_refresh_s=120)
    first = key_of(get(cache))
    # Then within the bound every call is a hit
    for t in (1, 30, 44.9):
        clock.now = T0 + t
        assert key_of(get(cache)) == first
    assert len(vendor.calls) == 1
    # At 45 s one call re-validates (a vend: the vendor answers from its cache in production)
    clock.now = T0 + 45
    get(cache)
    assert len(vendor.calls) == 2
    # and the next bound is counted from then
    clock.now = T0 + 45 + 44
    get(cache)
    assert len(vendor.calls) == 2


def test_expiry_margins_without_revalidation():
    clock = Clock()
    vendor = FakeVendor(clock, lifetime_s=900)
    cache = cache_for(vendor, revalidate_s=10_000, advisory_refresh_s=300, mandatory_refresh_s=120)
    get(cache)
    clock.now = T0 + 599  # 301 s left: not yet advisory
    get(cache)
    assert len(vendor.calls) == 1
    clock.now = T0 + 601  # 299 s left: advisory, this caller refreshes
    get(cache)
    assert len(vendor.calls) == 2


def test_credentials_inside_the_mandatory_margin_are_never_handed_out():
    clock = Clock()
    vendor = FakeVendor(clock, lifetime_s=900)
    cache = cache_for(vendor, revalidate_s=10_000, advisory_refresh_s=300, mandatory_refresh_s=120)
    get(cache)
    vendor.refuse = "throttled"
    clock.now = T0 + 781  # 119 s left: mandatory; a transient failure cannot keep them
    with pytest.raises(ToolFailure) as info:
        get(cache)
    assert info.value.error_type == "throttled"


def test_a_revoked_account_is_refused_within_the_bound():
    # Given cached credentials and a vendor that refuses from 10 s on (account disabled, grant revoked)
    clock = Clock()
    vendor = FakeVendor(clock)
    cache = cache_for(vendor, revalidate_s=60, revalidate_ahead_s=15)
    entry = get(cache)
    vendor.refuse = "account_not_found"
    refused: list[tuple[float, str]] = []
    for step in range(1, 200):  # steady load: one call every 0.5 s
        clock.now = T0 + 10 + step * 0.5
        try:
            get(cache)
        except ToolFailure as exc:
            refused.append((clock.now - (T0 + 10), exc.error_type))
            break
    # Then the first refused call comes within the bound, and the entry can no longer sign anything
    assert refused
    assert refused[0][0] <= 60
    assert refused[0][1] == "account_not_found"
    with pytest.raises(ToolFailure):
        entry.frozen()
    assert len(cache) == 0


def test_a_refusal_during_an_advisory_refresh_invalidates_the_entry_at_once():
    # botocore's RefreshableCredentials would log this refusal and keep serving the old credentials
    clock = Clock()
    vendor = FakeVendor(clock)
    cache = cache_for(vendor, revalidate_s=10_000, advisory_refresh_s=300, mandatory_refresh_s=120)
    entry = get(cache)
    clock.now = T0 + 700  # advisory window
    vendor.refuse = "unauthorized"
    with pytest.raises(ToolFailure) as info:
        get(cache)
    assert info.value.error_type == "unauthorized"
    with pytest.raises(ToolFailure):
        entry.frozen()  # clients built on it can no longer sign
    assert len(cache) == 0


def test_a_transient_failure_during_an_advisory_refresh_keeps_the_entry_until_its_deadline():
    clock = Clock()
    vendor = FakeVendor(clock)
    cache = cache_for(vendor, revalidate_s=60, revalidate_ahead_s=15)
    first = key_of(get(cache))
    vendor.refuse = "throttled"
    clock.now = T0 + 50
    assert key_of(get(cache)) == first
    clock.now = T0 + 61  # past the bound: no longer usable without the vendor
    with pytest.raises(ToolFailure) as info:
        get(cache)
    assert info.value.error_type == "throttled"


def test_refusals_are_remembered_for_a_few_seconds():
    clock = Clock()
    vendor = FakeVendor(clock)
    vendor.refuse = "unauthorized"
    cache = cache_for(vendor, negative_cache_s=5)
    for i in range(30):
        clock.now = T0 + i * 0.1
        with pytest.raises(ToolFailure) as info:
            get(cache, account="444444444444")
        assert info.value.error_type == "unauthorized"
    assert len(vendor.calls) == 1
    assert get_error(cache, BOB, "444444444444") == "unauthorized"  # another principal asks for itself
    assert len(vendor.calls) == 2
    clock.now = T0 + 5.1
    get_error(cache, ALICE, "444444444444")
    assert len(vendor.calls) == 3


def get_error(cache: CredentialCache, principal: str, account: str) -> str:
    with pytest.raises(ToolFailure) as info:
        get(cache, principal, account)
    return info.value.error_type


def test_the_circuit_breaker_pauses_a_failing_account_then_probes():
    clock = Clock()
    vendor = FakeVendor(clock)
    vendor.refuse = "assume_role_error"
    cache = cache_for(vendor, breaker_failures=3, breaker_open_s=30, negative_cache_s=0)
    for _ in range(3):
        assert get_error(cache, ALICE, ACCOUNT) == "assume_role_error"
    with pytest.raises(ToolFailure) as info:
        get(cache, BOB, ACCOUNT, "logs_insights")  # any key of that account
    assert info.value.error_type == "throttled"
    assert info.value.retry_after_s == 30
    assert len(vendor.calls) == 3
    clock.now = T0 + 31
    vendor.refuse = None
    get(cache)  # the probe succeeds and closes the circuit
    assert len(vendor.calls) == 4
    assert get(cache, BOB) is not None


def test_a_vend_that_hangs_times_out_for_its_caller():
    vendor = FakeVendor(Clock())
    vendor.block[ACCOUNT] = gate = threading.Event()
    cache = cache_for(vendor, vend_wait_s=0.2)
    try:
        assert get_error(cache, ALICE, ACCOUNT) == "timeout"
    finally:
        gate.set()


def test_the_cache_can_be_disabled_for_benchmarks():
    vendor = FakeVendor(Clock())
    cache = cache_for(vendor, enabled=False)
    for _ in range(3):
        get(cache)
    assert len(vendor.calls) == 3


def test_least_recently_validated_entries_are_dropped_beyond_the_bound():
    clock = Clock()
    vendor = FakeVendor(clock)
    cache = cache_for(vendor, max_entries=2)
    for i, account in enumerate(("111111111111", "222222222222", "333333333333")):
        clock.now = T0 + i
        get(cache, account=account)
    assert len(cache) == 2
    get(cache, account="111111111111")
    assert len(vendor.calls) == 4


# -- AccountClients: client reuse, ExpiredToken, fairness -------------------------------------------------


class FakeClient:
    """Stands in for a boto3 client: answers or raises per call."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        self.calls = 0

        class Meta:
            method_to_api_mapping: ClassVar[dict[str, str]] = {"get_caller_identity": "GetCallerIdentity"}

            class service_model:
                signing_name = "sts"

        self.meta = Meta

    def get_caller_identity(self) -> dict[str, Any]:
        self.calls += 1
        if self.errors:
            code = self.errors.pop(0)
            raise ClientError({"Error": {"Code": code, "Message": "no"}}, "GetCallerIdentity")
        return {"Account": ACCOUNT, "ResponseMetadata": {}}


def caller(sub: str) -> Caller:
    return Caller(sub=sub, kind="agent", name=sub, groups=(), tool="get_caller_identity", target_account_id=None,
                  assertion="signed")  # fmt: skip


def call_identity(clients: AccountClients, who: str = "agent-a", account: str = ACCOUNT) -> Any:
    async def run() -> Any:
        token = current_caller.set(caller(who))
        try:
            return await clients.call("sts", "get_caller_identity", account_id=account, scope="identity")
        finally:
            current_caller.reset(token)

    return asyncio.run(run())


def test_warm_calls_reuse_one_client_per_key_and_service():
    vendor = FakeVendor(Clock())
    clients = AccountClients(cache_for(vendor))
    built: list[Any] = []
    real = clients._client

    def spy(entry: Any, service: str, region: str | None) -> Any:
        client = real(entry, service, region)
        built.append(client)
        return client

    clients._client = spy  # type: ignore[method-assign]
    first = clients._client(asyncio.run(clients._cache.acquire("agent:a", ACCOUNT, "identity")), "sts", None)
    second = clients._client(asyncio.run(clients._cache.acquire("agent:a", ACCOUNT, "identity")), "sts", None)
    other = clients._client(asyncio.run(clients._cache.acquire("agent:b", ACCOUNT, "identity")), "sts", None)
    assert first is second
    assert other is not first
    frozen = first._request_signer._credentials.get_frozen_credentials()
    assert frozen.access_key == f"ASIA{ACCOUNT}1"


@pytest.mark.parametrize("code", ["ExpiredToken", "InvalidClientTokenId", "UnrecognizedClientException"])
def test_refused_credentials_are_revended_once_and_the_call_retried_once(code: str):
    vendor = FakeVendor(Clock())
    clients = AccountClients(cache_for(vendor))
    fake = FakeClient([code])
    clients._client = lambda entry, service, region: fake  # type: ignore[method-assign]
    assert call_identity(clients) == {"Account": ACCOUNT}
    assert fake.calls == 2
    assert [c[3] for c in vendor.calls] == [None, f"ASIA{ACCOUNT}1"]  # the vendor is told which key AWS refused


def test_a_second_refusal_is_a_credential_error_not_a_loop():
    vendor = FakeVendor(Clock())
    clients = AccountClients(cache_for(vendor))
    fake = FakeClient(["ExpiredToken", "ExpiredToken", "ExpiredToken"])
    clients._client = lambda entry, service, region: fake  # type: ignore[method-assign]
    with pytest.raises(ToolFailure) as info:
        call_identity(clients)
    assert info.value.error_type == "credential_error"
    assert fake.calls == 2
    assert len(vendor.calls) == 2


def test_tenant_b_cached_calls_complete_while_tenant_a_vends_hang():
    # Given tenant B's credentials cached, and tenant A's vends (45 accounts) hanging in the vendor
    vendor = FakeVendor(Clock())
    clients = AccountClients(cache_for(vendor, vend_wait_s=60))
    clients._client = lambda entry, service, region: FakeClient([])  # type: ignore[method-assign]
    b_account = "999999999999"
    a_accounts = [f"{100000000000 + i}" for i in range(45)]
    gate = threading.Event()
    for account in a_accounts:
        vendor.block[account] = gate

    async def run() -> tuple[int, bool]:
        token = current_caller.set(caller("tenant-b"))
        await clients.call("sts", "get_caller_identity", account_id=b_account, scope="identity")
        current_caller.reset(token)
        assert vendor.started.acquire(blocking=False)  # B's own vend
        hung = []
        for account in a_accounts:
            token = current_caller.set(caller("tenant-a"))
            hung.append(
                asyncio.create_task(clients.call("sts", "get_caller_identity", account_id=account, scope="identity"))
            )
            current_caller.reset(token)
        await asyncio.to_thread(vendor.started.acquire)  # at least one of A's vends is running (and hangs)
        # When tenant B calls 50 times
        token = current_caller.set(caller("tenant-b"))
        for _ in range(50):
            await clients.call("sts", "get_caller_identity", account_id=b_account, scope="identity")
        current_caller.reset(token)
        # Then all of B's calls completed while none of A's did
        a_done = any(task.done() for task in hung)
        gate.set()
        await asyncio.gather(*hung)
        return len(vendor.calls), a_done

    vends, a_done = asyncio.run(run())
    assert not a_done
    assert vends == 1 + 45


class FakeListing:
    """Stands in for ``VendorClient.list_accounts``: records the thread, can block until released."""

    def __init__(self) -> None:
        self.threads: list[str] = []
        self.gate: threading.Event | None = None
        self.started = threading.Semaphore(0)

    def list_accounts(self, *, assertion: str) -> list[dict[str, Any]]:
        self.threads.append(threading.current_thread().name)
        self.started.release()
        if self.gate is not None:
            self.gate.wait(timeout=30)
        return [{"account_id": ACCOUNT, "alias": "a", "auth_type": "iam_role", "region": "us-east-1", "enabled": True}]


def test_list_accounts_runs_on_the_vend_threads_even_when_the_worker_threads_are_busy():
    import anyio.to_thread

    from account_tools.tools import GrantedAccounts

    listing = FakeListing()
    granted = GrantedAccounts(listing, cache_for(FakeVendor(Clock())), ttl_s=60)  # type: ignore[arg-type]

    async def run() -> list[dict[str, Any]]:
        limiter = anyio.to_thread.current_default_thread_limiter()
        limiter.total_tokens = 1
        busy = threading.Event()
        occupied = asyncio.ensure_future(anyio.to_thread.run_sync(busy.wait))  # every worker thread is taken
        await asyncio.sleep(0.05)
        try:
            return await asyncio.wait_for(granted.get(caller("agent-a")), 10)
        finally:
            busy.set()
            await occupied

    assert [a["account_id"] for a in asyncio.run(run())] == [ACCOUNT]
    assert listing.threads
    assert all(name.startswith("vend") for name in listing.threads)


def test_list_accounts_waits_a_bounded_time_and_is_limited_per_principal():
    from account_tools.tools import GrantedAccounts

    listing = FakeListing()
    listing.gate = gate = threading.Event()
    cache = cache_for(FakeVendor(Clock()), vend_wait_s=0.5, account_vend_concurrency=2)
    granted = GrantedAccounts(listing, cache, ttl_s=0)  # type: ignore[arg-type]

    async def run() -> list[str]:
        results = await asyncio.gather(*(granted.get(caller("agent-a")) for _ in range(5)), return_exceptions=True)
        return [r.error_type if isinstance(r, ToolFailure) else "ok" for r in results]

    try:
        assert asyncio.run(run()) == ["timeout"] * 5  # the caller waits at most vend_wait_s
        assert len(listing.threads) == 2  # at most account_vend_concurrency in flight for agent-a
        listing.gate = None  # another principal is not held up by agent-a's hanging calls
        assert asyncio.run(asyncio.wait_for(granted.get(caller("agent-b")), 10))[0]["account_id"] == ACCOUNT
    finally:
        gate.set()
