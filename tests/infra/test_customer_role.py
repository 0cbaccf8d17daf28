"""The onboarding template customers deploy (CloudFormation or StackSet) in their own accounts."""

from __future__ import annotations

import pytest

from credential_vendor.scopes import union_of_actions
from tests.infra.synth import Synthesized
from tests.infra.template_queries import Json, as_list, only, props, referenced_id, resources, role_statements

pytestmark = pytest.mark.infra


def customer_role(template: Json) -> tuple[str, Json]:
    return only(resources(template, "AWS::IAM::Role"))


def test_role_trusts_only_the_vendor_role_with_the_external_id(dev: Synthesized) -> None:
    # Given the customer role's trust policy
    _, role = customer_role(dev.customer)
    statements = as_list(props(role)["AssumeRolePolicyDocument"]["Statement"])

    # Then the vendor role (a parameter) may AssumeRole and SetSourceIdentity, each only with the ExternalId
    assert sorted(a for s in statements for a in as_list(s["Action"])) == ["sts:AssumeRole", "sts:SetSourceIdentity"]
    for statement in statements:
        assert statement["Effect"] == "Allow"
        assert referenced_id(statement["Principal"]["AWS"]) == "VendorRoleArn"
        assert statement["Condition"] == {"StringEquals": {"sts:ExternalId": {"Ref": "ExternalId"}}}
    assert dev.customer["Parameters"]["ExternalId"]["NoEcho"] is True


def test_role_permissions_are_the_union_of_the_tool_scopes(dev: Synthesized) -> None:
    role_id, role = customer_role(dev.customer)
    statements = role_statements(dev.customer, role_id)
    assert not props(role).get("ManagedPolicyArns")
    assert all(s["Effect"] == "Allow" for s in statements)
    assert sorted(a for s in statements for a in as_list(s["Action"])) == union_of_actions()


def test_role_name_matches_the_vendor_pattern(dev: Synthesized) -> None:
    _, role = customer_role(dev.customer)
    parameter = dev.customer["Parameters"]["RoleName"]
    config = dev.app.config
    assert props(role)["RoleName"] == {"Ref": "RoleName"}
    assert parameter["Default"] == config.customer_role_name
    assert parameter["AllowedPattern"].startswith(f"^{config.customer_role_name_prefix}")


def test_template_is_usable_as_a_stackset(dev: Synthesized) -> None:
    # No CDK bootstrap version check, no assets: deployable in any account as-is.
    assert "BootstrapVersion" not in dev.customer.get("Parameters", {})
    assert "Rules" not in dev.customer
    assert set(dev.customer["Parameters"]) == {"VendorRoleArn", "ExternalId", "RoleName"}
    assert {r["Type"] for r in dev.customer["Resources"].values()} <= {
        "AWS::IAM::Role",
        "AWS::IAM::Policy",
        "AWS::IAM::ManagedPolicy",  # the role's permissions boundary
    }
