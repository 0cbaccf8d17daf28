"""No secret reaches the logs of the admin and vendor handlers, whatever the environment says.

Each handler runs in a fresh interpreter with ``POWERTOOLS_LOGGER_LOG_EVENT=true`` and DEBUG logging
(set before the handler module is imported, as Lambda does), with the root logger writing to stderr
like the Lambda runtime's. KMS is moto in-process; the registry is an in-memory fake. No network.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
SECRET = "wJalrXUtnFEMI/K7MDENG/ADMINPLAINTEXTxx"
TEMP_SECRET = "temporary-secret-key-value-LOGTEST"
TEMP_TOKEN = "temporary-session-token-LOGTEST"
NOISY_ENV = {
    "POWERTOOLS_LOGGER_LOG_EVENT": "true",
    "POWERTOOLS_LOG_LEVEL": "DEBUG",
    "POWERTOOLS_DEBUG": "true",
    "AWS_LAMBDA_LOG_LEVEL": "DEBUG",
}

COMMON = """
import logging, sys
logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)  # the Lambda runtime's root handler
from local_stack.lambda_endpoint import LocalLambdaContext
context = LocalLambdaContext(function_name="fn", aws_request_id="req-1")
"""

ADMIN_SCRIPT = (
    COMMON
    + """
import os
from datetime import UTC, datetime
from uuid import uuid4
import boto3
from moto import mock_aws

with mock_aws():
    key = boto3.client("kms", region_name="us-east-1").create_key()["KeyMetadata"]["Arn"]
    os.environ["REGISTRY_KMS_KEY_ARN"] = key
    import account_admin.handler as h
    from account_registry.models import AccountRecord

    now = datetime.now(UTC)
    record = AccountRecord(
        id=uuid4(), account_id="333333333333", alias=None, auth_type="aksk", access_key_id="AKIAOLDKEY0000000001",
        secret_access_key_encrypted="b2xk", secret_kms_key_arn=key, role_arn=None, region="us-east-1",
        org_id=uuid4(), external_id="ext-logtest-0001", enabled=True, created_at=now, updated_at=now,
    )

    import contextlib, json

    class Store:
        def get_account(self, account_id):
            return record

        def replace_secret(self, account_id, **kwargs):
            return True

        def list_organizations(self):
            return []

        def transaction(self):
            return contextlib.nullcontext()

        def audit(self, **kwargs):
            print("AUDIT", kwargs)

    class Registry:
        def run(self, operation, retry=True):
            return operation(Store())

    h._registry = lambda: Registry()
    def url_event(payload):  # a function URL request, its caller verified by Lambda
        return {"requestContext": {"http": {"method": "POST"}, "authorizer": {"iam": {
            "userArn": "arn:aws:iam::111111111111:user/operator"}}}, "body": json.dumps(payload)}
    event = {"action": "rotate_secret", "account_id": "333333333333", "access_key_id": "AKIANEWKEY0000000002",
             "secret_access_key": os.environ["TEST_SECRET"]}
    print("RESULT", h.handler(url_event(event), context))
    bad = dict(event, account_id="12ab")
    print("RESULT", h.handler(url_event(bad), context))
"""
)

VENDOR_SCRIPT = (
    COMMON
    + """
import os
import credential_vendor.handler as h
from credential_vendor.models import VendedCredentials

class Vendor:
    def caller(self, assertion):
        from caller_assertion import CallerAssertion
        return CallerAssertion.issue(
            sub="client-1", kind="agent", name="client-1", groups=(), tool="get_caller_identity",
            target_account_id="333333333333",
        )

    def vend(self, request):
        return VendedCredentials(
            access_key_id="ASIATEMPORARY0000001", secret_access_key=os.environ["TEST_TEMP_SECRET"],
            session_token=os.environ["TEST_TEMP_TOKEN"], expiration="2026-11-21T15:00:00Z",
            account_id=request.account_id, region="us-east-1", auth_type="aksk", scope=request.scope,
        )

h._vendor = lambda: Vendor()
print("RESULT", h.handler({"action": "vend", "account_id": "333333333333", "scope": "identity"}, context))
"""
)


def run_handler(script: str) -> tuple[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_"))}
    env |= NOISY_ENV | {
        "PYTHONPATH": os.pathsep.join(str(REPO / p) for p in ("lambdas", "runtime_image", ".")),
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_EC2_METADATA_DISABLED": "true",
        "REGISTRY_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:111111111111:secret:registry",
        "TEST_SECRET": SECRET,
        "TEST_TEMP_SECRET": TEMP_SECRET,
        "TEST_TEMP_TOKEN": TEMP_TOKEN,
    }
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False, cwd=REPO, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout, result.stderr


def test_admin_handler_never_logs_the_plaintext_secret_even_with_log_event_and_debug():
    # When the admin function rotates a secret (and refuses a bad request) with every logging knob turned up
    stdout, stderr = run_handler(ADMIN_SCRIPT)

    # Then it answered both requests
    results = [line for line in stdout.splitlines() if line.startswith("RESULT")]
    assert '"rotated": true' in results[0]
    assert '"invalid_request"' in results[1]
    # And the logs (Powertools JSON on stdout, everything else on stderr) hold the outcome, never the secret
    logs = [line for line in stdout.splitlines() if not line.startswith("RESULT")] + stderr.splitlines()
    text = "\n".join(logs)
    assert "arn:aws:iam::111111111111:user/operator" in text  # the audit row's actor
    assert '"outcome":"ok"' in text.replace(" ", "")
    for form in (SECRET, base64.b64encode(SECRET.encode()).decode(), SECRET.split("/")[-1]):
        assert form not in text
    assert '"event"' not in text.replace(" ", "")


def test_vendor_handler_never_logs_its_event_or_the_credentials_it_returns():
    stdout, stderr = run_handler(VENDOR_SCRIPT)
    results = [line for line in stdout.splitlines() if line.startswith("RESULT")]
    assert TEMP_TOKEN in results[0]  # the payload carries the credentials...
    logs = "\n".join([line for line in stdout.splitlines() if not line.startswith("RESULT")] + stderr.splitlines())
    assert '"outcome":"ok"' in logs.replace(" ", "")
    for secret in (TEMP_SECRET, TEMP_TOKEN):  # ...the logs never do
        assert secret not in logs
    assert '"scope":"identity","action"' not in logs.replace(" ", "")  # the logged event would look like this
