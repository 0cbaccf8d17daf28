"""The smoke steps against one Gateway (or local MCP endpoint), each with a verdict and a fix."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import httpx2
from mcp import Client, MCPError

from smoke.mcp_calls import bare_name, connect, find_tool, list_tool_names, tool_body
from smoke.runtime_tools import RuntimeTools
from smoke.tokens import TokenError, TokenSource

IDENTITY_TOOL = "get_caller_identity"
COST_TOOL = "get_cost_and_usage"
ACCOUNTS_TOOL = "list_accounts"
REQUIRED_TOOLS = (ACCOUNTS_TOOL, IDENTITY_TOOL, COST_TOOL)

FIX_NOT_SYNCHRONIZED = (
    "the Gateway's tool catalog is not the runtime's: synchronize the target "
    "(aws bedrock-agentcore-control synchronize-gateway-targets --gateway-identifier <gateway id> "
    "--target-id-list <target id>), or redeploy so the GatewayTargetSync custom resource runs"
)
FIX_GATEWAY_REFUSED = (
    "the Gateway refused the token: request a fresh client-credentials token for the ClientId output with "
    "the OAuthScope output (account-tools/invoke); tokens expire after 60 minutes"
)
# Fixes by the tools' error_type (and, for assume_role_error, by what the message names).
FIX_BY_ERROR_TYPE = {
    "unauthorized": "no grant: the caller is not granted this account; grant it (account-tools-admin grants "
    "grant) or pick an account from list_accounts",
    "account_not_found": "the account is not registered (or disabled): account-tools-admin accounts register "
    "(or accounts enable)",
    "assume_role_error": "the vendor could not assume the customer's role: check the role ARN, the ExternalId "
    "and that the customer deployed the CustomerOnboarding template (it trusts the VendorRoleArn output)",
    "credential_error": "the vendor could not produce credentials: see the vendor's logs (VendorFunctionName)",
    "access_denied": "the customer's role lacks the tool's IAM actions (docs/tools.md lists them); for Cost "
    "Explorer the payer/management account must have Cost Explorer enabled",
    "database_error": "the vendor cannot reach the registry: check the RDS instance and its secret rotation",
}
FIX_SOURCE_IDENTITY = (
    "the customer's role trust policy does not allow sts:SetSourceIdentity for the vendor role: "
    "update the customer's CustomerOnboarding stack (it grants sts:AssumeRole and sts:SetSourceIdentity)"
)


@dataclass
class StepResult:
    """One step's verdict."""

    name: str
    ok: bool
    detail: str
    fix: str = ""

    def render(self) -> str:
        line = f"[{'PASS' if self.ok else 'FAIL'}] {self.name}: {self.detail}"
        return line if self.ok else f"{line}\n       fix: {self.fix}"


@dataclass
class SmokeTarget:
    """What the smoke test runs against.

    Args:
        gateway_url: MCP endpoint agents use (the GatewayUrl output, or the local MCP URL).
        tokens: Where the bearer token comes from.
        runtime: The runtime's own tool list, for the count comparison (``None``: skip that step).
        account_id: Account to call the tools for (``None``: the first one list_accounts returns).
    """

    gateway_url: str
    tokens: TokenSource
    runtime: RuntimeTools | None = None
    account_id: str | None = None


@dataclass
class SmokeReport:
    """Every step's result, in order."""

    steps: list[StepResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.steps) and all(step.ok for step in self.steps)

    def add(self, step: StepResult) -> bool:
        self.steps.append(step)
        return step.ok


def error_fix(body: dict[str, Any]) -> str:
    """The fix for a tool error result, by its error_type and message."""
    error_type = str(body.get("error_type", ""))
    message = str(body.get("message", ""))
    if "SourceIdentity" in message:
        return FIX_SOURCE_IDENTITY
    return FIX_BY_ERROR_TYPE.get(error_type, "see the runtime's and the vendor's logs")


def last_month(today: dt.date) -> tuple[str, str]:
    """``(first day of last month, first day of this month)`` as ISO dates."""
    first = today.replace(day=1)
    return (first - dt.timedelta(days=1)).replace(day=1).isoformat(), first.isoformat()


_CONNECTION_ERRORS = (httpx.HTTPError, httpx2.HTTPError, MCPError, OSError)


def _refused(exc: BaseException) -> bool:
    text = str(exc)
    return any(code in text for code in ("401", "403", "Unauthorized", "Forbidden"))


def _unwrap(exc: BaseException) -> BaseException:
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    return exc


async def run_smoke(target: SmokeTarget, *, today: dt.date | None = None) -> SmokeReport:
    """Run every step; a failed step stops the ones that depend on it."""
    report = SmokeReport()
    try:
        token = target.tokens.token()
    except TokenError as exc:
        report.add(StepResult("token", False, str(exc), exc.fix))
        return report
    report.add(StepResult("token", True, target.tokens.description))
    if not report.add(await probe(target.gateway_url, token)):
        return report

    try:
        async with connect(target.gateway_url, token) as client:
            await _with_client(client, target, report, today or dt.datetime.now(dt.UTC).date())
    except (*_CONNECTION_ERRORS, BaseExceptionGroup) as raw:
        error = _unwrap(raw)
        if not isinstance(error, (*_CONNECTION_ERRORS, BaseExceptionGroup)):
            raise
        if _refused(error):
            report.add(
                StepResult(
                    "mcp session", False, f"{target.gateway_url} refused the token: {error}", FIX_GATEWAY_REFUSED
                )
            )
        else:
            report.add(
                StepResult(
                    "mcp session", False, f"{target.gateway_url}: {type(error).__name__}: {error}", FIX_UNREACHABLE
                )
            )
    return report


INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 0,
    "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "smoke", "version": "1"}},
}
PROBE_TIMEOUT_S = 30.0
FIX_UNREACHABLE = "check the GatewayUrl output (it ends in /mcp) and that the stack deployed"


async def probe(url: str, token: str | None) -> StepResult:
    """One plain ``initialize`` POST: tells a refused token (401/403) from a wrong URL or a dead endpoint."""
    headers = {"Accept": "application/json, text/event-stream"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    try:
        async with httpx.AsyncClient(timeout=PROBE_TIMEOUT_S) as http:
            response = await http.post(url, json=INITIALIZE, headers=headers)
    except httpx.HTTPError as exc:
        return StepResult("connect", False, f"{url} unreachable: {type(exc).__name__}: {exc}", FIX_UNREACHABLE)
    if response.status_code in (httpx.codes.UNAUTHORIZED, httpx.codes.FORBIDDEN):
        challenge = response.headers.get("www-authenticate", "")
        fix = FIX_GATEWAY_REFUSED
        if "insufficient_scope" in challenge:
            fix = "the token lacks the scope: " + FIX_GATEWAY_REFUSED
        detail = f"{url} refused the token: HTTP {response.status_code} {challenge or response.text[:200]}".strip()
        return StepResult("connect", False, detail, fix)
    if response.status_code >= httpx.codes.BAD_REQUEST:
        return StepResult(
            "connect", False, f"{url}: HTTP {response.status_code} {response.text[:200]}", FIX_UNREACHABLE
        )
    return StepResult("connect", True, f"{url} answered initialize (HTTP {response.status_code})")


async def _with_client(client: Client, target: SmokeTarget, report: SmokeReport, today: dt.date) -> None:
    names = await list_tool_names(client)
    missing = [tool for tool in REQUIRED_TOOLS if find_tool(names, tool) is None]
    if not report.add(
        StepResult(
            "list tools",
            not missing and bool(names),
            f"{len(names)} tools" + (f"; missing {', '.join(missing)}" if missing else ""),
            FIX_NOT_SYNCHRONIZED,
        )
    ):
        return
    if target.runtime is not None:
        runtime_names = await target.runtime.names()
        gateway = sorted(bare_name(n) for n in names)
        differs = sorted(set(gateway) ^ set(runtime_names))
        report.add(
            StepResult(
                "tool count",
                gateway == runtime_names,
                f"Gateway {len(gateway)}, {target.runtime.description} {len(runtime_names)}"
                + (f"; differ: {', '.join(differs)}" if differs else ""),
                FIX_NOT_SYNCHRONIZED,
            )
        )

    account_id = target.account_id or await _first_account(client, names, report)
    if account_id is None:
        return
    await _call(report, client, names, IDENTITY_TOOL, {"target_account_id": account_id}, check=_acts_in(account_id))
    start, end = last_month(today)
    await _call(
        report,
        client,
        names,
        COST_TOOL,
        {"target_account_id": account_id, "start_date": start, "end_date": end, "granularity": "MONTHLY"},
        check=_answered_for(account_id),
    )


def _acts_in(account_id: str) -> Callable[[dict[str, Any]], tuple[bool, str]]:
    def check(body: dict[str, Any]) -> tuple[bool, str]:
        acted = str(body.get("account_id", ""))
        return acted == account_id, f"acted in {acted or '?'} as {body.get('arn', '?')}"

    return check


def _answered_for(account_id: str) -> Callable[[dict[str, Any]], tuple[bool, str]]:
    def check(body: dict[str, Any]) -> tuple[bool, str]:
        answered = str(body.get("target_account_id", ""))
        return answered == account_id, f"answered for {answered or '?'} ({len(body)} fields)"

    return check


async def _first_account(client: Client, names: list[str], report: SmokeReport) -> str | None:
    found: list[str] = []

    def check(body: dict[str, Any]) -> tuple[bool, str]:
        found.extend(str(a["account_id"]) for a in body.get("accounts", []) if a.get("account_id"))
        return bool(found), f"{len(found)} account(s)" + (f", using {found[0]}" if found else "")

    await _call(report, client, names, ACCOUNTS_TOOL, {}, check=check, empty_fix=FIX_BY_ERROR_TYPE["account_not_found"])
    return found[0] if found else None


async def _call(
    report: SmokeReport,
    client: Client,
    names: list[str],
    tool: str,
    arguments: dict[str, Any],
    *,
    check: Callable[[dict[str, Any]], tuple[bool, str]],
    empty_fix: str = "",
) -> None:
    name = find_tool(names, tool) or tool
    result: Any = await client.call_tool(name, arguments)
    body = tool_body(result)
    if result.is_error:
        detail = f"{body.get('error_type', 'error')}: {body.get('message', body)}"
        report.add(StepResult(tool, False, detail, error_fix(body)))
        return
    ok, detail = check(body)
    report.add(StepResult(tool, ok, detail, empty_fix or "see the tool's result above"))
