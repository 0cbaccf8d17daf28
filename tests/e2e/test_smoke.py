"""The post-deploy smoke command against the local stack, directly and through a stand-in Gateway.

The stand-in plays the AgentCore Gateway's observable contract on 127.0.0.1: a client-credentials
token endpoint, bearer-token checks (401 otherwise), tool names prefixed with the target name, and
a tool catalog that can lag behind the runtime (a hidden tool = a target not synchronized).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from local_stack.stack import ROLE_ACCOUNT, LocalStack, free_port
from smoke.cli import main
from smoke.mcp_calls import GATEWAY_NAME_SEPARATOR

pytestmark = pytest.mark.e2e

CLIENT_ID = "smoke-client"
CLIENT_SECRET = "smoke-secret"
SCOPE = "account-tools/invoke"
ISSUED_TOKEN = "issued-token"
TARGET = "account-tools"
FORWARDED_HEADERS = ("content-type", "accept", "mcp-protocol-version")


@dataclass
class FakeGateway:
    """What the Gateway does that the smoke test relies on, in front of the local runtime."""

    runtime_url: str  # where requests go on: the local Gateway (which checks tokens and signs assertions)
    upstream_token: str
    hidden_tools: set[str] = field(default_factory=set)

    async def token(self, request: Request) -> Response:
        form = await request.form()
        auth = httpx.BasicAuth(CLIENT_ID, CLIENT_SECRET)._auth_header
        if request.headers.get("authorization") != auth:
            return JSONResponse({"error": "invalid_client"}, status_code=400)
        if form.get("scope") != SCOPE:
            return JSONResponse({"error": "invalid_scope"}, status_code=400)
        return JSONResponse({"access_token": ISSUED_TOKEN, "token_type": "Bearer", "expires_in": 3600})

    async def mcp(self, request: Request) -> Response:
        if request.headers.get("authorization") != f"Bearer {ISSUED_TOKEN}":
            return JSONResponse({"message": "Unauthorized"}, status_code=401)
        if request.method != "POST":
            return Response(status_code=405)
        message: dict[str, Any] = await request.json()
        if message.get("method") == "tools/call":
            message["params"]["name"] = message["params"]["name"].split(GATEWAY_NAME_SEPARATOR, 1)[-1]
        headers = {k: v for k, v in request.headers.items() if k in FORWARDED_HEADERS}
        headers["authorization"] = f"Bearer {self.upstream_token}"
        async with httpx.AsyncClient(timeout=30) as http:
            answer = await http.post(self.runtime_url, json=message, headers=headers)
        if answer.status_code == 202 or not answer.content:
            return Response(status_code=answer.status_code)
        body = answer.json()
        if message.get("method") == "tools/list" and "result" in body:
            body["result"]["tools"] = [
                {**tool, "name": f"{TARGET}{GATEWAY_NAME_SEPARATOR}{tool['name']}"}
                for tool in body["result"]["tools"]
                if tool["name"] not in self.hidden_tools
            ]
        return JSONResponse(body, status_code=answer.status_code)


@pytest.fixture
def gateway(local_stack: LocalStack) -> Iterator[tuple[FakeGateway, str]]:
    fake = FakeGateway(runtime_url=local_stack.mcp_url, upstream_token=local_stack.token("acme-agent"))
    app = Starlette(
        routes=[
            Route("/oauth2/token", fake.token, methods=["POST"]),
            Route("/mcp", fake.mcp, methods=["GET", "POST", "DELETE"]),
        ]
    )
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "fake gateway did not start"
        time.sleep(0.05)
    try:
        yield fake, f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def smoke(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    status = main(list(argv))
    return status, capsys.readouterr().out


def client_credentials(base: str) -> list[str]:
    return [
        "--gateway-url",
        f"{base}/mcp",
        "--token-endpoint",
        f"{base}/oauth2/token",
        "--client-id",
        CLIENT_ID,
        "--client-secret",
        CLIENT_SECRET,
        "--scope",
        SCOPE,
    ]


def test_smoke_passes_against_the_local_stack(local_stack: LocalStack, capsys: pytest.CaptureFixture[str]) -> None:
    # When the smoke command runs against the local Gateway, with an agent's client credentials
    status, out = smoke(
        capsys,
        "--gateway-url",
        local_stack.mcp_url,
        "--token-endpoint",
        local_stack.token_endpoint,
        "--client-id",
        "acme-agent",
        f"--client-secret={local_stack.client_secrets['acme-agent']}",
        "--scope",
        SCOPE,
        "--runtime-url",
        local_stack.runtime_url,
    )

    # Then every step passes, the account coming from list_accounts
    assert status == 0, out
    for step in ("token", "list tools", "tool count", "list_accounts", "get_caller_identity", "get_cost_and_usage"):
        assert f"[PASS] {step}:" in out, out
    assert "smoke: PASS" in out


def test_smoke_passes_through_a_gateway_with_client_credentials(
    gateway: tuple[FakeGateway, str], local_stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    _, base = gateway
    status, out = smoke(
        capsys, *client_credentials(base), "--runtime-url", local_stack.runtime_url, "--account-id", ROLE_ACCOUNT
    )
    assert status == 0, out
    assert "[PASS] token: client-credentials token" in out
    assert f"[PASS] get_caller_identity: acted in {ROLE_ACCOUNT}" in out
    assert "[PASS] get_cost_and_usage:" in out


def test_smoke_fails_when_the_gateway_misses_a_tool(
    gateway: tuple[FakeGateway, str], local_stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a Gateway whose catalog lags behind the runtime by one tool
    fake, base = gateway
    fake.hidden_tools = {"lookup_events"}

    # When the smoke command runs
    status, out = smoke(capsys, *client_credentials(base), "--runtime-url", local_stack.runtime_url)

    # Then the tool count fails, names the tool, and says how to synchronize the target
    assert status == 1
    assert "[FAIL] tool count:" in out
    assert "differ: lookup_events" in out
    assert "synchronize-gateway-targets" in out
    assert "smoke: FAIL" in out


def test_smoke_fails_when_a_required_tool_is_missing(
    gateway: tuple[FakeGateway, str], capsys: pytest.CaptureFixture[str]
) -> None:
    fake, base = gateway
    fake.hidden_tools = {"get_cost_and_usage"}
    status, out = smoke(capsys, *client_credentials(base), "--no-runtime-check")
    assert status == 1
    assert "[FAIL] list tools:" in out
    assert "missing get_cost_and_usage" in out
    assert "get_caller_identity:" not in out  # later steps depend on the catalog


def test_smoke_fails_clearly_when_the_gateway_refuses_the_token(
    gateway: tuple[FakeGateway, str], capsys: pytest.CaptureFixture[str]
) -> None:
    _, base = gateway
    status, out = smoke(capsys, "--gateway-url", f"{base}/mcp", "--token", "expired-or-forged")
    assert status == 1
    assert "[FAIL] connect:" in out
    assert "refused the token" in out
    assert "OAuthScope" in out  # the fix names what to request


@pytest.mark.parametrize(
    ("override", "error"),
    [(["--client-secret", "wrong"], "invalid_client"), (["--scope", "account-tools/admin"], "invalid_scope")],
)
def test_smoke_fails_clearly_when_the_token_endpoint_refuses(
    gateway: tuple[FakeGateway, str], capsys: pytest.CaptureFixture[str], override: list[str], error: str
) -> None:
    _, base = gateway
    argv = client_credentials(base)
    flag = override[0]
    argv[argv.index(flag) + 1] = override[1]
    status, out = smoke(capsys, *argv)
    assert status == 1
    assert f"[FAIL] token: token endpoint refused the request: HTTP 400 {error}" in out
    assert "fix:" in out
