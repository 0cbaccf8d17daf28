"""Names shared between the interceptor Lambda and the infrastructure (no third-party imports)."""

from __future__ import annotations

# Environment variables, read once at cold start by ``settings.InterceptorSettings``.
ENV_JWT_ISSUER = "JWT_ISSUER"  # the user pool's issuer, https://cognito-idp.<region>.amazonaws.com/<pool id>
ENV_JWKS_URL = "JWKS_URL"  # <issuer>/.well-known/jwks.json
ENV_ALLOWED_CLIENT_IDS = "ALLOWED_CLIENT_IDS"  # comma-separated app client ids (agents and the users' client)
ENV_REQUIRED_SCOPE = "REQUIRED_SCOPE"  # e.g. account-tools/invoke
ENV_ASSERTION_KEY_ID = "ASSERTION_KEY_ID"  # ARN of the ECC_NIST_P256 SIGN_VERIFY key
ENV_GATEWAY_TARGET_NAME = "GATEWAY_TARGET_NAME"  # the Gateway names tools "<target>___<tool>"

POWERTOOLS_SERVICE_NAME = "gateway-interceptor"
GATEWAY_NAME_SEPARATOR = "___"
# JWKS keys are cached this long (seconds); an unknown kid refetches at once (key rotation).
JWKS_CACHE_S = 3600
JWKS_TIMEOUT_S = 3
