"""Result shapes of the tools: each tool's ``outputSchema`` and the check on its ``structuredContent``.

The SDK validates every successful result against its tool's model before it is
sent, so a result never drifts from the schema clients read. Field names are
snake_case; amounts are numbers with their unit; times are ISO-8601 UTC strings.
Error results are not described here: they are ``isError`` results with
``{"error_type", "message", "request_id"?}``.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, WithJsonSchema, model_serializer


class _OmitsAbsent(BaseModel):
    """Absent (``None``) values are left out of the result, as the output schemas say."""

    @model_serializer(mode="wrap")
    def _drop_nulls(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)  # nested models drop their own absent values
        return {k: v for k, v in data.items() if v is not None} if isinstance(data, dict) else data


class _Result(_OmitsAbsent):
    """Base of every tool result: unknown keys are a server bug, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class _Numbers(_OmitsAbsent):
    """An object of named numbers (Cost Explorer coverage/utilization figures, flattened to snake_case)."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, float] = Field(init=False)


class TimePeriod(_Result):
    """``[start, end)`` as ``YYYY-MM-DD``; ``end`` is exclusive."""

    start: str
    end: str


class Amount(_Result):
    """A Cost Explorer amount: a number and its unit (e.g. ``USD``, ``Hrs``)."""

    amount: float
    unit: str | None = None


# --- accounts and identity ---------------------------------------------------------------------------------------


class AccountEntry(_Result):
    """One account the caller may target."""

    account_id: str
    alias: str | None = None
    auth_type: str | None = None
    region: str | None = None


class AccountList(_Result):
    """``list_accounts``: the caller's granted accounts."""

    accounts: list[AccountEntry]


class CallerIdentity(_Result):
    """``get_caller_identity``."""

    target_account_id: str
    account_id: str
    arn: str
    user_id: str
    matches_target: bool


# --- Logs Insights -----------------------------------------------------------------------------------------------


class LogsQueryResult(_Result):
    """``logs_insights_query`` and ``logs_insights_get_results``: rows when finished, else the query id to resume."""

    target_account_id: str
    query_id: str
    status: str
    results: list[dict[str, str]] | None = Field(default=None, description="one object per row: field -> value")
    statistics: dict[str, float] | None = None
    message: str | None = None


# --- Cost Explorer -----------------------------------------------------------------------------------------------


class CostRow(_Result):
    """One period (and group, with ``group_by``) of ``get_cost_and_usage``."""

    start: str
    end: str
    estimated: bool
    metrics: dict[str, Amount]
    keys: list[str] | None = Field(default=None, description="the group's keys, in group_by order")


# A many-accounts answer's entries are advertised as plain objects (tools/list stays small): each has the
# single-account answer's fields, or error_type/message. The server still validates each entry's model.
ACCOUNTS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "account id -> that account's answer (the fields above), or its error_type and message",
}


class AccountFailure(_Result):
    """Why one account of a many-accounts call has no answer (its own error; the others are unaffected)."""

    error_type: str | None = None
    message: str | None = None
    request_id: str | None = None
    retry_after_s: float | None = None


class CostAndUsageEntry(AccountFailure):
    """One account's answer in a many-accounts ``get_cost_and_usage`` (or its error)."""

    dimension_value_attributes: dict[str, dict[str, str]] | None = None
    totals: dict[str, Amount] | None = None
    rows: list[CostRow] | None = None
    next_token: str | None = None


class CostAndUsage(_Result):
    """``get_cost_and_usage``: one account's answer, or with ``target_account_ids`` one entry per account."""

    target_account_id: str | None = None
    time_period: TimePeriod
    granularity: str
    group_by: list[str]
    dimension_value_attributes: dict[str, dict[str, str]] | None = None
    totals: dict[str, Amount] | None = None
    rows: list[CostRow] | None = None
    next_token: str | None = None
    accounts: Annotated[dict[str, CostAndUsageEntry] | None, WithJsonSchema(ACCOUNTS_SCHEMA)] = None


class ForecastRow(_Result):
    """One forecast period: mean and prediction interval."""

    start: str
    end: str
    mean: float
    lower_bound: float
    upper_bound: float


class CostForecast(_Result):
    """``get_cost_forecast``."""

    target_account_id: str
    time_period: TimePeriod
    metric: str
    prediction_interval_level: int
    total: Amount
    rows: list[ForecastRow]


class DimensionValue(_Result):
    """One value of a Cost Explorer dimension."""

    value: str
    attributes: dict[str, str] | None = None


class DimensionValues(_Result):
    """``get_dimension_values``: a dimension's values, tag keys (or a key's values), cost categories (or values)."""

    target_account_id: str
    kind: str
    dimension: str | None = None
    key: str | None = None
    values: list[DimensionValue]
    total_size: int | None = None
    next_token: str | None = None


# --- Savings Plans and Reserved Instances -----------------------------------------------------------------------


class CommitmentGroup(_Numbers):
    """One group of a Reserved Instance period (its attributes and figures)."""

    attributes: dict[str, str] = Field(default_factory=dict)
    subscription_id: str | None = None


class CommitmentRow(_Numbers):
    """One period (or Savings Plan): named figures, or its total and groups (Reserved Instances)."""

    start: str
    end: str
    savings_plan_arn: str | None = None
    attributes: dict[str, str] | None = None
    total: _Numbers | None = None
    groups: list[CommitmentGroup] | None = None


class CommitmentReport(_Result):
    """``get_commitments``: Savings Plans or Reserved Instance coverage or utilization, or the Savings Plans."""

    kind: str
    target_account_id: str
    time_period: TimePeriod | None = None
    total: _Numbers | None = None
    rows: list[CommitmentRow]
    next_token: str | None = None


# --- CloudWatch Logs: many-accounts queries, stopping a query, log groups ----------------------------------------


class LogsQueryEntry(AccountFailure):
    """One account's query in a many-accounts ``logs_insights_query`` (or its error)."""

    query_id: str | None = None
    status: str | None = None
    results: list[dict[str, str]] | None = None
    statistics: dict[str, float] | None = None


class LogsQuery(_Result):
    """``logs_insights_query``: as ``LogsQueryResult``, or with ``target_account_ids`` one entry per account."""

    target_account_id: str | None = None
    query_id: str | None = None
    status: str | None = None
    results: list[dict[str, str]] | None = Field(default=None, description="one object per row: field -> value")
    statistics: dict[str, float] | None = None
    message: str | None = None
    accounts: Annotated[dict[str, LogsQueryEntry] | None, WithJsonSchema(ACCOUNTS_SCHEMA)] = None


class LogsQueryStopped(_Result):
    """``logs_insights_stop_query``: ``stopped`` when the query is now cancelled (also if it already was)."""

    target_account_id: str
    query_id: str
    stopped: bool


class LogGroup(_Result):
    """One allowlisted log group that exists."""

    name: str
    created: str | None = None
    retention_days: int | None = None
    stored_bytes: int | None = None


class LogGroups(_Result):
    """``list_log_groups``: the account's allowlisted log groups that exist."""

    target_account_id: str
    log_groups: list[LogGroup]
    next_token: str | None = None


# --- CloudTrail --------------------------------------------------------------------------------------------------


class EventResource(_Result):
    """A resource an event names."""

    type: str | None = None
    name: str | None = None


class TrailEvent(_Result):
    """One CloudTrail management event."""

    event_id: str | None = None
    event_name: str | None = None
    event_time: str | None = None
    event_source: str | None = None
    username: str | None = None
    read_only: bool
    access_key_id: str | None = None
    resources: list[EventResource]
    principal_arn: str | None = None
    aws_region: str | None = None
    source_ip_address: str | None = None
    user_agent: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    cloudtrail_event: dict[str, Any] | None = Field(default=None, description="the full record (include_raw_event)")


class TrailEventsEntry(AccountFailure):
    """One account's events in a many-accounts ``lookup_events`` (or its error)."""

    events: list[TrailEvent] | None = None
    next_token: str | None = None


class TrailEvents(_Result):
    """``lookup_events``: one account's events, or with ``target_account_ids`` one entry per account."""

    target_account_id: str | None = None
    events: list[TrailEvent] | None = None
    next_token: str | None = None
    accounts: Annotated[dict[str, TrailEventsEntry] | None, WithJsonSchema(ACCOUNTS_SCHEMA)] = None


class EventDataStore(_Result):
    """One CloudTrail Lake event data store."""

    event_data_store_id: str
    arn: str | None = None
    name: str | None = None
    status: str | None = None
    multi_region: bool | None = None
    organization: bool | None = None
    retention_days: int | None = None
    created: str | None = None


class EventDataStores(_Result):
    """``list_event_data_stores``."""

    target_account_id: str
    event_data_stores: list[EventDataStore]
    next_token: str | None = None


class LakeQuery(_Result):
    """``lake_query``, ``get_query_status`` and ``get_query_results``: rows when finished, else the status."""

    target_account_id: str
    query_id: str | None = None
    status: str | None = None
    rows: list[dict[str, Any]] | None = Field(default=None, description="one object per row: column -> value")
    query_statement: str | None = None
    statistics: dict[str, float] = Field(default_factory=dict)
    error_message: str | None = None
    message: str | None = None
    next_token: str | None = None


# --- anomalies, comparisons, recommendations ----------------------------------------------------------------------


class AnomalyRootCause(_Result):
    """Where an anomaly's cost came from."""

    service: str | None = None
    region: str | None = None
    linked_account: str | None = None
    usage_type: str | None = None
    contribution: float | None = Field(default=None, description="this cause's share of the impact, in USD")


class Anomaly(_Result):
    """One cost anomaly: when, how much more than expected, and its root causes."""

    anomaly_id: str
    start: str | None = None
    end: str | None = None
    monitor_arn: str | None = None
    feedback: str | None = None
    score: float | None = None
    total_impact: float | None = None
    total_actual_spend: float | None = None
    total_expected_spend: float | None = None
    root_causes: list[AnomalyRootCause]


class AnomalyMonitor(_Result):
    """One cost anomaly monitor."""

    monitor_arn: str | None = None
    name: str | None = None
    type: str | None = None
    dimension: str | None = None
    created: str | None = None


class AnomaliesEntry(AccountFailure):
    """One account's anomalies or monitors in a many-accounts ``get_anomalies`` (or its error)."""

    anomalies: list[Anomaly] | None = None
    monitors: list[AnomalyMonitor] | None = None
    next_token: str | None = None


class CostAnomalies(_Result):
    """``get_anomalies``: one account's answer, or with ``target_account_ids`` one entry per account."""

    kind: str
    target_account_id: str | None = None
    time_period: TimePeriod | None = None
    anomalies: list[Anomaly] | None = None
    monitors: list[AnomalyMonitor] | None = None
    next_token: str | None = None
    accounts: Annotated[dict[str, AnomaliesEntry] | None, WithJsonSchema(ACCOUNTS_SCHEMA)] = None


class ComparisonAmount(_Result):
    """A metric in both periods and the difference (comparison - baseline)."""

    baseline: float
    comparison: float
    difference: float
    unit: str | None = None


class CostDriver(_Result):
    """One driver of a cost change (e.g. usage change, a Savings Plan that expired)."""

    type: str | None = None
    name: str | None = None
    metrics: dict[str, ComparisonAmount]


class ComparisonRow(_Result):
    """One selector's change between the periods (and, for drivers, what drove it)."""

    selector: dict[str, Any] = Field(description="the Cost Explorer Expression this row is for")
    metrics: dict[str, ComparisonAmount]
    drivers: list[CostDriver] | None = None


class ComparisonEntry(AccountFailure):
    """One account's comparison in a many-accounts ``compare_costs`` (or its error)."""

    totals: dict[str, ComparisonAmount] | None = None
    rows: list[ComparisonRow] | None = None
    next_token: str | None = None


class CostComparison(_Result):
    """``compare_costs``: one account's answer, or with ``target_account_ids`` one entry per account."""

    kind: str
    metric: str
    baseline: TimePeriod
    comparison: TimePeriod
    target_account_id: str | None = None
    totals: dict[str, ComparisonAmount] | None = None
    rows: list[ComparisonRow] | None = None
    next_token: str | None = None
    accounts: Annotated[dict[str, ComparisonEntry] | None, WithJsonSchema(ACCOUNTS_SCHEMA)] = None


class Recommendation(_OmitsAbsent):
    """One recommendation: text attributes and named figures (amounts as numbers)."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, float | str] = Field(init=False)


class Recommendations(_Result):
    """``get_recommendations``."""

    kind: str
    parameters: dict[str, str] = Field(description="what the recommendations assume (term, payment, lookback)")
    target_account_id: str
    recommendation_id: str | None = None
    summary: Recommendation | None = None
    recommendations: list[Recommendation] | None = None
    next_token: str | None = None


# --- budgets -----------------------------------------------------------------------------------------------------


class Budget(_Result):
    """One budget: its limit, actual and forecast spend this period, and how much of the limit each is."""

    name: str
    budget_type: str | None = None
    time_unit: str | None = None
    limit: Amount | None = None
    actual: Amount | None = None
    forecast: Amount | None = None
    actual_percent_of_limit: float | None = None
    forecast_percent_of_limit: float | None = None
    period_start: str | None = None
    period_end: str | None = None


class BudgetPeriod(_Result):
    """One period of a budget's history: budgeted and actual amount."""

    start: str | None = None
    end: str | None = None
    budgeted: Amount | None = None
    actual: Amount | None = None
    actual_percent_of_budget: float | None = None


class BudgetsEntry(AccountFailure):
    """One account's budgets in a many-accounts ``get_budgets`` (or its error)."""

    budgets: list[Budget] | None = None
    next_token: str | None = None


class Budgets(_Result):
    """``get_budgets``: the budgets, or one budget's history; with ``target_account_ids`` one entry per account."""

    kind: str
    target_account_id: str | None = None
    budget_name: str | None = None
    budget_type: str | None = None
    time_unit: str | None = None
    budgets: list[Budget] | None = None
    history: list[BudgetPeriod] | None = None
    next_token: str | None = None
    accounts: Annotated[dict[str, BudgetsEntry] | None, WithJsonSchema(ACCOUNTS_SCHEMA)] = None


# --- CloudWatch --------------------------------------------------------------------------------------------------


class MetricSeries(_Result):
    """One GetMetricData query's answer: ``points`` maps each ISO-8601 timestamp to its value, oldest first."""

    id: str
    points: dict[str, float]


class ListedMetric(_Result):
    """One metric that exists (ListMetrics): namespace, name and dimensions (name -> value)."""

    namespace: str | None = None
    metric_name: str | None = None
    dimensions: dict[str, str] | None = None


class Metrics(_Result):
    """``get_metrics``: datapoints per query (kind=data) or the metrics that exist (kind=list)."""

    kind: str
    target_account_id: str
    results: list[MetricSeries] | None = None
    # Item fields by model only (tools/list budget): namespace, metric_name, dimensions.
    metrics: Annotated[list[ListedMetric] | None, WithJsonSchema({"items": {"type": "object"}, "type": "array"})] = None
    next_token: str | None = None
    note: str | None = None


class AlarmSummary(_Result):
    """One alarm: its state and why, what it watches and when it fires (a composite alarm: ``rule: ...``)."""

    name: str
    state: str | None = None
    reason: str | None = None
    updated: str | None = None
    metric: str | None = None  # namespace, name and dimensions, e.g. AWS/EC2 CPUUtilization InstanceId=i-0abc
    condition: str | None = None


class AlarmHistoryItem(_Result):
    """One alarm history item: a state change, a configuration update or an action."""

    name: str
    time: str | None = None
    type: str | None = None
    summary: str | None = None


class Alarms(_Result):
    """``get_alarms``: alarms (kind=alarms) or alarm history (kind=history)."""

    kind: str
    target_account_id: str
    alarms: list[AlarmSummary] | None = None
    # Item fields by model only (tools/list budget): name, time, type, summary.
    history: Annotated[
        list[AlarmHistoryItem] | None, WithJsonSchema({"items": {"type": "object"}, "type": "array"})
    ] = None
    next_token: str | None = None
