"""Caller assertions for tests: a local P-256 key stands in for the KMS assertion key.

Signing uses the production signer (``caller_assertion.sign_assertion``) with a stand-in KMS client
that signs with the local private key exactly as KMS ``Sign`` answers (a DER ECDSA signature), so
tests exercise the same encoding the interceptor produces.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from mcp.types import RequestParamsMeta

from account_tools.caller import ASSERTION_META_KEY, CallerVerifier
from caller_assertion import CallerAssertion, sign_assertion

KEY_ID = "arn:aws:kms:us-east-1:111111111111:key/00000000-0000-4000-8000-00000000a55e"


@dataclass
class LocalSigningKms:
    """The two KMS operations the assertion key is used for, with a local key (``Sign``, ``GetPublicKey``)."""

    private_key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    signed: int = 0

    def sign(self, *, KeyId: str, Message: bytes, MessageType: str, SigningAlgorithm: str) -> dict[str, Any]:
        assert (MessageType, SigningAlgorithm) == ("RAW", "ECDSA_SHA_256")
        self.signed += 1
        return {"KeyId": KeyId, "Signature": self.private_key.sign(Message, ec.ECDSA(hashes.SHA256()))}

    def get_public_key(self, *, KeyId: str) -> dict[str, Any]:
        der = self.private_key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
        return {"KeyId": KeyId, "PublicKey": der, "KeySpec": "ECC_NIST_P256"}

    def public_key(self) -> ec.EllipticCurvePublicKey:
        return self.private_key.public_key()


@dataclass
class Callers:
    """Issue signed caller assertions for tests."""

    kms: LocalSigningKms = field(default_factory=LocalSigningKms)

    def verifier(self) -> CallerVerifier:
        return CallerVerifier(self.kms.public_key)

    def assertion(
        self,
        tool: str,
        target_account_id: str | None,
        *,
        sub: str = "agent-client-a",
        kind: str = "agent",
        name: str | None = None,
        groups: tuple[str, ...] = (),
        now: float | None = None,
        ttl_s: int | None = None,
        target_account_ids: tuple[str, ...] | None = None,
    ) -> str:
        extra = {"ttl_s": ttl_s} if ttl_s is not None else {}
        claims = CallerAssertion.issue(
            sub=sub,
            kind=kind,  # type: ignore[arg-type]
            name=name or sub,
            groups=groups,
            tool=tool,
            target_account_id=target_account_id,
            target_account_ids=target_account_ids,
            now=now,
            **extra,
        )
        return sign_assertion(claims, kms_client=self.kms, key_id=KEY_ID)

    def meta(self, tool: str, target_account_id: str | None, **kwargs: Any) -> RequestParamsMeta:
        """The request's ``_meta`` with the assertion (an extra key, which ``RequestParamsMeta`` allows)."""
        return cast(RequestParamsMeta, {ASSERTION_META_KEY: self.assertion(tool, target_account_id, **kwargs)})


def call_tool(server: Any, callers: Callers, tool: str, arguments: dict[str, Any], **caller: Any) -> Any:
    """Call ``tool`` through an in-process MCP client, with the assertion the Gateway interceptor would add."""
    import anyio
    from mcp import Client

    from account_tools.params import account_id

    try:
        named = account_id(arguments["target_account_id"]) if arguments.get("target_account_id") is not None else None
    except ValueError:
        named = None

    async def run() -> Any:
        async with Client(server) as client:
            return await client.call_tool(tool, arguments, meta=callers.meta(tool, named, **caller))

    return anyio.run(run)
