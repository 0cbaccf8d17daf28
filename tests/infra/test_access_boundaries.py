"""Who may do what: the vendor's callers, the runtime's reach, the vendor's STS scope, KMS use."""

from __future__ import annotations

import pytest

from credential_vendor.constants import ENCRYPTION_CONTEXT_ACCOUNT_KEY, ENCRYPTION_CONTEXT_ORG_KEY
from stacks.constants import VENDOR_HANDLER
from tests.infra.synth import Synthesized
from tests.infra.template_queries import (
    Json,
    all_policy_statements,
    as_list,
    grants,
    joined,
    only,
    props,
    referenced_id,
    references,
    registry_key,
    resources,
    role_statements,
)

pytestmark = pytest.mark.infra

FORBIDDEN_FOR_RUNTIME = (
    "rds:CreateDBInstance",
    "rds-db:connect",
    "rds-data:ExecuteStatement",
    "secretsmanager:GetSecretValue",
    "kms:Decrypt",
    "kms:Encrypt",
    "sts:AssumeRole",
    "sts:SetSourceIdentity",
    "sts:GetFederationToken",
)


def vendor_function(template: Json) -> tuple[str, Json]:
    return only(
        {
            rid: res
            for rid, res in resources(template, "AWS::Lambda::Function").items()
            if props(res).get("Handler") == VENDOR_HANDLER
        }
    )


def runtime_role_id(template: Json) -> str:
    _, runtime = only(resources(template, "AWS::BedrockAgentCore::Runtime"))
    return referenced_id(props(runtime)["RoleArn"])


def vendor_role_id(template: Json) -> str:
    _, fn = vendor_function(template)
    return referenced_id(props(fn)["Role"])


def test_only_the_runtime_role_may_invoke_the_vendor(dev: Synthesized) -> None:
    # Given the vendor function and the runtime's execution role
    template = dev.platform
    vendor_id, _ = vendor_function(template)
    runtime_role = runtime_role_id(template)

    # When we collect the vendor's resource policy
    permissions = [
        props(p)
        for p in resources(template, "AWS::Lambda::Permission").values()
        if referenced_id(props(p)["FunctionName"]) == vendor_id
    ]

    # Then it has exactly one statement, for the runtime role, to invoke
    assert len(permissions) == 1
    assert permissions[0]["Action"] == "lambda:InvokeFunction"
    assert referenced_id(permissions[0]["Principal"]) == runtime_role
    # And no identity policy of any other principal grants invoking it
    for policy_id, statement in all_policy_statements(template):
        if grants(statement, "lambda:InvokeFunction") and any(
            r == "*" or references(r, vendor_id) for r in as_list(statement["Resource"])
        ):
            assert any(
                referenced_id(r) == runtime_role for r in props(template["Resources"][policy_id]).get("Roles", [])
            ), f"{policy_id} grants lambda:InvokeFunction on the vendor"


def test_runtime_role_has_no_database_secret_kms_or_sts_permission(dev: Synthesized) -> None:
    # Given the runtime's execution role
    template = dev.platform
    role_id = runtime_role_id(template)
    statements = role_statements(template, role_id)

    # Then no AWS managed policy widens it
    assert not props(template["Resources"][role_id]).get("ManagedPolicyArns")
    # And none of its statements reaches the registry, its secrets, the key or customer roles
    for statement in statements:
        for action in FORBIDDEN_FOR_RUNTIME:
            assert not grants(statement, action), f"runtime role may {action}: {statement}"
    # And it may invoke the vendor (and nothing else in Lambda)
    invoke = [s for s in statements if grants(s, "lambda:InvokeFunction")]
    assert len(invoke) == 1
    assert [referenced_id(r) for r in as_list(invoke[0]["Resource"])] == [vendor_function(template)[0]]


def test_runtime_role_is_not_named_in_the_key_or_secret_policies(dev: Synthesized) -> None:
    template = dev.platform
    role_id = runtime_role_id(template)
    key_id, key = registry_key(template)
    assert role_id not in str(props(key)["KeyPolicy"]), f"{key_id} names the runtime role"
    for rid, res in resources(template, "AWS::SecretsManager::ResourcePolicy").items():
        assert role_id not in str(props(res)["ResourcePolicy"]), f"{rid} names the runtime role"
    # (The caller-assertion key names it once: kms:GetPublicKey, see test_caller_identity.py.)


def test_vendor_may_assume_only_roles_matching_the_pattern(dev: Synthesized) -> None:
    # Given the vendor's execution role and the configured pattern
    template = dev.platform
    pattern = dev.app.config.customer_role_name_pattern
    statements = role_statements(template, vendor_role_id(template))

    # When we look at every statement allowing STS role assumption
    assume = [s for s in statements if grants(s, "sts:AssumeRole")]

    # Then there is one, limited to the role name pattern, with SetSourceIdentity
    assert len(assume) == 1
    assert sorted(as_list(assume[0]["Action"])) == ["sts:AssumeRole", "sts:SetSourceIdentity"]
    assert [joined(r) for r in as_list(assume[0]["Resource"])] == [f"arn:<AWS::Partition>:iam::*:role/{pattern}"]
    # And no other statement grants any STS action
    for statement in statements:
        if statement is not assume[0]:
            assert not any(a.lower().startswith("sts:") or a == "*" for a in as_list(statement["Action"]))


def test_kms_key_use_requires_the_row_encryption_context(dev: Synthesized) -> None:
    # Given the registry key and the two functions' roles
    template = dev.platform
    _, key = registry_key(template)
    statements = as_list(props(key)["KeyPolicy"]["Statement"])
    admin_fn = only(
        {
            r: f
            for r, f in resources(template, "AWS::Lambda::Function").items()
            if props(f).get("Handler") == "account_admin.handler.handler"
        }
    )[1]

    # Then rotation is on
    assert props(key)["EnableKeyRotation"] is True
    # And exactly one principal may Decrypt (the vendor) and one may Encrypt (the admin function)
    users = {
        action: [s for s in statements if grants(s, action)]
        for action in ("kms:Decrypt", "kms:Encrypt", "kms:ReEncryptFrom")
    }
    assert users["kms:ReEncryptFrom"] == []
    assert [referenced_id(s["Principal"]["AWS"]) for s in users["kms:Decrypt"]] == [vendor_role_id(template)]
    assert [referenced_id(s["Principal"]["AWS"]) for s in users["kms:Encrypt"]] == [
        referenced_id(props(admin_fn)["Role"])
    ]
    # And both carry the encryption-context conditions
    for statement in users["kms:Decrypt"] + users["kms:Encrypt"]:
        assert as_list(statement["Action"]) in (["kms:Decrypt"], ["kms:Encrypt"])
        conditions = statement["Condition"]
        assert sorted(conditions["ForAllValues:StringEquals"]["kms:EncryptionContextKeys"]) == sorted(
            [ENCRYPTION_CONTEXT_ACCOUNT_KEY, ENCRYPTION_CONTEXT_ORG_KEY]
        )
        assert conditions["Null"] == {f"kms:EncryptionContext:{ENCRYPTION_CONTEXT_ACCOUNT_KEY}": "false"}
    # And no identity policy anywhere grants using a KMS key
    for policy_id, statement in all_policy_statements(template):
        for action in ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"):
            assert not grants(statement, action), f"{policy_id} grants {action}"


def test_admin_function_is_reached_through_an_iam_authenticated_url(dev: Synthesized) -> None:
    # The operator's verified ARN (the audit actor) comes from the function URL's AWS_IAM auth
    from aws_cdk.assertions import Match, Template

    template = Template.from_json(dev.platform)
    template.has_resource_properties("AWS::Lambda::Url", {"AuthType": "AWS_IAM"})
    template.resource_count_is("AWS::Lambda::Url", 1)
    template.has_output("AdminFunctionUrl", {"Value": Match.any_value()})
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": "account_admin.handler.handler",
            "Environment": {"Variables": Match.object_like({"VENDOR_ROLE_ARN": Match.any_value()})},
        },
    )
