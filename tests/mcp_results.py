"""Reading MCP tool results in tests."""

from __future__ import annotations

import json
from typing import Any


def body(result: Any) -> dict[str, Any]:
    """A tool result's JSON body: its structured content, else its first text block."""
    payload: dict[str, Any] = result.structured_content or json.loads(result.content[0].text)
    return payload
