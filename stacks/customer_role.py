"""The read-only role a customer creates in their own account so the tools can reach it."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from constructs import Construct

from credential_vendor.scopes import union_of_actions
from stacks.nag import acknowledge


class CustomerReadOnlyRole(Construct):
    """IAM role in a customer account, assumable only by our credential vendor role.

    The trust policy allows ``sts:AssumeRole`` and ``sts:SetSourceIdentity`` for the vendor role,
    both only with the customer's ExternalId. Its permissions are the union of every tool scope
    (read-only actions); each vend narrows them further with a session policy for one scope.

    Args:
        scope: Parent construct.
        construct_id: Construct id.
        vendor_role_arn: ARN of the credential vendor's execution role.
        external_id: The ExternalId the platform generated for the customer's organization.
        role_name: Name of the role; must match the vendor's role name pattern.
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, vendor_role_arn: str, external_id: str, role_name: str
    ) -> None:
        super().__init__(scope, construct_id)
        vendor = iam.ArnPrincipal(vendor_role_arn)
        external_id_condition = {"StringEquals": {"sts:ExternalId": external_id}}
        self.role = iam.Role(
            self,
            "Role",
            role_name=role_name,
            description="Read-only access for the multi-account AWS tools (assumed by the credential vendor)",
            assumed_by=vendor.with_conditions(external_id_condition),
            max_session_duration=Duration.hours(1),
        )
        assume_role_policy = self.role.assume_role_policy
        if assume_role_policy is None:  # pragma: no cover - a Role always has a trust policy
            raise RuntimeError("role without trust policy")
        assume_role_policy.add_statements(
            iam.PolicyStatement(
                sid="VendorSetsSourceIdentity",
                principals=[vendor],
                actions=["sts:SetSourceIdentity"],
                conditions=external_id_condition,
            )
        )
        self.role.attach_inline_policy(
            iam.Policy(
                self,
                "ToolScopes",
                statements=[
                    iam.PolicyStatement(sid="UnionOfToolScopes", actions=union_of_actions(), resources=["*"]),
                ],
            )
        )
        # The same read-only actions as the role's ceiling: nothing attached later can widen it.
        boundary = iam.ManagedPolicy(
            self,
            "Boundary",
            description="Permissions boundary of the account-tools read-only role: the tools' read actions only",
            statements=[iam.PolicyStatement(sid="ToolScopesOnly", actions=union_of_actions(), resources=["*"])],
        )
        iam.PermissionsBoundary.of(self.role).apply(boundary)
        acknowledge(
            self,
            "AwsSolutions-IAM5[Resource::*]",
            "Cost Explorer, CloudTrail LookupEvents/Lake and Logs Insights query actions are read-only and "
            "mostly lack resource-level permissions; every session is narrowed by a per-scope session policy "
            "(log groups pinned to the allowlist).",
        )
