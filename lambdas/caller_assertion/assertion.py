"""Sign and verify caller assertions (ES256 compact JWS; signing by KMS, verification with the public key)."""

from __future__ import annotations

import json
import threading
import time
import uuid
from typing import TYPE_CHECKING, Annotated, Any, Final, Literal

import jwt
from botocore.exceptions import BotoCoreError, ClientError
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key
from jwt.algorithms import ECAlgorithm
from jwt.api_jws import PyJWS
from jwt.utils import der_to_raw_signature
from pydantic import BaseModel, ConfigDict, Field, ValidationError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey

ASSERTION_ISSUER: Final = "account-tools/gateway-interceptor"
ASSERTION_AUDIENCE: Final = "account-tools/runtime"
ASSERTION_ALGORITHM = "ES256"
# KMS SigningAlgorithm for ES256 with an ECC_NIST_P256 key (KMS API reference, Sign).
KMS_SIGNING_ALGORITHM = "ECDSA_SHA_256"
# Where the interceptor puts the assertion in the MCP request: params._meta[ASSERTION_META_KEY].
ASSERTION_META_KEY = "account-tools/caller-assertion"
# Lifetime of an assertion in seconds: one tool call, including its waits (at most 60 s) and vends.
ASSERTION_TTL_S = 300
CLOCK_SKEW_S = 5
# At most this many accounts in one many-accounts call (``target_account_ids``); the runtime's tools agree.
MAX_TARGET_ACCOUNTS = 10

PrincipalKind = Literal["agent", "user"]
AccountId = Annotated[str, Field(pattern=r"^[0-9]{12}$")]


class InvalidAssertionError(Exception):
    """A caller assertion is missing, forged, altered, expired, or for another call."""


class CallerAssertion(BaseModel):
    """The claims of a caller assertion.

    Attributes:
        sub: The principal: an agent's OAuth client id, or a user's ``sub``.
        kind: ``agent`` (client-credentials token) or ``user`` (authorization-code token).
        name: Display name: the client id for agents, the username for users.
        groups: The user's groups (``cognito:groups``); empty for agents.
        tool: The tool this call invokes (bare name, without the Gateway target prefix).
        target_account_id: The account the call names, or None when it names none.
        target_account_ids: The accounts a many-accounts call names (``target_account_ids``, at most
            ``MAX_TARGET_ACCOUNTS``, duplicates removed), or None. The vendor vends for an account of this
            list only if that account is granted to the principal, each account on its own.
        iat: Issued at, seconds since the epoch (UTC).
        exp: Expires at, seconds since the epoch (UTC); ``iat + ASSERTION_TTL_S``.
        jti: Unique id of this assertion.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    iss: Literal["account-tools/gateway-interceptor"]
    aud: Literal["account-tools/runtime"]
    sub: str = Field(min_length=1, max_length=256)
    kind: PrincipalKind
    name: str = Field(min_length=1, max_length=256)
    groups: tuple[str, ...] = ()
    tool: str = Field(pattern=r"^[a-zA-Z0-9_-]{1,64}$")
    target_account_id: AccountId | None = None
    target_account_ids: tuple[AccountId, ...] | None = Field(default=None, min_length=1, max_length=MAX_TARGET_ACCOUNTS)
    iat: int
    exp: int
    jti: str = Field(min_length=1, max_length=64)

    @classmethod
    def issue(
        cls,
        *,
        sub: str,
        kind: PrincipalKind,
        name: str,
        groups: tuple[str, ...],
        tool: str,
        target_account_id: str | None,
        target_account_ids: tuple[str, ...] | None = None,
        now: float | None = None,
        ttl_s: int = ASSERTION_TTL_S,
    ) -> CallerAssertion:
        """Claims for one tool call, valid for ``ttl_s`` seconds from ``now`` (default: the current time)."""
        issued = int(time.time() if now is None else now)
        return cls(
            iss=ASSERTION_ISSUER,
            aud=ASSERTION_AUDIENCE,
            sub=sub,
            kind=kind,
            name=name,
            groups=groups,
            tool=tool,
            target_account_id=target_account_id,
            target_account_ids=target_account_ids,
            iat=issued,
            exp=issued + ttl_s,
            jti=uuid.uuid4().hex,
        )


class _KmsES256(ECAlgorithm):
    """PyJWT's ES256 whose signing happens in KMS: the private key never leaves KMS."""

    def __init__(self, kms_client: Any) -> None:
        super().__init__(ECAlgorithm.SHA256)
        self._kms = kms_client

    def prepare_key(self, key: Any) -> Any:
        return key  # a KMS key id or ARN, not key material

    def sign(self, msg: bytes, key: Any) -> bytes:
        response = self._kms.sign(KeyId=key, Message=msg, MessageType="RAW", SigningAlgorithm=KMS_SIGNING_ALGORITHM)
        # KMS returns a DER-encoded ECDSA signature; JWS (RFC 7518 3.4) wants R || S.
        return der_to_raw_signature(response["Signature"], ec.SECP256R1())


def sign_assertion(claims: CallerAssertion, *, kms_client: Any, key_id: str) -> str:
    """Sign ``claims`` with the KMS key ``key_id`` (``kms:Sign``, ``ECDSA_SHA_256``).

    Returns:
        The compact JWS.

    Raises:
        botocore.exceptions.ClientError: KMS refused (e.g. the caller's role may not sign).
    """
    jws = PyJWS(algorithms=[])
    jws.register_algorithm(ASSERTION_ALGORITHM, _KmsES256(kms_client))
    # A claim that is not set is left out (an assertion of a single-account call has no target_account_ids).
    payload = json.dumps(claims.model_dump(mode="json", exclude_none=True), separators=(",", ":")).encode()
    return jws.encode(payload, key_id, algorithm=ASSERTION_ALGORITHM, headers={"kid": key_id})


class KmsPublicKey:
    """The assertion key's public half, fetched once with ``kms:GetPublicKey`` and reused.

    Args:
        kms_client: A KMS client whose role may call ``GetPublicKey`` on the key.
        key_id: The key's ARN.
    """

    def __init__(self, kms_client: Any, key_id: str) -> None:
        self._kms = kms_client
        self._key_id = key_id
        self._key: EllipticCurvePublicKey | None = None
        self._lock = threading.Lock()

    def get(self) -> EllipticCurvePublicKey:
        """The public key.

        Raises:
            InvalidAssertionError: The key cannot be read (so no assertion can be verified).
        """
        with self._lock:
            if self._key is None:
                try:
                    der = self._kms.get_public_key(KeyId=self._key_id)["PublicKey"]
                except (ClientError, BotoCoreError) as exc:
                    raise InvalidAssertionError("the caller-assertion key cannot be read") from exc
                key = load_der_public_key(der)
                if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
                    raise InvalidAssertionError("the caller-assertion key is not an ECC_NIST_P256 key")
                self._key = key
            return self._key


def verify_assertion(
    token: str | None,
    public_key: EllipticCurvePublicKey,
    *,
    tool: str | None = None,
    target_account_id: str | None = None,
    target_account_ids: tuple[str, ...] | None = None,
    check_target: bool = False,
    now: float | None = None,
) -> CallerAssertion:
    """Verify a caller assertion and, optionally, that it is for this tool and account.

    Args:
        token: The compact JWS, or None when the request carried none.
        public_key: The assertion key's public half.
        tool: When set, the assertion must name this tool.
        target_account_id: With ``check_target``, the account the call acts in must be the one the
            assertion names (None: the call named none).
        target_account_ids: With ``check_target``, the accounts of a many-accounts call must be the ones
            the assertion names (None: the call named none).
        check_target: Compare ``target_account_id`` and ``target_account_ids``.
        now: The current time in seconds since the epoch (tests); default the clock.

    Raises:
        InvalidAssertionError: Missing, bad signature, wrong issuer/audience, expired, malformed,
            or for another tool or account. The message never contains the token.
    """
    if not token:
        raise InvalidAssertionError("no caller assertion: calls must come through the Gateway")
    try:
        raw = jwt.decode(
            token,
            public_key,
            algorithms=[ASSERTION_ALGORITHM],
            audience=ASSERTION_AUDIENCE,
            issuer=ASSERTION_ISSUER,
            leeway=CLOCK_SKEW_S,
            # Times are checked below against an injectable clock.
            options={"require": ["exp", "iat", "iss", "aud", "sub", "jti"], "verify_iat": False, "verify_exp": False},
        )
        claims = CallerAssertion.model_validate(raw)
    except (jwt.InvalidTokenError, ValidationError):
        raise InvalidAssertionError("the caller assertion is not valid") from None
    current = time.time() if now is None else now
    if claims.exp < current - CLOCK_SKEW_S:
        raise InvalidAssertionError("the caller assertion has expired")
    if claims.iat > current + CLOCK_SKEW_S:
        raise InvalidAssertionError("the caller assertion is not valid yet")
    if claims.exp - claims.iat > ASSERTION_TTL_S:
        raise InvalidAssertionError("the caller assertion lives longer than allowed")
    if tool is not None and claims.tool != tool:
        raise InvalidAssertionError("the caller assertion is for another tool")
    if check_target and claims.target_account_id != target_account_id:
        raise InvalidAssertionError("the caller assertion is for another account")
    if check_target and claims.target_account_ids != target_account_ids:
        raise InvalidAssertionError("the caller assertion is for other accounts")
    return claims
