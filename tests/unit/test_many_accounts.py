"""Many-accounts calls (``target_account_ids``) and the new Cost Explorer tools' refusals.

- the interceptor and the runtime normalize ``target_account_ids`` alike, so the assertion's list is the call's;
- the vendor vends for an account of the assertion's list only, and only if that account is granted;
- the runtime answers one entry per account, an ungranted account's entry is ``unauthorized`` and the
  others still answer; nothing is vended for a call whose list differs from the assertion's;
- what AWS forbids for anomalies, comparisons and recommendations is refused before any vend.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.stub import Stubber

from account_tools.params import MAX_TARGET_ACCOUNTS, account_ids
from caller_assertion import MAX_TARGET_ACCOUNTS as ASSERTION_MAX_TARGET_ACCOUNTS
from credential_vendor.errors import UnauthorizedError
from credential_vendor.models import VendRequest
from gateway_interceptor.logic import named_accounts
from tests.unit.test_tool_requests import (
    _NOW,
    ACCOUNT,
    ANOMALY,
    BASELINE,
    COMPARED,
    Harness,
    _harness,
    _month_period,
    _months_ago,
)
from tests.unit.test_vendor import (  # noqa: F401 - fixtures
    AKSK_ACCOUNT,
    AKSK_RECORD,
    CALLERS,
    ROLE_ACCOUNT,
    FakeStore,
    _assume_role_response,
    kms,
    make_vendor,
    record,
    settings,
    sts,
)

pytestmark = pytest.mark.unit

OTHER = "444444444444"
UNGRANTED = "555555555555"


@pytest.fixture
def harness(monkeypatch: pytest.MonkeyPatch) -> Iterator[Harness]:
    yield from _harness(monkeypatch, granted=(ACCOUNT, OTHER))


# --- one normalization on both sides of the assertion ----------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        [ACCOUNT, OTHER],
        [222222222222, "444444444444", ACCOUNT],
        json.dumps([ACCOUNT, 12345678901]),
        [ACCOUNT] * 3,
        [],
        ["2222"],
        [True],
        "not json",
        [ACCOUNT] * (MAX_TARGET_ACCOUNTS + 1),
        [str(n).zfill(12) for n in range(MAX_TARGET_ACCOUNTS + 1)],
        {"a": ACCOUNT},
    ],
)
def test_the_interceptor_and_the_runtime_name_the_same_accounts(value: Any) -> None:
    try:
        runtime: tuple[str, ...] | None = account_ids(value)
    except ValueError:
        runtime = None
    assert named_accounts({"target_account_ids": value}) == runtime
    assert MAX_TARGET_ACCOUNTS == ASSERTION_MAX_TARGET_ACCOUNTS


# --- the vendor: an account of the list, if granted ------------------------------------------------------------


def _listed(accounts: tuple[str, ...]) -> str:
    return CALLERS.assertion("get_cost_and_usage", None, target_account_ids=accounts, sub="42")


def test_the_vendor_vends_for_each_granted_account_of_the_list(settings, sts, kms):  # noqa: F811
    store = FakeStore([record(ROLE_ACCOUNT), AKSK_RECORD], granted=[ROLE_ACCOUNT])
    vendor, _ = make_vendor(settings, sts, kms, store)
    assertion = _listed((ROLE_ACCOUNT, AKSK_ACCOUNT))
    with Stubber(sts) as stub:
        stub.add_response("assume_role", _assume_role_response(ROLE_ACCOUNT, "s"))
        vended = vendor.vend(VendRequest(account_id=ROLE_ACCOUNT, scope="cost_explorer", assertion=assertion))
    assert vended.account_id == ROLE_ACCOUNT
    # the list names 333..., but it is not granted: the same refusal as a single call's
    with Stubber(sts), pytest.raises(UnauthorizedError, match="not granted"):
        vendor.vend(VendRequest(account_id=AKSK_ACCOUNT, scope="cost_explorer", assertion=assertion))


def test_the_vendor_refuses_an_account_outside_the_list(settings, sts, kms):  # noqa: F811
    store = FakeStore([record(ROLE_ACCOUNT), AKSK_RECORD])  # both granted
    vendor, _ = make_vendor(settings, sts, kms, store)
    with Stubber(sts), pytest.raises(UnauthorizedError, match="does not name account 333333333333"):
        vendor.vend(VendRequest(account_id=AKSK_ACCOUNT, scope="cost_explorer", assertion=_listed((ROLE_ACCOUNT,))))
    assert store.lookups == []


# --- the runtime: one entry per account ------------------------------------------------------------------------

_CE_RESPONSE = {
    "ResultsByTime": [
        {"TimePeriod": {"Start": "2026-04-01", "End": "2026-05-01"},
         "Total": {"UnblendedCost": {"Amount": "10", "Unit": "USD"}}, "Groups": [], "Estimated": False}
    ]
}  # fmt: skip
_CE_REQUEST = {
    "TimePeriod": {"Start": "2026-04-01", "End": "2026-05-01"},
    "Granularity": "MONTHLY",
    "Metrics": ["UnblendedCost"],
}


def test_cost_and_usage_of_several_accounts_one_entry_each_and_the_ungranted_one_refused(harness: Harness) -> None:
    # Given two granted accounts and one the vendor refuses
    harness.vendor.refused = {UNGRANTED}
    for _ in range(2):
        harness.stubbers["ce"].add_response("get_cost_and_usage", _CE_RESPONSE, _CE_REQUEST)

    # When
    is_error, answer = harness.call(
        "get_cost_and_usage",
        {"start_date": "2026-04-01", "end_date": "2026-05-01", "target_account_ids": [ACCOUNT, UNGRANTED, OTHER]},
    )

    # Then each account has its own entry, in the order asked; the ungranted one is its own failure
    assert not is_error, answer
    assert "target_account_id" not in answer
    assert list(answer["accounts"]) == [ACCOUNT, UNGRANTED, OTHER]
    assert answer["accounts"][ACCOUNT]["totals"] == {"UnblendedCost": {"amount": 10.0, "unit": "USD"}}
    assert answer["accounts"][OTHER]["rows"][0]["start"] == "2026-04-01"
    assert answer["accounts"][UNGRANTED]["error_type"] == "unauthorized"
    assert "rows" not in answer["accounts"][UNGRANTED]
    assert sorted(harness.vendor.vends) == [(ACCOUNT, "cost_explorer"), (OTHER, "cost_explorer")]


def test_an_aws_failure_in_one_account_stays_in_its_entry(harness: Harness) -> None:
    harness.stubbers["ce"].add_client_error(
        "get_anomalies", service_error_code="AccessDeniedException", service_message="no", http_status_code=400
    )
    harness.stubbers["ce"].add_response("get_anomalies", {"Anomalies": [ANOMALY]})
    is_error, answer = harness.call("get_anomalies", {"target_account_ids": [ACCOUNT, OTHER], "min_impact": 10})
    assert not is_error, answer
    entries = answer["accounts"]
    failed = [a for a, e in entries.items() if e.get("error_type") == "access_denied"]
    answered = [a for a, e in entries.items() if e.get("anomalies")]
    assert len(failed) == len(answered) == 1  # concurrency decides which account got which answer
    assert failed[0] in entries[failed[0]]["message"]


def test_a_comparison_of_several_accounts(harness: Harness) -> None:
    change = {"BaselineTimePeriodAmount": "1", "ComparisonTimePeriodAmount": "3", "Difference": "2", "Unit": "USD"}
    request = {
        "BaselineTimePeriod": _month_period(BASELINE),
        "ComparisonTimePeriod": _month_period(COMPARED),
        "MetricForComparison": "UnblendedCost",
        "MaxResults": 20,
    }
    for _ in range(2):
        harness.stubbers["ce"].add_response(
            "get_cost_and_usage_comparisons",
            {"CostAndUsageComparisons": [], "TotalCostAndUsage": {"UnblendedCost": change}},
            request,
        )
    is_error, answer = harness.call(
        "compare_costs",
        {"baseline_month": BASELINE, "comparison_month": COMPARED, "target_account_ids": json.dumps([ACCOUNT, OTHER])},
    )
    assert not is_error, answer
    assert {a: e["totals"]["UnblendedCost"]["difference"] for a, e in answer["accounts"].items()} == {
        ACCOUNT: 2.0,
        OTHER: 2.0,
    }


def test_a_list_other_than_the_assertions_is_refused_before_any_vend(harness: Harness) -> None:
    # Given an assertion naming 222... only, and a call asking 222... and 444...
    import anyio
    from mcp import Client

    meta = harness.callers.meta("get_cost_and_usage", None, target_account_ids=(ACCOUNT,))

    async def run() -> Any:
        async with Client(harness.server) as client:
            return await client.call_tool("get_cost_and_usage", {"target_account_ids": [ACCOUNT, OTHER]}, meta=meta)

    result = anyio.run(run)
    assert result.is_error
    assert json.loads(result.content[0].text)["error_type"] == "unauthorized"
    assert harness.vendor.vends == []


def test_anomaly_monitors_request(harness: Harness) -> None:
    arn = f"arn:aws:ce::{ACCOUNT}:anomalymonitor/m-1"
    harness.stubbers["ce"].add_response(
        "get_anomaly_monitors",
        {"AnomalyMonitors": [{"MonitorArn": arn, "MonitorName": "services", "MonitorType": "DIMENSIONAL",
                              "MonitorDimension": "SERVICE"}]},
        {"MaxResults": 20, "MonitorArnList": [arn]},
    )  # fmt: skip
    is_error, answer = harness.call(
        "get_anomalies", {"kind": "monitors", "monitor_arn": arn, "target_account_id": ACCOUNT}
    )
    assert not is_error, answer
    assert answer["monitors"] == [
        {"monitor_arn": arn, "name": "services", "type": "DIMENSIONAL", "dimension": "SERVICE"}
    ]


# --- what AWS forbids, refused before any vend -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tool", "arguments", "field", "says"),
    [
        # GetAnomalies: "Anomalies are available for up to 90 days"
        ("get_anomalies", {"start_date": "2020-01-01"}, "start_date", "90 days"),
        ("get_anomalies", {"kind": "monitors", "min_impact": 5}, "min_impact", "kind=anomalies"),
        # Comparisons: whole months "within the last 13 months", not in the future
        ("compare_costs", {"baseline_month": _months_ago(14), "comparison_month": COMPARED}, "baseline_month", "13"),
        ("compare_costs", {"baseline_month": BASELINE, "comparison_month": _months_ago(-2)}, "comparison_month", "not"),
        ("compare_costs", {"baseline_month": BASELINE, "comparison_month": "2026-4"}, "comparison_month", "pattern"),
        # GetCostComparisonDrivers: MaxResults 1-10
        (
            "compare_costs",
            {"baseline_month": BASELINE, "comparison_month": COMPARED, "kind": "drivers", "max_results": 50},
            "max_results",
            "at most 10",
        ),
        # GetCostAndUsage-style filter rules apply to the comparison filter too
        (
            "compare_costs",
            {"baseline_month": BASELINE, "comparison_month": COMPARED,
             "filter": {"Dimensions": {"Key": "SERVICE", "Values": ["a"], "MatchOptions": ["CONTAINS"]}}},
            "filter.Dimensions.MatchOptions",
            "CASE_SENSITIVE",
        ),
        # Legacy RI payment options are not Savings Plans options
        ("get_recommendations", {"payment_option": "HEAVY_UTILIZATION"}, "payment_option", ""),
        # Many accounts: one form at a time, and no paging across accounts
        ("get_cost_and_usage", {"target_account_ids": [OTHER]}, "target_account_ids", "target_account_id or"),
        ("get_anomalies", {"next_token": "x", "target_account_ids": [OTHER]}, "next_token", "one account at a time"),
    ],
)  # fmt: skip
def test_combinations_aws_refuses_are_refused_before_any_vend(
    harness: Harness, tool: str, arguments: dict[str, Any], field: str, says: str
) -> None:
    named = (
        {} if "target_account_ids" in arguments and field != "target_account_ids" else {"target_account_id": ACCOUNT}
    )
    is_error, answer = harness.call(tool, {**arguments, **named})
    assert is_error
    assert answer["error_type"] == "invalid_parameter"
    assert answer["message"].startswith(f"{field}:"), answer
    assert says in answer["message"]
    assert harness.vendor.vends == []


def test_too_many_accounts_are_refused(harness: Harness) -> None:
    accounts = [str(n).zfill(12) for n in range(1, MAX_TARGET_ACCOUNTS + 2)]
    is_error, answer = harness.call("get_cost_and_usage", {"target_account_ids": accounts})
    assert is_error
    assert answer["error_type"] == "invalid_parameter"
    assert answer["message"].startswith("target_account_ids:")
    assert harness.vendor.vends == []


def test_now_is_consistent() -> None:
    assert _months_ago(0) == _NOW.isoformat()[:7]
