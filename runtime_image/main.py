"""Entry point of the runtime's code artifact: AgentCore Runtime runs ``main.py`` at the bundle root.

It starts the same server as the container image (``opentelemetry-instrument python -m
account_tools``): OpenTelemetry auto-instrumentation first (what ``opentelemetry-instrument`` does
through ``sitecustomize``; the ``OTEL_*`` variables come from the Runtime's environment), then
``account_tools.server.main`` on ``0.0.0.0:8000`` (``/mcp``, ``/ping``).
"""

from __future__ import annotations

from opentelemetry.instrumentation.auto_instrumentation import initialize


def run() -> None:
    """Instrument, then serve until stopped."""
    initialize()
    from account_tools.server import main  # instrumentation must come first

    main()


if __name__ == "__main__":
    run()
