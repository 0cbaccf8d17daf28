"""get_metrics and get_alarms end to end: every kind, for an account of each auth type, each with its own data.

Through the local Gateway as the platform agent: Acme (222222222222, iam_role) has an EC2 instance running hot and
its CPU alarm in ALARM; Globex (333333333333, aksk) a database running out of storage and its alarm in ALARM
(local_stack.demo_data.demo_cloudwatch). No answer holds the other account's names.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from local_stack.stack import AKSK_ACCOUNT, ROLE_ACCOUNT, LocalStack
from tests.mcp_results import body

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]

ALIASES = {ROLE_ACCOUNT: "acme-prod", AKSK_ACCOUNT: "globex-legacy"}
# account -> (namespace, metric, dimension, alarm in ALARM, first and last value of the last three hours)
STORIES = {
    ROLE_ACCOUNT: ("AWS/EC2", "CPUUtilization", "InstanceId", "acme-prod-ec2-cpu-high", 38.0, 96.5),
    AKSK_ACCOUNT: ("AWS/RDS", "FreeStorageSpace", "DBInstanceIdentifier", "globex-legacy-rds-free-storage-low",
                   31.0 * 1024**3, 6.2 * 1024**3),
}  # fmt: skip


def _other(account: str) -> str:
    return ALIASES[AKSK_ACCOUNT if account == ROLE_ACCOUNT else ROLE_ACCOUNT]


@pytest.mark.parametrize("account", [ROLE_ACCOUNT, AKSK_ACCOUNT])  # iam_role, aksk
async def test_each_account_lists_and_reads_its_own_metrics(local_stack: LocalStack, account: str) -> None:
    namespace, metric, dimension, _, first, last = STORIES[account]
    start = (datetime.now(UTC) - timedelta(hours=12)).isoformat()  # the seeded three hours, whenever seeded
    async with local_stack.mcp_client("platform-agent") as client:
        listed = body(
            await client.call_tool(
                "get_metrics", {"kind": "list", "metrics": [{"namespace": namespace}], "target_account_id": account}
            )
        )
        [found] = listed["metrics"]
        value = found["dimensions"][dimension]
        stat = "Average" if namespace == "AWS/EC2" else "Minimum"
        data = body(
            await client.call_tool(
                "get_metrics",
                {"metrics": [{"namespace": namespace, "metric_name": metric, "dimensions": {dimension: value},
                              "stat": stat, "period": 300}], "start_time": start, "target_account_id": account},
            )
        )  # fmt: skip
        paged = body(
            await client.call_tool(
                "get_metrics",
                {"metrics": json.dumps([{"namespace": namespace, "metric_name": metric,
                                         "dimensions": {dimension: value}}]),
                 "start_time": start, "max_results": "10", "target_account_id": account},
            )
        )  # fmt: skip
        following = body(
            await client.call_tool(
                "get_metrics",
                {"metrics": [{"namespace": namespace, "metric_name": metric, "dimensions": {dimension: value}}],
                 "start_time": start, "max_results": 10, "next_token": paged["next_token"],
                 "target_account_id": account},
            )
        )  # fmt: skip

    # the metric is this account's own: its instance or database, and its story's values
    assert found["metric_name"] == metric
    assert value.startswith("i-0") if namespace == "AWS/EC2" else value == f"{ALIASES[account]}-db"
    [series] = data["results"]
    points = list(series["points"].values())
    assert len(points) == 36
    assert points[0] == pytest.approx(first)
    assert points[-1] == pytest.approx(last)
    assert list(series["points"]) == sorted(series["points"])  # oldest first
    assert "next_token" not in data
    # at most 10 datapoints a page; the next page goes on where the first stopped
    assert len(paged["results"][0]["points"]) == 10
    assert "PartialData" in paged["note"]
    assert min(following["results"][0]["points"]) > max(paged["results"][0]["points"])
    text = json.dumps([listed, data, paged, following])
    assert _other(account) not in text


@pytest.mark.parametrize("account", [ROLE_ACCOUNT, AKSK_ACCOUNT])  # iam_role, aksk
async def test_each_account_answers_its_own_alarms_and_history(local_stack: LocalStack, account: str) -> None:
    alias = ALIASES[account]
    namespace, metric, _, alarm, _, _ = STORIES[account]
    async with local_stack.mcp_client("platform-agent") as client:
        firing = body(await client.call_tool("get_alarms", {"target_account_id": account}))
        everything = body(await client.call_tool("get_alarms", {"state_value": "ANY", "target_account_id": account}))
        paged = body(await client.call_tool("get_alarms", {"max_results": 1, "target_account_id": account}))
        rest = body(
            await client.call_tool(
                "get_alarms", {"max_results": 1, "next_token": paged["next_token"], "target_account_id": account}
            )
        )
        history = body(
            await client.call_tool("get_alarms", {"kind": "history", "alarm_name": alarm, "target_account_id": account})
        )
        changes = body(
            await client.call_tool(
                "get_alarms",
                {"kind": "history", "history_type": "StateUpdate",
                 "start_time": (datetime.now(UTC) - timedelta(hours=3)).isoformat(), "target_account_id": account},
            )
        )  # fmt: skip

    # ALARM first, then INSUFFICIENT_DATA (the default); the OK alarm only when asked for any state
    assert [(a["name"], a["state"]) for a in firing["alarms"]] == [
        (alarm, "ALARM"), (f"{alias}-api-5xx", "INSUFFICIENT_DATA")]  # fmt: skip
    story = firing["alarms"][0]
    assert story["metric"].startswith(f"{namespace} {metric} ")
    assert story["reason"].startswith("Threshold Crossed")
    assert story["condition"].endswith("for 3 of 3 periods of 300 s")
    assert {a["name"] for a in everything["alarms"]} == {alarm, f"{alias}-api-5xx", f"{alias}-nightly-export-errors"}
    assert [a["name"] for a in paged["alarms"] + rest["alarms"]] == [alarm, f"{alias}-api-5xx"]
    assert "next_token" not in rest
    # the story alarm's history: newest first, its state change and the notification it sent
    assert [h["type"] for h in history["history"]] in (
        ["StateUpdate", "Action", "ConfigurationUpdate"], ["Action", "StateUpdate", "ConfigurationUpdate"])  # fmt: skip
    assert {h["name"] for h in history["history"]} == {alarm}
    assert [(h["name"], h["summary"]) for h in changes["history"]] == [
        (alarm, "Alarm updated from OK to ALARM"),
        (f"{alias}-api-5xx", "Alarm updated from OK to INSUFFICIENT_DATA"),
    ]
    text = json.dumps([firing, everything, paged, rest, history, changes])
    assert _other(account) not in text


async def test_a_metric_query_cloudwatch_would_not_answer_is_refused_first(local_stack: LocalStack) -> None:
    start = (datetime.now(UTC) - timedelta(days=20)).isoformat()
    async with local_stack.mcp_client("platform-agent") as client:
        result = await client.call_tool(
            "get_metrics",
            {"metrics": [{"namespace": "AWS/EC2", "metric_name": "CPUUtilization", "period": 60}],
             "start_time": start, "target_account_id": ROLE_ACCOUNT},
        )  # fmt: skip
    assert result.is_error
    assert body(result)["error_type"] == "invalid_parameter"
    assert body(result)["message"].startswith("metrics[0].period:")
