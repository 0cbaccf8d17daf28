"""Lambda entry point of the Gateway REQUEST interceptor (see ``logic`` for the contract).

The event holds the caller's bearer token (``passRequestHeaders``): it is never logged, whatever
``POWERTOOLS_LOGGER_LOG_EVENT`` says.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
import jwt
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.config import Config

from caller_assertion import CallerAssertion, sign_assertion
from gateway_interceptor.constants import JWKS_CACHE_S, JWKS_TIMEOUT_S, POWERTOOLS_SERVICE_NAME
from gateway_interceptor.logic import intercept
from gateway_interceptor.settings import InterceptorSettings
from gateway_interceptor.tokens import TokenVerifier

KMS_CONFIG = Config(retries={"mode": "standard", "max_attempts": 2}, connect_timeout=1, read_timeout=2)
logger = Logger(service=POWERTOOLS_SERVICE_NAME)


@cache
def _wired() -> tuple[TokenVerifier, Any, InterceptorSettings]:
    """Settings, token verifier and KMS client, once per execution environment."""
    settings = InterceptorSettings.from_env()
    jwks = jwt.PyJWKClient(settings.jwks_url, cache_keys=True, lifespan=JWKS_CACHE_S, timeout=JWKS_TIMEOUT_S)
    verifier = TokenVerifier(
        jwks,
        issuer=settings.jwt_issuer,
        allowed_client_ids=settings.allowed_client_ids,
        required_scope=settings.required_scope,
    )
    return verifier, boto3.client("kms", config=KMS_CONFIG), settings


@logger.inject_lambda_context(log_event=False, clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Verify the caller, then forward the request with a signed caller assertion, or refuse it."""
    verifier, kms, settings = _wired()

    def sign(claims: CallerAssertion) -> str:
        return sign_assertion(claims, kms_client=kms, key_id=settings.assertion_key_id)

    output, record = intercept(event, verifier=verifier, sign=sign, target_name=settings.gateway_target_name)
    logger.info("gateway request", extra=record)
    return output
