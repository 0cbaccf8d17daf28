"""Account administration: registers accounts and organizations, encrypts their secrets."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from account_registry.constants import ADMIN_DB_ROLE, ENV_VENDOR_ROLE_ARN
from credential_vendor.constants import (
    ENV_ALLOWED_LOG_GROUPS,
    ENV_CUSTOMER_ROLE_NAME_PATTERN,
    ENV_DEFAULT_REGION,
    ENV_KMS_KEY_ARN,
)
from stacks.constants import ADMIN_HANDLER, ADMIN_TIMEOUT_S, APP_NAME, COMPONENT_ADMIN, admin_function_name
from stacks.functions import VpcPythonFunction
from stacks.network import Network
from stacks.registry import Registry


class AccountAdmin(Construct):
    """Lambda that operators invoke (CLI or console) to manage the registry.

    It registers, lists, disables and rotates accounts and organizations (logged in to the registry
    as ``registry_operator``: read and write, no schema changes), generates ExternalIds,
    and encrypts long-lived secrets with the registry key (``kms:Encrypt`` only, granted by the
    key policy with the row's encryption context). It can never decrypt them.

    Args:
        scope: Parent construct.
        construct_id: Construct id.
        env_name: Environment name (part of the fixed function and role names).
        code: The shared ``lambdas/`` code asset.
        network: VPC and subnets.
        registry: The account registry.
        default_region: Region recorded for accounts registered without one.
        customer_role_name_pattern: Glob role ARNs must match when an ``iam_role`` account is registered.
        allowed_log_groups: The platform-wide default log-group allowlist (the vendor's), counted when an
            operator's allowlist entry is checked against the STS session policy limit.
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
        network: Network,
        registry: Registry,
        default_region: str,
        customer_role_name_pattern: str,
        allowed_log_groups: tuple[str, ...] = (),
        log_retention: logs.RetentionDays,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        self._fn = VpcPythonFunction(
            self,
            "Admin",
            code=code,
            handler=ADMIN_HANDLER,
            description="Registers and manages customer accounts in the registry (operators only)",
            vpc=network.vpc,
            subnets=network.subnets,
            environment={
                ENV_DEFAULT_REGION: default_region,
                ENV_CUSTOMER_ROLE_NAME_PATTERN: customer_role_name_pattern,
                ENV_ALLOWED_LOG_GROUPS: ",".join(allowed_log_groups),
                "POWERTOOLS_SERVICE_NAME": "account-admin",
            },
            timeout=Duration.seconds(ADMIN_TIMEOUT_S),
            log_retention=log_retention,
            removal_policy=removal_policy,
            component=COMPONENT_ADMIN,
            # Fixed names: the permissions boundary and the SCP of docs/deploy.md name them.
            role_name=f"{APP_NAME}-{env_name}-AccountAdmin-{Stack.of(self).region}",
            function_name=admin_function_name(env_name),
        )
        self.function = self._fn.function
        self.role = self._fn.role
        # Operators call the function through its URL with AWS_IAM auth: Lambda verifies the SigV4
        # signature and hands the handler the caller's ARN, the actor of every audit row. A direct
        # Invoke (no verified caller) is refused by the handler (docs/operations.md).
        self.url = self.function.add_function_url(auth_type=lambda_.FunctionUrlAuthType.AWS_IAM)
        self._network = network
        for name, value in registry.grant_login(self._fn, ADMIN_DB_ROLE).items():
            self.function.add_environment(name, value)

    def use_key(self, key: kms.IKey) -> None:
        """Tell the function which key encrypts registry secrets (permission comes from the key policy)."""
        self.function.add_environment(ENV_KMS_KEY_ARN, key.key_arn)
        self._network.allow_calls(
            "Kms", "AdminEncrypts", actions=["kms:Encrypt"], resources=[key.key_arn], principals=[self.role]
        )

    def use_vendor_role(self, role_arn: str) -> None:
        """The role customers' roles trust: printed with what a customer deploys at registration."""
        self.function.add_environment(ENV_VENDOR_ROLE_ARN, role_arn)
