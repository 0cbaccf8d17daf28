"""The vendor's module import stays light (``make bench``: ``vendor_import_ms``); tracing still wraps the handler."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from credential_vendor import observability

REPO = Path(__file__).resolve().parents[2]
# Imported by the first request (handler._build_vendor, Tracer creation), never by the module import.
DEFERRED = ("boto3", "aws_xray_sdk", "pg8000", "jwt", "credential_vendor.logic")


def test_handler_import_defers_heavy_modules() -> None:
    code = f"import sys, credential_vendor.handler; print([m for m in {DEFERRED!r} if m in sys.modules])"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_"))}
    env["PYTHONPATH"] = os.pathsep.join(str(REPO / p) for p in ("lambdas", "runtime_image", "."))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=REPO)
    assert out.stdout.strip() == "[]"


def test_capture_lambda_handler_builds_the_tracer_once_and_passes_results_and_errors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built: list[Any] = []

    class Tracer:
        def capture_lambda_handler(self, fn: Any, capture_response: bool) -> Any:
            built.append(capture_response)

            def traced(event: Any, context: Any) -> Any:
                return ("traced", fn(event, context))

            return traced

    monkeypatch.setattr(observability, "tracer", lambda: Tracer())

    @observability.capture_lambda_handler
    def handler(event: Any, context: Any) -> Any:
        if event == "boom":
            raise ValueError("boom")
        return event

    assert built == []  # nothing built at decoration time
    assert handler(1, None) == ("traced", 1)
    assert handler(2, None) == ("traced", 2)
    with pytest.raises(ValueError, match="boom"):
        handler("boom", None)
    assert built == [False]  # once, and never capturing the response
    assert handler.__name__ == "handler"
