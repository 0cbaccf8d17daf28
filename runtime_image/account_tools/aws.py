"""AWS clients built from explicit, per-request credentials.

One shared boto3 ``Session`` supplies service models (loaded once); each client
gets its own request's credentials as arguments. No environment variable, no
default credential chain, no global state decides which account a call acts in.
"""

from __future__ import annotations

import threading
from typing import Any

import anyio.to_thread
import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from account_tools.caller import current_caller
from account_tools.credentials import CredentialCache
from account_tools.errors import ToolFailure, from_botocore_error, from_client_error

AWS_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 4},
    connect_timeout=5,
    read_timeout=30,
    user_agent_extra="agentcore-account-tools",
)


class AccountClients:
    """Builds clients for a target account and scope from vended credentials.

    Args:
        cache: Vended-credential cache.
        session: Supplies service models only; never its credentials.
    """

    def __init__(self, cache: CredentialCache, session: boto3.session.Session | None = None) -> None:
        self._cache = cache
        self._session = session or boto3.session.Session()
        # boto3 sessions are not thread-safe; client creation is serialized, the clients themselves are.
        self._session_lock = threading.Lock()

    def client(self, service: str, *, account_id: str, scope: str, region: str | None = None) -> Any:
        """A client acting in ``account_id`` for the current caller, with the ``scope``'s session policy.

        Blocking: may vend. Credentials are the current caller's own (``current_caller``).

        Raises:
            ToolFailure: No verified caller (``unauthorized``), or the vendor refused.
        """
        caller = current_caller.get()
        if caller is None:
            raise ToolFailure("unauthorized", "no verified caller for this call")
        scoped = self._cache.get(caller.principal, account_id, scope, region)
        creds = scoped.credentials
        with self._session_lock:
            return self._session.client(
                service,  # type: ignore[call-overload]
                region_name=region or scoped.region,
                aws_access_key_id=creds.access_key,
                aws_secret_access_key=creds.secret_key,
                aws_session_token=creds.token,
                config=AWS_CONFIG,
            )

    async def call(
        self,
        service: str,
        operation: str,
        *,
        account_id: str,
        scope: str,
        region: str | None = None,
        **params: Any,
    ) -> dict[str, Any]:
        """Run one AWS API call in a worker thread and classify its errors.

        Args:
            service: boto3 service name, e.g. ``logs``.
            operation: boto3 method name, e.g. ``start_query``.
            account_id: Target account.
            scope: Scope whose session policy the credentials carry.
            region: Overrides the account's registered region.
            **params: The API parameters.

        Returns:
            The API response without ``ResponseMetadata``.

        Raises:
            ToolFailure: Classified AWS or vendor errors.
        """

        def run() -> dict[str, Any]:
            client = self.client(service, account_id=account_id, scope=scope, region=region)
            action = iam_action(client, operation)
            try:
                response: dict[str, Any] = getattr(client, operation)(**params)
            except ClientError as exc:
                raise from_client_error(exc, operation=action, account_id=account_id, scope=scope) from exc
            except BotoCoreError as exc:
                raise from_botocore_error(exc, operation=action) from exc
            response.pop("ResponseMetadata", None)
            return response

        return await anyio.to_thread.run_sync(run)


def iam_action(client: Any, operation: str) -> str:
    """The IAM action of a boto3 method, e.g. ``start_query`` on logs -> ``logs:StartQuery``."""
    api = client.meta.method_to_api_mapping.get(operation, operation)
    prefix = client.meta.service_model.signing_name
    return f"{prefix}:{api}"
