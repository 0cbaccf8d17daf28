"""A local endpoint compatible with the Lambda ``Invoke`` API, serving the vendor, admin and interceptor handlers.

The MCP server calls ``lambda.invoke`` exactly as in AWS; only its
``AWS_ENDPOINT_URL_LAMBDA`` points here. Implements
``POST /2015-03-31/functions/{FunctionName}/invocations`` (RequestResponse):
status 200 with the handler's JSON result, or ``X-Amz-Function-Error: Unhandled``
with an error body when the handler raises (as Lambda does).

The admin function is also served as a function URL with ``AWS_IAM`` auth (``POST /``): the endpoint
checks the request's SigV4 signature against the keys of the IAM users it was given
(``LOCAL_SIGV4_KEYS_FILE``: access key id -> secret and user ARN, written by the local stack, which
created those users in the emulator) and hands the handler the signer's ARN in
``requestContext.authorizer.iam.userArn``, as Lambda does after verifying the signature itself.
A request signed with an unknown key, a wrong signature or a stale date gets 403 and never reaches
the handler.
"""

from __future__ import annotations

import argparse
import hmac
import json
import logging
import os
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio.to_thread
import uvicorn
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

FUNCTION_NAME = "credential-vendor"
ADMIN_FUNCTION_NAME = "account-admin"
INTERCEPTOR_FUNCTION_NAME = "gateway-interceptor"
FUNCTION_NAMES = (FUNCTION_NAME, ADMIN_FUNCTION_NAME, INTERCEPTOR_FUNCTION_NAME)
ENV_SIGV4_KEYS_FILE = "LOCAL_SIGV4_KEYS_FILE"
SIGV4_MAX_SKEW_S = 300  # as AWS: a signature older or newer than 5 minutes is refused
_AUTHORIZATION = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[A-Z0-9]+)/(?P<date>\d{8})/(?P<region>[a-z0-9-]+)/(?P<service>[a-z0-9-]+)"
    r"/aws4_request, ?SignedHeaders=(?P<signed>[a-z0-9;-]+), ?Signature=(?P<signature>[0-9a-f]{64})$"
)
logger = logging.getLogger("local_stack.lambda_endpoint")


class SignatureError(Exception):
    """The request is not signed by a known key, or the signature does not match."""


def verify_sigv4(
    *, method: str, url: str, headers: dict[str, str], body: bytes, keys: dict[str, dict[str, str]]
) -> dict[str, str]:
    """Check a SigV4 signature for service ``lambda`` the way AWS does, and return the signer's key entry.

    Args:
        method: HTTP method.
        url: The URL as the client signed it.
        headers: The request headers (any case).
        body: The raw body.
        keys: Access key id -> ``{"secret": ..., "arn": ...}`` of the IAM users that may sign.

    Raises:
        SignatureError: Missing or malformed signature, unknown key, stale date or mismatch.
    """
    lower = {k.lower(): v for k, v in headers.items()}
    match = _AUTHORIZATION.match(lower.get("authorization", ""))
    if match is None or match["service"] != "lambda":
        raise SignatureError("missing or malformed SigV4 Authorization header")
    entry = keys.get(match["key"])
    if entry is None:
        raise SignatureError("the signing key is not known")
    amz_date = lower.get("x-amz-date", "")
    try:
        signed_at = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError as exc:
        raise SignatureError("missing or malformed X-Amz-Date") from exc
    if abs((datetime.now(UTC) - signed_at).total_seconds()) > SIGV4_MAX_SKEW_S or amz_date[:8] != match["date"]:
        raise SignatureError("the signature date is outside the allowed window")
    signed = match["signed"].split(";")
    if "host" not in signed or any(name not in lower for name in signed):
        raise SignatureError("a signed header is missing")
    request = AWSRequest(method=method, url=url, data=body, headers={name: lower[name] for name in signed})
    request.context["timestamp"] = amz_date
    signer = SigV4Auth(Credentials(match["key"], entry["secret"]), "lambda", match["region"])
    expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
    if not hmac.compare_digest(expected, match["signature"]):
        raise SignatureError("the signature does not match")
    return entry | {"access_key_id": match["key"]}


def _signing_keys() -> dict[str, dict[str, str]]:
    path = os.environ.get(ENV_SIGV4_KEYS_FILE)
    keys: dict[str, dict[str, str]] = json.loads(Path(path).read_text()) if path else {}
    return keys


@dataclass
class LocalLambdaContext:
    """The attributes of ``LambdaContext`` that Powertools reads."""

    function_name: str
    aws_request_id: str
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = ""
    log_group_name: str = "/aws/lambda/local"
    log_stream_name: str = "local"

    def get_remaining_time_in_millis(self) -> int:
        """Lambda's remaining-time API; the local endpoint has no deadline."""
        return 30_000


def build_app(account_id: str = "111111111111", functions: tuple[str, ...] = FUNCTION_NAMES) -> Starlette:
    """ASGI app serving the named functions; other names get ResourceNotFoundException.

    The local stack runs one endpoint per function, each with that function's environment (as in
    AWS, where each function has its own settings and database role).
    """
    handlers: dict[str, Any] = {}
    if FUNCTION_NAME in functions:
        from credential_vendor.handler import handler as vendor_handler

        handlers[FUNCTION_NAME] = vendor_handler
    if ADMIN_FUNCTION_NAME in functions:
        from account_admin.handler import handler as admin_handler

        handlers[ADMIN_FUNCTION_NAME] = admin_handler
    if INTERCEPTOR_FUNCTION_NAME in functions:
        from gateway_interceptor.handler import handler as interceptor_handler

        handlers[INTERCEPTOR_FUNCTION_NAME] = interceptor_handler

    async def invoke(request: Request) -> Response:
        function_name = request.path_params["name"].split(":")[-1]
        handler = handlers.get(function_name)
        if handler is None:
            return JSONResponse(
                {"Type": "User", "message": f"Function not found: {function_name}"},
                status_code=404,
                headers={"x-amzn-ErrorType": "ResourceNotFoundException"},
            )
        request_id = str(uuid.uuid4())
        try:
            event: Any = json.loads(await request.body() or b"{}")
        except ValueError:
            return JSONResponse(
                {"Type": "User", "message": "Could not parse request body into json"},
                status_code=400,
                headers={"x-amzn-ErrorType": "InvalidRequestContentException"},
            )
        context = LocalLambdaContext(
            function_name=function_name,
            aws_request_id=request_id,
            invoked_function_arn=f"arn:aws:lambda:us-east-1:{account_id}:function:{function_name}",
        )
        try:
            result = await anyio.to_thread.run_sync(handler, event, context)
        except Exception as exc:  # Lambda reports unhandled errors as FunctionError, not HTTP errors
            logger.exception("unhandled error in %s", function_name)
            body = {"errorMessage": str(exc), "errorType": type(exc).__name__}
            return JSONResponse(body, headers={"X-Amz-Function-Error": "Unhandled", "x-amzn-RequestId": request_id})
        return JSONResponse(result, headers={"x-amzn-RequestId": request_id, "X-Amz-Executed-Version": "$LATEST"})

    keys = _signing_keys() if ADMIN_FUNCTION_NAME in functions else {}

    async def function_url(request: Request) -> Response:
        """The admin function's URL (``AWS_IAM`` auth): verify the signature, then pass the signer's ARN."""
        body = await request.body()
        try:
            signer = verify_sigv4(
                method=request.method, url=str(request.url), headers=dict(request.headers), body=body, keys=keys
            )
        except SignatureError as exc:
            return JSONResponse({"Message": f"Forbidden: {exc}"}, status_code=403)
        request_id = str(uuid.uuid4())
        event = {
            "version": "2.0",
            "rawPath": request.url.path,
            "headers": {k: v for k, v in request.headers.items() if k != "authorization"},
            "requestContext": {
                "http": {"method": request.method, "path": request.url.path, "sourceIp": "127.0.0.1"},
                "authorizer": {
                    "iam": {
                        "accessKey": signer["access_key_id"],
                        "accountId": signer["arn"].split(":")[4],
                        "userArn": signer["arn"],
                    }
                },
                "requestId": request_id,
            },
            "body": body.decode(errors="replace"),
            "isBase64Encoded": False,
        }
        context = LocalLambdaContext(function_name=ADMIN_FUNCTION_NAME, aws_request_id=request_id)
        try:
            result = await anyio.to_thread.run_sync(handlers[ADMIN_FUNCTION_NAME], event, context)
        except Exception:  # a function URL answers 502 when the function fails
            logger.exception("unhandled error in %s", ADMIN_FUNCTION_NAME)
            return JSONResponse({"Message": "Internal Server Error"}, status_code=502)
        return Response(
            result.get("body", ""),
            status_code=int(result.get("statusCode", 200)),
            headers={**result.get("headers", {}), "x-amzn-RequestId": request_id},
        )

    routes = [Route("/2015-03-31/functions/{name}/invocations", invoke, methods=["POST"])]
    if ADMIN_FUNCTION_NAME in functions:
        routes.append(Route("/", function_url, methods=["POST"]))
    return Starlette(routes=routes)


def main(argv: list[str] | None = None) -> None:
    """``python -m local_stack.lambda_endpoint --port N [--function NAME]``; settings come from the environment."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--function", action="append", choices=FUNCTION_NAMES, help="serve only these (repeatable)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    app = build_app(functions=tuple(args.function or FUNCTION_NAMES))
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
