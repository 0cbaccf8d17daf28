"""One tool call's correlation id in the runtime's log line, its vend request and the vendor's log
lines; the vendor's metrics by ``error_type`` and ``scope``; JSON log lines without color codes."""

from __future__ import annotations

import io
import json
import logging
from typing import TYPE_CHECKING, Any, cast

import pytest
from botocore.exceptions import ClientError

from account_tools.observability import LambdaPowertoolsFormatter, configure_logging
from account_tools.server import build_runtime, build_server
from account_tools.settings import RuntimeSettings
from account_tools.vendor_client import VendorClient
from caller_assertion import CallerAssertion
from credential_vendor import handler as vendor_handler
from credential_vendor.errors import AssumeRoleError, VendorError
from credential_vendor.models import VendedCredentials, VendRequest
from credential_vendor.observability import logger as vendor_logger
from credential_vendor.observability import metrics
from tests.callers import Callers, call_tool

if TYPE_CHECKING:
    from credential_vendor.logic import CredentialVendor

pytestmark = pytest.mark.unit

ACCOUNT = "222222222222"
CORRELATION_ID = "0b7a4f7e-3c1d-4d8e-9a51-2f6f0c1e9b21"
ANSI = "\x1b["


class RecordingLambda:
    """A Lambda client whose vendor refuses every vend, recording the payloads it was sent."""

    def __init__(self) -> None:
        self.payloads: list[dict[str, Any]] = []

    def invoke(self, **kwargs: Any) -> dict[str, Any]:
        self.payloads.append(json.loads(kwargs["Payload"]))
        answer = {"ok": False, "error_type": "account_not_found", "message": "not registered"}
        return {"StatusCode": 200, "Payload": io.BytesIO(json.dumps(answer).encode())}


class StandInVendor:
    """The vendor's interface: a fixed caller, and a vend that succeeds or raises ``failure``."""

    def __init__(self, failure: VendorError | None = None) -> None:
        self.failure = failure

    def caller(self, assertion: str | None) -> CallerAssertion:
        return CallerAssertion.issue(
            sub="client-1",
            kind="agent",
            name="client-1",
            groups=(),
            tool="get_caller_identity",
            target_account_id=ACCOUNT,
        )

    def vend(self, request: VendRequest) -> VendedCredentials:
        if self.failure is not None:
            raise self.failure
        return VendedCredentials(
            access_key_id="ASIATEMPORARY0000001",
            secret_access_key="temporary-secret",
            session_token="temporary-token",
            expiration="2026-11-21T15:00:00Z",
            account_id=request.account_id,
            region="us-east-1",
            auth_type="iam_role",
            scope=request.scope,
        )


def stand_in(failure: VendorError | None = None) -> CredentialVendor:
    return cast("CredentialVendor", StandInVendor(failure))


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def vend_event(**extra: Any) -> dict[str, Any]:
    return {"action": "vend", "account_id": ACCOUNT, "scope": "identity", "assertion": "signed"} | extra


@pytest.fixture(autouse=True)
def fresh_metrics() -> Any:
    metrics.clear_metrics()
    yield
    metrics.clear_metrics()


@pytest.fixture
def vendor_log() -> Any:
    """The vendor's JSON log lines (its Powertools handler's stream, swapped for a buffer)."""
    buffer = io.StringIO()
    handler = vendor_logger.registered_handler
    previous = handler.setStream(buffer)  # type: ignore[attr-defined]
    yield buffer
    handler.setStream(previous)  # type: ignore[attr-defined]


def test_runtime_sends_the_tool_calls_correlation_id_and_logs_it():
    # Given the runtime with a vendor that refuses, and its JSON log lines captured
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(LambdaPowertoolsFormatter(service="test"))
    log = logging.getLogger("account_tools")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    lambda_client = RecordingLambda()
    callers = Callers()
    rt = build_runtime(
        RuntimeSettings(vendor_function_name="vendor"),
        vendor=VendorClient("vendor", lambda_client=lambda_client),
        verifier=callers.verifier(),
    )
    server = build_server(rt)
    try:
        # When two tool calls run
        for _ in range(2):
            result = call_tool(server, callers, "get_caller_identity", {"target_account_id": ACCOUNT})
            assert result.is_error
    finally:
        log.removeHandler(handler)

    # Then the vend request carries the id the first call's log line names (the second call is answered
    # by the negative cache: no vend), and each call has its own id
    calls = [line for line in json_lines(buffer.getvalue()) if line.get("message") == "tool call"]
    sent = [p["correlation_id"] for p in lambda_client.payloads if p["action"] == "vend"]
    assert sent == [calls[0]["correlation_id"]]
    assert len({c["correlation_id"] for c in calls}) == 2
    # And the vendor accepts it
    VendRequest.model_validate(lambda_client.payloads[0])
    assert ANSI not in buffer.getvalue()


def test_vendor_client_sends_no_correlation_id_outside_a_tool_call():
    lambda_client = RecordingLambda()
    with pytest.raises(Exception, match="not registered"):
        VendorClient("vendor", lambda_client=lambda_client).vend(
            account_id=ACCOUNT, scope="identity", region=None, assertion="signed"
        )
    assert "correlation_id" not in lambda_client.payloads[0]


def test_vendor_logs_the_correlation_id_scope_and_caller_and_counts_by_scope(vendor_log: io.StringIO):
    # When the vendor vends for a request that carries a correlation id
    answer = vendor_handler.handle(vend_event(correlation_id=CORRELATION_ID), stand_in())
    emf: dict[str, Any] = dict(metrics.serialize_metric_set())

    # Then the "vended" line carries it with the scope and the caller's principal
    assert answer["ok"] is True
    out = vendor_log.getvalue()
    vended = next(line for line in json_lines(out) if line.get("message") == "vended")
    assert vended["correlation_id"] == CORRELATION_ID
    assert vended["scope"] == "identity"
    assert vended["principal"] == "agent:client-1"
    assert ANSI not in out
    # And its metrics are published by service and by service + scope
    dimension_sets = emf["_aws"]["CloudWatchMetrics"][0]["Dimensions"]
    assert ["service"] in dimension_sets
    assert ["service", "scope"] in dimension_sets
    assert {m["Name"] for m in emf["_aws"]["CloudWatchMetrics"][0]["Metrics"]} == {"VendSuccess", "VendLatency"}


def test_a_failed_assume_role_counts_by_error_type_scope_and_aws_operation(
    capsys: pytest.CaptureFixture[str], vendor_log: io.StringIO
):
    # Given STS refusing AssumeRole
    refusal = ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "AssumeRole")
    failure = AssumeRoleError("AssumeRole into arn:aws:iam::222222222222:role/R failed (AccessDenied)")
    failure.__cause__ = refusal

    # When the vendor fails the vend
    answer = vendor_handler.handle(vend_event(correlation_id=CORRELATION_ID), stand_in(failure))
    emf: dict[str, Any] = dict(metrics.serialize_metric_set())

    # Then VendFailure is published by error_type, and by error_type + scope
    assert answer["error_type"] == "assume_role_error"
    dimension_sets = emf["_aws"]["CloudWatchMetrics"][0]["Dimensions"]
    assert ["service", "error_type"] in dimension_sets
    assert ["service", "error_type", "scope"] in dimension_sets
    assert emf["error_type"] == "assume_role_error"
    assert emf["scope"] == "identity"
    assert emf["VendFailure"] == [1.0]
    # And the failed AWS call is counted by operation, and the failure line carries the correlation id
    aws_failure = next(line for line in json_lines(capsys.readouterr().out) if "AwsCallFailure" in line)
    assert aws_failure["operation"] == "AssumeRole"
    assert aws_failure["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["service", "operation"]]
    failed = next(line for line in json_lines(vendor_log.getvalue()) if line.get("message") == "vend failed")
    assert failed["correlation_id"] == CORRELATION_ID
    assert ANSI not in vendor_log.getvalue()


@pytest.mark.parametrize("bad", ["a b", "x" * 129, "id\nforged", 7])
def test_a_malformed_correlation_id_is_an_invalid_request_and_never_logged(bad: Any, vendor_log: io.StringIO):
    answer = vendor_handler.handle(vend_event(correlation_id=bad), stand_in())
    assert answer["error_type"] == "invalid_request"
    assert "correlation_id" in answer["message"]
    assert all("correlation_id" not in line for line in json_lines(vendor_log.getvalue()))


def test_the_correlation_id_of_one_request_does_not_leak_into_the_next(vendor_log: io.StringIO):
    vendor_handler.handle(vend_event(correlation_id=CORRELATION_ID), stand_in())
    vendor_log.truncate(0)
    vendor_log.seek(0)
    vendor_handler.handle(vend_event(), stand_in())
    lines = json_lines(vendor_log.getvalue())
    assert lines
    assert all("correlation_id" not in line for line in lines)


def test_runtime_json_lines_drop_uvicorns_color_message(capsys: pytest.CaptureFixture[str]):
    # Given the runtime's logging set-up (root handler, JSON formatter)
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    try:
        configure_logging()
        # When a record carries uvicorn's colored variant of its message (the server runs uvicorn with
        # log_config=None, so uvicorn's records reach the root handler; a logger of our own stands in for
        # uvicorn's here, whose level and propagation other in-process uvicorn servers in the test run change)
        logging.getLogger("account_tools.uvicorn_stand_in").info(
            "Started server process [%d]", 42, extra={"color_message": "Started server process [\x1b[36m%d\x1b[0m]"}
        )
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
    # Then the JSON line has the plain message and no color codes
    (line,) = [line for line in json_lines(capsys.readouterr().out) if "Started server process" in line["message"]]
    assert line["message"] == "Started server process [42]"
    assert ANSI not in json.dumps(line)
    assert "color_message" not in line
