"""AgentCore Gateway in front of the MCP runtime: Cognito JWT in (agents and users), an interceptor, SigV4 out."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Aws, Duration, RemovalPolicy, Stack, Tags
from aws_cdk import aws_bedrockagentcore as agentcore
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import custom_resources as cr
from constructs import Construct

from stacks.constants import (
    ACCESS_TOKEN_VALIDITY_MIN,
    AGENTCORE_SIGNING_SERVICE,
    COMPONENT_GATEWAY,
    COMPONENT_TAG,
    GATEWAY_TARGET_NAME,
    OAUTH_INVOKE_SCOPE,
    OAUTH_RESOURCE_SERVER_ID,
    USER_REFRESH_TOKEN_VALIDITY_H,
)
from stacks.interceptor import GatewayInterceptor
from stacks.nag import acknowledge, logical_id
from stacks.runtime import McpRuntime

GATEWAY_INSTRUCTIONS = (
    "Tools that query customer AWS accounts (cost, commitments, CloudTrail, CloudWatch Logs Insights). "
    "Every tool takes an optional target_account_id; call list_accounts to see which accounts you may target."
)


def _without_direct_sign_in(client: cognito.UserPoolClient) -> None:
    """Allow only refreshing tokens outside OAuth: no SRP, password or custom sign-in on the client.

    Without ``ExplicitAuthFlows`` Cognito enables SRP and custom auth by default; CDK omits the
    property when no flow is chosen, so it is set on the L1 resource.
    """
    resource = client.node.default_child
    if not isinstance(resource, cognito.CfnUserPoolClient):  # pragma: no cover - the L2 always has one
        raise TypeError(f"{client.node.path} has no CfnUserPoolClient")
    resource.explicit_auth_flows = ["ALLOW_REFRESH_TOKEN_AUTH"]


class AgentAuth(Construct):
    """Cognito user pool that issues OAuth2 access tokens to agents and to human users.

    Two kinds of callers, both with the ``account-tools/invoke`` scope:

    - agents: confidential app clients with the ``client_credentials`` grant (identified by their
      client id); one is created (``agent_client``), more with ``add_agent_client``;
    - humans: users operators create (``admin-create-user``; self sign-up is off), signing in with
      TOTP MFA through the hosted domain's authorization-code flow of ``user_client`` (a public
      client for desktop and CLI MCP clients, with PKCE), identified by ``sub``, put in groups
      (``user_groups``) that grants may name.

    The Gateway accepts tokens of ``clients`` only, and the interceptor checks the same list.

    Args:
        scope: Parent construct.
        construct_id: Construct id.
        env_name: Environment name (part of the hosted domain prefix).
        user_groups: Groups of human users.
        callback_urls: Where the authorization-code flow may redirect after sign-in.
        logout_urls: Where sign-out may redirect.
        threat_protection: Plus feature plan with threat protection (full function); billed per user.
        removal_policy: What happens to the user pool when the stack is deleted.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        env_name: str,
        user_groups: Sequence[str],
        callback_urls: Sequence[str],
        logout_urls: Sequence[str],
        threat_protection: bool,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        self.user_pool = cognito.UserPool(
            self,
            "UserPool",
            self_sign_up_enabled=False,
            sign_in_case_sensitive=False,
            feature_plan=cognito.FeaturePlan.PLUS if threat_protection else cognito.FeaturePlan.ESSENTIALS,
            standard_threat_protection_mode=(
                cognito.StandardThreatProtectionMode.FULL_FUNCTION if threat_protection else None
            ),
            password_policy=cognito.PasswordPolicy(
                min_length=16,
                require_digits=True,
                require_lowercase=True,
                require_uppercase=True,
                require_symbols=True,
            ),
            mfa=cognito.Mfa.REQUIRED,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            account_recovery=cognito.AccountRecovery.NONE,
            deletion_protection=removal_policy == RemovalPolicy.RETAIN,
            removal_policy=removal_policy,
        )
        self._scope = cognito.ResourceServerScope(
            scope_name=OAUTH_INVOKE_SCOPE, scope_description="Call the account tools through the Gateway"
        )
        self.resource_server = self.user_pool.add_resource_server(
            "Tools", identifier=OAUTH_RESOURCE_SERVER_ID, scopes=[self._scope]
        )
        self.domain = self.user_pool.add_domain(
            "Domain",
            cognito_domain=cognito.CognitoDomainOptions(domain_prefix=f"account-tools-{env_name}-{Aws.ACCOUNT_ID}"),
        )
        self.agent_clients: list[cognito.UserPoolClient] = []
        self.agent_client = self.add_agent_client("AgentClient")
        self.user_client = self._add_user_client(callback_urls, logout_urls)
        self.groups = {
            name: self.user_pool.add_group(
                f"Group-{name}", group_name=name, description=f"Human users of account-tools: {name}"
            )
            for name in user_groups
        }
        if not threat_protection:
            reason = (
                "Every human user is created by an operator (self sign-up off), has a 16-character password "
                "and must use TOTP MFA; agents use client credentials. Threat protection needs the Plus plan, "
                "billed per monthly active user: environments enable it with user_pool_threat_protection=true."
            )
            acknowledge(self.user_pool, "AwsSolutions-COG3", reason)
            acknowledge(self.user_pool, "AwsSolutions-COG8", reason)

    @property
    def invoke_scope(self) -> str:
        """The OAuth scope an access token needs: ``account-tools/invoke``."""
        return f"{OAUTH_RESOURCE_SERVER_ID}/{OAUTH_INVOKE_SCOPE}"

    @property
    def token_endpoint(self) -> str:
        """The OAuth2 token endpoint of the hosted domain."""
        return f"{self.domain.base_url()}/oauth2/token"

    @property
    def authorize_endpoint(self) -> str:
        """The OAuth2 authorization endpoint of the hosted domain (authorization-code flow)."""
        return f"{self.domain.base_url()}/oauth2/authorize"

    @property
    def issuer(self) -> str:
        """The pool's token issuer, ``https://cognito-idp.<region>.amazonaws.com/<pool id>``."""
        return self.user_pool.user_pool_provider_url

    @property
    def clients(self) -> list[cognito.UserPoolClient]:
        """Every app client whose tokens the Gateway accepts: the agents' clients and the users' client."""
        return [*self.agent_clients, self.user_client]

    def add_agent_client(self, construct_id: str, *, client_name: str | None = None) -> cognito.UserPoolClient:
        """Create an app client (with secret) allowed the client-credentials grant and the invoke scope.

        Create agent clients before the Gateway and the interceptor, which read ``clients``.
        """
        client = self.user_pool.add_client(
            construct_id,
            user_pool_client_name=client_name,
            generate_secret=True,
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(client_credentials=True),
                scopes=[cognito.OAuthScope.resource_server(self.resource_server, self._scope)],
            ),
            access_token_validity=Duration.minutes(ACCESS_TOKEN_VALIDITY_MIN),
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
        )
        _without_direct_sign_in(client)
        self.agent_clients.append(client)
        return client

    def _add_user_client(self, callback_urls: Sequence[str], logout_urls: Sequence[str]) -> cognito.UserPoolClient:
        """Public app client for human users: authorization code (PKCE), openid and the invoke scope."""
        client = self.user_pool.add_client(
            "UserClient",
            user_pool_client_name="account-tools-users",
            generate_secret=False,
            # Sign-in only through the hosted domain (MFA enforced there): see _without_direct_sign_in.
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(authorization_code_grant=True),
                scopes=[
                    cognito.OAuthScope.OPENID,
                    cognito.OAuthScope.resource_server(self.resource_server, self._scope),
                ],
                callback_urls=list(callback_urls),
                logout_urls=list(logout_urls),
            ),
            supported_identity_providers=[cognito.UserPoolClientIdentityProvider.COGNITO],
            access_token_validity=Duration.minutes(ACCESS_TOKEN_VALIDITY_MIN),
            id_token_validity=Duration.minutes(ACCESS_TOKEN_VALIDITY_MIN),
            refresh_token_validity=Duration.hours(USER_REFRESH_TOKEN_VALIDITY_H),
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
        )
        _without_direct_sign_in(client)
        return client


class ToolsGateway(Construct):
    """AgentCore Gateway exposing the MCP runtime's tools to agents.

    Inbound: JWT (CUSTOM_JWT) issued by the ``AgentAuth`` user pool, restricted to its clients
    (agents and human users) and the invoke scope. Before every request reaches the runtime, the
    REQUEST interceptor (with the request headers, for the bearer token) verifies the caller again
    and puts a signed caller assertion into the request. Outbound: the Gateway signs requests to
    the Runtime with its own role (SigV4, service ``bedrock-agentcore``), the only role granted
    ``InvokeAgentRuntime``.
    After every deploy that changes the runtime artifact (code bundle or image) or version, a custom resource calls
    ``SynchronizeGatewayTargets`` so the Gateway's tool catalog follows the new server.

    Args:
        scope: Parent construct.
        construct_id: Construct id.
        env_name: Environment name (part of the gateway name).
        runtime: The MCP runtime to front.
        auth: The user pool issuing agent and user tokens.
        interceptor: The REQUEST interceptor; the Gateway's role is the only one that may invoke it.
        log_retention: Retention of the synchronization function's log group.
        removal_policy: What happens to that log group when the stack is deleted.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        env_name: str,
        runtime: McpRuntime,
        auth: AgentAuth,
        interceptor: GatewayInterceptor,
        log_retention: logs.RetentionDays,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        self.gateway = agentcore.Gateway(
            self,
            "Gateway",
            gateway_name=f"account-tools-{env_name}",
            description="Multi-account AWS tools for agents",
            authorizer_configuration=agentcore.GatewayAuthorizer.using_cognito(
                user_pool=auth.user_pool,
                allowed_clients=auth.clients,
                allowed_scopes=[auth.invoke_scope],
            ),
            protocol_configuration=agentcore.McpProtocolConfiguration(
                instructions=GATEWAY_INSTRUCTIONS,
                search_type=agentcore.McpGatewaySearchType.SEMANTIC,
                supported_versions=[
                    agentcore.MCPProtocolVersion.MCP_2025_06_18,
                    agentcore.MCPProtocolVersion.MCP_2025_03_26,
                ],
            ),
            # The L2 grants the Gateway's role lambda:InvokeFunction on the function; the permissions
            # boundary denies invoking it to every other role of the app (component tag).
            interceptor_configurations=[
                agentcore.LambdaInterceptor.for_request(interceptor.function, pass_request_headers=True)
            ],
        )
        gateway_role = self.gateway.role
        if gateway_role is None:  # pragma: no cover - the L2 always creates a role
            raise RuntimeError("the gateway has no service role")
        Tags.of(gateway_role).add(COMPONENT_TAG, COMPONENT_GATEWAY)
        acknowledge(
            gateway_role,
            f"AwsSolutions-IAM5[Resource::<{logical_id(interceptor.function)}.Arn>:*]",
            "The Gateway L2 grants InvokeFunction on the interceptor and its versions/aliases (ARN + ':*'); "
            "the wildcard covers only qualifiers of this one function.",
        )
        self.target = self.gateway.add_mcp_server_target(
            "RuntimeTarget",
            gateway_target_name=GATEWAY_TARGET_NAME,
            description="Account tools MCP server (AgentCore Runtime)",
            endpoint=runtime.invocation_url,
            credential_provider_configurations=[
                agentcore.GatewayCredentialProvider.from_iam_role(service=AGENTCORE_SIGNING_SERVICE)
            ],
        )
        # The Gateway lists the tools while the target is created: the grant must exist by then.
        runtime.runtime.grant_invoke_runtime(gateway_role).apply_before(self.target)
        acknowledge(
            gateway_role,
            f"AwsSolutions-IAM5[Resource::<{logical_id(runtime.runtime)}.AgentRuntimeArn>/*]",
            "InvokeAgentRuntime is authorized on the runtime's endpoints (runtime ARN + /runtime-endpoint/...); "
            "the wildcard covers only this runtime's endpoints.",
        )
        self.sync = self._synchronize_on_runtime_change(runtime, log_retention, removal_policy)

    def _synchronize_on_runtime_change(
        self, runtime: McpRuntime, log_retention: logs.RetentionDays, removal_policy: RemovalPolicy
    ) -> cr.AwsCustomResource:
        """Re-list the runtime's tools after each artifact/version change (no manual "refresh the Gateway")."""
        sync_call = cr.AwsSdkCall(
            service="bedrock-agentcore-control",
            action="SynchronizeGatewayTargets",
            parameters={"gatewayIdentifier": self.gateway.gateway_id, "targetIdList": [self.target.target_id]},
            # New artifact hash or runtime version -> new physical id -> CloudFormation runs the update.
            physical_resource_id=cr.PhysicalResourceId.of(
                f"{self.target.target_id}:{runtime.artifact_hash}:{runtime.runtime.agent_runtime_version}"
            ),
            # A synchronization already in progress (e.g. the implicit one of a target update) is fine.
            ignore_error_codes_matching="ConflictException",
        )
        sync = cr.AwsCustomResource(
            self,
            "SyncTargetTools",
            resource_type="Custom::GatewayTargetSync",
            on_create=sync_call,
            on_update=sync_call,
            policy=cr.AwsCustomResourcePolicy.from_statements(
                [
                    iam.PolicyStatement(
                        actions=["bedrock-agentcore:SynchronizeGatewayTargets"],
                        resources=[self.gateway.gateway_arn],
                    )
                ]
            ),
            # SynchronizeGatewayTargets is newer than the SDK some Lambda Node.js runtimes bundle.
            install_latest_aws_sdk=True,
            timeout=Duration.minutes(5),
            log_group=logs.LogGroup(self, "SyncLogs", retention=log_retention, removal_policy=removal_policy),
        )
        provider = Stack.of(self).node.try_find_child(
            "AWS" + cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace("-", "")
        )
        if provider is not None:
            acknowledge(
                provider,
                "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
                "The CDK AwsCustomResource function only needs the AWS basic execution policy to write its logs; "
                "its API permission is the single SynchronizeGatewayTargets statement on this gateway.",
            )
        return sync
