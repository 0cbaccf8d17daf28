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


def _events(account_id: str, alias: str, now: datetime, region: str) -> list[dict[str, Any]]:
    """Return 16 management events of the last six days, newest first, all naming ``alias``.

    Each is a LookupEvents ``Event`` as AWS shapes it; ``CloudTrailEvent`` is the CloudTrail record (the fields
    CloudTrail Lake queries) as a JSON string. ``extra`` holds record fields only some events have.
    """
    admin, deployer, analyst = f"{alias}-admin", f"{alias}-ci-deployer", f"{alias}-finops-analyst"
    bucket = f"{alias}-billing-reports"
    function = f"{alias}-nightly-export"
    instance = f"i-0{hashlib.sha256(account_id.encode()).hexdigest()[:16]}"
    key = f"AKIA{account_id}DEMO"
    specs: list[tuple[float, str, str, str, list[tuple[str, str]], dict[str, Any]]] = [
        (0.5, "ConsoleLogin", "signin.amazonaws.com", admin, [], {}),
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
            {"errorCode": "AccessDenied", "errorMessage": f"{analyst} is not authorized to perform s3:DeleteBucket"},
        ),
        (48, "GetSavingsPlansCoverage", "ce.amazonaws.com", analyst, [], {}),
        (60, "CreateUser", "iam.amazonaws.com", admin, [("AWS::IAM::User", f"{alias}-auditor")], {}),
        (72, "AssumeRole", "sts.amazonaws.com", deployer, [("AWS::IAM::Role", f"{alias}-deploy-role")], {}),
        (96, "LookupEvents", "cloudtrail.amazonaws.com", analyst, [], {}),
        (140, "ConsoleLogin", "signin.amazonaws.com", analyst, [], {}),
    ]
    events = []
    for hours_ago, name, source, user, resources, extra in specs:
        event_id = str(uuid.uuid5(_DEMO_NAMESPACE, f"{account_id}/{name}/{hours_ago}"))
        at = now - timedelta(hours=hours_ago)
        read_only = name.startswith(("Describe", "Get", "List", "Lookup"))
        record = {
            "eventVersion": "1.09",
            "userIdentity": {
                "type": "IAMUser",
                "principalId": f"AIDA{account_id}",
                "arn": f"arn:aws:iam::{account_id}:user/{user}",
                "accountId": account_id,
                "accessKeyId": key,
                "userName": user,
            },
            "eventTime": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "eventSource": source,
            "eventName": name,
            "awsRegion": region,
            "sourceIPAddress": "198.51.100.10",
            "userAgent": f"{alias}-demo-client/1.0",
            **extra,
            "requestParameters": None,
            "responseElements": None,
            "requestID": str(uuid.uuid5(_DEMO_NAMESPACE, f"{event_id}/request")),
            "eventID": event_id,
            "readOnly": read_only,
            "eventType": "AwsApiCall",
            "managementEvent": True,
            "recipientAccountId": account_id,
            "eventCategory": "Management",
        }
        if resources:
            record["resources"] = [{"accountId": account_id, "type": t, "ARN": n} for t, n in resources]
        events.append(
            {
                "EventId": event_id,
                "EventName": name,
                "ReadOnly": "true" if read_only else "false",
                "AccessKeyId": key,
                "EventTime": at.isoformat(),
                "EventSource": source,
                "Username": user,
                "Resources": [{"ResourceType": rtype, "ResourceName": rname} for rtype, rname in resources],
                "CloudTrailEvent": json.dumps(record),
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


# Each account's Compute Optimizer story: per resource type (current, recommended, finding). Acme's EC2 instance
# and Auto Scaling group are oversized m6i; Globex's gp2 volume and Lambda memory are over-provisioned. An account
# in _NOT_OPTED_IN has no fixtures (not opted in to either service); any other account is opted in with nothing
# to recommend.
_OPTIMIZATION_STORIES: dict[str, dict[str, tuple[Any, Any, str]]] = {
    "222222222222": {"ec2": ("m6i.2xlarge", "m6i.xlarge", "Overprovisioned"),
                     "asg": ("m6i.xlarge", "m6i.large", "NotOptimized"),
                     "ebs": (("gp3", 200), ("gp3", 200), "Optimized"), "lambda": (512, 512, "Optimized")},
    "333333333333": {"ec2": ("t3.medium", "t3.medium", "Optimized"), "asg": ("c6i.large", "c6i.large", "Optimized"),
                     "ebs": (("gp2", 1000), ("gp3", 1000), "NotOptimized"), "lambda": (3008, 1024, "NotOptimized")},
}  # fmt: skip
_NOT_OPTED_IN = {"111111111111"}
_MONTHLY_SAVINGS = {"ec2": "138.70", "asg": "211.40", "ebs": "20.00", "lambda": "42.30"}
# resource type -> Compute Optimizer (operation, answer's list member), Cost Optimization Hub (resource type,
# action, details member)
_OPTIMIZATION_APIS = {
    "ec2": ("GetEC2InstanceRecommendations", "instanceRecommendations", "Ec2Instance", "Rightsize", "ec2Instance"),
    "asg": ("GetAutoScalingGroupRecommendations", "autoScalingGroupRecommendations", "Ec2AutoScalingGroup",
            "Rightsize", "ec2AutoScalingGroup"),
    "ebs": ("GetEBSVolumeRecommendations", "volumeRecommendations", "EbsVolume", "Upgrade", "ebsVolume"),
    "lambda": ("GetLambdaFunctionRecommendations", "lambdaFunctionRecommendations", "LambdaFunction", "Rightsize",
               "lambdaFunction"),
}  # fmt: skip


def _hub_configuration(kind: str, value: Any) -> tuple[str, dict[str, Any]]:
    """A resource configuration as Cost Optimization Hub summarizes it and details it."""
    if kind == "ebs":
        return f"{value[0]} {value[1]} GiB", {"storage": {"type": value[0], "sizeInGb": float(value[1])}}
    if kind == "lambda":
        return f"{value} MB", {"compute": {"memorySizeInMB": value, "architecture": "x86_64"}}
    return str(value), {"instance": {"type": value}}


def _compute_optimizer_item(kind: str, arn: str, name: str, story: tuple[Any, Any, str], savings: float) -> Any:
    """One resource's Compute Optimizer recommendation with its rank-1 option."""
    current, target, finding = story
    option: dict[str, Any] = {"rank": 1, "savingsOpportunity": {
        "savingsOpportunityPercentage": 50.0 if savings else 0.0,
        "estimatedMonthlySavings": {"currency": "USD", "value": savings}}}  # fmt: skip
    if kind == "ec2":
        reasons = ["CPUOverprovisioned", "MemoryOverprovisioned"] if savings else []
        return {"instanceArn": arn, "instanceName": name, "currentInstanceType": current, "finding": finding,
                "findingReasonCodes": reasons, "lookBackPeriodInDays": 14.0,
                "recommendationOptions": [{**option, "instanceType": target, "performanceRisk": 1.0}]}  # fmt: skip
    if kind == "asg":
        size = {"desiredCapacity": 4, "minSize": 2, "maxSize": 8}
        return {"autoScalingGroupArn": arn, "autoScalingGroupName": name, "finding": finding,
                "currentConfiguration": {**size, "instanceType": current},
                "recommendationOptions": [{**option, "configuration": {**size, "instanceType": target}}]}  # fmt: skip
    if kind == "ebs":
        volume = {"volumeType": current[0], "volumeSize": current[1], "volumeBaselineIOPS": 3000}
        return {"volumeArn": arn, "finding": finding, "currentConfiguration": volume,
                "volumeRecommendationOptions": [{**option, "configuration": {
                    **volume, "volumeType": target[0], "volumeSize": target[1]}}]}  # fmt: skip
    return {"functionArn": arn, "functionVersion": "$LATEST", "finding": finding, "currentMemorySize": current,
            "findingReasonCodes": ["MemoryOverprovisioned"] if savings else [], "lookbackPeriodInDays": 14.0,
            "memorySizeRecommendationOptions": [{**option, "memorySize": target}]}  # fmt: skip


def demo_optimization_fixtures(
    account_id: str, alias: str, now: datetime, region: str = DEMO_REGION
) -> dict[str, Any] | None:
    """Compute Optimizer and Cost Optimization Hub fixtures (AWS response shapes), or None: not opted in.

    Every resource is named after the account's alias; the savings grow with the account's scale. Cost Optimization
    Hub lists a recommendation for each resource Compute Optimizer does not find optimized.
    """
    if account_id in _NOT_OPTED_IN:
        return None
    key = hashlib.sha256(account_id.encode()).hexdigest()
    names = {"ec2": f"i-0{key[:16]}", "asg": f"{alias}-workers", "ebs": f"vol-0{key[16:32]}",
             "lambda": f"{alias}-nightly-export"}  # fmt: skip
    group = uuid.uuid5(_DEMO_NAMESPACE, f"asg/{account_id}")
    arns = {
        "ec2": f"arn:aws:ec2:{region}:{account_id}:instance/{names['ec2']}",
        "asg": f"arn:aws:autoscaling:{region}:{account_id}:autoScalingGroup:{group}"
        f":autoScalingGroupName/{names['asg']}",
        "ebs": f"arn:aws:ec2:{region}:{account_id}:volume/{names['ebs']}",
        "lambda": f"arn:aws:lambda:{region}:{account_id}:function:{names['lambda']}:$LATEST",
    }
    refreshed = (now - timedelta(hours=6)).replace(microsecond=0).isoformat()
    common = {"accountId": account_id, "lastRefreshTimestamp": refreshed}
    recommendations: dict[str, list[Any]] = {kind: [] for kind in _OPTIMIZATION_APIS}
    items, details = [], []
    for kind, story in _OPTIMIZATION_STORIES.get(account_id, {}).items():
        optimized = story[2] == "Optimized"
        monthly = (Decimal(_MONTHLY_SAVINGS[kind]) * _scale(account_id)).quantize(Decimal("0.01"))
        savings = 0.0 if optimized else float(monthly)
        name = f"{alias}-batch-1" if kind == "ec2" else names[kind]
        recommendations[kind].append({**common, **_compute_optimizer_item(kind, arns[kind], name, story, savings)})
        if optimized:
            continue
        _, _, resource_type, action, member = _OPTIMIZATION_APIS[kind]
        (current, current_config), (target, target_config) = (_hub_configuration(kind, v) for v in story[:2])
        item = {
            **common, "recommendationId": str(uuid.uuid5(_DEMO_NAMESPACE, f"coh/{account_id}/{kind}")),
            "region": region, "resourceId": names[kind], "resourceArn": arns[kind],
            "currentResourceType": resource_type, "recommendedResourceType": resource_type, "actionType": action,
            "estimatedMonthlySavings": savings, "estimatedMonthlyCost": savings, "estimatedSavingsPercentage": 50.0,
            "currencyCode": "USD", "implementationEffort": "Medium", "restartNeeded": kind != "lambda",
            "rollbackPossible": True, "source": "ComputeOptimizer",
        }  # fmt: skip
        items.append({**item, "recommendationLookbackPeriodInDays": 14, "currentResourceSummary": current,
                      "recommendedResourceSummary": target})  # fmt: skip
        details.append({**item, "costCalculationLookbackPeriodInDays": 14,
                        "currentResourceDetails": {member: {"configuration": current_config}},
                        "recommendedResourceDetails": {member: {"configuration": target_config}}})  # fmt: skip
    return {
        "cost-optimization-hub": {"ListRecommendations": {"items": items}, "GetRecommendation": details},
        "compute-optimizer": {
            operation: {member: recommendations[kind]} for kind, (operation, member, *_) in _OPTIMIZATION_APIS.items()
        },
    }


# Each story account's CloudWatch incident: (namespace, metric, dimension, its value, unit, first and last value of
# the last three hours, comparison, threshold, statistic, alarm suffix). Acme's EC2 instance (the one its CloudTrail
# events launch) runs hot; Globex's database runs out of storage. Both alarms are in ALARM.
_GIB = 1024**3
_CLOUDWATCH_STORIES: dict[str, tuple[str, str, str, str, str, float, float, str, float, str, str]] = {
    "222222222222": ("AWS/EC2", "CPUUtilization", "InstanceId", "instance", "Percent", 38.0, 96.5,
                     "GreaterThanThreshold", 80.0, "Average", "ec2-cpu-high"),
    "333333333333": ("AWS/RDS", "FreeStorageSpace", "DBInstanceIdentifier", "db", "Bytes", 31.0 * _GIB, 6.2 * _GIB,
                     "LessThanThreshold", 10.0 * _GIB, "Minimum", "rds-free-storage-low"),
}  # fmt: skip
_CLOUDWATCH_POINTS = 36  # every 5 minutes for the last three hours


def _history_item(name: str, at: datetime, kind: str, old: str | None, new: str, summary: str) -> dict[str, Any]:
    """One DescribeAlarmHistory item as CloudWatch records it (HistoryData is a JSON document)."""
    data: dict[str, Any] = {"version": "1.0", "newState": {"stateValue": new}}
    if old:
        data["oldState"] = {"stateValue": old}
    return {"AlarmName": name, "AlarmType": "MetricAlarm", "Timestamp": at.isoformat(), "HistoryItemType": kind,
            "HistorySummary": summary, "HistoryData": json.dumps(data)}  # fmt: skip


def demo_cloudwatch(account_id: str, alias: str, now: datetime, region: str = DEMO_REGION) -> dict[str, Any]:
    """The account's metrics (the last three hours, every 5 minutes), alarms and alarm history.

    Every account has its nightly-export function's Errors (alarm in OK) and an API 5xx alarm without data
    (INSUFFICIENT_DATA); an account in ``_CLOUDWATCH_STORIES`` also has its incident's metric and an alarm in ALARM.
    Names carry the alias, so an answer shows whose it is.
    """
    topic = f"arn:aws:sns:{region}:{account_id}:{alias}-oncall"
    function = f"{alias}-nightly-export"
    first = (now - timedelta(minutes=5 * _CLOUDWATCH_POINTS)).replace(second=0, microsecond=0)
    times = [first + timedelta(minutes=5 * (i + 1)) for i in range(_CLOUDWATCH_POINTS)]
    errors = [{"MetricName": "Errors", "Dimensions": [{"Name": "FunctionName", "Value": function}],
               "Timestamp": t.isoformat(), "Value": float(i % 3 == 0), "Unit": "Count"}
              for i, t in enumerate(times)]  # fmt: skip
    metric_data = [{"Namespace": "AWS/Lambda", "MetricData": errors}]
    alarms: list[dict[str, Any]] = [
        {"AlarmName": f"{function}-errors", "Namespace": "AWS/Lambda", "MetricName": "Errors",
         "Dimensions": [{"Name": "FunctionName", "Value": function}], "Statistic": "Sum", "Period": 300,
         "EvaluationPeriods": 1, "Threshold": 5.0, "ComparisonOperator": "GreaterThanOrEqualToThreshold",
         "AlarmActions": [topic], "AlarmDescription": f"{function} fails"},
        {"AlarmName": f"{alias}-api-5xx", "Namespace": "AWS/ApplicationELB", "MetricName": "HTTPCode_Target_5XX_Count",
         "Dimensions": [{"Name": "LoadBalancer", "Value": f"app/{alias}-web/0123456789abcdef"}], "Statistic": "Sum",
         "Period": 60, "EvaluationPeriods": 5, "Threshold": 10.0, "ComparisonOperator": "GreaterThanThreshold",
         "AlarmActions": [topic], "TreatMissingData": "missing"},
    ]  # fmt: skip
    states = [{"AlarmName": f"{alias}-api-5xx", "StateValue": "INSUFFICIENT_DATA",
               "StateReason": "Insufficient Data: 5 datapoints were unknown."}]  # fmt: skip
    history = [
        _history_item(f"{function}-errors", now - timedelta(days=1, hours=2), "StateUpdate", "OK", "ALARM",
                      "Alarm updated from OK to ALARM"),
        _history_item(f"{function}-errors", now - timedelta(days=1), "StateUpdate", "ALARM", "OK",
                      "Alarm updated from ALARM to OK"),
        _history_item(f"{alias}-api-5xx", now - timedelta(hours=2), "StateUpdate", "OK", "INSUFFICIENT_DATA",
                      "Alarm updated from OK to INSUFFICIENT_DATA"),
    ]  # fmt: skip
    story = _CLOUDWATCH_STORIES.get(account_id)
    if story:
        namespace, metric, dimension, suffix, unit, start, end, operator, threshold, statistic, name = story
        value = f"i-0{hashlib.sha256(account_id.encode()).hexdigest()[:16]}" if suffix == "instance" else f"{alias}-db"
        step = (end - start) / (_CLOUDWATCH_POINTS - 1)
        data = [{"MetricName": metric, "Dimensions": [{"Name": dimension, "Value": value}], "Timestamp": t.isoformat(),
                 "Value": round(start + step * i, 1), "Unit": unit} for i, t in enumerate(times)]  # fmt: skip
        metric_data.append({"Namespace": namespace, "MetricData": data})
        alarm = f"{alias}-{name}"
        alarms.append(
            {"AlarmName": alarm, "Namespace": namespace, "MetricName": metric,
             "Dimensions": [{"Name": dimension, "Value": value}], "Statistic": statistic, "Period": 300,
             "EvaluationPeriods": 3, "DatapointsToAlarm": 3, "Threshold": threshold, "ComparisonOperator": operator,
             "AlarmActions": [topic], "Unit": unit}
        )  # fmt: skip
        last = [str(d["Value"]) for d in data[-3:]]
        relation = "greater" if operator.startswith("Greater") else "less"
        reason = (f"Threshold Crossed: 3 out of the last 3 datapoints [{', '.join(reversed(last))}] were {relation} "
                  f"than the threshold ({threshold}) (minimum 3 datapoints for OK -> ALARM transition).")  # fmt: skip
        states.append({"AlarmName": alarm, "StateValue": "ALARM", "StateReason": reason})
        history += [
            _history_item(alarm, now - timedelta(days=3), "ConfigurationUpdate", None, "INSUFFICIENT_DATA",
                          f'Alarm "{alarm}" created'),
            _history_item(alarm, now - timedelta(minutes=20), "StateUpdate", "OK", "ALARM",
                          "Alarm updated from OK to ALARM"),
            _history_item(alarm, now - timedelta(minutes=20), "Action", None, "ALARM",
                          f"Successfully executed action {topic}"),
        ]  # fmt: skip
    return {
        "PutMetricData": metric_data,
        "PutMetricAlarm": alarms,
        "SetAlarmState": states,
        "DescribeAlarmHistory": {"AlarmHistoryItems": history},
    }


# Each demo account's teams (the "team" cost allocation tag: the first runs EC2 and RDS, the second Lambda and
# Fargate), and its cost category: name, the first team's value, the default value.
_TEAMS: dict[str, tuple[str, str, str, str, str]] = {
    "222222222222": ("orders", "checkout", "Acme business units", "retail", "platform"),
    "333333333333": ("billing", "invoicing", "Globex departments", "finance", "shared"),
}
SECONDS_PER_YEAR = 365 * 24 * 3600


def _teams(account_id: str, alias: str) -> tuple[str, str, str, str, str]:
    return _TEAMS.get(account_id, (f"{alias}-core", f"{alias}-edge", "Business units", "core", "other"))


def demo_discovery(account_id: str, alias: str, now: datetime, region: str = DEMO_REGION) -> dict[str, Any]:
    """Tags, usage types and resources of each service, a cost category, and the account's Savings Plans.

    ``services`` (seed section of the Cost Explorer data) lists the account's services (the order of
    ``GetDimensionValues``), tags each one's cost with the account's teams, names its usage type group and unit,
    and the resources that share its cost; ``cost_categories`` is one
    ``CreateCostCategoryDefinition`` request (the first team's costs get its own value, the rest the default),
    effective from three months back; ``savingsplans_fixtures`` holds two active Savings Plans whose hourly
    commitments add up to the account's ``savings_plans.hourly_commitment``, and one retired last month.
    """
    first, second, category, value, default = _teams(account_id, alias)
    digest = hashlib.sha256(account_id.encode()).hexdigest()
    services = {
        "Amazon Elastic Compute Cloud - Compute": {
            "dimensions": {"USAGE_TYPE_GROUP": "EC2: Running Hours", "USAGE_TYPE": "BoxUsage:m6i.large"},
            "tags": {"team": first, "cost-center": f"{alias}-cc"}, "usage_unit": "Hrs",
            "resources": [f"i-0{digest[:16]}", f"i-0{digest[16:32]}"],
        },
        "Amazon Relational Database Service": {
            "dimensions": {"USAGE_TYPE_GROUP": "RDS: Running Hours"}, "tags": {"team": first}, "usage_unit": "Hrs",
            "resources": [f"arn:aws:rds:{region}:{account_id}:db:{alias}-db"],
        },
        "Amazon Simple Storage Service": {
            "dimensions": {"USAGE_TYPE_GROUP": "S3: Storage - Standard", "USAGE_TYPE": "TimedStorage-ByteHrs"},
            "usage_unit": "GB-Mo", "resources": [f"{alias}-billing-reports"],
        },
        "AWS Lambda": {
            "dimensions": {"USAGE_TYPE_GROUP": "Lambda: GB-Second", "USAGE_TYPE": "Lambda-GB-Second"},
            "tags": {"team": second}, "usage_unit": "Lambda-GB-Second",
            "resources": [f"arn:aws:lambda:{region}:{account_id}:function:{alias}-nightly-export"],
        },
        "AWS Fargate": {"tags": {"team": second}, "usage_unit": "vCPU-Hours"},
        "AWS CloudTrail": {},  # paid for from the forecast's rest, like CloudWatch
        "Amazon CloudWatch": {},
    }  # fmt: skip
    definition = {
        "Name": category,
        "RuleVersion": "CostCategoryExpression.v1",
        "Rules": [{"Value": value, "Rule": {"Tags": {"Key": "team", "Values": [first]}}, "Type": "REGULAR"}],
        "DefaultValue": default,
        "EffectiveStart": _month_start(now, 3).strftime("%Y-%m-%dT00:00:00Z"),
    }
    hourly = Decimal(_amount("3.20", _scale(account_id)))
    compute = (hourly * Decimal("0.7")).quantize(MILLI)
    instance = hourly - compute

    def plan(n: int, start: datetime, years: int, **fields: Any) -> dict[str, Any]:
        plan_id = str(uuid.uuid5(_DEMO_NAMESPACE, f"savingsplan/{account_id}/{n}"))
        return {
            "savingsPlanId": plan_id, "savingsPlanArn": f"arn:aws:savingsplans::{account_id}:savingsplan/{plan_id}",
            "description": f"{alias} savings plan {n}", "start": start.strftime("%Y-%m-%dT00:00:00.000Z"),
            "end": start.replace(year=start.year + years).strftime("%Y-%m-%dT00:00:00.000Z"), "currency": "USD",
            "termDurationInSeconds": years * SECONDS_PER_YEAR, "tags": {"team": first}, **fields,
        }  # fmt: skip

    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    plans = [
        plan(1, day - timedelta(days=400), 3, state="active", savingsPlanType="Compute", paymentOption="No Upfront",
             productTypes=["EC2", "Fargate", "Lambda"], commitment=str(compute), upfrontPaymentAmount="0",
             recurringPaymentAmount=str(compute)),
        plan(2, day - timedelta(days=200), 1, state="active", savingsPlanType="EC2Instance",
             paymentOption="Partial Upfront", region=region, ec2InstanceFamily="m6i", productTypes=["EC2"],
             commitment=str(instance), upfrontPaymentAmount=str((instance * 8760 / 2).quantize(Decimal("0.01"))),
             recurringPaymentAmount=str((instance / 2).quantize(MILLI))),
        plan(3, day - timedelta(days=365 + 30), 1, state="retired", savingsPlanType="Compute",
             paymentOption="All Upfront", productTypes=["EC2"], commitment="0.500", recurringPaymentAmount="0",
             upfrontPaymentAmount="4380.00"),
    ]  # fmt: skip
    return {
        "services": services,
        "cost_categories": [definition],
        "savingsplans_fixtures": {"DescribeSavingsPlans": {"savingsPlans": plans}},
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
        "dimension_values", "ce_fixtures", "budget_fixtures", "cloudwatch", "services", "cost_categories",
        "savingsplans_fixtures"}`` as :mod:`local_stack.moto_ext.seed` documents.
    """
    current = now or datetime.now(UTC)
    scale = _scale(account_id)
    subscription = str(uuid.uuid5(_DEMO_NAMESPACE, f"reservation/{account_id}"))
    return {
        "account_id": account_id,
        "region": region,
        "cloudtrail_events": _events(account_id, alias, current, region),
        "event_data_stores": [
            {
                "EventDataStoreArn": (
                    f"arn:aws:cloudtrail:{region}:{account_id}:eventdatastore/{demo_event_data_store_id(account_id)}"
                ),
                "Name": f"{alias}-audit-lake",
                "TerminationProtectionEnabled": True,
                "Status": "ENABLED",
                "AdvancedEventSelectors": [],
                "MultiRegionEnabled": True,
                "OrganizationEnabled": False,
                "RetentionPeriod": 366,
                "CreatedTimestamp": (current - timedelta(days=120)).isoformat(),
                "UpdatedTimestamp": (current - timedelta(days=120)).isoformat(),
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
        "dimension_values": {  # what the cost line items lack: the account's name, instance types not billed
            "LINKED_ACCOUNT": [{"Value": account_id, "Attributes": {"description": alias}}],
            "INSTANCE_TYPE": [{"Value": t, "Attributes": {}} for t in ("m6i.large", "m6i.xlarge")],
        },
        "ce_fixtures": demo_ce_fixtures(account_id, alias, current, region),
        "budget_fixtures": demo_budget_fixtures(account_id, alias, current),
        **demo_discovery(account_id, alias, current, region),  # services, cost_categories, savingsplans_fixtures
        "optimization_fixtures": demo_optimization_fixtures(account_id, alias, current, region),
        "cloudwatch": demo_cloudwatch(account_id, alias, current, region),
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
