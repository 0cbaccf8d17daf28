"""Cost Explorer Savings Plans / RI / forecast / dimension / tag / cost category / per-resource APIs and Savings Plans
``DescribeSavingsPlans`` against the extended moto server, per account."""

from __future__ import annotations

import urllib.error
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from botocore.exceptions import ClientError

from local_stack.demo_data import demo_seed, post_seed
from tests.integration.emulator_support import account_client, extended_emulator

pytestmark = pytest.mark.integration

PROD, DEV, EMPTY = "222222222222", "333333333333", "444444444444"
SEEDS = {PROD: demo_seed(PROD, "acme-prod"), DEV: demo_seed(DEV, "acme-dev")}
JAN_15_TO_MAR_1 = {"Start": "2024-01-15", "End": "2024-03-01"}  # 17 days of January, 29 of February (leap year)
DAYS = {"2024-01-15": 17, "2024-02-01": 29}


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with extended_emulator(SEEDS.values()) as url:
        yield url


def _client(endpoint: str, account_id: str) -> Any:
    return account_client(endpoint, "ce", account_id)


@pytest.fixture(scope="module")
def prod(endpoint: str) -> Any:
    return _client(endpoint, PROD)


@pytest.fixture(scope="module")
def dev(endpoint: str) -> Any:
    return _client(endpoint, DEV)


def _error_code(excinfo: pytest.ExceptionInfo[ClientError]) -> str:
    return str(excinfo.value.response["Error"]["Code"])


def _per_day(account_id: str, section: str, field: str) -> Decimal:
    """Sum a per-day rate over the seeded Savings Plans coverage rows of an account."""
    return sum(
        (Decimal(row[field]) for row in SEEDS[account_id]["savings_plans"][section]),
        Decimal(0),
    )


# --- Savings Plans ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("account_id", [PROD, DEV])
def test_savings_plans_coverage_is_the_callers_rates_times_days(endpoint: str, account_id: str) -> None:
    # When
    coverages = _client(endpoint, account_id).get_savings_plans_coverage(
        TimePeriod=JAN_15_TO_MAR_1, Granularity="MONTHLY"
    )["SavingsPlansCoverages"]

    # Then months are clipped to the period, and amounts are the account's daily rates times the days
    assert [c["TimePeriod"] for c in coverages] == [
        {"Start": "2024-01-15", "End": "2024-02-01"},
        {"Start": "2024-02-01", "End": "2024-03-01"},
    ]
    for coverage in coverages:
        days = DAYS[coverage["TimePeriod"]["Start"]]
        covered = _per_day(account_id, "coverage", "covered_per_day") * days
        on_demand = _per_day(account_id, "coverage", "on_demand_per_day") * days
        assert coverage["Attributes"] == {}
        assert Decimal(coverage["Coverage"]["SpendCoveredBySavingsPlans"]) == covered
        assert Decimal(coverage["Coverage"]["OnDemandCost"]) == on_demand
        assert Decimal(coverage["Coverage"]["TotalCost"]) == covered + on_demand
        percentage = (covered / (covered + on_demand) * 100).quantize(Decimal("0.01"))
        assert Decimal(coverage["Coverage"]["CoveragePercentage"]) == percentage


def test_accounts_see_different_numbers(prod: Any, dev: Any) -> None:
    # When
    prod_total = prod.get_savings_plans_utilization(TimePeriod=JAN_15_TO_MAR_1)["Total"]
    dev_total = dev.get_savings_plans_utilization(TimePeriod=JAN_15_TO_MAR_1)["Total"]

    # Then
    assert prod_total["Utilization"]["TotalCommitment"] != dev_total["Utilization"]["TotalCommitment"]


def test_savings_plans_coverage_groups_sorts_and_paginates(prod: Any) -> None:
    # Given three services over three days
    request = {
        "TimePeriod": {"Start": "2024-05-01", "End": "2024-05-04"},
        "Granularity": "DAILY",
        "GroupBy": [{"Type": "DIMENSION", "Key": "SERVICE"}],
        "SortBy": {"Key": "CoveragePercentage", "SortOrder": "DESCENDING"},
    }

    # When paging 4 at a time
    pages = []
    response = prod.get_savings_plans_coverage(MaxResults=4, **request)
    pages.append(response["SavingsPlansCoverages"])
    while "NextToken" in response:
        response = prod.get_savings_plans_coverage(MaxResults=4, NextToken=response["NextToken"], **request)
        pages.append(response["SavingsPlansCoverages"])

    # Then 9 entries arrive in pages of 4, 4, 1, sorted by coverage, each grouped by SERVICE only
    assert [len(p) for p in pages] == [4, 4, 1]
    entries = [e for p in pages for e in p]
    percentages = [Decimal(e["Coverage"]["CoveragePercentage"]) for e in entries]
    assert percentages == sorted(percentages, reverse=True)
    assert {e["Attributes"]["SERVICE"] for e in entries} == {
        "Amazon Elastic Compute Cloud - Compute",
        "AWS Lambda",
        "AWS Fargate",
    }
    assert all(set(e["Attributes"]) == {"SERVICE"} for e in entries)


def test_next_token_is_bound_to_its_request(prod: Any) -> None:
    # Given a token of a daily, grouped request
    request = {
        "TimePeriod": {"Start": "2024-05-01", "End": "2024-05-04"},
        "Granularity": "DAILY",
        "GroupBy": [{"Type": "DIMENSION", "Key": "REGION"}],
    }
    token = prod.get_savings_plans_coverage(MaxResults=1, **request)["NextToken"]

    # When it is used for another time period
    with pytest.raises(ClientError) as excinfo:
        prod.get_savings_plans_coverage(
            MaxResults=1, NextToken=token, **{**request, "TimePeriod": {"Start": "2024-06-01", "End": "2024-06-04"}}
        )

    # Then
    assert _error_code(excinfo) == "InvalidNextTokenException"


def test_savings_plans_utilization_adds_up(prod: Any) -> None:
    # Given
    seed = SEEDS[PROD]["savings_plans"]
    commitment = Decimal(seed["hourly_commitment"]) * 24 * 31

    # When
    response = prod.get_savings_plans_utilization(
        TimePeriod={"Start": "2024-01-01", "End": "2024-02-01"}, Granularity="MONTHLY"
    )

    # Then
    [month] = response["SavingsPlansUtilizationsByTime"]
    utilization = month["Utilization"]
    assert Decimal(utilization["TotalCommitment"]) == commitment
    assert Decimal(utilization["UsedCommitment"]) + Decimal(utilization["UnusedCommitment"]) == commitment
    assert Decimal(utilization["UtilizationPercentage"]) == Decimal(seed["utilization_percentage"])
    assert Decimal(month["Savings"]["OnDemandCostEquivalent"]) > Decimal(utilization["UsedCommitment"])
    assert month["AmortizedCommitment"]["TotalAmortizedCommitment"] == utilization["TotalCommitment"]
    assert response["Total"] == {k: v for k, v in month.items() if k != "TimePeriod"}


# --- Reservations -------------------------------------------------------------------------------------------------


def test_reservation_coverage_groups_and_totals(prod: Any) -> None:
    # Given
    [reservation] = SEEDS[PROD]["reservations"]["items"]
    reserved_hours_per_day = (
        24 * Decimal(reservation["instance_count"]) * Decimal(reservation["utilization_percentage"])
    )

    # When
    response = prod.get_reservation_coverage(
        TimePeriod={"Start": "2024-03-01", "End": "2024-03-03"},
        Granularity="DAILY",
        GroupBy=[{"Type": "DIMENSION", "Key": "INSTANCE_TYPE"}],
    )

    # Then
    days = response["CoveragesByTime"]
    assert len(days) == 2
    [group] = days[0]["Groups"]
    assert group["Attributes"] == {"INSTANCE_TYPE": "db.r6g.large"}
    hours = group["Coverage"]["CoverageHours"]
    assert Decimal(hours["ReservedHours"]) == (reserved_hours_per_day / 100).quantize(Decimal("0.01"))
    assert Decimal(hours["OnDemandHours"]) == Decimal(reservation["on_demand_hours_per_day"])
    assert days[0]["Total"] == group["Coverage"]
    total_hours = response["Total"]["CoverageHours"]
    assert Decimal(total_hours["TotalRunningHours"]) == 2 * Decimal(hours["TotalRunningHours"])


def test_reservation_utilization_by_subscription_names_the_account(prod: Any, dev: Any) -> None:
    # When
    prod_month = prod.get_reservation_utilization(
        TimePeriod={"Start": "2024-04-01", "End": "2024-05-01"},
        Granularity="MONTHLY",
        GroupBy=[{"Type": "DIMENSION", "Key": "SUBSCRIPTION_ID"}],
    )["UtilizationsByTime"][0]
    dev_total = dev.get_reservation_utilization(TimePeriod={"Start": "2024-04-01", "End": "2024-05-01"})["Total"]

    # Then
    [group] = prod_month["Groups"]
    assert group["Key"] == "SUBSCRIPTION_ID"
    assert group["Value"] == SEEDS[PROD]["reservations"]["items"][0]["attributes"]["SUBSCRIPTION_ID"]
    assert group["Attributes"]["accountName"] == "acme-prod"
    utilization = group["Utilization"]
    assert Decimal(utilization["PurchasedHours"]) == 2 * 24 * 30
    assert Decimal(utilization["TotalActualHours"]) + Decimal(utilization["UnusedHours"]) == 2 * 24 * 30
    assert Decimal(utilization["TotalAmortizedFee"]) == Decimal(utilization["AmortizedUpfrontFee"]) + Decimal(
        utilization["AmortizedRecurringFee"]
    )
    assert dev_total["UtilizationPercentage"] != prod_month["Total"]["UtilizationPercentage"]


# --- Forecast -----------------------------------------------------------------------------------------------------


def test_cost_forecast_covers_each_future_day(prod: Any, dev: Any) -> None:
    # Given
    today = datetime.now(UTC).date()
    period = {"Start": today.isoformat(), "End": (today + timedelta(days=7)).isoformat()}

    # When
    response = prod.get_cost_forecast(TimePeriod=period, Metric="UNBLENDED_COST", Granularity="DAILY")
    dev_total = dev.get_cost_forecast(TimePeriod=period, Metric="UNBLENDED_COST", Granularity="DAILY")["Total"]

    # Then
    results = response["ForecastResultsByTime"]
    assert [r["TimePeriod"]["Start"] for r in results] == [(today + timedelta(days=n)).isoformat() for n in range(7)]
    daily_mean = Decimal(SEEDS[PROD]["cost_forecast"]["daily_mean"]["UNBLENDED_COST"])
    for result in results:
        mean = Decimal(result["MeanValue"])
        weekend = date.fromisoformat(result["TimePeriod"]["Start"]).weekday() >= 5
        assert mean == (daily_mean * Decimal("0.82") if weekend else daily_mean).quantize(Decimal("0.01"))
        assert Decimal(result["PredictionIntervalLowerBound"]) < mean < Decimal(result["PredictionIntervalUpperBound"])
    assert abs(Decimal(response["Total"]["Amount"]) - sum(Decimal(r["MeanValue"]) for r in results)) < Decimal("0.05")
    assert response["Total"]["Unit"] == "USD"
    assert dev_total["Amount"] != response["Total"]["Amount"]


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"Metric": "UNBLENDED_COST", "Start": -1}, "ValidationException"),
        ({"Metric": "NOT_A_METRIC", "Start": 0}, "ValidationException"),
        ({"Metric": "USAGE_QUANTITY", "Start": 0}, "ValidationException"),  # GetUsageForecast's metric
    ],
)
def test_cost_forecast_rejects_bad_input(prod: Any, kwargs: dict[str, Any], code: str) -> None:
    start = datetime.now(UTC).date() + timedelta(days=kwargs["Start"])
    with pytest.raises(ClientError) as excinfo:
        prod.get_cost_forecast(
            TimePeriod={"Start": start.isoformat(), "End": (start + timedelta(days=3)).isoformat()},
            Metric=kwargs["Metric"],
            Granularity="DAILY",
        )
    assert _error_code(excinfo) == code


# --- Dimension values ---------------------------------------------------------------------------------------------

ANY_PERIOD = {"Start": "2024-01-01", "End": "2024-02-01"}


def test_dimension_values_search_and_paginate(prod: Any) -> None:
    # When
    amazon = prod.get_dimension_values(TimePeriod=ANY_PERIOD, Dimension="SERVICE", SearchString="amazon")
    first = prod.get_dimension_values(TimePeriod=ANY_PERIOD, Dimension="SERVICE", MaxResults=3)
    rest = prod.get_dimension_values(
        TimePeriod=ANY_PERIOD, Dimension="SERVICE", MaxResults=10, NextPageToken=first["NextPageToken"]
    )

    # Then
    assert [v["Value"] for v in amazon["DimensionValues"]] == [
        "Amazon Elastic Compute Cloud - Compute",
        "Amazon Relational Database Service",
        "Amazon Simple Storage Service",
        "Amazon CloudWatch",
    ]
    assert (amazon["ReturnSize"], amazon["TotalSize"]) == (4, 4)
    assert (first["ReturnSize"], first["TotalSize"]) == (3, 7)
    assert rest["ReturnSize"] == 4
    assert "NextPageToken" not in rest


def test_linked_account_dimension_is_the_callers_own(prod: Any, dev: Any, endpoint: str) -> None:
    # When / Then
    assert prod.get_dimension_values(TimePeriod=ANY_PERIOD, Dimension="LINKED_ACCOUNT")["DimensionValues"] == [
        {"Value": PROD, "Attributes": {"description": "acme-prod"}}
    ]
    assert dev.get_dimension_values(TimePeriod=ANY_PERIOD, Dimension="LINKED_ACCOUNT")["DimensionValues"] == [
        {"Value": DEV, "Attributes": {"description": "acme-dev"}}
    ]
    empty = _client(endpoint, EMPTY).get_dimension_values(TimePeriod=ANY_PERIOD, Dimension="LINKED_ACCOUNT")
    assert (empty["DimensionValues"], empty["TotalSize"]) == ([], 0)


def test_dimension_values_are_the_declared_ones_then_the_billed_ones(prod: Any) -> None:
    # Given instance types declared in the seed (not billed) and the line items' USAGE_TYPE_GROUP values
    by_group = prod.get_cost_and_usage(
        TimePeriod=ANY_PERIOD, Granularity="MONTHLY", Metrics=["UnblendedCost"],
        GroupBy=[{"Type": "DIMENSION", "Key": "USAGE_TYPE_GROUP"}],
    )["ResultsByTime"][0]["Groups"]  # fmt: skip

    # When
    types = prod.get_dimension_values(TimePeriod=ANY_PERIOD, Dimension="INSTANCE_TYPE")["DimensionValues"]
    groups = prod.get_dimension_values(TimePeriod=ANY_PERIOD, Dimension="USAGE_TYPE_GROUP")["DimensionValues"]

    # Then the declared values come first, then the billed reservation's; usage type groups are GetCostAndUsage's
    assert [v["Value"] for v in types] == ["m6i.large", "m6i.xlarge", "db.r6g.large"]
    assert {v["Value"] for v in groups} == {g["Keys"][0] for g in by_group} - {""}


def test_declared_dimension_values_must_have_the_aws_shape(endpoint: str) -> None:
    # When a declared value is a bare string, not a DimensionValuesWithAttributes
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        post_seed(endpoint, {"account_id": EMPTY, "dimension_values": {"REGION": ["us-east-1"]}})

    # Then the seed is refused, naming the section
    assert excinfo.value.code == 400
    assert "dimension_values.REGION" in excinfo.value.read().decode()


# --- errors and isolation -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda ce: ce.get_savings_plans_coverage(TimePeriod=ANY_PERIOD),
        lambda ce: ce.get_savings_plans_utilization(TimePeriod=ANY_PERIOD),
        lambda ce: ce.get_reservation_coverage(TimePeriod=ANY_PERIOD),
        lambda ce: ce.get_reservation_utilization(TimePeriod=ANY_PERIOD),
        lambda ce: ce.get_cost_forecast(
            TimePeriod={
                "Start": datetime.now(UTC).date().isoformat(),
                "End": (datetime.now(UTC).date() + timedelta(days=2)).isoformat(),
            },
            Metric="UNBLENDED_COST",
            Granularity="DAILY",
        ),
    ],
)
def test_an_unseeded_account_has_no_data(endpoint: str, call: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        call(_client(endpoint, EMPTY))
    assert _error_code(excinfo) == "DataUnavailableException"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"TimePeriod": {"Start": "2024-02-01", "End": "2024-01-01"}},
        {"TimePeriod": {"Start": "2024-13-01", "End": "2024-14-01"}},
        {"TimePeriod": ANY_PERIOD, "Granularity": "HOURLY"},
        {"TimePeriod": ANY_PERIOD, "GroupBy": [{"Type": "TAG", "Key": "team"}]},
        {"TimePeriod": ANY_PERIOD, "GroupBy": [{"Type": "DIMENSION", "Key": "AZ"}]},
        {"TimePeriod": ANY_PERIOD, "SortBy": {"Key": "NotAMetric"}},
    ],
)
def test_savings_plans_coverage_rejects_bad_input(prod: Any, kwargs: dict[str, Any]) -> None:
    with pytest.raises(ClientError) as excinfo:
        prod.get_savings_plans_coverage(**kwargs)
    assert _error_code(excinfo) == "ValidationException"


def test_invalid_dimension_is_rejected(prod: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        prod.get_dimension_values(TimePeriod=ANY_PERIOD, Dimension="NOT_A_DIMENSION")
    assert _error_code(excinfo) == "ValidationException"


def test_moto_cost_and_usage_queue_still_serves_accounts_without_rates(endpoint: str) -> None:
    # Given a canned GetCostAndUsage result for an account with no Cost Explorer seed, through the seed endpoint
    result = {
        "ResultsByTime": [
            {
                "TimePeriod": ANY_PERIOD,
                "Total": {"UnblendedCost": {"Amount": "4321.09", "Unit": "USD"}},
                "Groups": [],
                "Estimated": False,
            }
        ],
        "DimensionValueAttributes": [],
    }
    post_seed(endpoint, {"account_id": EMPTY, "cost_and_usage_results": [result]})
    request = {"TimePeriod": ANY_PERIOD, "Granularity": "MONTHLY", "Metrics": ["UnblendedCost"]}

    # When
    results = _client(endpoint, EMPTY).get_cost_and_usage(**request)["ResultsByTime"]

    # Then moto's own handler answers through the extended response class
    assert results[0]["Total"]["UnblendedCost"]["Amount"] == "4321.09"


# --- GetCostAndUsage from seeded rates ----------------------------------------------------------------------------


def _daily_unblended(account_id: str) -> Decimal:
    """What the seed says the account spends per day: its forecast's daily UNBLENDED_COST."""
    return Decimal(SEEDS[account_id]["cost_forecast"]["daily_mean"]["UNBLENDED_COST"])


@pytest.mark.parametrize("account_id", [PROD, DEV])
def test_cost_and_usage_answers_every_call_from_the_callers_rates(endpoint: str, account_id: str) -> None:
    # Given
    ce = _client(endpoint, account_id)
    request = {"TimePeriod": JAN_15_TO_MAR_1, "Granularity": "MONTHLY", "Metrics": ["UnblendedCost", "AmortizedCost"]}

    # When the same request is sent twice (moto's own queue would be consumed by the first)
    first = ce.get_cost_and_usage(**request)
    second = ce.get_cost_and_usage(**request)

    # Then both answers are the daily rate times the days of each (clipped) month
    assert first["ResultsByTime"] == second["ResultsByTime"]
    months = first["ResultsByTime"]
    assert [m["TimePeriod"] for m in months] == [
        {"Start": "2024-01-15", "End": "2024-02-01"},
        {"Start": "2024-02-01", "End": "2024-03-01"},
    ]
    for month in months:
        days = DAYS[month["TimePeriod"]["Start"]]
        unblended = Decimal(month["Total"]["UnblendedCost"]["Amount"])
        assert abs(unblended - _daily_unblended(account_id) * days) < Decimal("0.01")
        assert month["Total"]["UnblendedCost"]["Unit"] == "USD"
        assert Decimal(month["Total"]["AmortizedCost"]["Amount"]) > unblended  # RI upfront fees amortized
        assert month["Groups"] == []
        assert month["Estimated"] is False


def test_cost_and_usage_differs_per_account(prod: Any, dev: Any) -> None:
    request = {"TimePeriod": ANY_PERIOD, "Granularity": "MONTHLY", "Metrics": ["UnblendedCost"]}
    prod_total = prod.get_cost_and_usage(**request)["ResultsByTime"][0]["Total"]
    dev_total = dev.get_cost_and_usage(**request)["ResultsByTime"][0]["Total"]
    assert prod_total != dev_total


def test_cost_and_usage_groups_by_two_keys_and_names_the_linked_account(prod: Any) -> None:
    # When
    response = prod.get_cost_and_usage(
        TimePeriod={"Start": "2024-05-01", "End": "2024-05-03"},
        Granularity="DAILY",
        Metrics=["UnblendedCost"],
        GroupBy=[{"Type": "DIMENSION", "Key": "LINKED_ACCOUNT"}, {"Type": "DIMENSION", "Key": "SERVICE"}],
    )

    # Then every group is (account, service); the daily groups add up to the account's daily rate
    days = response["ResultsByTime"]
    assert len(days) == 2
    services = {g["Keys"][1] for g in days[0]["Groups"]}
    assert services == set(SEEDS[PROD]["services"])
    assert {g["Keys"][0] for g in days[0]["Groups"]} == {PROD}
    assert days[0]["Total"] == {}
    total = sum(Decimal(g["Metrics"]["UnblendedCost"]["Amount"]) for g in days[0]["Groups"])
    assert abs(total - _daily_unblended(PROD)) < Decimal("0.01")
    assert response["DimensionValueAttributes"] == [{"Value": PROD, "Attributes": {"description": "acme-prod"}}]


def test_cost_and_usage_filters_and_groups_by_tag(prod: Any) -> None:
    # Given
    request = {"TimePeriod": ANY_PERIOD, "Granularity": "MONTHLY", "Metrics": ["UnblendedCost"]}
    lambda_only = {"Dimensions": {"Key": "SERVICE", "Values": ["AWS Lambda"]}}

    # When
    everything = prod.get_cost_and_usage(**request)["ResultsByTime"][0]["Total"]["UnblendedCost"]["Amount"]
    lam = prod.get_cost_and_usage(Filter=lambda_only, **request)["ResultsByTime"][0]["Total"]["UnblendedCost"]
    rest = prod.get_cost_and_usage(Filter={"Not": lambda_only}, **request)["ResultsByTime"][0]["Total"]
    amazon = prod.get_cost_and_usage(
        Filter={
            "Dimensions": {"Key": "SERVICE", "Values": ["amazon"], "MatchOptions": ["CONTAINS", "CASE_INSENSITIVE"]}
        },
        GroupBy=[{"Type": "TAG", "Key": "team"}],
        **request,
    )["ResultsByTime"][0]["Groups"]

    # Then
    lambda_seed = next(
        r for r in SEEDS[PROD]["savings_plans"]["coverage"] if r["attributes"]["SERVICE"] == "AWS Lambda"
    )
    per_day = Decimal(lambda_seed["covered_per_day"]) + Decimal(lambda_seed["on_demand_per_day"])
    assert Decimal(lam["Amount"]) == per_day * 31
    assert abs(Decimal(lam["Amount"]) + Decimal(rest["UnblendedCost"]["Amount"]) - Decimal(everything)) < Decimal(
        "0.01"
    )
    # EC2 and RDS carry the account's first team; S3 is untagged: a "team$" group, as AWS reports untagged cost
    assert [g["Keys"] for g in amazon] == [["team$"], ["team$orders"]]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"Metrics": ["Dollars"]},
        {"Metrics": []},
        {"Metrics": ["UnblendedCost"], "Granularity": "HOURLY"},
        {"Metrics": ["UnblendedCost"], "GroupBy": [{"Type": "DIMENSION", "Key": "SERVICE"}] * 3},
        {"Metrics": ["UnblendedCost"], "GroupBy": [{"Type": "COST_CATEGORY", "Key": "x"}]},
        {"Metrics": ["UnblendedCost"], "Filter": {"Dimensions": {"Key": "NOPE", "Values": ["x"]}}},
    ],
)
def test_cost_and_usage_rejects_bad_input(prod: Any, kwargs: dict[str, Any]) -> None:
    request = {"TimePeriod": ANY_PERIOD, "Granularity": "MONTHLY", **kwargs}
    with pytest.raises(ClientError) as excinfo:
        prod.get_cost_and_usage(**request)
    assert _error_code(excinfo) == "ValidationException"


def test_cost_and_usage_pages_with_next_page_token(prod: Any) -> None:
    request = {
        "TimePeriod": {"Start": "2024-01-01", "End": "2024-06-01"},
        "Granularity": "DAILY",
        "Metrics": ["UsageQuantity"],
    }
    first = prod.get_cost_and_usage(**request)
    second = prod.get_cost_and_usage(NextPageToken=first["NextPageToken"], **request)
    assert len(first["ResultsByTime"]) + len(second["ResultsByTime"]) == 152
    assert "NextPageToken" not in second
    assert first["ResultsByTime"][0]["Total"]["UsageQuantity"]["Unit"] == "N/A"


# --- tags, cost categories, per-resource cost, usage forecast, Savings Plans (ce_discovery, savingsplans) --------

TODAY = datetime.now(UTC).date()
LAST_30 = {"Start": (TODAY - timedelta(days=30)).isoformat(), "End": TODAY.isoformat()}
EC2 = {"Dimensions": {"Key": "SERVICE", "Values": ["Amazon Elastic Compute Cloud - Compute"]}}
BY_COST = [{"Key": "UnblendedCost", "SortOrder": "DESCENDING"}]


@pytest.mark.parametrize(("account_id", "teams"), [(PROD, ["checkout", "orders"]), (DEV, ["billing", "invoicing"])])
def test_tags_are_the_callers_own(endpoint: str, account_id: str, teams: list[str]) -> None:
    client = _client(endpoint, account_id)
    assert client.get_tags(TimePeriod=LAST_30)["Tags"] == ["cost-center", "team"]
    assert client.get_tags(TimePeriod=LAST_30, TagKey="team")["Tags"] == teams
    # Filter selects the line items; SearchString the values
    assert client.get_tags(TimePeriod=LAST_30, TagKey="team", Filter=EC2)["Tags"] == [
        teams[1 if account_id == PROD else 0]
    ]
    assert client.get_tags(TimePeriod=LAST_30, TagKey="team", SearchString=teams[0][:3])["Tags"] == [teams[0]]


def test_sort_by_ranks_by_cost_and_refuses_search_and_paging(prod: Any) -> None:
    # Given the team tag's values ranked by cost, at most one
    ranked = prod.get_tags(TimePeriod=LAST_30, TagKey="team", SortBy=BY_COST, MaxResults=1)

    # Then the biggest spender (EC2 and RDS: orders) comes first, and no token (SortBy does not page)
    assert ranked["Tags"] == ["orders"]
    assert ranked["TotalSize"] == 2
    assert "NextPageToken" not in ranked
    # "When you use SortBy, NextPageToken and SearchString aren't supported"
    for extra in ({"SearchString": "o"}, {"NextPageToken": "x"}):
        with pytest.raises(ClientError) as excinfo:
            prod.get_tags(TimePeriod=LAST_30, SortBy=BY_COST, **extra)
        assert _error_code(excinfo) == "ValidationException"
    top = prod.get_dimension_values(TimePeriod=LAST_30, Dimension="SERVICE", SortBy=BY_COST, MaxResults=1)
    assert [v["Value"] for v in top["DimensionValues"]] == ["Amazon Elastic Compute Cloud - Compute"]


@pytest.mark.parametrize(
    ("account_id", "name", "values"),
    [(PROD, "Acme business units", ["platform", "retail"]), (DEV, "Globex departments", ["finance", "shared"])],
)
def test_cost_categories_are_the_callers_own_from_their_effective_start(
    endpoint: str, account_id: str, name: str, values: list[str]
) -> None:
    client = _client(endpoint, account_id)
    assert client.get_cost_categories(TimePeriod=LAST_30)["CostCategoryNames"] == [name]
    answer = client.get_cost_categories(TimePeriod=LAST_30, CostCategoryName=name)
    assert sorted(answer["CostCategoryValues"]) == values
    # Lambda and Fargate are the second team's: only the default value
    lambda_only = {"Dimensions": {"Key": "SERVICE", "Values": ["AWS Lambda"]}}
    assert client.get_cost_categories(TimePeriod=LAST_30, CostCategoryName=name, Filter=lambda_only)[
        "CostCategoryValues"
    ] == [values[0] if account_id == PROD else values[1]]
    # effective three months back: a period before that has no categories
    a_year_ago = {"Start": (TODAY - timedelta(days=365)).isoformat(), "End": (TODAY - timedelta(days=335)).isoformat()}
    assert client.get_cost_categories(TimePeriod=a_year_ago)["CostCategoryNames"] == []


def test_cost_and_usage_with_resources_shares_each_service_cost_by_resource(prod: Any) -> None:
    period = {"Start": (TODAY - timedelta(days=3)).isoformat(), "End": TODAY.isoformat()}
    request = {"TimePeriod": period, "Granularity": "DAILY", "Metrics": ["UnblendedCost"], "Filter": EC2}
    by_resource = prod.get_cost_and_usage_with_resources(GroupBy=[{"Type": "DIMENSION", "Key": "RESOURCE_ID"}],
                                                         **request)["ResultsByTime"]  # fmt: skip
    total = prod.get_cost_and_usage(**request)["ResultsByTime"]
    assert len(by_resource) == 3
    groups = by_resource[0]["Groups"]
    assert len(groups) == 2
    assert all(g["Keys"][0].startswith("i-0") for g in groups)
    shared = sum(Decimal(g["Metrics"]["UnblendedCost"]["Amount"]) for g in groups)
    assert abs(shared - Decimal(total[0]["Total"]["UnblendedCost"]["Amount"])) < Decimal("0.01")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"TimePeriod": {"Start": (TODAY - timedelta(days=20)).isoformat(), "End": TODAY.isoformat()}},  # > 14 days
        {"GroupBy": [{"Type": "DIMENSION", "Key": "SERVICE"}]},  # neither grouped nor filtered by RESOURCE_ID
    ],
)
def test_cost_and_usage_with_resources_refuses_what_aws_refuses(prod: Any, kwargs: dict[str, Any]) -> None:
    request = {
        "TimePeriod": {"Start": (TODAY - timedelta(days=3)).isoformat(), "End": TODAY.isoformat()},
        "Granularity": "DAILY", "Metrics": ["UnblendedCost"], "Filter": EC2,
        "GroupBy": [{"Type": "DIMENSION", "Key": "RESOURCE_ID"}], **kwargs,
    }  # fmt: skip
    with pytest.raises(ClientError) as excinfo:
        prod.get_cost_and_usage_with_resources(**request)
    assert _error_code(excinfo) == "ValidationException"


def test_usage_forecast_is_the_filtered_usage_in_its_unit(prod: Any, dev: Any) -> None:
    period = {"Start": TODAY.isoformat(), "End": (TODAY + timedelta(days=30)).isoformat()}
    hours = {"Dimensions": {"Key": "USAGE_TYPE_GROUP", "Values": ["EC2: Running Hours", "RDS: Running Hours"]}}
    request = {"TimePeriod": period, "Metric": "USAGE_QUANTITY", "Granularity": "MONTHLY", "Filter": hours}
    prod_total, dev_total = (c.get_usage_forecast(**request)["Total"] for c in (prod, dev))
    assert prod_total["Unit"] == dev_total["Unit"] == "Hrs"
    assert prod_total["Amount"] != dev_total["Amount"]
    mixed = prod.get_usage_forecast(**{**request, "Filter": EC2 | {}})["Total"]  # one service, one unit
    assert mixed["Unit"] == "Hrs"
    everything = prod.get_usage_forecast(**{k: v for k, v in request.items() if k != "Filter"})["Total"]
    assert everything["Unit"] == "N/A"  # units differ: summed without them, as AWS warns
    with pytest.raises(ClientError) as excinfo:
        prod.get_usage_forecast(**{**request, "Metric": "UNBLENDED_COST"})
    assert _error_code(excinfo) == "ValidationException"


def test_savings_plans_utilization_details_split_the_utilization_by_plan(prod: Any, endpoint: str) -> None:
    # Given the last 20 days (the retired plan ended 30 days ago)
    period = {"Start": (TODAY - timedelta(days=20)).isoformat(), "End": TODAY.isoformat()}
    details = prod.get_savings_plans_utilization_details(TimePeriod=period)
    utilization = prod.get_savings_plans_utilization(TimePeriod=period)["Total"]["Utilization"]

    # Then the two active plans, adding up to the account's Savings Plans utilization
    plans = account_client(endpoint, "savingsplans", PROD).describe_savings_plans(states=["active"])["savingsPlans"]
    assert {d["SavingsPlanArn"] for d in details["SavingsPlansUtilizationDetails"]} == {
        p["savingsPlanArn"] for p in plans
    }
    assert Decimal(details["Total"]["Utilization"]["TotalCommitment"]) == Decimal(utilization["TotalCommitment"])
    assert details["TimePeriod"] == period
    page = prod.get_savings_plans_utilization_details(TimePeriod=period, MaxResults=1)
    assert len(page["SavingsPlansUtilizationDetails"]) == 1
    assert page["NextToken"]
    with pytest.raises(ClientError) as excinfo:
        prod.get_savings_plans_utilization_details(
            TimePeriod={"Start": TODAY.isoformat(), "End": (TODAY + timedelta(days=2)).isoformat()}
        )
    assert _error_code(excinfo) == "ValidationException"


@pytest.mark.parametrize("account_id", [PROD, DEV])
def test_describe_savings_plans_answers_the_callers_plans_by_state_and_pages(endpoint: str, account_id: str) -> None:
    client = account_client(endpoint, "savingsplans", account_id)
    every = client.describe_savings_plans()["savingsPlans"]
    assert len(every) == 3
    assert all(f":{account_id}:" in p["savingsPlanArn"] for p in every)
    assert [p["state"] for p in client.describe_savings_plans(states=["retired"])["savingsPlans"]] == ["retired"]
    first = client.describe_savings_plans(maxResults=2)
    second = client.describe_savings_plans(maxResults=2, nextToken=first["nextToken"])
    assert [p["savingsPlanId"] for p in first["savingsPlans"] + second["savingsPlans"]] == [
        p["savingsPlanId"] for p in every
    ]
    family = client.describe_savings_plans(filters=[{"name": "ec2-instance-family", "values": ["m6i"]}])
    assert [p["savingsPlanType"] for p in family["savingsPlans"]] == ["EC2Instance"]


def test_an_account_without_savings_plans_has_none(endpoint: str) -> None:
    assert account_client(endpoint, "savingsplans", EMPTY).describe_savings_plans()["savingsPlans"] == []
