"""The Gateway REQUEST interceptor: token checks, the caller assertion it signs, and what it refuses.

Tokens are signed with a local RSA key served as a JWKS (a stand-in ``PyJWKClient``); assertions are
signed through ``tests.callers.LocalSigningKms`` exactly as KMS ``Sign`` answers, and verified with the
runtime's own verifier. No network.
"""

from __future__ import annotations

import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from account_tools.caller import ASSERTION_META_KEY, CallerRefusedError
from caller_assertion import sign_assertion
from gateway_interceptor.logic import intercept, named_account
from gateway_interceptor.tokens import TokenVerifier
from tests.callers import KEY_ID, Callers

pytestmark = pytest.mark.unit

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example"
AGENT_CLIENT = "7pq2rcl0agentclient"
USERS_CLIENT = "4ab9userclient"
SCOPE = "account-tools/invoke"
TARGET = "account-tools"


class StaticJwks:
    """``PyJWKClient``'s one method, over a fixed key."""

    def __init__(self, key: rsa.RSAPrivateKey) -> None:
        self._key = key

    def get_signing_key_from_jwt(self, token: str) -> Any:
        if jwt.get_unverified_header(token).get("kid") != "k1":
            raise jwt.PyJWKClientError("Unable to find a signing key that matches")
        return type("SigningKey", (), {"key": self._key.public_key()})()


ISSUER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
CALLERS = Callers()


def token(key: rsa.RSAPrivateKey = ISSUER_KEY, **overrides: Any) -> str:
    now = int(time.time())
    claims = {
        "sub": AGENT_CLIENT,
        "client_id": AGENT_CLIENT,
        "token_use": "access",
        "scope": SCOPE,
        "iss": ISSUER,
        "iat": now,
        "exp": now + 3600,
        "jti": "j1",
    } | overrides
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})


def user_token(**overrides: Any) -> str:
    return token(
        sub="0f5e-user-sub",
        client_id=USERS_CLIENT,
        username="alice",
        **{"cognito:groups": ["acme-finops"], "scope": f"openid {SCOPE}"} | overrides,
    )


def run(body: dict[str, Any], authorization: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    verifier = TokenVerifier(
        StaticJwks(ISSUER_KEY), issuer=ISSUER, allowed_client_ids=(AGENT_CLIENT, USERS_CLIENT), required_scope=SCOPE
    )
    headers = {"Accept": "application/json"} | ({"Authorization": authorization} if authorization else {})
    event = {"interceptorInputVersion": "1.0", "mcp": {"gatewayRequest": {"headers": headers, "body": body}}}

    def sign(claims: Any) -> str:
        return sign_assertion(claims, kms_client=CALLERS.kms, key_id=KEY_ID)

    return intercept(event, verifier=verifier, sign=sign, target_name=TARGET)


def call(tool: str, arguments: dict[str, Any], meta: dict[str, Any] | None = None) -> dict[str, Any]:
    params: dict[str, Any] = {"name": tool, "arguments": arguments}
    if meta is not None:
        params["_meta"] = meta
    return {"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": params}


def forwarded_assertion(output: dict[str, Any]) -> str:
    body = output["mcp"]["transformedGatewayRequest"]["body"]
    value: str = body["params"]["_meta"][ASSERTION_META_KEY]
    return value


def test_an_agent_call_gets_an_assertion_naming_client_tool_and_account() -> None:
    # When an agent calls a tool (Gateway-prefixed name, numeric account id)
    output, record = run(
        call(f"{TARGET}___get_caller_identity", {"target_account_id": 222222222222}), f"Bearer {token()}"
    )

    # Then the request goes on, carrying an assertion the runtime verifies for that tool and account
    caller = CALLERS.verifier().verify(
        forwarded_assertion(output), tool="get_caller_identity", target_account_id="222222222222", check_target=True
    )
    assert (caller.kind, caller.sub, caller.name, caller.groups) == ("agent", AGENT_CLIENT, AGENT_CLIENT, ())
    assert record == {
        "method": "tools/call",
        "principal": AGENT_CLIENT,
        "principal_kind": "agent",
        "tool": "get_caller_identity",
        "target_account_id": "222222222222",
        "outcome": "forwarded",
    }


def test_a_user_call_names_the_user_and_their_groups() -> None:
    output, _ = run(call("lookup_events", {}), f"Bearer {user_token()}")
    caller = CALLERS.verifier().verify(
        forwarded_assertion(output), tool="lookup_events", target_account_id=None, check_target=True
    )
    assert (caller.kind, caller.sub, caller.name, caller.groups) == ("user", "0f5e-user-sub", "alice", ("acme-finops",))


def test_an_assertion_the_client_sent_is_replaced() -> None:
    # Given a client that puts its own (forged) assertion in _meta, next to a progress token
    forged = Callers().assertion("get_caller_identity", "333333333333")
    meta = {ASSERTION_META_KEY: forged, "progressToken": 5}
    output, _ = run(call("get_caller_identity", {"target_account_id": "222222222222"}, meta), f"Bearer {token()}")
    forwarded = output["mcp"]["transformedGatewayRequest"]["body"]["params"]["_meta"]
    assert forwarded["progressToken"] == 5
    assert forwarded[ASSERTION_META_KEY] != forged
    caller = CALLERS.verifier().verify(
        forwarded[ASSERTION_META_KEY], tool="get_caller_identity", target_account_id="222222222222", check_target=True
    )
    assert caller.target_account_id == "222222222222"


def test_other_methods_pass_without_an_assertion_key() -> None:
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": {ASSERTION_META_KEY: "x"}}}
    output, _ = run(body, f"Bearer {token()}")
    assert output["mcp"]["transformedGatewayRequest"]["body"]["params"]["_meta"] == {}


@pytest.mark.parametrize(
    ("authorization", "reason"),
    [
        (None, "a bearer token is required"),
        ("Basic abc", "a bearer token is required"),
        (f"Bearer {token(exp=int(time.time()) - 60)}", "the bearer token has expired"),
        (f"Bearer {token(key=rsa.generate_private_key(public_exponent=65537, key_size=2048))}", "not valid"),
        (f"Bearer {token(iss='https://elsewhere.example.com')}", "not valid"),
        (f"Bearer {token(token_use='id')}", "an access token is required"),
        (f"Bearer {token(client_id='someone-else')}", "the token's client may not call this Gateway"),
        (f"Bearer {token(scope='account-tools/read')}", "the token lacks the scope account-tools/invoke"),
    ],
)
def test_requests_without_a_valid_token_are_answered_here(authorization: str | None, reason: str) -> None:
    output, record = run(call("get_caller_identity", {"target_account_id": "222222222222"}), authorization)
    answer = output["mcp"]["transformedGatewayResponse"]
    assert "transformedGatewayRequest" not in output["mcp"]  # never reaches the runtime
    assert answer["statusCode"] == 401
    assert answer["body"]["id"] == 7
    assert reason in answer["body"]["error"]["message"]
    assert record["outcome"] == "unauthorized"


def test_a_refused_request_signs_nothing_and_logs_no_token() -> None:
    before = CALLERS.kms.signed
    bad = token(client_id="someone-else")
    output, record = run(call("get_caller_identity", {}), f"Bearer {bad}")
    assert CALLERS.kms.signed == before
    assert bad not in json.dumps(record)
    assert bad not in json.dumps(output)


@pytest.mark.parametrize(
    ("value", "named"),
    [
        ("222222222222", "222222222222"),
        (222222222222, "222222222222"),
        (12345678901, "012345678901"),
        ("\u0662" * 12, None),
        (True, None),
        ("12ab", None),
        (None, None),
    ],
)
def test_the_named_account_is_normalized_as_the_runtime_does(value: Any, named: str | None) -> None:
    assert named_account({"target_account_id": value}) == named


def test_an_assertion_verified_for_another_account_is_refused() -> None:
    output, _ = run(call("get_caller_identity", {"target_account_id": "222222222222"}), f"Bearer {token()}")
    with pytest.raises(CallerRefusedError, match="another account"):
        CALLERS.verifier().verify(
            forwarded_assertion(output), tool="get_caller_identity", target_account_id="333333333333", check_target=True
        )
