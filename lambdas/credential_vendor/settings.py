"""Typed settings of the vendor, read once from the environment at cold start."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field

from credential_vendor import constants as c


class VendorSettings(BaseModel):
    """Configuration of the credential vendor.

    Attributes:
        registry_secret_arn: Secrets Manager secret holding the registry connection.
        registry_db_name: Overrides the secret's ``dbname``.
        registry_ssl_mode: ``disable`` | ``require`` | ``verify-full``.
        kms_key_arn: The registry's KMS key (recorded on rows; Decrypt pins it).
        allowed_log_groups: Log group names the logs scope may query.
        default_region: Region returned when neither request nor row names one.
        session_duration_s: Default credential lifetime in seconds (900-3600).
        customer_role_name_pattern: Glob the customer role name must match, e.g. ``AgentCoreReadOnly*``.
    """

    model_config = ConfigDict(frozen=True)

    registry_secret_arn: str
    registry_db_name: str | None = None
    registry_ssl_mode: str = Field(default="require", pattern=r"^(disable|require|verify-full)$")
    kms_key_arn: str | None = None
    allowed_log_groups: tuple[str, ...] = ()
    default_region: str = "us-east-1"
    session_duration_s: int = Field(default=c.DEFAULT_SESSION_DURATION_S, ge=900, le=3600)
    customer_role_name_pattern: str = "*"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> VendorSettings:
        """Read settings from environment variables (names in ``constants``)."""
        env = os.environ if environ is None else environ
        groups = tuple(g.strip() for g in env.get(c.ENV_ALLOWED_LOG_GROUPS, "").split(",") if g.strip())
        return cls(
            registry_secret_arn=env.get(c.ENV_REGISTRY_SECRET_ARN, ""),
            registry_db_name=env.get(c.ENV_REGISTRY_DB_NAME) or None,
            registry_ssl_mode=env.get(c.ENV_REGISTRY_SSL, "require"),
            kms_key_arn=env.get(c.ENV_KMS_KEY_ARN) or None,
            allowed_log_groups=groups,
            default_region=env.get(c.ENV_DEFAULT_REGION, "us-east-1"),
            session_duration_s=int(env.get(c.ENV_SESSION_DURATION_S, c.DEFAULT_SESSION_DURATION_S)),
            customer_role_name_pattern=env.get(c.ENV_CUSTOMER_ROLE_NAME_PATTERN, "*"),
        )

    def role_name_allowed(self, role_name: str) -> bool:
        """Whether a customer role name matches ``customer_role_name_pattern`` (``*`` wildcards only)."""
        regex = "^" + ".*".join(re.escape(part) for part in self.customer_role_name_pattern.split("*")) + "$"
        return re.match(regex, role_name) is not None
