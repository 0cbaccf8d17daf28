"""Network of the registry and the credential vendor: isolated subnets, no internet path."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Aws, RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct

# Services the VPC functions call: the vendor (STS, KMS, Secrets Manager), Powertools (logs, X-Ray),
# and the Secrets Manager rotation function.
INTERFACE_ENDPOINTS: dict[str, ec2.InterfaceVpcEndpointAwsService] = {
    "Sts": ec2.InterfaceVpcEndpointAwsService.STS,
    "Kms": ec2.InterfaceVpcEndpointAwsService.KMS,
    "SecretsManager": ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
    "Logs": ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
    "XRay": ec2.InterfaceVpcEndpointAwsService.XRAY,
}


class Network(Construct):
    """A VPC with private isolated subnets only, reaching AWS APIs through interface endpoints.

    There is no internet gateway and no NAT gateway: the vendor reaches STS, KMS, Secrets Manager,
    CloudWatch Logs and X-Ray through interface endpoints with private DNS. Rejected and accepted
    traffic is recorded in VPC flow logs.

    Every endpoint has a policy that allows only the calls the functions make (``allow_calls``,
    declared by the construct that makes them); anything else through the endpoint is refused,
    e.g. writing to another account's resources with credentials brought into the VPC.

    Args:
        scope: Parent construct.
        construct_id: Construct id.
        cidr: IPv4 CIDR of the VPC.
        max_azs: Number of availability zones.
        log_retention: Retention of the flow log group.
        removal_policy: What happens to the flow log group when the stack is deleted.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cidr: str,
        max_azs: int,
        log_retention: logs.RetentionDays,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            ip_addresses=ec2.IpAddresses.cidr(cidr),
            max_azs=max_azs,
            nat_gateways=0,
            subnet_configuration=[
                ec2.SubnetConfiguration(name="isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=24)
            ],
            restrict_default_security_group=True,
        )
        flow_log_group = logs.LogGroup(self, "FlowLogs", retention=log_retention, removal_policy=removal_policy)
        self.vpc.add_flow_log("FlowLog", destination=ec2.FlowLogDestination.to_cloud_watch_logs(flow_log_group))
        self.subnets = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
        self.endpoints: dict[str, ec2.InterfaceVpcEndpoint] = {}
        for name, service in INTERFACE_ENDPOINTS.items():
            endpoint = self.vpc.add_interface_endpoint(
                name, service=service, subnets=self.subnets, private_dns_enabled=True, open=False
            )
            # HTTPS from inside the VPC only (the literal CIDR keeps the rule reviewable in the template).
            endpoint.connections.allow_default_port_from(ec2.Peer.ipv4(cidr), "HTTPS from the VPC")
            self.endpoints[name] = endpoint

        # Logs and traces of principals of this account only (Lambda itself ships the functions'
        # logs outside the VPC; these cover SDK calls from inside it).
        self.allow_calls(
            "Logs",
            "OwnAccountLogGroups",
            actions=["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            resources=[f"arn:{Aws.PARTITION}:logs:{Aws.REGION}:{Aws.ACCOUNT_ID}:log-group:*"],
        )
        self.allow_calls(
            "XRay",
            "OwnAccountTraces",
            actions=[
                "xray:PutTraceSegments",
                "xray:PutTelemetryRecords",
                "xray:GetSamplingRules",
                "xray:GetSamplingTargets",
            ],
            resources=["*"],
        )

    def allow_calls(
        self,
        endpoint: str,
        sid: str,
        *,
        actions: Sequence[str],
        resources: Sequence[str],
        principals: Sequence[iam.IRole] = (),
        any_account: bool = False,
    ) -> None:
        """Allow calls through one interface endpoint (its policy denies everything not allowed).

        Args:
            endpoint: Key of ``INTERFACE_ENDPOINTS``.
            sid: Statement id.
            actions: The API actions.
            resources: The resources they act on.
            principals: Only these roles may make the calls; any principal of this account when empty.
            any_account: Principals of any account (the IAM users of aksk customer accounts, whose
                keys call GetFederationToken); only with no ``principals``.
        """
        condition: dict[str, dict[str, object]]
        if principals:
            condition = {"ArnEquals": {"aws:PrincipalArn": [role.role_arn for role in principals]}}
        elif any_account:
            condition = {}
        else:
            condition = {"StringEquals": {"aws:PrincipalAccount": Aws.ACCOUNT_ID}}
        self.endpoints[endpoint].add_to_policy(
            iam.PolicyStatement(
                sid=sid,
                principals=[iam.AnyPrincipal()],
                actions=list(actions),
                resources=list(resources),
                conditions=condition or None,
            )
        )
