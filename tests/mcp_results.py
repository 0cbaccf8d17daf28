"""Reading MCP tool results in tests, and what a many-accounts answer's failing entries must say."""

from __future__ import annotations

import json
from typing import Any


def body(result: Any) -> dict[str, Any]:
    """A tool result's JSON body: its structured content, else its first text block."""
    payload: dict[str, Any] = result.structured_content or json.loads(result.content[0].text)
    return payload


def assert_failed_in_own_entries(entries: dict[str, Any], *, ungranted: str, broken: str) -> None:
    """A many-accounts answer's ``ungranted`` entry is refused and its ``broken`` one (registered key deleted)
    fails, each in its own entry and naming no credential.

    After three failed vends in a row the runtime pauses that account's vends: the broken entry is then
    ``throttled``, with the reason.
    """
    assert entries[ungranted]["error_type"] == "unauthorized", entries[ungranted]
    assert set(entries[ungranted]) <= {"error_type", "message", "request_id"}, entries[ungranted]
    failed = entries[broken]
    assert failed["error_type"] in {"credential_error", "throttled"}, failed
    assert "act in a different account" in failed["message"], failed
    assert set(failed) <= {"error_type", "message", "request_id", "retry_after_s"}, failed
