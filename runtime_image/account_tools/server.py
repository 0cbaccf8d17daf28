"""The MCP server: one entry point, streamable HTTP, stateless, ``0.0.0.0:8000/mcp``.

AgentCore Runtime's MCP contract: the container listens on port 8000, serves MCP
at ``/mcp`` (stateless streamable HTTP) and answers health checks on ``/ping``.
"""

from __future__ import annotations

import argparse
import difflib
from typing import Any

import boto3
import uvicorn
from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
from mcp.types import CallToolResult, InputRequiredResult
from mcp.types import Tool as MCPTool
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse

from account_tools.aws import AccountClients
from account_tools.caller import (
    ASSERTION_META_KEY,
    CallerRefusedError,
    CallerVerifier,
    current_caller,
    kms_public_key,
)
from account_tools.constants import HEALTH_PATH, MCP_PATH, SERVER_HOST, SERVER_PORT
from account_tools.credentials import CredentialCache
from account_tools.errors import ToolFailure
from account_tools.observability import (
    ToolMetrics,
    configure_logging,
    observe_cache_hit_ratio,
    record_vend_latency,
    request_id_var,
)
from account_tools.params import account_id, account_ids
from account_tools.portable import portable_schema
from account_tools.settings import RuntimeSettings
from account_tools.tools import (
    GrantedAccounts,
    ToolRuntime,
    accounts,
    budgets,
    cloudtrail,
    cloudtrail_lake,
    cloudwatch,
    commitments,
    cost_explorer,
    cost_insights,
    identity,
    logs_insights,
)
from account_tools.vendor_client import VendorClient

INSTRUCTIONS = (
    "AWS tools that act in many customer accounts. Every tool takes an optional target_account_id "
    "(12 digits); call list_accounts to discover valid ids. Errors come back as JSON with error_type and message."
)


# Union branches pydantic adds to an error location (e.g. limit.constrained-int); not field names.
_BRANCH_MARKERS = ("constrained-", "function-after", "list[", "str", "int", "bool", "float", "dict[", "json-or-python")


_RANGE_ERRORS = {"greater_than_equal", "less_than_equal", "greater_than", "less_than", "too_short", "too_long"}
# What a field of a lenient type (native or string form) expects, by the native branch's error types.
_LENIENT_FORMS = (
    ({"int_type", "int_parsing", "int_from_float"}, 'expected an integer, as a number or a string (e.g. 50 or "50")'),
    ({"bool_type", "bool_parsing"}, 'expected a boolean, as true/false or "true"/"false"'),
    ({"float_type", "float_parsing"}, 'expected a number, as a number or a string (e.g. 1.5 or "1.5")'),
)
# Plain words for fields whose only rule is a pattern (instead of echoing the regular expression).
_PATTERN_FORMS = {"target_account_id": 'expected a 12-digit AWS account id (e.g. "222222222222")'}


def _field_message(field: str, errors: list[tuple[str, str]]) -> str:
    types = {kind for kind, _ in errors}
    for kind, message in errors:
        if kind == "value_error":  # our validators' messages are the most specific
            return message.removeprefix("Value error, ")
    for kind, message in errors:
        if kind in _RANGE_ERRORS:  # the value parsed but is out of range
            return message
    for native, expected in _LENIENT_FORMS:
        if types & native:
            return expected
    if types == {"string_pattern_mismatch"} and field in _PATTERN_FORMS:
        return _PATTERN_FORMS[field]
    return " or ".join(dict.fromkeys(message for _, message in errors))


def describe_validation_error(exc: ValidationError) -> str:
    """One phrase per invalid field: its name and the expected form, never the rejected value.

    Example: ``max_results: expected an integer, as a number or a string (e.g. 50 or "50")``.
    """
    by_field: dict[str, list[tuple[str, str]]] = {}
    for error in exc.errors(include_input=False, include_url=False):
        parts = [str(p) for p in error["loc"] if not str(p).startswith(_BRANCH_MARKERS)]
        by_field.setdefault(".".join(parts) or "arguments", []).append((error["type"], str(error["msg"])))
    return "; ".join(f"{field}: {_field_message(field, errors)}" for field, errors in by_field.items())


def _assertion(context: Context[Any, Any] | None) -> str | None:
    """The caller assertion in the request's ``params._meta``, or None (e.g. an in-process call)."""
    try:
        meta = context.request_context.meta if context is not None else None
    except ValueError:  # no request context
        return None
    value = meta.get(ASSERTION_META_KEY) if isinstance(meta, dict) else None
    return value if isinstance(value, str) else None


def _named_account(arguments: dict[str, Any]) -> tuple[str | None, bool]:
    """The normalized account a call names, and whether it can be compared (False: the value is invalid)."""
    if "target_account_id" not in arguments or arguments["target_account_id"] is None:
        return None, True
    try:
        return account_id(arguments["target_account_id"]), True
    except ValueError:
        return None, False  # validation refuses the call before anything runs


def _named_accounts(arguments: dict[str, Any]) -> tuple[tuple[str, ...] | None, bool]:
    """The normalized accounts of a many-accounts call, and whether they can be compared (False: invalid)."""
    if arguments.get("target_account_ids") is None:
        return None, True
    try:
        return account_ids(arguments["target_account_ids"]), True
    except ValueError:
        return None, False  # validation refuses the call before anything runs


def _request_id(context: Context[Any, Any] | None) -> str | None:
    """The JSON-RPC id of the request being served, or None for in-process calls."""
    try:
        return context.request_id if context is not None else None
    except ValueError:  # no request context (called directly, e.g. in tests)
        return None


def unknown_argument_message(unknown: list[str], known: list[str]) -> str:
    """``invalid_parameter`` text for misnamed arguments, with the closest known name when there is one.

    Example: ``accountId: unknown argument (did you mean target_account_id?)``.
    """
    parts = []
    for name in unknown:
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6) or difflib.get_close_matches(
            _snake(name), known, n=1, cutoff=0.6
        )
        if not close and "account" in name.lower() and "target_account_id" in known:
            close = ["target_account_id"]
        hint = f" (did you mean {close[0]}?)" if close else ""
        parts.append(f"{name}: unknown argument{hint}")
    accepted = f"This tool accepts: {', '.join(known)}" if known else "This tool takes no arguments"
    return "; ".join(parts) + f". {accepted}"


def _snake(name: str) -> str:
    return "".join(f"_{ch.lower()}" if ch.isupper() else ch for ch in name).lstrip("_")


class AccountToolsServer(MCPServer):
    """``MCPServer`` with portable tool schemas and structured ``invalid_parameter`` errors.

    ``tools/list`` advertises self-contained JSON Schema 2020-12 (no ``$ref``/``$defs``, input
    objects closed with ``additionalProperties: false``). Before a tool runs, the call's caller
    assertion is verified (``unauthorized`` without a valid one for this tool and account), and an
    argument the tool does not declare is refused: a misnamed ``accountId`` must never fall back to
    another account.
    """

    _portable_tools: list[MCPTool] | None = None
    tool_metrics: ToolMetrics | None = None  # counts refused calls like any other tool error
    verifier: CallerVerifier | None = None

    async def list_tools(self) -> list[MCPTool]:
        """Every tool with portable input and output schemas (computed once)."""
        if self._portable_tools is None:
            self._portable_tools = [
                tool.model_copy(
                    update={
                        "input_schema": portable_schema(tool.input_schema, top_level_closed=True),
                        "output_schema": None
                        if tool.output_schema is None
                        else portable_schema(tool.output_schema, top_level_closed=False),
                    }
                )
                for tool in await super().list_tools()
            ]
        return self._portable_tools

    async def _argument_names(self, name: str) -> list[str] | None:
        for tool in await self.list_tools():
            if tool.name == name:
                return list(tool.input_schema.get("properties", {}))
        return None

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None
    ) -> CallToolResult | InputRequiredResult:
        """Call a tool; unknown or invalid arguments yield ``{"error_type": "invalid_parameter", ...}`` first."""
        token = request_id_var.set(_request_id(context))
        caller_token = None
        try:
            known = await self._argument_names(name)
            if known is None:  # an unknown tool: the SDK's own error
                return await super().call_tool(name, arguments, context)
            target, comparable = _named_account(arguments or {})
            targets, comparable_list = _named_accounts(arguments or {})
            try:
                if self.verifier is None:
                    raise CallerRefusedError("this server verifies no callers")
                caller = self.verifier.verify(
                    _assertion(context),
                    tool=name,
                    target_account_id=target,
                    target_account_ids=targets,
                    check_target=comparable and comparable_list,
                )
            except CallerRefusedError as exc:
                return self._refuse(name, ToolFailure("unauthorized", str(exc)))
            caller_token = current_caller.set(caller)
            unknown = [key for key in arguments or {} if key not in known]
            if unknown:
                return self._refuse(name, ToolFailure("invalid_parameter", unknown_argument_message(unknown, known)))
            return await super().call_tool(name, arguments, context)
        except ToolError as exc:
            if isinstance(exc, UnexpectedToolError) or not isinstance(exc.__cause__, ValidationError):
                raise
            return ToolFailure("invalid_parameter", describe_validation_error(exc.__cause__)).to_result()
        finally:
            if caller_token is not None:
                current_caller.reset(caller_token)
            request_id_var.reset(token)

    def _refuse(self, name: str, failure: ToolFailure) -> CallToolResult:
        if self.tool_metrics is not None:
            self.tool_metrics.record(name, failure.error_type)
        return failure.to_result()


def build_runtime(
    settings: RuntimeSettings, *, vendor: VendorClient | None = None, verifier: CallerVerifier | None = None
) -> ToolRuntime:
    """Wire the vendor client, caller verifier, credential cache and client factory.

    Raises:
        ValueError: No verifier given and no ``assertion_key_id`` configured.
    """
    vendor = vendor or VendorClient(settings.vendor_function_name, region=settings.vendor_region)
    if verifier is None:
        if not settings.assertion_key_id:
            raise ValueError("assertion_key_id is required: without it no caller can be verified")
        kms = boto3.client("kms", region_name=settings.vendor_region)
        verifier = CallerVerifier(kms_public_key(kms, settings.assertion_key_id))

    def vend(account: str, scope: str, region: str | None, rejected: str | None) -> dict[str, Any]:
        caller = current_caller.get()  # the cache key holds this caller's principal
        if caller is None:
            raise ToolFailure("unauthorized", "no verified caller for this call")
        refused = {"rejected_access_key_id": rejected} if rejected else {}
        return vendor.vend(account_id=account, scope=scope, region=region, assertion=caller.assertion, **refused)

    cache = CredentialCache(
        vend,
        advisory_refresh_s=settings.advisory_refresh_s,
        mandatory_refresh_s=settings.mandatory_refresh_s,
        revalidate_s=settings.revalidate_s,
        enabled=settings.credential_cache,
        on_vend=lambda seconds, scope: record_vend_latency(seconds, scope=scope),
    )
    observe_cache_hit_ratio(lambda: cache.stats.hit_ratio)
    return ToolRuntime(
        settings=settings,
        vendor=vendor,
        cache=cache,
        clients=AccountClients(cache),
        metrics=ToolMetrics(),
        verifier=verifier,
        accounts=GrantedAccounts(vendor, cache, ttl_s=settings.accounts_cache_s),
    )


def build_server(rt: ToolRuntime) -> AccountToolsServer:
    """An ``MCPServer`` with every tool group registered and a ``/ping`` health route."""
    server = AccountToolsServer(name="aws-account-tools", instructions=INSTRUCTIONS, version="0.1.0")
    server.tool_metrics = rt.metrics
    server.verifier = rt.verifier
    for group in (
        accounts,
        identity,
        logs_insights,
        cost_explorer,
        cost_insights,
        commitments,
        budgets,
        cloudtrail,
        cloudtrail_lake,
        cloudwatch,
    ):
        group.register(server, rt)

    @server.custom_route(HEALTH_PATH, methods=["GET"])  # type: ignore[untyped-decorator]
    async def ping(_: Request) -> JSONResponse:
        stats = rt.cache.stats
        return JSONResponse(
            {
                "status": "Healthy",
                "tool_calls": dict(rt.metrics.calls),
                "errors_by_type": dict(rt.metrics.errors),
                "credential_cache": {
                    "entries": len(rt.cache),
                    "hit_ratio": round(stats.hit_ratio, 3),
                    "vends": stats.vends,
                },
            }
        )

    return server


def build_app(settings: RuntimeSettings | None = None, *, host: str = SERVER_HOST) -> Starlette:
    """The ASGI app: MCP at ``/mcp`` (stateless streamable HTTP, JSON responses) plus ``/ping``."""
    rt = build_runtime(settings or RuntimeSettings.from_env())
    return build_server(rt).streamable_http_app(
        streamable_http_path=MCP_PATH, stateless_http=True, json_response=True, host=host
    )


def main(argv: list[str] | None = None) -> None:
    """Run the server with uvicorn (``python -m account_tools``)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default=SERVER_HOST)
    parser.add_argument("--port", type=int, default=SERVER_PORT)
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    configure_logging(args.log_level)
    uvicorn.run(build_app(host=args.host), host=args.host, port=args.port, log_config=None, access_log=False)
