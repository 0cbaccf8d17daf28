"""Reading the first version's registry: its ``organizations``/``aws_accounts`` rows and Fernet secrets."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from typing import Any

import pg8000.native
from cryptography.fernet import Fernet, InvalidToken


@dataclass(frozen=True)
class LegacyRow:
    """One first-version account with its organization (the secret still Fernet-encrypted)."""

    org_name: str
    org_external_id: str
    account_id: str
    alias: str | None
    auth_type: str
    access_key_id: str | None
    secret_encrypted: str | None
    role_arn: str | None
    region: str | None
    already_kms: bool  # upgraded in place and already re-encrypted under KMS

    def __repr__(self) -> str:
        return f"LegacyRow(account_id={self.account_id!r}, auth_type={self.auth_type!r})"


def connect(*, host: str, port: int, user: str, password: str, database: str, ssl_mode: str) -> Any:
    """A connection to the first version's database."""
    context = None
    if ssl_mode != "disable":
        context = ssl.create_default_context()
        if ssl_mode == "require":
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
    return pg8000.native.Connection(
        user=user, password=password, host=host, port=port, database=database, ssl_context=context, timeout=10
    )


def read_rows(conn: Any) -> list[LegacyRow]:
    """Every account of the first version's tables (the brief's column names), by account id."""
    has_kms = bool(
        conn.run(
            "SELECT 1 FROM information_schema.columns WHERE table_name = 'aws_accounts'"
            " AND column_name = 'secret_kms_key_arn'"
        )
    )
    kms = "a.secret_kms_key_arn IS NOT NULL" if has_kms else "FALSE"
    rows = conn.run(
        "SELECT o.name, o.external_id, a.account_id, a.alias, a.auth_type, a.access_key_id,"  # noqa: S608 - constant SQL
        f" a.secret_access_key_encrypted, a.role_arn, a.region, {kms}"
        " FROM aws_accounts a JOIN organizations o ON o.id = a.org_id ORDER BY a.account_id"
    )
    return [LegacyRow(*row) for row in rows]


def decrypt(fernet_key: str, ciphertext: str) -> str | None:
    """The plaintext of a first-version secret, or None when this key cannot decrypt it."""
    try:
        return Fernet(fernet_key.encode()).decrypt(ciphertext.encode()).decode()
    except (InvalidToken, ValueError, UnicodeDecodeError):
        return None


def valid_fernet_key(key: str) -> bool:
    """Whether ``key`` is a Fernet key (32 URL-safe base64-encoded bytes)."""
    try:
        Fernet(key.encode())
    except ValueError:
        return False
    return True
