"""The MCP server in AgentCore Runtime: a code artifact (default) or a container image."""

from __future__ import annotations

from enum import Enum

from aws_cdk import Annotations, AssetHashType, Stack
from aws_cdk import aws_bedrockagentcore as agentcore
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_iam as iam
from constructs import Construct

from account_tools.constants import (
    ENV_DEFAULT_REGION,
    ENV_VENDOR_FUNCTION_NAME,
)
from stacks.bundling import RUNTIME_BUNDLE, bundling_options
from stacks.constants import ENV_ASSERTION_KEY_ID, RUNTIME_ENDPOINT_QUALIFIER, RUNTIME_ENTRY_FILE, RUNTIME_IMAGE_DIR
from stacks.nag import acknowledge

IMAGE_PLATFORM = ecr_assets.Platform.LINUX_ARM64
IMAGE_EXCLUDES = ("**/__pycache__", "**/*.pyc", ".mypy_cache", ".pytest_cache", "tests")
CODE_RUNTIME = agentcore.AgentCoreRuntime.PYTHON_3_11
CODE_ENTRYPOINT = (RUNTIME_ENTRY_FILE,)
# What the image's ENV sets for OpenTelemetry; the code artifact gets it from the Runtime's environment.
CODE_OTEL_ENVIRONMENT = {"OTEL_PYTHON_DISTRO": "aws_distro", "OTEL_PYTHON_CONFIGURATOR": "aws_configurator"}


class RuntimeArtifact(Enum):
    """How the MCP server is packaged for AgentCore Runtime (``-c runtime_artifact=...``).

    ``code`` (default): a zip of the server package and its locked linux/arm64 wheels, built on the
    deploying machine by pip, uploaded to S3; no Docker engine, no emulation, no image registry.
    ``image``: the ``runtime_image/Dockerfile`` container, built for linux/arm64 by Docker at deploy.
    """

    CODE = "code"
    IMAGE = "image"

    @classmethod
    def parse(cls, value: object) -> RuntimeArtifact:
        """The artifact named by a context value (``None``: the default, ``code``).

        Raises:
            ValueError: the value names no artifact kind.
        """
        if value is None:
            return DEFAULT_RUNTIME_ARTIFACT
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            choices = "|".join(kind.value for kind in cls)
            raise ValueError(f"runtime_artifact must be one of {choices}, got {value!r}") from None


DEFAULT_RUNTIME_ARTIFACT = RuntimeArtifact.CODE


def runtime_name(env_name: str) -> str:
    """AgentCore Runtime name: letters, digits and underscores only."""
    return f"account_tools_{env_name}"


class McpRuntime(Construct):
    """The account-tools MCP server (``runtime_image/``) hosted by AgentCore Runtime.

    With ``artifact=CODE`` the server package and its locked linux/arm64 wheels are bundled on the
    deploying machine without Docker and run by the Runtime's managed Python 3.11 (``main.py``);
    with ``artifact=IMAGE`` the container image is built for linux/arm64 at deploy time. Synth needs
    no Docker either way, and both start the same server function. The server speaks
    MCP over streamable HTTP on the runtime's standard contract (port 8000, ``/mcp``), is invoked
    with SigV4 (IAM inbound auth: only principals granted ``InvokeAgentRuntime`` reach it) and gets
    the vendor function name, the log-group allowlist, the default region and the caller-assertion
    key from environment variables (there is no default target account: a call without
    ``target_account_id`` uses the caller's single granted account). Its role may pull its image
    and write its own logs, traces and metrics; the vendor construct adds ``lambda:InvokeFunction``
    on the vendor, and the assertion key's policy ``kms:GetPublicKey``. Nothing else: no database,
    KMS use or STS.

    Args:
        scope: Parent construct.
        construct_id: Construct id.
        env_name: Environment name (part of the runtime name).
        vendor_function_name: Name of the credential vendor Lambda.
        default_region: Region for calls that name none.
        assertion_key_arn: The key whose public key verifies caller assertions.
        artifact: Code artifact (default) or container image.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        env_name: str,
        vendor_function_name: str,
        default_region: str,
        assertion_key_arn: str,
        artifact: RuntimeArtifact = DEFAULT_RUNTIME_ARTIFACT,
    ) -> None:
        super().__init__(scope, construct_id)
        self.artifact_kind = artifact
        self.image: ecr_assets.DockerImageAsset | None = None
        environment: dict[str, str] = {}
        if artifact is RuntimeArtifact.IMAGE:
            self.image = ecr_assets.DockerImageAsset(
                self,
                "Image",
                directory=str(RUNTIME_IMAGE_DIR),
                platform=IMAGE_PLATFORM,
                exclude=list(IMAGE_EXCLUDES),
                display_name="account-tools MCP server image",
            )
            runtime_artifact = agentcore.AgentRuntimeArtifact.from_ecr_repository(
                self.image.repository, self.image.image_tag
            )
            self._artifact_hash = self.image.asset_hash
        else:
            self._artifact_hash = RUNTIME_BUNDLE.source_hash()
            runtime_artifact = agentcore.AgentRuntimeArtifact.from_code_asset(
                path=str(RUNTIME_BUNDLE.root),
                runtime=CODE_RUNTIME,
                entrypoint=list(CODE_ENTRYPOINT),
                asset_hash_type=AssetHashType.CUSTOM,
                asset_hash=self._artifact_hash,
                bundling=bundling_options(RUNTIME_BUNDLE),
                display_name="account-tools MCP server code",
            )
            environment |= CODE_OTEL_ENVIRONMENT
        environment |= {
            ENV_VENDOR_FUNCTION_NAME: vendor_function_name,
            ENV_DEFAULT_REGION: default_region,
            ENV_ASSERTION_KEY_ID: assertion_key_arn,
        }
        self.runtime = agentcore.Runtime(
            self,
            "Runtime",
            runtime_name=runtime_name(env_name),
            description="Multi-account AWS tools (Cost Explorer, CloudTrail, Logs Insights) over MCP",
            agent_runtime_artifact=runtime_artifact,
            protocol_configuration=agentcore.ProtocolType.MCP,
            environment_variables=environment,
            tracing_enabled=True,
        )
        self.role: iam.IRole = self.runtime.role
        if artifact is RuntimeArtifact.IMAGE:
            Annotations.of(self.runtime).acknowledge_info(
                "aws-cdk-lib.aws-bedrockagentcore:containerUriValidationSkipped",
                "The image URI is the CDK asset's ECR location, resolved at deploy time.",
            )
        self._acknowledge_service_defaults()
        if artifact is RuntimeArtifact.CODE:
            self._acknowledge_code_asset_read()

    @property
    def artifact_hash(self) -> str:
        """Content hash of the runtime artifact (code bundle or image); changes with every change of it."""
        return self._artifact_hash

    @property
    def invocation_url(self) -> str:
        """HTTPS URL of the runtime's MCP endpoint (``InvokeAgentRuntime``, DEFAULT endpoint)."""
        stack = Stack.of(self)
        escaped_arn = (
            f"arn%3A{stack.partition}%3Abedrock-agentcore%3A{stack.region}%3A{stack.account}"
            f"%3Aruntime%2F{self.runtime.agent_runtime_id}"
        )
        return (
            f"https://bedrock-agentcore.{stack.region}.{stack.url_suffix}/runtimes/{escaped_arn}"
            f"/invocations?qualifier={RUNTIME_ENDPOINT_QUALIFIER}"
        )

    def _acknowledge_code_asset_read(self) -> None:
        """The runtime role reads its code bundle from the CDK assets bucket (CDK's asset read grant)."""
        reason = (
            "AgentCore Runtime fetches the code artifact with the runtime role; CDK's asset read grant uses "
            "{what}, limited to the bootstrap assets bucket of this account and region (read only)."
        )
        for action in ("s3:GetBucket*", "s3:GetObject*", "s3:List*"):
            acknowledge(self.runtime, f"AwsSolutions-IAM5[Action::{action}]", reason.format(what=f"{action}"))
        acknowledge(
            self.runtime,
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-"
            "<AWS::Region>/*]",
            reason.format(what="the objects of the assets bucket (asset keys are content hashes)"),
        )

    def _acknowledge_service_defaults(self) -> None:
        prefix = "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>"
        reasons = {
            f"{prefix}:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/bedrock-agentcore/runtimes/*]": (
                "AgentCore names the runtime's log groups at creation "
                "(/aws/bedrock-agentcore/runtimes/<id>-<endpoint>); the prefix is as narrow as the ids allow."
            ),
            f"{prefix}:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/bedrock-agentcore/runtimes/*:log-stream:*]": (
                "Log streams are created by the runtime per session under its own log-group prefix."
            ),
            f"{prefix}:logs:<AWS::Region>:<AWS::AccountId>:log-group:*]": (
                "logs:DescribeLogGroups is a list action that cannot be scoped to a log group."
            ),
            f"{prefix}:bedrock-agentcore:<AWS::Region>:<AWS::AccountId>:workload-identity-directory/default/"
            "workload-identity/*]": (
                "AgentCore creates the runtime's workload identity with a generated name; access tokens are "
                "only issued for the runtime's own identity."
            ),
            "AwsSolutions-IAM5[Resource::*]": (
                "X-Ray trace writes, ecr:GetAuthorizationToken and cloudwatch:PutMetricData (conditioned on the "
                "bedrock-agentcore namespace) do not support resource-level permissions."
            ),
        }
        for rule_id, reason in reasons.items():
            acknowledge(self.runtime, rule_id, reason)
