"""Calls to the account-admin function URL, signed with SigV4 as the operator (no retries)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError, ProfileNotFound

REQUEST_TIMEOUT_S = 35  # above the admin function's 30 s timeout
ADMIN_URL_OUTPUT = "AdminFunctionUrl"


class CliError(Exception):
    """A one-line error for the operator (exit code 1)."""


@dataclass(frozen=True)
class Target:
    """Where the admin function is and who calls it."""

    session: boto3.session.Session
    region: str
    url: str


def aws_session(profile: str | None, region: str | None) -> tuple[boto3.session.Session, str]:
    """A boto3 session for ``profile`` with credentials and a region, or a one-line error."""
    try:
        session = boto3.session.Session(profile_name=profile, region_name=region)
    except ProfileNotFound as exc:
        raise CliError(f"AWS profile {profile!r} not found (see ~/.aws/config)") from exc
    if session.region_name is None:
        raise CliError("no AWS region: pass --region or set AWS_REGION (the region of the admin function)")
    try:
        credentials = session.get_credentials()
    except BotoCoreError as exc:
        raise CliError(f"cannot load AWS credentials: {exc}") from exc
    if credentials is None:
        raise CliError("no AWS credentials: pass --profile, set AWS_PROFILE, or sign in (aws sso login)")
    return session, session.region_name


def stack_outputs(session: boto3.session.Session, stack: str) -> dict[str, str]:
    """A stack's outputs by key (CloudFormation ``DescribeStacks``).

    Raises:
        CliError: The stack cannot be described.
    """
    try:
        stacks = session.client("cloudformation").describe_stacks(StackName=stack)["Stacks"]
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise CliError(f"{error.get('Code', 'error')}: {error.get('Message', exc)}") from exc
    except BotoCoreError as exc:
        raise CliError(str(exc)) from exc
    return {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}


def resolve_url(
    session: boto3.session.Session, *, function_url: str | None, function_name: str | None, stack: str | None
) -> str:
    """The admin function URL: given, read from the function's URL config, or from the stack's outputs."""
    if function_url:
        return function_url
    try:
        if function_name:
            config = session.client("lambda").get_function_url_config(FunctionName=function_name)
            return str(config["FunctionUrl"])
        if stack:
            stacks = session.client("cloudformation").describe_stacks(StackName=stack)["Stacks"]
            outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
            if ADMIN_URL_OUTPUT not in outputs:
                raise CliError(f"stack {stack} has no {ADMIN_URL_OUTPUT} output (deploy the current version)")
            return str(outputs[ADMIN_URL_OUTPUT])
    except (NoCredentialsError, NoRegionError) as exc:
        raise CliError(str(exc)) from exc
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise CliError(f"{error.get('Code', 'error')}: {error.get('Message', exc)}") from exc
    except BotoCoreError as exc:
        raise CliError(str(exc)) from exc
    raise CliError("name the admin function: --stack, --function-name or --function-url (or ACCOUNT_TOOLS_STACK)")


def call(target: Target, payload: dict[str, Any]) -> dict[str, Any]:
    """Send one request, signed as the operator; never retried (a write must not be applied twice).

    Raises:
        CliError: The function refused the request, or could not be reached (the message says whether a
            change may have been applied).
    """
    body = json.dumps(payload).encode()
    request = AWSRequest(method="POST", url=target.url, data=body, headers={"content-type": "application/json"})
    credentials = target.session.get_credentials()
    if credentials is None:
        raise CliError("no AWS credentials")
    SigV4Auth(credentials.get_frozen_credentials(), "lambda", target.region).add_auth(request)
    http = urllib.request.Request(target.url, data=body, headers=dict(request.headers.items()), method="POST")  # noqa: S310 - https URL of the operator's function (http only for the local stack)
    try:
        with urllib.request.urlopen(http, timeout=REQUEST_TIMEOUT_S) as response:  # noqa: S310
            answer: dict[str, Any] = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        try:
            answer = json.loads(exc.read())
        except ValueError:
            answer = {}
        if "error_type" in answer:
            raise CliError(f"{answer['error_type']}: {answer.get('message', '')}") from exc
        reason = answer.get("Message") or answer.get("message") or exc.reason
        raise CliError(f"the admin function URL answered {exc.code}: {reason}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        action = payload.get("action", "")
        unsure = (
            "" if action.startswith(("list_", "show_")) else "; the change may have been applied: check before retrying"
        )
        raise CliError(f"no answer from the admin function ({getattr(exc, 'reason', exc)}){unsure}") from exc
    except ValueError as exc:
        raise CliError("the admin function answered something that is not JSON") from exc
    if not answer.get("ok"):
        raise CliError(f"{answer.get('error_type', 'error')}: {answer.get('message', '')}")
    return answer
