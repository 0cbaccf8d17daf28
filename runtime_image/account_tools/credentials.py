"""Per-request AWS credentials: vended, cached per (principal, account, scope, region), never global.

The principal is part of every key: two callers never share a session, and an entry exists only
because the vendor authorized that principal for that account (a cache hit is an authorization
decision made earlier, bounded by the credentials' lifetime).

Each cache entry is a botocore ``RefreshableCredentials`` whose refresh calls the
vendor again. botocore's refresh lock makes concurrent refreshes of one entry
collapse into one vend; a per-entry lock does the same for the first vend.
Nothing here reads or writes ``os.environ``: every client is built from the
explicit credentials of its own request.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from botocore.credentials import ReadOnlyCredentials, RefreshableCredentials

from account_tools.settings import ADVISORY_REFRESH_S, CREDENTIAL_CACHE_MAX_ENTRIES, MANDATORY_REFRESH_S

VendFn = Callable[[str, str, str | None], dict[str, Any]]
"""(account_id, scope, region) -> refreshable-credential metadata (see ``VendorClient.vend``); it vends
for the verified caller of the current call (``account_tools.caller.current_caller``)."""


class CacheKey(NamedTuple):
    """Whose credentials, and what they are good for."""

    principal: str
    account_id: str
    scope: str
    region: str | None


class ScopedCredentials(NamedTuple):
    """Frozen credentials for one call, with the region they were vended for."""

    credentials: ReadOnlyCredentials
    region: str


@dataclass
class _Entry:
    lock: threading.Lock = field(default_factory=threading.Lock)
    credentials: RefreshableCredentials | None = None
    region: str = "us-east-1"


@dataclass
class CacheStats:
    """Counters for the cache-hit-ratio metric."""

    hits: int = 0
    misses: int = 0
    vends: int = 0
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


class CredentialCache:
    """Thread-safe LRU cache of refreshable credentials per (account, scope, region).

    Args:
        vend: Fetches fresh credential metadata from the vendor.
        advisory_refresh_s: Seconds before expiry when one caller refreshes while others keep using the old ones.
        mandatory_refresh_s: Seconds before expiry when every caller waits for fresh credentials.
        max_entries: Least recently used entries beyond this are dropped.
        on_vend: Called with (seconds, scope) after each successful vend, for metrics.
    """

    def __init__(
        self,
        vend: VendFn,
        *,
        advisory_refresh_s: int = ADVISORY_REFRESH_S,
        mandatory_refresh_s: int = MANDATORY_REFRESH_S,
        max_entries: int = CREDENTIAL_CACHE_MAX_ENTRIES,
        on_vend: Callable[[float, str], None] | None = None,
    ) -> None:
        self._vend = vend
        self._advisory_s = advisory_refresh_s
        self._mandatory_s = mandatory_refresh_s
        self._max_entries = max_entries
        self._on_vend = on_vend
        self._entries: OrderedDict[CacheKey, _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self.stats = CacheStats()

    def _fetch(self, key: CacheKey, entry: _Entry) -> dict[str, Any]:
        started = time.perf_counter()
        metadata = self._vend(key.account_id, key.scope, key.region)
        elapsed = time.perf_counter() - started
        with self._lock:
            self.stats.vends += 1
            self.stats.vend_seconds_total += elapsed
        if self._on_vend:
            self._on_vend(elapsed, key.scope)
        entry.region = metadata.get("region") or key.region or "us-east-1"
        return metadata

    def get(self, principal: str, account_id: str, scope: str, region: str | None = None) -> ScopedCredentials:
        """Credentials of ``principal`` for one call; vends on a miss or near expiry (blocking).

        Raises:
            ToolFailure: The vendor refused (e.g. ``unauthorized``); nothing is cached.
        """
        key = CacheKey(principal, account_id, scope, region)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                entry = self._entries[key] = _Entry()
                while len(self._entries) > self._max_entries:
                    self._entries.popitem(last=False)
            else:
                self._entries.move_to_end(key)
        with entry.lock:
            if entry.credentials is None:
                with self._lock:
                    self.stats.misses += 1
                try:
                    metadata = self._fetch(key, entry)
                except Exception:
                    with self._lock:
                        if self._entries.get(key) is entry:
                            del self._entries[key]
                    raise
                entry.credentials = RefreshableCredentials.create_from_metadata(
                    metadata,
                    refresh_using=lambda: self._fetch(key, entry),
                    method="credential-vendor",
                    advisory_timeout=self._advisory_s,
                    mandatory_timeout=self._mandatory_s,
                )
            else:
                with self._lock:
                    self.stats.hits += 1
        return ScopedCredentials(entry.credentials.get_frozen_credentials(), entry.region)

    def __len__(self) -> int:
        return len(self._entries)
