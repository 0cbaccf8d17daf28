"""Where the smoke test's bearer token comes from: none (local), a given one, or client credentials.

New sources (e.g. a local Gateway's issuer) implement ``TokenSource``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import httpx

TOKEN_TIMEOUT_S = 10.0

# What the token endpoint's OAuth error means here, and what to do about it.
TOKEN_ERROR_FIXES = {
    "invalid_client": "the client id or secret is wrong: use the ClientId output and that client's secret "
    "(aws cognito-idp describe-user-pool-client --user-pool-id <UserPoolId> --client-id <ClientId>)",
    "invalid_scope": "the client may not request this scope: ask for the OAuthScope output (account-tools/invoke) "
    "and check the app client's allowed scopes",
    "unauthorized_client": "the app client lacks the client_credentials grant: redeploy the stack (AgentAuth)",
    "invalid_grant": "the grant was refused: use grant_type=client_credentials",
}


class TokenError(Exception):
    """No token could be obtained; ``fix`` says what to change."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.fix = fix


class TokenSource(Protocol):
    """Gives the bearer token for the Gateway, or ``None`` when the endpoint takes none."""

    description: str

    def token(self) -> str | None:
        """The token (fetched on first use)."""
        ...


@dataclass
class NoToken:
    """The local stack's MCP endpoint: no Authorization header."""

    description: str = "no token (local endpoint)"

    def token(self) -> str | None:
        return None


@dataclass
class StaticToken:
    """A token the caller already has (``--token``)."""

    value: str
    description: str = "token given on the command line"

    def token(self) -> str | None:
        return self.value


@dataclass
class ClientCredentials:
    """OAuth2 client-credentials grant against a token endpoint (Cognito's ``/oauth2/token``).

    Args:
        token_endpoint: The ``TokenEndpoint`` output.
        client_id: The ``ClientId`` output.
        client_secret: The client's secret.
        scope: The ``OAuthScope`` output.
        http: HTTP client (tests pass their own).
    """

    token_endpoint: str
    client_id: str
    client_secret: str
    scope: str
    http: httpx.Client | None = None
    description: str = "client-credentials token"

    def token(self) -> str | None:
        http = self.http or httpx.Client(timeout=TOKEN_TIMEOUT_S)
        try:
            response = http.post(
                self.token_endpoint,
                data={"grant_type": "client_credentials", "scope": self.scope},
                auth=(self.client_id, self.client_secret),
            )
        except httpx.HTTPError as exc:
            raise TokenError(
                f"token endpoint {self.token_endpoint} unreachable: {exc}",
                "check the TokenEndpoint output and your network (the Cognito domain must exist)",
            ) from exc
        if response.status_code != httpx.codes.OK:
            error = _oauth_error(response)
            raise TokenError(
                f"token endpoint refused the request: HTTP {response.status_code} {error}",
                TOKEN_ERROR_FIXES.get(error, "check the client id, secret and scope against the stack outputs"),
            )
        token = response.json().get("access_token")
        if not isinstance(token, str) or not token:
            raise TokenError("token endpoint answered without an access_token", "check the TokenEndpoint output")
        return token


def _oauth_error(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    return str(body.get("error", body)) if isinstance(body, dict) else str(body)[:200]


def cognito_client_secret(cognito: Any, user_pool_id: str, client_id: str) -> str:
    """The app client's secret, read with the operator's credentials (``cognito-idp:DescribeUserPoolClient``)."""
    client = cognito.describe_user_pool_client(UserPoolId=user_pool_id, ClientId=client_id)["UserPoolClient"]
    return str(client.get("ClientSecret", ""))
