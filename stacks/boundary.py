"""The permissions boundary on every IAM role of the platform stack.

A Lambda resource policy cannot stop a principal of the same account whose identity policy allows
``lambda:InvokeFunction``: an accidental grant to any role of this app would reach the vendor. The
boundary is the ceiling no identity policy of the app's roles can exceed, whatever is added later:
only the runtime may invoke the vendor, only the Gateway may invoke its interceptor (which signs
caller assertions) and no role may change it, no role may invoke the admin function (operators
do, from outside the app), only the vendor and the admin function may use the registry key with
a row's encryption context, only the migrations may read the master user's secret, only the registry
functions may log in to the database, and no role may change IAM (so none can lift its boundary).
Roles are told apart by the ``COMPONENT_TAG`` tag, which no role of the app can change.
"""

from __future__ import annotations

from aws_cdk import Aws
from aws_cdk import aws_iam as iam
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from credential_vendor.constants import ENCRYPTION_CONTEXT_ACCOUNT_KEY
from stacks.constants import (
    COMPONENT_ADMIN,
    COMPONENT_GATEWAY,
    COMPONENT_MIGRATIONS,
    COMPONENT_RUNTIME,
    COMPONENT_TAG,
    COMPONENT_VENDOR,
    admin_function_name,
    interceptor_function_name,
    vendor_function_name,
)
from stacks.nag import acknowledge

INVOKE_ACTIONS = ("lambda:InvokeFunction", "lambda:InvokeFunctionUrl")
# Changing a registry function's code, configuration or resource policy is as good as invoking it.
MODIFY_FUNCTION_ACTIONS = (
    "lambda:AddPermission",
    "lambda:CreateFunctionUrlConfig",
    "lambda:DeleteFunction*",
    "lambda:PutFunction*",
    "lambda:RemovePermission",
    "lambda:UpdateFunction*",
)
KEY_USE_ACTIONS = ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*")


def function_arns(name: str) -> list[str]:
    """The ARN of a function of this stack's account and region, and of its versions and aliases."""
    arn = f"arn:{Aws.PARTITION}:lambda:{Aws.REGION}:{Aws.ACCOUNT_ID}:function:{name}"
    return [arn, f"{arn}:*"]


class RoleBoundary(Construct):
    """A managed policy used as the permissions boundary of every role in the stack (``apply_to``).

    Args:
        scope: Parent construct.
        construct_id: Construct id.
        env_name: Environment name (the registry functions' fixed names).
        master_secret: The registry's master user secret.
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, env_name: str, master_secret: secretsmanager.ISecret
    ) -> None:
        super().__init__(scope, construct_id)
        component = f"aws:PrincipalTag/{COMPONENT_TAG}"
        vendor = function_arns(vendor_function_name(env_name))
        admin = function_arns(admin_function_name(env_name))
        interceptor = function_arns(interceptor_function_name(env_name))
        statements = [
            iam.PolicyStatement(sid="CeilingOfIdentityPolicies", actions=["*"], resources=["*"]),
            iam.PolicyStatement(
                sid="NoIamOrOrganizationChanges",
                effect=iam.Effect.DENY,
                actions=["iam:*", "organizations:*", "account:*"],
                resources=["*"],
            ),
            iam.PolicyStatement(
                sid="NoRoleInvokesTheAdminFunction",
                effect=iam.Effect.DENY,
                actions=list(INVOKE_ACTIONS),
                resources=admin,
            ),
            iam.PolicyStatement(
                sid="OnlyTheRuntimeInvokesTheVendor",
                effect=iam.Effect.DENY,
                actions=list(INVOKE_ACTIONS),
                resources=vendor,
                conditions={"StringNotEquals": {component: COMPONENT_RUNTIME}},
            ),
            iam.PolicyStatement(
                sid="NoRoleChangesTheRegistryFunctions",
                effect=iam.Effect.DENY,
                actions=list(MODIFY_FUNCTION_ACTIONS),
                resources=vendor + admin,
            ),
            iam.PolicyStatement(
                sid="OnlyTheGatewayInvokesTheInterceptor",
                effect=iam.Effect.DENY,
                actions=list(INVOKE_ACTIONS),
                resources=interceptor,
                conditions={"StringNotEquals": {component: COMPONENT_GATEWAY}},
            ),
            iam.PolicyStatement(
                sid="NoRoleChangesTheInterceptor",
                effect=iam.Effect.DENY,
                actions=list(MODIFY_FUNCTION_ACTIONS),
                resources=interceptor,
            ),
            iam.PolicyStatement(
                sid="OnlyVendorAndAdminUseRegistryKeys",
                effect=iam.Effect.DENY,
                actions=list(KEY_USE_ACTIONS),
                resources=["*"],
                conditions={
                    "ForAnyValue:StringEquals": {"kms:EncryptionContextKeys": ENCRYPTION_CONTEXT_ACCOUNT_KEY},
                    "StringNotEquals": {component: [COMPONENT_VENDOR, COMPONENT_ADMIN]},
                },
            ),
            iam.PolicyStatement(
                sid="OnlyMigrationsReadTheMasterSecret",
                effect=iam.Effect.DENY,
                actions=["secretsmanager:GetSecretValue"],
                resources=[master_secret.secret_arn],
                conditions={"StringNotEquals": {component: COMPONENT_MIGRATIONS}},
            ),
            iam.PolicyStatement(
                sid="OnlyRegistryFunctionsLogInToTheDatabase",
                effect=iam.Effect.DENY,
                actions=["rds-db:connect"],
                resources=["*"],
                conditions={"StringNotEquals": {component: [COMPONENT_VENDOR, COMPONENT_ADMIN, COMPONENT_MIGRATIONS]}},
            ),
        ]
        self.policy = iam.ManagedPolicy(
            self,
            "Policy",
            description=f"Permissions boundary of every role of account-tools ({env_name})",
            statements=statements,
        )
        acknowledge(
            self.policy,
            "AwsSolutions-IAM5[Action::*]",
            "A permissions boundary is a ceiling, not a grant: it allows what the roles' own least-privilege "
            "policies allow and denies the registry's critical actions to every role but the intended one.",
        )
        acknowledge(
            self.policy,
            "AwsSolutions-IAM5[Resource::*]",
            "The boundary's ceiling covers every resource; its Deny statements pin the registry functions, "
            "key use (by encryption context), the master secret and database logins.",
        )

    def apply_to(self, scope: Construct) -> None:
        """Set the boundary on every role created in ``scope`` (including CDK-provided roles)."""
        iam.PermissionsBoundary.of(scope).apply(self.policy)
