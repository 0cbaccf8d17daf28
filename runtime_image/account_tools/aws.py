"""AWS clients built from explicit, per-request credentials.

One shared loader supplies service models (loaded once); each client signs with the
credentials of its own cache entry (principal, account, scope, region). No environment
variable, no default credential chain, no global state decides which account a call acts in.
"""

from __future__ import annotations

import threading
from typing import Any

import anyio.to_thread
import boto3
import botocore.session
from botocore.config import Config
from botocore.credentials import Credentials, ReadOnlyCredentials
from botocore.exceptions import BotoCoreError, ClientError

from account_tools.caller import current_caller
from account_tools.credentials import CredentialCache, Entry
from account_tools.errors import EXPIRED_CREDENTIAL_CODES, ToolFailure, from_botocore_error, from_client_error

AWS_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 4},
    connect_timeout=5,
    read_timeout=30,
    user_agent_extra="agentcore-account-tools",
)


class _EntryCredentials(Credentials):
    """botocore credentials that read the cache entry's current lease each time a request is signed.

    A refresh reaches every client of the entry at once; an invalidated entry signs nothing.
    """

    def __init__(self, entry: Entry) -> None:
        self._entry = entry
        super().__init__("", "", method="credential-vendor")  # the setters below ignore these

    def get_frozen_credentials(self) -> ReadOnlyCredentials:
        return self._entry.frozen()

    @property
    def access_key(self) -> str:
        return str(self._entry.frozen().access_key)

    @access_key.setter
    def access_key(self, _: str) -> None:
        pass

    @property
    def secret_key(self) -> str:
        return str(self._entry.frozen().secret_key)

    @secret_key.setter
    def secret_key(self, _: str) -> None:
        pass

    @property
    def token(self) -> str | None:
        token = self._entry.frozen().token
        return str(token) if token is not None else None

    @token.setter
    def token(self, _: str | None) -> None:
        pass


class _FixedResolver:
    """A botocore ``credential_provider`` component that answers with one credentials object."""

    def __init__(self, credentials: _EntryCredentials) -> None:
        self._credentials = credentials

    def load_credentials(self) -> _EntryCredentials:
        return self._credentials


class AccountClients:
    """Clients per (principal, account, scope, region, service), built once on vended credentials.

    A warm call is a dictionary lookup in the credential cache and one in the entry's clients: no
    client is built and no process-wide lock is taken. Building a client (cold path) uses a session
    of its own that shares the service models of one loader.

    Args:
        cache: Vended-credential cache.
        session: Supplies service models only; never its credentials.
    """

    def __init__(self, cache: CredentialCache, session: boto3.session.Session | None = None) -> None:
        self._cache = cache
        self._loader = (session or boto3.session.Session())._session.get_component("data_loader")
        self._build_lock = threading.Lock()  # cold path only: the shared loader is not thread-safe

    def _client(self, entry: Entry, service: str, region: str | None) -> Any:
        lease = entry.lease
        name = (service, region or (lease.region if lease else "us-east-1"))
        client = entry.clients.get(name)
        if client is None:
            with self._build_lock:
                client = entry.clients.get(name)
                if client is None:
                    core = botocore.session.Session()
                    core.register_component("data_loader", self._loader)
                    core.register_component("credential_provider", _FixedResolver(_EntryCredentials(entry)))
                    client = boto3.session.Session(botocore_session=core).client(
                        service,  # type: ignore[call-overload]
                        region_name=name[1],
                        config=AWS_CONFIG,
                    )
                    entry.clients[name] = client
        return client

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

        Credentials are acquired before any worker thread is used (vends run on their own threads).
        When AWS refuses the credentials themselves (``ExpiredToken``, ``InvalidClientTokenId``,
        ``UnrecognizedClientException``) the entry is invalidated, vended anew once and the call
        retried once; a second refusal is a ``credential_error``.

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
            ToolFailure: Classified AWS or vendor errors (``unauthorized`` without a verified caller).
        """
        caller = current_caller.get()
        if caller is None:
            raise ToolFailure("unauthorized", "no verified caller for this call")
        entry = await self._cache.acquire(caller.principal, account_id, scope, region)
        for attempt in (1, 2):
            try:
                return await anyio.to_thread.run_sync(self._run, entry, service, operation, region, params)
            except ClientError as exc:
                code = str(exc.response.get("Error", {}).get("Code", ""))
                if code not in EXPIRED_CREDENTIAL_CODES:
                    raise self._classify(exc, entry, service, operation, account_id, scope) from exc
                if attempt == 2:
                    raise ToolFailure(
                        "credential_error",
                        f"AWS refused freshly vended credentials for account {account_id} ({code}); not retried again",
                    ) from exc
                entry = await self._cache.revend(entry)
        raise AssertionError("unreachable")  # pragma: no cover

    async def allowed_log_groups(self, *, account_id: str, scope: str, region: str | None = None) -> tuple[str, ...]:
        """The account's effective log-group allowlist, as the vendor sent it with this scope's credentials.

        Acquires (or reuses) the caller's credentials for ``scope``: the list comes from the same vend
        as the session policy that enforces it, never from this server's configuration.

        Raises:
            ToolFailure: As ``call`` (the vend failed), or ``unauthorized`` when the entry was just revoked.
        """
        caller = current_caller.get()
        if caller is None:
            raise ToolFailure("unauthorized", "no verified caller for this call")
        entry = await self._cache.acquire(caller.principal, account_id, scope, region)
        lease = entry.lease
        if lease is None:
            entry.frozen()  # raises: revoked
        assert lease is not None
        return lease.allowed_log_groups or ()

    def _run(
        self, entry: Entry, service: str, operation: str, region: str | None, params: dict[str, Any]
    ) -> dict[str, Any]:
        client = self._client(entry, service, region)
        try:
            response: dict[str, Any] = getattr(client, operation)(**params)
        except BotoCoreError as exc:
            raise from_botocore_error(exc, operation=iam_action(client, operation)) from exc
        response.pop("ResponseMetadata", None)
        return response

    def _classify(
        self, exc: ClientError, entry: Entry, service: str, operation: str, account_id: str, scope: str
    ) -> ToolFailure:
        action = iam_action(self._client(entry, service, None), operation) if entry.lease else operation
        return from_client_error(exc, operation=action, account_id=account_id, scope=scope)


# Where the IAM action is not "<signing name>:<API operation>" (Service Authorization Reference):
# CloudWatch signs as "monitoring" but its actions are "cloudwatch:..."; AWS Budgets authorizes the read
# operations with the one action budgets:ViewBudget.
_IAM_PREFIX = {"monitoring": "cloudwatch"}
_IAM_ACTION = {
    "budgets:DescribeBudgets": "budgets:ViewBudget",
    "budgets:DescribeBudget": "budgets:ViewBudget",
    "budgets:DescribeBudgetPerformanceHistory": "budgets:ViewBudget",
}


def iam_action(client: Any, operation: str) -> str:
    """The IAM action of a boto3 method, e.g. ``start_query`` on logs -> ``logs:StartQuery``.

    ``describe_budgets`` on budgets is ``budgets:ViewBudget`` and ``get_metric_data`` on CloudWatch
    ``cloudwatch:GetMetricData`` (not the signing name ``monitoring``), as the Service Authorization
    Reference names them.
    """
    api = client.meta.method_to_api_mapping.get(operation, operation)
    signing_name = client.meta.service_model.signing_name
    action = f"{_IAM_PREFIX.get(signing_name, signing_name)}:{api}"
    return _IAM_ACTION.get(action, action)
