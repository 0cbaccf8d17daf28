"""Names shared between the vendor Lambda and the infrastructure that configures it.

Kept free of third-party imports so the CDK app can import it.
"""

from __future__ import annotations

# Environment variables read once at cold start by ``settings.VendorSettings``.
ENV_REGISTRY_SECRET_ARN = "REGISTRY_SECRET_ARN"  # noqa: S105 - a variable name, not a secret; Secrets Manager secret with host/port/username/password/dbname
ENV_REGISTRY_DB_NAME = "REGISTRY_DB_NAME"  # optional override of the secret's dbname
ENV_REGISTRY_SSL = "REGISTRY_SSL"  # "true" (default) wraps the connection in TLS
ENV_KMS_KEY_ARN = "REGISTRY_KMS_KEY_ARN"
ENV_ALLOWED_LOG_GROUPS = "ALLOWED_LOG_GROUPS"  # comma-separated names; narrows the logs scope's session policy
ENV_DEFAULT_REGION = "DEFAULT_TARGET_REGION"
ENV_SESSION_DURATION_S = "SESSION_DURATION_S"
ENV_CUSTOMER_ROLE_NAME_PATTERN = "CUSTOMER_ROLE_NAME_PATTERN"  # e.g. "AccountToolsReadOnly*"
ENV_ASSERTION_KEY_ID = "ASSERTION_KEY_ID"  # ARN of the caller-assertion key (kms:GetPublicKey)

POWERTOOLS_SERVICE_NAME = "credential-vendor"
METRICS_NAMESPACE = "AgentCoreAccountTools"

# STS limits (AssumeRole API reference: DurationSeconds 900-43200, capped at 3600 under role chaining).
MIN_SESSION_DURATION_S = 900
MAX_SESSION_DURATION_S = 3600
DEFAULT_SESSION_DURATION_S = 900

# Encryption context keys bound into every KMS ciphertext of a registry secret.
ENCRYPTION_CONTEXT_ACCOUNT_KEY = "account_id"
ENCRYPTION_CONTEXT_ORG_KEY = "org_id"

# Calls to STS and KMS: every vend makes at most AWS_CALLS_PER_VEND of them in sequence (aksk: KMS
# Decrypt, then GetFederationToken; iam_role: AssumeRole), each with these timeouts and attempts.
# Together with the registry round trip they must end before the Lambda timeout (tests assert it).
AWS_CONNECT_TIMEOUT_S = 1
AWS_READ_TIMEOUT_S = 2
AWS_MAX_ATTEMPTS = 2
AWS_MAX_RETRY_BACKOFF_S = 1  # botocore "standard" mode waits random() * 2**(retry - 1) s before a retry
AWS_CALLS_PER_VEND = 2


def vend_budget_s(*, db_socket_timeout_s: float, db_statement_timeout_s: float, db_attempts: int) -> float:
    """Worst-case duration of one vend: the registry lookup, then the AWS calls, every one timing out.

    Args:
        db_socket_timeout_s: The registry connection's socket timeout (connect and each read).
        db_statement_timeout_s: The registry's server-side statement timeout.
        db_attempts: Registry attempts (a stale connection or rotated password is retried once).
    """
    aws_call = (
        AWS_MAX_ATTEMPTS * (AWS_CONNECT_TIMEOUT_S + AWS_READ_TIMEOUT_S)
        + (AWS_MAX_ATTEMPTS - 1) * AWS_MAX_RETRY_BACKOFF_S
    )
    registry = db_attempts * (db_socket_timeout_s + db_statement_timeout_s)
    return registry + AWS_CALLS_PER_VEND * aws_call
