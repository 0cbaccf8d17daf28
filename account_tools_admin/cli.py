"""``account-tools-admin``: the operators' CLI for the account registry.

Every command is one request to the account-admin function URL, signed with your AWS credentials
(SigV4); the function records your verified ARN in the audit log. Secret access keys are never taken
from the command line: they come from a hidden prompt, or from standard input when it is not a terminal.
"""

from __future__ import annotations

import getpass
import json
import os
import sys
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

import pg8000.exceptions
import typer
from typer.exceptions import TyperException

from account_tools_admin import legacy
from account_tools_admin.client import CliError, Target, aws_session, call, resolve_url, stack_outputs
from account_tools_admin.verify import check_account

ENV_STACK = "ACCOUNT_TOOLS_STACK"
ENV_FUNCTION_NAME = "ACCOUNT_TOOLS_ADMIN_FUNCTION"
ENV_FUNCTION_URL = "ACCOUNT_TOOLS_ADMIN_URL"
ENV_V1_PASSWORD = "ACCOUNT_TOOLS_V1_DB_PASSWORD"  # noqa: S105 - a variable name


class Output(StrEnum):
    """Output formats."""

    table = "table"
    json = "json"


class AuthType(StrEnum):
    """How the vendor reaches an account."""

    iam_role = "iam_role"
    aksk = "aksk"


class PrincipalType(StrEnum):
    """Who a grant is for."""

    client = "client"
    user = "user"
    group = "group"


class ObjectType(StrEnum):
    """What an audit row is about."""

    organization = "organization"
    account = "account"
    grant = "grant"
    log_group = "log_group"


app = typer.Typer(
    name="account-tools-admin",
    help=__doc__,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
orgs = typer.Typer(help="Customer organizations (each has the ExternalId its roles trust).", no_args_is_help=True)
accounts = typer.Typer(help="AWS accounts the tools may target.", no_args_is_help=True)
grants = typer.Typer(help="Who (agent client, user, group) may act in which organizations and accounts.")
audit = typer.Typer(help="The record of every registry change.", no_args_is_help=True)
log_groups = typer.Typer(
    help="Log groups Logs Insights may query, per organization (all its accounts) or per account.",
    no_args_is_help=True,
)
app.add_typer(orgs, name="orgs")
app.add_typer(accounts, name="accounts")
app.add_typer(grants, name="grants")
app.add_typer(audit, name="audit")
app.add_typer(log_groups, name="log-groups")

AccountId = Annotated[str, typer.Option("--account-id", help="The 12-digit AWS account id.")]
OrgId = Annotated[str, typer.Option("--org-id", help="The organization's id (UUID, from `orgs list`).")]
Yes = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]


class State:
    """Global options, resolved lazily (help and usage errors need no AWS)."""

    def __init__(self, **options: Any) -> None:
        self.options = options
        self.output: Output = options["output"]
        self._target: Target | None = None

    def target(self) -> Target:
        if self._target is None:
            session, region = aws_session(self.options["profile"], self.options["region"])
            url = resolve_url(
                session,
                function_url=self.options["function_url"],
                function_name=self.options["function_name"],
                stack=self.options["stack"],
            )
            self._target = Target(session=session, region=region, url=url)
        return self._target


@app.callback()
def main_options(
    ctx: typer.Context,
    profile: Annotated[
        str | None, typer.Option(help="AWS profile to sign requests with (default: AWS_PROFILE).")
    ] = None,
    region: Annotated[
        str | None, typer.Option(help="Region of the admin function (default: AWS_REGION or the profile's).")
    ] = None,
    stack: Annotated[
        str | None,
        typer.Option(
            envvar=ENV_STACK, help="Platform stack name, e.g. AccountTools-dev (its AdminFunctionUrl output)."
        ),
    ] = None,
    function_name: Annotated[
        str | None, typer.Option(envvar=ENV_FUNCTION_NAME, help="Admin function name (its function URL is looked up).")
    ] = None,
    function_url: Annotated[
        str | None, typer.Option(envvar=ENV_FUNCTION_URL, help="Admin function URL (skips the look-up).")
    ] = None,
    output: Annotated[Output, typer.Option(help="Output format.")] = Output.table,
) -> None:
    """Administer the multi-account tools' registry."""
    ctx.obj = State(
        profile=profile,
        region=region,
        stack=stack,
        function_name=function_name,
        function_url=function_url,
        output=output,
    )


# -- helpers -----------------------------------------------------------------------------
def _state(ctx: typer.Context) -> State:
    state: State = ctx.find_root().obj
    return state


def _request(ctx: typer.Context, payload: dict[str, Any]) -> dict[str, Any]:
    answer = call(_state(ctx).target(), {k: v for k, v in payload.items() if v is not None})
    answer.pop("ok", None)
    return answer


def _show(ctx: typer.Context, answer: dict[str, Any]) -> None:
    if _state(ctx).output is Output.json:
        typer.echo(json.dumps(answer, indent=2, default=str))
        return
    for key, value in answer.items():
        if isinstance(value, list):
            _table(value)
        elif isinstance(value, dict):
            typer.echo(f"{key}:")
            for k, v in value.items():
                typer.echo(f"  {k}: {json.dumps(v) if isinstance(v, dict | list) else v}")
        else:
            typer.echo(f"{key}: {value}")


def _table(rows: list[Any]) -> None:
    if not rows:
        typer.echo("(none)")
        return
    columns = [c for c in rows[0] if not isinstance(rows[0][c], dict | list)]
    cells = [[("" if r.get(c) is None else str(r.get(c))) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    typer.echo("  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    for row in cells:
        typer.echo("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


def _read_secret(prompt: str) -> str:
    value = getpass.getpass(prompt) if sys.stdin.isatty() else sys.stdin.readline().strip()
    if not value:
        raise CliError("the secret is empty (give it at the prompt or on standard input)")
    return value


def _confirm(question: str, yes: bool) -> None:
    if yes:
        return
    if not sys.stdin.isatty():
        raise CliError("refusing without --yes: no terminal to confirm on")
    if not typer.confirm(question, default=False):
        raise CliError("cancelled")


# -- organizations -------------------------------------------------------------------------
@orgs.command("create")
def orgs_create(
    ctx: typer.Context, name: Annotated[str, typer.Option(help="Organization name (a rerun returns the same one).")]
) -> None:
    """Create an organization with a generated ExternalId; idempotent by name."""
    _show(ctx, _request(ctx, {"action": "create_organization", "name": name}))


@orgs.command("list")
def orgs_list(ctx: typer.Context) -> None:
    """List organizations with their ExternalIds."""
    _show(ctx, _request(ctx, {"action": "list_organizations"}))


@orgs.command("show")
def orgs_show(ctx: typer.Context, org_id: OrgId) -> None:
    """Show one organization."""
    _show(ctx, _request(ctx, {"action": "show_organization", "org_id": org_id}))


# -- accounts -------------------------------------------------------------------------------
@accounts.command("register")
def accounts_register(
    ctx: typer.Context,
    account_id: AccountId,
    org_id: OrgId,
    auth_type: Annotated[AuthType, typer.Option(help="iam_role (a role trusting the vendor) or aksk (access key).")],
    alias: Annotated[str | None, typer.Option(help="A readable name shown to agents.")] = None,
    region: Annotated[str, typer.Option(help="The account's default region for tool calls.")] = "us-east-1",
    role_arn: Annotated[
        str | None, typer.Option(help="iam_role: the customer role's ARN (a role in --account-id).")
    ] = None,
    access_key_id: Annotated[
        str | None, typer.Option(help="aksk: the IAM user's access key id; the secret is read from a prompt/stdin.")
    ] = None,
) -> None:
    """Register an account; for iam_role, prints what the customer deploys (template, parameters, ExternalId)."""
    payload: dict[str, Any] = {
        "action": "register_account",
        "account_id": account_id,
        "org_id": org_id,
        "auth_type": auth_type.value,
        "alias": alias,
        "region": region,
        "role_arn": role_arn,
        "access_key_id": access_key_id,
    }
    if auth_type is AuthType.aksk:
        payload["secret_access_key"] = _read_secret("secret access key: ")
    _show(ctx, _request(ctx, payload))


@accounts.command("update")
def accounts_update(
    ctx: typer.Context,
    account_id: AccountId,
    role_arn: Annotated[str | None, typer.Option(help="New role ARN (iam_role accounts).")] = None,
    alias: Annotated[str | None, typer.Option(help="New alias.")] = None,
    region: Annotated[str | None, typer.Option(help="New default region.")] = None,
) -> None:
    """Change an account's role ARN, alias or region."""
    payload = {"action": "update_account", "account_id": account_id, "role_arn": role_arn, "alias": alias}
    _show(ctx, _request(ctx, payload | {"region": region}))


@accounts.command("show")
def accounts_show(ctx: typer.Context, account_id: AccountId) -> None:
    """Show one account (never its secret)."""
    _show(ctx, _request(ctx, {"action": "show_account", "account_id": account_id}))


@accounts.command("list")
def accounts_list(ctx: typer.Context) -> None:
    """List accounts, enabled and disabled."""
    _show(ctx, _request(ctx, {"action": "list_accounts"}))


@accounts.command("enable")
def accounts_enable(ctx: typer.Context, account_id: AccountId) -> None:
    """Enable an account again."""
    _show(ctx, _request(ctx, {"action": "enable_account", "account_id": account_id}))


@accounts.command("disable")
def accounts_disable(ctx: typer.Context, account_id: AccountId, yes: Yes = False) -> None:
    """Disable an account: the vendor refuses it from the next call on."""
    _confirm(f"Disable {account_id}? Agents lose access to it.", yes)
    _show(ctx, _request(ctx, {"action": "disable_account", "account_id": account_id}))


@accounts.command("delete")
def accounts_delete(ctx: typer.Context, account_id: AccountId, yes: Yes = False) -> None:
    """Delete a disabled account and its grants (the audit log keeps what it was)."""
    _confirm(f"Delete {account_id} and its grants?", yes)
    _show(ctx, _request(ctx, {"action": "delete_account", "account_id": account_id}))


@accounts.command("verify")
def accounts_verify(
    ctx: typer.Context,
    account_id: AccountId,
    gateway_url: Annotated[
        str | None,
        typer.Option(
            envvar="ACCOUNT_TOOLS_GATEWAY_URL", help="The Gateway's MCP endpoint (default: the stack's GatewayUrl)."
        ),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            envvar="ACCOUNT_TOOLS_TOKEN",
            help="Bearer token of a principal granted the account (from the TokenEndpoint output).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Check an account end to end: get_caller_identity through the Gateway, then when the vendor last verified it.

    The call is a real vend: the customer role (or key) answers as the account, and the vendor records
    last_verified_at itself. Needs a token of a principal granted the account.
    """
    if not token:
        raise CliError("a bearer token is required: --token or ACCOUNT_TOOLS_TOKEN (a principal granted the account)")
    url = gateway_url or _stack_output(ctx, "GatewayUrl")
    identity = check_account(url, token, account_id)
    shown = _request(ctx, {"action": "show_account", "account_id": account_id})
    account = shown.get("account", shown)
    _show(
        ctx,
        {
            "account_id": account_id,
            "acting_as": identity.get("arn"),
            "matches_target": identity.get("matches_target"),
            "last_verified_at": account.get("last_verified_at") if isinstance(account, dict) else None,
        },
    )


def _stack_output(ctx: typer.Context, key: str) -> str:
    stack = _state(ctx).options.get("stack")
    if not stack:
        raise CliError(f"--gateway-url (or ACCOUNT_TOOLS_GATEWAY_URL) is required without --stack ({key})")
    outputs = stack_outputs(_state(ctx).target().session, stack)
    if key not in outputs:
        raise CliError(f"stack {stack} has no {key} output")
    return outputs[key]


@accounts.command("rotate-secret")
def accounts_rotate_secret(
    ctx: typer.Context,
    account_id: AccountId,
    access_key_id: Annotated[str, typer.Option(help="The new access key id; the secret is read from a prompt/stdin.")],
    yes: Yes = False,
) -> None:
    """Replace an aksk account's key pair (the old key stops being used at once)."""
    _confirm(f"Replace the key pair of {account_id}?", yes)
    secret = _read_secret("new secret access key: ")
    payload = {"action": "rotate_secret", "account_id": account_id, "access_key_id": access_key_id}
    _show(ctx, _request(ctx, payload | {"secret_access_key": secret}))


# -- grants ---------------------------------------------------------------------------------
@grants.command("grant")
def grants_grant(
    ctx: typer.Context,
    principal_type: Annotated[PrincipalType, typer.Option(help="client (agent), user (sub) or group.")],
    principal: Annotated[str, typer.Option(help="The OAuth client id, the user's sub, or the group name.")],
    org_id: Annotated[str | None, typer.Option(help="Grant a whole organization (UUID).")] = None,
    account_id: Annotated[str | None, typer.Option(help="Grant one account (12 digits).")] = None,
) -> None:
    """Grant a principal an organization or one account (a rerun returns the same grant)."""
    payload = {"action": "add_grant", "principal_type": principal_type.value, "principal": principal}
    _show(ctx, _request(ctx, payload | {"org_id": org_id, "account_id": account_id}))


@grants.command("revoke")
def grants_revoke(
    ctx: typer.Context, grant_id: Annotated[str, typer.Option(help="The grant's id (UUID).")], yes: Yes = False
) -> None:
    """Revoke a grant (kept in the registry as revoked)."""
    _confirm(f"Revoke grant {grant_id}?", yes)
    _show(ctx, _request(ctx, {"action": "revoke_grant", "grant_id": grant_id}))


@grants.command("list")
def grants_list(
    ctx: typer.Context,
    principal_type: Annotated[PrincipalType | None, typer.Option(help="Only this kind of principal.")] = None,
    principal: Annotated[str | None, typer.Option(help="Only this principal.")] = None,
    org_id: Annotated[str | None, typer.Option(help="Only grants of this organization.")] = None,
    account_id: Annotated[str | None, typer.Option(help="Only grants of this account.")] = None,
    include_revoked: Annotated[bool, typer.Option(help="Include revoked grants.")] = False,
) -> None:
    """List grants, newest first."""
    payload = {
        "action": "list_grants",
        "principal_type": principal_type.value if principal_type else None,
        "principal": principal,
        "org_id": org_id,
        "account_id": account_id,
        "include_revoked": include_revoked,
    }
    _show(ctx, _request(ctx, payload))


# -- log-group allowlists -------------------------------------------------------------------
Pattern = Annotated[
    str,
    typer.Option("--pattern", help="A log-group name (/aws/lambda/orders-api) or a prefix (/aws/lambda/orders-*)."),
]
TargetOrg = Annotated[str | None, typer.Option("--org-id", help="For every account of this organization (UUID).")]
TargetAccount = Annotated[str | None, typer.Option("--account-id", help="For this account only (12 digits).")]


@log_groups.command("add")
def log_groups_add(
    ctx: typer.Context, pattern: Pattern, org_id: TargetOrg = None, account_id: TargetAccount = None
) -> None:
    """Allow a log group or prefix; refused if an account's session policy would exceed STS's limit."""
    payload = {"action": "add_log_group", "pattern": pattern, "org_id": org_id, "account_id": account_id}
    _show(ctx, _request(ctx, payload))


@log_groups.command("remove")
def log_groups_remove(
    ctx: typer.Context, pattern: Pattern, org_id: TargetOrg = None, account_id: TargetAccount = None, yes: Yes = False
) -> None:
    """Remove an entry: agents lose the groups it covers within the revocation bound (60 s)."""
    _confirm(f"Remove {pattern} from the allowlist?", yes)
    payload = {"action": "remove_log_group", "pattern": pattern, "org_id": org_id, "account_id": account_id}
    _show(ctx, _request(ctx, payload))


@log_groups.command("list")
def log_groups_list(
    ctx: typer.Context,
    org_id: TargetOrg = None,
    account_id: TargetAccount = None,
    include_removed: Annotated[bool, typer.Option(help="Include removed entries.")] = False,
) -> None:
    """List an organization's entries, or an account's (with its organization's) and its effective allowlist."""
    payload = {"action": "list_log_groups", "org_id": org_id, "account_id": account_id}
    answer = _request(ctx, payload | {"include_removed": include_removed})
    if _state(ctx).output is Output.json:
        _show(ctx, answer)
        return
    listing = answer["log_groups"]
    _table(listing["entries"])
    typer.echo(f"platform default: {', '.join(listing['platform_default']) or '(none)'}")
    if "effective" in listing:
        typer.echo(f"effective for {account_id}: {', '.join(listing['effective']) or '(none)'}")


# -- audit ----------------------------------------------------------------------------------
@audit.command("list")
def audit_list(
    ctx: typer.Context,
    object_type: Annotated[ObjectType | None, typer.Option(help="Only changes of this kind of object.")] = None,
    object_id: Annotated[
        str | None, typer.Option(help="Only changes of this object (account id, org or grant id).")
    ] = None,
    since: Annotated[datetime | None, typer.Option(help="From this time (UTC unless an offset is given).")] = None,
    until: Annotated[datetime | None, typer.Option(help="Before this time.")] = None,
) -> None:
    """List registry changes: who (verified ARN), what, when."""
    payload = {
        "action": "list_audit",
        "object_type": object_type.value if object_type else None,
        "object_id": object_id,
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
    }
    _show(ctx, _request(ctx, payload))


# -- first version ----------------------------------------------------------------------------
@app.command("import-v1")
def import_v1(
    ctx: typer.Context,
    source_host: Annotated[str, typer.Option(help="Host of the first version's PostgreSQL.")],
    source_database: Annotated[str, typer.Option(help="Its database name.")],
    source_user: Annotated[str, typer.Option(help=f"A user that may read it (password: {ENV_V1_PASSWORD} or prompt).")],
    source_port: Annotated[int, typer.Option(help="Its port.")] = 5432,
    source_ssl: Annotated[str, typer.Option(help="disable | require | verify-full.")] = "verify-full",
    dry_run: Annotated[bool, typer.Option(help="Report what would happen; change nothing.")] = False,
) -> None:
    """Import the first version's organizations and accounts; the Fernet key is read from stdin/prompt.

    Secrets are decrypted here and re-encrypted under KMS by the admin function, bound to their row.
    ExternalIds, account ids, aliases, role ARNs and regions are kept. A rerun changes nothing; a row
    whose secret cannot be decrypted is reported and skipped.
    """
    key = _read_secret("first version's Fernet key: ")
    if not legacy.valid_fernet_key(key):
        raise CliError("the Fernet key is malformed (expected 32 URL-safe base64-encoded bytes)")
    password = os.environ.get(ENV_V1_PASSWORD) or (
        getpass.getpass("source database password: ") if sys.stdin.isatty() else ""
    )
    if source_ssl not in ("disable", "require", "verify-full"):
        raise CliError("--source-ssl: expected disable, require or verify-full")
    try:
        conn = legacy.connect(
            host=source_host, port=source_port, user=source_user, password=password, database=source_database,
            ssl_mode=source_ssl,
        )  # fmt: skip
        try:
            rows = legacy.read_rows(conn)
        finally:
            conn.close()
    except (pg8000.exceptions.Error, OSError) as exc:
        raise CliError(f"cannot read the first version's registry: {type(exc).__name__}: {_pg_message(exc)}") from exc
    report = []
    for row in rows:
        report.append(_import_row(ctx, row, key, dry_run=dry_run))
    counts: dict[str, int] = {}
    for line in report:
        counts[line["result"]] = counts.get(line["result"], 0) + 1
    summary = ", ".join(f"{n} {what}" for what, n in sorted(counts.items())) or "no accounts"
    _show(ctx, {"import": report, "summary": summary + (" (dry run: nothing changed)" if dry_run else "")})
    if counts.get("skipped"):
        raise typer.Exit(1)


def _pg_message(exc: Exception) -> str:
    detail = exc.args[0] if exc.args else exc
    return str(detail.get("M", detail)) if isinstance(detail, dict) else str(detail)


def _import_row(ctx: typer.Context, row: legacy.LegacyRow, key: str, *, dry_run: bool) -> dict[str, Any]:
    line: dict[str, Any] = {"account_id": row.account_id, "organization": row.org_name}
    if row.already_kms:
        return line | {"result": "unchanged", "detail": "already encrypted under KMS"}
    payload: dict[str, Any] = {
        "action": "import_account",
        "org_name": row.org_name,
        "org_external_id": row.org_external_id,
        "account_id": row.account_id,
        "auth_type": row.auth_type,
        "alias": row.alias,
        "region": row.region or "us-east-1",
        "role_arn": row.role_arn if row.auth_type == "iam_role" else None,
        "access_key_id": row.access_key_id if row.auth_type == "aksk" else None,
        "dry_run": dry_run,
    }
    if row.auth_type == "aksk":
        secret = legacy.decrypt(key, row.secret_encrypted or "")
        if secret is None:
            return line | {"result": "skipped", "detail": "the secret cannot be decrypted with this Fernet key"}
        if not dry_run:
            payload["secret_access_key"] = secret
    try:
        outcome = _request(ctx, payload)["import"]
    except CliError as exc:
        return line | {"result": "skipped", "detail": str(exc)}
    return line | {"result": outcome["account"], "detail": f"organization {outcome['organization']}"}


def main(argv: list[str] | None = None) -> int:
    """Console script entry: one-line errors and exit codes, never a traceback."""
    command = typer.main.get_command(app)
    try:
        code = command.main(args=argv, prog_name="account-tools-admin", standalone_mode=False)
    except CliError as exc:
        typer.echo(f"error: {exc}", err=True)
        return 1
    except typer.Exit as exc:
        return int(getattr(exc, "exit_code", 0))
    except typer.Abort:
        typer.echo("error: aborted", err=True)
        return 1
    except TyperException as exc:  # usage errors: unknown option, missing value, bad choice
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        no_args = type(exc).__name__ == "NoArgsIsHelpError"  # a command group alone: its help
        typer.echo(message if no_args else f"error: {message}", err=True)
        return 2
    return code if isinstance(code, int) else 0


def run() -> None:
    """``account-tools-admin`` (the console script)."""
    sys.exit(main())
