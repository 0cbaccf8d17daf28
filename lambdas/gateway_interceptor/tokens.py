"""Verify the Gateway's bearer tokens (Cognito access tokens) again, and name their principal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jwt

from caller_assertion import PrincipalKind

TOKEN_ALGORITHMS = ("RS256",)  # Cognito signs access tokens with RS256
CLOCK_SKEW_S = 5


class TokenRejectedError(Exception):
    """The bearer token is missing or not acceptable; the message never contains the token."""


@dataclass(frozen=True)
class Principal:
    """Who a verified token belongs to.

    Attributes:
        sub: The agent's client id (client-credentials tokens) or the user's ``sub``.
        kind: ``agent`` or ``user``.
        name: The client id, or the username.
        groups: The user's ``cognito:groups`` (empty for agents).
    """

    sub: str
    kind: PrincipalKind
    name: str
    groups: tuple[str, ...] = ()


class TokenVerifier:
    """Checks signature (the issuer's JWKS), issuer, expiry, token use, client and scope.

    Args:
        jwks_client: Resolves a token's signing key (``jwt.PyJWKClient`` on the issuer's JWKS URL).
        issuer: Expected ``iss``.
        allowed_client_ids: Accepted ``client_id`` claims.
        required_scope: A scope every token must carry (``scope`` claim, space-separated).
    """

    def __init__(
        self, jwks_client: Any, *, issuer: str, allowed_client_ids: tuple[str, ...], required_scope: str
    ) -> None:
        self._jwks = jwks_client
        self._issuer = issuer
        self._clients = frozenset(allowed_client_ids)
        self._scope = required_scope

    def verify(self, authorization: str | None) -> Principal:
        """The principal of an ``Authorization: Bearer <token>`` header value.

        Raises:
            TokenRejectedError: No bearer token, a bad signature, the wrong issuer, expired, not an
                access token, an unknown client, or the scope missing.
        """
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise TokenRejectedError("a bearer token is required")
        token = token.strip()
        try:
            key = self._jwks.get_signing_key_from_jwt(token).key
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=list(TOKEN_ALGORITHMS),
                issuer=self._issuer,
                leeway=CLOCK_SKEW_S,
                # Cognito access tokens carry client_id, not aud (checked below).
                options={"require": ["exp", "iat", "iss", "sub"], "verify_aud": False},
            )
        except jwt.ExpiredSignatureError:
            raise TokenRejectedError("the bearer token has expired") from None
        except (jwt.PyJWKClientError, jwt.InvalidTokenError):
            raise TokenRejectedError("the bearer token is not valid") from None
        if claims.get("token_use") != "access":
            raise TokenRejectedError("an access token is required")
        if claims.get("client_id") not in self._clients:
            raise TokenRejectedError("the token's client may not call this Gateway")
        if self._scope not in str(claims.get("scope", "")).split():
            raise TokenRejectedError(f"the token lacks the scope {self._scope}")
        username = claims.get("username") or claims.get("cognito:username")
        if username:
            groups = claims.get("cognito:groups") or []
            return Principal(sub=str(claims["sub"]), kind="user", name=str(username), groups=tuple(map(str, groups)))
        return Principal(sub=str(claims["client_id"]), kind="agent", name=str(claims["client_id"]))
