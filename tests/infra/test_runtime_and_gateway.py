"""The MCP runtime, the Gateway in front of it, and what the stack outputs."""

from __future__ import annotations

import pytest

from account_tools.constants import ENV_DEFAULT_REGION, ENV_VENDOR_FUNCTION_NAME
from credential_vendor.constants import ENV_ALLOWED_LOG_GROUPS
from stacks.constants import (
    AGENTCORE_SIGNING_SERVICE,
    OAUTH_INVOKE_SCOPE,
    OAUTH_RESOURCE_SERVER_ID,
    VENDOR_HANDLER,
)
from stacks.runtime import McpRuntime, runtime_name
from tests.infra.synth import Synthesized
from tests.infra.template_queries import (
    Json,
    as_list,
    grants,
    joined,
    only,
    props,
    referenced_id,
    resources,
    role_statements,
)

pytestmark = pytest.mark.infra

REQUIRED_OUTPUTS = (
    "GatewayUrl",
    "TokenEndpoint",
    "ClientId",
    "VendorFunctionName",
    "RegistryEndpoint",
    "VendorRoleArn",
)


def runtime(template: Json) -> tuple[str, Json]:
    return only(resources(template, "AWS::BedrockAgentCore::Runtime"))


def test_runtime_speaks_mcp_with_its_configuration(dev: Synthesized) -> None:
    _, rt = runtime(dev.platform)
    rt_props = props(rt)
    config = dev.app.config
    assert rt_props["AgentRuntimeName"] == runtime_name(config.name)
    assert rt_props["ProtocolConfiguration"] == "MCP"
    env = rt_props["EnvironmentVariables"]
    vendor_id = only(
        {
            r: f
            for r, f in resources(dev.platform, "AWS::Lambda::Function").items()
            if props(f).get("Handler") == VENDOR_HANDLER
        }
    )[0]
    assert referenced_id(env[ENV_VENDOR_FUNCTION_NAME]) == vendor_id
    # The allowlist comes from the vendor with each account's credentials, not from the runtime's environment.
    assert ENV_ALLOWED_LOG_GROUPS not in env
    assert env[ENV_DEFAULT_REGION] == config.default_target_region
    # IAM (SigV4) inbound auth is the default: no JWT authorizer on the runtime itself
    assert "AuthorizerConfiguration" not in rt_props


def test_gateway_uses_jwt_inbound_auth_for_the_agent_and_user_clients(dev: Synthesized) -> None:
    # Given the gateway and the user pool's clients (agents: client credentials; humans: code flow)
    template = dev.platform
    _, gateway = only(resources(template, "AWS::BedrockAgentCore::Gateway"))
    clients = resources(template, "AWS::Cognito::UserPoolClient")
    agent_id, agent = only(
        {r: c for r, c in clients.items() if props(c)["AllowedOAuthFlows"] == ["client_credentials"]}
    )
    user_id, _ = only({r: c for r, c in clients.items() if props(c)["AllowedOAuthFlows"] == ["code"]})
    pool_id, pool = only(resources(template, "AWS::Cognito::UserPool"))

    # Then inbound auth is a JWT authorizer on the user pool's discovery document
    assert props(gateway)["AuthorizerType"] == "CUSTOM_JWT"
    jwt = props(gateway)["AuthorizerConfiguration"]["CustomJWTAuthorizer"]
    assert joined(jwt["DiscoveryUrl"]).endswith(f"/<{pool_id}>/.well-known/openid-configuration")
    assert sorted(referenced_id(c) for c in jwt["AllowedClients"]) == sorted([agent_id, user_id])
    assert set(clients) == {agent_id, user_id}
    assert jwt["AllowedScopes"] == [f"{OAUTH_RESOURCE_SERVER_ID}/{OAUTH_INVOKE_SCOPE}"]
    # And the agents' client is a confidential client-credentials client, and nobody can sign up
    assert props(agent)["GenerateSecret"] is True
    assert props(pool)["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True


def test_gateway_targets_the_runtime_with_iam_outbound_auth(dev: Synthesized) -> None:
    # Given the gateway target and the runtime
    template = dev.platform
    _, target = only(resources(template, "AWS::BedrockAgentCore::GatewayTarget"))
    runtime_id, _ = runtime(template)
    gateway_id, gateway = only(resources(template, "AWS::BedrockAgentCore::Gateway"))

    # Then the target is the runtime's MCP invocation endpoint
    endpoint = joined(props(target)["TargetConfiguration"]["Mcp"]["McpServer"]["Endpoint"])
    assert endpoint.startswith("https://bedrock-agentcore.<AWS::Region>.<AWS::URLSuffix>/runtimes/arn%3A")
    assert f"%3Aruntime%2F<{runtime_id}.AgentRuntimeId>/invocations?qualifier=DEFAULT" in endpoint
    # And the gateway signs its calls with its own role
    assert props(target)["CredentialProviderConfigurations"] == [
        {
            "CredentialProviderType": "GATEWAY_IAM_ROLE",
            "CredentialProvider": {"IamCredentialProvider": {"Service": AGENTCORE_SIGNING_SERVICE}},
        }
    ]
    gateway_role = referenced_id(props(gateway)["RoleArn"])
    invoke = [s for s in role_statements(template, gateway_role) if grants(s, "bedrock-agentcore:InvokeAgentRuntime")]
    assert len(invoke) == 1
    assert {joined(r) for r in as_list(invoke[0]["Resource"])} == {
        f"<{runtime_id}.AgentRuntimeArn>",
        f"<{runtime_id}.AgentRuntimeArn>/*",
    }
    assert referenced_id(props(target)["GatewayIdentifier"]) == gateway_id


@pytest.mark.parametrize("artifact", ["dev", "dev_image"])
def test_target_tools_resync_after_every_runtime_artifact_change(artifact: str, request: pytest.FixtureRequest) -> None:
    # Given the synchronization custom resource and the runtime artifact's hash (code bundle or image)
    synthesized: Synthesized = request.getfixturevalue(artifact)
    template = synthesized.platform
    _, sync = only(resources(template, "Custom::GatewayTargetSync"))
    mcp_runtime = synthesized.app.platform.node.find_child("McpRuntime")
    assert isinstance(mcp_runtime, McpRuntime)
    artifact_hash = mcp_runtime.artifact_hash
    target_id, _ = only(resources(template, "AWS::BedrockAgentCore::GatewayTarget"))
    runtime_id, _ = runtime(template)

    # Then creating and updating it calls SynchronizeGatewayTargets for the runtime target
    for phase in ("Create", "Update"):
        call = joined(props(sync)[phase])
        assert '"action":"SynchronizeGatewayTargets"' in call
        assert f'"targetIdList":["<{target_id}.TargetId>"]' in call
        # And its properties change with the artifact (and the runtime version), so every change re-runs it
        assert artifact_hash in call
        assert f"<{runtime_id}.AgentRuntimeVersion>" in call


def test_stack_outputs_what_agents_and_operators_need(dev: Synthesized) -> None:
    outputs = dev.platform["Outputs"]
    for name in REQUIRED_OUTPUTS:
        assert name in outputs, name
    gateway_id, _ = only(resources(dev.platform, "AWS::BedrockAgentCore::Gateway"))
    assert outputs["GatewayUrl"]["Value"] == {"Fn::GetAtt": [gateway_id, "GatewayUrl"]}
    assert joined(outputs["TokenEndpoint"]["Value"]).endswith("/oauth2/token")
    assert outputs["OAuthScope"]["Value"] == f"{OAUTH_RESOURCE_SERVER_ID}/{OAUTH_INVOKE_SCOPE}"
