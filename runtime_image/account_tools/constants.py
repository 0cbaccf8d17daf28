"""Names shared between the MCP server and the infrastructure that configures it.

Kept free of third-party imports so the CDK app can import it.
"""

from __future__ import annotations

# Environment variables read once at start-up by ``settings.RuntimeSettings``.
ENV_VENDOR_FUNCTION_NAME = "VENDOR_FUNCTION_NAME"  # name or ARN of the credential-vendor Lambda
ENV_ASSERTION_KEY_ID = "ASSERTION_KEY_ID"  # ARN of the caller-assertion key (kms:GetPublicKey)
ENV_DEFAULT_REGION = "DEFAULT_TARGET_REGION"
ENV_LOG_LEVEL = "LOG_LEVEL"
ENV_REVALIDATE_S = "CREDENTIAL_REVALIDATE_S"  # revocation bound in seconds (default 60)
ENV_CREDENTIAL_CACHE = "CREDENTIAL_CACHE"  # "off" vends on every call (benchmarks only)

# AgentCore Runtime service contract for MCP servers: 0.0.0.0:8000, path /mcp, GET /ping.
SERVER_HOST = "0.0.0.0"  # noqa: S104 - container port, fronted by AgentCore Runtime
SERVER_PORT = 8000
MCP_PATH = "/mcp"
HEALTH_PATH = "/ping"
