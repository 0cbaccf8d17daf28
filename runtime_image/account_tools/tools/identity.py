"""Caller identity in an account (STS ``GetCallerIdentity``)."""

from typing import Any

from mcp.server import MCPServer

from account_tools.models import CallerIdentity
from account_tools.params import AccountIdParam
from account_tools.tools import ToolRuntime, read_only_tool

SCOPE = "identity"


def register(server: MCPServer, rt: ToolRuntime) -> None:
    """Add ``get_caller_identity``."""

    @read_only_tool(server, rt, name="get_caller_identity", title="Check access to an account", output=CallerIdentity)
    async def get_caller_identity(target_account_id: AccountIdParam = None) -> dict[str, Any]:
        """Check that the tools can act in an account, and as whom (account id, principal ARN, match).

        Use it to confirm access before other tools, or to diagnose access errors.

        Example: get_caller_identity(target_account_id="222222222222")
        """
        account = await rt.account(target_account_id)
        identity = await rt.clients.call("sts", "get_caller_identity", account_id=account, scope=SCOPE)
        return {
            "target_account_id": account,
            "account_id": identity["Account"],
            "arn": identity["Arn"],
            "user_id": identity["UserId"],
            "matches_target": identity["Account"] == account,
        }
