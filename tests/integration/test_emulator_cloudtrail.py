"""CloudTrail LookupEvents and CloudTrail Lake against the extended moto server, over HTTP, per account."""

# Composing CloudTrail Lake statements from event data store ids is what these tests exercise.
# ruff: noqa: S608

from __future__ import annotations

import json
import urllib.error
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from local_stack.demo_data import demo_event_data_store_id, demo_seed, post_seed
from tests.integration.emulator_support import account_client, extended_emulator

pytestmark = pytest.mark.integration

REGION = "us-east-1"
PROD, DEV, EMPTY = "222222222222", "333333333333", "444444444444"
ALIASES = {PROD: "acme-prod", DEV: "acme-dev"}
NOW = datetime.now(UTC).replace(microsecond=0)
DEMO_EVENT_COUNT = 16


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with extended_emulator((demo_seed(a, alias, now=NOW) for a, alias in ALIASES.items())) as url:
        yield url


def _client(endpoint: str, account_id: str, region: str = REGION) -> Any:
    return account_client(endpoint, "cloudtrail", account_id, region)


@pytest.fixture(scope="module")
def prod(endpoint: str) -> Any:
    return _client(endpoint, PROD)


@pytest.fixture(scope="module")
def dev(endpoint: str) -> Any:
    return _client(endpoint, DEV)


def _all_events(client: Any, **kwargs: Any) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    response = client.lookup_events(**kwargs)
    events.extend(response["Events"])
    while "NextToken" in response:
        response = client.lookup_events(NextToken=response["NextToken"], **kwargs)
        events.extend(response["Events"])
    return events


def _error_code(excinfo: pytest.ExceptionInfo[ClientError]) -> str:
    return str(excinfo.value.response["Error"]["Code"])


# --- LookupEvents -------------------------------------------------------------------------------------------------


def test_lookup_events_answers_only_from_the_callers_account(prod: Any, dev: Any) -> None:
    # Given two accounts seeded with their own demo events
    # When each looks up its event history
    prod_events = _all_events(prod)
    dev_events = _all_events(dev)

    # Then each sees exactly its own events, and none of the other's
    assert len(prod_events) == len(dev_events) == DEMO_EVENT_COUNT
    assert all(e["Username"].startswith("acme-prod-") for e in prod_events)
    assert all(e["Username"].startswith("acme-dev-") for e in dev_events)
    assert not {e["EventId"] for e in prod_events} & {e["EventId"] for e in dev_events}
    assert {json.loads(e["CloudTrailEvent"])["recipientAccountId"] for e in prod_events} == {PROD}


def test_lookup_events_is_empty_for_an_unseeded_account_and_another_region(endpoint: str) -> None:
    # Given an account with no seeded data, and a seeded account in a region without events
    # When they look up events
    # Then the history is empty
    assert _client(endpoint, EMPTY).lookup_events()["Events"] == []
    assert _client(endpoint, PROD, region="eu-west-1").lookup_events()["Events"] == []


def test_lookup_events_returns_the_aws_event_shape_newest_first(prod: Any) -> None:
    # When
    events = prod.lookup_events(MaxResults=50)["Events"]

    # Then
    times = [e["EventTime"] for e in events]
    assert times == sorted(times, reverse=True)
    run = next(e for e in events if e["EventName"] == "RunInstances")
    assert set(run) >= {
        "EventId",
        "EventName",
        "ReadOnly",
        "AccessKeyId",
        "EventTime",
        "EventSource",
        "Username",
        "Resources",
        "CloudTrailEvent",
    }
    assert run["ReadOnly"] == "false"
    assert run["EventSource"] == "ec2.amazonaws.com"
    assert run["Resources"][0]["ResourceType"] == "AWS::EC2::Instance"
    record = json.loads(run["CloudTrailEvent"])
    assert record["eventName"] == "RunInstances"
    assert record["eventID"] == run["EventId"]
    assert record["userIdentity"]["arn"] == f"arn:aws:iam::{PROD}:user/acme-prod-ci-deployer"


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("EventName", "ConsoleLogin", 2),
        ("Username", "acme-prod-admin", 6),
        ("ReadOnly", "true", 4),
        ("EventSource", "s3.amazonaws.com", 3),
        ("ResourceType", "AWS::S3::Bucket", 3),
        ("ResourceName", "acme-prod-billing-reports", 3),
        ("AccessKeyId", f"AKIA{PROD}DEMO", DEMO_EVENT_COUNT),
        ("EventName", "NoSuchEvent", 0),
        ("Username", "acme-dev-admin", 0),
    ],
)
def test_lookup_attributes_filter_exactly(prod: Any, key: str, value: str, expected: int) -> None:
    # When
    events = _all_events(prod, LookupAttributes=[{"AttributeKey": key, "AttributeValue": value}])

    # Then
    assert len(events) == expected


def test_lookup_by_event_id_finds_one_event(prod: Any) -> None:
    # Given
    event_id = prod.lookup_events(MaxResults=1)["Events"][0]["EventId"]

    # When
    events = prod.lookup_events(LookupAttributes=[{"AttributeKey": "EventId", "AttributeValue": event_id}])["Events"]

    # Then
    assert [e["EventId"] for e in events] == [event_id]


def test_lookup_events_filters_by_time_range(prod: Any) -> None:
    # Given events 0.5 h to 140 h old; When asking for the window 10 h to 50 h ago
    events = _all_events(prod, StartTime=NOW - timedelta(hours=50), EndTime=NOW - timedelta(hours=10))

    # Then only the events at 12, 20, 26, 30, 36 and 48 hours ago are returned
    assert [e["EventName"] for e in events] == [
        "CreateBucket",
        "UpdateFunctionCode20150331v2",
        "AttachRolePolicy",
        "StopInstances",
        "DeleteBucket",
        "GetSavingsPlansCoverage",
    ]
    assert all(NOW - timedelta(hours=50) <= e["EventTime"] <= NOW - timedelta(hours=10) for e in events)


def test_lookup_events_paginates_with_next_token(prod: Any) -> None:
    # When paging 5 at a time
    pages = []
    response = prod.lookup_events(MaxResults=5)
    pages.append(response["Events"])
    while "NextToken" in response:
        response = prod.lookup_events(MaxResults=5, NextToken=response["NextToken"])
        pages.append(response["Events"])

    # Then 16 events arrive in pages of 5, 5, 5, 1, without repeats, in the order of one unpaged call
    assert [len(p) for p in pages] == [5, 5, 5, 1]
    paged_ids = [e["EventId"] for p in pages for e in p]
    assert paged_ids == [e["EventId"] for e in prod.lookup_events()["Events"]]


def test_next_token_is_bound_to_its_filters(prod: Any) -> None:
    # Given a token from an unfiltered lookup
    token = prod.lookup_events(MaxResults=2)["NextToken"]

    # When it is used with another filter, or a made-up token is sent
    with pytest.raises(ClientError) as changed:
        prod.lookup_events(
            MaxResults=2,
            NextToken=token,
            LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "ConsoleLogin"}],
        )
    with pytest.raises(ClientError) as garbage:
        prod.lookup_events(NextToken="not-a-token")

    # Then both are rejected as AWS does
    assert _error_code(changed) == "InvalidNextTokenException"
    assert _error_code(garbage) == "InvalidNextTokenException"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"MaxResults": 51}, "InvalidMaxResultsException"),
        (
            {"LookupAttributes": [{"AttributeKey": "Region", "AttributeValue": "us-east-1"}]},
            "InvalidLookupAttributesException",
        ),
        (
            {
                "LookupAttributes": [
                    {"AttributeKey": "EventName", "AttributeValue": "ConsoleLogin"},
                    {"AttributeKey": "Username", "AttributeValue": "acme-prod-admin"},
                ]
            },
            "InvalidLookupAttributesException",
        ),
        ({"StartTime": NOW, "EndTime": NOW - timedelta(days=1)}, "InvalidTimeRangeException"),
        ({"EventCategory": "management"}, "InvalidEventCategoryException"),
    ],
)
def test_lookup_events_rejects_bad_input(prod: Any, kwargs: dict[str, Any], code: str) -> None:
    # When / Then
    with pytest.raises(ClientError) as excinfo:
        prod.lookup_events(**kwargs)
    assert _error_code(excinfo) == code


def test_insight_events_are_an_empty_history(prod: Any) -> None:
    assert prod.lookup_events(EventCategory="insight")["Events"] == []


# --- CloudTrail Lake ----------------------------------------------------------------------------------------------


def _run_query(client: Any, statement: str) -> tuple[dict[str, Any], list[list[dict[str, str]]]]:
    query_id = client.start_query(QueryStatement=statement)["QueryId"]
    description = client.describe_query(QueryId=query_id)
    rows: list[list[dict[str, str]]] = []
    response = client.get_query_results(QueryId=query_id)
    rows.extend(response["QueryResultRows"])
    while "NextToken" in response:
        response = client.get_query_results(QueryId=query_id, NextToken=response["NextToken"])
        rows.extend(response["QueryResultRows"])
    return description, rows


def test_list_event_data_stores_shows_only_the_callers_stores(prod: Any, dev: Any, endpoint: str) -> None:
    # When
    prod_stores = prod.list_event_data_stores()["EventDataStores"]
    dev_stores = dev.list_event_data_stores()["EventDataStores"]

    # Then
    assert [s["Name"] for s in prod_stores] == ["acme-prod-audit-lake"]
    assert prod_stores[0]["EventDataStoreArn"] == (
        f"arn:aws:cloudtrail:{REGION}:{PROD}:eventdatastore/{demo_event_data_store_id(PROD)}"
    )
    assert prod_stores[0]["Status"] == "ENABLED"
    assert [s["Name"] for s in dev_stores] == ["acme-dev-audit-lake"]
    assert _client(endpoint, EMPTY).list_event_data_stores()["EventDataStores"] == []


def test_lake_query_filters_orders_and_limits(prod: Any) -> None:
    # Given
    store = demo_event_data_store_id(PROD)

    # When
    description, rows = _run_query(
        prod,
        f"SELECT eventName, userIdentity.userName, eventTime FROM {store} "
        "WHERE eventSource = 'ec2.amazonaws.com' AND readOnly = false ORDER BY eventTime DESC LIMIT 2",
    )

    # Then
    assert description["QueryStatus"] == "FINISHED"
    assert description["QueryStatistics"]["EventsMatched"] == 2
    assert description["QueryStatistics"]["EventsScanned"] == DEMO_EVENT_COUNT
    assert rows == [
        [
            {"eventName": "RunInstances"},
            {"userIdentity.userName": "acme-prod-ci-deployer"},
            {"eventTime": (NOW - timedelta(hours=2)).strftime("%Y-%m-%d %H:%M:%S.000")},
        ],
        [
            {"eventName": "CreateTags"},
            {"userIdentity.userName": "acme-prod-ci-deployer"},
            {"eventTime": (NOW - timedelta(hours=3)).strftime("%Y-%m-%d %H:%M:%S.000")},
        ],
    ]


def test_lake_select_star_and_time_comparison(prod: Any) -> None:
    # Given
    store = demo_event_data_store_id(PROD)
    since = (NOW - timedelta(hours=4)).strftime("%Y-%m-%d %H:%M:%S")

    # When
    _, rows = _run_query(prod, f"SELECT * FROM {store} WHERE eventTime >= '{since}'")

    # Then the four most recent events come back with their full records
    assert len(rows) == 4
    columns = [next(iter(cell)) for cell in rows[0]]
    assert columns[:5] == ["eventVersion", "userIdentity", "eventTime", "eventSource", "eventName"]
    assert {"recipientAccountId": PROD} in rows[0]


def test_lake_query_parameters_replace_placeholders(prod: Any) -> None:
    # When
    query_id = prod.start_query(
        QueryStatement=f"SELECT eventID FROM {demo_event_data_store_id(PROD)} WHERE eventName = ?",
        QueryParameters=["ConsoleLogin"],
    )["QueryId"]

    # Then
    assert len(prod.get_query_results(QueryId=query_id)["QueryResultRows"]) == 2


def test_lake_results_paginate(prod: Any) -> None:
    # Given a finished query of all 16 events
    query_id = prod.start_query(QueryStatement=f"SELECT eventID FROM {demo_event_data_store_id(PROD)}")["QueryId"]

    # When paging 6 at a time
    first = prod.get_query_results(QueryId=query_id, MaxQueryResults=6)
    second = prod.get_query_results(QueryId=query_id, MaxQueryResults=6, NextToken=first["NextToken"])
    third = prod.get_query_results(QueryId=query_id, MaxQueryResults=6, NextToken=second["NextToken"])

    # Then
    assert [len(p["QueryResultRows"]) for p in (first, second, third)] == [6, 6, 4]
    assert "NextToken" not in third
    assert first["QueryStatistics"]["ResultsCount"] == 6
    assert first["QueryStatistics"]["TotalResultsCount"] == DEMO_EVENT_COUNT
    ids = [row[0]["eventID"] for p in (first, second, third) for row in p["QueryResultRows"]]
    assert len(set(ids)) == DEMO_EVENT_COUNT


def test_lake_rejects_another_accounts_event_data_store(prod: Any, dev: Any) -> None:
    # Given 333's event data store id and ARN
    dev_store = dev.list_event_data_stores()["EventDataStores"][0]

    # When 222 queries it, by id or by ARN
    for source in (demo_event_data_store_id(DEV), dev_store["EventDataStoreArn"]):
        with pytest.raises(ClientError) as excinfo:
            prod.start_query(QueryStatement=f"SELECT eventName FROM {source}")

        # Then it does not exist for 222
        assert _error_code(excinfo) == "EventDataStoreNotFoundException"


def test_lake_query_ids_are_private_to_their_account(prod: Any, dev: Any) -> None:
    # Given a query of 222
    query_id = prod.start_query(QueryStatement=f"SELECT eventName FROM {demo_event_data_store_id(PROD)}")["QueryId"]

    # When 333 asks for it
    with pytest.raises(ClientError) as described:
        dev.describe_query(QueryId=query_id)
    with pytest.raises(ClientError) as fetched:
        dev.get_query_results(QueryId=query_id)

    # Then
    assert _error_code(described) == "QueryIdNotFoundException"
    assert _error_code(fetched) == "QueryIdNotFoundException"


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM {store}",
        "SELECT eventName, COUNT(*) FROM {store} GROUP BY eventName",
        "SELECT eventName FROM {store} WHERE eventName LIKE 'Console%'",
        "SELECT eventName FROM {store} WHERE eventName = 'a' OR eventName = 'b'",
        "SELECT eventName FROM {store} WHERE eventTime > 'yesterday'",
        "SELECT eventName FROM {store}; DROP TABLE x",
    ],
)
def test_lake_rejects_unsupported_statements(prod: Any, statement: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        prod.start_query(QueryStatement=statement.format(store=demo_event_data_store_id(PROD)))
    assert _error_code(excinfo) == "InvalidQueryStatementException"


def test_lake_unknown_column_fails_at_run_time(prod: Any) -> None:
    # When
    query_id = prod.start_query(QueryStatement=f"SELECT bogusColumn FROM {demo_event_data_store_id(PROD)}")["QueryId"]

    # Then, as Lake does, the query is accepted and then FAILED with a message
    description = prod.describe_query(QueryId=query_id)
    assert description["QueryStatus"] == "FAILED"
    assert "bogusColumn" in description["ErrorMessage"]
    assert prod.get_query_results(QueryId=query_id)["QueryResultRows"] == []


def test_lake_rejects_bad_paging_arguments(prod: Any) -> None:
    query_id = prod.start_query(QueryStatement=f"SELECT eventName FROM {demo_event_data_store_id(PROD)}")["QueryId"]
    with pytest.raises(ClientError) as too_many:
        prod.get_query_results(QueryId=query_id, MaxQueryResults=1001)
    with pytest.raises(ClientError) as bad_token:
        prod.get_query_results(QueryId=query_id, NextToken="bogus-token")
    assert _error_code(too_many) == "InvalidMaxResultsException"
    assert _error_code(bad_token) == "InvalidNextTokenException"


# --- the seed endpoint --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"account_id": "12345"},
        {"account_id": PROD, "region": "not a region"},
        {"account_id": PROD, "cloudtrail_events": [{"EventName": "X"}]},
        {"account_id": PROD, "cloudtrail_events": "nope"},
        {"account_id": PROD, "event_data_stores": [{}]},
    ],
)
def test_seed_endpoint_rejects_malformed_bodies(endpoint: str, body: dict[str, Any]) -> None:
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        post_seed(endpoint, body)
    assert excinfo.value.code == 400
    assert "invalid seed" in json.loads(excinfo.value.read())["message"]


def _event(**members: Any) -> dict[str, Any]:
    """A LookupEvents ``Event`` in AWS's shape (its record agrees with it), with ``members`` replaced."""
    record = {"eventID": "e-1", "eventName": "CreateBucket", "eventSource": "s3.amazonaws.com"}
    event = {
        "EventId": "e-1",
        "EventName": "CreateBucket",
        "ReadOnly": "false",
        "EventTime": NOW.isoformat(),
        "EventSource": "s3.amazonaws.com",
        "CloudTrailEvent": json.dumps(record),
    }
    return {k: v for k, v in {**event, **members}.items() if v is not None}


def _store(**members: Any) -> dict[str, Any]:
    """A ListEventDataStores ``EventDataStore`` of EMPTY in us-east-1, with ``members`` replaced."""
    store = {"EventDataStoreArn": f"arn:aws:cloudtrail:{REGION}:{EMPTY}:eventdatastore/eds-1", "Name": "lake"}
    return {k: v for k, v in {**store, **members}.items() if v is not None}


@pytest.mark.parametrize(
    ("section", "entry", "path"),
    [
        ("cloudtrail_events", _event(ReadOnly=False), "Events[0].ReadOnly"),  # wrong type
        ("cloudtrail_events", _event(EventTime=None), "LookupEvents.Events[0]: missing EventTime"),
        ("cloudtrail_events", _event(AwsRegion="us-east-1"), 'Events[0]: "AwsRegion"'),  # not an Event member
        ("cloudtrail_events", _event(CloudTrailEvent="{}"), "Events[0].CloudTrailEvent.eventID"),
        ("event_data_stores", _store(Status="RUNNING"), "EventDataStores[0].Status: 'RUNNING' is not one of"),
        ("event_data_stores", _store(RetentionPeriod="366"), "EventDataStores[0].RetentionPeriod"),
        ("event_data_stores", _store(Name=None), "EventDataStores[0]: missing Name"),
        (
            "event_data_stores",
            _store(EventDataStoreArn=f"arn:aws:cloudtrail:{REGION}:{PROD}:eventdatastore/eds-1"),
            "EventDataStores[0].EventDataStoreArn",
        ),
    ],
)
def test_seeding_refuses_fixtures_that_drift_from_the_aws_shape(
    endpoint: str, section: str, entry: dict[str, Any], path: str
) -> None:
    # When an entry that is not in AWS's response shape (or not the seeded account's) is seeded
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        post_seed(endpoint, {"account_id": EMPTY, section: [entry]})

    # Then it is refused, naming the path of the first mismatch, and nothing was stored
    assert excinfo.value.code == 400
    message = json.loads(excinfo.value.read())["message"]
    assert f"{section}." in message
    assert path in message
    assert _client(endpoint, EMPTY).lookup_events()["Events"] == []
    assert _client(endpoint, EMPTY).list_event_data_stores()["EventDataStores"] == []


def test_seeding_replaces_a_regions_history(endpoint: str) -> None:
    # Given an account seeded twice in us-west-2
    event = _event()
    post_seed(endpoint, {"account_id": EMPTY, "region": "us-west-2", "cloudtrail_events": [event, event]})
    summary = post_seed(endpoint, {"account_id": EMPTY, "region": "us-west-2", "cloudtrail_events": [event]})

    # Then the second seed replaced the first, and only in that region
    assert summary == {"account_id": EMPTY, "region": "us-west-2", "cloudtrail_events": 1}
    assert len(_client(endpoint, EMPTY, region="us-west-2").lookup_events()["Events"]) == 1
    assert _client(endpoint, EMPTY).lookup_events()["Events"] == []
