"""Per-request AWS credentials: vended, cached per (principal, account, scope, region), never global.

The principal is part of every key: two callers never share a session, and an entry exists only
because the vendor authorized that principal for that account.

**Revocation bound.** An entry is used at most ``revalidate_s`` (default 60 s) after the vendor last
confirmed it. Re-validation is an ordinary vend: the vendor verifies the caller assertion, reads the
grant and the account row, and answers from its own cache (no STS or KMS call) while the credentials
are fresh. A refusal during *any* refresh (re-validation, advisory or mandatory) invalidates the entry
at once; a transient failure (``throttled``, ``timeout``, ``database_error``) keeps it until its hard
deadline. Worst case between disabling an account (or revoking a grant, or rotating a secret) and the
first refused call: ``revalidate_s`` plus one call already running.

**Deadlines of an entry** (``Lease``): *soft* = the earlier of ``validated_at + revalidate_s -
revalidate_ahead_s`` and ``expiry - advisory_refresh_s``; *hard* = the earlier of ``validated_at +
revalidate_s`` and ``expiry - mandatory_refresh_s``. Before soft: a dictionary lookup, nothing else.
Between soft and hard: one caller refreshes, the others keep using the entry. After hard: every caller
waits for the one refresh.

**Fairness.** Vends run on their own thread pool (never on the worker threads that run AWS calls),
each call waits at most ``vend_wait_s``, at most ``account_vend_concurrency`` vends per account are in
flight, refusals are remembered for ``negative_cache_s`` per key, and ``breaker_failures`` consecutive
failures for one account pause its vends for ``breaker_open_s``. Concurrent misses of one key collapse
into one vend. The vendor's other call, ``list_accounts``, runs the same way (``call_vendor``): on the
vend threads, the same bounded wait, at most ``account_vend_concurrency`` in flight per principal. A
tenant whose vends hang therefore never delays another tenant's cached calls.

Nothing here reads or writes ``os.environ``.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple, TypeVar

from botocore.credentials import ReadOnlyCredentials

from account_tools import settings as defaults
from account_tools.errors import ToolFailure

logger = logging.getLogger("account_tools.credentials")

T = TypeVar("T")

VendFn = Callable[[str, str, str | None, str | None], dict[str, Any]]
"""(account_id, scope, region, rejected_access_key_id) -> credential metadata (see ``VendorClient.vend``).

It vends for the verified caller of the current call (``account_tools.caller.current_caller``);
``rejected_access_key_id`` names credentials AWS refused, which the vendor must not hand out again.
"""

# Failures that say nothing about whether the caller may still use the account: they keep an entry
# until its hard deadline and count towards the account's circuit breaker.
TRANSIENT_ERRORS = frozenset({"throttled", "timeout", "database_error"})
# Refusals about the caller, not the account: remembered per key, never open the account's circuit.
_CALLER_REFUSALS = frozenset({"unauthorized", "invalid_request"})


class CacheKey(NamedTuple):
    """Whose credentials, and what they are good for."""

    principal: str
    account_id: str
    scope: str
    region: str | None


@dataclass(frozen=True)
class Lease:
    """One vend's answer and the deadlines derived from it (immutable; swapped atomically on refresh)."""

    credentials: ReadOnlyCredentials
    region: str
    expiry: float  # seconds since the epoch
    validated_at: float  # when the vendor last confirmed the caller, the grant and the account
    soft_deadline: float
    hard_deadline: float
    # The account's effective log-group allowlist the vendor built the session policy from (scopes with
    # log-group actions); refreshed with the credentials, so an operator's change arrives within the bound.
    allowed_log_groups: tuple[str, ...] | None = None


class Entry:
    """The cache's slot for one key: the current lease, the refresh in flight, the clients built on it.

    Clients read ``lease`` each time they sign a request, so a refresh reaches them at once and an
    invalidated entry can no longer sign anything.
    """

    __slots__ = ("clients", "key", "lease", "pending")

    def __init__(self, key: CacheKey) -> None:
        self.key = key
        self.lease: Lease | None = None
        self.pending: _Pending | None = None
        self.clients: dict[tuple[str, str], Any] = {}

    def frozen(self) -> ReadOnlyCredentials:
        """The current credentials.

        Raises:
            ToolFailure: ``unauthorized``: the entry was invalidated (a refusal or a revocation).
        """
        lease = self.lease
        if lease is None:
            raise ToolFailure("unauthorized", "these credentials were revoked; call the tool again")
        return lease.credentials


@dataclass
class _Pending:
    """A refresh in flight that other callers of the same key wait for."""

    done: asyncio.Event = field(default_factory=asyncio.Event)
    failure: ToolFailure | None = None


@dataclass
class _Breaker:
    failures: int = 0
    open_until: float = 0.0
    last: ToolFailure | None = None


class _Slots:
    """A counting semaphore for one event loop, independent of the loop it was created in."""

    def __init__(self, size: int) -> None:
        self._free = size
        self._waiters: deque[asyncio.Future[None]] = deque()

    async def acquire(self) -> None:
        if self._free > 0 and not self._waiters:
            self._free -= 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except BaseException:
            if waiter in self._waiters:
                self._waiters.remove(waiter)
            elif waiter.done() and not waiter.cancelled():
                self.release()  # handed a slot just as we were cancelled: pass it on
            raise

    def release(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._free += 1


@dataclass
class CacheStats:
    """Counters for the cache-hit-ratio metric (updated without a lock: approximate under contention)."""

    hits: int = 0
    misses: int = 0
    vends: int = 0
    refusals_served_from_cache: int = 0
    vend_seconds_total: float = 0.0

    @property
    def hit_ratio(self) -> float:
        """Hits over lookups, 0.0 before the first lookup."""
        total = self.hits + self.misses
        return self.hits / total if total else 0.0

    @property
    def mean_vend_ms(self) -> float:
        """Mean vend round trip in milliseconds, 0.0 before the first vend."""
        return self.vend_seconds_total / self.vends * 1000 if self.vends else 0.0


def _parse_expiry(value: Any) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()


class CredentialCache:
    """Credentials per (principal, account, scope, region) with a revocation bound and fair vending.

    Args:
        vend: Fetches credential metadata from the vendor (blocking; runs on the vend threads).
        advisory_refresh_s: Seconds before expiry when one caller refreshes while others keep using the old ones.
        mandatory_refresh_s: Seconds before expiry when every caller waits for fresh credentials.
        revalidate_s: The revocation bound (seconds); see the module docstring.
        revalidate_ahead_s: One caller re-validates this long before the bound.
        vend_wait_s: How long a call waits for a vend before it fails with ``timeout``.
        vend_threads: Threads that run vends.
        account_vend_concurrency: Vends in flight per account.
        negative_cache_s: How long a refusal is remembered per key.
        breaker_failures: Consecutive failed vends that open an account's circuit.
        breaker_open_s: How long an open circuit refuses vends for its account.
        max_entries: Entries beyond this are dropped, least recently vended first.
        enabled: False vends on every call (benchmarks: how the first version behaved).
        clock: Seconds since the epoch (injectable for tests).
        on_vend: Called with (seconds, scope) after each successful vend, for metrics.
    """

    def __init__(
        self,
        vend: VendFn,
        *,
        advisory_refresh_s: float = defaults.ADVISORY_REFRESH_S,
        mandatory_refresh_s: float = defaults.MANDATORY_REFRESH_S,
        revalidate_s: float = defaults.REVALIDATE_S,
        revalidate_ahead_s: float = defaults.REVALIDATE_AHEAD_S,
        vend_wait_s: float = defaults.VEND_WAIT_S,
        vend_threads: int = defaults.VEND_THREADS,
        account_vend_concurrency: int = defaults.ACCOUNT_VEND_CONCURRENCY,
        negative_cache_s: float = defaults.NEGATIVE_CACHE_S,
        breaker_failures: int = defaults.BREAKER_FAILURES,
        breaker_open_s: float = defaults.BREAKER_OPEN_S,
        max_entries: int = defaults.CREDENTIAL_CACHE_MAX_ENTRIES,
        enabled: bool = True,
        clock: Callable[[], float] = time.time,
        on_vend: Callable[[float, str], None] | None = None,
    ) -> None:
        self._vend = vend
        self._advisory_s = advisory_refresh_s
        self._mandatory_s = mandatory_refresh_s
        self._revalidate_s = revalidate_s
        self._ahead_s = min(revalidate_ahead_s, revalidate_s / 2)
        self._wait_s = vend_wait_s
        self._account_concurrency = account_vend_concurrency
        self._negative_s = negative_cache_s
        self._breaker_failures = breaker_failures
        self._breaker_open_s = breaker_open_s
        self._max_entries = max_entries
        self._enabled = enabled
        self._clock = clock
        self._on_vend = on_vend
        self._entries: dict[CacheKey, Entry] = {}
        self._refused: dict[CacheKey, tuple[float, ToolFailure]] = {}
        self._breakers: dict[str, _Breaker] = {}
        self._slots: dict[str, _Slots] = {}
        self._pool = ThreadPoolExecutor(max_workers=vend_threads, thread_name_prefix="vend")
        self._evict_lock = threading.Lock()  # inserts and evictions only (cold path)
        self.stats = CacheStats()

    # -- lookups ---------------------------------------------------------------
    async def acquire(self, principal: str, account_id: str, scope: str, region: str | None = None) -> Entry:
        """The entry of ``principal`` for one call; vends on a miss, near expiry or past the bound.

        A warm hit is a dictionary lookup and two comparisons: no lock, no thread, no await.

        Raises:
            ToolFailure: The vendor refused (remembered for ``negative_cache_s``), the account's
                circuit is open (``throttled`` with ``retry_after_s``), or the vend took longer than
                ``vend_wait_s`` (``timeout``).
        """
        key = CacheKey(principal, account_id, scope, region)
        if not self._enabled:  # a fresh vend (and fresh clients) for every call
            self.stats.misses += 1
            entry = Entry(key)
            await self._refresh(entry, advisory=False)
            return entry
        found = self._entries.get(key)
        if found is not None:
            entry = found
            lease = entry.lease
            if lease is not None:
                now = self._clock()
                if now < lease.soft_deadline:
                    self.stats.hits += 1
                    return entry
                if now < lease.hard_deadline:
                    self.stats.hits += 1
                    if entry.pending is None:  # this caller refreshes; the others keep the current lease
                        await self._refresh(entry, advisory=True)
                    return entry
        self.stats.misses += 1
        refused = self._refused.get(key)
        if refused is not None:
            if self._clock() < refused[0]:
                self.stats.refusals_served_from_cache += 1
                raise _copy(refused[1])
            self._refused.pop(key, None)
        entry = found or self._insert(key)
        await self._refresh(entry, advisory=False)
        return entry

    def invalidate(self, entry: Entry) -> None:
        """Stop using ``entry`` at once: its clients can no longer sign, the next call vends."""
        entry.lease = None
        if self._entries.get(entry.key) is entry:
            self._entries.pop(entry.key, None)

    async def revend(self, entry: Entry) -> Entry:
        """Replace credentials AWS refused (e.g. ``ExpiredToken``) with new ones, once.

        The vendor is told which access key was refused, so it vends anew instead of answering from
        its cache.
        """
        rejected = entry.lease.credentials.access_key if entry.lease is not None else None
        self.invalidate(entry)
        fresh = self._insert(entry.key)
        await self._refresh(fresh, advisory=False, rejected_access_key_id=rejected)
        return fresh

    def __len__(self) -> int:
        return len(self._entries)

    # -- internals ---------------------------------------------------------------
    def _insert(self, key: CacheKey) -> Entry:
        with self._evict_lock:
            entry = self._entries.get(key)
            if entry is None:
                entry = self._entries[key] = Entry(key)
                if len(self._entries) > self._max_entries:
                    oldest = min(
                        (e for e in self._entries.values() if e is not entry),
                        key=lambda e: e.lease.validated_at if e.lease else float("-inf"),
                    )
                    self.invalidate(oldest)
            return entry

    async def _refresh(self, entry: Entry, *, advisory: bool, rejected_access_key_id: str | None = None) -> None:
        pending = entry.pending
        if pending is not None:  # another caller is already vending for this key: wait for its answer
            try:
                await asyncio.wait_for(pending.done.wait(), self._wait_s)
            except TimeoutError:
                raise _timeout(self._wait_s) from None
            lease = entry.lease
            if lease is None or self._clock() >= lease.hard_deadline:
                if pending.failure is not None:
                    raise _copy(pending.failure)
                raise ToolFailure("unauthorized", "these credentials were revoked; call the tool again")
            return
        pending = entry.pending = _Pending()
        try:
            metadata = await self._vend_fairly(entry.key, rejected_access_key_id)
        except ToolFailure as failure:
            pending.failure = failure
            self._failed(entry, failure)
            lease = entry.lease
            transient = failure.error_type in TRANSIENT_ERRORS
            if advisory and transient and lease is not None and self._clock() < lease.hard_deadline:
                logger.warning(
                    "credential refresh failed; the current credentials stay until their deadline",
                    extra={"error_type": failure.error_type, "target_account_id": entry.key.account_id},
                )
                return
            raise
        else:
            entry.lease = self._lease(entry.key, metadata)
            self._breakers.pop(entry.key.account_id, None)
        finally:
            entry.pending = None
            pending.done.set()

    def _lease(self, key: CacheKey, metadata: dict[str, Any]) -> Lease:
        now = self._clock()
        expiry = _parse_expiry(metadata["expiry_time"])
        return Lease(
            credentials=ReadOnlyCredentials(metadata["access_key"], metadata["secret_key"], metadata["token"], None),
            region=metadata.get("region") or key.region or "us-east-1",
            expiry=expiry,
            validated_at=now,
            soft_deadline=min(now + self._revalidate_s - self._ahead_s, expiry - self._advisory_s),
            hard_deadline=min(now + self._revalidate_s, expiry - self._mandatory_s),
            allowed_log_groups=(
                tuple(metadata["allowed_log_groups"]) if metadata.get("allowed_log_groups") is not None else None
            ),
        )

    def _failed(self, entry: Entry, failure: ToolFailure) -> None:
        now = self._clock()
        account = entry.key.account_id
        if failure.error_type not in TRANSIENT_ERRORS:
            self.invalidate(entry)  # a refusal during any refresh ends the entry at once
            self._refused[entry.key] = (now + self._negative_s, failure)
        if failure.error_type in _CALLER_REFUSALS:
            return
        breaker = self._breakers.setdefault(account, _Breaker())
        breaker.failures += 1
        breaker.last = failure
        if breaker.failures >= self._breaker_failures:
            breaker.open_until = now + self._breaker_open_s

    def _check_breaker(self, account: str) -> None:
        breaker = self._breakers.get(account)
        if breaker is None or breaker.failures < self._breaker_failures:
            return
        remaining = breaker.open_until - self._clock()
        if remaining > 0:
            last = breaker.last.message if breaker.last else "repeated failures"
            raise ToolFailure(
                "throttled",
                f"vends for account {account} are paused for {remaining:.0f} s after {breaker.failures} failures"
                f" ({last})",
                retry_after_s=max(1, round(remaining)),
            )
        breaker.open_until = self._clock() + self._breaker_open_s  # half open: this vend probes, others wait

    async def _vend_fairly(self, key: CacheKey, rejected_access_key_id: str | None) -> dict[str, Any]:
        self._check_breaker(key.account_id)
        metadata, elapsed = await self._off_pool(
            key.account_id, lambda: self._vend(key.account_id, key.scope, key.region, rejected_access_key_id)
        )
        self.stats.vends += 1
        self.stats.vend_seconds_total += elapsed
        if self._on_vend:
            self._on_vend(elapsed, key.scope)
        return metadata

    async def call_vendor(self, principal: str, call: Callable[[], T]) -> T:
        """Run another blocking vendor call for ``principal`` (e.g. ``list_accounts``) as vends run.

        On the vend threads (never the worker threads that run AWS calls), waiting at most
        ``vend_wait_s``, at most ``account_vend_concurrency`` such calls in flight per principal.

        Raises:
            ToolFailure: ``timeout`` after ``vend_wait_s``; whatever ``call`` raises.
        """
        result, _ = await self._off_pool(f"principal:{principal}", call)
        return result

    async def _off_pool(self, limit_key: str, call: Callable[[], T]) -> tuple[T, float]:
        """``call`` on the vend threads with the current context, bounded in time and in flight per ``limit_key``.

        Returns:
            What ``call`` returned, and the seconds from submitting it to its answer.
        """
        loop = asyncio.get_running_loop()
        slots = self._slots.setdefault(limit_key, _Slots(self._account_concurrency))
        deadline = loop.time() + self._wait_s
        try:
            await asyncio.wait_for(slots.acquire(), self._wait_s)
        except TimeoutError:
            raise _timeout(self._wait_s) from None
        context = contextvars.copy_context()  # the vendor call reads the current caller's assertion
        started = time.perf_counter()
        try:
            future = self._pool.submit(context.run, call)
        except BaseException:
            slots.release()
            raise
        # The slot is held until the vend thread ends, not until this caller stops waiting: a key whose
        # vendor calls hang never holds more than its share of the vend threads.
        future.add_done_callback(lambda _: loop.call_soon_threadsafe(slots.release))
        try:
            result = await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(future)), deadline - loop.time())
        except TimeoutError:
            raise _timeout(self._wait_s) from None
        return result, time.perf_counter() - started

    def close(self) -> None:
        """Stop the vend threads (waiting for none)."""
        self._pool.shutdown(wait=False, cancel_futures=True)


def _timeout(seconds: float) -> ToolFailure:
    return ToolFailure(
        "timeout", f"the credential vendor did not answer within {seconds:.0f} s; retry later", retry_after_s=5
    )


def _copy(failure: ToolFailure) -> ToolFailure:
    return ToolFailure(failure.error_type, failure.message, retry_after_s=failure.retry_after_s)
