"""Keep secrets out of the registry functions' logs whatever the environment asks for.

The handlers pass ``log_event=False`` to Powertools (so ``POWERTOOLS_LOGGER_LOG_EVENT=true`` cannot
log an event holding a plaintext secret), and the AWS SDK's wire loggers stay above DEBUG: at DEBUG,
botocore logs request and response bodies, which hold KMS plaintexts and STS credentials.
"""

from __future__ import annotations

import logging

# Loggers that print HTTP bodies or headers at DEBUG.
SDK_WIRE_LOGGERS = ("botocore", "boto3", "urllib3", "s3transfer")


def silence_sdk_wire_logs() -> None:
    """Raise the AWS SDK and HTTP loggers to WARNING (call once at import of a handler module)."""
    for name in SDK_WIRE_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
