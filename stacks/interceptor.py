"""The Gateway REQUEST interceptor: verifies the caller's token and signs a caller assertion."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.constants import (
    COMPONENT_INTERCEPTOR,
    ENV_ALLOWED_CLIENT_IDS,
    ENV_ASSERTION_KEY_ID,
    ENV_GATEWAY_TARGET_NAME,
    ENV_JWKS_URL,
    ENV_JWT_ISSUER,
    ENV_REQUIRED_SCOPE,
    GATEWAY_TARGET_NAME,
    INTERCEPTOR_HANDLER,
    INTERCEPTOR_TIMEOUT_S,
    interceptor_function_name,
)
from stacks.functions import PythonFunction


def jwks_url(issuer: str) -> str:
    """The JWKS document of an OpenID issuer (Cognito: ``<issuer>/.well-known/jwks.json``)."""
    return f"{issuer}/.well-known/jwks.json"


class GatewayInterceptor(Construct):
    """Lambda the Gateway calls before every request to the runtime (REQUEST interception point).

    It reads the bearer token from the request headers, verifies it again against the user pool
    (JWKS signature, issuer, client id, expiry, scope), and replaces ``params._meta`` of the MCP
    request with a caller assertion signed by the assertion key; requests without a valid token
    get an answer from the interceptor and never reach the runtime. It runs outside the VPC: the
    isolated subnets have no internet path, and the JWKS URL is a public Cognito endpoint (KMS
    ``Sign`` goes to the public regional endpoint too). It holds no registry access at all.
    Its role is tagged as the interceptor; the permissions boundary lets only the Gateway's role
    invoke it, and the assertion key's policy lets only this role sign.

    Args:
        scope: Parent construct.
        construct_id: Construct id.
        env_name: Environment name (part of the fixed function name).
        code: The shared ``lambdas/`` code asset.
        issuer: The user pool's issuer URL (``https://cognito-idp.<region>.amazonaws.com/<pool id>``).
        allowed_client_ids: App client ids whose tokens are accepted (agents and humans).
        required_scope: The OAuth scope every token must carry.
        log_retention: Retention of the function's log group.
        removal_policy: What happens to the log group when the stack is deleted.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        env_name: str,
        code: lambda_.Code,
        issuer: str,
        allowed_client_ids: Sequence[str],
        required_scope: str,
        log_retention: logs.RetentionDays,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        self._fn = PythonFunction(
            self,
            "Interceptor",
            code=code,
            handler=INTERCEPTOR_HANDLER,
            description="Gateway REQUEST interceptor: verifies the caller's token, signs a caller assertion",
            environment={
                ENV_JWT_ISSUER: issuer,
                ENV_JWKS_URL: jwks_url(issuer),
                ENV_ALLOWED_CLIENT_IDS: ",".join(allowed_client_ids),
                ENV_REQUIRED_SCOPE: required_scope,
                ENV_GATEWAY_TARGET_NAME: GATEWAY_TARGET_NAME,
            },
            timeout=Duration.seconds(INTERCEPTOR_TIMEOUT_S),
            log_retention=log_retention,
            removal_policy=removal_policy,
            component=COMPONENT_INTERCEPTOR,
            # A fixed name: the permissions boundary names it without a reference.
            function_name=interceptor_function_name(env_name),
        )
        self.function = self._fn.function
        self.role = self._fn.role

    def use_signing_key(self, key_arn: str) -> None:
        """Tell the function which key signs assertions (permission comes from the key policy)."""
        self.function.add_environment(ENV_ASSERTION_KEY_ID, key_arn)
