"""CloudWatch Logs ``StopQuery`` and running Logs Insights queries against the extended moto server, per account."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from local_stack.moto_ext.logs import MAX_RUN_S, run_time_s
from tests.integration.emulator_support import account_client, extended_emulator

pytestmark = pytest.mark.integration

PROD, DEV = "222222222222", "333333333333"
GROUP = "/demo/app"
DAY_S = 86_400


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with extended_emulator([]) as url:
        for account in (PROD, DEV):
            logs = account_client(url, "logs", account)
            logs.create_log_group(logGroupName=GROUP)
            logs.create_log_stream(logGroupName=GROUP, logStreamName="web-1")
            logs.put_log_events(
                logGroupName=GROUP,
                logStreamName="web-1",
                logEvents=[{"timestamp": int(time.time() * 1000) - 60_000, "message": f"hello from {account}"}],
            )
        yield url


@pytest.fixture(scope="module")
def prod(endpoint: str) -> Any:
    return account_client(endpoint, "logs", PROD)


@pytest.fixture(scope="module")
def dev(endpoint: str) -> Any:
    return account_client(endpoint, "logs", DEV)


def _start(logs: Any, window_s: int) -> str:
    now = int(time.time())
    query_id: str = logs.start_query(
        logGroupNames=[GROUP], startTime=now - window_s, endTime=now, queryString="fields @message"
    )["queryId"]
    return query_id


def _status(logs: Any, query_id: str) -> str:
    [described] = [q for q in logs.describe_queries(logGroupName=GROUP)["queries"] if q["queryId"] == query_id]
    return str(described["status"])


def _error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = excinfo.value.response["Error"]
    return str(error["Code"]), str(error["Message"])


def test_a_query_runs_for_a_time_that_grows_with_its_window() -> None:
    assert run_time_s(0, 3600) < 0.1  # the tools' default hour ends at once
    assert run_time_s(0, 30 * DAY_S) == 30.0
    assert run_time_s(0, 365 * DAY_S) == MAX_RUN_S
    assert run_time_s(10, 0) == 0.0


def test_a_running_query_of_the_signing_account_is_stopped(prod: Any) -> None:
    # Given a query over a month: it is still running
    query_id = _start(prod, 30 * DAY_S)
    assert _status(prod, query_id) == "Running"
    assert prod.get_query_results(queryId=query_id)["status"] == "Running"
    # When it is stopped, then StopQuery succeeds and the query is Cancelled
    assert prod.stop_query(queryId=query_id)["success"] is True
    assert _status(prod, query_id) == "Cancelled"
    assert prod.get_query_results(queryId=query_id)["status"] == "Cancelled"
    # And stopping it again is refused: it is no longer running
    with pytest.raises(ClientError) as excinfo:
        prod.stop_query(queryId=query_id)
    assert _error(excinfo) == ("InvalidParameterException", f"Query {query_id} is not running (status Cancelled).")


def test_a_query_that_ended_is_not_running(prod: Any) -> None:
    query_id = _start(prod, 3600)
    time.sleep(0.1)
    assert prod.get_query_results(queryId=query_id)["status"] == "Complete"
    with pytest.raises(ClientError) as excinfo:
        prod.stop_query(queryId=query_id)
    assert _error(excinfo)[0] == "InvalidParameterException"
    assert "is not running" in _error(excinfo)[1]


def test_another_accounts_query_is_not_found(prod: Any, dev: Any) -> None:
    # Given a running query of 222...: 333... cannot see or stop it, and it keeps running
    query_id = _start(prod, 30 * DAY_S)
    calls: tuple[Callable[[], object], ...] = (
        lambda: dev.stop_query(queryId=query_id),
        lambda: dev.get_query_results(queryId=query_id),
    )
    for call in calls:
        with pytest.raises(ClientError) as excinfo:
            call()
        assert _error(excinfo)[0] == "ResourceNotFoundException"
    assert not [q for q in dev.describe_queries(logGroupName=GROUP)["queries"] if q["queryId"] == query_id]
    assert _status(prod, query_id) == "Running"
    prod.stop_query(queryId=query_id)


def test_a_query_id_outside_1_to_256_characters_is_refused(prod: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        prod.stop_query(queryId="q" * 257)
    assert _error(excinfo)[0] == "InvalidParameterException"


def test_results_come_from_the_signing_accounts_logs(prod: Any, dev: Any) -> None:
    for logs, account in ((prod, PROD), (dev, DEV)):
        query_id = _start(logs, 3600)
        time.sleep(0.1)
        rows = logs.get_query_results(queryId=query_id)["results"]
        messages = [f["value"] for row in rows for f in row if f["field"] == "@message"]
        assert messages == [f"hello from {account}"]
