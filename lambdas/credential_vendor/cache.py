"""The vendor's own cache of what it vended, per warm execution environment.

Keyed by everything that shapes the credentials: the caller (principal and session name), the
account, the scope, the region and the duration; an entry is also tied to a fingerprint of the
account's row and session policy (role, ExternalId, access key, secret ciphertext), so a rotated
secret or a re-registered role is vended anew. Every request is still authorized first (assertion,
grant, account row): a cache hit saves the STS and KMS calls, never the registry read. So upstream
STS/KMS calls are bounded by distinct keys per credential lifetime, however many runtime instances
ask.

Entries are reused until ``refresh_margin_s`` before they expire; the margin is above the runtime's
advisory refresh margin, so a runtime that refreshes early gets newer credentials, not the same ones.
Concurrent misses of one key collapse into one vend (the local endpoint serves requests on threads).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime

from credential_vendor.models import VendedCredentials

# Above the runtime's advisory margin (account_tools.settings.ADVISORY_REFRESH_S, 300 s) plus its
# revocation bound (60 s): what the runtime asks for in its advisory window is fresh here.
REFRESH_MARGIN_S = 360
MAX_ENTRIES = 4096


@dataclass
class _Slot:
    lock: threading.Lock = field(default_factory=threading.Lock)
    credentials: VendedCredentials | None = None
    expiry: float = 0.0
    fingerprint: Hashable = None


class VendCache:
    """Vended credentials per key, reused until shortly before they expire.

    Args:
        refresh_margin_s: Entries with less than this left are vended anew.
        max_entries: Beyond this, the entries closest to expiry are dropped.
        clock: Seconds since the epoch (injectable for tests).
    """

    def __init__(
        self,
        *,
        refresh_margin_s: float = REFRESH_MARGIN_S,
        max_entries: int = MAX_ENTRIES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._margin_s = refresh_margin_s
        self._max_entries = max_entries
        self._clock = clock
        self._slots: dict[Hashable, _Slot] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_vend(
        self,
        key: Hashable,
        fingerprint: Hashable,
        vend: Callable[[], VendedCredentials],
        *,
        rejected_access_key_id: str | None = None,
    ) -> VendedCredentials:
        """The cached credentials of ``key``, or ``vend()``'s (cached when they succeed).

        Args:
            key: Everything that shapes the credentials.
            fingerprint: The account row and policy they were vended from; a change vends anew.
            vend: Calls STS (and KMS); run at most once at a time per key.
            rejected_access_key_id: Credentials AWS refused: if they are the cached ones, vend anew.
        """
        with self._lock:
            slot = self._slots.get(key)
            if slot is None:
                slot = self._slots[key] = _Slot()
                self._evict()
        with slot.lock:
            creds = slot.credentials
            if (
                creds is not None
                and slot.fingerprint == fingerprint
                and creds.access_key_id != rejected_access_key_id
                and slot.expiry - self._clock() > self._margin_s
            ):
                self.hits += 1
                return creds
            self.misses += 1
            slot.credentials = None
            fresh = vend()
            slot.credentials, slot.fingerprint = fresh, fingerprint
            slot.expiry = datetime.fromisoformat(fresh.expiration.replace("Z", "+00:00")).timestamp()
            return fresh

    def _evict(self) -> None:
        if len(self._slots) <= self._max_entries:
            return
        for key in sorted(self._slots, key=lambda k: self._slots[k].expiry)[: len(self._slots) - self._max_entries]:
            del self._slots[key]

    def __len__(self) -> int:
        return len(self._slots)
