"""Tool groups, one module per AWS service, and what they share.

Tool modules do not use ``from __future__ import annotations``: the MCP SDK evaluates
parameter annotations, which may refer to names local to ``register``.
"""

from __future__ import annotations

import functools
import inspect
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ParamSpec

from mcp.server import MCPServer
from mcp.types import CallToolResult, ToolAnnotations
from pydantic import BaseModel

from account_tools.aws import AccountClients
from account_tools.caller import Caller, CallerVerifier, current_caller
from account_tools.credentials import CredentialCache
from account_tools.errors import ToolFailure
from account_tools.observability import ToolMetrics, correlation_id_var, logger, new_correlation_id, request_id_var
from account_tools.params import account_id
from account_tools.portable import MAX_DESCRIPTION_CHARS, MAX_STRING_CHARS, clean_description
from account_tools.settings import RuntimeSettings
from account_tools.vendor_client import VendorClient

P = ParamSpec("P")


class GrantedAccounts:
    """Each caller's granted accounts from the vendor, reused for ``ttl_s`` seconds per principal.

    The vendor is called as vends are (``CredentialCache.call_vendor``): on the vend threads, never the
    worker threads that run AWS calls, with the same bounded wait and a per-principal in-flight limit.

    Args:
        vendor: The vendor client.
        cache: The credential cache whose vend threads and limits the vendor calls share.
        ttl_s: How long one answer is reused (0: never).
        clock: Monotonic seconds (injectable for tests).
    """

    def __init__(
        self,
        vendor: VendorClient,
        cache: CredentialCache,
        *,
        ttl_s: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._vendor = vendor
        self._cache = cache
        self._ttl_s = ttl_s
        self._clock = clock
        self._answers: dict[str, tuple[float, list[dict[str, Any]]]] = {}

    async def get(self, caller: Caller) -> list[dict[str, Any]]:
        """The enabled accounts granted to ``caller``."""
        now = self._clock()
        cached = self._answers.get(caller.principal)
        if cached is not None and now - cached[0] < self._ttl_s:
            return cached[1]
        accounts = await self._cache.call_vendor(
            caller.principal, lambda: self._vendor.list_accounts(assertion=caller.assertion)
        )
        self._answers[caller.principal] = (now, accounts)
        return accounts


@dataclass(frozen=True)
class ToolRuntime:
    """What every tool needs: settings, the vendor, credentials and clients."""

    settings: RuntimeSettings
    vendor: VendorClient
    cache: CredentialCache
    clients: AccountClients
    metrics: ToolMetrics
    verifier: CallerVerifier
    accounts: GrantedAccounts

    async def account(self, target_account_id: str | int | None) -> str:
        """The account a call acts in: the argument (validated by ``AccountIdParam``), else the caller's only one.

        There is no global default account: a call that names none acts in the caller's single
        granted account, if the caller has exactly one.

        Raises:
            ToolFailure: ``invalid_parameter`` when the call names no account and the caller has
                none or several; ``unauthorized`` without a verified caller.
        """
        if target_account_id is not None:
            return account_id(target_account_id)
        granted = [a["account_id"] for a in await self.list_accounts()]
        if len(granted) == 1:
            return str(granted[0])
        raise ToolFailure(
            "invalid_parameter",
            f"target_account_id is required: you may target {len(granted)} accounts; call list_accounts for their ids",
        )

    async def list_accounts(self) -> list[dict[str, Any]]:
        """The current caller's granted accounts, from the vendor (reused for ``accounts_cache_s`` per caller).

        Raises:
            ToolFailure: ``unauthorized`` without a verified caller, or the vendor's refusal.
        """
        caller = current_caller.get()
        if caller is None:
            raise ToolFailure("unauthorized", "no verified caller for this call")
        return await self.accounts.get(caller)


def _oversized_string(value: Any) -> bool:
    """Whether ``value`` (an argument after validation) holds a string longer than ``MAX_STRING_CHARS``."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if len(item) > MAX_STRING_CHARS:
                return True
        elif isinstance(item, list | tuple | set | frozenset):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, BaseModel):
            stack.extend(vars(item).values())
    return False


def check_string_sizes(arguments: dict[str, Any]) -> None:
    """Refuse any argument holding a string longer than ``MAX_STRING_CHARS`` (every tool, before it runs).

    Raises:
        ToolFailure: ``invalid_parameter`` naming the argument.
    """
    for name, value in arguments.items():
        if _oversized_string(value):
            raise ToolFailure("invalid_parameter", f"{name}: at most {MAX_STRING_CHARS} characters per string")


def structured_errors(
    rt: ToolRuntime, tool: str
) -> Callable[[Callable[P, Awaitable[dict[str, Any]]]], Callable[P, Awaitable[dict[str, Any] | CallToolResult]]]:
    """Turn ``ToolFailure`` into an ``isError`` result and log/count every call.

    Unexpected exceptions propagate to the SDK, which reports only a generic
    message to the agent and logs the traceback server-side.
    """

    def decorate(fn: Callable[P, Awaitable[dict[str, Any]]]) -> Callable[P, Awaitable[dict[str, Any] | CallToolResult]]:
        @functools.wraps(fn)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> dict[str, Any] | CallToolResult:
            started = time.perf_counter()
            target = kwargs.get("target_account_id")
            caller = current_caller.get()
            error_type: str | None = None
            correlation = correlation_id_var.set(new_correlation_id())  # sent with every vend of this call
            try:
                check_string_sizes(kwargs)
                return await fn(*args, **kwargs)
            except ToolFailure as exc:
                error_type = exc.error_type
                return exc.to_result()
            except Exception:
                error_type = "internal_error"
                raise
            finally:
                rt.metrics.record(tool, error_type)
                logger.info(
                    "tool call",
                    extra={
                        "request_id": request_id_var.get(),
                        "correlation_id": correlation_id_var.get(),
                        "tool": tool,
                        "target_account_id": target,
                        "principal": caller.principal if caller else None,
                        "outcome": error_type or "ok",
                        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                        "cache_hit_ratio": round(rt.cache.stats.hit_ratio, 3),
                    },
                )
                correlation_id_var.reset(correlation)

        return wrapper

    return decorate


ToolBody = Callable[..., Awaitable[dict[str, Any]]]


def read_only_tool(
    server: MCPServer,
    rt: ToolRuntime,
    *,
    name: str,
    title: str,
    output: type[BaseModel],
    idempotent: bool = True,
    open_world: bool = True,
    read_only: bool = True,
) -> Callable[[ToolBody], ToolBody]:
    """Register a tool (read-only unless ``read_only=False``) with its title, annotations, output model and errors.

    The MCP spec's annotation defaults are ``readOnlyHint: false``, ``destructiveHint: true``,
    ``openWorldHint: true``: a read states ``readOnlyHint: true`` so clients do not treat it as
    destructive. The few tools that change something (stopping a running query) state
    ``readOnlyHint: false`` with ``destructiveHint: false``: they delete and overwrite nothing. The body
    returns a dict; the SDK validates it against ``output`` (which becomes the tool's ``outputSchema``)
    before it is sent.

    Args:
        server: The MCP server.
        rt: The shared tool runtime.
        name: Tool name (``[a-zA-Z0-9_-]``; the Gateway prefixes it with ``<target>___``).
        title: Human-readable title.
        output: The pydantic model of a successful result.
        idempotent: False when a call starts something new each time (e.g. a query that is billed).
        open_world: False when the tool reads only this platform's own data (e.g. the registry).
        read_only: False when the tool changes state in the account (e.g. stops a query it may stop).

    Raises:
        ValueError: The docstring (the description the model reads) is missing or too long.
    """

    def decorate(fn: ToolBody) -> ToolBody:
        description = clean_description(fn.__doc__)
        if not description or len(description) > MAX_DESCRIPTION_CHARS:
            raise ValueError(f"tool {name}: description must be 1-{MAX_DESCRIPTION_CHARS} characters")
        wrapped = structured_errors(rt, name)(fn)
        # The SDK derives outputSchema from the return annotation; the body's dict is validated against it.
        wrapped.__signature__ = inspect.signature(fn).replace(return_annotation=output)  # type: ignore[attr-defined]
        # destructiveHint is meaningful only when readOnlyHint is false (MCP spec), so a read leaves it out.
        annotations = ToolAnnotations(
            read_only_hint=read_only,
            destructive_hint=None if read_only else False,
            idempotent_hint=idempotent,
            open_world_hint=open_world,
        )
        server.add_tool(wrapped, name=name, title=title, description=description, annotations=annotations)
        return fn

    return decorate
