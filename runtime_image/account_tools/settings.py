"""Typed settings of the MCP server, read once from the environment at start-up."""

from __future__ import annotations

import os
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field

from account_tools import constants as c

# Credentials are refreshed in the background this long before they expire, and
# every caller blocks for a refresh this long before (botocore RefreshableCredentials).
# botocore's defaults (15 and 10 minutes) would re-vend on every read of 900 s credentials.
ADVISORY_REFRESH_S = 300
MANDATORY_REFRESH_S = 120
VEND_TIMEOUT_S = 15
CREDENTIAL_CACHE_MAX_ENTRIES = 1024


class RuntimeSettings(BaseModel):
    """Configuration of the MCP server.

    Attributes:
        vendor_function_name: Name or ARN of the credential-vendor Lambda.
        vendor_region: Region of the vendor (the runtime's own, ``AWS_REGION``).
        allowed_log_groups: Log group names Logs Insights tools may query.
        default_account_id: Account used when a tool call omits ``target_account_id``.
        default_region: Region for tool calls whose account has no region.
        caller: SourceIdentity / session name the vendor stamps on vended sessions.
    """

    model_config = ConfigDict(frozen=True)

    vendor_function_name: str
    vendor_region: str = "us-east-1"
    allowed_log_groups: tuple[str, ...] = ()
    default_account_id: str | None = Field(default=None, pattern=r"^\d{12}$")
    default_region: str = "us-east-1"
    caller: str = Field(default="agentcore-runtime", pattern=r"^[\w+=,.@-]{2,64}$")
    advisory_refresh_s: int = ADVISORY_REFRESH_S
    mandatory_refresh_s: int = MANDATORY_REFRESH_S

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> RuntimeSettings:
        """Read settings from environment variables (names in ``constants``)."""
        env = os.environ if environ is None else environ
        groups = tuple(g.strip() for g in env.get(c.ENV_ALLOWED_LOG_GROUPS, "").split(",") if g.strip())
        return cls(
            vendor_function_name=env.get(c.ENV_VENDOR_FUNCTION_NAME, "credential-vendor"),
            vendor_region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
            allowed_log_groups=groups,
            default_account_id=env.get(c.ENV_DEFAULT_ACCOUNT_ID) or None,
            default_region=env.get(c.ENV_DEFAULT_REGION) or env.get("AWS_REGION") or "us-east-1",
        )
