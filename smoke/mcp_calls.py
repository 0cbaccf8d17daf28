"""MCP client helpers shared by the smoke steps: connecting with a bearer token, listing, naming."""

from __future__ import annotations

import json
from typing import Any

from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

# The Gateway names a target's tools `<target>___<tool>`; the runtime serves the bare names.
GATEWAY_NAME_SEPARATOR = "___"


def connect(url: str, token: str | None) -> Client:
    """An MCP client for ``url``, sending ``Authorization: Bearer <token>`` when there is one."""
    if token is None:
        return Client(url)
    http = create_mcp_http_client(headers={"Authorization": f"Bearer {token}"})
    return Client(streamable_http_client(url, http_client=http))


async def list_tool_names(client: Client) -> list[str]:
    """Every tool name the server lists, following pagination."""
    names: list[str] = []
    cursor: str | None = None
    while True:
        page = await client.list_tools(cursor=cursor)
        names.extend(tool.name for tool in page.tools)
        cursor = page.next_cursor
        if not cursor:
            return sorted(names)


def bare_name(name: str) -> str:
    """``account-tools___get_caller_identity`` -> ``get_caller_identity``."""
    return name.rsplit(GATEWAY_NAME_SEPARATOR, 1)[-1]


def find_tool(names: list[str], bare: str) -> str | None:
    """The listed name (prefixed or not) of a tool, or ``None``."""
    return next((name for name in names if bare_name(name) == bare), None)


def tool_body(result: Any) -> dict[str, Any]:
    """The JSON object a tool returned (structured content, else its first text block)."""
    if result.structured_content:
        structured: dict[str, Any] = result.structured_content
        return structured
    for block in result.content:
        text = getattr(block, "text", None)
        if text:
            try:
                parsed = json.loads(text)
            except ValueError:
                return {"message": text}
            return parsed if isinstance(parsed, dict) else {"result": parsed}
    return {}
