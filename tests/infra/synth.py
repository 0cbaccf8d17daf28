"""Synthesizes the CDK app the way the CLI would, without the CLI.

Bundling is switched off (``aws:cdk:bundling-stacks: []``): the tests never run pip or Docker.
Synthesis runs the cdk-nag AwsSolutions checks, so an unacknowledged finding fails it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk

from stacks.application import Application, build
from stacks.constants import REPO_ROOT


@dataclass(frozen=True)
class Synthesized:
    """One synthesized environment: the app's stacks, their templates and the assembly directory."""

    app: Application
    outdir: Path
    platform: dict[str, Any]
    customer: dict[str, Any]

    def platform_file(self, suffix: str) -> dict[str, Any]:
        """A JSON file of the platform stack's artifact (``assets.json``, ``metadata.json``...)."""
        content: dict[str, Any] = json.loads((self.outdir / f"{self.app.platform.artifact_id}.{suffix}").read_text())
        return content


def project_context() -> dict[str, Any]:
    """The ``context`` of cdk.json (what the CLI would pass), without running the CLI."""
    context: dict[str, Any] = json.loads((REPO_ROOT / "cdk.json").read_text())["context"]
    return context


def synthesize(outdir: Path, **context: Any) -> Synthesized:
    """Build and synthesize the app with the project context plus ``context`` overrides."""
    app = cdk.App(outdir=str(outdir), context={**project_context(), "aws:cdk:bundling-stacks": [], **context})
    application = build(app)
    assembly = app.synth()
    customer_dir = Path(assembly.directory) / f"assembly-{application.customer.node.id}"
    return Synthesized(
        app=application,
        outdir=Path(assembly.directory),
        platform=json.loads((Path(assembly.directory) / application.platform.template_file).read_text()),
        customer=json.loads((customer_dir / application.customer.stack.template_file).read_text()),
    )
