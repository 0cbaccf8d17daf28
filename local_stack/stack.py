"""The whole product on one machine, no AWS account: PostgreSQL, the AWS emulator, the
vendor, admin and Gateway-interceptor functions behind Lambda-Invoke-compatible endpoints,
a local OAuth2 issuer, the MCP server, and a Gateway in front of it.

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
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import httpx
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from account_registry import constants as registry_env
from account_registry.constants import ADMIN_DB_ROLE, FUNCTION_DB_ROLES, MIGRATOR_DB_ROLE, VENDOR_DB_ROLE
from account_registry.migrate import apply_migrations
from account_registry.roles import ensure_roles
from account_registry.store import DatabaseSettings, connect
from account_tools import constants as runtime_env
from caller_assertion import CallerAssertion, sign_assertion
from credential_vendor import constants as vendor_env
from gateway_interceptor import constants as interceptor_env
from local_stack.demo_data import demo_seed, post_seed
from local_stack.lambda_endpoint import ENV_SIGV4_KEYS_FILE
from local_stack.postgres import EmbeddedPostgres

REPO_ROOT = Path(__file__).resolve().parent.parent
REGION = "us-east-1"
HOST_ACCOUNT = "111111111111"
ROLE_ACCOUNT = "222222222222"
AKSK_ACCOUNT = "333333333333"
# Two more accounts of the platform team's own organization (one per auth type), so a many-accounts call
# reaches five working accounts; and one whose registered access key the account's owner has since deleted:
# every vend for it fails (STS no longer answers as that account), as a retired or broken account does.
PLATFORM_ROLE_ACCOUNT = "707070707070"
PLATFORM_AKSK_ACCOUNT = "606060606060"
BROKEN_ACCOUNT = "909090909090"
LOG_GROUP = "/demo/app"  # in every demo account; the platform-wide default allowlist (ALLOWED_LOG_GROUPS)
# Log groups only some customers allowlist (registry entries, added with `account-tools-admin log-groups add`):
# /aws/lambda/orders-api exists in both customer accounts, but only Acme's organization allows /aws/lambda/orders-*;
# Globex allows its own /globex/billing for its account.
ORDERS_LOG_GROUP = "/aws/lambda/orders-api"
GLOBEX_LOG_GROUP = "/globex/billing"
CUSTOMER_LOG_GROUPS = {ROLE_ACCOUNT: (ORDERS_LOG_GROUP,), AKSK_ACCOUNT: (ORDERS_LOG_GROUP, GLOBEX_LOG_GROUP)}
CUSTOMER_ROLE_NAME = "AccountToolsReadOnly"
VENDOR_FUNCTION = "credential-vendor"
ADMIN_FUNCTION = "account-admin"
INTERCEPTOR_FUNCTION = "gateway-interceptor"
INVOKE_SCOPE = "account-tools/invoke"
USERS_CLIENT = "local-users-client"
# The operator (an IAM user in the host account) who registers the demo data with the console script.
OPERATOR = "operator"
ADMIN_CONSOLE_SCRIPT = "account-tools-admin"


@dataclass(frozen=True)
class Principal:
    """A caller of the local Gateway: an agent (OAuth client) or a human user, and the organizations granted.

    Attributes:
        name: The client id (agents) or username (users).
        kind: ``agent`` or ``user``.
        orgs: Organization names granted (to the client, or to the user's group).
        group: The user's group (grants go to the group).
    """

    name: str
    kind: str
    orgs: tuple[str, ...]
    group: str | None = None


ORG_PLATFORM, ORG_ACME, ORG_GLOBEX = "Platform team", "Acme Corp", "Globex"
# Two customer organizations with an agent client and a human user each, and the platform team's agent,
# which is granted every organization (the operations view across tenants).
PRINCIPALS = {
    p.name: p
    for p in (
        Principal("acme-agent", "agent", (ORG_ACME,)),
        Principal("alice", "user", (ORG_ACME,), group="acme-finops"),
        Principal("globex-agent", "agent", (ORG_GLOBEX,)),
        Principal("gary", "user", (ORG_GLOBEX,), group="globex-finops"),
        Principal("platform-agent", "agent", (ORG_PLATFORM, ORG_ACME, ORG_GLOBEX)),
    )
}
DEFAULT_PRINCIPAL = "platform-agent"
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
    org: str = ""


@dataclass
class LocalStack:
    """Start/stop the local stack. Ports are free ports unless given.

    Agents reach the tools as in AWS: through a Gateway (``mcp_url``, bearer tokens from a local
    OAuth2 issuer) whose REQUEST interceptor signs a caller assertion, in front of the MCP runtime
    (``runtime_url``, which serves nobody without an assertion).

    Args:
        mcp_port: Port of the Gateway's MCP endpoint (the demo uses 8000).
        log_dir: Where each component's output goes.
    """

    mcp_port: int = field(default_factory=free_port)
    moto_port: int = field(default_factory=free_port)
    lambda_port: int = field(default_factory=free_port)
    admin_port: int = field(default_factory=free_port)
    interceptor_port: int = field(default_factory=free_port)
    oauth_port: int = field(default_factory=free_port)
    runtime_port: int = field(default_factory=free_port)
    pg_port: int = field(default_factory=free_port)
    log_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="local-stack-logs-")))

    def __post_init__(self) -> None:
        self.postgres = EmbeddedPostgres(port=self.pg_port)
        self._procs: list[subprocess.Popen[bytes]] = []
        self.process_ids: dict[str, int] = {}
        self.accounts: list[SeededAccount] = []  # the working ones
        self.broken_accounts: list[SeededAccount] = []  # registered, but every vend fails
        self.kms_key_arn = ""
        self.registry_secret_arn = ""  # the superuser's (as RDS's master user secret)
        # Each function logs in as its own role (password auth here; RDS IAM authentication in AWS).
        self.db_passwords = {role: secrets.token_urlsafe(24) for role in FUNCTION_DB_ROLES}
        self.db_secret_arns: dict[str, str] = {}
        self.host_keys: dict[str, dict[str, str]] = {}  # component -> its IAM user's keys in the host account
        self.assertion_key_arn = ""  # ECC_NIST_P256 SIGN_VERIFY: the interceptor signs, runtime and vendor verify
        # OAuth app clients: one per agent, plus the human users' client (secrets are per start).
        # Hex: people paste these into shell commands and option values (a leading "-" reads as an option).
        self.client_secrets = {name: secrets.token_hex(16) for name, p in PRINCIPALS.items() if p.kind == "agent"}
        self.client_secrets[USERS_CLIENT] = secrets.token_hex(16)
        self.user_passwords = {name: secrets.token_hex(8) for name, p in PRINCIPALS.items() if p.kind == "user"}
        self._tokens: dict[str, str] = {}
        self.user_arns: dict[str, str] = {}  # component -> its IAM user's ARN in the host account
        self.signing_keys_file = self.log_dir / "sigv4-keys.json"
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
        """The Gateway's MCP endpoint (bearer token required)."""
        return f"http://127.0.0.1:{self.mcp_port}{runtime_env.MCP_PATH}"

    @property
    def runtime_url(self) -> str:
        """The MCP runtime behind the Gateway (serves only calls with a valid caller assertion)."""
        return f"http://127.0.0.1:{self.runtime_port}{runtime_env.MCP_PATH}"

    @property
    def interceptor_url(self) -> str:
        """The Lambda-Invoke-compatible endpoint of the Gateway interceptor function."""
        return f"http://127.0.0.1:{self.interceptor_port}"

    @property
    def issuer(self) -> str:
        """The local OAuth2 issuer (Cognito's role): ``/oauth2/token``, ``/.well-known/jwks.json``."""
        return f"http://127.0.0.1:{self.oauth_port}"

    @property
    def token_endpoint(self) -> str:
        """The client-credentials token endpoint (as the user pool's hosted domain)."""
        return f"{self.issuer}/oauth2/token"

    # -- callers -------------------------------------------------------------
    def token(self, principal: str = DEFAULT_PRINCIPAL) -> str:
        """An access token for a seeded principal (client credentials for agents, sign-in for users)."""
        if principal not in self._tokens:
            who = PRINCIPALS[principal]
            if who.kind == "agent":
                response = httpx.post(
                    self.token_endpoint,
                    data={"grant_type": "client_credentials", "scope": INVOKE_SCOPE},
                    auth=(principal, self.client_secrets[principal]),
                )
            else:
                response = httpx.post(
                    f"{self.issuer}/local/user-token",
                    data={"username": principal, "password": self.user_passwords[principal]},
                )
            response.raise_for_status()
            self._tokens[principal] = str(response.json()["access_token"])
        return self._tokens[principal]

    def mcp_client(self, principal: str = DEFAULT_PRINCIPAL, *, token: str | None = None) -> Client:
        """A real MCP client for the Gateway, signed in as ``principal`` (or with an explicit token)."""
        http = create_mcp_http_client(headers={"Authorization": f"Bearer {token or self.token(principal)}"})
        return Client(streamable_http_client(self.mcp_url, http_client=http))

    def assertion(self, principal: str, tool: str, target_account_id: str | None, *, now: float | None = None) -> str:
        """A caller assertion for ``principal``, signed with the assertion key as the interceptor signs it.

        For tests that call the runtime or the vendor directly (as a compromised runtime could).
        """
        who = PRINCIPALS[principal]
        claims = CallerAssertion.issue(
            sub=principal if who.kind == "agent" else self.user_sub(principal),
            kind="agent" if who.kind == "agent" else "user",
            name=principal,
            groups=(who.group,) if who.group else (),
            tool=tool,
            target_account_id=target_account_id,
            now=now,
        )
        kms = self.client("kms", self.account_admin_credentials(HOST_ACCOUNT))
        return sign_assertion(claims, kms_client=kms, key_id=self.assertion_key_arn)

    def accounts_of(self, principal: str) -> list[SeededAccount]:
        """The seeded accounts a principal is granted."""
        return [a for a in self.accounts if a.org in PRINCIPALS[principal].orgs]

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
            interceptor = [*endpoint, INTERCEPTOR_FUNCTION, "--port", str(self.interceptor_port)]
            self._spawn("interceptor", interceptor, self.interceptor_env())
            self._spawn("oauth", ["-m", "local_stack.oauth", "--port", str(self.oauth_port), "--config",
                                  str(self._oauth_config())], _base_env())  # fmt: skip
            self._wait_port(self.lambda_port, "vendor endpoint")
            self._wait_port(self.admin_port, "admin endpoint")
            self.seed_registry()
            self._wait_port(self.interceptor_port, "interceptor endpoint")
            self._wait_http(f"{self.issuer}/.well-known/jwks.json", "OAuth issuer")
            self._spawn(
                "mcp-server",
                ["-m", "account_tools", "--host", "127.0.0.1", "--port", str(self.runtime_port)],
                self.runtime_env(),
            )
            self._wait_http(f"http://127.0.0.1:{self.runtime_port}{runtime_env.HEALTH_PATH}", "MCP server")
            gateway = ["-m", "local_stack.gateway", "--port", str(self.mcp_port), "--runtime-url", self.runtime_url]
            self._spawn("gateway", gateway, self.gateway_env())
            self._wait_port(self.mcp_port, "Gateway")
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
                vendor_env.ENV_ASSERTION_KEY_ID: self.assertion_key_arn,
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
                vendor_env.ENV_ALLOWED_LOG_GROUPS: LOG_GROUP,  # counted in the policy size check
                "POWERTOOLS_SERVICE_NAME": "account-admin",
                ENV_SIGV4_KEYS_FILE: str(self.signing_keys_file),
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
                runtime_env.ENV_ASSERTION_KEY_ID: self.assertion_key_arn,
            }
        )

    def _client_ids(self) -> str:
        return ",".join(self.client_secrets)

    def interceptor_env(self) -> dict[str, str]:
        """What the CDK app gives the Gateway interceptor Lambda, pointed at the local issuer and emulator."""
        return (
            _base_env()
            | self.host_keys["interceptor"]
            | {
                "AWS_ENDPOINT_URL": self.moto_url,
                interceptor_env.ENV_JWT_ISSUER: self.issuer,
                interceptor_env.ENV_JWKS_URL: f"{self.issuer}/.well-known/jwks.json",
                interceptor_env.ENV_ALLOWED_CLIENT_IDS: self._client_ids(),
                interceptor_env.ENV_REQUIRED_SCOPE: INVOKE_SCOPE,
                interceptor_env.ENV_ASSERTION_KEY_ID: self.assertion_key_arn,
                interceptor_env.ENV_GATEWAY_TARGET_NAME: "account-tools",
                "POWERTOOLS_SERVICE_NAME": interceptor_env.POWERTOOLS_SERVICE_NAME,
            }
        )

    def gateway_env(self) -> dict[str, str]:
        """The local Gateway: its inbound JWT authorizer and the interceptor it invokes."""
        return (
            _base_env()
            | self.host_keys["gateway"]
            | {
                "AWS_ENDPOINT_URL_LAMBDA": self.interceptor_url,
                "JWT_ISSUER": self.issuer,
                "JWKS_URL": f"{self.issuer}/.well-known/jwks.json",
                "ALLOWED_CLIENT_IDS": self._client_ids(),
                "REQUIRED_SCOPE": INVOKE_SCOPE,
                "INTERCEPTOR_FUNCTION": INTERCEPTOR_FUNCTION,
            }
        )

    def _oauth_config(self) -> Path:
        """The local issuer's clients and users (a file in the log directory, readable by this user only)."""
        config = {
            "clients": {
                name: {"secret": secret, "scopes": [INVOKE_SCOPE]} for name, secret in self.client_secrets.items()
            },
            "users": {
                name: {
                    "password": self.user_passwords[name],
                    "sub": str(uuid.uuid5(uuid.NAMESPACE_URL, f"local-user:{name}")),
                    "groups": [PRINCIPALS[name].group],
                    "client_id": USERS_CLIENT,
                }
                for name in self.user_passwords
            },
        }
        path = self.log_dir / "oauth-clients.json"
        path.write_text(json.dumps(config))
        path.chmod(0o600)
        return path

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
        for component in ("vendor", "admin", "runtime", "interceptor", "gateway", OPERATOR):
            user = iam.create_user(UserName=f"local-{component}")["User"]
            key = iam.create_access_key(UserName=f"local-{component}")["AccessKey"]
            self.host_keys[component] = {
                "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
                "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"],
            }
            self.user_arns[component] = user["Arn"]
        self._write_signing_keys()
        kms = self.client("kms", host)
        self.kms_key_arn = kms.create_key(Description="registry secrets")["KeyMetadata"]["Arn"]
        self.assertion_key_arn = kms.create_key(
            Description="caller assertions", KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY"
        )["KeyMetadata"]["Arn"]
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

    def seed_registry(self) -> None:
        """Register the demo organizations, accounts and grants as an operator does: ``account-tools-admin``
        through the admin function URL (signed as the ``local-operator`` IAM user)."""
        orgs: dict[str, dict[str, Any]] = {
            name: json.loads(self.admin_cli("orgs", "create", "--name", name).stdout)["organization"]
            for name in (ORG_PLATFORM, ORG_ACME, ORG_GLOBEX)
        }
        for account_id, alias, org_name, auth_type in (
            (HOST_ACCOUNT, "platform", ORG_PLATFORM, "iam_role"),
            (ROLE_ACCOUNT, "acme-prod", ORG_ACME, "iam_role"),
            (AKSK_ACCOUNT, "globex-legacy", ORG_GLOBEX, "aksk"),
            (PLATFORM_ROLE_ACCOUNT, "sandbox", ORG_PLATFORM, "iam_role"),
            (PLATFORM_AKSK_ACCOUNT, "shared-services", ORG_PLATFORM, "aksk"),
            (BROKEN_ACCOUNT, "retired", ORG_PLATFORM, "aksk"),
        ):
            self._seed_account(
                account_id=account_id, alias=alias, org=orgs[org_name], org_name=org_name, auth_type=auth_type
            )
        org_ids = {name: str(org["id"]) for name, org in orgs.items()}
        self._seed_grants(org_ids)
        self._seed_log_group_allowlists(org_ids)

    def _seed_log_group_allowlists(self, orgs: dict[str, str]) -> None:
        """Each customer's own Logs Insights allowlist: an organization prefix for Acme, an account name for Globex."""
        self.admin_cli("log-groups", "add", "--org-id", orgs[ORG_ACME], "--pattern", "/aws/lambda/orders-*")
        self.admin_cli("log-groups", "add", "--account-id", AKSK_ACCOUNT, "--pattern", GLOBEX_LOG_GROUP)

    def _write_signing_keys(self) -> None:
        """The keys the local admin function URL verifies SigV4 signatures with (only the operator's)."""
        keys = self.host_keys[OPERATOR]
        path = self.log_dir / "sigv4-keys.json"
        path.write_text(
            json.dumps(
                {keys["AWS_ACCESS_KEY_ID"]: {"secret": keys["AWS_SECRET_ACCESS_KEY"], "arn": self.user_arns[OPERATOR]}}
            )
        )
        path.chmod(0o600)
        self.signing_keys_file = path

    @property
    def admin_function_url(self) -> str:
        """The admin function's URL (``AWS_IAM`` auth, as the CDK app configures it)."""
        return f"{self.admin_url}/"

    def operator_env(self, keys: dict[str, str] | None = None) -> dict[str, str]:
        """An operator's shell: their IAM user's keys, the region and the admin function URL."""
        return _base_env() | (keys or self.host_keys[OPERATOR]) | {"ACCOUNT_TOOLS_ADMIN_URL": self.admin_function_url}

    def admin_cli(
        self, *args: str, stdin: str | None = None, keys: dict[str, str] | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """Run the ``account-tools-admin`` console script (``--output json``) as the local operator.

        Raises:
            RuntimeError: ``check`` and the command failed (its one-line error in the message).
        """
        script = Path(sys.executable).parent / ADMIN_CONSOLE_SCRIPT
        if not script.exists():
            raise RuntimeError(f"{script} is missing: run `make install` (pip install -e .)")
        result = subprocess.run(
            [str(script), "--output", "json", *args],
            input=stdin or "",
            capture_output=True,
            text=True,
            env=self.operator_env(keys),
            timeout=60,
            check=False,
        )
        if check and result.returncode != 0:
            raise RuntimeError(f"account-tools-admin {' '.join(args[:2])} failed: {result.stderr.strip()}")
        return result

    def user_sub(self, name: str) -> str:
        """The ``sub`` of a seeded user (stable per name)."""
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"local-user:{name}"))

    def _seed_grants(self, orgs: dict[str, str]) -> None:
        """Agents are granted their organizations directly; users through their group."""
        for principal in PRINCIPALS.values():
            for org_name in principal.orgs:
                kind, who = ("client", principal.name) if principal.kind == "agent" else ("group", str(principal.group))
                self.admin_cli(
                    "grants", "grant", "--principal-type", kind, "--principal", who, "--org-id", orgs[org_name]
                )

    def _seed_account(self, *, account_id: str, alias: str, org: dict[str, Any], org_name: str, auth_type: str) -> None:
        creds = self.account_admin_credentials(account_id)
        marker = f"{alias}-{account_id}"
        post_seed(self.moto_url, demo_seed(account_id, alias))  # CloudTrail, Lake, Cost Explorer data
        logs = self.client("logs", creds)
        now_ms = int(time.time() * 1000)
        for group in (LOG_GROUP, *CUSTOMER_LOG_GROUPS.get(account_id, ())):
            logs.create_log_group(logGroupName=group)
            logs.create_log_stream(logGroupName=group, logStreamName="web-1")
            texts = ("service started", "GET /health 200", "payment declined: card expired", "GET /orders 200")
            logs.put_log_events(
                logGroupName=group,
                logStreamName="web-1",
                logEvents=[
                    {
                        "timestamp": now_ms - 60_000 * (5 - i),
                        "message": f"[{marker}] {text}" + ("" if group == LOG_GROUP else f" ({group})"),
                    }
                    for i, text in enumerate(texts)
                ],
            )
        iam = self.client("iam", creds)
        register = ["accounts", "register", "--account-id", account_id, "--org-id", org["id"], "--alias", alias]
        if auth_type == "iam_role":
            trust = {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{HOST_ACCOUNT}:root"},
                        "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"],
                        "Condition": {"StringEquals": {"sts:ExternalId": org["external_id"]}},
                    }
                ],
            }
            role = iam.create_role(RoleName=CUSTOMER_ROLE_NAME, AssumeRolePolicyDocument=json.dumps(trust))["Role"]
            self.admin_cli(*register, "--auth-type", "iam_role", "--role-arn", role["Arn"])
        else:
            iam.create_user(UserName="agentcore-reader")
            key = iam.create_access_key(UserName="agentcore-reader")["AccessKey"]
            self.long_lived_secrets.append(key["SecretAccessKey"])
            self.admin_cli(
                *register, "--auth-type", "aksk", "--access-key-id", key["AccessKeyId"], stdin=key["SecretAccessKey"]
            )
        seeded = SeededAccount(account_id=account_id, alias=alias, auth_type=auth_type, marker=marker, org=org_name)
        if account_id == BROKEN_ACCOUNT:  # the owner deleted the key the registry still holds
            iam.delete_access_key(UserName="agentcore-reader", AccessKeyId=key["AccessKeyId"])
            self.broken_accounts.append(seeded)
        else:
            self.accounts.append(seeded)
