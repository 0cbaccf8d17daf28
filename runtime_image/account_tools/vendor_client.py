"""Client of the credential-vendor Lambda (Lambda ``Invoke`` API).

The runtime's own role may invoke the vendor and nothing else; the vendor
answers with temporary credentials for one (account, scope, region).
"""

from __future__ import annotations

import json
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from account_tools.errors import THROTTLED_RETRY_AFTER_S, VENDOR_ERROR_TYPES, ToolFailure
from account_tools.observability import correlation_id_var
from account_tools.settings import VEND_TIMEOUT_S

LAMBDA_CONFIG = Config(retries={"mode": "standard", "max_attempts": 2}, connect_timeout=3, read_timeout=VEND_TIMEOUT_S)
# Lambda refuses the invoke when the vendor's concurrency is exhausted: retryable, like the vendor's own throttling.
_INVOKE_THROTTLED = {"TooManyRequestsException", "ThrottlingException", "EC2ThrottledException"}


class VendorClient:
    """Calls the vendor through ``lambda:InvokeFunction``.

    Every request carries the verified caller's assertion (``Caller.assertion``): the vendor checks
    it again and vends only what that principal is granted. Requests made while a tool call is served
    carry its ``correlation_id``, which the vendor puts in its log lines.

    Args:
        function_name: Name or ARN of the vendor function.
        region: The vendor's region.
        lambda_client: Injectable for tests; by default built from the runtime's
            own credentials (AgentCore Runtime execution role).
    """

    def __init__(self, function_name: str, *, region: str = "us-east-1", lambda_client: Any | None = None) -> None:
        self._function_name = function_name
        self._lambda = lambda_client or boto3.client("lambda", region_name=region, config=LAMBDA_CONFIG)

    def _invoke(self, payload: dict[str, Any]) -> dict[str, Any]:
        correlation_id = correlation_id_var.get()
        if correlation_id is not None:
            payload = payload | {"correlation_id": correlation_id}
        try:
            response = self._lambda.invoke(
                FunctionName=self._function_name,
                InvocationType="RequestResponse",
                Payload=json.dumps(payload).encode(),
            )
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "Unknown")
            if code in _INVOKE_THROTTLED:
                raise ToolFailure(
                    "throttled", f"the credential vendor is busy ({code})", retry_after_s=THROTTLED_RETRY_AFTER_S
                ) from exc
            raise ToolFailure("credential_error", f"the credential vendor could not be invoked ({code})") from exc
        except BotoCoreError as exc:
            raise ToolFailure(
                "timeout", f"the credential vendor could not be reached ({type(exc).__name__})", retry_after_s=5
            ) from exc
        raw = response["Payload"].read()
        if response.get("FunctionError"):
            # An unhandled error inside the vendor; its payload may hold a stack trace: do not forward it.
            raise ToolFailure("credential_error", "the credential vendor failed; see its logs")
        try:
            body: dict[str, Any] = json.loads(raw)
        except ValueError as exc:
            raise ToolFailure("credential_error", "the credential vendor returned an unreadable answer") from exc
        if not body.get("ok"):
            error_type = body.get("error_type")
            if error_type not in VENDOR_ERROR_TYPES:
                error_type = "credential_error"
            retry_after = body.get("retry_after_s")
            raise ToolFailure(
                str(error_type),
                str(body.get("message", "credential vending failed")),
                retry_after_s=float(retry_after) if isinstance(retry_after, int | float) else None,
            )
        return body

    def vend(
        self,
        *,
        account_id: str,
        scope: str,
        region: str | None,
        assertion: str,
        rejected_access_key_id: str | None = None,
    ) -> dict[str, Any]:
        """Vend credentials for the caller of ``assertion``, as botocore refreshable-credential metadata.

        The vendor answers from its own cache while its credentials for this key are fresh (it still
        checks the assertion, the grant and the account); ``rejected_access_key_id`` names credentials
        AWS refused, which it then replaces instead.

        Returns:
            ``{"access_key", "secret_key", "token", "expiry_time" (ISO-8601 UTC), "region",
            "allowed_log_groups"}``; ``allowed_log_groups`` is the account's effective log-group
            allowlist for scopes that use it (Logs Insights, log-group listing), else None.

        Raises:
            ToolFailure: With the vendor's ``error_type`` (e.g. ``unauthorized``).
        """
        payload: dict[str, Any] = {"action": "vend", "account_id": account_id, "scope": scope, "assertion": assertion}
        if region:
            payload["region"] = region
        if rejected_access_key_id:
            payload["rejected_access_key_id"] = rejected_access_key_id
        creds = self._invoke(payload)["credentials"]
        return {
            "access_key": creds["access_key_id"],
            "secret_key": creds["secret_access_key"],
            "token": creds["session_token"],
            "expiry_time": creds["expiration"],
            "region": creds["region"],
            "allowed_log_groups": creds.get("allowed_log_groups"),
        }

    def list_accounts(self, *, assertion: str) -> list[dict[str, Any]]:
        """The enabled accounts granted to the caller.

        Returns:
            ``[{"account_id", "alias", "auth_type", "region", "enabled"}]``.
        """
        accounts: list[dict[str, Any]] = self._invoke({"action": "list_accounts", "assertion": assertion})["accounts"]
        return accounts
