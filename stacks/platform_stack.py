"""The platform stack: wires the constructs of one environment together, nothing else."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from stacks.account_admin import AccountAdmin
from stacks.assertion_key import CallerAssertionKey
from stacks.boundary import RoleBoundary
from stacks.bundling import lambda_code
from stacks.config import EnvironmentConfig
from stacks.constants import PYTHON_VERSION
from stacks.gateway import AgentAuth, ToolsGateway
from stacks.interceptor import GatewayInterceptor
from stacks.monitoring import Monitoring
from stacks.nag import acknowledge
from stacks.network import Network
from stacks.registry import Registry, RegistryMigrations
from stacks.registry_key import RegistryKey
from stacks.runtime import DEFAULT_RUNTIME_ARTIFACT, McpRuntime, RuntimeArtifact
from stacks.vendor import CredentialVendor


class AccountToolsStack(Stack):
    """Everything the multi-account tools run on in the platform account, for one environment.

    Network -> registry (RDS + migrations) -> credential vendor and account admin -> registry
    KMS key -> user pool (agents and users) -> Gateway interceptor and the caller-assertion key
    (the interceptor signs; the vendor and the runtime verify) -> MCP runtime (may only invoke
    the vendor) -> Gateway (JWT in, interceptor, SigV4 out).

    Args:
        scope: The app.
        construct_id: Stack id.
        config: The environment's settings.
        runtime_artifact: How the MCP server is packaged for AgentCore Runtime.
        **kwargs: Further ``Stack`` properties (env, synthesizer, ...).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        runtime_artifact: RuntimeArtifact = DEFAULT_RUNTIME_ARTIFACT,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        # CDK adds explicit DependsOn next to Ref/GetAtt it also emits (role -> function, ...):
        # redundant but harmless, and not ours to remove. Every other cfn-lint rule stays on.
        self.template_options.metadata = {"cfn-lint": {"config": {"ignore_checks": ["W3005"]}}}
        acknowledge(
            self,
            "AwsSolutions-L1",
            f"Every Python function runs Python {PYTHON_VERSION}, the one version of the runtime artifact, the "
            "container image and the tests (AgentCore's code runtimes stop at 3.13); see README.",
        )
        retention = config.log_retention
        removal = config.removal_policy
        code = lambda_code()

        network = Network(
            self,
            "Network",
            cidr=config.vpc_cidr,
            max_azs=config.max_azs,
            log_retention=retention,
            removal_policy=removal,
        )
        registry = Registry(
            self,
            "Registry",
            env_name=config.name,
            network=network,
            instance_type=config.db_instance_type,
            multi_az=config.db_multi_az,
            deletion_protection=config.db_deletion_protection,
            backup_retention_days=config.db_backup_retention_days,
            retain_data=config.retain_data,
            log_retention=retention,
        )
        migrations = RegistryMigrations(
            self,
            "Migrations",
            registry=registry,
            code=code,
            network=network,
            log_retention=retention,
            removal_policy=removal,
        )
        vendor = CredentialVendor(
            self,
            "CredentialVendor",
            env_name=config.name,
            code=code,
            network=network,
            registry=registry,
            allowed_log_groups=config.allowed_log_groups,
            default_region=config.default_target_region,
            session_duration_s=config.session_duration_s,
            customer_role_name_pattern=config.customer_role_name_pattern,
            log_retention=retention,
            removal_policy=removal,
        )
        admin = AccountAdmin(
            self,
            "AccountAdmin",
            env_name=config.name,
            code=code,
            network=network,
            registry=registry,
            default_region=config.default_target_region,
            customer_role_name_pattern=config.customer_role_name_pattern,
            log_retention=retention,
            allowed_log_groups=config.allowed_log_groups,
            removal_policy=removal,
        )
        key = RegistryKey(
            self, "RegistryKey", decrypters=[vendor.role], encrypters=[admin.role], removal_policy=removal
        )
        vendor.use_key(key.key)
        admin.use_key(key.key)
        admin.use_vendor_role(vendor.role.role_arn)
        # The first rotation changes the password right after the schedule is created: let the
        # migrations finish first. Functions serving requests only start once the schema exists.
        registry.rotation.node.add_dependency(migrations.resource)
        vendor.function.node.add_dependency(migrations.resource)
        admin.function.node.add_dependency(migrations.resource)

        auth = AgentAuth(
            self,
            "AgentAuth",
            env_name=config.name,
            user_groups=config.user_groups,
            callback_urls=config.oauth_callback_urls,
            logout_urls=config.oauth_logout_urls,
            threat_protection=config.user_pool_threat_protection,
            removal_policy=removal,
        )
        for client_name in config.additional_agent_clients:
            auth.add_agent_client(f"AgentClient-{client_name}", client_name=client_name)
        interceptor = GatewayInterceptor(
            self,
            "GatewayInterceptor",
            env_name=config.name,
            code=code,
            issuer=auth.issuer,
            allowed_client_ids=[client.user_pool_client_id for client in auth.clients],
            required_scope=auth.invoke_scope,
            log_retention=retention,
            removal_policy=removal,
        )
        assertion_key = CallerAssertionKey(
            self, "CallerAssertionKey", signer=interceptor.role, verifier=vendor.role, removal_policy=removal
        )
        interceptor.use_signing_key(assertion_key.key_arn)
        vendor.use_assertion_key(assertion_key.key_arn)

        runtime = McpRuntime(
            self,
            "McpRuntime",
            env_name=config.name,
            vendor_function_name=vendor.function.function_name,
            default_region=config.default_target_region,
            assertion_key_arn=assertion_key.key_arn,
            artifact=runtime_artifact,
        )
        assertion_key.allow_public_key_read(runtime.role)
        vendor.allow_invoke_only_by(runtime.role)

        gateway = ToolsGateway(
            self,
            "ToolsGateway",
            env_name=config.name,
            runtime=runtime,
            auth=auth,
            interceptor=interceptor,
            log_retention=retention,
            removal_policy=removal,
        )
        monitoring = Monitoring(
            self,
            "Monitoring",
            env_name=config.name,
            vendor_function=vendor.function,
            registry_instance=registry.instance,
            alarm_topic_arn=config.alarm_topic_arn,
            removal_policy=removal,
        )
        # Every role of the stack (ours and CDK's) gets the boundary.
        RoleBoundary(self, "RoleBoundary", env_name=config.name, master_secret=registry.secret).apply_to(self)

        outputs = {
            "GatewayUrl": (gateway.gateway.gateway_url or "", "MCP endpoint of the AgentCore Gateway"),
            "TokenEndpoint": (auth.token_endpoint, "OAuth2 token endpoint (client_credentials and code grants)"),
            "AuthorizeEndpoint": (auth.authorize_endpoint, "OAuth2 authorization endpoint (human users' sign-in)"),
            "OAuthScope": (auth.invoke_scope, "Scope to request with the token"),
            "ClientId": (auth.agent_client.user_pool_client_id, "App client id of the agents' client"),
            "UserClientId": (auth.user_client.user_pool_client_id, "App client id of human users (code + PKCE)"),
            "InterceptorFunctionName": (interceptor.function.function_name, "Gateway REQUEST interceptor Lambda"),
            "AssertionKeyArn": (assertion_key.key_arn, "KMS key signing caller assertions"),
            "UserPoolId": (auth.user_pool.user_pool_id, "User pool holding the client (read its secret from here)"),
            "VendorFunctionName": (vendor.function.function_name, "Credential vendor Lambda"),
            "VendorRoleArn": (vendor.role.role_arn, "Role customers trust (customer onboarding template)"),
            "AdminFunctionName": (admin.function.function_name, "Account administration Lambda"),
            "AdminFunctionUrl": (admin.url.url, "Admin function URL (AWS_IAM): account-tools-admin --stack <name>"),
            "RegistryEndpoint": (registry.instance.db_instance_endpoint_address, "Registry database endpoint"),
            "RegistrySecretArn": (registry.secret.secret_arn, "Registry master user secret (migrations only)"),
            "RuntimeArn": (runtime.runtime.agent_runtime_arn, "AgentCore Runtime of the MCP server"),
            "AlarmTopicArn": (monitoring.topic.topic_arn, "SNS topic every alarm notifies (subscribe on-call here)"),
        }
        for output_id, (value, description) in outputs.items():
            CfnOutput(self, output_id, value=value, description=description)
