"""The one way this application builds a Lambda function from ``lambdas/``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import Duration, RemovalPolicy, Tags
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.bundling import LAMBDA_ARCHITECTURE, LAMBDA_RUNTIME
from stacks.constants import COMPONENT_TAG, FUNCTION_MEMORY_MB
from stacks.nag import acknowledge

# What the Lambda service needs on the execution role to attach the function to the VPC
# (the actions of AWSLambdaVPCAccessExecutionRole; EC2 offers no resource-level scoping for them).
VPC_ENI_ACTIONS = (
    "ec2:AssignPrivateIpAddresses",
    "ec2:CreateNetworkInterface",
    "ec2:DeleteNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:UnassignPrivateIpAddresses",
)


class PythonFunction(Construct):
    """An ARM64 Python Lambda function with its own role and log group; in a VPC when given one.

    The execution role starts empty apart from what running requires: writing to the function's
    own log group, sending X-Ray traces and, in a VPC, managing its network interfaces. Callers
    add the function's real permissions explicitly. Without a VPC the function runs in the Lambda
    service's network (for functions that must reach public endpoints, such as a JWKS URL).

    Args:
        scope: Parent construct.
        construct_id: Construct id.
        code: The shared ``lambdas/`` code asset.
        handler: Dotted handler path relative to ``lambdas/``.
        description: What the function does.
        environment: Environment variables.
        timeout: Function timeout.
        log_retention: Retention of the function's log group.
        removal_policy: What happens to the log group when the stack is deleted.
        component: Value of the ``COMPONENT_TAG`` tag on the role; the permissions boundary and the
            service control policy in docs/deploy.md key on it.
        role_name: Optional fixed IAM role name (for roles other accounts trust or SCPs name).
        function_name: Optional fixed function name (for policies that must name it without a reference).
        memory_size_mb: Memory in MB.
        vpc: The VPC to run in (with ``subnets``); none: outside any VPC.
        subnets: Subnets of ``vpc`` to attach to.
    """

    security_group: ec2.SecurityGroup | None

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        code: lambda_.Code,
        handler: str,
        description: str,
        environment: Mapping[str, str],
        timeout: Duration,
        log_retention: logs.RetentionDays,
        removal_policy: RemovalPolicy,
        component: str,
        role_name: str | None = None,
        function_name: str | None = None,
        memory_size_mb: int = FUNCTION_MEMORY_MB,
        vpc: ec2.IVpc | None = None,
        subnets: ec2.SubnetSelection | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.log_group = logs.LogGroup(self, "Logs", retention=log_retention, removal_policy=removal_policy)
        self.role = iam.Role(
            self,
            "Role",
            role_name=role_name,
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Execution role: {description}"[:1000],
        )
        Tags.of(self.role).add(COMPONENT_TAG, component)
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="OwnLogGroup",
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[self.log_group.log_group_arn],
            )
        )
        self.security_group = None
        if vpc is not None:
            self.role.add_to_policy(
                iam.PolicyStatement(sid="VpcNetworkInterfaces", actions=list(VPC_ENI_ACTIONS), resources=["*"])
            )
            self.security_group = ec2.SecurityGroup(
                self, "SecurityGroup", vpc=vpc, description=f"{construct_id} Lambda function", allow_all_outbound=True
            )
        self.function = lambda_.Function(
            self,
            "Function",
            runtime=LAMBDA_RUNTIME,
            architecture=LAMBDA_ARCHITECTURE,
            code=code,
            handler=handler,
            function_name=function_name,
            description=description,
            role=self.role,
            timeout=timeout,
            memory_size=memory_size_mb,
            environment=dict(environment),
            vpc=vpc,
            vpc_subnets=subnets,
            security_groups=[self.security_group] if self.security_group is not None else None,
            tracing=lambda_.Tracing.ACTIVE,
            logging_format=lambda_.LoggingFormat.JSON,
            log_group=self.log_group,
        )
        acknowledge(
            self.role,
            "AwsSolutions-IAM5[Resource::*]",
            "X-Ray PutTraceSegments/PutTelemetryRecords"
            + (" and the EC2 network-interface actions of VPC attachment" if vpc is not None else "")
            + " do not support resource-level permissions.",
        )


class VpcPythonFunction(PythonFunction):
    """A ``PythonFunction`` in the isolated subnets of the VPC, with its own security group.

    Args:
        scope: Parent construct.
        construct_id: Construct id.
        vpc: The VPC to run in.
        subnets: Subnets of ``vpc`` to attach to.
        **props: The ``PythonFunction`` arguments.
    """

    security_group: ec2.SecurityGroup

    def __init__(
        self, scope: Construct, construct_id: str, *, vpc: ec2.IVpc, subnets: ec2.SubnetSelection, **props: Any
    ) -> None:
        super().__init__(scope, construct_id, vpc=vpc, subnets=subnets, **props)
