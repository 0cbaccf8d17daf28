"""Demo data for the local stack: one recognisable data set per AWS account, for ``POST /moto-api/local/seed``.

Every account gets the same *kinds* of data with different numbers, and every CloudTrail event names the
account's alias (user names, bucket names, function names), so whoever reads a demo answer can tell which
account it came from. The data are deterministic for an (account, alias, now) triple: event ids and the
event data store id are UUIDv5 of the account, the cost numbers are scaled by a factor derived from the
account id. Event times are relative to ``now`` (the last few days), because LookupEvents is normally asked
about recent activity.

Example::

    summary = post_seed("http://127.0.0.1:5000", demo_seed("222222222222", "acme-prod"))
"""

from __future__ import annotations

import hashlib
import json
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

DEMO_REGION = "us-east-1"
SEED_PATH = "/moto-api/local/seed"
SEED_TIMEOUT_S = 10
_DEMO_NAMESPACE = uuid.UUID("6f1c7a52-3b7e-4d2a-9a55-0d1f3c2b8e41")
_SCALE_STEPS = 7


def demo_event_data_store_id(account_id: str) -> str:
    """Return the fixed CloudTrail Lake event data store ID that :func:`demo_seed` gives an account."""
    return str(uuid.uuid5(_DEMO_NAMESPACE, f"eventdatastore/{account_id}"))


def _scale(account_id: str) -> Decimal:
    """Return a per-account factor in [1.0, 2.5] so each account's numbers differ recognisably."""
    digest = int(hashlib.sha256(account_id.encode()).hexdigest(), 16)
    return Decimal(1) + Decimal(digest % _SCALE_STEPS) / Decimal(4)


def _amount(base: str, scale: Decimal) -> str:
    return str((Decimal(base) * scale).quantize(Decimal("0.01")))


def _events(account_id: str, alias: str, now: datetime) -> list[dict[str, Any]]:
    """Return 16 management events of the last six days, newest first, all naming ``alias``."""
    admin, deployer, analyst = f"{alias}-admin", f"{alias}-ci-deployer", f"{alias}-finops-analyst"
    bucket = f"{alias}-billing-reports"
    function = f"{alias}-nightly-export"
    instance = f"i-0{hashlib.sha256(account_id.encode()).hexdigest()[:16]}"
    key = f"AKIA{account_id}DEMO"
    specs: list[tuple[float, str, str, str, list[tuple[str, str]], dict[str, Any]]] = [
        (0.5, "ConsoleLogin", "signin.amazonaws.com", admin, [], {"UserIdentityType": "IAMUser"}),
        (1, "DescribeInstances", "ec2.amazonaws.com", analyst, [], {}),
        (2, "RunInstances", "ec2.amazonaws.com", deployer, [("AWS::EC2::Instance", instance)], {}),
        (3, "CreateTags", "ec2.amazonaws.com", deployer, [("AWS::EC2::Instance", instance)], {}),
        (5, "GetCostAndUsage", "ce.amazonaws.com", analyst, [], {}),
        (8, "PutBucketPolicy", "s3.amazonaws.com", admin, [("AWS::S3::Bucket", bucket)], {}),
        (12, "CreateBucket", "s3.amazonaws.com", admin, [("AWS::S3::Bucket", bucket)], {}),
        (
            20,
            "UpdateFunctionCode20150331v2",
            "lambda.amazonaws.com",
            deployer,
            [("AWS::Lambda::Function", function)],
            {},
        ),
        (26, "AttachRolePolicy", "iam.amazonaws.com", admin, [("AWS::IAM::Role", f"{alias}-readonly")], {}),
        (30, "StopInstances", "ec2.amazonaws.com", admin, [("AWS::EC2::Instance", instance)], {}),
        (
            36,
            "DeleteBucket",
            "s3.amazonaws.com",
            analyst,
            [("AWS::S3::Bucket", bucket)],
            {"ErrorCode": "AccessDenied", "ErrorMessage": f"{analyst} is not authorized to perform s3:DeleteBucket"},
        ),
        (48, "GetSavingsPlansCoverage", "ce.amazonaws.com", analyst, [], {}),
        (60, "CreateUser", "iam.amazonaws.com", admin, [("AWS::IAM::User", f"{alias}-auditor")], {}),
        (72, "AssumeRole", "sts.amazonaws.com", deployer, [("AWS::IAM::Role", f"{alias}-deploy-role")], {}),
        (96, "LookupEvents", "cloudtrail.amazonaws.com", analyst, [], {}),
        (140, "ConsoleLogin", "signin.amazonaws.com", analyst, [], {}),
    ]
    events = []
    for hours_ago, name, source, user, resources, extra in specs:
        events.append(
            {
                "EventId": str(uuid.uuid5(_DEMO_NAMESPACE, f"{account_id}/{name}/{hours_ago}")),
                "EventName": name,
                "EventSource": source,
                "EventTime": (now - timedelta(hours=hours_ago)).isoformat(),
                "Username": user,
                "AccessKeyId": key,
                "Resources": [{"ResourceType": rtype, "ResourceName": rname} for rtype, rname in resources],
                "UserAgent": f"{alias}-demo-client/1.0",
                **extra,
            }
        )
    return events


# Each demo account's cost story: the service whose cost jumped last month, the usage type and instance family
# behind it, and the anomaly's impact in USD. Accounts without a story had no anomaly.
_COST_STORIES: dict[str, tuple[str, str, str, float]] = {
    "222222222222": ("Amazon Elastic Compute Cloud - Compute", "USE1-BoxUsage:m6i.2xlarge", "m6i", 412.0),
    "333333333333": ("Amazon Relational Database Service", "USE1-RDS:GP3-Storage", "db.r6g", 96.0),
}
MILLI = Decimal("0.001")
_STORY_SERVICES = {
    "Amazon Elastic Compute Cloud - Compute": "1840.00",
    "Amazon Relational Database Service": "720.00",
    "Amazon Simple Storage Service": "160.00",
    "AWS Lambda": "95.00",
}


def _month_start(day: datetime, months_back: int) -> datetime:
    index = day.year * 12 + day.month - 1 - months_back
    return day.replace(year=index // 12, month=index % 12 + 1, day=1, hour=0, minute=0, second=0, microsecond=0)


def metrics_of(row: dict[str, Any]) -> dict[str, dict[str, str]]:
    """A comparison row's or driver's ``Metrics``."""
    metrics: dict[str, dict[str, str]] = row["Metrics"]
    return metrics


def _change(baseline: Decimal, comparison: Decimal) -> dict[str, str]:
    return {
        "BaselineTimePeriodAmount": str(baseline),
        "ComparisonTimePeriodAmount": str(comparison),
        "Difference": str(comparison - baseline),
        "Unit": "USD",
    }


def demo_ce_fixtures(account_id: str, alias: str, now: datetime, region: str = DEMO_REGION) -> dict[str, Any]:
    """Cost Explorer fixtures (AWS response shapes) for anomalies, comparisons, drivers and SP recommendations.

    An account with a story in ``_COST_STORIES`` had an anomaly last month in that service; the month's
    comparison with the month before shows the jump, the drivers name its usage type, and the Savings Plans
    recommendation covers that instance family. Other accounts have a monitor, no anomaly, flat costs.
    """
    scale = _scale(account_id)
    story = _COST_STORIES.get(account_id)
    monitor_arn = f"arn:aws:ce::{account_id}:anomalymonitor/{uuid.uuid5(_DEMO_NAMESPACE, f'monitor/{account_id}')}"
    last_month = _month_start(now, 1)
    anomalies = []
    if story:
        service, usage_type, family, impact = story
        start, end = last_month + timedelta(days=9), last_month + timedelta(days=14)
        anomalies.append(
            {
                "AnomalyId": str(uuid.uuid5(_DEMO_NAMESPACE, f"anomaly/{account_id}")),
                "AnomalyStartDate": start.date().isoformat(),
                "AnomalyEndDate": end.date().isoformat(),
                "DimensionValue": service,
                "RootCauses": [
                    {"Service": service, "Region": region, "LinkedAccount": account_id, "LinkedAccountName": alias,
                     "UsageType": usage_type, "Impact": {"Contribution": impact}}
                ],
                "AnomalyScore": {"MaxScore": 0.93, "CurrentScore": 0.41},
                "Impact": {"MaxImpact": round(impact / 5, 2), "TotalImpact": impact,
                           "TotalActualSpend": round(impact * 3.4, 2), "TotalExpectedSpend": round(impact * 2.4, 2),
                           "TotalImpactPercentage": 41.7},
                "MonitorArn": monitor_arn,
                "Feedback": "NO",
            }
        )  # fmt: skip
    rows: list[dict[str, Any]] = []
    drivers: list[dict[str, Any]] = []
    usage_type = story[1] if story else ""
    for service, base in _STORY_SERVICES.items():
        baseline = (Decimal(base) * scale).quantize(Decimal("0.01"))
        jump = Decimal(str(story[3] * 2.5)) if story and story[0] == service else Decimal(0)
        comparison = (baseline * Decimal("1.02") + jump).quantize(Decimal("0.01"))
        selector = {"Dimensions": {"Key": "SERVICE", "Values": [service]}}
        metrics = {"UnblendedCost": _change(baseline, comparison), "AmortizedCost": _change(baseline, comparison)}
        rows.append({"CostAndUsageSelector": selector, "Metrics": metrics})
        usage = (comparison - baseline - jump).quantize(Decimal("0.01"))
        causes = [{"Type": "USAGE_CHANGE", "Name": f"{service} usage",
                   "Metrics": {"UnblendedCost": _change(baseline, baseline + usage)}}]  # fmt: skip
        if jump:
            causes.insert(
                0,
                {"Type": "USAGE_CHANGE", "Name": usage_type,
                 "Metrics": {"UnblendedCost": _change(Decimal(0), jump), "AmortizedCost": _change(Decimal(0), jump)}},
            )  # fmt: skip
        drivers.append({"CostSelector": selector, "Metrics": metrics, "CostDrivers": causes})
    drivers.sort(key=lambda d: -Decimal(metrics_of(d)["UnblendedCost"]["Difference"]))
    family = story[2] if story and story[0].startswith("Amazon Elastic") else "m6i"
    extra = Decimal(str(story[3])) / 720 if story else Decimal(0)  # the anomaly's usage, per hour of a month
    hourly = (Decimal("0.42") * scale + extra).quantize(MILLI)
    savings = (hourly * 730 * Decimal("0.28")).quantize(Decimal("0.01"))
    recommendation = {
        "AccountId": account_id, "CurrencyCode": "USD",
        "SavingsPlansDetails": {"Region": region, "InstanceFamily": family},
        "HourlyCommitmentToPurchase": str(hourly), "EstimatedMonthlySavingsAmount": str(savings),
        "EstimatedSavingsPercentage": "28.0", "EstimatedAverageUtilization": "97.5", "UpfrontCost": "0",
        "EstimatedROI": "38.9", "CurrentAverageHourlyOnDemandSpend": str((hourly * Decimal("1.39")).quantize(MILLI)),
        "RecommendationDetailId": str(uuid.uuid5(_DEMO_NAMESPACE, f"sp-detail/{account_id}")),
    }  # fmt: skip
    return {
        **_demo_ri_and_rightsizing(account_id, alias, scale, region),
        "GetAnomalies": {"Anomalies": anomalies},
        "GetAnomalyMonitors": {
            "AnomalyMonitors": [
                {
                    "MonitorArn": monitor_arn,
                    "MonitorName": f"{alias}-services",
                    "MonitorType": "DIMENSIONAL",
                    "MonitorDimension": "SERVICE",
                    "CreationDate": "2025-06-01",
                    "DimensionalValueCount": 4,
                }
            ]
        },
        "GetCostAndUsageComparisons": {"CostAndUsageComparisons": rows},
        "GetCostComparisonDrivers": {"CostComparisonDrivers": drivers},
        "GetSavingsPlansPurchaseRecommendation": {
            "Metadata": {
                "RecommendationId": str(uuid.uuid5(_DEMO_NAMESPACE, f"sp/{account_id}")),
                "GenerationTimestamp": now.replace(microsecond=0).isoformat(),
            },
            "SavingsPlansPurchaseRecommendation": {
                "SavingsPlansType": "COMPUTE_SP",
                "SavingsPlansPurchaseRecommendationDetails": [recommendation],
                "SavingsPlansPurchaseRecommendationSummary": {
                    "CurrencyCode": "USD",
                    "HourlyCommitmentToPurchase": str(hourly),
                    "EstimatedMonthlySavingsAmount": str(savings),
                    "EstimatedSavingsPercentage": "28.0",
                    "TotalRecommendationCount": "1",
                },
            },
        },
    }


def _demo_ri_and_rightsizing(account_id: str, alias: str, scale: Decimal, region: str) -> dict[str, Any]:
    """RI purchase (an RDS reservation) and EC2 rightsizing recommendations, sized by the account's scale."""
    ri_savings = (Decimal("61.20") * scale).quantize(Decimal("0.01"))
    ri_count = str(1 + int(scale))
    idle = (Decimal("138.70") * scale).quantize(Decimal("0.01"))
    ri_detail = {
        "AccountId": account_id, "CurrencyCode": "USD", "RecommendedNumberOfInstancesToPurchase": ri_count,
        "EstimatedMonthlySavingsAmount": str(ri_savings), "EstimatedMonthlySavingsPercentage": "34.0",
        "UpfrontCost": "0", "RecurringStandardMonthlyCost": str((ri_savings * 2).quantize(Decimal("0.01"))),
        "InstanceDetails": {"RDSInstanceDetails": {"Family": "r6g", "InstanceType": "db.r6g.large", "Region": region,
                                                   "DatabaseEngine": "PostgreSQL", "DeploymentOption": "Multi-AZ",
                                                   "CurrentGeneration": True, "SizeFlexEligible": True}},
    }  # fmt: skip
    instance = f"i-{uuid.uuid5(_DEMO_NAMESPACE, f'instance/{account_id}').hex[:17]}"
    rightsizing = {
        "AccountId": account_id,
        "CurrentInstance": {
            "ResourceId": instance, "InstanceName": f"{alias}-batch-1", "CurrencyCode": "USD",
            "MonthlyCost": str((idle * 2).quantize(Decimal("0.01"))),
            "ResourceDetails": {"EC2ResourceDetails": {"InstanceType": "m6i.2xlarge", "Region": "US East (N. Virginia)",
                                                       "Platform": "Linux/UNIX"}},
            "ResourceUtilization": {"EC2ResourceUtilization": {"MaxCpuUtilizationPercentage": "11.5"}},
        },
        "RightsizingType": "MODIFY",
        "ModifyRecommendationDetail": {"TargetInstances": [{
            "EstimatedMonthlyCost": str(idle), "EstimatedMonthlySavings": str(idle), "CurrencyCode": "USD",
            "DefaultTargetInstance": True,
            "ResourceDetails": {"EC2ResourceDetails": {"InstanceType": "m6i.xlarge"}},
        }]},
        "FindingReasonCodes": ["CPU_OVER_PROVISIONED"],
    }  # fmt: skip
    return {
        "GetReservationPurchaseRecommendation": {
            "Metadata": {"RecommendationId": str(uuid.uuid5(_DEMO_NAMESPACE, f"ri/{account_id}"))},
            "Recommendations": [
                {
                    "RecommendationDetails": [ri_detail],
                    "RecommendationSummary": {
                        "TotalEstimatedMonthlySavingsAmount": str(ri_savings),
                        "TotalEstimatedMonthlySavingsPercentage": "34.0",
                        "CurrencyCode": "USD",
                    },
                }
            ],
        },
        "GetRightsizingRecommendation": {
            "Metadata": {"RecommendationId": str(uuid.uuid5(_DEMO_NAMESPACE, f"rightsizing/{account_id}"))},
            "Summary": {
                "TotalRecommendationCount": "1",
                "EstimatedTotalMonthlySavingsAmount": str(idle),
                "SavingsCurrencyCode": "USD",
                "SavingsPercentage": "50.0",
            },
            "RightsizingRecommendations": [rightsizing],
        },
    }


def demo_budget_fixtures(account_id: str, alias: str, now: datetime) -> dict[str, Any]:
    """A monthly cost budget named after the account, its spend this month and the last six months' history.

    The limit, spend and forecast grow with the account's scale; forecast exceeds the limit in the accounts
    with a cost story (the anomaly's month made the forecast jump).
    """
    scale = _scale(account_id)
    limit = (Decimal("1500") * scale).quantize(Decimal("0.01"))
    actual = (limit * Decimal("0.62")).quantize(Decimal("0.01"))
    forecast = (limit * (Decimal("1.18") if account_id in _COST_STORIES else Decimal("0.91"))).quantize(Decimal("0.01"))
    this_month = _month_start(now, 0)
    name = f"{alias}-monthly-cost"
    history = []
    for back in range(6, 0, -1):
        start, end = _month_start(now, back), _month_start(now, back - 1)
        spent = (limit * Decimal(str(0.80 + back * 0.03))).quantize(Decimal("0.01"))
        history.append(
            {
                "BudgetedAmount": {"Amount": str(limit), "Unit": "USD"},
                "ActualAmount": {"Amount": str(spent), "Unit": "USD"},
                "TimePeriod": {"Start": start.isoformat(), "End": end.isoformat()},
            }
        )
    return {
        "DescribeBudgets": {
            "Budgets": [
                {
                    "BudgetName": name,
                    "BudgetLimit": {"Amount": str(limit), "Unit": "USD"},
                    "TimeUnit": "MONTHLY",
                    "BudgetType": "COST",
                    "TimePeriod": {"Start": this_month.isoformat(), "End": "2087-06-15T00:00:00+00:00"},
                    "CalculatedSpend": {
                        "ActualSpend": {"Amount": str(actual), "Unit": "USD"},
                        "ForecastedSpend": {"Amount": str(forecast), "Unit": "USD"},
                    },
                }
            ]
        },
        "DescribeBudgetPerformanceHistory": {
            "BudgetPerformanceHistory": {
                "BudgetName": name,
                "BudgetType": "COST",
                "TimeUnit": "MONTHLY",
                "BudgetedAndActualAmountsList": history,
            }
        },
    }


def demo_seed(account_id: str, alias: str, *, now: datetime | None = None, region: str = DEMO_REGION) -> dict[str, Any]:
    """Return the ``POST /moto-api/local/seed`` body for one demo account.

    Args:
        account_id: 12-digit account id, e.g. ``"222222222222"``.
        alias: the account's alias, e.g. ``"acme-prod"``; it appears in every CloudTrail event.
        now: the reference time for event times (default: the current UTC time).
        region: the CloudTrail region to seed.

    Returns:
        ``{"account_id", "region", "cloudtrail_events": [16 events], "event_data_stores": [1 store, id
        :func:`demo_event_data_store_id`], "savings_plans", "reservations", "cost_forecast",
        "dimension_values", "ce_fixtures", "budget_fixtures"}`` as :mod:`local_stack.moto_ext.seed` documents.
    """
    current = now or datetime.now(UTC)
    scale = _scale(account_id)
    subscription = str(uuid.uuid5(_DEMO_NAMESPACE, f"reservation/{account_id}"))
    return {
        "account_id": account_id,
        "region": region,
        "cloudtrail_events": _events(account_id, alias, current),
        "event_data_stores": [
            {
                "Name": f"{alias}-audit-lake",
                "EventDataStoreId": demo_event_data_store_id(account_id),
                "MultiRegionEnabled": True,
                "RetentionPeriod": 366,
            }
        ],
        "savings_plans": {
            "hourly_commitment": _amount("3.20", scale),
            "utilization_percentage": str(Decimal("96.5") - scale * 4),
            "savings_percentage": "27",
            "upfront_share_percentage": "0",
            "coverage": [
                {
                    "attributes": {
                        "SERVICE": "Amazon Elastic Compute Cloud - Compute",
                        "REGION": region,
                        "INSTANCE_FAMILY": "m6i",
                    },
                    "covered_per_day": _amount("61.40", scale),
                    "on_demand_per_day": _amount("18.75", scale),
                },
                {
                    "attributes": {"SERVICE": "AWS Lambda", "REGION": region, "INSTANCE_FAMILY": ""},
                    "covered_per_day": _amount("9.60", scale),
                    "on_demand_per_day": _amount("2.10", scale),
                },
                {
                    "attributes": {"SERVICE": "AWS Fargate", "REGION": "eu-west-1", "INSTANCE_FAMILY": ""},
                    "covered_per_day": _amount("4.80", scale),
                    "on_demand_per_day": _amount("7.30", scale),
                },
            ],
        },
        "reservations": {
            "items": [
                {
                    "attributes": {
                        "SUBSCRIPTION_ID": subscription,
                        "SERVICE": "Amazon Relational Database Service",
                        "REGION": region,
                        "INSTANCE_TYPE": "db.r6g.large",
                        "PLATFORM": "PostgreSQL",
                        "accountId": account_id,
                        "accountName": alias,
                    },
                    "instance_count": 2,
                    "utilization_percentage": str(Decimal("99") - scale * 8),
                    "on_demand_hours_per_day": str(Decimal(6) * scale),
                    "on_demand_rate": "0.258",
                    "amortized_upfront_rate": "0.061",
                    "amortized_recurring_rate": "0.102",
                    "normalization_factor": "4",
                }
            ]
        },
        "cost_forecast": {
            "daily_mean": {
                "UNBLENDED_COST": _amount("142.37", scale),
                "AMORTIZED_COST": _amount("151.02", scale),
                "BLENDED_COST": _amount("142.37", scale),
                "NET_UNBLENDED_COST": _amount("138.90", scale),
                "NET_AMORTIZED_COST": _amount("147.55", scale),
            },
            "unit": "USD",
            "interval_spread_percentage": "12",
        },
        "dimension_values": {
            "SERVICE": [
                "Amazon Elastic Compute Cloud - Compute",
                "Amazon Relational Database Service",
                "Amazon Simple Storage Service",
                "AWS Lambda",
                "AWS Fargate",
                "AWS CloudTrail",
                "Amazon CloudWatch",
            ],
            "REGION": [region, "eu-west-1"],
            "LINKED_ACCOUNT": [{"Value": account_id, "Attributes": {"description": alias}}],
            "INSTANCE_TYPE": ["m6i.large", "m6i.xlarge", "db.r6g.large"],
            "USAGE_TYPE": ["BoxUsage:m6i.large", "TimedStorage-ByteHrs", "Lambda-GB-Second"],
        },
        "ce_fixtures": demo_ce_fixtures(account_id, alias, current, region),
        "budget_fixtures": demo_budget_fixtures(account_id, alias, current),
    }


def post_seed(endpoint_url: str, body: dict[str, Any], *, timeout_s: float = SEED_TIMEOUT_S) -> dict[str, Any]:
    """POST a seed body to a running emulator and return its summary (see :mod:`local_stack.moto_ext.seed`).

    Args:
        endpoint_url: the emulator's base URL, e.g. ``http://127.0.0.1:5000`` (http or https only).
        body: a seed body, e.g. from :func:`demo_seed`.
        timeout_s: socket timeout in seconds.

    Raises:
        ValueError: the URL is not http(s).
        urllib.error.HTTPError: the emulator rejected the body (HTTP 400 with a message).
    """
    if not endpoint_url.startswith(("http://", "https://")):
        raise ValueError(f"endpoint_url must be http(s), got {endpoint_url!r}")
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        endpoint_url.rstrip("/") + SEED_PATH,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310 - scheme checked above
        summary: dict[str, Any] = json.loads(response.read())
    return summary
