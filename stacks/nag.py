"""cdk-nag (v3) wiring: the AwsSolutions rule pack and reasoned acknowledgements."""

from __future__ import annotations

from aws_cdk import Acknowledgment, App, CfnElement, Stack, Validations
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct

MIN_REASON_CHARS = 40


def add_checks(app: App) -> None:
    """Run the AwsSolutions rule pack on every stack of ``app``, nested stages included.

    Any unacknowledged finding fails synthesis.
    """
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))


def acknowledge(scope: IConstruct, rule_id: str, reason: str) -> None:
    """Acknowledge one cdk-nag finding on ``scope`` (and its children) with a specific reason.

    Args:
        scope: The construct the finding is reported on, or one of its parents.
        rule_id: The finding id, e.g. ``AwsSolutions-IAM5[Resource::*]``.
        reason: Why the finding is acceptable here; at least ``MIN_REASON_CHARS`` characters.

    Raises:
        ValueError: The reason is too short to explain anything.
    """
    if len(reason.strip()) < MIN_REASON_CHARS:
        raise ValueError(f"acknowledgement of {rule_id} needs a specific reason, got {reason!r}")
    Validations.of(scope).acknowledge(Acknowledgment(id=rule_id, reason=reason))


def logical_id(element: IConstruct) -> str:
    """The CloudFormation logical id of a construct's L1 resource, as cdk-nag prints it in finding ids.

    Findings on policies that reference another resource (``<LogicalId.Arn>/*``) embed the id; this
    derives it from the construct instead of copying a hash into the source.
    """
    resource = element if isinstance(element, CfnElement) else element.node.default_child
    if not isinstance(resource, CfnElement):
        raise TypeError(f"{element.node.path} has no CloudFormation resource")
    stack = Stack.of(resource)
    return str(stack.resolve(stack.get_logical_id(resource)))
