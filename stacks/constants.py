"""Names shared by the constructs of the CDK application.

Environment variable names and the container contract come from the runtime code's stdlib-only
constants modules, so infrastructure and runtime cannot drift apart.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

REPO_ROOT: Final = Path(__file__).resolve().parent.parent
LAMBDAS_DIR: Final = REPO_ROOT / "lambdas"
# The one Python version of the Lambda functions, the runtime (code artifact and image) and the tests.
PYTHON_VERSION: Final = "3.11"
# Hashed locks (`make lock`), one per deployable; requirements-dev.txt locks the development environment.
LAMBDA_REQUIREMENTS: Final = LAMBDAS_DIR / "requirements.txt"
MIGRATIONS_DIR: Final = LAMBDAS_DIR / "account_registry" / "migrations"
RUNTIME_IMAGE_DIR: Final = REPO_ROOT / "runtime_image"
RUNTIME_REQUIREMENTS: Final = RUNTIME_IMAGE_DIR / "requirements.txt"
# The runtime's code artifact: the server package plus the entry file AgentCore Runtime starts.
RUNTIME_PACKAGES: Final = ("account_tools",)
RUNTIME_ENTRY_FILE: Final = "main.py"
# Wheels downloaded by `make wheels` (hash-checked); bundling prefers them over the package index.
WHEELHOUSE_DIR: Final = REPO_ROOT / ".local" / "wheelhouse"

# Context keys (cdk.json or `cdk synth -c key=value`).
CONTEXT_ENVIRONMENT: Final = "environment"
CONTEXT_ENVIRONMENTS: Final = "environments"
DEFAULT_ENVIRONMENT: Final = "dev"
# How the MCP server reaches AgentCore Runtime: `-c runtime_artifact=code` (default) or `=image`.
CONTEXT_RUNTIME_ARTIFACT: Final = "runtime_artifact"

APP_NAME: Final = "AccountTools"
CUSTOMER_STAGE_ID: Final = "CustomerOnboarding"
CUSTOMER_STACK_ID: Final = "CustomerRole"

# Lambda handlers, relative to lambdas/ (the code root of every function).
VENDOR_HANDLER: Final = "credential_vendor.handler.handler"
ADMIN_HANDLER: Final = "account_admin.handler.handler"
MIGRATE_HANDLER: Final = "account_registry.migrate_handler.handler"
INTERCEPTOR_HANDLER: Final = "gateway_interceptor.handler.handler"

# Bundled Lambda packages (directories of lambdas/ copied into the code asset).
LAMBDA_PACKAGES: Final = (
    "credential_vendor",
    "account_admin",
    "account_registry",
    "gateway_interceptor",
    "caller_assertion",
)

# Above the vendor's worst case (credential_vendor.constants.vend_budget_s: 22 s), asserted by tests/unit.
VENDOR_TIMEOUT_S: Final = 25
ADMIN_TIMEOUT_S: Final = 30
MIGRATE_TIMEOUT_S: Final = 120
# JWKS fetch (cached after the first call) + token checks + one kms:Sign, well inside the Gateway's wait.
INTERCEPTOR_TIMEOUT_S: Final = 10
FUNCTION_MEMORY_MB: Final = 512

# Registry database.
REGISTRY_DB_NAME: Final = "registry"
REGISTRY_DB_USER: Final = "registry_admin"
REGISTRY_DB_PORT: Final = 5432
REGISTRY_ALLOCATED_STORAGE_GB: Final = 20
REGISTRY_MAX_ALLOCATED_STORAGE_GB: Final = 100
SECRET_ROTATION_DAYS: Final = 30

# Gateway / Cognito.
OAUTH_RESOURCE_SERVER_ID: Final = "account-tools"
OAUTH_INVOKE_SCOPE: Final = "invoke"
ACCESS_TOKEN_VALIDITY_MIN: Final = 60
# Human users sign in again (with MFA) at least once per working day.
USER_REFRESH_TOKEN_VALIDITY_H: Final = 12
GATEWAY_TARGET_NAME: Final = "account-tools"
# Groups of the user pool's human users (operators put users in them; grants may name a group).
DEFAULT_USER_GROUPS: Final = ("finops", "platform-operators")
# Where the authorization-code flow may return to when an environment names no URLs (a local client).
DEFAULT_OAUTH_CALLBACK_URLS: Final = ("http://localhost:8080/callback",)
DEFAULT_OAUTH_LOGOUT_URLS: Final = ("http://localhost:8080/",)

# Environment of the Gateway REQUEST interceptor (the contract with lambdas/gateway_interceptor).
ENV_JWT_ISSUER: Final = "JWT_ISSUER"  # https://cognito-idp.<region>.amazonaws.com/<user pool id>
ENV_JWKS_URL: Final = "JWKS_URL"  # <issuer>/.well-known/jwks.json
ENV_ALLOWED_CLIENT_IDS: Final = "ALLOWED_CLIENT_IDS"  # comma-separated app client ids (agents and humans)
ENV_REQUIRED_SCOPE: Final = "REQUIRED_SCOPE"  # account-tools/invoke
ENV_GATEWAY_TARGET_NAME: Final = "GATEWAY_TARGET_NAME"
# ARN of the caller-assertion signing key: the interceptor signs, the runtime and the vendor verify.
ENV_ASSERTION_KEY_ID: Final = "ASSERTION_KEY_ID"
RUNTIME_ENDPOINT_QUALIFIER: Final = "DEFAULT"
# SigV4 signing name the Gateway uses towards the Runtime (outbound IAM auth).
AGENTCORE_SIGNING_SERVICE: Final = "bedrock-agentcore"

# Key administration actions of the registry KMS key: everything except using the key.
KMS_ADMIN_ACTIONS: Final = (
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:Delete*",
    "kms:Describe*",
    "kms:Disable*",
    "kms:Enable*",
    "kms:Get*",
    "kms:List*",
    "kms:Put*",
    "kms:Revoke*",
    "kms:RotateKeyOnDemand",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:Update*",
)

# Every role of the app carries this tag naming its component; the permissions boundary
# (stacks/boundary.py) and the service control policy of docs/deploy.md key on it.
COMPONENT_TAG: Final = "account-tools:component"
COMPONENT_RUNTIME: Final = "runtime"
COMPONENT_VENDOR: Final = "vendor"
COMPONENT_ADMIN: Final = "admin"
COMPONENT_MIGRATIONS: Final = "migrations"
COMPONENT_INTERCEPTOR: Final = "interceptor"
COMPONENT_GATEWAY: Final = "gateway"


def vendor_function_name(env_name: str) -> str:
    """Fixed name of the credential vendor function (policies name it without a reference)."""
    return f"{APP_NAME}-{env_name}-CredentialVendor"


def admin_function_name(env_name: str) -> str:
    """Fixed name of the account admin function."""
    return f"{APP_NAME}-{env_name}-AccountAdmin"


def interceptor_function_name(env_name: str) -> str:
    """Fixed name of the Gateway REQUEST interceptor function (the permissions boundary names it)."""
    return f"{APP_NAME}-{env_name}-GatewayInterceptor"
