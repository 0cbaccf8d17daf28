"""Every call belongs to a verified caller: the user pool (agents and humans), the Gateway REQUEST
interceptor, and the caller-assertion key only the interceptor signs with."""

from __future__ import annotations

from fnmatch import fnmatchcase

import pytest
from aws_cdk.assertions import Capture, Match, Template

from stacks.constants import (
    COMPONENT_GATEWAY,
    COMPONENT_TAG,
    ENV_ALLOWED_CLIENT_IDS,
    ENV_ASSERTION_KEY_ID,
    ENV_GATEWAY_TARGET_NAME,
    ENV_JWKS_URL,
    ENV_JWT_ISSUER,
    ENV_REQUIRED_SCOPE,
    GATEWAY_TARGET_NAME,
    INTERCEPTOR_HANDLER,
    OAUTH_INVOKE_SCOPE,
    OAUTH_RESOURCE_SERVER_ID,
    VENDOR_HANDLER,
)
from tests.infra.synth import Synthesized, project_context, synthesize
from tests.infra.template_queries import (
    Json,
    all_policy_statements,
    as_list,
    assertion_key,
    grants,
    joined,
    only,
    props,
    referenced_id,
    references,
    resources,
)
from tests.infra.test_security_boundaries import docs_scp

pytestmark = pytest.mark.infra

INVOKE_SCOPE = f"{OAUTH_RESOURCE_SERVER_ID}/{OAUTH_INVOKE_SCOPE}"
# What the runtime once read when a call named no account; there is no global default account any more.
REMOVED_DEFAULT_ACCOUNT_ENV = "DEFAULT_TARGET_ACCOUNT_ID"


@pytest.fixture(scope="module")
def platform(dev: Synthesized) -> Template:
    return Template.from_json(dev.platform)


@pytest.fixture(scope="module")
def dev_plus(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """dev with threat protection (Plus plan), a second agent client and other user groups."""
    environments = project_context()["environments"]
    dev = {
        **environments["dev"],
        "user_pool_threat_protection": True,
        "additional_agent_clients": ["reporting"],
        "user_groups": ["finops", "security-audit"],
        "oauth_callback_urls": ["https://tools.example.com/oauth/callback", "http://localhost:6274/callback"],
    }
    return synthesize(tmp_path_factory.mktemp("cdk-dev-plus"), environments={**environments, "dev": dev})


def function(template: Json, handler: str) -> tuple[str, Json]:
    return only(
        {r: f for r, f in resources(template, "AWS::Lambda::Function").items() if props(f).get("Handler") == handler}
    )


def role_of(template: Json, handler: str) -> str:
    return referenced_id(props(function(template, handler)[1])["Role"])


def runtime_role(template: Json) -> str:
    _, runtime = only(resources(template, "AWS::BedrockAgentCore::Runtime"))
    return referenced_id(props(runtime)["RoleArn"])


def key_statements(template: Json) -> list[Json]:
    _, key = assertion_key(template)
    return as_list(props(key)["KeyPolicy"]["Statement"])


def principals(statement: Json) -> list[str]:
    return sorted(referenced_id(p) for p in as_list(statement["Principal"]["AWS"]))


# -- the caller-assertion key ---------------------------------------------------------------------------


def test_the_assertion_key_is_an_asymmetric_p256_signing_key(platform: Template) -> None:
    platform.has_resource_properties(
        "AWS::KMS::Key",
        {"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY", "KeyPolicy": Match.any_value()},
    )


def test_only_the_interceptor_signs_and_only_the_vendor_verifies(dev: Synthesized) -> None:
    # Given the key policy and the three roles
    template = dev.platform
    statements = key_statements(template)
    interceptor, vendor = role_of(template, INTERCEPTOR_HANDLER), role_of(template, VENDOR_HANDLER)
    allows = [s for s in statements if s["Effect"] == "Allow"]

    # Then exactly one Allow grants Sign, to the interceptor's role, and one grants Verify, to the vendor's
    signers = [s for s in allows if grants(s, "kms:Sign")]
    verifiers = [s for s in allows if grants(s, "kms:Verify")]
    assert [principals(s) for s in signers] == [[interceptor]]
    assert [principals(s) for s in verifiers] == [[vendor]]
    assert as_list(signers[0]["Action"]) == ["kms:Sign"]
    assert as_list(verifiers[0]["Action"]) == ["kms:Verify"]
    # And explicit Denies keep Sign and Verify to those roles whatever else allows them (the root included)
    for action, role in (("kms:Sign", interceptor), ("kms:Verify", vendor)):
        (deny,) = [s for s in statements if s["Effect"] == "Deny" and action in as_list(s["Action"])]
        assert deny["Principal"] == {"AWS": "*"}
        assert referenced_id(deny["Condition"]["StringNotEquals"]["aws:PrincipalArn"]) == role


def test_the_vendor_and_the_runtime_read_the_public_key_and_the_root_only_administers(dev: Synthesized) -> None:
    template = dev.platform
    statements = key_statements(template)
    readers = [s for s in statements if s["Effect"] == "Allow" and grants(s, "kms:GetPublicKey")]
    assert [principals(s) for s in readers] == [sorted([role_of(template, VENDOR_HANDLER), runtime_role(template)])]
    (root,) = [s for s in statements if s["Sid"] == "KeyAdministrationWithoutUse"]
    assert joined(root["Principal"]["AWS"]).endswith(":root")
    for action in ("kms:Sign", "kms:Verify", "kms:GetPublicKey", "kms:CreateGrant"):
        assert not grants(root, action), action
    # The runtime may not verify through KMS, let alone sign
    runtime = runtime_role(template)
    for statement in statements:
        if statement["Effect"] == "Allow" and runtime in str(statement["Principal"]):
            assert as_list(statement["Action"]) == ["kms:GetPublicKey"]


def test_no_identity_policy_grants_signing_or_verifying(dev: Synthesized) -> None:
    for policy_id, statement in all_policy_statements(dev.platform):
        for action in ("kms:Sign", "kms:Verify", "kms:GetPublicKey"):
            assert not grants(statement, action), f"{policy_id} grants {action}"


def test_interceptor_vendor_and_runtime_get_the_key_arn(dev: Synthesized, platform: Template) -> None:
    key_id, _ = assertion_key(dev.platform)
    key_arn = {"Fn::GetAtt": [key_id, "Arn"]}
    for handler in (INTERCEPTOR_HANDLER, VENDOR_HANDLER):
        platform.has_resource_properties(
            "AWS::Lambda::Function",
            {"Handler": handler, "Environment": {"Variables": Match.object_like({ENV_ASSERTION_KEY_ID: key_arn})}},
        )
    platform.has_resource_properties(
        "AWS::BedrockAgentCore::Runtime",
        {"EnvironmentVariables": Match.object_like({ENV_ASSERTION_KEY_ID: key_arn})},
    )


def test_the_runtime_has_no_default_target_account(dev: Synthesized) -> None:
    _, runtime = only(resources(dev.platform, "AWS::BedrockAgentCore::Runtime"))
    assert REMOVED_DEFAULT_ACCOUNT_ENV not in props(runtime)["EnvironmentVariables"]


# -- the interceptor function ---------------------------------------------------------------------------


def test_the_interceptor_knows_the_issuer_its_jwks_the_clients_and_the_scope(dev: Synthesized) -> None:
    # Given the interceptor function, the user pool and its clients
    template = dev.platform
    _, fn = function(template, INTERCEPTOR_HANDLER)
    env = props(fn)["Environment"]["Variables"]
    pool_id, _ = only(resources(template, "AWS::Cognito::UserPool"))
    clients = resources(template, "AWS::Cognito::UserPoolClient")

    # Then it verifies tokens against the pool's issuer and JWKS, for every client, with the invoke scope
    assert env[ENV_JWT_ISSUER] == {"Fn::GetAtt": [pool_id, "ProviderURL"]}
    assert joined(env[ENV_JWKS_URL]) == f"<{pool_id}.ProviderURL>/.well-known/jwks.json"
    assert sorted(joined(env[ENV_ALLOWED_CLIENT_IDS]).split(",")) == sorted(f"<{c}>" for c in clients)
    assert env[ENV_REQUIRED_SCOPE] == INVOKE_SCOPE
    assert env[ENV_GATEWAY_TARGET_NAME] == GATEWAY_TARGET_NAME
    # And it runs outside the VPC (the JWKS URL is a public endpoint; the isolated subnets have no route)
    assert "VpcConfig" not in props(fn)


def test_the_interceptor_role_has_no_permission_beyond_logs_and_traces(dev: Synthesized) -> None:
    template = dev.platform
    role = role_of(template, INTERCEPTOR_HANDLER)
    for policy_id, statement in all_policy_statements(template):
        if any(referenced_id(r) == role for r in props(template["Resources"][policy_id]).get("Roles", [])):
            assert all(a.split(":")[0] in ("logs", "xray") for a in as_list(statement["Action"])), statement


# -- the Gateway's interceptor configuration ------------------------------------------------------------


def test_the_gateway_calls_the_interceptor_on_every_request_with_the_headers(dev: Synthesized) -> None:
    interceptor_id, _ = function(dev.platform, INTERCEPTOR_HANDLER)
    function_arn = Capture()
    Template.from_json(dev.platform).has_resource_properties(
        "AWS::BedrockAgentCore::Gateway",
        {
            "InterceptorConfigurations": [
                {
                    "InterceptionPoints": ["REQUEST"],
                    "InputConfiguration": {"PassRequestHeaders": True},
                    "Interceptor": {"Lambda": {"Arn": function_arn}},
                }
            ]
        },
    )
    assert function_arn.as_object() == {"Fn::GetAtt": [interceptor_id, "Arn"]}


def test_only_the_gateway_role_may_invoke_the_interceptor(dev: Synthesized) -> None:
    # Given the interceptor and the Gateway's role
    template = dev.platform
    interceptor_id, _ = function(template, INTERCEPTOR_HANDLER)
    _, gateway = only(resources(template, "AWS::BedrockAgentCore::Gateway"))
    gateway_role = referenced_id(props(gateway)["RoleArn"])

    # Then no resource policy opens the function to anyone
    assert not [
        p for p in resources(template, "AWS::Lambda::Permission").values() if references(props(p), interceptor_id)
    ]
    # And the only identity policy allowing the invoke is the Gateway role's
    invokers: set[str] = set()
    for policy_id, statement in all_policy_statements(template):
        if grants(statement, "lambda:InvokeFunction") and any(
            r == "*" or references(r, interceptor_id) for r in as_list(statement["Resource"])
        ):
            invokers.update(referenced_id(r) for r in props(template["Resources"][policy_id]).get("Roles", []))
    assert invokers == {gateway_role}
    # And the permissions boundary denies invoking (or changing) it to every other role of the app
    (boundary,) = [
        p
        for p in resources(template, "AWS::IAM::ManagedPolicy").values()
        if "Permissions boundary" in props(p).get("Description", "")
    ]
    sids = {s["Sid"]: s for s in props(boundary)["PolicyDocument"]["Statement"]}
    name = props(function(template, INTERCEPTOR_HANDLER)[1])["FunctionName"]
    deny = sids["OnlyTheGatewayInvokesTheInterceptor"]
    assert deny["Effect"] == "Deny"
    assert [joined(r).rsplit(":", 1)[-1] for r in deny["Resource"]] == [name, "*"]
    assert deny["Condition"] == {"StringNotEquals": {f"aws:PrincipalTag/{COMPONENT_TAG}": COMPONENT_GATEWAY}}
    assert "lambda:UpdateFunction*" in sids["NoRoleChangesTheInterceptor"]["Action"]
    # And the SCP of docs/deploy.md does the same for every principal of the account
    scp = {s["Sid"]: s for s in docs_scp()["Statement"]}["OnlyTheGatewayInvokesTheInterceptor"]
    arn = f"arn:aws:lambda:us-east-1:111122223333:function:{name}"
    assert any(fnmatchcase(arn, r) for r in scp["Resource"])
    assert scp["Condition"] == deny["Condition"]


# -- the user pool: agents and humans -------------------------------------------------------------------


def user_client(template: Json) -> Json:
    clients = resources(template, "AWS::Cognito::UserPoolClient").values()
    (client,) = [c for c in clients if props(c)["AllowedOAuthFlows"] == ["code"]]
    return props(client)


def test_humans_sign_in_with_the_code_flow_openid_and_the_invoke_scope(dev: Synthesized) -> None:
    client = user_client(dev.platform)
    config = dev.app.config
    resource_server, server = only(resources(dev.platform, "AWS::Cognito::UserPoolResourceServer"))
    assert props(server)["Identifier"] == OAUTH_RESOURCE_SERVER_ID
    assert client["AllowedOAuthFlowsUserPoolClient"] is True
    assert sorted(joined(scope) for scope in client["AllowedOAuthScopes"]) == sorted(
        ["openid", f"<{resource_server}>/{OAUTH_INVOKE_SCOPE}"]
    )
    assert client["CallbackURLs"] == list(config.oauth_callback_urls)
    assert client["LogoutURLs"] == list(config.oauth_logout_urls)
    assert client["SupportedIdentityProviders"] == ["COGNITO"]
    # A public client (desktop and CLI MCP clients keep no secret): authorization code with PKCE only
    assert client.get("GenerateSecret", False) is False
    assert client["ExplicitAuthFlows"] == ["ALLOW_REFRESH_TOKEN_AUTH"]


def test_users_need_mfa_and_are_created_by_operators_into_groups(dev: Synthesized, platform: Template) -> None:
    platform.has_resource_properties(
        "AWS::Cognito::UserPool",
        {"MfaConfiguration": "ON", "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": True}},
    )
    groups = resources(dev.platform, "AWS::Cognito::UserPoolGroup").values()
    assert sorted(props(g)["GroupName"] for g in groups) == sorted(dev.app.config.user_groups)
    assert not resources(dev.platform, "AWS::Cognito::UserPoolUser")


def test_environment_settings_shape_the_pool_and_every_client_reaches_the_gateway(dev_plus: Synthesized) -> None:
    # Given an environment with threat protection, a second agent client and its own groups and URLs
    template = dev_plus.platform
    _, pool = only(resources(template, "AWS::Cognito::UserPool"))
    clients = resources(template, "AWS::Cognito::UserPoolClient")
    _, gateway = only(resources(template, "AWS::BedrockAgentCore::Gateway"))
    env = props(function(template, INTERCEPTOR_HANDLER)[1])["Environment"]["Variables"]

    # Then the pool is on the Plus plan with enforced threat protection (and cdk-nag needs no acknowledgement)
    assert props(pool)["UserPoolTier"] == "PLUS"
    assert props(pool)["UserPoolAddOns"]["AdvancedSecurityMode"] == "ENFORCED"
    # And both agent clients and the users' client are accepted by the Gateway and the interceptor
    agents = [r for r, c in clients.items() if props(c)["AllowedOAuthFlows"] == ["client_credentials"]]
    assert len(agents) == 2
    assert len(clients) == 3
    allowed = props(gateway)["AuthorizerConfiguration"]["CustomJWTAuthorizer"]["AllowedClients"]
    assert sorted(referenced_id(c) for c in allowed) == sorted(clients)
    assert sorted(joined(env[ENV_ALLOWED_CLIENT_IDS]).split(",")) == sorted(f"<{c}>" for c in clients)
    # And groups and callback URLs come from the environment
    groups = resources(template, "AWS::Cognito::UserPoolGroup").values()
    assert sorted(props(g)["GroupName"] for g in groups) == ["finops", "security-audit"]
    assert user_client(template)["CallbackURLs"] == list(dev_plus.app.config.oauth_callback_urls)
