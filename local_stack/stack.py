"""The whole product on one machine, no AWS account: PostgreSQL, the AWS emulator,
the vendor behind a Lambda-Invoke-compatible endpoint, and the MCP server.

Each component runs in its own process with its own environment, exactly the
variables it would get from the CDK app, so the runtime and the vendor run their
production code paths. Used by ``make demo`` and by the integration/e2e tests.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import httpx

from account_admin.logic import AccountAdmin, RegisterAccount, RegisterOrganization
from account_registry import constants as registry_env
from account_registry.constants import ADMIN_DB_ROLE, FUNCTION_DB_ROLES, MIGRATOR_DB_ROLE, VENDOR_DB_ROLE
from account_registry.migrate import apply_migrations
from account_registry.roles import ensure_roles
from account_registry.store import DatabaseSettings, RegistryStore, connect
from account_tools import constants as runtime_env
from credential_vendor import constants as vendor_env
from local_stack.demo_data import demo_seed, post_seed
from local_stack.postgres import EmbeddedPostgres

REPO_ROOT = Path(__file__).resolve().parent.parent
REGION = "us-east-1"
HOST_ACCOUNT = "111111111111"
ROLE_ACCOUNT = "222222222222"
AKSK_ACCOUNT = "333333333333"
LOG_GROUP = "/demo/app"
CUSTOMER_ROLE_NAME = "AccountToolsReadOnly"
VENDOR_FUNCTION = "credential-vendor"
ADMIN_FUNCTION = "account-admin"
START_TIMEOUT_S = 60
# Bootstrap credentials: moto maps unknown keys to its default account, from which the
# seed assumes a role into each demo account. Components get keys of IAM users in the host account.
BOOTSTRAP_KEYS = {"aws_access_key_id": "AKIABOOTSTRAPLOCAL00", "aws_secret_access_key": "local-bootstrap"}


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _base_env() -> dict[str, str]:
    """The parent's environment minus anything AWS: children never see real credentials."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MOTO_", "POWERTOOLS_"))}
    env["PYTHONPATH"] = os.pathsep.join(str(REPO_ROOT / p) for p in ("lambdas", "runtime_image", "."))
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    env["AWS_DEFAULT_REGION"] = env["AWS_REGION"] = REGION
    env["PYTHONUNBUFFERED"] = "1"
    return env


@dataclass
class SeededAccount:
    """A demo account as registered."""

    account_id: str
    alias: str
    auth_type: str
    marker: str  # text that appears only in this account's demo data


@dataclass
class LocalStack:
    """Start/stop the local stack. Ports are free ports unless given.

    Args:
        mcp_port: Port of the MCP server (the demo uses 8000).
        log_dir: Where each component's output goes.
    """

    mcp_port: int = field(default_factory=free_port)
    moto_port: int = field(default_factory=free_port)
    lambda_port: int = field(default_factory=free_port)
    admin_port: int = field(default_factory=free_port)
    pg_port: int = field(default_factory=free_port)
    log_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="local-stack-logs-")))

    def __post_init__(self) -> None:
        self.postgres = EmbeddedPostgres(port=self.pg_port)
        self._procs: list[subprocess.Popen[bytes]] = []
        self.process_ids: dict[str, int] = {}
        self.accounts: list[SeededAccount] = []
        self.kms_key_arn = ""
        self.registry_secret_arn = ""  # the superuser's (as RDS's master user secret)
        # Each function logs in as its own role (password auth here; RDS IAM authentication in AWS).
        self.db_passwords = {role: secrets.token_urlsafe(24) for role in FUNCTION_DB_ROLES}
        self.db_secret_arns: dict[str, str] = {}
        self.host_keys: dict[str, dict[str, str]] = {}  # component -> its IAM user's keys in the host account
        self.long_lived_secrets: list[str] = []  # aksk secrets as registered (tests check they never leak)

    # -- addresses -------------------------------------------------------------
    @property
    def moto_url(self) -> str:
        """The emulator's endpoint."""
        return f"http://127.0.0.1:{self.moto_port}"

    @property
    def lambda_url(self) -> str:
        """The Lambda-Invoke-compatible endpoint."""
        return f"http://127.0.0.1:{self.lambda_port}"

    @property
    def admin_url(self) -> str:
        """The Lambda-Invoke-compatible endpoint of the account admin function."""
        return f"http://127.0.0.1:{self.admin_port}"

    @property
    def mcp_url(self) -> str:
        """The MCP endpoint."""
        return f"http://127.0.0.1:{self.mcp_port}{runtime_env.MCP_PATH}"

    # -- lifecycle -------------------------------------------------------------
    def __enter__(self) -> LocalStack:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def start(self) -> None:
        """Start every component and seed demo data (about 10 s)."""
        try:
            self.postgres.start()
            self._spawn("emulator", ["-m", "local_stack.emulator", "--port", str(self.moto_port)], _base_env())
            self._wait_http(f"{self.moto_url}/moto-api/", "emulator")
            self.seed()
            endpoint = ["-m", "local_stack.lambda_endpoint", "--function"]
            self._spawn("vendor", [*endpoint, VENDOR_FUNCTION, "--port", str(self.lambda_port)], self.vendor_env())
            self._spawn("admin", [*endpoint, ADMIN_FUNCTION, "--port", str(self.admin_port)], self.admin_env())
            self._wait_port(self.lambda_port, "vendor endpoint")
            self._wait_port(self.admin_port, "admin endpoint")
            self._spawn(
                "mcp-server",
                ["-m", "account_tools", "--host", "127.0.0.1", "--port", str(self.mcp_port)],
                self.runtime_env(),
            )
            self._wait_http(f"http://127.0.0.1:{self.mcp_port}{runtime_env.HEALTH_PATH}", "MCP server")
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop every process and PostgreSQL."""
        for proc in reversed(self._procs):
            proc.terminate()
        for proc in reversed(self._procs):
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        self._procs.clear()
        self.postgres.stop()

    def _spawn(self, name: str, args: list[str], env: dict[str, str]) -> None:
        log = (self.log_dir / f"{name}.log").open("ab")
        proc = subprocess.Popen([sys.executable, *args], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT)
        self._procs.append(proc)
        self.process_ids[name] = proc.pid

    def _check_alive(self, what: str) -> None:
        for proc in self._procs:
            if proc.poll() is not None:
                raise RuntimeError(f"{what} exited with {proc.returncode}; see logs in {self.log_dir}")

    def _wait_http(self, url: str, what: str) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            self._check_alive(what)
            try:
                if httpx.get(url, timeout=1).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"{what} did not start; see logs in {self.log_dir}")

    def _wait_port(self, port: int, what: str) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            self._check_alive(what)
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    return
            time.sleep(0.1)
        raise TimeoutError(f"{what} did not start; see logs in {self.log_dir}")

    # -- component environments ------------------------------------------------
    def vendor_env(self) -> dict[str, str]:
        """What the CDK app gives the vendor Lambda, pointed at the emulator."""
        return (
            _base_env()
            | self.host_keys["vendor"]
            | {
                "AWS_ENDPOINT_URL": self.moto_url,
                registry_env.ENV_REGISTRY_DB_AUTH: "secret",
                vendor_env.ENV_REGISTRY_SECRET_ARN: self.db_secret_arns[VENDOR_DB_ROLE],
                vendor_env.ENV_REGISTRY_SSL: "disable",
                vendor_env.ENV_KMS_KEY_ARN: self.kms_key_arn,
                vendor_env.ENV_ALLOWED_LOG_GROUPS: LOG_GROUP,
                vendor_env.ENV_CUSTOMER_ROLE_NAME_PATTERN: "AccountToolsReadOnly*",
                "POWERTOOLS_TRACE_DISABLED": "true",
                "POWERTOOLS_METRICS_NAMESPACE": vendor_env.METRICS_NAMESPACE,
                "POWERTOOLS_SERVICE_NAME": vendor_env.POWERTOOLS_SERVICE_NAME,
            }
        )

    def admin_env(self) -> dict[str, str]:
        """What the CDK app gives the account admin Lambda, pointed at the emulator."""
        return (
            _base_env()
            | self.host_keys["admin"]
            | {
                "AWS_ENDPOINT_URL": self.moto_url,
                registry_env.ENV_REGISTRY_DB_AUTH: "secret",
                vendor_env.ENV_REGISTRY_SECRET_ARN: self.db_secret_arns[ADMIN_DB_ROLE],
                vendor_env.ENV_REGISTRY_SSL: "disable",
                vendor_env.ENV_KMS_KEY_ARN: self.kms_key_arn,
                vendor_env.ENV_CUSTOMER_ROLE_NAME_PATTERN: "AccountToolsReadOnly*",
                "POWERTOOLS_SERVICE_NAME": "account-admin",
            }
        )

    def db_settings(self, role: str) -> DatabaseSettings:
        """How a function's database role logs in to the local registry."""
        return self.postgres.role_settings(role, self.db_passwords[role])

    def runtime_env(self) -> dict[str, str]:
        """What the CDK app gives the AgentCore Runtime container, pointed at the local endpoints."""
        return (
            _base_env()
            | self.host_keys["runtime"]
            | {
                "AWS_ENDPOINT_URL": self.moto_url,
                "AWS_ENDPOINT_URL_LAMBDA": self.lambda_url,
                runtime_env.ENV_VENDOR_FUNCTION_NAME: VENDOR_FUNCTION,
                runtime_env.ENV_ALLOWED_LOG_GROUPS: LOG_GROUP,
                runtime_env.ENV_DEFAULT_ACCOUNT_ID: HOST_ACCOUNT,
            }
        )

    # -- seeding ---------------------------------------------------------------
    def client(self, service: str, credentials: dict[str, str] | None = None) -> Any:
        """A boto3 client for the emulator with explicit credentials (default: the bootstrap keys)."""
        creds = credentials or BOOTSTRAP_KEYS
        return boto3.client(service, region_name=REGION, endpoint_url=self.moto_url, **creds)  # type: ignore[call-overload]

    def lambda_client(self) -> Any:
        """A Lambda client for the local Invoke endpoint, with the runtime's own keys (as the MCP server has)."""
        keys = self.host_keys["runtime"]
        return boto3.client(
            "lambda",
            region_name=REGION,
            endpoint_url=self.lambda_url,
            aws_access_key_id=keys["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=keys["AWS_SECRET_ACCESS_KEY"],
        )

    def admin_lambda_client(self) -> Any:
        """A Lambda client for the admin function's local Invoke endpoint (as an operator's CLI has)."""
        keys = self.host_keys["admin"]
        return boto3.client(
            "lambda",
            region_name=REGION,
            endpoint_url=self.admin_url,
            aws_access_key_id=keys["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=keys["AWS_SECRET_ACCESS_KEY"],
        )

    def account_admin_credentials(self, account_id: str) -> dict[str, str]:
        """Credentials acting in ``account_id`` (for seeding only)."""
        response = self.client("sts").assume_role(  # from the emulator's default account
            RoleArn=f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole", RoleSessionName="local-seed"
        )
        c = response["Credentials"]
        return {
            "aws_access_key_id": c["AccessKeyId"],
            "aws_secret_access_key": c["SecretAccessKey"],
            "aws_session_token": c["SessionToken"],
        }

    def seed(self) -> None:
        """Create the registry, its KMS key and secret, and three accounts with distinct data."""
        settings = self.postgres.settings
        host = self.account_admin_credentials(HOST_ACCOUNT)
        iam = self.client("iam", host)
        for component in ("vendor", "admin", "runtime"):
            iam.create_user(UserName=f"local-{component}")
            key = iam.create_access_key(UserName=f"local-{component}")["AccessKey"]
            self.host_keys[component] = {
                "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
                "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"],
            }
        self.kms_key_arn = self.client("kms", host).create_key(Description="registry secrets")["KeyMetadata"]["Arn"]
        secretsmanager = self.client("secretsmanager", host)
        logins = {"master": settings} | {role: self.db_settings(role) for role in FUNCTION_DB_ROLES}
        for name, login in logins.items():
            arn = secretsmanager.create_secret(
                Name=f"local/registry/{name}",
                SecretString=json.dumps(
                    {
                        "host": login.host,
                        "port": login.port,
                        "username": login.user,
                        "password": login.password,
                        "dbname": login.database,
                    }
                ),
            )["ARN"]
            self.db_secret_arns[name] = arn
        self.registry_secret_arn = self.db_secret_arns["master"]
        superuser = connect(settings)  # as the migration function does with the master user
        try:
            ensure_roles(superuser, iam_auth=False, passwords=self.db_passwords)
        finally:
            superuser.close()
        migrator = connect(self.db_settings(MIGRATOR_DB_ROLE))
        try:
            apply_migrations(migrator)
        finally:
            migrator.close()
        conn = connect(self.db_settings(ADMIN_DB_ROLE))
        try:
            admin = AccountAdmin(RegistryStore(conn), kms_client=self.client("kms", host), key_arn=self.kms_key_arn)
            for account_id, alias, org_name, auth_type in (
                (HOST_ACCOUNT, "platform", "Platform team", "iam_role"),
                (ROLE_ACCOUNT, "acme-prod", "Acme Corp", "iam_role"),
                (AKSK_ACCOUNT, "globex-legacy", "Globex", "aksk"),
            ):
                self._seed_account(admin, account_id=account_id, alias=alias, org_name=org_name, auth_type=auth_type)
        finally:
            conn.close()

    def _seed_account(self, admin: AccountAdmin, *, account_id: str, alias: str, org_name: str, auth_type: str) -> None:
        creds = self.account_admin_credentials(account_id)
        marker = f"{alias}-{account_id}"
        post_seed(self.moto_url, demo_seed(account_id, alias))  # CloudTrail, Lake, Cost Explorer data
        logs = self.client("logs", creds)
        logs.create_log_group(logGroupName=LOG_GROUP)
        logs.create_log_stream(logGroupName=LOG_GROUP, logStreamName="web-1")
        now_ms = int(time.time() * 1000)
        logs.put_log_events(
            logGroupName=LOG_GROUP,
            logStreamName="web-1",
            logEvents=[
                {"timestamp": now_ms - 60_000 * (5 - i), "message": f"[{marker}] {text}"}
                for i, text in enumerate(
                    ("service started", "GET /health 200", "payment declined: card expired", "GET /orders 200")
                )
            ],
        )
        iam = self.client("iam", creds)
        org = admin.register_organization(RegisterOrganization(name=org_name))
        if auth_type == "iam_role":
            trust = {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{HOST_ACCOUNT}:root"},
                        "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"],
                        "Condition": {"StringEquals": {"sts:ExternalId": org.external_id}},
                    }
                ],
            }
            role = iam.create_role(RoleName=CUSTOMER_ROLE_NAME, AssumeRolePolicyDocument=json.dumps(trust))["Role"]
            request = RegisterAccount(
                account_id=account_id, org_id=str(org.id), auth_type="iam_role", alias=alias, role_arn=role["Arn"]
            )
        else:
            iam.create_user(UserName="agentcore-reader")
            key = iam.create_access_key(UserName="agentcore-reader")["AccessKey"]
            self.long_lived_secrets.append(key["SecretAccessKey"])
            request = RegisterAccount.model_validate(
                {
                    "account_id": account_id,
                    "org_id": str(org.id),
                    "auth_type": "aksk",
                    "alias": alias,
                    "access_key_id": key["AccessKeyId"],
                    "secret_access_key": key["SecretAccessKey"],
                }
            )
        admin.register_account(request)
        self.accounts.append(SeededAccount(account_id=account_id, alias=alias, auth_type=auth_type, marker=marker))
