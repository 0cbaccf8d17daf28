"""Settings every registry user shares (vendor, admin, migrations), read once at cold start."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from account_registry import constants as rc
from account_registry.store import DatabaseSettings, RegistryConnection
from credential_vendor import constants as c

SECRET_MAX_AGE_S = 300
_CODE_ROOT = Path(__file__).resolve().parent.parent  # /var/task in Lambda, lambdas/ in the repository


@cache
def _rds_client() -> Any:
    import boto3

    return boto3.client("rds")


class RegistrySettings(BaseModel):
    """Where the registry is, how this function logs in, and how its secrets are encrypted.

    Attributes:
        registry_db_auth: ``iam`` (AWS): log in as ``registry_db_user`` with an RDS IAM token, no
            password anywhere; ``secret``: the login (user and password) comes from ``registry_secret_arn``
            (the local stack, which has no RDS).
        registry_secret_arn: ``secret`` auth: Secrets Manager secret with host/port/username/password/dbname.
        registry_db_host: ``iam`` auth: the database endpoint address.
        registry_db_port: ``iam`` auth: its port.
        registry_db_user: ``iam`` auth: this function's database role.
        registry_db_name: The database (overrides the secret's ``dbname``).
        registry_ssl_mode: ``disable`` | ``require`` | ``verify-full``.
        registry_ca_bundle: PEM file of the CAs that sign the server certificate (``verify-full``);
            relative paths are relative to the code root. The system trust store when unset.
        kms_key_arn: The registry's KMS key.
        default_region: Region used when neither request nor row names one.
        customer_role_name_pattern: Glob the customer role name must match, e.g. ``AccountToolsReadOnly*``.
    """

    model_config = ConfigDict(frozen=True)

    registry_db_auth: Literal["iam", "secret"] = "secret"
    registry_secret_arn: str = ""
    registry_db_host: str | None = None
    registry_db_port: int = 5432
    registry_db_user: str | None = None
    registry_db_name: str | None = None
    registry_ssl_mode: str = Field(default="verify-full", pattern=r"^(disable|require|verify-full)$")
    registry_ca_bundle: str | None = None
    kms_key_arn: str | None = None
    default_region: str = "us-east-1"
    customer_role_name_pattern: str = "*"

    @model_validator(mode="after")
    def _complete(self) -> RegistrySettings:
        if self.registry_db_auth == "iam":
            missing = [
                name
                for name, value in (
                    (rc.ENV_REGISTRY_DB_HOST, self.registry_db_host),
                    (rc.ENV_REGISTRY_DB_USER, self.registry_db_user),
                    (c.ENV_REGISTRY_DB_NAME, self.registry_db_name),
                )
                if not value
            ]
            if missing:
                raise ValueError(f"IAM database authentication needs {', '.join(missing)}")
            if self.registry_ssl_mode != "verify-full":
                raise ValueError("IAM database authentication sends a token: REGISTRY_SSL must be verify-full")
        elif not self.registry_secret_arn:
            raise ValueError(f"{c.ENV_REGISTRY_SECRET_ARN} is required with secret authentication")
        if self.registry_ca_bundle and self.registry_ssl_mode == "verify-full" and not self.ca_bundle_path.is_file():
            raise ValueError(
                f"{rc.ENV_REGISTRY_CA_BUNDLE} {self.ca_bundle_path} does not exist: put the RDS CA bundle"
                f" ({rc.RDS_CA_BUNDLE_URL}) there before deploying (docs/deploy.md)"
            )
        return self

    @property
    def ca_bundle_path(self) -> Path:
        """``registry_ca_bundle`` as an absolute path (relative paths start at the code root)."""
        path = Path(self.registry_ca_bundle or "")
        return path if path.is_absolute() else _CODE_ROOT / path

    @classmethod
    def env_fields(cls, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The registry fields from environment variables (names in ``account_registry.constants``)."""
        env = os.environ if environ is None else environ
        return {
            "registry_db_auth": env.get(rc.ENV_REGISTRY_DB_AUTH, "secret"),
            "registry_secret_arn": env.get(c.ENV_REGISTRY_SECRET_ARN, ""),
            "registry_db_host": env.get(rc.ENV_REGISTRY_DB_HOST) or None,
            "registry_db_port": int(env.get(rc.ENV_REGISTRY_DB_PORT) or 5432),
            "registry_db_user": env.get(rc.ENV_REGISTRY_DB_USER) or None,
            "registry_db_name": env.get(c.ENV_REGISTRY_DB_NAME) or None,
            "registry_ssl_mode": env.get(c.ENV_REGISTRY_SSL, "verify-full"),
            "registry_ca_bundle": env.get(rc.ENV_REGISTRY_CA_BUNDLE) or None,
            "kms_key_arn": env.get(c.ENV_KMS_KEY_ARN) or None,
            "default_region": env.get(c.ENV_DEFAULT_REGION, "us-east-1"),
            "customer_role_name_pattern": env.get(c.ENV_CUSTOMER_ROLE_NAME_PATTERN, "*"),
        }

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> RegistrySettings:
        """Read settings from the environment."""
        return cls(**cls.env_fields(environ))

    def _ca_bundle(self) -> str | None:
        return str(self.ca_bundle_path) if self.registry_ca_bundle else None

    def database_settings(self, refresh: bool = False) -> DatabaseSettings:
        """How to log in now: a fresh RDS IAM token (signed locally, valid 15 minutes), or the secret's
        password (cached by Powertools for ``SECRET_MAX_AGE_S``).

        Args:
            refresh: Bypass the secret cache (after the database refused the cached password).

        Raises:
            botocore.exceptions.ClientError: The secret cannot be read.
            botocore.exceptions.BotoCoreError: No credentials to sign the IAM token with.
        """
        if self.registry_db_auth == "iam":
            host, user = str(self.registry_db_host), str(self.registry_db_user)  # checked by _complete
            token = _rds_client().generate_db_auth_token(DBHostname=host, Port=self.registry_db_port, DBUsername=user)
            return DatabaseSettings(
                host=host,
                port=self.registry_db_port,
                user=user,
                password=token,
                database=str(self.registry_db_name),
                ssl_mode=self.registry_ssl_mode,
                ca_bundle=self._ca_bundle(),
            )
        return self._from_secret(self.registry_secret_arn, refresh=refresh)

    def _from_secret(self, secret_arn: str, *, refresh: bool) -> DatabaseSettings:
        from aws_lambda_powertools.utilities import parameters

        secret: dict[str, Any] = parameters.get_secret(
            secret_arn, transform="json", max_age=SECRET_MAX_AGE_S, force_fetch=refresh
        )
        return DatabaseSettings.from_secret(
            secret, database=self.registry_db_name, ssl_mode=self.registry_ssl_mode, ca_bundle=self._ca_bundle()
        )

    def connection(self) -> RegistryConnection:
        """A lazily opened registry connection; a refused login re-reads the secret (rotation)."""
        return RegistryConnection(self.database_settings)

    def role_name_allowed(self, role_name: str) -> bool:
        """Whether a customer role name matches ``customer_role_name_pattern`` (``*`` wildcards only)."""
        regex = "^" + ".*".join(re.escape(part) for part in self.customer_role_name_pattern.split("*")) + "$"
        return re.match(regex, role_name) is not None


class MigrationSettings(RegistrySettings):
    """The migration function's settings: its own login (the migrator role) plus the master user's
    secret, used only to create the per-function roles.

    Attributes:
        master_secret_arn: The RDS-generated master user secret (host/port/username/password/dbname).
    """

    master_secret_arn: str

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> MigrationSettings:
        """Read settings from the environment."""
        env = os.environ if environ is None else environ
        return cls(**cls.env_fields(env), master_secret_arn=env.get(rc.ENV_REGISTRY_MASTER_SECRET_ARN, ""))

    def master_database_settings(self) -> DatabaseSettings:
        """The master user's login (always from its secret; RDS rotates it)."""
        return self._from_secret(self.master_secret_arn, refresh=True)
