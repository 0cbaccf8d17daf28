"""A local OAuth2 issuer standing in for the Cognito user pool (token endpoint and JWKS).

- ``POST /oauth2/token``: the same client-credentials request as Cognito's hosted domain
  (``grant_type=client_credentials``, client id and secret as HTTP Basic or form fields, ``scope``);
  answers ``{"access_token", "expires_in", "token_type": "Bearer"}``. The access token has Cognito's
  claims: ``sub`` and ``client_id`` (the app client), ``token_use: access``, ``scope``, ``iss``,
  ``iat``, ``exp``, ``jti``.
- ``POST /local/user-token`` (local only): a human user's access token, as the user pool's
  authorization-code flow would return it after sign-in (``username``, the user's ``sub``,
  ``cognito:groups``, the users' app client). Takes ``username`` and ``password``.
- ``GET /.well-known/jwks.json``: the RS256 signing key (a fresh key per start).

Clients and users come from a JSON file (``--config``): ``{"clients": {id: {"secret", "scopes"}},
"users": {username: {"password", "sub", "groups", "client_id"}}}``.
"""

from __future__ import annotations

import argparse
import base64
import hmac
import json
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
import uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

ACCESS_TOKEN_TTL_S = 3600  # as the CDK app's app clients (60 minutes)
KEY_ID = "local-issuer-1"


def _error(error: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": error}, status_code=status)


def build_app(config: dict[str, Any], *, issuer: str) -> Starlette:
    """The issuer's ASGI app.

    Args:
        config: Registered clients and users (see the module docstring).
        issuer: The ``iss`` of every token (this server's base URL).
    """
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update(kid=KEY_ID, use="sig", alg="RS256")
    clients: dict[str, dict[str, Any]] = config.get("clients", {})
    users: dict[str, dict[str, Any]] = config.get("users", {})

    def issue(claims: dict[str, Any]) -> JSONResponse:
        now = int(time.time())
        claims |= {"iss": issuer, "iat": now, "exp": now + ACCESS_TOKEN_TTL_S, "jti": str(uuid.uuid4())}
        claims |= {"token_use": "access", "auth_time": now, "version": 2}
        token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": KEY_ID})
        return JSONResponse({"access_token": token, "expires_in": ACCESS_TOKEN_TTL_S, "token_type": "Bearer"})

    async def token(request: Request) -> JSONResponse:
        form = await request.form()
        if form.get("grant_type") != "client_credentials":
            return _error("unsupported_grant_type")
        client_id, secret = str(form.get("client_id") or ""), str(form.get("client_secret") or "")
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "basic":
            client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
        client = clients.get(client_id)
        if client is None or not hmac.compare_digest(str(client["secret"]), secret):
            return _error("invalid_client", 401)
        asked = str(form.get("scope") or " ".join(client["scopes"])).split()
        if not asked or any(scope not in client["scopes"] for scope in asked):
            return _error("invalid_scope")
        return issue({"sub": client_id, "client_id": client_id, "scope": " ".join(asked)})

    async def user_token(request: Request) -> JSONResponse:
        form = await request.form()
        user = users.get(str(form.get("username") or ""))
        if user is None or not hmac.compare_digest(str(user["password"]), str(form.get("password") or "")):
            return _error("invalid_grant", 401)
        client = clients[user["client_id"]]
        return issue(
            {
                "sub": user["sub"],
                "client_id": user["client_id"],
                "username": form["username"],
                "cognito:groups": list(user.get("groups", [])),
                "scope": " ".join(["openid", *client["scopes"]]),
            }
        )

    async def jwks(_: Request) -> JSONResponse:
        return JSONResponse({"keys": [jwk]})

    return Starlette(
        routes=[
            Route("/oauth2/token", token, methods=["POST"]),
            Route("/local/user-token", user_token, methods=["POST"]),
            Route("/.well-known/jwks.json", jwks, methods=["GET"]),
        ]
    )


def main(argv: list[str] | None = None) -> None:
    """``python -m local_stack.oauth --port N --config clients.json``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--config", type=Path, required=True)
    args = parser.parse_args(argv)
    app = build_app(json.loads(args.config.read_text()), issuer=f"http://127.0.0.1:{args.port}")
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
