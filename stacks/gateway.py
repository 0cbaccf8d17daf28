"""AgentCore Gateway in front of the MCP runtime, with Cognito machine-to-machine auth."""

from __future__ import annotations

from aws_cdk import Aws, Duration, RemovalPolicy, Stack
from aws_cdk import aws_bedrockagentcore as agentcore
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import custom_resources as cr
from constructs import Construct

from stacks.constants import (
    ACCESS_TOKEN_VALIDITY_MIN,
    AGENTCORE_SIGNING_SERVICE,
    GATEWAY_TARGET_NAME,
    OAUTH_INVOKE_SCOPE,
    OAUTH_RESOURCE_SERVER_ID,
)
from stacks.nag import acknowledge, logical_id
from stacks.runtime import McpRuntime

GATEWAY_INSTRUCTIONS = (
    "Tools that query customer AWS accounts (cost, commitments, CloudTrail, CloudWatch Logs Insights). "
    "Every tool takes an optional target_account_id; call list_accounts to see which accounts you may target."
)


class AgentAuth(Construct):
    """Cognito user pool that issues OAuth2 client-credentials tokens to agents.

    There are no human users: self sign-up is off and the only way in is an app client with the
    ``client_credentials`` grant and the ``account-tools/invoke`` scope. One such client is created
    for agents; create more (one per agent) with ``add_agent_client``.

    Args:
        scope: Parent construct.
        construct_id: Construct id.
        env_name: Environment name (part of the hosted domain prefix).
        removal_policy: What happens to the user pool when the stack is deleted.
    """

    def __init__(self, scope: Construct, construct_id: str, *, env_name: str, removal_policy: RemovalPolicy) -> None:
        super().__init__(scope, construct_id)
        self.user_pool = cognito.UserPool(
            self,
            "UserPool",
            self_sign_up_enabled=False,
            sign_in_case_sensitive=False,
            feature_plan=cognito.FeaturePlan.ESSENTIALS,
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
        self.agent_client = self.add_agent_client("AgentClient")
        no_users = (
            "No user ever signs in to this pool (self sign-up off, client-credentials clients only), so "
            "threat protection and the Plus plan's user sign-in features have nothing to protect."
        )
        acknowledge(self.user_pool, "AwsSolutions-COG3", no_users)
        acknowledge(self.user_pool, "AwsSolutions-COG8", no_users)

    @property
    def invoke_scope(self) -> str:
        """The OAuth scope an access token needs: ``account-tools/invoke``."""
        return f"{OAUTH_RESOURCE_SERVER_ID}/{OAUTH_INVOKE_SCOPE}"

    @property
    def token_endpoint(self) -> str:
        """The OAuth2 token endpoint of the hosted domain."""
        return f"{self.domain.base_url()}/oauth2/token"

    def add_agent_client(self, construct_id: str) -> cognito.UserPoolClient:
        """Create an app client (with secret) allowed the client-credentials grant and the invoke scope."""
        return self.user_pool.add_client(
            construct_id,
            generate_secret=True,
            auth_flows=cognito.AuthFlow(),
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(client_credentials=True),
                scopes=[cognito.OAuthScope.resource_server(self.resource_server, self._scope)],
            ),
            access_token_validity=Duration.minutes(ACCESS_TOKEN_VALIDITY_MIN),
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
        )


class ToolsGateway(Construct):
    """AgentCore Gateway exposing the MCP runtime's tools to agents.

    Inbound: JWT (CUSTOM_JWT) issued by the ``AgentAuth`` user pool, restricted to its agent
    client and the invoke scope. Outbound: the Gateway signs requests to the Runtime with its own
    role (SigV4, service ``bedrock-agentcore``), the only role granted ``InvokeAgentRuntime``.
    After every deploy that changes the runtime artifact (code bundle or image) or version, a custom resource calls
    ``SynchronizeGatewayTargets`` so the Gateway's tool catalog follows the new server.

    Args:
        scope: Parent construct.
        construct_id: Construct id.
        env_name: Environment name (part of the gateway name).
        runtime: The MCP runtime to front.
        auth: The user pool issuing agent tokens.
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
                allowed_clients=[auth.agent_client],
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
        )
        gateway_role = self.gateway.role
        if gateway_role is None:  # pragma: no cover - the L2 always creates a role
            raise RuntimeError("the gateway has no service role")
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
