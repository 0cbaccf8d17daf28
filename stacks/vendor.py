"""The credential vendor: the only component that reads the registry and decrypts its secrets."""

from __future__ import annotations

from aws_cdk import Aws, Duration, RemovalPolicy, Stack, Tags
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from account_registry.constants import VENDOR_DB_ROLE
from credential_vendor.constants import (
    ENV_ALLOWED_LOG_GROUPS,
    ENV_CUSTOMER_ROLE_NAME_PATTERN,
    ENV_DEFAULT_REGION,
    ENV_KMS_KEY_ARN,
    ENV_SESSION_DURATION_S,
    METRICS_NAMESPACE,
    POWERTOOLS_SERVICE_NAME,
)
from stacks.constants import (
    APP_NAME,
    COMPONENT_RUNTIME,
    COMPONENT_TAG,
    COMPONENT_VENDOR,
    ENV_ASSERTION_KEY_ID,
    VENDOR_HANDLER,
    VENDOR_TIMEOUT_S,
    vendor_function_name,
)
from stacks.functions import VpcPythonFunction
from stacks.nag import acknowledge
from stacks.network import Network
from stacks.registry import Registry

# sts:AssumeRole plus SetSourceIdentity, which AssumeRole needs when it passes SourceIdentity.
ASSUME_CUSTOMER_ROLE_ACTIONS = ("sts:AssumeRole", "sts:SetSourceIdentity")


def customer_role_arn_pattern(role_name_pattern: str) -> str:
    """IAM resource ARN matching the customer role name pattern in any account."""
    return f"arn:{Aws.PARTITION}:iam::*:role/{role_name_pattern}"


class CredentialVendor(Construct):
    """Lambda that vends short-lived, down-scoped credentials for registered customer accounts.

    Runs in the isolated subnets (STS and KMS through VPC endpoints). Its role may log in to the
    registry as ``registry_vendor`` (read only, RDS IAM authentication), assume only customer roles
    whose name matches ``customer_role_name_pattern`` (with ``sts:SetSourceIdentity``), and decrypt
    registry secrets through the registry key's policy.
    Nobody may invoke it until ``allow_invoke_only_by`` names the one role that may.

    Args:
        scope: Parent construct.
        construct_id: Construct id.
        env_name: Environment name (part of the fixed role name customers trust).
        code: The shared ``lambdas/`` code asset.
        network: VPC and subnets.
        registry: The account registry.
        allowed_log_groups: Log groups the logs scope's session policy may name.
        default_region: Region used when the request and the registry name none.
        session_duration_s: Default lifetime of vended credentials.
        customer_role_name_pattern: Glob of customer role names the vendor may assume.
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
        allowed_log_groups: tuple[str, ...],
        default_region: str,
        session_duration_s: int,
        customer_role_name_pattern: str,
        log_retention: logs.RetentionDays,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        self._fn = VpcPythonFunction(
            self,
            "Vendor",
            code=code,
            handler=VENDOR_HANDLER,
            description="Vends short-lived, scoped credentials for registered customer accounts",
            vpc=network.vpc,
            subnets=network.subnets,
            environment={
                ENV_ALLOWED_LOG_GROUPS: ",".join(allowed_log_groups),
                ENV_DEFAULT_REGION: default_region,
                ENV_SESSION_DURATION_S: str(session_duration_s),
                ENV_CUSTOMER_ROLE_NAME_PATTERN: customer_role_name_pattern,
                "POWERTOOLS_SERVICE_NAME": POWERTOOLS_SERVICE_NAME,
                "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
                # The VPC has no internet path: STS must be the regional endpoint (served by the
                # interface endpoint), never the global sts.amazonaws.com.
                "AWS_STS_REGIONAL_ENDPOINTS": "regional",
            },
            timeout=Duration.seconds(VENDOR_TIMEOUT_S),
            log_retention=log_retention,
            removal_policy=removal_policy,
            component=COMPONENT_VENDOR,
            # A fixed name: customer trust policies name this role.
            role_name=f"{APP_NAME}-{env_name}-CredentialVendor-{Stack.of(self).region}",
            # A fixed name: the permissions boundary and the SCP name the function.
            function_name=vendor_function_name(env_name),
        )
        self.function = self._fn.function
        self.role = self._fn.role
        self._network = network
        for name, value in registry.grant_login(self._fn, VENDOR_DB_ROLE).items():
            self.function.add_environment(name, value)
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="AssumeCustomerReadOnlyRoles",
                actions=list(ASSUME_CUSTOMER_ROLE_ACTIONS),
                resources=[customer_role_arn_pattern(customer_role_name_pattern)],
            )
        )
        network.allow_calls(
            "Sts",
            "VendorAssumesCustomerRoles",
            actions=list(ASSUME_CUSTOMER_ROLE_ACTIONS),
            resources=[customer_role_arn_pattern(customer_role_name_pattern)],
            principals=[self.role],
        )
        # aksk accounts: the customer's IAM user (any account) federates with its own keys.
        network.allow_calls(
            "Sts",
            "AkskUsersFederate",
            actions=["sts:GetFederationToken"],
            resources=[f"arn:{Aws.PARTITION}:sts::*:federated-user/*"],
            any_account=True,
        )
        acknowledge(
            self.role,
            f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/{customer_role_name_pattern}]",
            "The vendor serves every registered customer account, so the account is a wildcard; the "
            "role name is pinned to the onboarding pattern and each call carries the customer's ExternalId.",
        )

    def use_key(self, key: kms.IKey) -> None:
        """Tell the function which key decrypts registry secrets (permission comes from the key policy)."""
        self.function.add_environment(ENV_KMS_KEY_ARN, key.key_arn)
        self._network.allow_calls(
            "Kms", "VendorDecrypts", actions=["kms:Decrypt"], resources=[key.key_arn], principals=[self.role]
        )

    def use_assertion_key(self, key_arn: str) -> None:
        """Tell the function which key verifies caller assertions (permission comes from the key policy).

        The vendor reads the public key (or calls ``kms:Verify``) through the KMS endpoint of the VPC.
        """
        self.function.add_environment(ENV_ASSERTION_KEY_ID, key_arn)
        self._network.allow_calls(
            "Kms",
            "VendorVerifiesCallerAssertions",
            actions=["kms:GetPublicKey", "kms:Verify"],
            resources=[key_arn],
            principals=[self.role],
        )

    def allow_invoke_only_by(self, role: iam.IRole) -> None:
        """Make ``role`` the one principal allowed to invoke the vendor (resource policy + identity policy).

        The role is tagged as the runtime: the permissions boundary denies invoking the vendor to
        every other role of the app, and the SCP of docs/deploy.md to every other principal.
        """
        Tags.of(role).add(COMPONENT_TAG, COMPONENT_RUNTIME)
        self.function.add_permission(
            "InvokeByRuntimeRole",
            principal=iam.ArnPrincipal(role.role_arn),
            action="lambda:InvokeFunction",
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="InvokeCredentialVendor",
                actions=["lambda:InvokeFunction"],
                resources=[self.function.function_arn],
            )
        )
