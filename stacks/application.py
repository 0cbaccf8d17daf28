"""Builds the CDK application: the platform stack, the customer onboarding stage and cdk-nag."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import App, Tags

from stacks.config import EnvironmentConfig
from stacks.constants import APP_NAME, CONTEXT_RUNTIME_ARTIFACT, CUSTOMER_STAGE_ID
from stacks.customer_stack import CustomerOnboardingStage
from stacks.nag import add_checks
from stacks.platform_stack import AccountToolsStack
from stacks.runtime import RuntimeArtifact


@dataclass(frozen=True)
class Application:
    """The stacks of the app, for callers (tests) that inspect them."""

    config: EnvironmentConfig
    platform: AccountToolsStack
    runtime_artifact: RuntimeArtifact
    customer: CustomerOnboardingStage


def platform_stack_name(config: EnvironmentConfig) -> str:
    """Stack name of an environment's platform stack (``AccountTools-dev``)."""
    return f"{APP_NAME}-{config.name}"


def build(app: App) -> Application:
    """Add every stack to ``app`` and register the AwsSolutions checks.

    The stacks are environment-agnostic (account and region come from the deploying credentials),
    so synthesis needs neither AWS credentials nor context lookups.
    """
    config = EnvironmentConfig.from_context(app.node)
    runtime_artifact = RuntimeArtifact.parse(app.node.try_get_context(CONTEXT_RUNTIME_ARTIFACT))
    platform = AccountToolsStack(
        app,
        platform_stack_name(config),
        config=config,
        runtime_artifact=runtime_artifact,
        description=f"Multi-account AWS tools for agents on Bedrock AgentCore ({config.name})",
    )
    customer = CustomerOnboardingStage(app, CUSTOMER_STAGE_ID, config=config)
    Tags.of(app).add("application", "account-tools")
    Tags.of(app).add("environment", config.name)
    add_checks(app)
    return Application(config=config, platform=platform, runtime_artifact=runtime_artifact, customer=customer)
