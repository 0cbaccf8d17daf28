"""Dashboard and alarms of the platform: vending, the runtime's tools and the registry database.

Built with cdk-monitoring-constructs (one ``MonitoringFacade``: widgets and alarms from the same
definitions). Every alarm notifies one SNS topic: the environment's ``alarm_topic_arn`` when it names
one (an on-call topic), else a topic this construct creates (KMS-encrypted, TLS only) for operators
to subscribe to.

Metric sources:

- the credential vendor (Powertools EMF, namespace ``AgentCoreAccountTools``): ``VendFailure`` by
  ``service`` + ``error_type`` (and + ``scope``), ``VendLatency``/``VendSuccess`` by ``service`` (and
  + ``scope``), ``AwsCallFailure`` by ``service`` + ``operation`` (``AssumeRole``, ``Decrypt``,
  ``GetFederationToken``); Lambda's own ``Throttles`` and ``Errors``;
- the MCP runtime (OpenTelemetry through ADOT into the ``bedrock-agentcore`` namespace, the only one
  its role may write): ``account_tools.tool_errors`` by ``error_type`` and the gauge
  ``account_tools.credential_cache_hit_ratio``. ADOT may add resource attributes as dimensions, so
  these are read with CloudWatch Metrics Insights queries over the namespace (any dimension set);
- RDS: CPU, connections, free storage.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import cdk_monitoring_constructs as monitoring
from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_rds as rds
from aws_cdk import aws_sns as sns
from constructs import Construct

from credential_vendor.constants import METRICS_NAMESPACE, POWERTOOLS_SERVICE_NAME
from stacks.constants import APP_NAME

PERIOD: Final = Duration.minutes(5)
# The runtime's OpenTelemetry metrics (runtime_image/account_tools/observability.py; a test keeps them equal).
RUNTIME_METRICS_NAMESPACE: Final = "bedrock-agentcore"
RUNTIME_TOOL_ERRORS: Final = "account_tools.tool_errors"
RUNTIME_CACHE_HIT_RATIO: Final = "account_tools.credential_cache_hit_ratio"
# The vendor's metric names (lambdas/credential_vendor/handler.py).
VEND_FAILURE: Final = "VendFailure"
VEND_SUCCESS: Final = "VendSuccess"
VEND_LATENCY: Final = "VendLatency"
AWS_CALL_FAILURE: Final = "AwsCallFailure"


@dataclass(frozen=True, kw_only=True)
class AlarmThresholds:
    """Alarm thresholds, each over one 5-minute period unless stated.

    Attributes:
        vend_failures: ``VendFailure`` count per ``error_type`` that raises its alarm.
        aws_call_failures: ``AwsCallFailure`` count per operation (``Decrypt`` is KMS).
        vend_latency_p99_ms: p99 of ``VendLatency``, three periods in a row.
        vendor_throttles: Lambda throttles of the vendor function (invocations refused).
        tool_errors: Runtime tool errors per ``error_type``.
        cache_hit_ratio_min: The runtime's credential-cache hit ratio below this, three periods in a row.
        rds_cpu_percent: Registry CPU, three periods in a row.
        rds_connections: Registry database connections.
        rds_free_storage_bytes: Registry free storage below this.
    """

    vend_failures: dict[str, int] = field(
        default_factory=lambda: {
            "database_error": 1,
            "credential_error": 3,
            "assume_role_error": 3,
            "throttled": 5,
            "unauthorized": 20,
            "account_not_found": 20,
        }
    )
    aws_call_failures: dict[str, int] = field(
        default_factory=lambda: {"AssumeRole": 3, "Decrypt": 1, "GetFederationToken": 3}
    )
    vend_latency_p99_ms: int = 5_000
    vendor_throttles: int = 1
    tool_errors: dict[str, int] = field(
        default_factory=lambda: {"internal_error": 1, "credential_error": 5, "throttled": 10, "timeout": 5}
    )
    cache_hit_ratio_min: float = 0.5
    rds_cpu_percent: int = 80
    rds_connections: int = 80
    rds_free_storage_bytes: int = 2 * 1024**3


def _at_least(threshold: float, *, periods: int = 1) -> monitoring.CustomThreshold:
    return monitoring.CustomThreshold(
        threshold=threshold,
        comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluation_periods=periods,
        datapoints_to_alarm=periods,
        treat_missing_data_override=cw.TreatMissingData.NOT_BREACHING,
    )


def _vendor_metric(name: str, *, statistic: str = "Sum", label: str, **dimensions: str) -> cw.Metric:
    return cw.Metric(
        namespace=METRICS_NAMESPACE,
        metric_name=name,
        dimensions_map={"service": POWERTOOLS_SERVICE_NAME, **dimensions},
        statistic=statistic,
        period=PERIOD,
        label=label,
    )


def _runtime_query(aggregate: str, metric: str, *, label: str, where: str = "") -> cw.MathExpression:
    """A Metrics Insights query over every dimension set of the runtime's metric (one time series)."""
    query = f'SELECT {aggregate}("{metric}") FROM "{RUNTIME_METRICS_NAMESPACE}"'  # noqa: S608 - Metrics Insights, our constants
    return cw.MathExpression(expression=query + (f" WHERE {where}" if where else ""), period=PERIOD, label=label)


class Monitoring(Construct):
    """One dashboard and the platform's alarms, all notifying one SNS topic.

    Args:
        scope: Parent construct.
        construct_id: Construct id.
        env_name: Environment name (prefix of the dashboard and alarm names).
        vendor_function: The credential vendor Lambda.
        registry_instance: The registry's RDS instance.
        alarm_topic_arn: An existing topic for the alarms; empty: create one.
        removal_policy: What happens to a created topic's key when the stack is deleted.
        thresholds: Alarm thresholds.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        env_name: str,
        vendor_function: lambda_.IFunction,
        registry_instance: rds.IDatabaseInstance,
        alarm_topic_arn: str,
        removal_policy: RemovalPolicy,
        thresholds: AlarmThresholds | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        limits = thresholds or AlarmThresholds()
        prefix = f"{APP_NAME}-{env_name}"
        self.topic = (
            sns.Topic.from_topic_arn(self, "AlarmTopic", alarm_topic_arn)
            if alarm_topic_arn
            else self._create_topic(prefix, removal_policy)
        )
        self.facade = monitoring.MonitoringFacade(
            self,
            "Facade",
            alarm_factory_defaults=monitoring.AlarmFactoryDefaults(
                actions_enabled=True,
                alarm_name_prefix=prefix,
                action=monitoring.SnsAlarmActionStrategy(on_alarm_topic=self.topic),
            ),
            dashboard_factory=monitoring.DefaultDashboardFactory(
                self,
                "Dashboards",
                dashboard_name_prefix=prefix,
                create_dashboard=True,
                create_summary_dashboard=False,
                create_alarm_dashboard=False,
                rendering_preference=monitoring.DashboardRenderingPreference.INTERACTIVE_ONLY,
            ),
        )
        self._monitor_vendor(vendor_function, limits)
        self._monitor_runtime(limits)
        self.facade.monitor_rds_instance(
            instance=registry_instance,
            alarm_friendly_name="Registry",
            human_readable_name="Registry database (RDS PostgreSQL)",
            add_cpu_usage_alarm={
                "Warning": monitoring.UsageThreshold(
                    max_usage_percent=limits.rds_cpu_percent, evaluation_periods=3, datapoints_to_alarm=3
                )
            },
            add_max_connection_count_alarm={
                "Warning": monitoring.HighConnectionCountThreshold(max_connection_count=limits.rds_connections)
            },
            add_free_storage_space_alarm={
                "Critical": monitoring.MinUsageCountThreshold(min_count=limits.rds_free_storage_bytes)
            },
        )
        self.dashboard = self.facade.created_dashboard()

    def _create_topic(self, prefix: str, removal_policy: RemovalPolicy) -> sns.ITopic:
        """A topic for the alarms, encrypted with its own key that CloudWatch may use."""
        key = kms.Key(
            self,
            "AlarmTopicKey",
            description=f"{prefix}: encrypts the alarm topic",
            enable_key_rotation=True,
            removal_policy=removal_policy,
        )
        # CloudWatch publishes alarm notifications to the encrypted topic.
        key.grant(iam.ServicePrincipal("cloudwatch.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey*")
        return sns.Topic(
            self,
            "AlarmTopic",
            topic_name=f"{prefix}-alarms",
            display_name=f"{prefix} alarms",
            master_key=key,
            enforce_ssl=True,
        )

    def _monitor_vendor(self, function: lambda_.IFunction, limits: AlarmThresholds) -> None:
        self.facade.monitor_lambda_function(
            lambda_function=function,
            alarm_friendly_name="CredentialVendorFunction",
            human_readable_name="Credential vendor (Lambda)",
            add_throttles_count_alarm={
                "Critical": monitoring.ErrorCountThreshold(max_error_count=limits.vendor_throttles - 1)
            },
            add_fault_count_alarm={"Critical": monitoring.ErrorCountThreshold(max_error_count=0)},
        )
        failures = [
            monitoring.CustomMetricWithAlarm(
                metric=_vendor_metric(VEND_FAILURE, label=error_type, error_type=error_type),
                alarm_friendly_name=f"VendFailures-{error_type}",
                add_alarm={"Critical": _at_least(threshold)},
            )
            for error_type, threshold in limits.vend_failures.items()
        ]
        aws_calls = [
            monitoring.CustomMetricWithAlarm(
                metric=_vendor_metric(AWS_CALL_FAILURE, label=operation, operation=operation),
                alarm_friendly_name=f"AwsCallFailures-{operation}",
                add_alarm={"Critical": _at_least(threshold)},
            )
            for operation, threshold in limits.aws_call_failures.items()
        ]
        latency = monitoring.CustomMetricWithAlarm(
            metric=_vendor_metric(VEND_LATENCY, statistic="p99", label="p99"),
            alarm_friendly_name="VendLatencyP99",
            add_alarm={"Warning": _at_least(limits.vend_latency_p99_ms, periods=3)},
        )
        self.facade.monitor_custom(
            alarm_friendly_name="CredentialVending",
            human_readable_name="Credential vending",
            metric_groups=[
                monitoring.CustomMetricGroup(title="Vend failures by error_type", metrics=failures),
                monitoring.CustomMetricGroup(
                    title="Failed AWS calls (AssumeRole: STS, Decrypt: KMS, GetFederationToken: STS)",
                    metrics=aws_calls,
                ),
                monitoring.CustomMetricGroup(
                    title="Vends and latency (ms)",
                    metrics=[
                        _vendor_metric(VEND_SUCCESS, label="vended"),
                        latency,
                        _vendor_metric(VEND_LATENCY, statistic="p50", label="p50"),
                    ],
                ),
            ],
        )

    def _monitor_runtime(self, limits: AlarmThresholds) -> None:
        errors = [
            monitoring.CustomMetricWithAlarm(
                metric=_runtime_query(
                    "SUM", RUNTIME_TOOL_ERRORS, label=error_type, where=f"error_type = '{error_type}'"
                ),
                alarm_friendly_name=f"ToolErrors-{error_type}",
                add_alarm={"Critical": _at_least(threshold)},
            )
            for error_type, threshold in limits.tool_errors.items()
        ]
        hit_ratio = monitoring.CustomMetricWithAlarm(
            metric=_runtime_query("AVG", RUNTIME_CACHE_HIT_RATIO, label="hit ratio"),
            alarm_friendly_name="CredentialCacheHitRatio",
            add_alarm={
                "Warning": monitoring.CustomThreshold(
                    threshold=limits.cache_hit_ratio_min,
                    comparison_operator=cw.ComparisonOperator.LESS_THAN_THRESHOLD,
                    evaluation_periods=3,
                    datapoints_to_alarm=3,
                    treat_missing_data_override=cw.TreatMissingData.NOT_BREACHING,
                )
            },
        )
        self.facade.monitor_custom(
            alarm_friendly_name="McpRuntime",
            human_readable_name="MCP runtime tools",
            metric_groups=[
                monitoring.CustomMetricGroup(
                    title="Tool errors by error_type (all error types)",
                    metrics=[
                        *errors,
                        cw.MathExpression(
                            expression=(
                                f'SELECT SUM("{RUNTIME_TOOL_ERRORS}") FROM "{RUNTIME_METRICS_NAMESPACE}" '  # noqa: S608
                                "GROUP BY error_type"
                            ),
                            period=PERIOD,
                            label="",
                        ),
                    ],
                ),
                monitoring.CustomMetricGroup(title="Credential cache hit ratio", metrics=[hit_ratio]),
            ],
        )
