"""Typed settings of the interceptor, validated once at cold start (a missing variable fails loudly)."""

from __future__ import annotations

import os
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field

from gateway_interceptor import constants as c


class InterceptorSettings(BaseModel):
    """Configuration of the Gateway interceptor.

    Attributes:
        jwt_issuer: Expected ``iss`` of bearer tokens (the user pool's issuer URL).
        jwks_url: Where the issuer's signing keys are published.
        allowed_client_ids: OAuth app clients whose tokens are accepted (``client_id`` claim).
        required_scope: OAuth scope every token must carry.
        assertion_key_id: KMS key that signs caller assertions.
        gateway_target_name: The Gateway target whose ``<target>___`` prefix tool names carry.
    """

    model_config = ConfigDict(frozen=True)

    jwt_issuer: str = Field(min_length=8)
    jwks_url: str = Field(min_length=8)
    allowed_client_ids: tuple[str, ...] = Field(min_length=1)
    required_scope: str = Field(min_length=1)
    assertion_key_id: str = Field(min_length=1)
    gateway_target_name: str = "account-tools"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> InterceptorSettings:
        """Read settings from environment variables (names in ``constants``).

        Raises:
            KeyError: A required variable is missing.
            pydantic.ValidationError: A variable has an invalid value.
        """
        env = os.environ if environ is None else environ
        return cls(
            jwt_issuer=env[c.ENV_JWT_ISSUER],
            jwks_url=env[c.ENV_JWKS_URL],
            allowed_client_ids=tuple(i.strip() for i in env[c.ENV_ALLOWED_CLIENT_IDS].split(",") if i.strip()),
            required_scope=env[c.ENV_REQUIRED_SCOPE],
            assertion_key_id=env[c.ENV_ASSERTION_KEY_ID],
            gateway_target_name=env.get(c.ENV_GATEWAY_TARGET_NAME, "account-tools"),
        )
