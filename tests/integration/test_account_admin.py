"""Account administration end to end: the operator CLI invokes the admin Lambda (served by the local
Lambda Invoke endpoint), which writes the real PostgreSQL registry and encrypts with the emulator's KMS."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from account_admin import cli
from local_stack.stack import LocalStack

pytestmark = pytest.mark.integration


@pytest.fixture
def lambda_client(local_stack: LocalStack) -> Any:
    return local_stack.admin_lambda_client()


def run(lambda_client: Any, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    code = cli.main(["--function-name", "account-admin", *argv], lambda_client=lambda_client)
    return code, json.loads(capsys.readouterr().out)


def test_operator_registers_lists_disables_and_rotates(local_stack, lambda_client, capsys, monkeypatch):
    code, org = run(lambda_client, capsys, "register-org", "--name", "Initech")
    assert code == 0
    org_id = org["organization"]["id"]
    assert len(org["organization"]["external_id"]) >= 40

    code, answer = run(
        lambda_client,
        capsys,
        "register-account",
        "--account-id",
        "424242424242",
        "--org-id",
        org_id,
        "--auth-type",
        "iam_role",
        "--alias",
        "initech-prod",
        "--role-arn",
        "arn:aws:iam::424242424242:role/AccountToolsReadOnly",
    )
    assert code == 0
    assert answer["account"] == {
        "account_id": "424242424242",
        "alias": "initech-prod",
        "auth_type": "iam_role",
        "region": "us-east-1",
        "enabled": True,
    }

    # aksk: the secret comes from stdin, is encrypted by the Lambda and never echoed back
    monkeypatch.setattr("sys.stdin", io.StringIO("initech-long-lived-secret-0123456789\n"))
    code, answer = run(
        lambda_client,
        capsys,
        "register-account",
        "--account-id",
        "434343434343",
        "--org-id",
        org_id,
        "--auth-type",
        "aksk",
        "--access-key-id",
        "AKIAINITECHLEGACY001",
    )
    assert code == 0
    assert "initech-long-lived-secret" not in json.dumps(answer)

    code, listed = run(lambda_client, capsys, "list-accounts")
    ids = {a["account_id"] for a in listed["accounts"]}
    assert {"424242424242", "434343434343"} <= ids
    assert "secret" not in json.dumps(listed)

    code, _ = run(lambda_client, capsys, "disable", "--account-id", "424242424242")
    assert code == 0
    code, listed = run(lambda_client, capsys, "list-accounts")
    assert next(a for a in listed["accounts"] if a["account_id"] == "424242424242")["enabled"] is False

    monkeypatch.setattr("sys.stdin", io.StringIO("initech-rotated-secret-9876543210\n"))
    code, answer = run(
        lambda_client,
        capsys,
        "rotate-secret",
        "--account-id",
        "434343434343",
        "--access-key-id",
        "AKIAINITECHLEGACY002",
    )
    assert (code, answer) == (0, {"ok": True, "account_id": "434343434343", "rotated": True})


def test_operator_errors_name_the_field(local_stack, lambda_client, capsys):
    code, answer = run(
        lambda_client,
        capsys,
        "register-account",
        "--account-id",
        "12ab",
        "--org-id",
        "00000000-0000-0000-0000-000000000000",
        "--auth-type",
        "iam_role",
        "--role-arn",
        "arn:aws:iam::222222222222:role/AccountToolsReadOnly",
    )
    assert code == 1
    assert answer["error_type"] == "invalid_request"
    assert "account_id" in answer["message"]

    code, org = run(lambda_client, capsys, "register-org", "--name", "Pattern Co")
    code, answer = run(
        lambda_client,
        capsys,
        "register-account",
        "--account-id",
        "454545454545",
        "--org-id",
        org["organization"]["id"],
        "--auth-type",
        "iam_role",
        "--role-arn",
        "arn:aws:iam::454545454545:role/Admin",
    )
    assert code == 1
    assert "role_arn" in answer["message"]
    assert "AccountToolsReadOnly*" in answer["message"]

    code, answer = run(lambda_client, capsys, "disable", "--account-id", "999999999990")
    assert (code, answer["error_type"]) == (1, "invalid_request")
