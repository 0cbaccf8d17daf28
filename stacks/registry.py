"""Account registry: PostgreSQL on RDS, its rotated credentials, and schema migrations on deploy."""

from __future__ import annotations

import hashlib

from aws_cdk import CustomResource, Duration, RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_rds as rds
from aws_cdk import custom_resources as cr
from constructs import Construct

from account_registry.constants import (
    ENV_REGISTRY_CA_BUNDLE,
    ENV_REGISTRY_DB_AUTH,
    ENV_REGISTRY_DB_HOST,
    ENV_REGISTRY_DB_PORT,
    ENV_REGISTRY_DB_USER,
    ENV_REGISTRY_MASTER_SECRET_ARN,
    MIGRATOR_DB_ROLE,
    RDS_CA_BUNDLE_IN_BUNDLE,
)
from credential_vendor.constants import ENV_REGISTRY_DB_NAME, ENV_REGISTRY_SSL
from stacks.constants import (
    COMPONENT_MIGRATIONS,
    MIGRATE_HANDLER,
    MIGRATE_TIMEOUT_S,
    MIGRATIONS_DIR,
    REGISTRY_ALLOCATED_STORAGE_GB,
    REGISTRY_DB_NAME,
    REGISTRY_DB_PORT,
    REGISTRY_DB_USER,
    REGISTRY_MAX_ALLOCATED_STORAGE_GB,
    SECRET_ROTATION_DAYS,
)
from stacks.functions import VpcPythonFunction
from stacks.nag import acknowledge, logical_id
from stacks.network import Network

POSTGRES_VERSION = rds.PostgresEngineVersion.VER_17_9
DB_LOG_EXPORTS = ("postgresql", "upgrade")


def migrations_fingerprint() -> str:
    """Hash of the SQL migrations; a change re-runs the migration custom resource."""
    digest = hashlib.sha256()
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")) if MIGRATIONS_DIR.is_dir() else []:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


class Registry(Construct):
    """The PostgreSQL account registry.

    An encrypted, private RDS PostgreSQL instance in the isolated subnets. Its master credentials
    are generated into Secrets Manager and rotated every ``SECRET_ROTATION_DAYS`` days; only the
    migration function (and the rotation) may read them. Every function logs in as its own
    database role with RDS IAM authentication (``grant_login``) over TLS verified against the RDS
    CA bundle; TLS is enforced (``rds.force_ssl``). Database logs go to CloudWatch Logs.

    Args:
        scope: Parent construct.
        construct_id: Construct id.
        env_name: Environment name, part of the DB instance identifier.
        network: The VPC, its isolated subnets (instance and rotation function) and its endpoints.
        instance_type: RDS instance type without ``db.`` (``t4g.micro``).
        multi_az: Multi-AZ deployment.
        deletion_protection: RDS deletion protection.
        backup_retention_days: Automated backup retention.
        retain_data: Take a final snapshot on deletion (otherwise the instance is destroyed).
        log_retention: Retention of the exported database logs.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        env_name: str,
        network: Network,
        instance_type: str,
        multi_az: bool,
        deletion_protection: bool,
        backup_retention_days: int,
        retain_data: bool,
        log_retention: logs.RetentionDays,
    ) -> None:
        super().__init__(scope, construct_id)
        vpc, subnets = network.vpc, network.subnets
        engine = rds.DatabaseInstanceEngine.postgres(version=POSTGRES_VERSION)
        identifier = f"account-tools-{env_name}-registry"
        log_removal = RemovalPolicy.RETAIN if retain_data else RemovalPolicy.DESTROY
        # Created up front so the retention applies (RDS would otherwise create them without one).
        log_groups = [
            logs.LogGroup(
                self,
                f"{export.capitalize()}Logs",
                log_group_name=f"/aws/rds/instance/{identifier}/{export}",
                retention=log_retention,
                removal_policy=log_removal,
            )
            for export in DB_LOG_EXPORTS
        ]
        self.instance = rds.DatabaseInstance(
            self,
            "Database",
            instance_identifier=identifier,
            engine=engine,
            instance_type=ec2.InstanceType(instance_type),
            vpc=vpc,
            vpc_subnets=subnets,
            port=REGISTRY_DB_PORT,
            credentials=rds.Credentials.from_generated_secret(REGISTRY_DB_USER),
            database_name=REGISTRY_DB_NAME,
            iam_authentication=True,
            storage_encrypted=True,
            storage_type=rds.StorageType.GP3,
            allocated_storage=REGISTRY_ALLOCATED_STORAGE_GB,
            max_allocated_storage=REGISTRY_MAX_ALLOCATED_STORAGE_GB,
            multi_az=multi_az,
            deletion_protection=deletion_protection,
            backup_retention=Duration.days(backup_retention_days),
            delete_automated_backups=not retain_data,
            publicly_accessible=False,
            parameter_group=rds.ParameterGroup(
                self, "Parameters", engine=engine, parameters={"rds.force_ssl": "1"}, description="TLS only"
            ),
            cloudwatch_logs_exports=list(DB_LOG_EXPORTS),
            auto_minor_version_upgrade=True,
            copy_tags_to_snapshot=True,
            removal_policy=RemovalPolicy.SNAPSHOT if retain_data else RemovalPolicy.DESTROY,
        )
        for log_group in log_groups:
            self.instance.node.add_dependency(log_group)
        secret = self.instance.secret
        if secret is None:  # pragma: no cover - from_generated_secret always creates one
            raise RuntimeError("the registry instance has no generated secret")
        self.secret = secret
        self.rotation = self.instance.add_rotation_single_user(
            automatically_after=Duration.days(SECRET_ROTATION_DAYS), vpc_subnets=subnets
        )

        # The rotation function (a Secrets Manager application, principal of this account) works on
        # the secret through the Secrets Manager endpoint.
        network.allow_calls(
            "SecretsManager",
            "RotateRegistrySecret",
            actions=[
                "secretsmanager:DescribeSecret",
                "secretsmanager:GetSecretValue",
                "secretsmanager:PutSecretValue",
                "secretsmanager:UpdateSecretVersionStage",
            ],
            resources=[self.secret.secret_arn],
        )
        network.allow_calls(
            "SecretsManager", "GeneratePasswords", actions=["secretsmanager:GetRandomPassword"], resources=["*"]
        )
        acknowledge(
            self.instance,
            "AwsSolutions-RDS11",
            "A non-default port adds no protection here: the instance has no public address and its "
            "security group only admits the registry's own functions.",
        )
        if not multi_az:
            acknowledge(
                self.instance,
                "AwsSolutions-RDS3",
                f"Environment '{env_name}' is configured single-AZ (db_multi_az=false) to save cost; "
                "production environments set db_multi_az=true.",
            )
        if not deletion_protection:
            acknowledge(
                self.instance,
                "AwsSolutions-RDS10",
                f"Environment '{env_name}' disables deletion protection (db_deletion_protection=false) so "
                "it can be destroyed with the stack; production environments enable it.",
            )

    def grant_login(self, fn: VpcPythonFunction, db_user: str) -> dict[str, str]:
        """Let a function reach the database port and log in as ``db_user`` with RDS IAM authentication.

        Returns:
            The environment variables that tell the function how to log in (``account_registry.settings``).
        """
        self.instance.connections.allow_default_port_from(fn.security_group, f"{fn.node.id} to registry")
        self.instance.grant_connect(fn.role, db_user)
        return {
            ENV_REGISTRY_DB_AUTH: "iam",
            ENV_REGISTRY_DB_HOST: self.instance.db_instance_endpoint_address,
            ENV_REGISTRY_DB_PORT: str(REGISTRY_DB_PORT),
            ENV_REGISTRY_DB_NAME: REGISTRY_DB_NAME,
            ENV_REGISTRY_DB_USER: db_user,
            ENV_REGISTRY_SSL: "verify-full",
            ENV_REGISTRY_CA_BUNDLE: RDS_CA_BUNDLE_IN_BUNDLE,
        }

    def grant_master_secret(self, fn: VpcPythonFunction) -> None:
        """Let one function read the master user's secret (the migrations, to create the function roles)."""
        self.secret.grant_read(fn.role)


class RegistryMigrations(Construct):
    """Applies the SQL migrations of ``lambdas/account_registry/migrations`` on every deploy that changes them.

    A CloudFormation custom resource (CDK Provider framework) calls the migration function, which
    runs inside the VPC with read access to the registry secret. The resource's properties carry a
    hash of the migrations, so a new migration file triggers an update.

    Args:
        scope: Parent construct.
        construct_id: Construct id.
        registry: The registry to migrate.
        code: The shared ``lambdas/`` code asset.
        network: The VPC, its isolated subnets and endpoints.
        log_retention: Retention of the function's log groups.
        removal_policy: What happens to the log groups when the stack is deleted.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        registry: Registry,
        code: lambda_.Code,
        network: Network,
        log_retention: logs.RetentionDays,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        self.function = VpcPythonFunction(
            self,
            "Migrate",
            code=code,
            handler=MIGRATE_HANDLER,
            description="Applies the account registry's SQL migrations (CloudFormation custom resource)",
            vpc=network.vpc,
            subnets=network.subnets,
            environment={},
            timeout=Duration.seconds(MIGRATE_TIMEOUT_S),
            log_retention=log_retention,
            removal_policy=removal_policy,
            component=COMPONENT_MIGRATIONS,
        )
        for name, value in registry.grant_login(self.function, MIGRATOR_DB_ROLE).items():
            self.function.function.add_environment(name, value)
        self.function.function.add_environment(ENV_REGISTRY_MASTER_SECRET_ARN, registry.secret.secret_arn)
        registry.grant_master_secret(self.function)
        network.allow_calls(
            "SecretsManager",
            "MigrationsReadMasterSecret",
            actions=["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
            resources=[registry.secret.secret_arn],
            principals=[self.function.role],
        )
        provider = cr.Provider(
            self,
            "Provider",
            on_event_handler=self.function.function,
            log_group=logs.LogGroup(self, "ProviderLogs", retention=log_retention, removal_policy=removal_policy),
        )
        self.resource = CustomResource(
            self,
            "Resource",
            service_token=provider.service_token,
            resource_type="Custom::RegistryMigrations",
            properties={
                "MigrationsHash": migrations_fingerprint(),
                "DatabaseEndpoint": registry.instance.db_instance_endpoint_address,
            },
        )
        self.schema_version = self.resource.get_att_string("SchemaVersion")
        acknowledge(
            provider,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
            "The CDK Provider framework's own function uses the AWS basic execution policy to write its logs.",
        )
        acknowledge(
            provider,
            f"AwsSolutions-IAM5[Resource::<{logical_id(self.function.function)}.Arn>:*]",
            "The Provider framework may invoke any version or alias of the migration function, and only that function.",
        )
