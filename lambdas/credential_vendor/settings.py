"""Typed settings of the vendor, read once from the environment at cold start."""

from __future__ import annotations

import os
from collections.abc import Mapping

from pydantic import Field

from account_registry.settings import RegistrySettings
from credential_vendor import constants as c


class VendorSettings(RegistrySettings):
    """Configuration of the credential vendor: the registry's settings plus vending policy.

    Attributes:
        allowed_log_groups: Optional platform-wide default: log groups (names or ``*`` prefixes) every
            account's Logs Insights allowlist includes, besides its organization's and its own
            registry entries (``account-tools-admin log-groups``).
        session_duration_s: Default credential lifetime in seconds (900-3600).
        assertion_key_id: ARN of the KMS key whose public half verifies caller assertions.
    """

    allowed_log_groups: tuple[str, ...] = ()
    assertion_key_id: str = Field(min_length=1)
    session_duration_s: int = Field(
        default=c.DEFAULT_SESSION_DURATION_S, ge=c.MIN_SESSION_DURATION_S, le=c.MAX_SESSION_DURATION_S
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> VendorSettings:
        """Read settings from environment variables (names in ``constants``)."""
        env = os.environ if environ is None else environ
        groups = tuple(g.strip() for g in env.get(c.ENV_ALLOWED_LOG_GROUPS, "").split(",") if g.strip())
        return cls(
            **cls.env_fields(env),
            allowed_log_groups=groups,
            assertion_key_id=env[c.ENV_ASSERTION_KEY_ID],
            session_duration_s=int(env.get(c.ENV_SESSION_DURATION_S, c.DEFAULT_SESSION_DURATION_S)),
        )
