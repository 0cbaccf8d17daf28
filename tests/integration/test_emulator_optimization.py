"""Cost Optimization Hub and Compute Optimizer against the extended moto server, per account.

Each account answers from its own fixtures (local_stack.demo_data); 111111111111 is opted in to neither service and
answers as AWS answers an account that is not opted in. Compute Optimizer is called as botocore calls it (Smithy RPC
v2 CBOR) and in the JSON protocol its model also lists.
"""

from __future__ import annotations

import json
import urllib.error
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import httpx
import pytest
from botocore.exceptions import ClientError

from local_stack.demo_data import demo_optimization_fixtures, demo_seed, post_seed
from tests.integration.emulator_support import account_client, extended_emulator

pytestmark = pytest.mark.integration

ACME, GLOBEX, PLATFORM, SANDBOX = "222222222222", "333333333333", "111111111111", "555555555555"
ALIASES = {ACME: "acme-prod", GLOBEX: "globex-legacy", PLATFORM: "platform", SANDBOX: "sandbox"}
NOW = datetime.now(UTC)
OPERATIONS = {
    "get_ec2_instance_recommendations": ("instanceRecommendations", "instanceArn"),
    "get_auto_scaling_group_recommendations": ("autoScalingGroupRecommendations", "autoScalingGroupArn"),
    "get_ebs_volume_recommendations": ("volumeRecommendations", "volumeArn"),
    "get_lambda_function_recommendations": ("lambdaFunctionRecommendations", "functionArn"),
}


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with extended_emulator(demo_seed(account, alias, now=NOW) for account, alias in ALIASES.items()) as url:
        yield url


def _code(excinfo: pytest.ExceptionInfo[ClientError]) -> str:
    return str(excinfo.value.response["Error"]["Code"])


@pytest.mark.parametrize("account", [ACME, GLOBEX])
def test_hub_lists_only_the_callers_recommendations(endpoint: str, account: str) -> None:
    hub = account_client(endpoint, "cost-optimization-hub", account)
    items = hub.list_recommendations()["items"]
    assert items
    assert {i["accountId"] for i in items} == {account}
    assert all(ALIASES[account] in i["resourceArn"] or i["resourceId"] in i["resourceArn"] for i in items)
    expected = demo_optimization_fixtures(account, ALIASES[account], NOW)
    assert expected is not None
    wanted = expected["cost-optimization-hub"]["ListRecommendations"]["items"]
    assert [i["recommendationId"] for i in items] == [i["recommendationId"] for i in wanted]


def test_hub_filters_and_pages(endpoint: str) -> None:
    hub = account_client(endpoint, "cost-optimization-hub", ACME)
    ec2 = hub.list_recommendations(filter={"resourceTypes": ["Ec2Instance"]})["items"]
    assert [i["currentResourceType"] for i in ec2] == ["Ec2Instance"]
    assert hub.list_recommendations(filter={"actionTypes": ["Delete"]})["items"] == []
    assert hub.list_recommendations(filter={"regions": ["eu-west-1"]})["items"] == []
    assert hub.list_recommendations(filter={"accountIds": [GLOBEX]})["items"] == []  # never another account's
    first = hub.list_recommendations(maxResults=1, filter={"regions": ["us-east-1"]})
    second = hub.list_recommendations(maxResults=1, filter={"regions": ["us-east-1"]}, nextToken=first["nextToken"])
    assert len(first["items"]) == len(second["items"]) == 1
    assert first["items"][0]["recommendationId"] != second["items"][0]["recommendationId"]
    with pytest.raises(ClientError) as excinfo:  # a token is bound to its request
        hub.list_recommendations(maxResults=1, nextToken=first["nextToken"])
    assert _code(excinfo) == "ValidationException"
    ordered = hub.list_recommendations(orderBy={"dimension": "EstimatedMonthlySavings", "order": "Desc"})["items"]
    savings = [i["estimatedMonthlySavings"] for i in ordered]
    assert savings == sorted(savings, reverse=True)


def test_hub_gets_one_recommendation_of_the_caller_only(endpoint: str) -> None:
    acme = account_client(endpoint, "cost-optimization-hub", ACME)
    globex = account_client(endpoint, "cost-optimization-hub", GLOBEX)
    [item, *_] = acme.list_recommendations(filter={"resourceTypes": ["Ec2Instance"]})["items"]
    detail = acme.get_recommendation(recommendationId=item["recommendationId"])
    assert detail["accountId"] == ACME
    assert detail["currentResourceDetails"]["ec2Instance"]["configuration"]["instance"]["type"] == "m6i.2xlarge"
    assert detail["recommendedResourceDetails"]["ec2Instance"]["configuration"]["instance"]["type"] == "m6i.xlarge"
    with pytest.raises(ClientError) as excinfo:
        globex.get_recommendation(recommendationId=item["recommendationId"])
    assert _code(excinfo) == "ResourceNotFoundException"


def test_hub_refuses_an_account_not_enrolled(endpoint: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        account_client(endpoint, "cost-optimization-hub", PLATFORM).list_recommendations()
    assert _code(excinfo) == "AccessDeniedException"
    assert "not enrolled" in excinfo.value.response["Error"]["Message"]


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
@pytest.mark.parametrize("account", [ACME, GLOBEX])
def test_compute_optimizer_answers_each_account_its_own_resources(endpoint: str, account: str, operation: str) -> None:
    client = account_client(endpoint, "compute-optimizer", account)
    member, arn = OPERATIONS[operation]
    [item] = getattr(client, operation)()[member]
    assert item["accountId"] == account
    assert f":{account}:" in item[arn]
    assert isinstance(item["lastRefreshTimestamp"], datetime)  # a CBOR timestamp, parsed by botocore


def test_compute_optimizer_stories_differ_per_account(endpoint: str) -> None:
    acme = account_client(endpoint, "compute-optimizer", ACME)
    globex = account_client(endpoint, "compute-optimizer", GLOBEX)
    [instance] = acme.get_ec2_instance_recommendations()["instanceRecommendations"]
    assert (instance["currentInstanceType"], instance["finding"]) == ("m6i.2xlarge", "Overprovisioned")
    assert instance["recommendationOptions"][0]["instanceType"] == "m6i.xlarge"
    [volume] = globex.get_ebs_volume_recommendations()["volumeRecommendations"]
    assert (volume["currentConfiguration"]["volumeType"], volume["finding"]) == ("gp2", "NotOptimized")
    [function] = globex.get_lambda_function_recommendations()["lambdaFunctionRecommendations"]
    assert (function["currentMemorySize"], function["memorySizeRecommendationOptions"][0]["memorySize"]) == (3008, 1024)


def test_compute_optimizer_filters_by_finding_arn_and_region(endpoint: str) -> None:
    acme = account_client(endpoint, "compute-optimizer", ACME)
    found = acme.get_ec2_instance_recommendations(filters=[{"name": "Finding", "values": ["Optimized"]}])
    assert found["instanceRecommendations"] == []
    reasons = acme.get_ec2_instance_recommendations(
        filters=[{"name": "FindingReasonCodes", "values": ["CPUOverprovisioned"]}]
    )
    assert len(reasons["instanceRecommendations"]) == 1
    assert (
        acme.get_ec2_instance_recommendations(instanceArns=["arn:aws:ec2:us-east-1:1:instance/i-x"])[
            "instanceRecommendations"
        ]
        == []
    )
    elsewhere = account_client(endpoint, "compute-optimizer", ACME, region="eu-west-1")
    assert elsewhere.get_ec2_instance_recommendations()["instanceRecommendations"] == []  # a regional service


def test_compute_optimizer_account_ids_are_the_callers_own_only(endpoint: str) -> None:
    acme = account_client(endpoint, "compute-optimizer", ACME)
    assert len(acme.get_ebs_volume_recommendations(accountIds=[ACME])["volumeRecommendations"]) == 1
    with pytest.raises(ClientError) as excinfo:
        acme.get_ebs_volume_recommendations(accountIds=[GLOBEX])
    assert _code(excinfo) == "AccessDeniedException"
    with pytest.raises(ClientError) as excinfo:
        acme.get_ebs_volume_recommendations(accountIds=[ACME, GLOBEX])
    assert _code(excinfo) == "InvalidParameterValueException"


def test_compute_optimizer_refuses_an_account_not_opted_in(endpoint: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        account_client(endpoint, "compute-optimizer", PLATFORM).get_ec2_instance_recommendations()
    assert _code(excinfo) == "OptInRequiredException"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_an_opted_in_account_with_nothing_to_recommend_answers_empty(endpoint: str) -> None:
    assert account_client(endpoint, "cost-optimization-hub", SANDBOX).list_recommendations()["items"] == []
    client = account_client(endpoint, "compute-optimizer", SANDBOX)
    assert client.get_lambda_function_recommendations()["lambdaFunctionRecommendations"] == []


def test_compute_optimizer_speaks_the_json_protocol_too(endpoint: str) -> None:
    # Given an ACME role's access key (moto maps it to its account; the emulator does not check signatures)
    sts = boto3.client(
        "sts", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="AKIAHOST000000000000",
        aws_secret_access_key="host-secret",
    )  # fmt: skip
    role = f"arn:aws:iam::{ACME}:role/reader"
    key = sts.assume_role(RoleArn=role, RoleSessionName="tests")["Credentials"]["AccessKeyId"]
    headers = {
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": "ComputeOptimizerService.GetEC2InstanceRecommendations",
        "Authorization": f"AWS4-HMAC-SHA256 Credential={key}/20260101/us-east-1/compute-optimizer/aws4_request, "
        "SignedHeaders=host, Signature=0",
    }

    # When
    answer = httpx.post(f"{endpoint}/", headers=headers, content=json.dumps({"maxResults": 5}), timeout=10)

    # Then
    assert answer.status_code == 200
    [item] = answer.json()["instanceRecommendations"]
    assert item["accountId"] == ACME


def test_seeding_refuses_a_fixture_that_drifts_from_the_aws_shape(endpoint: str) -> None:
    bad: dict[str, Any] = {"compute-optimizer": {"GetEC2InstanceRecommendations": {"instances": []}}}
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        post_seed(endpoint, {"account_id": "777777777777", "optimization_fixtures": bad})
    assert excinfo.value.code == 400
    assert "does not match the AWS response shape" in excinfo.value.read().decode()
