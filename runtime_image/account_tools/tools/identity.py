"""Caller identity in a target account (STS ``GetCallerIdentity``)."""

from typing import Any

from mcp.server import MCPServer

from account_tools.params import AccountIdParam
from account_tools.tools import ToolRuntime, structured_errors

SCOPE = "identity"


def register(server: MCPServer, rt: ToolRuntime) -> None:
    """Add ``get_caller_identity``."""

    @server.tool(name="get_caller_identity")
    @structured_errors(rt, "get_caller_identity")
    async def get_caller_identity(target_account_id: AccountIdParam = None) -> dict[str, Any]:
        """Check that the tools can act in a target AWS account, and as whom.

        Use before other tools to confirm access, or to diagnose access errors.
        Returns the account id, the principal ARN (an assumed role or federated user
        named after this runtime) and whether the account matches the target.

        Example: get_caller_identity(target_account_id="222222222222")
        """
        account = rt.account(target_account_id)
        identity = await rt.clients.call("sts", "get_caller_identity", account_id=account, scope=SCOPE)
        return {
            "target_account_id": account,
            "account_id": identity["Account"],
            "arn": identity["Arn"],
            "user_id": identity["UserId"],
            "matches_target": identity["Account"] == account,
        }
