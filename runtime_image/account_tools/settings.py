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
# Above the vendor function's timeout (stacks.constants.VENDOR_TIMEOUT_S, 25 s): a slow vend ends in the vendor first.
VEND_TIMEOUT_S = 27
CREDENTIAL_CACHE_MAX_ENTRIES = 1024
ACCOUNTS_CACHE_S = 60


class RuntimeSettings(BaseModel):
    """Configuration of the MCP server.

    Attributes:
        vendor_function_name: Name or ARN of the credential-vendor Lambda.
        vendor_region: Region of the vendor (the runtime's own, ``AWS_REGION``).
        allowed_log_groups: Log group names Logs Insights tools may query.
        default_region: Region for tool calls whose account has no region.
        assertion_key_id: ARN of the KMS key whose public half verifies caller assertions
            (required from the environment; tests may inject a verifier instead).
        accounts_cache_s: How long a caller's granted accounts are reused to resolve a call that
            names no account (seconds).
    """

    model_config = ConfigDict(frozen=True)

    vendor_function_name: str
    vendor_region: str = "us-east-1"
    allowed_log_groups: tuple[str, ...] = ()
    default_region: str = "us-east-1"
    assertion_key_id: str | None = None
    accounts_cache_s: int = Field(default=ACCOUNTS_CACHE_S, ge=0)
    advisory_refresh_s: int = ADVISORY_REFRESH_S
    mandatory_refresh_s: int = MANDATORY_REFRESH_S

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> RuntimeSettings:
        """Read settings from environment variables (names in ``constants``).

        Raises:
            KeyError: ``ASSERTION_KEY_ID`` is missing (without it no call can be verified).
        """
        env = os.environ if environ is None else environ
        groups = tuple(g.strip() for g in env.get(c.ENV_ALLOWED_LOG_GROUPS, "").split(",") if g.strip())
        return cls(
            vendor_function_name=env.get(c.ENV_VENDOR_FUNCTION_NAME, "credential-vendor"),
            vendor_region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
            allowed_log_groups=groups,
            assertion_key_id=env[c.ENV_ASSERTION_KEY_ID],
            default_region=env.get(c.ENV_DEFAULT_REGION) or env.get("AWS_REGION") or "us-east-1",
        )
