"""Account administration end to end: the ``account-tools-admin`` console script signs each request
(SigV4) to the admin function URL served by the local endpoint, which verifies the signature and hands
the handler the operator's ARN; the handler writes the real PostgreSQL registry, with an audit row per
change, and encrypts with the emulator's KMS."""

from __future__ import annotations

import json
from typing import Any

import pytest

from account_registry.store import connect
from local_stack.stack import AKSK_ACCOUNT, ROLE_ACCOUNT, LocalStack

pytestmark = pytest.mark.integration

ROLE = "arn:aws:iam::{}:role/AccountToolsReadOnly"


def cli(stack: LocalStack, *args: str, stdin: str | None = None) -> dict[str, Any]:
    result = stack.admin_cli(*args, stdin=stdin)
    answer: dict[str, Any] = json.loads(result.stdout)
    return answer


def failing(stack: LocalStack, *args: str, stdin: str | None = None) -> str:
    """Run a command that must fail: one line on stderr, no traceback, non-zero exit, nothing on stdout."""
    result = stack.admin_cli(*args, stdin=stdin, check=False)
    assert result.returncode != 0, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def registry_state(stack: LocalStack) -> tuple[Any, ...]:
    """Every registry row (read as the database superuser: one query per table, no CLI start-up)."""
    conn = connect(stack.postgres.settings)
    try:
        return tuple(
            conn.run(f"SELECT * FROM {table} ORDER BY 1")  # noqa: S608 - constant table names
            for table in ("organizations", "aws_accounts", "grants", "audit_log")
        )
    finally:
        conn.close()


def test_operator_lifecycle_is_audited_with_the_verified_identity(local_stack):
    operator = local_stack.user_arns["operator"]
    org = cli(local_stack, "orgs", "create", "--name", "Initech")
    again = cli(local_stack, "orgs", "create", "--name", "Initech")
    assert (org["created"], again["created"]) == (True, False)
    assert again["organization"] == org["organization"]  # same id and ExternalId
    org_id, external_id = org["organization"]["id"], org["organization"]["external_id"]
    assert cli(local_stack, "orgs", "show", "--org-id", org_id)["organization"]["external_id"] == external_id

    registered = cli(
        local_stack, "accounts", "register", "--account-id", "424242424242", "--org-id", org_id,
        "--auth-type", "iam_role", "--alias", "initech-prod", "--role-arn", ROLE.format("424242424242"),
    )  # fmt: skip
    assert registered["account"]["account_id"] == "424242424242"
    assert registered["onboarding"]["parameters"]["ExternalId"] == external_id
    assert "CustomerOnboardingCustomerRole" in registered["onboarding"]["template"]

    secret = "initech-long-lived-secret-0123456789"
    result = local_stack.admin_cli(
        "accounts", "register", "--account-id", "434343434343", "--org-id", org_id, "--auth-type", "aksk",
        "--access-key-id", "AKIAINITECHLEGACY001", stdin=secret + "\n",
    )  # fmt: skip
    assert secret not in result.stdout + result.stderr

    updated = cli(
        local_stack, "accounts", "update", "--account-id", "424242424242", "--alias", "initech-main",
        "--region", "eu-west-1", "--role-arn", ROLE.format("424242424242") + "-v2",
    )  # fmt: skip
    assert (updated["account"]["alias"], updated["account"]["region"]) == ("initech-main", "eu-west-1")
    assert updated["account"]["role_arn"].endswith("AccountToolsReadOnly-v2")

    assert cli(local_stack, "accounts", "disable", "--account-id", "424242424242", "--yes")["enabled"] is False
    shown = cli(local_stack, "accounts", "show", "--account-id", "424242424242")["account"]
    assert shown["enabled"] is False
    assert cli(local_stack, "accounts", "enable", "--account-id", "424242424242")["enabled"] is True

    rotated = local_stack.admin_cli(
        "accounts", "rotate-secret", "--account-id", "434343434343", "--access-key-id", "AKIAINITECHLEGACY002",
        "--yes", stdin="initech-rotated-secret-9876543210\n",
    )  # fmt: skip
    assert json.loads(rotated.stdout)["rotated"] is True
    assert "initech-rotated-secret" not in rotated.stdout

    grant = cli(
        local_stack, "grants", "grant", "--principal-type", "client", "--principal", "initech-agent",
        "--account-id", "424242424242",
    )["grant"]  # fmt: skip
    listed = cli(local_stack, "grants", "list", "--principal", "initech-agent")["grants"]
    assert [g["id"] for g in listed] == [grant["id"]]
    revoked = cli(local_stack, "grants", "revoke", "--grant-id", grant["id"], "--yes")["grant"]
    assert revoked["revoked_by"] == operator

    cli(local_stack, "accounts", "disable", "--account-id", "434343434343", "--yes")
    assert cli(local_stack, "accounts", "delete", "--account-id", "434343434343", "--yes")["deleted"] is True
    assert "434343434343" not in {a["account_id"] for a in cli(local_stack, "accounts", "list")["accounts"]}

    # Every change has its audit row, by the operator as AWS (here: the SigV4 check) verified them.
    entries = cli(local_stack, "audit", "list", "--object-type", "account", "--object-id", "424242424242")["audit"]
    assert [e["action"] for e in entries] == ["register", "update", "disable", "enable"]
    assert {e["actor"] for e in entries} == {operator}
    assert entries[1]["details"]["alias"] == {"from": "initech-prod", "to": "initech-main"}
    aksk = cli(local_stack, "audit", "list", "--object-id", "434343434343")["audit"]
    assert [e["action"] for e in aksk] == ["register", "rotate_secret", "disable", "delete"]
    everything = json.dumps(cli(local_stack, "audit", "list")["audit"])
    assert secret not in everything
    assert "initech-rotated-secret" not in everything
    grant_audit = cli(local_stack, "audit", "list", "--object-type", "grant", "--object-id", grant["id"])["audit"]
    assert [(e["action"], e["actor"]) for e in grant_audit] == [("grant", operator), ("revoke", operator)]
    org_audit = cli(local_stack, "audit", "list", "--object-type", "organization", "--object-id", org_id)["audit"]
    assert [e["action"] for e in org_audit] == ["create"]  # the rerun created nothing
    later = cli(local_stack, "audit", "list", "--since", "2999-01-01T00:00:00+00:00")["audit"]
    assert later == []


BAD_INPUTS = {
    "invalid account id": (["accounts", "register", "--account-id", "12ab", "--org-id", "{org}", "--auth-type",
                            "iam_role", "--role-arn", ROLE.format("222222222222")], None, "account_id"),
    "malformed role ARN": (["accounts", "register", "--account-id", "454545454545", "--org-id", "{org}",
                            "--auth-type", "iam_role", "--role-arn", "arn:aws:iam::role/x"], None, "role_arn"),
    "account/ARN mismatch": (["accounts", "register", "--account-id", "454545454545", "--org-id", "{org}",
                              "--auth-type", "iam_role", "--role-arn", ROLE.format("222222222222")], None, "role_arn"),
    "role name not allowed": (["accounts", "register", "--account-id", "454545454545", "--org-id", "{org}",
                               "--auth-type", "iam_role", "--role-arn", "arn:aws:iam::454545454545:role/Admin"],
                              None, "AccountToolsReadOnly*"),
    "duplicate account": (["accounts", "register", "--account-id", "222222222222", "--org-id", "{org}",
                           "--auth-type", "iam_role", "--role-arn", ROLE.format("222222222222")], None,
                          "already registered"),
    "unknown organization": (["accounts", "register", "--account-id", "454545454545", "--org-id",
                              "00000000-0000-0000-0000-000000000000", "--auth-type", "iam_role", "--role-arn",
                              ROLE.format("454545454545")], None, "does not exist"),
    "malformed organization id": (["orgs", "show", "--org-id", "acme"], None, "org_id"),
    "empty secret": (["accounts", "register", "--account-id", "464646464646", "--org-id", "{org}", "--auth-type",
                      "aksk", "--access-key-id", "AKIAEMPTYSECRET00001"], "\n", "secret is empty"),
    "short secret": (["accounts", "register", "--account-id", "464646464646", "--org-id", "{org}", "--auth-type",
                      "aksk", "--access-key-id", "AKIAEMPTYSECRET00001"], "short\n", "secret_access_key"),
    "unknown account": (["accounts", "disable", "--account-id", "999999999990", "--yes"], None, "not registered"),
    "no confirmation": (["accounts", "disable", "--account-id", "222222222222"], None, "--yes"),
    "delete an enabled account": (["accounts", "delete", "--account-id", "222222222222", "--yes"], None,
                                  "disable it first"),
    "update nothing": (["accounts", "update", "--account-id", "222222222222"], None, "at least one"),
    "grant an unknown account": (["grants", "grant", "--principal-type", "client", "--principal", "x",
                                  "--account-id", "999999999990"], None, "not registered"),
    "grant two targets": (["grants", "grant", "--principal-type", "client", "--principal", "x", "--account-id",
                           "222222222222", "--org-id", "{org}"], None, "exactly one"),
    "revoke an unknown grant": (["grants", "revoke", "--grant-id", "00000000-0000-0000-0000-000000000000", "--yes"],
                                None, "no active grant"),
    "unknown command option": (["accounts", "list", "--bogus"], None, "--bogus"),
    "bad principal type": (["grants", "list", "--principal-type", "robot"], None, "principal-type"),
}  # fmt: skip


@pytest.mark.parametrize("case", BAD_INPUTS, ids=list(BAD_INPUTS))
def test_bad_input_is_one_line_and_changes_nothing(local_stack, case):
    args, stdin, expected = BAD_INPUTS[case]
    conn = connect(local_stack.postgres.settings)
    org_id = str(conn.run("SELECT id FROM organizations WHERE name = 'Acme Corp'")[0][0])
    conn.close()
    before = registry_state(local_stack)
    message = failing(local_stack, *(a.format(org=org_id) for a in args), stdin=stdin)
    assert expected in message
    assert registry_state(local_stack) == before


def test_missing_credentials_and_region_are_one_line(local_stack):
    no_keys = {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}
    result = local_stack.admin_cli("accounts", "list", keys=no_keys, check=False)
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == "error: no AWS credentials: pass --profile, set AWS_PROFILE, or sign in (aws sso login)"
    )


def test_unknown_signer_and_direct_invocation_are_refused(local_stack):
    stranger = {"AWS_ACCESS_KEY_ID": "AKIASTRANGER00000001", "AWS_SECRET_ACCESS_KEY": "not-a-registered-key"}
    result = local_stack.admin_cli("orgs", "create", "--name", "Forged", keys=stranger, check=False)
    assert result.returncode == 1
    assert "403" in result.stderr
    # A direct Invoke carries no verified caller (anyone could write one into the payload): refused.
    forged = {
        "requestContext": {"authorizer": {"iam": {"userArn": "arn:aws:iam::111111111111:user/someone-else"}}},
        "action": "create_organization",
        "name": "Forged",
    }
    response = local_stack.admin_lambda_client().invoke(FunctionName="account-admin", Payload=json.dumps(forged))
    answer = json.loads(response["Payload"].read())
    assert json.loads(answer["body"])["error_type"] == "unauthenticated"
    assert "Forged" not in {o["name"] for o in cli(local_stack, "orgs", "list")["organizations"]}


def test_verify_checks_an_account_through_the_gateway_and_shows_the_vendors_record(local_stack):
    # Given a principal granted the account, and the Gateway agents use
    gateway = ("--gateway-url", local_stack.mcp_url)

    # When the operator verifies the account with that principal's token
    answer = cli(
        local_stack,
        "accounts",
        "verify",
        *gateway,
        "--token",
        local_stack.token("acme-agent"),
        "--account-id",
        ROLE_ACCOUNT,
    )

    # Then the call acted in the account, and the vendor (not the CLI) recorded when
    assert answer["account_id"] == ROLE_ACCOUNT
    assert answer["matches_target"] is True
    assert answer["acting_as"].endswith("/agent-acme-agent")
    assert answer["last_verified_at"]
    shown = cli(local_stack, "accounts", "show", "--account-id", ROLE_ACCOUNT)
    assert shown["account"]["last_verified_at"] == answer["last_verified_at"]


def test_verify_with_a_principal_not_granted_the_account_fails_in_one_line(local_stack):
    before = registry_state(local_stack)
    line = failing(
        local_stack, "accounts", "verify", "--gateway-url", local_stack.mcp_url,
        "--token", local_stack.token("acme-agent"), "--account-id", AKSK_ACCOUNT,
    )  # fmt: skip
    assert line == "error: unauthorized: account 333333333333 is not granted to agent acme-agent"
    missing = failing(
        local_stack, "accounts", "verify", "--gateway-url", local_stack.mcp_url, "--account-id", ROLE_ACCOUNT
    )
    assert "bearer token is required" in missing
    assert registry_state(local_stack) == before  # refused before any vend: nothing recorded
