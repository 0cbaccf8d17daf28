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
# Revocation bound: cached credentials are re-validated with the vendor (a registry read there, no
# STS/KMS) at most this long after the vendor last confirmed them; a refusal invalidates them at once.
REVALIDATE_S = 60
# One caller re-validates this long before the bound while the others keep using the entry.
REVALIDATE_AHEAD_S = 15
# Above the vendor function's timeout (stacks.constants.VENDOR_TIMEOUT_S, 25 s): a slow vend ends in the vendor first.
VEND_TIMEOUT_S = 27
# How long a tool call waits for a vend before it gives up with ``timeout`` (the vend thread is abandoned).
VEND_WAIT_S = 15
VEND_THREADS = 32  # vends run on their own threads, never on the pool that runs AWS calls
ACCOUNT_VEND_CONCURRENCY = 4  # vends in flight per target account
NEGATIVE_CACHE_S = 5  # a refusal is repeated for this long without asking the vendor again
BREAKER_FAILURES = 3  # consecutive failed vends for one account open its circuit...
BREAKER_OPEN_S = 30  # ...for this long (then one vend probes)
CREDENTIAL_CACHE_MAX_ENTRIES = 1024
ACCOUNTS_CACHE_S = 60


class RuntimeSettings(BaseModel):
    """Configuration of the MCP server.

    Attributes:
        vendor_function_name: Name or ARN of the credential-vendor Lambda.
        vendor_region: Region of the vendor (the runtime's own, ``AWS_REGION``).
        default_region: Region for tool calls whose account has no region.
        assertion_key_id: ARN of the KMS key whose public half verifies caller assertions
            (required from the environment; tests may inject a verifier instead).
        accounts_cache_s: How long a caller's granted accounts are reused to resolve a call that
            names no account (seconds).
        revalidate_s: The revocation bound: the longest cached credentials are used without the
            vendor confirming the account, the grant and the secret again (seconds).
        credential_cache: False vends on every call (how the first version behaved; for benchmarks).
    """

    model_config = ConfigDict(frozen=True)

    vendor_function_name: str
    vendor_region: str = "us-east-1"
    default_region: str = "us-east-1"
    assertion_key_id: str | None = None
    accounts_cache_s: int = Field(default=ACCOUNTS_CACHE_S, ge=0)
    advisory_refresh_s: int = ADVISORY_REFRESH_S
    mandatory_refresh_s: int = MANDATORY_REFRESH_S
    revalidate_s: int = Field(default=REVALIDATE_S, ge=1)
    credential_cache: bool = True

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> RuntimeSettings:
        """Read settings from environment variables (names in ``constants``).

        Raises:
            KeyError: ``ASSERTION_KEY_ID`` is missing (without it no call can be verified).
        """
        env = os.environ if environ is None else environ
        return cls(
            vendor_function_name=env.get(c.ENV_VENDOR_FUNCTION_NAME, "credential-vendor"),
            vendor_region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
            assertion_key_id=env[c.ENV_ASSERTION_KEY_ID],
            default_region=env.get(c.ENV_DEFAULT_REGION) or env.get("AWS_REGION") or "us-east-1",
            revalidate_s=int(env.get(c.ENV_REVALIDATE_S) or REVALIDATE_S),
            credential_cache=env.get(c.ENV_CREDENTIAL_CACHE, "on").lower() not in {"off", "false", "0"},
        )
