"""KMS encryption of registry secrets, bound to the row they belong to.

Every ciphertext carries an encryption context built from the row (account id
and organization id). KMS refuses to decrypt a ciphertext under any other
context, so a ciphertext copied into another row is useless (AWS KMS Developer
Guide, "Encryption context").
"""

from __future__ import annotations

import base64
from typing import Any

from credential_vendor.constants import ENCRYPTION_CONTEXT_ACCOUNT_KEY, ENCRYPTION_CONTEXT_ORG_KEY


def encryption_context(*, account_id: str, org_id: str) -> dict[str, str]:
    """The encryption context of a registry secret: ``{"account_id": ..., "org_id": ...}``."""
    return {ENCRYPTION_CONTEXT_ACCOUNT_KEY: account_id, ENCRYPTION_CONTEXT_ORG_KEY: org_id}


def encrypt_secret(kms_client: Any, *, key_arn: str, plaintext: str, account_id: str, org_id: str) -> str:
    """Encrypt a secret for one registry row (KMS ``Encrypt``).

    Returns:
        The ciphertext blob, base64-encoded, for ``secret_access_key_encrypted``.
    """
    response = kms_client.encrypt(
        KeyId=key_arn,
        Plaintext=plaintext.encode(),
        EncryptionContext=encryption_context(account_id=account_id, org_id=org_id),
    )
    return base64.b64encode(response["CiphertextBlob"]).decode()


def decrypt_secret(kms_client: Any, *, key_arn: str, ciphertext_b64: str, account_id: str, org_id: str) -> str:
    """Decrypt a registry secret (KMS ``Decrypt`` with ``KeyId`` pinned).

    Args:
        kms_client: A boto3 KMS client.
        key_arn: The key recorded on the row; KMS rejects ciphertexts of other keys.
        ciphertext_b64: The row's ``secret_access_key_encrypted``.
        account_id: From the row, never from a request.
        org_id: From the row, never from a request.

    Raises:
        botocore.exceptions.ClientError: ``InvalidCiphertextException`` when the context
            does not match, ``AccessDeniedException`` without ``kms:Decrypt``.
        binascii.Error: The stored value is not base64.
    """
    response = kms_client.decrypt(
        KeyId=key_arn,
        CiphertextBlob=base64.b64decode(ciphertext_b64, validate=True),
        EncryptionContext=encryption_context(account_id=account_id, org_id=org_id),
    )
    plaintext: bytes = response["Plaintext"]
    return plaintext.decode()
