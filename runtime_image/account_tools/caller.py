"""The verified caller of a tool call: the caller assertion the Gateway interceptor signed.

The Gateway REQUEST interceptor (``lambdas/gateway_interceptor``) verifies the agent's or user's
bearer token and puts a caller assertion, a compact JWS (ES256) signed with a KMS key only it may
use, into the request's ``params._meta["account-tools/caller-assertion"]``. The server verifies it
before serving anything, cached credentials included, with the key's public half (``kms:GetPublicKey``
once, then local checks), and passes it with each vend; the vendor verifies it again.

The claims are those of ``lambdas/caller_assertion`` (the signer); a unit test signs with that package
and verifies here, so the two cannot drift apart.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import jwt
from botocore.exceptions import BotoCoreError, ClientError
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key

ASSERTION_META_KEY = "account-tools/caller-assertion"
ASSERTION_ISSUER = "account-tools/gateway-interceptor"
ASSERTION_AUDIENCE = "account-tools/runtime"
ASSERTION_MAX_TTL_S = 300
CLOCK_SKEW_S = 5
_REQUIRED = ["exp", "iat", "iss", "aud", "sub", "jti", "kind", "name", "tool"]


class CallerRefusedError(Exception):
    """No caller assertion, or one that is forged, altered, expired, or for another tool or account."""


@dataclass(frozen=True)
class Caller:
    """A verified caller.

    Attributes:
        sub: The principal: an agent's OAuth client id, or a user's ``sub``.
        kind: ``agent`` or ``user``.
        name: Display name (client id or username).
        groups: The user's groups.
        tool: The tool the assertion is for.
        target_account_id: The account the assertion names, or None.
        target_account_ids: The accounts a many-accounts call's assertion names (empty for other calls).
        assertion: The signed assertion, passed on to the vendor (never logged, not in ``repr``).
    """

    sub: str
    kind: str
    name: str
    groups: tuple[str, ...]
    tool: str
    target_account_id: str | None
    assertion: str = field(repr=False)
    target_account_ids: tuple[str, ...] = ()

    @property
    def principal(self) -> str:
        """``kind:sub``: the cache partition and the name in log lines."""
        return f"{self.kind}:{self.sub}"


current_caller: ContextVar[Caller | None] = ContextVar("current_caller", default=None)

PublicKeyProvider = Callable[[], ec.EllipticCurvePublicKey]


def kms_public_key(kms_client: Any, key_id: str) -> PublicKeyProvider:
    """A provider of the assertion key's public half: ``kms:GetPublicKey`` on first use, then cached.

    Raises (when called):
        CallerRefusedError: The key cannot be read or is not an ECC_NIST_P256 key.
    """
    lock = threading.Lock()
    cached: list[ec.EllipticCurvePublicKey] = []

    def provide() -> ec.EllipticCurvePublicKey:
        with lock:
            if not cached:
                try:
                    der = kms_client.get_public_key(KeyId=key_id)["PublicKey"]
                except (ClientError, BotoCoreError) as exc:
                    raise CallerRefusedError("the caller-assertion key cannot be read") from exc
                key = load_der_public_key(der)
                if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
                    raise CallerRefusedError("the caller-assertion key is not an ECC_NIST_P256 key")
                cached.append(key)
            return cached[0]

    return provide


class CallerVerifier:
    """Verifies caller assertions locally.

    Args:
        public_key: Provides the assertion key's public half.
        clock: Seconds since the epoch (injectable for tests).
    """

    def __init__(self, public_key: PublicKeyProvider, *, clock: Callable[[], float] = time.time) -> None:
        self._public_key = public_key
        self._clock = clock

    def verify(
        self,
        token: str | None,
        *,
        tool: str,
        target_account_id: str | None,
        check_target: bool,
        target_account_ids: tuple[str, ...] | None = None,
    ) -> Caller:
        """The caller of this call, if its assertion is valid for it.

        Args:
            token: The assertion from ``params._meta``, or None.
            tool: The tool being called: the assertion must name it.
            target_account_id: The (normalized) account the call names, or None.
            check_target: Compare it and ``target_account_ids`` with the assertion's (False when an
                argument is invalid: the call is then refused by validation before anything runs).
            target_account_ids: The (normalized, duplicates removed) accounts of a many-accounts call, or None.

        Raises:
            CallerRefusedError: Why the call may not run (never contains the token).
        """
        if not token or not isinstance(token, str):
            raise CallerRefusedError("no caller assertion: call the tools through the Gateway")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._public_key(),
                algorithms=["ES256"],
                audience=ASSERTION_AUDIENCE,
                issuer=ASSERTION_ISSUER,
                options={"require": _REQUIRED, "verify_exp": False, "verify_iat": False},
            )
        except jwt.InvalidTokenError:
            raise CallerRefusedError("the caller assertion is not valid") from None
        now = self._clock()
        issued, expires = int(claims["iat"]), int(claims["exp"])
        if expires < now - CLOCK_SKEW_S:
            raise CallerRefusedError("the caller assertion has expired")
        if issued > now + CLOCK_SKEW_S:
            raise CallerRefusedError("the caller assertion is not valid yet")
        if expires - issued > ASSERTION_MAX_TTL_S:
            raise CallerRefusedError("the caller assertion lives longer than allowed")
        if claims["tool"] != tool:
            raise CallerRefusedError("the caller assertion is for another tool")
        named = claims.get("target_account_id")
        if check_target and named != target_account_id:
            raise CallerRefusedError("the caller assertion is for another account")
        listed = claims.get("target_account_ids")
        listed = tuple(str(a) for a in listed) if isinstance(listed, list) else None
        if check_target and listed != target_account_ids:
            raise CallerRefusedError("the caller assertion is for other accounts")
        return Caller(
            sub=str(claims["sub"]),
            kind=str(claims["kind"]),
            name=str(claims["name"]),
            groups=tuple(str(g) for g in claims.get("groups") or ()),
            tool=tool,
            target_account_id=named,
            assertion=token,
            target_account_ids=listed or (),
        )
