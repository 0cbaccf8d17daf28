"""Typed configuration of one deployment environment, read from CDK context.

Environments (dev, prod, ...) differ only through these values. They live in ``cdk.json`` under the
``environments`` context key; ``-c environment=prod`` selects one (default ``dev``). Nothing here
names an AWS account: stacks are environment-agnostic and deploy to the caller's account/region.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from fnmatch import fnmatchcase
from typing import Any

from aws_cdk import RemovalPolicy
from aws_cdk import aws_logs as logs
from constructs import Node

from credential_vendor.constants import MAX_SESSION_DURATION_S, MIN_SESSION_DURATION_S
from credential_vendor.scopes import MAX_SESSION_POLICY_CHARS, oversized_scopes
from stacks.constants import (
    CONTEXT_ENVIRONMENT,
    CONTEXT_ENVIRONMENTS,
    DEFAULT_ENVIRONMENT,
    DEFAULT_OAUTH_CALLBACK_URLS,
    DEFAULT_OAUTH_LOGOUT_URLS,
    DEFAULT_USER_GROUPS,
)

_ENV_NAME = re.compile(r"^[a-z][a-z0-9]{1,15}$")
# Cognito group names are free text; ours are also grant principals and CLI arguments: keep them plain.
_GROUP = re.compile(r"^[a-z][a-z0-9-]{1,63}$")
_CLIENT_NAME = re.compile(r"^[a-z][a-z0-9-]{1,63}$")
# Cognito allows http only for localhost; everything else must be https.
_OAUTH_URL = re.compile(r"^(https://[^\s#]+|http://(localhost|127\.0\.0\.1)(:\d+)?(/[^\s#]*)?)$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
_ROLE_PATTERN = re.compile(r"^[\w+=,.@-]+\*?$")
_LOG_GROUP = re.compile(r"^[\w#./-]{1,512}\*?$")  # a name, or a prefix pattern ending in '*'
_INSTANCE_TYPE = re.compile(r"^[a-z][a-z0-9]*\.[a-z0-9]+$")
_SNS_TOPIC_ARN = re.compile(r"^arn:aws[a-z-]*:sns:[a-z]{2}(-[a-z]+)+-\d:\d{12}:[A-Za-z0-9_-]{1,256}$")


# CloudWatch Logs accepts only these retention periods (days).
LOG_RETENTION: dict[int, logs.RetentionDays] = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    731: logs.RetentionDays.TWO_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
    3653: logs.RetentionDays.TEN_YEARS,
}


# Settings given as JSON lists in cdk.json, held as tuples.
LIST_SETTINGS = (
    "allowed_log_groups",
    "user_groups",
    "oauth_callback_urls",
    "oauth_logout_urls",
    "additional_agent_clients",
)


class ConfigError(ValueError):
    """The environment configuration in the CDK context is invalid."""


@dataclass(frozen=True, kw_only=True)
class EnvironmentConfig:
    """Settings of one deployment environment.

    Attributes:
        name: Short lowercase environment name, part of resource names (``dev``, ``prod``).
        vpc_cidr: IPv4 CIDR of the VPC (private isolated subnets only).
        max_azs: Availability zones to spread subnets, endpoints and the database over.
        db_instance_type: RDS instance type without the ``db.`` prefix (``t4g.micro``).
        db_multi_az: Run the registry database as Multi-AZ.
        db_deletion_protection: Enable RDS deletion protection.
        db_backup_retention_days: Automated backup retention, 1-35 days.
        retain_data: Keep the database (final snapshot), KMS key and user pool when the stack is destroyed.
        log_retention_days: Retention of the Lambda and VPC flow log groups.
        allowed_log_groups: Optional platform-wide default: log groups (names or ``*`` prefixes) in every
            account's Logs Insights allowlist, besides the registry's per-organization and per-account
            entries (``account-tools-admin log-groups``).
        customer_role_name_pattern: Glob (one trailing ``*``) of customer role names the vendor may assume.
        customer_role_name: Default name of the onboarding role; must match the pattern.
        default_target_region: Region used when neither the request nor the registry names one.
        session_duration_s: Lifetime of vended credentials, 900-3600 seconds.
        user_groups: Cognito groups of human users (grants may name a group).
        oauth_callback_urls: Redirect URLs of the users' authorization-code flow (https, or http on localhost).
        oauth_logout_urls: Sign-out redirect URLs of the users' client.
        additional_agent_clients: Names of agent app clients created besides the default one.
        user_pool_threat_protection: Plus feature plan with full-function threat protection (billed per user).
        alarm_topic_arn: SNS topic every alarm notifies (e.g. the on-call topic); empty: the stack creates one.
    """

    name: str
    vpc_cidr: str = "10.40.0.0/16"
    max_azs: int = 2
    db_instance_type: str = "t4g.micro"
    db_multi_az: bool = False
    db_deletion_protection: bool = False
    db_backup_retention_days: int = 1
    retain_data: bool = False
    log_retention_days: int = 30
    allowed_log_groups: tuple[str, ...] = field(default=())
    customer_role_name_pattern: str = "AccountToolsReadOnly*"
    customer_role_name: str = "AccountToolsReadOnly"
    default_target_region: str = "us-east-1"
    session_duration_s: int = 900
    user_groups: tuple[str, ...] = DEFAULT_USER_GROUPS
    oauth_callback_urls: tuple[str, ...] = DEFAULT_OAUTH_CALLBACK_URLS
    oauth_logout_urls: tuple[str, ...] = DEFAULT_OAUTH_LOGOUT_URLS
    additional_agent_clients: tuple[str, ...] = field(default=())
    user_pool_threat_protection: bool = False
    alarm_topic_arn: str = ""

    def __post_init__(self) -> None:
        """Validate every field; raise ``ConfigError`` naming the first bad one."""
        problems = list(self._problems())
        if problems:
            raise ConfigError(f"environment {self.name!r}: " + "; ".join(problems))

    def _problems(self) -> list[str]:
        problems: list[str] = []
        if not _ENV_NAME.match(self.name):
            problems.append("name must be 2-16 lowercase letters/digits starting with a letter")
        try:
            network = ipaddress.IPv4Network(self.vpc_cidr)
        except ValueError:
            problems.append(f"vpc_cidr {self.vpc_cidr!r} is not an IPv4 CIDR")
        else:
            if not 16 <= network.prefixlen <= 24:
                problems.append("vpc_cidr prefix length must be /16 to /24")
        if not 2 <= self.max_azs <= 3:
            problems.append("max_azs must be 2 or 3 (RDS subnet groups need two AZs)")
        if not _INSTANCE_TYPE.match(self.db_instance_type):
            problems.append(f"db_instance_type {self.db_instance_type!r} must look like 't4g.micro' (no 'db.' prefix)")
        if not 1 <= self.db_backup_retention_days <= 35:
            problems.append("db_backup_retention_days must be 1-35")
        if self.log_retention_days not in LOG_RETENTION:
            problems.append(f"log_retention_days must be one of {sorted(LOG_RETENTION)}")
        problems.extend(
            f"allowed log group {g!r} is invalid" for g in self.allowed_log_groups if not _LOG_GROUP.match(g)
        )
        problems.extend(
            f"allowed_log_groups make the {scope} session policy {size} characters, over the STS limit of "
            f"{MAX_SESSION_POLICY_CHARS}: remove groups or shorten their names"
            for scope, size in oversized_scopes(self.allowed_log_groups).items()
        )
        if not _ROLE_PATTERN.match(self.customer_role_name_pattern):
            problems.append("customer_role_name_pattern must be a role name with at most one trailing '*'")
        if not fnmatchcase(self.customer_role_name, self.customer_role_name_pattern):
            problems.append("customer_role_name must match customer_role_name_pattern")
        problems.extend(
            f"user group {g!r} must be 2-64 lowercase letters, digits or '-'"
            for g in self.user_groups
            if not _GROUP.match(g)
        )
        if not self.oauth_callback_urls:
            problems.append("oauth_callback_urls must name at least one URL")
        problems.extend(
            f"OAuth URL {u!r} must be https (http only on localhost)"
            for u in (*self.oauth_callback_urls, *self.oauth_logout_urls)
            if not _OAUTH_URL.match(u)
        )
        problems.extend(
            f"agent client name {n!r} must be 2-64 lowercase letters, digits or '-'"
            for n in self.additional_agent_clients
            if not _CLIENT_NAME.match(n)
        )
        if len(set(self.additional_agent_clients)) != len(self.additional_agent_clients):
            problems.append("additional_agent_clients has duplicates")
        if self.alarm_topic_arn and not _SNS_TOPIC_ARN.match(self.alarm_topic_arn):
            problems.append(f"alarm_topic_arn {self.alarm_topic_arn!r} is not an SNS topic ARN")
        if not _REGION.match(self.default_target_region):
            problems.append(f"default_target_region {self.default_target_region!r} is not a region name")
        if not MIN_SESSION_DURATION_S <= self.session_duration_s <= MAX_SESSION_DURATION_S:
            problems.append(f"session_duration_s must be {MIN_SESSION_DURATION_S}-{MAX_SESSION_DURATION_S}")
        return problems

    @property
    def log_retention(self) -> logs.RetentionDays:
        """``log_retention_days`` as a CloudWatch Logs retention setting."""
        return LOG_RETENTION[self.log_retention_days]

    @property
    def removal_policy(self) -> RemovalPolicy:
        """``RETAIN`` for environments that keep their data, else ``DESTROY``."""
        return RemovalPolicy.RETAIN if self.retain_data else RemovalPolicy.DESTROY

    @property
    def customer_role_name_prefix(self) -> str:
        """The fixed part of ``customer_role_name_pattern`` (before the ``*``)."""
        return self.customer_role_name_pattern.rstrip("*")

    @classmethod
    def from_mapping(cls, name: str, values: Mapping[str, Any]) -> EnvironmentConfig:
        """Build a config from one ``environments`` entry of the context.

        Raises:
            ConfigError: Unknown keys or invalid values.
        """
        known = {f.name for f in fields(cls)} - {"name"}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(f"environment {name!r}: unknown settings {unknown}")
        kwargs: dict[str, Any] = dict(values)
        for key in LIST_SETTINGS:
            if key in kwargs:
                kwargs[key] = tuple(kwargs[key])
        return cls(name=name, **kwargs)

    @classmethod
    def from_context(cls, node: Node) -> EnvironmentConfig:
        """Select and parse the environment named by the ``environment`` context key.

        Raises:
            ConfigError: The environment is not defined, or its settings are invalid.
        """
        name = str(node.try_get_context(CONTEXT_ENVIRONMENT) or DEFAULT_ENVIRONMENT)
        environments = node.try_get_context(CONTEXT_ENVIRONMENTS) or {}
        if name not in environments:
            raise ConfigError(f"environment {name!r} is not defined in the {CONTEXT_ENVIRONMENTS!r} context")
        return cls.from_mapping(name, environments[name])
