#!/usr/bin/env python3
"""CDK entry point: builds the app (stacks + cdk-nag) and synthesizes it. Nothing else."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
# Infrastructure code imports the runtime code's stdlib-only constants and scope registry.
for path in (ROOT, ROOT / "lambdas", ROOT / "runtime_image"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import aws_cdk as cdk  # noqa: E402 - after the sys.path set-up above

from stacks.application import build  # noqa: E402

# The CLI reports validation (cdk-nag) failures itself, but only for the top-level stacks it
# lists; the customer onboarding stack lives in a nested stage. Failing in the app keeps every
# unacknowledged finding fatal, wherever it is.
FAIL_ON_VALIDATION_ERRORS = {"@aws-cdk/core:failSynthOnValidationErrors": True}

if __name__ == "__main__":
    app = cdk.App(post_cli_context=FAIL_ON_VALIDATION_ERRORS)
    build(app)
    app.synth()
