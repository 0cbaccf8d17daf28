"""Operator CLI for the account registry: invokes the account-admin Lambda with your AWS credentials.

Examples::

    python -m account_admin.cli --function-name <AdminFunctionName> register-org --name "Acme Corp"
    python -m account_admin.cli --function-name ... register-account --account-id 222222222222 \\
        --org-id <uuid> --auth-type iam_role --role-arn arn:aws:iam::222222222222:role/AccountToolsReadOnly
    python -m account_admin.cli --function-name ... register-account --account-id 333333333333 \\
        --org-id <uuid> --auth-type aksk --access-key-id AKIA...      # secret read from a prompt or stdin
    python -m account_admin.cli --function-name ... list-accounts
    python -m account_admin.cli --function-name ... disable --account-id 222222222222

Secret access keys are never taken from the command line (shell history, process lists):
they are read from a hidden prompt, or from standard input when it is not a terminal.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from typing import Any

import boto3

ENV_ADMIN_FUNCTION_NAME = "ADMIN_FUNCTION_NAME"


def _read_secret() -> str:
    if sys.stdin.isatty():
        return getpass.getpass("secret access key: ")
    return sys.stdin.readline().strip()


def build_payload(args: argparse.Namespace) -> dict[str, Any]:
    """Turn parsed arguments into the admin Lambda's payload."""
    if args.command == "register-org":
        return {"action": "register_organization", "name": args.name}
    if args.command == "register-account":
        payload: dict[str, Any] = {
            "action": "register_account",
            "account_id": args.account_id,
            "org_id": args.org_id,
            "auth_type": args.auth_type,
            "region": args.region,
        }
        if args.alias:
            payload["alias"] = args.alias
        if args.auth_type == "iam_role":
            payload["role_arn"] = args.role_arn
        else:
            payload["access_key_id"] = args.access_key_id
            payload["secret_access_key"] = _read_secret()
        return payload
    if args.command == "rotate-secret":
        return {
            "action": "rotate_secret",
            "account_id": args.account_id,
            "access_key_id": args.access_key_id,
            "secret_access_key": _read_secret(),
        }
    if args.command in ("disable", "enable"):
        return {"action": f"{args.command}_account", "account_id": args.account_id}
    return {"action": {"list-accounts": "list_accounts", "list-orgs": "list_organizations"}[args.command]}


def parser() -> argparse.ArgumentParser:
    """The CLI's argument parser."""
    p = argparse.ArgumentParser(
        prog="account_admin", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--function-name", default=os.environ.get(ENV_ADMIN_FUNCTION_NAME), help="admin Lambda name/ARN")
    p.add_argument("--region", dest="lambda_region", default=None, help="region of the admin Lambda")
    sub = p.add_subparsers(dest="command", required=True)
    org = sub.add_parser("register-org", help="create an organization with a generated ExternalId")
    org.add_argument("--name", required=True)
    acc = sub.add_parser("register-account", help="register an AWS account")
    acc.add_argument("--account-id", required=True)
    acc.add_argument("--org-id", required=True)
    acc.add_argument("--auth-type", choices=["iam_role", "aksk"], required=True)
    acc.add_argument("--alias")
    acc.add_argument("--region", default="us-east-1")
    acc.add_argument("--role-arn")
    acc.add_argument("--access-key-id")
    rot = sub.add_parser("rotate-secret", help="replace an aksk account's key pair")
    rot.add_argument("--account-id", required=True)
    rot.add_argument("--access-key-id", required=True)
    for name in ("disable", "enable"):
        sub.add_parser(name, help=f"{name} an account").add_argument("--account-id", required=True)
    sub.add_parser("list-accounts", help="list accounts (no secrets)")
    sub.add_parser("list-orgs", help="list organizations and their ExternalIds")
    return p


def main(argv: list[str] | None = None, *, lambda_client: Any | None = None) -> int:
    """Run the CLI; prints the admin Lambda's JSON answer and returns 0 on success, 1 on a refusal."""
    args = parser().parse_args(argv)
    if not args.function_name:
        print(f"--function-name or {ENV_ADMIN_FUNCTION_NAME} is required (a stack output)", file=sys.stderr)
        return 2
    client = lambda_client or boto3.client("lambda", region_name=args.lambda_region)
    response = client.invoke(FunctionName=args.function_name, Payload=json.dumps(build_payload(args)).encode())
    answer = json.loads(response["Payload"].read())
    if response.get("FunctionError"):
        print("the admin function failed; see its CloudWatch logs", file=sys.stderr)
        return 1
    print(json.dumps(answer, indent=2))
    return 0 if answer.get("ok") else 1


if __name__ == "__main__":
    sys.exit(main())
