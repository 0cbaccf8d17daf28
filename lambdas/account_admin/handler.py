"""Lambda entry point of account administration, served through a function URL with ``AWS_IAM`` auth.

Operators call it with ``account-tools-admin`` (the ``account_tools_admin`` package), which signs each
request with SigV4. Lambda verifies the signature and puts the caller's ARN in
``requestContext.authorizer.iam.userArn``: that ARN, never a name in the payload, is the actor of every
audit row. A request without it (a direct ``Invoke``, whose payload anyone with ``lambda:InvokeFunction``
could shape) is refused; operators' IAM policies allow ``lambda:InvokeFunction`` only with
``lambda:InvokedViaFunctionUrl`` (docs/operations.md).

The request body is JSON with an ``action`` (see ``AdminRequest``). Responses are ``{"ok": true, ...}`` or
``{"ok": false, "error_type", "message"}``; secrets are never echoed, and the event is never logged.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from functools import cache
from typing import Annotated, Any, Literal

import boto3
import pg8000.exceptions
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ConfigDict, Field, SecretStr, TypeAdapter, ValidationError

from account_admin.logic import (
    AccountAdmin,
    AddGrant,
    AdminError,
    ImportAccount,
    LogGroupChange,
    LogGroupTarget,
    RegisterAccount,
    RegisterOrganization,
    UpdateAccount,
)
from account_registry.constants import ENV_VENDOR_ROLE_ARN
from account_registry.log_safety import silence_sdk_wire_logs
from account_registry.models import PrincipalType
from account_registry.settings import RegistrySettings
from account_registry.store import RegistryConnection, RegistryStore
from credential_vendor.constants import ENV_ALLOWED_LOG_GROUPS
from credential_vendor.handler import validation_message

CUSTOMER_TEMPLATE = "cdk.out/assembly-CustomerOnboarding/CustomerOnboardingCustomerRole*.template.json"

logger = Logger(service="account-admin")
silence_sdk_wire_logs()


class _Action(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegisterOrganizationAction(RegisterOrganization):
    action: Literal["create_organization", "register_organization"]


class ShowOrganizationAction(_Action):
    action: Literal["show_organization"]
    org_id: str


class RegisterAccountAction(RegisterAccount):
    action: Literal["register_account"]


class UpdateAccountAction(UpdateAccount):
    action: Literal["update_account"]


class ListAccountsAction(_Action):
    action: Literal["list_accounts"]


class ListOrganizationsAction(_Action):
    action: Literal["list_organizations"]


class AccountAction(_Action):
    action: Literal["disable_account", "enable_account", "delete_account", "show_account"]
    account_id: str = Field(pattern=r"^\d{12}$")


class RotateSecretAction(_Action):
    action: Literal["rotate_secret"]
    account_id: str = Field(pattern=r"^\d{12}$")
    access_key_id: str
    secret_access_key: SecretStr = Field(min_length=16, max_length=128)


class AddGrantAction(AddGrant):
    action: Literal["add_grant"]


class RevokeGrantAction(_Action):
    action: Literal["revoke_grant"]
    grant_id: str


class ListGrantsAction(_Action):
    action: Literal["list_grants"]
    principal_type: PrincipalType | None = None
    principal: str | None = None
    org_id: str | None = None
    account_id: str | None = Field(default=None, pattern=r"^\d{12}$")
    include_revoked: bool = False


class AddLogGroupAction(LogGroupChange):
    action: Literal["add_log_group"]


class RemoveLogGroupAction(LogGroupChange):
    action: Literal["remove_log_group"]


class ListLogGroupsAction(LogGroupTarget):
    action: Literal["list_log_groups"]
    include_removed: bool = False


class ListAuditAction(_Action):
    action: Literal["list_audit"]
    object_type: Literal["organization", "account", "grant", "log_group"] | None = None
    object_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = Field(default=1000, ge=1, le=10_000)


class ImportAccountAction(ImportAccount):
    action: Literal["import_account"]


AdminRequest = Annotated[
    RegisterOrganizationAction
    | ShowOrganizationAction
    | ListOrganizationsAction
    | RegisterAccountAction
    | UpdateAccountAction
    | ListAccountsAction
    | AccountAction
    | RotateSecretAction
    | AddGrantAction
    | RevokeGrantAction
    | ListGrantsAction
    | ListAuditAction
    | AddLogGroupAction
    | RemoveLogGroupAction
    | ListLogGroupsAction
    | ImportAccountAction,
    Field(discriminator="action"),
]
_REQUEST: TypeAdapter[Any] = TypeAdapter(AdminRequest)
# Actions that only read: safe to run again on a stale connection. Everything else runs once.
READ_ACTIONS = frozenset(
    {
        "show_organization",
        "list_organizations",
        "show_account",
        "list_accounts",
        "list_grants",
        "list_audit",
        "list_log_groups",
    }
)


class UnauthenticatedError(Exception):
    """The request carries no caller identity verified by AWS."""


@cache
def _settings() -> RegistrySettings:
    return RegistrySettings.from_env()


@cache
def _registry() -> RegistryConnection:
    return _settings().connection()


@cache
def _vendor_role_arn() -> str | None:
    import os

    return os.environ.get(ENV_VENDOR_ROLE_ARN) or None


@cache
def _default_log_groups() -> tuple[str, ...]:
    """The platform-wide default log-group allowlist (the vendor's), counted in the policy size check."""
    import os

    return tuple(g.strip() for g in os.environ.get(ENV_ALLOWED_LOG_GROUPS, "").split(",") if g.strip())


@cache
def _kms() -> Any:
    return boto3.client("kms")


def _admin(store: RegistryStore, actor: str) -> AccountAdmin:
    settings = _settings()
    if not settings.kms_key_arn:
        raise AdminError("the admin function has no KMS key configured")
    return AccountAdmin(
        store,
        kms_client=_kms(),
        key_arn=settings.kms_key_arn,
        settings=settings,
        actor=actor,
        default_log_groups=_default_log_groups(),
    )


def onboarding(external_id: str, role_arn: str | None = None) -> dict[str, Any]:
    """What the customer deploys in their account: the template and its parameters."""
    vendor_role = _vendor_role_arn() or "<VendorRoleArn output of the platform stack>"
    return {
        "template": CUSTOMER_TEMPLATE,
        "parameters": {"VendorRoleArn": vendor_role, "ExternalId": external_id},
        "command": "aws cloudformation deploy --stack-name account-tools-readonly --capabilities CAPABILITY_NAMED_IAM"
        f" --template-file {CUSTOMER_TEMPLATE} --parameter-overrides VendorRoleArn={vendor_role}"
        f" ExternalId={external_id}",
        "role_arn": role_arn,
    }


def dispatch(request: Any, admin: AccountAdmin) -> dict[str, Any]:
    """Run one validated request against the registry."""
    if isinstance(request, RegisterOrganizationAction):
        org, created = admin.create_organization(request)
        return {
            "organization": org.model_dump(mode="json"),
            "created": created,
            "onboarding": onboarding(org.external_id),
        }
    if isinstance(request, ShowOrganizationAction):
        return {"organization": admin.get_organization(request.org_id).model_dump(mode="json")}
    if isinstance(request, ListOrganizationsAction):
        return {"organizations": [o.model_dump(mode="json") for o in admin.list_organizations()]}
    if isinstance(request, RegisterAccountAction):
        answer: dict[str, Any] = {"account": admin.register_account(request).model_dump(mode="json")}
        if request.auth_type == "iam_role":
            org = admin.get_organization(request.org_id)
            answer["onboarding"] = onboarding(org.external_id, request.role_arn)
        return answer
    if isinstance(request, UpdateAccountAction):
        return {"account": _json(admin.update_account(request))}
    if isinstance(request, ListAccountsAction):
        return {"accounts": [a.model_dump(mode="json") for a in admin.list_accounts()]}
    if isinstance(request, AccountAction):
        if request.action == "show_account":
            return {"account": _json(admin.get_account(request.account_id))}
        if request.action == "delete_account":
            admin.delete_account(request.account_id)
            return {"account_id": request.account_id, "deleted": True}
        admin.set_enabled(request.account_id, enabled=request.action == "enable_account")
        return {"account_id": request.account_id, "enabled": request.action == "enable_account"}
    if isinstance(request, RotateSecretAction):
        admin.rotate_secret(
            request.account_id, access_key_id=request.access_key_id, secret_access_key=request.secret_access_key
        )
        return {"account_id": request.account_id, "rotated": True}
    if isinstance(request, AddGrantAction):
        return {"grant": admin.add_grant(request).model_dump(mode="json")}
    if isinstance(request, RevokeGrantAction):
        return {"grant": admin.revoke_grant(request.grant_id).model_dump(mode="json")}
    if isinstance(request, ListGrantsAction):
        filters = request.model_dump(exclude={"action"})
        if filters["org_id"] is not None:
            filters["org_id"] = admin.get_organization(filters["org_id"]).id
        grants = admin.list_grants(**filters)
        return {"grants": [g.model_dump(mode="json") for g in grants]}
    if isinstance(request, AddLogGroupAction):
        return {"log_group": admin.add_log_group(request).model_dump(mode="json")}
    if isinstance(request, RemoveLogGroupAction):
        return {"log_group": admin.remove_log_group(request).model_dump(mode="json")}
    if isinstance(request, ListLogGroupsAction):
        target = LogGroupTarget(org_id=request.org_id, account_id=request.account_id)
        listing = admin.list_log_groups(target, include_removed=request.include_removed)
        listing["entries"] = [e.model_dump(mode="json") for e in listing["entries"]]
        return {"log_groups": listing}
    if isinstance(request, ListAuditAction):
        entries = admin.list_audit(**request.model_dump(exclude={"action"}))
        return {"audit": [e.model_dump(mode="json") for e in entries]}
    assert isinstance(request, ImportAccountAction)
    return {"import": admin.import_account(request)}


def _json(value: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(json.dumps(value, default=str))
    return result


def parse_event(event: Any) -> tuple[str, Any]:
    """The verified caller ARN and the JSON body of a function URL request.

    Raises:
        UnauthenticatedError: Not a function URL request with an IAM-verified caller.
        ValueError: The body is not JSON.
    """
    context = event.get("requestContext") if isinstance(event, dict) else None
    if not isinstance(context, dict) or "http" not in context:
        raise UnauthenticatedError(
            "call the admin function through its function URL (AWS_IAM) with account-tools-admin:"
            " a direct invocation carries no verified caller"
        )
    arn = ((context.get("authorizer") or {}).get("iam") or {}).get("userArn")
    if not isinstance(arn, str) or not arn.startswith("arn:"):
        raise UnauthenticatedError(
            "the request carries no IAM-verified caller (function URL auth type must be AWS_IAM)"
        )
    body = event.get("body") or "{}"
    try:
        raw = base64.b64decode(body, validate=True) if event.get("isBase64Encoded") else body
        return arn, json.loads(raw)
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise ValueError("the request body is not JSON") from exc


def _http(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}


def _refusal(status: int, error_type: str, message: str) -> dict[str, Any]:
    return _http(status, {"ok": False, "error_type": error_type, "message": message})


# log_event=False whatever POWERTOOLS_LOGGER_LOG_EVENT says: events carry plaintext secrets.
@logger.inject_lambda_context(clear_state=True, log_event=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Lambda handler (function URL events): see the module docstring."""
    try:
        actor, payload = parse_event(event)
    except UnauthenticatedError as exc:
        logger.warning("admin request without a verified caller", extra={"outcome": "unauthenticated"})
        return _refusal(403, "unauthenticated", str(exc))
    except ValueError:
        return _refusal(400, "invalid_request", "the request body is not JSON")
    logger.append_keys(actor=actor)
    try:
        request = _REQUEST.validate_python(payload)
    except ValidationError as exc:
        logger.info("admin request refused", extra={"outcome": "invalid_request"})
        return _refusal(400, "invalid_request", validation_message(exc))
    logger.append_keys(action=request.action, target_account_id=getattr(request, "account_id", None))
    registry = _registry()
    try:
        if request.action in READ_ACTIONS:
            result = registry.run(lambda store: dispatch(request, _admin(store, actor)))
        else:
            # Reconnect if needed with a harmless read, then run the change exactly once.
            registry.run(lambda store: store.list_organizations()[:0])
            result = registry.run(lambda store: dispatch(request, _admin(store, actor)), retry=False)
    except AdminError as exc:
        logger.info("admin request refused", extra={"outcome": "invalid_request"})
        return _refusal(400, "invalid_request", str(exc))
    except pg8000.exceptions.Error as exc:
        logger.warning("registry error", extra={"outcome": "database_error", "error": type(exc).__name__})
        registry.reset()
        return _refusal(
            500,
            "database_error",
            "the account registry refused the request; check its state (show/list) before trying again",
        )
    except (ClientError, BotoCoreError) as exc:
        logger.warning("AWS error", extra={"outcome": "credential_error", "error": type(exc).__name__})
        return _refusal(502, "credential_error", "KMS refused the request")
    logger.info("admin request done", extra={"outcome": "ok"})
    return _http(200, {"ok": True, **result})
