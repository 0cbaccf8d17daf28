"""The accounts an agent may target (from the registry, through the vendor)."""

from typing import Any

from mcp.server import MCPServer

from account_tools.models import AccountList
from account_tools.tools import ToolRuntime, read_only_tool


def register(server: MCPServer, rt: ToolRuntime) -> None:
    """Add ``list_accounts``."""

    @read_only_tool(
        server, rt, name="list_accounts", title="List target accounts", output=AccountList, open_world=False
    )
    async def list_accounts() -> dict[str, Any]:
        """List the AWS accounts you may act in (granted to you): id, alias, auth type and region.

        Use it to find a valid `target_account_id` for the other tools; with exactly one account,
        tools may omit it. Never returns secrets.
        """
        accounts = await rt.list_accounts()
        return {
            "accounts": [
                {k: a.get(k) for k in ("account_id", "alias", "auth_type", "region")}
                for a in accounts
                if a.get("enabled", True)
            ],
        }
