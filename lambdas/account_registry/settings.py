"""Settings every registry user shares (vendor, admin, migrations), read once at cold start."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from account_registry.store import DatabaseSettings, RegistryConnection
from credential_vendor import constants as c

SECRET_MAX_AGE_S = 300


class RegistrySettings(BaseModel):
    """Where the registry is and how its secrets are encrypted.

    Attributes:
        registry_secret_arn: Secrets Manager secret with host/port/username/password/dbname (RDS-generated).
        registry_db_name: Overrides the secret's ``dbname``.
        registry_ssl_mode: ``disable`` | ``require`` | ``verify-full``.
        kms_key_arn: The registry's KMS key.
        default_region: Region used when neither request nor row names one.
        customer_role_name_pattern: Glob the customer role name must match, e.g. ``AccountToolsReadOnly*``.
    """

    model_config = ConfigDict(frozen=True)

    registry_secret_arn: str
    registry_db_name: str | None = None
    registry_ssl_mode: str = Field(default="require", pattern=r"^(disable|require|verify-full)$")
    kms_key_arn: str | None = None
    default_region: str = "us-east-1"
    customer_role_name_pattern: str = "*"

    @classmethod
    def env_fields(cls, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The registry fields from environment variables (names in ``credential_vendor.constants``)."""
        env = os.environ if environ is None else environ
        return {
            "registry_secret_arn": env.get(c.ENV_REGISTRY_SECRET_ARN, ""),
            "registry_db_name": env.get(c.ENV_REGISTRY_DB_NAME) or None,
            "registry_ssl_mode": env.get(c.ENV_REGISTRY_SSL, "require"),
            "kms_key_arn": env.get(c.ENV_KMS_KEY_ARN) or None,
            "default_region": env.get(c.ENV_DEFAULT_REGION, "us-east-1"),
            "customer_role_name_pattern": env.get(c.ENV_CUSTOMER_ROLE_NAME_PATTERN, "*"),
        }

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> RegistrySettings:
        """Read settings from the environment."""
        return cls(**cls.env_fields(environ))

    def database_settings(self, refresh: bool = False) -> DatabaseSettings:
        """Connection settings from the Secrets Manager secret (cached by Powertools for ``SECRET_MAX_AGE_S``).

        Args:
            refresh: Bypass the cache (after the database refused the cached password).

        Raises:
            botocore.exceptions.ClientError: The secret cannot be read.
        """
        from aws_lambda_powertools.utilities import parameters

        secret: dict[str, Any] = parameters.get_secret(
            self.registry_secret_arn, transform="json", max_age=SECRET_MAX_AGE_S, force_fetch=refresh
        )
        return DatabaseSettings.from_secret(secret, database=self.registry_db_name, ssl_mode=self.registry_ssl_mode)

    def connection(self) -> RegistryConnection:
        """A lazily opened registry connection; a refused login re-reads the secret (rotation)."""
        return RegistryConnection(self.database_settings)

    def role_name_allowed(self, role_name: str) -> bool:
        """Whether a customer role name matches ``customer_role_name_pattern`` (``*`` wildcards only)."""
        regex = "^" + ".*".join(re.escape(part) for part in self.customer_role_name_pattern.split("*")) + "$"
        return re.match(regex, role_name) is not None
