"""STS ``GetFederationToken`` that acts in the caller's own account.

moto returns fixed credentials that act in its *default* account whatever
account the calling IAM user belongs to. Real STS returns credentials of a
federated user in the caller's account. This patch issues a fresh temporary
access key in the caller's account's IAM backend, so requests signed with it
land in that account, as they do on AWS.
"""

from __future__ import annotations

from typing import Any

_installed = False


def install() -> None:
    """Patch moto's STS response handler (idempotent; call before starting the server)."""
    global _installed
    if _installed:
        return
    from moto.core.responses import ActionResult
    from moto.iam.models import iam_backends
    from moto.sts.utils import random_session_token
    from moto.sts.responses import TokenResponse

    original = TokenResponse.get_federation_token

    def get_federation_token(self: Any) -> Any:
        result = original(self)
        key = iam_backends[self.current_account][self.partition].create_temp_access_key()
        credentials = result.result["Credentials"]
        credentials["AccessKeyId"] = key.access_key_id
        credentials["SecretAccessKey"] = key.secret_access_key
        credentials["SessionToken"] = random_session_token()
        return ActionResult(result.result)

    TokenResponse.get_federation_token = get_federation_token
    _installed = True
