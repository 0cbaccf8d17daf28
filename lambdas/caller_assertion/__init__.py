"""Caller assertions: who is calling, for which tool and account, signed by the Gateway interceptor.

The Gateway REQUEST interceptor verifies the caller's bearer token and turns it into a short-lived
*caller assertion*, a compact JWS (ES256, RFC 7515/7518) signed with an asymmetric KMS key
(``ECC_NIST_P256``, ``ECDSA_SHA_256``) that only the interceptor may use for signing. The runtime
verifies it before serving a call (cached credentials included) and passes it with each vend; the
vendor verifies it again and vends only for the principal, account and tool it names.

Verification is local: the public key comes from KMS ``GetPublicKey`` once per process.
"""

from caller_assertion.assertion import (
    ASSERTION_AUDIENCE,
    ASSERTION_ISSUER,
    ASSERTION_META_KEY,
    ASSERTION_TTL_S,
    MAX_TARGET_ACCOUNTS,
    CallerAssertion,
    InvalidAssertionError,
    KmsPublicKey,
    PrincipalKind,
    sign_assertion,
    verify_assertion,
)
from caller_assertion.names import federation_name, principal_refs, session_name

__all__ = [
    "ASSERTION_AUDIENCE",
    "ASSERTION_ISSUER",
    "ASSERTION_META_KEY",
    "ASSERTION_TTL_S",
    "MAX_TARGET_ACCOUNTS",
    "CallerAssertion",
    "InvalidAssertionError",
    "KmsPublicKey",
    "PrincipalKind",
    "federation_name",
    "principal_refs",
    "session_name",
    "sign_assertion",
    "verify_assertion",
]
