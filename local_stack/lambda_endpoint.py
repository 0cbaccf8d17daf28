"""A local endpoint compatible with the Lambda ``Invoke`` API, serving the vendor, admin and interceptor handlers.

The MCP server calls ``lambda.invoke`` exactly as in AWS; only its
``AWS_ENDPOINT_URL_LAMBDA`` points here. Implements
``POST /2015-03-31/functions/{FunctionName}/invocations`` (RequestResponse):
status 200 with the handler's JSON result, or ``X-Amz-Function-Error: Unhandled``
with an error body when the handler raises (as Lambda does).
"""

from __future__ import annotations

import argparse
import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

FUNCTION_NAME = "credential-vendor"
ADMIN_FUNCTION_NAME = "account-admin"
INTERCEPTOR_FUNCTION_NAME = "gateway-interceptor"
FUNCTION_NAMES = (FUNCTION_NAME, ADMIN_FUNCTION_NAME, INTERCEPTOR_FUNCTION_NAME)
logger = logging.getLogger("local_stack.lambda_endpoint")


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

    return Starlette(routes=[Route("/2015-03-31/functions/{name}/invocations", invoke, methods=["POST"])])


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
