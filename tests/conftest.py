"""Shared fixtures. The local stack (real PostgreSQL, the AWS emulator, the vendor behind
a Lambda Invoke endpoint, the MCP server) starts once per test session, only when a test
asks for it, and every server binds to 127.0.0.1."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

# Tests never talk to real AWS: drop any ambient credentials or profile before anything builds a client.
for _name in [n for n in os.environ if n.startswith("AWS_")]:
    del os.environ[_name]
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"


@pytest.fixture
def anyio_backend() -> str:
    """The async tests run on asyncio (the MCP SDK's and the server's event loop), not every backend installed."""
    return "asyncio"


@pytest.fixture(scope="session")
def local_stack() -> Iterator[object]:
    """The running local stack (``local_stack.stack.LocalStack``)."""
    from local_stack.stack import LocalStack

    with LocalStack() as stack:
        yield stack
