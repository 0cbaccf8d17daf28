"""The runtime's own tool list, to compare with what the Gateway advertises.

Deployed: ``bedrock-agentcore:InvokeAgentRuntime`` with an MCP ``tools/list`` body (SigV4, the
operator's credentials). Local: the runtime's MCP URL. Both implement ``RuntimeTools``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol

from mcp import Client

from smoke.mcp_calls import list_tool_names

TOOLS_LIST = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
RUNTIME_QUALIFIER = "DEFAULT"
MCP_ACCEPT = "application/json, text/event-stream"


class RuntimeTools(Protocol):
    """Lists the tool names the runtime itself serves."""

    description: str

    async def names(self) -> list[str]:
        """Every tool name, as the runtime serves it (no Gateway prefix)."""
        ...


@dataclass
class HttpRuntimeTools:
    """A runtime reachable over plain HTTP (the local stack's MCP server)."""

    url: str
    description: str = "runtime MCP endpoint"

    async def names(self) -> list[str]:
        async with Client(self.url) as client:
            return await list_tool_names(client)


@dataclass
class AgentCoreRuntimeTools:
    """A deployed AgentCore Runtime, listed through ``InvokeAgentRuntime`` (boto3 ``bedrock-agentcore``)."""

    runtime_arn: str
    client: Any
    description: str = "AgentCore Runtime (InvokeAgentRuntime)"

    async def names(self) -> list[str]:
        response = self.client.invoke_agent_runtime(
            agentRuntimeArn=self.runtime_arn,
            qualifier=RUNTIME_QUALIFIER,
            contentType="application/json",
            accept=MCP_ACCEPT,
            payload=json.dumps(TOOLS_LIST).encode(),
        )
        message = parse_mcp_response(response["response"].read().decode())
        if "error" in message:
            raise RuntimeError(f"runtime refused tools/list: {message['error']}")
        return sorted(tool["name"] for tool in message["result"]["tools"])


def parse_mcp_response(body: str) -> dict[str, Any]:
    """One JSON-RPC message from a JSON or server-sent-events body."""
    text = body.strip()
    if not text.startswith("{"):
        data = [line.removeprefix("data:").strip() for line in text.splitlines() if line.startswith("data:")]
        text = data[-1] if data else ""
    message: dict[str, Any] = json.loads(text)
    return message
