"""Network isolation, the registry database and its migrations, and per-environment settings."""

from __future__ import annotations

import pytest

from stacks.constants import ADMIN_HANDLER, MIGRATE_HANDLER, PYTHON_VERSION, SECRET_ROTATION_DAYS, VENDOR_HANDLER
from stacks.registry import migrations_fingerprint
from tests.infra.synth import Synthesized
from tests.infra.template_queries import Json, joined, only, props, referenced_id, resources

pytestmark = pytest.mark.infra

REQUIRED_ENDPOINT_SERVICES = ("sts", "kms", "secretsmanager", "logs")


def subnet_type(template: Json, subnet_id: str) -> str:
    tags = {t["Key"]: t["Value"] for t in props(template["Resources"][subnet_id]).get("Tags", [])}
    return str(tags["aws-cdk:subnet-type"])


def test_vpc_has_no_internet_path(dev: Synthesized) -> None:
    template = dev.platform
    for resource_type in ("AWS::EC2::InternetGateway", "AWS::EC2::NatGateway", "AWS::EC2::EgressOnlyInternetGateway"):
        assert resources(template, resource_type) == {}
    subnets = resources(template, "AWS::EC2::Subnet")
    assert subnets
    assert {subnet_type(template, sid) for sid in subnets} == {"Isolated"}
    assert all(props(s)["MapPublicIpOnLaunch"] is False for s in subnets.values())


def test_vpc_has_interface_endpoints_for_the_vendor(dev: Synthesized) -> None:
    endpoints = resources(dev.platform, "AWS::EC2::VPCEndpoint").values()
    services = {joined(props(e)["ServiceName"]).rsplit(".", 1)[-1] for e in endpoints}
    assert set(REQUIRED_ENDPOINT_SERVICES) <= services
    assert all(props(e)["VpcEndpointType"] == "Interface" and props(e)["PrivateDnsEnabled"] for e in endpoints)


@pytest.mark.parametrize("handler", [VENDOR_HANDLER, ADMIN_HANDLER, MIGRATE_HANDLER])
def test_functions_are_arm64_python_in_isolated_subnets(dev: Synthesized, handler: str) -> None:
    # Given a registry function
    template = dev.platform
    _, fn = only(
        {r: f for r, f in resources(template, "AWS::Lambda::Function").items() if props(f).get("Handler") == handler}
    )

    # Then it runs on ARM64 with the project's one Python version, traced, in the isolated subnets only
    assert props(fn)["Architectures"] == ["arm64"]
    assert props(fn)["Runtime"] == f"python{PYTHON_VERSION}"
    assert props(fn)["TracingConfig"] == {"Mode": "Active"}
    subnet_ids = [referenced_id(s) for s in props(fn)["VpcConfig"]["SubnetIds"]]
    assert subnet_ids
    assert {subnet_type(template, s) for s in subnet_ids} == {"Isolated"}


def test_registry_database_is_encrypted_private_and_tls_only(dev: Synthesized) -> None:
    # Given the registry instance
    template = dev.platform
    _, db = only(resources(template, "AWS::RDS::DBInstance"))
    db_props = props(db)

    # Then storage is encrypted and the instance has no public address
    assert db_props["StorageEncrypted"] is True
    assert db_props["PubliclyAccessible"] is False
    assert db_props["Engine"] == "postgres"
    # And it lives in the isolated subnets
    subnet_group = template["Resources"][referenced_id(db_props["DBSubnetGroupName"])]
    assert {subnet_type(template, referenced_id(s)) for s in props(subnet_group)["SubnetIds"]} == {"Isolated"}
    # And connections must use TLS
    parameters = template["Resources"][referenced_id(db_props["DBParameterGroupName"])]
    assert props(parameters)["Parameters"]["rds.force_ssl"] == "1"
    # And the credentials are generated into Secrets Manager and rotated
    _, rotation = only(resources(template, "AWS::SecretsManager::RotationSchedule"))
    assert props(rotation)["RotationRules"]["ScheduleExpression"] == f"rate({SECRET_ROTATION_DAYS} days)"
    attachment = template["Resources"][referenced_id(props(rotation)["SecretId"])]
    assert attachment["Type"] == "AWS::SecretsManager::SecretTargetAttachment"
    assert referenced_id(props(attachment)["TargetId"]) == only(resources(template, "AWS::RDS::DBInstance"))[0]


def test_database_admits_only_the_registry_functions(dev: Synthesized) -> None:
    # Given the database security group's ingress rules
    template = dev.platform
    _, db = only(resources(template, "AWS::RDS::DBInstance"))
    db_sg = referenced_id(props(db)["VPCSecurityGroups"][0])
    ingress = [
        props(r)
        for r in resources(template, "AWS::EC2::SecurityGroupIngress").values()
        if referenced_id(props(r)["GroupId"]) == db_sg
    ]
    sources = {referenced_id(i["SourceSecurityGroupId"]) for i in ingress}

    # Then every source is the security group of a VPC function (or the rotation application), never a CIDR
    function_sgs = {
        referenced_id(sg)
        for fn in resources(template, "AWS::Lambda::Function").values()
        for sg in props(fn).get("VpcConfig", {}).get("SecurityGroupIds", [])
    }
    assert len(function_sgs) == 3
    assert function_sgs <= sources
    assert all("CidrIp" not in i for i in ingress)


def test_migrations_run_on_deploy_when_they_change(dev: Synthesized) -> None:
    template = dev.platform
    _, migrations = only(resources(template, "Custom::RegistryMigrations"))
    db_id, _ = only(resources(template, "AWS::RDS::DBInstance"))
    # A new migration file or a replaced database changes the properties, so CloudFormation re-runs it.
    assert props(migrations)["MigrationsHash"] == migrations_fingerprint()
    assert referenced_id(props(migrations)["DatabaseEndpoint"]) == db_id


def test_environments_differ_only_through_their_settings(dev: Synthesized, prod: Synthesized) -> None:
    # Given the dev and prod registry instances
    dev_db = props(only(resources(dev.platform, "AWS::RDS::DBInstance"))[1])
    prod_db = props(only(resources(prod.platform, "AWS::RDS::DBInstance"))[1])

    # Then prod is protected, multi-AZ and keeps backups longer; dev is disposable
    assert (dev_db["MultiAZ"], dev_db["DeletionProtection"], dev_db["BackupRetentionPeriod"]) == (False, False, 1)
    assert (prod_db["MultiAZ"], prod_db["DeletionProtection"], prod_db["BackupRetentionPeriod"]) == (True, True, 14)
    assert only(resources(prod.platform, "AWS::RDS::DBInstance"))[1]["DeletionPolicy"] == "Snapshot"
    assert only(resources(dev.platform, "AWS::RDS::DBInstance"))[1]["DeletionPolicy"] == "Delete"
    assert dev_db["DBInstanceClass"] == "db.t4g.micro"
    assert prod_db["DBInstanceClass"] == "db.t4g.small"
    # And the VPC CIDR follows the configuration
    assert props(only(resources(prod.platform, "AWS::EC2::VPC"))[1])["CidrBlock"] == prod.app.config.vpc_cidr


def test_vendor_reaches_sts_through_the_regional_endpoint(dev: Synthesized) -> None:
    # The global sts.amazonaws.com has no VPC endpoint; without NAT only the regional one answers.
    _, fn = only(
        {
            r: f
            for r, f in resources(dev.platform, "AWS::Lambda::Function").items()
            if props(f).get("Handler") == VENDOR_HANDLER
        }
    )
    assert props(fn)["Environment"]["Variables"]["AWS_STS_REGIONAL_ENDPOINTS"] == "regional"


def test_first_password_rotation_waits_for_the_migrations(dev: Synthesized) -> None:
    template = dev.platform
    migrations_id, _ = only(resources(template, "Custom::RegistryMigrations"))
    _, schedule = only(resources(template, "AWS::SecretsManager::RotationSchedule"))
    rotation_app = template["Resources"][referenced_id(props(schedule)["RotationLambdaARN"])]
    assert migrations_id in rotation_app.get("DependsOn", [])
