"""``accounts verify``: prove an account answers as itself, end to end, through the Gateway.

The check is a real tool call by a real principal: ``get_caller_identity`` for the account through
the Gateway, with a bearer token of a principal granted that account. The Gateway's interceptor signs
the caller assertion, the vendor authorizes and vends (AssumeRole with the ExternalId, or the aksk
exchange), and the runtime calls STS ``GetCallerIdentity`` with those credentials. The vendor itself
stamps ``last_verified_at`` whenever STS answers as the registered account (migration 0005), so the
record comes from the component that saw it, not from this CLI's word.
"""

from __future__ import annotations

import json
from typing import Any

import anyio
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.types import TextContent

from account_tools_admin.client import CliError

TOOL = "get_caller_identity"
GATEWAY_NAME_SEPARATOR = "___"  # the Gateway names a target's tools "<target>___<tool>"
VERIFY_TIMEOUT_S = 60


def _tool_name(names: list[str]) -> str:
    for name in names:
        if name.rsplit(GATEWAY_NAME_SEPARATOR, 1)[-1] == TOOL:
            return name
    raise CliError(f"the Gateway lists no {TOOL} tool: is its target synchronized? (make smoke tells)")


async def _call(gateway_url: str, token: str, account_id: str) -> dict[str, Any]:
    http = create_mcp_http_client(headers={"Authorization": f"Bearer {token}"})
    with anyio.fail_after(VERIFY_TIMEOUT_S):
        async with Client(streamable_http_client(gateway_url, http_client=http)) as client:
            tools = await client.list_tools()
            name = _tool_name([t.name for t in tools.tools])
            result = await client.call_tool(name, {"target_account_id": account_id})
    text = next((c.text for c in result.content if isinstance(c, TextContent)), "{}")
    body: dict[str, Any] = result.structured_content or json.loads(text)
    if result.is_error:
        raise CliError(f"{body.get('error_type', 'error')}: {body.get('message', 'the check failed')}")
    return body


def check_account(gateway_url: str, token: str, account_id: str) -> dict[str, Any]:
    """Call ``get_caller_identity`` for ``account_id`` through the Gateway.

    Returns:
        The tool's answer: ``target_account_id``, ``account_id``, ``arn``, ``user_id``, ``matches_target``.

    Raises:
        CliError: The Gateway refused the token, the call was refused (e.g. ``unauthorized``: the
            principal is not granted the account; ``assume_role_error``: the customer role or its trust
            policy is wrong), or the credentials act in another account.
    """
    try:
        body = anyio.run(_call, gateway_url, token, account_id)
    except TimeoutError as exc:
        raise CliError(f"the Gateway did not answer within {VERIFY_TIMEOUT_S} s") from exc
    except CliError:
        raise
    except Exception as exc:
        raise CliError(f"the Gateway could not be reached or refused the token ({type(exc).__name__})") from exc
    if not body.get("matches_target"):
        raise CliError(f"the credentials for {account_id} act in account {body.get('account_id')}")
    return body
