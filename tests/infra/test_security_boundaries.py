"""IAM is the boundary: the permissions boundary on every role, per-function database logins,
VPC endpoint policies, the registry key's policy, and the vendor's timeout. Asserted on the
synthesized templates with aws_cdk.assertions."""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from typing import Any

import pytest
from aws_cdk.assertions import Capture, Match, Template

from account_registry.constants import (
    ADMIN_DB_ROLE,
    MIGRATOR_DB_ROLE,
    RDS_CA_BUNDLE_IN_BUNDLE,
    VENDOR_DB_ROLE,
)
from credential_vendor.constants import ENCRYPTION_CONTEXT_ACCOUNT_KEY
from stacks.constants import (
    ADMIN_HANDLER,
    COMPONENT_ADMIN,
    COMPONENT_GATEWAY,
    COMPONENT_INTERCEPTOR,
    COMPONENT_MIGRATIONS,
    COMPONENT_RUNTIME,
    COMPONENT_TAG,
    COMPONENT_VENDOR,
    INTERCEPTOR_HANDLER,
    MIGRATE_HANDLER,
    REPO_ROOT,
    VENDOR_HANDLER,
    VENDOR_TIMEOUT_S,
)
from tests.infra.synth import Synthesized
from tests.infra.template_queries import (
    as_list,
    assertion_key,
    joined,
    only,
    props,
    referenced_id,
    registry_key,
    resources,
    role_statements,
)

pytestmark = pytest.mark.infra

HANDLERS = {VENDOR_HANDLER: VENDOR_DB_ROLE, ADMIN_HANDLER: ADMIN_DB_ROLE, MIGRATE_HANDLER: MIGRATOR_DB_ROLE}
COMPONENTS = {VENDOR_HANDLER: COMPONENT_VENDOR, ADMIN_HANDLER: COMPONENT_ADMIN, MIGRATE_HANDLER: COMPONENT_MIGRATIONS}


@pytest.fixture(scope="module")
def platform(dev: Synthesized) -> Template:
    return Template.from_json(dev.platform)


def function(template: dict[str, Any], handler: str) -> tuple[str, dict[str, Any]]:
    return only(
        {r: f for r, f in resources(template, "AWS::Lambda::Function").items() if props(f).get("Handler") == handler}
    )


def role_of(template: dict[str, Any], handler: str) -> str:
    return referenced_id(props(function(template, handler)[1])["Role"])


# -- permissions boundary ------------------------------------------------------------------------------


def test_every_role_of_the_platform_has_the_one_boundary(dev: Synthesized, platform: Template) -> None:
    boundary = Capture()
    roles = platform.find_resources("AWS::IAM::Role")
    assert len(roles) >= 8  # ours and CDK's custom-resource providers
    platform.all_resources_properties("AWS::IAM::Role", {"PermissionsBoundary": {"Ref": boundary}})
    assert dev.platform["Resources"][boundary.as_string()]["Type"] == "AWS::IAM::ManagedPolicy"


def test_the_customer_role_has_a_boundary_too(dev: Synthesized) -> None:
    customer = Template.from_json(dev.customer)
    boundary = Capture()
    customer.all_resources_properties("AWS::IAM::Role", {"PermissionsBoundary": {"Ref": boundary}})
    document = props(dev.customer["Resources"][boundary.as_string()])["PolicyDocument"]
    assert all(s["Effect"] == "Allow" and "*" not in as_list(s["Action"]) for s in document["Statement"])


def boundary_statements(dev: Synthesized) -> dict[str, dict[str, Any]]:
    policies = [
        p
        for p in resources(dev.platform, "AWS::IAM::ManagedPolicy").values()
        if "Permissions boundary" in props(p).get("Description", "")
    ]
    (policy,) = policies
    return {s["Sid"]: s for s in props(policy)["PolicyDocument"]["Statement"]}


def test_the_boundary_keeps_the_registry_to_its_intended_roles(dev: Synthesized) -> None:
    statements = boundary_statements(dev)
    tag = f"aws:PrincipalTag/{COMPONENT_TAG}"
    vendor_name = props(function(dev.platform, VENDOR_HANDLER)[1])["FunctionName"]
    admin_name = props(function(dev.platform, ADMIN_HANDLER)[1])["FunctionName"]

    # Only the runtime invokes the vendor; no role of the app invokes the admin function
    vendor = statements["OnlyTheRuntimeInvokesTheVendor"]
    assert vendor["Effect"] == "Deny"
    assert "lambda:InvokeFunction" in vendor["Action"]
    assert [joined(r).rsplit(":", 1)[-1] for r in vendor["Resource"]] == [vendor_name, "*"]
    assert vendor["Condition"] == {"StringNotEquals": {tag: COMPONENT_RUNTIME}}
    admin = statements["NoRoleInvokesTheAdminFunction"]
    assert (admin["Effect"], "Condition" in admin) == ("Deny", False)
    assert joined(admin["Resource"][0]).endswith(f":function:{admin_name}")
    # Registry key use with a row's encryption context: the vendor and the admin function only
    key = statements["OnlyVendorAndAdminUseRegistryKeys"]
    assert {"kms:Decrypt", "kms:Encrypt"} <= set(key["Action"])
    assert key["Condition"]["ForAnyValue:StringEquals"] == {"kms:EncryptionContextKeys": ENCRYPTION_CONTEXT_ACCOUNT_KEY}
    assert sorted(key["Condition"]["StringNotEquals"][tag]) == sorted([COMPONENT_VENDOR, COMPONENT_ADMIN])
    # The master secret: the migrations only; database logins: the three registry functions only
    secret = statements["OnlyMigrationsReadTheMasterSecret"]
    assert secret["Condition"] == {"StringNotEquals": {tag: COMPONENT_MIGRATIONS}}
    assert dev.platform["Resources"][referenced_id(secret["Resource"])]["Type"].startswith("AWS::SecretsManager::")
    login = statements["OnlyRegistryFunctionsLogInToTheDatabase"]
    assert login["Action"] == "rds-db:connect"
    # No role may change IAM (and so lift its own boundary) or the registry functions
    assert set(statements["NoIamOrOrganizationChanges"]["Action"]) >= {"iam:*", "organizations:*"}
    assert "lambda:UpdateFunction*" in statements["NoRoleChangesTheRegistryFunctions"]["Action"]


def test_roles_carry_the_component_tag_the_boundary_keys_on(dev: Synthesized, platform: Template) -> None:
    _, runtime = only(resources(dev.platform, "AWS::BedrockAgentCore::Runtime"))
    _, gateway = only(resources(dev.platform, "AWS::BedrockAgentCore::Gateway"))
    expected = {
        referenced_id(props(runtime)["RoleArn"]): COMPONENT_RUNTIME,
        referenced_id(props(gateway)["RoleArn"]): COMPONENT_GATEWAY,
        role_of(dev.platform, INTERCEPTOR_HANDLER): COMPONENT_INTERCEPTOR,
    } | {role_of(dev.platform, handler): component for handler, component in COMPONENTS.items()}
    for role_id, component in expected.items():
        tags = {t["Key"]: t["Value"] for t in props(dev.platform["Resources"][role_id]).get("Tags", [])}
        assert tags[COMPONENT_TAG] == component, role_id
    # and no other role claims a component
    for role_id, role in resources(dev.platform, "AWS::IAM::Role").items():
        if role_id not in expected:
            assert COMPONENT_TAG not in {t["Key"] for t in props(role).get("Tags", [])}, role_id


# -- database roles --------------------------------------------------------------------------------------


def test_registry_accepts_iam_database_authentication(platform: Template) -> None:
    platform.has_resource_properties("AWS::RDS::DBInstance", {"EnableIAMDatabaseAuthentication": True})


@pytest.mark.parametrize("handler", sorted(HANDLERS))
def test_each_function_logs_in_as_its_own_database_role_over_verified_tls(dev: Synthesized, handler: str) -> None:
    # Given a registry function, its environment and its role's statements
    db_role = HANDLERS[handler]
    _, fn = function(dev.platform, handler)
    env = props(fn)["Environment"]["Variables"]
    statements = role_statements(dev.platform, role_of(dev.platform, handler))

    # Then it logs in with an IAM token as its own role, verifying the server against the RDS bundle
    assert (env["REGISTRY_DB_AUTH"], env["REGISTRY_DB_USER"]) == ("iam", db_role)
    assert (env["REGISTRY_SSL"], env["REGISTRY_CA_BUNDLE"]) == ("verify-full", RDS_CA_BUNDLE_IN_BUNDLE)
    # And its role may connect as that database user only
    connects = [s for s in statements if "rds-db:connect" in as_list(s["Action"])]
    assert len(connects) == 1
    (resource,) = as_list(connects[0]["Resource"])
    assert joined(resource).endswith(
        f":dbuser:<{only(resources(dev.platform, 'AWS::RDS::DBInstance'))[0]}.DbiResourceId>/{db_role}"
    )


def test_only_the_migrations_can_read_the_master_secret(dev: Synthesized) -> None:
    for handler in HANDLERS:
        statements = role_statements(dev.platform, role_of(dev.platform, handler))
        reads = [s for s in statements if "secretsmanager:GetSecretValue" in as_list(s["Action"])]
        env = props(function(dev.platform, handler)[1])["Environment"]["Variables"]
        if handler == MIGRATE_HANDLER:
            assert len(reads) == 1
            assert "REGISTRY_MASTER_SECRET_ARN" in env
        else:
            assert reads == [], handler
            assert not {"REGISTRY_SECRET_ARN", "REGISTRY_MASTER_SECRET_ARN"} & set(env), handler


# -- VPC endpoint policies --------------------------------------------------------------------------------


def endpoint(dev: Synthesized, service: str) -> dict[str, Any]:
    return only(
        {
            r: e
            for r, e in resources(dev.platform, "AWS::EC2::VPCEndpoint").items()
            if joined(props(e)["ServiceName"]).rsplit(".", 1)[-1] == service
        }
    )[1]


def test_every_endpoint_has_a_policy_allowing_named_calls_only(dev: Synthesized) -> None:
    for res in resources(dev.platform, "AWS::EC2::VPCEndpoint").values():
        document = props(res)["PolicyDocument"]
        for statement in document["Statement"]:
            assert statement["Effect"] == "Allow"
            assert all("*" not in a.split(":", 1)[1] for a in as_list(statement["Action"])), statement
            # Every statement names its principals, or (aksk federation) its callers are customers' IAM users
            assert "Condition" in statement or statement["Action"] == "sts:GetFederationToken", statement


def test_sts_endpoint_lets_only_the_vendor_assume_customer_roles(dev: Synthesized, platform: Template) -> None:
    principal = Capture()
    platform.has_resource_properties(
        "AWS::EC2::VPCEndpoint",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"],
                                "Condition": {"ArnEquals": {"aws:PrincipalArn": [{"Fn::GetAtt": [principal, "Arn"]}]}},
                            }
                        )
                    ]
                )
            }
        },
    )
    assert principal.as_string() == role_of(dev.platform, VENDOR_HANDLER)
    actions = {a for s in props(endpoint(dev, "sts"))["PolicyDocument"]["Statement"] for a in as_list(s["Action"])}
    assert actions == {"sts:AssumeRole", "sts:SetSourceIdentity", "sts:GetFederationToken"}


def test_kms_endpoint_lets_the_vendor_decrypt_and_the_admin_encrypt_with_the_registry_key(dev: Synthesized) -> None:
    key_id, _ = registry_key(dev.platform)
    signing_key_id, _ = assertion_key(dev.platform)
    statements = props(endpoint(dev, "kms"))["PolicyDocument"]["Statement"]
    uses = {
        (
            tuple(as_list(s["Action"])),
            referenced_id(s["Condition"]["ArnEquals"]["aws:PrincipalArn"][0]),
            referenced_id(s["Resource"]),
        )
        for s in statements
    }
    vendor = role_of(dev.platform, VENDOR_HANDLER)
    assert uses == {
        (("kms:Decrypt",), vendor, key_id),
        (("kms:Encrypt",), role_of(dev.platform, ADMIN_HANDLER), key_id),
        # The vendor verifies caller assertions (public key or kms:Verify) from inside the VPC
        (("kms:GetPublicKey", "kms:Verify"), vendor, signing_key_id),
    }


def test_secrets_manager_endpoint_serves_only_the_registry_secret(dev: Synthesized) -> None:
    statements = props(endpoint(dev, "secretsmanager"))["PolicyDocument"]["Statement"]
    secret_ids = {referenced_id(s["Resource"]) for s in statements if s["Resource"] != "*"}
    assert len(secret_ids) == 1
    assert [s["Action"] for s in statements if s["Resource"] == "*"] == ["secretsmanager:GetRandomPassword"]


# -- key policy and timeout ------------------------------------------------------------------------------


def test_the_account_root_administers_the_registry_key_but_cannot_use_it(platform: Template) -> None:
    statements = Capture()
    platform.has_resource_properties("AWS::KMS::Key", {"KeyPolicy": {"Statement": statements}})
    root = [s for s in statements.as_array() if s["Sid"] == "KeyAdministrationWithoutUse"]
    assert len(root) == 1
    actions = set(root[0]["Action"])
    assert not actions & {"kms:Decrypt", "kms:Encrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:*"}
    assert "kms:CreateGrant" not in actions


def test_vendor_timeout_is_the_budgeted_one(platform: Template) -> None:
    platform.has_resource_properties("AWS::Lambda::Function", {"Handler": VENDOR_HANDLER, "Timeout": VENDOR_TIMEOUT_S})


# -- the service control policy of docs/deploy.md ---------------------------------------------------------


def docs_scp() -> dict[str, Any]:
    text = (REPO_ROOT / "docs" / "deploy.md").read_text()
    section = text.split("### Service control policy", 1)[1]
    block = section.split("```json", 1)[1].split("```", 1)[0]
    document: dict[str, Any] = json.loads(block)
    return document


def test_the_documented_scp_names_what_the_stack_creates(dev: Synthesized) -> None:
    # Given the SCP of docs/deploy.md with its example account, and the synthesized names
    statements = {s["Sid"]: s for s in docs_scp()["Statement"]}
    account, region = "111122223333", "us-east-1"
    vendor_fn = (
        f"arn:aws:lambda:{region}:{account}:function:"
        + props(function(dev.platform, VENDOR_HANDLER)[1])["FunctionName"]
    )
    admin_fn = (
        f"arn:aws:lambda:{region}:{account}:function:" + props(function(dev.platform, ADMIN_HANDLER)[1])["FunctionName"]
    )
    vendor_role = props(dev.platform["Resources"][role_of(dev.platform, VENDOR_HANDLER)])["RoleName"]
    admin_role = props(dev.platform["Resources"][role_of(dev.platform, ADMIN_HANDLER)])["RoleName"]

    def role_arn(name: Any) -> str:
        return f"arn:aws:iam::{account}:role/" + joined(name).replace("<AWS::Region>", region)

    # Then every statement denies, and names the stack's functions, roles and component tag
    assert all(s["Effect"] == "Deny" for s in statements.values())
    invoke_vendor = statements["OnlyTheRuntimeInvokesTheVendor"]
    assert any(fnmatchcase(vendor_fn, r) for r in invoke_vendor["Resource"])
    assert invoke_vendor["Condition"] == {"StringNotEquals": {f"aws:PrincipalTag/{COMPONENT_TAG}": COMPONENT_RUNTIME}}
    assert any(fnmatchcase(admin_fn, r) for r in statements["OnlyOperatorsInvokeTheAdminFunction"]["Resource"])
    decrypt = statements["OnlyTheVendorDecryptsRegistrySecrets"]["Condition"]["ArnNotLike"]["aws:PrincipalArn"]
    assert fnmatchcase(role_arn(vendor_role), decrypt)
    encrypt = statements["OnlyTheAdminFunctionEncryptsRegistrySecrets"]["Condition"]["ArnNotLike"]["aws:PrincipalArn"]
    assert fnmatchcase(role_arn(admin_role), encrypt)
    assert not fnmatchcase(role_arn(vendor_role), encrypt)
    pass_role = statements["OnlyTheDeployPassesTheRegistryRoles"]["Resource"]
    assert all(any(fnmatchcase(role_arn(r), p) for p in pass_role) for r in (vendor_role, admin_role))
    tagging = statements["OnlyTheDeploySetsTheComponentTag"]
    assert tagging["Condition"]["ForAnyValue:StringEquals"] == {"aws:TagKeys": COMPONENT_TAG}
    assert "sts:TagSession" in tagging["Action"]
