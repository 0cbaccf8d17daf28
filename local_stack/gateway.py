"""A local stand-in for the AgentCore Gateway in front of the MCP runtime.

What the deployed Gateway does with each MCP request, in the same order:
1. inbound authorization (``CUSTOM_JWT``): a bearer token signed by the issuer's JWKS, from an
   allowed client, with the invoke scope; otherwise HTTP 401 and nothing else happens;
2. the REQUEST interceptor: ``lambda:InvokeFunction`` on the interceptor function (the production
   handler, behind the local Lambda Invoke endpoint) with ``{"interceptorInputVersion": "1.0",
   "mcp": {"gatewayRequest": {"headers", "body"}}}``; a ``transformedGatewayResponse`` is returned
   to the client as it is, a ``transformedGatewayRequest`` goes on;
3. the request goes to the runtime (streamable HTTP, stateless) and its answer back to the client.

Differences from AWS, on purpose: tool names are not prefixed with ``<target>___`` (the local
runtime is the only target), and the hop to the runtime is plain HTTP on 127.0.0.1 instead of SigV4.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

import anyio.to_thread
import boto3
import httpx
import jwt
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway_interceptor.tokens import TokenRejectedError, TokenVerifier

FORWARD_TIMEOUT_S = 120  # longer than any tool's own wait (at most 60 s) plus vends
PASSED_HEADERS = ("accept", "content-type", "mcp-protocol-version", "mcp-session-id")


def build_app(*, runtime_url: str, verifier: TokenVerifier, lambda_client: Any, interceptor_function: str) -> Starlette:
    """The Gateway's ASGI app (``POST /mcp``)."""
    http = httpx.AsyncClient(timeout=FORWARD_TIMEOUT_S)

    def intercept(headers: dict[str, str], body: Any) -> dict[str, Any]:
        event = {"interceptorInputVersion": "1.0", "mcp": {"gatewayRequest": {"headers": headers, "body": body}}}
        response = lambda_client.invoke(FunctionName=interceptor_function, Payload=json.dumps(event).encode())
        output: dict[str, Any] = json.loads(response["Payload"].read())
        if response.get("FunctionError"):
            raise RuntimeError("the interceptor failed")
        return output

    async def mcp(request: Request) -> Response:
        try:
            verifier.verify(request.headers.get("authorization"))
        except TokenRejectedError as exc:
            return JSONResponse(
                {"jsonrpc": "2.0", "id": None, "error": {"code": -32001, "message": f"unauthorized: {exc}"}},
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        try:
            body = json.loads(await request.body())
        except ValueError:
            return JSONResponse(
                {"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": "parse error"}}, 400
            )
        headers = dict(request.headers.items())
        try:
            output = await anyio.to_thread.run_sync(intercept, headers, body)
        except RuntimeError:
            return JSONResponse(
                {"jsonrpc": "2.0", "id": body.get("id"), "error": {"code": -32603, "message": "interceptor error"}}, 502
            )
        mcp_out = output.get("mcp") or {}
        if "transformedGatewayResponse" in mcp_out:
            answer = mcp_out["transformedGatewayResponse"]
            return JSONResponse(answer.get("body"), status_code=int(answer.get("statusCode", 200)))
        forwarded = mcp_out.get("transformedGatewayRequest", {}).get("body", body)
        upstream = await http.post(
            runtime_url,
            content=json.dumps(forwarded),
            headers={k: v for k, v in request.headers.items() if k.lower() in PASSED_HEADERS},
        )
        return Response(
            upstream.content,
            status_code=upstream.status_code,
            media_type=upstream.headers.get("content-type"),
        )

    async def not_allowed(_: Request) -> Response:
        return Response(status_code=405, headers={"Allow": "POST"})

    return Starlette(
        routes=[Route("/mcp", mcp, methods=["POST"]), Route("/mcp", not_allowed, methods=["GET", "DELETE"])]
    )


def main(argv: list[str] | None = None) -> None:
    """``python -m local_stack.gateway --port N --runtime-url URL``; the rest comes from the environment.

    Environment: ``JWT_ISSUER``, ``JWKS_URL``, ``ALLOWED_CLIENT_IDS``, ``REQUIRED_SCOPE`` (as the
    Gateway's authorizer), ``INTERCEPTOR_FUNCTION`` and ``AWS_ENDPOINT_URL_LAMBDA`` (the interceptor).
    """
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--runtime-url", required=True)
    args = parser.parse_args(argv)
    verifier = TokenVerifier(
        jwt.PyJWKClient(os.environ["JWKS_URL"], cache_keys=True),
        issuer=os.environ["JWT_ISSUER"],
        allowed_client_ids=tuple(os.environ["ALLOWED_CLIENT_IDS"].split(",")),
        required_scope=os.environ["REQUIRED_SCOPE"],
    )
    app = build_app(
        runtime_url=args.runtime_url,
        verifier=verifier,
        lambda_client=boto3.client("lambda"),
        interceptor_function=os.environ["INTERCEPTOR_FUNCTION"],
    )
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
