"""Names the registry's users agree on: database roles and connection settings (stdlib only; the CDK app imports it).

Each function logs in as its own PostgreSQL role with only what it needs:

- ``registry_vendor`` (credential vendor): ``SELECT`` on the registry tables;
- ``registry_operator`` (account administration): ``SELECT``, ``INSERT``, ``UPDATE`` on them;
- ``registry_migrator`` (migrations): owns the tables (``CREATE`` on the schema).

Tables created by any migration get these privileges through ``ALTER DEFAULT PRIVILEGES`` of the
migrator (``account_registry.roles``); a migration that needs something else grants or revokes it itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

VENDOR_DB_ROLE: Final = "registry_vendor"
ADMIN_DB_ROLE: Final = "registry_operator"
MIGRATOR_DB_ROLE: Final = "registry_migrator"
FUNCTION_DB_ROLES: Final = (VENDOR_DB_ROLE, ADMIN_DB_ROLE, MIGRATOR_DB_ROLE)
SCHEMA: Final = "public"

# Privileges every registry table gives each role (the migrator owns them).
TABLE_PRIVILEGES: Final = {VENDOR_DB_ROLE: ("SELECT",), ADMIN_DB_ROLE: ("SELECT", "INSERT", "UPDATE")}

# Environment variables (read once at cold start by ``account_registry.settings``).
ENV_REGISTRY_DB_AUTH: Final = "REGISTRY_DB_AUTH"  # "iam" (RDS IAM token) or "secret" (password from a secret)
ENV_REGISTRY_DB_HOST: Final = "REGISTRY_DB_HOST"  # iam: the RDS endpoint address
ENV_REGISTRY_DB_PORT: Final = "REGISTRY_DB_PORT"
ENV_REGISTRY_DB_USER: Final = "REGISTRY_DB_USER"  # iam: this function's database role
ENV_REGISTRY_CA_BUNDLE: Final = "REGISTRY_CA_BUNDLE"  # PEM file of the CAs that sign the server certificate
# The credential vendor's role ARN, given to the admin function for customer onboarding instructions.
ENV_VENDOR_ROLE_ARN: Final = "VENDOR_ROLE_ARN"
ENV_REGISTRY_MASTER_SECRET_ARN: Final = "REGISTRY_MASTER_SECRET_ARN"  # noqa: S105 - a variable name; migrations only

# The RDS global CA bundle, shipped in the Lambda bundle beside this module (see docs/deploy.md).
RDS_CA_BUNDLE_FILE: Final = "rds-global-bundle.pem"
RDS_CA_BUNDLE_PATH: Final = Path(__file__).resolve().parent / "certs" / RDS_CA_BUNDLE_FILE
# The same file, relative to the Lambda code root (/var/task), for the functions' environment.
RDS_CA_BUNDLE_IN_BUNDLE: Final = f"account_registry/certs/{RDS_CA_BUNDLE_FILE}"
RDS_CA_BUNDLE_URL: Final = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"

# Timeouts of one registry round trip; the vendor's retry budget counts them (credential_vendor.constants).
DB_SOCKET_TIMEOUT_S: Final = 2
DB_STATEMENT_TIMEOUT_MS: Final = 2000
DB_ATTEMPTS: Final = 2  # RegistryConnection retries once (stale connection, rotated password)
