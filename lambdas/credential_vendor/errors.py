"""Vendor error types. Each maps to one ``error_type`` in the response payload.

Messages are written for the caller and never contain credentials, secrets,
ciphertexts or ExternalIds.
"""

from __future__ import annotations

from typing import ClassVar


class VendorError(Exception):
    """Base class: a vend that failed in a way the caller can be told about."""

    error_type: ClassVar[str] = "credential_error"
    retry_after_s: ClassVar[int | None] = None  # set on retryable errors: seconds to wait

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidRequestError(VendorError):
    """The request failed validation."""

    error_type = "invalid_request"


class UnauthorizedError(VendorError):
    """No valid caller assertion, or the account is not granted to its principal (or does not exist)."""

    error_type = "unauthorized"


class AccountNotFoundError(VendorError):
    """The account is not registered, or it is disabled."""

    error_type = "account_not_found"


class CredentialError(VendorError):
    """Stored credentials could not be decrypted or exchanged for temporary ones."""

    error_type = "credential_error"


class SessionPolicyTooLargeForStsError(CredentialError):
    """The scope's session policy (with the configured log-group allowlist) is longer than STS accepts."""


class AssumeRoleError(VendorError):
    """STS refused AssumeRole into the customer's role."""

    error_type = "assume_role_error"


class DatabaseError(VendorError):
    """The registry could not be read."""

    error_type = "database_error"


class ThrottledError(VendorError):
    """STS, KMS or the registry is throttling the vendor: retryable, unlike ``credential_error``."""

    error_type = "throttled"
    retry_after_s = 2
