"""STS ``GetFederationToken`` that acts in the caller's own account.

moto returns fixed credentials that act in its *default* account whatever
account the calling IAM user belongs to. Real STS returns credentials of a
federated user in the caller's account. This patch issues a fresh temporary
access key in the caller's account's IAM backend, so requests signed with it
land in that account, as they do on AWS, and ``GetCallerIdentity`` with it
answers with the federated user's ARN
(``arn:aws:sts::{account}:federated-user/{name}``) as STS does.
"""

from __future__ import annotations

from typing import Any, cast

_installed = False
# access key id -> (user id, ARN, account) of the federated user it belongs to
_federated: dict[str, tuple[str, str, str]] = {}


def install() -> None:
    """Patch moto's STS response handler (idempotent; call before starting the server)."""
    global _installed
    if _installed:
        return
    from moto.core.responses import ActionResult
    from moto.iam.models import iam_backends
    from moto.sts.models import STSBackend
    from moto.sts.responses import TokenResponse
    from moto.sts.utils import random_session_token

    original = TokenResponse.get_federation_token
    original_identity = STSBackend.get_caller_identity

    def get_federation_token(self: Any) -> Any:
        body = cast(dict[str, Any], original(self).result)
        key = iam_backends[self.current_account][self.partition].create_temp_access_key()
        credentials = body["Credentials"]
        credentials["AccessKeyId"] = key.access_key_id
        credentials["SecretAccessKey"] = key.secret_access_key
        credentials["SessionToken"] = random_session_token()
        user = body["FederatedUser"]
        _federated[key.access_key_id] = (user["FederatedUserId"], user["Arn"], self.current_account)
        return ActionResult(body)

    def get_caller_identity(self: Any, access_key_id: str, region: str) -> Any:
        return _federated.get(access_key_id) or original_identity(self, access_key_id, region)

    TokenResponse.get_federation_token = get_federation_token  # type: ignore[method-assign]
    STSBackend.get_caller_identity = get_caller_identity  # type: ignore[method-assign]
    _installed = True
