"""Customer onboarding: the stack (and StackSet template) customers deploy in their own accounts."""

from __future__ import annotations

from typing import Any

from aws_cdk import BootstraplessSynthesizer, CfnOutput, CfnParameter, Stack, Stage
from constructs import Construct

from stacks.config import EnvironmentConfig
from stacks.constants import CUSTOMER_STACK_ID
from stacks.customer_role import CustomerReadOnlyRole

VENDOR_ROLE_ARN_PATTERN = r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$"
# STS ExternalId: 2-1224 characters of [\w+=,.@:/-].
EXTERNAL_ID_PATTERN = r"^[\w+=,.@:/-]{2,1224}$"


class CustomerRoleStack(Stack):
    """Creates the tools' read-only role in a customer account.

    Self-contained and parameterized (no assets, no CDK bootstrap), so the synthesized template can
    be deployed with ``cdk deploy``, the CloudFormation console, or as a StackSet across an
    organization. Parameters: ``VendorRoleArn`` (output of the platform stack), ``ExternalId``
    (generated when the organization was registered) and ``RoleName``.

    Args:
        scope: Parent construct.
        construct_id: Stack id.
        config: The platform environment whose role name pattern the role must match.
        **kwargs: Further ``Stack`` properties.
    """

    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, synthesizer=BootstraplessSynthesizer(), **kwargs)
        vendor_role_arn = CfnParameter(
            self,
            "VendorRoleArn",
            description="VendorRoleArn output of the platform stack: the credential vendor's role",
            allowed_pattern=VENDOR_ROLE_ARN_PATTERN,
            constraint_description="an IAM role ARN",
        )
        external_id = CfnParameter(
            self,
            "ExternalId",
            description="ExternalId the platform generated for your organization",
            no_echo=True,
            allowed_pattern=EXTERNAL_ID_PATTERN,
            constraint_description="2-1224 characters: letters, digits and +=,.@:/-_",
        )
        role_name = CfnParameter(
            self,
            "RoleName",
            description=f"Name of the role; must match {config.customer_role_name_pattern}",
            default=config.customer_role_name,
            allowed_pattern=rf"^{config.customer_role_name_prefix}[\w+=,.@-]*$",
            max_length=64,
        )
        customer_role = CustomerReadOnlyRole(
            self,
            "ReadOnly",
            vendor_role_arn=vendor_role_arn.value_as_string,
            external_id=external_id.value_as_string,
            role_name=role_name.value_as_string,
        )
        CfnOutput(self, "RoleArn", value=customer_role.role.role_arn, description="Register this ARN for the account")


class CustomerOnboardingStage(Stage):
    """Holds the customer stack apart from the platform stacks: ``cdk deploy --all`` skips it.

    Deploy it into a customer account with ``cdk deploy 'CustomerOnboarding/*' --parameters ...``
    or take the synthesized template from ``cdk.out/assembly-CustomerOnboarding/``.

    Args:
        scope: The app.
        construct_id: Stage id.
        config: The platform environment.
    """

    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig) -> None:
        super().__init__(scope, construct_id)
        self.stack = CustomerRoleStack(
            self,
            CUSTOMER_STACK_ID,
            config=config,
            description="Read-only role for the multi-account AWS tools (customer onboarding)",
        )
