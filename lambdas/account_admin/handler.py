"""Lambda entry point of account administration (invoked by operators, e.g. via ``account_admin.cli``).

Payloads (``action`` picks one):

- ``{"action": "register_organization", "name"}`` -> the organization with its generated ExternalId
- ``{"action": "register_account", "account_id", "org_id", "auth_type", "alias"?, "region"?, "role_arn"?,
  "access_key_id"?, "secret_access_key"?}``
- ``{"action": "list_accounts"}``, ``{"action": "list_organizations"}``
- ``{"action": "disable_account" | "enable_account", "account_id"}``
- ``{"action": "rotate_secret", "account_id", "access_key_id", "secret_access_key"}``

Responses are ``{"ok": true, ...}`` or ``{"ok": false, "error_type", "message"}``; secrets are never echoed.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any, Literal

import boto3
import pg8000.exceptions
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ConfigDict, Field, SecretStr, TypeAdapter, ValidationError

from account_admin.logic import AccountAdmin, AdminError, RegisterAccount, RegisterOrganization
from account_registry.log_safety import silence_sdk_wire_logs
from account_registry.settings import RegistrySettings
from account_registry.store import RegistryConnection, RegistryStore
from credential_vendor.handler import validation_message

logger = Logger(service="account-admin")
silence_sdk_wire_logs()


class _Action(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegisterOrganizationAction(RegisterOrganization):
    action: Literal["register_organization"]


class RegisterAccountAction(RegisterAccount):
    action: Literal["register_account"]


class ListAccountsAction(_Action):
    action: Literal["list_accounts"]


class ListOrganizationsAction(_Action):
    action: Literal["list_organizations"]


class SetEnabledAction(_Action):
    action: Literal["disable_account", "enable_account"]
    account_id: str = Field(pattern=r"^\d{12}$")


class RotateSecretAction(_Action):
    action: Literal["rotate_secret"]
    account_id: str = Field(pattern=r"^\d{12}$")
    access_key_id: str
    secret_access_key: SecretStr = Field(min_length=16, max_length=128)


AdminRequest = Annotated[
    RegisterOrganizationAction
    | RegisterAccountAction
    | ListAccountsAction
    | ListOrganizationsAction
    | SetEnabledAction
    | RotateSecretAction,
    Field(discriminator="action"),
]
_REQUEST: TypeAdapter[Any] = TypeAdapter(AdminRequest)


@cache
def _settings() -> RegistrySettings:
    return RegistrySettings.from_env()


@cache
def _registry() -> RegistryConnection:
    return _settings().connection()


def _admin(store: RegistryStore) -> AccountAdmin:
    settings = _settings()
    if not settings.kms_key_arn:
        raise AdminError("the admin function has no KMS key configured")
    return AccountAdmin(store, kms_client=boto3.client("kms"), key_arn=settings.kms_key_arn, settings=settings)


def dispatch(request: Any, admin: AccountAdmin) -> dict[str, Any]:
    """Run one validated request against the registry."""
    if isinstance(request, RegisterOrganizationAction):
        org = admin.register_organization(request)
        return {"organization": org.model_dump(mode="json")}
    if isinstance(request, RegisterAccountAction):
        return {"account": admin.register_account(request).model_dump(mode="json")}
    if isinstance(request, ListAccountsAction):
        return {"accounts": [a.model_dump(mode="json") for a in admin.list_accounts()]}
    if isinstance(request, ListOrganizationsAction):
        return {"organizations": [o.model_dump(mode="json") for o in admin.list_organizations()]}
    if isinstance(request, SetEnabledAction):
        admin.set_enabled(request.account_id, enabled=request.action == "enable_account")
        return {"account_id": request.account_id, "enabled": request.action == "enable_account"}
    assert isinstance(request, RotateSecretAction)
    admin.rotate_secret(
        request.account_id, access_key_id=request.access_key_id, secret_access_key=request.secret_access_key
    )
    return {"account_id": request.account_id, "rotated": True}


# log_event=False whatever POWERTOOLS_LOGGER_LOG_EVENT says: events carry plaintext secrets.
@logger.inject_lambda_context(clear_state=True, log_event=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Lambda handler: see the module docstring for the payload shapes."""
    try:
        request = _REQUEST.validate_python(event)
    except ValidationError as exc:
        return {"ok": False, "error_type": "invalid_request", "message": validation_message(exc)}
    logger.append_keys(action=request.action, target_account_id=getattr(request, "account_id", None))
    registry = _registry()
    try:
        result = registry.run(lambda store: dispatch(request, _admin(store)))
    except AdminError as exc:
        logger.info("admin request refused", extra={"outcome": "invalid_request"})
        return {"ok": False, "error_type": "invalid_request", "message": str(exc)}
    except pg8000.exceptions.Error as exc:
        logger.warning("registry error", extra={"outcome": "database_error", "error": type(exc).__name__})
        return {"ok": False, "error_type": "database_error", "message": "the account registry rejected the change"}
    except (ClientError, BotoCoreError) as exc:
        logger.warning("AWS error", extra={"outcome": "credential_error", "error": type(exc).__name__})
        return {"ok": False, "error_type": "credential_error", "message": "KMS or Secrets Manager refused the request"}
    logger.info("admin request done", extra={"outcome": "ok"})
    return {"ok": True, **result}
