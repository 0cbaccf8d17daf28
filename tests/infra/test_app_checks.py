"""Whole-app checks: cdk-nag, cfn-lint, configuration validation and Docker-free bundling."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from stacks.bundling import PIP_PLATFORM, PipLocalBundling, source_hash
from stacks.config import ConfigError, EnvironmentConfig
from stacks.constants import (
    ADMIN_HANDLER,
    INTERCEPTOR_HANDLER,
    LAMBDAS_DIR,
    MIGRATE_HANDLER,
    PYTHON_VERSION,
    VENDOR_HANDLER,
)
from stacks.nag import MIN_REASON_CHARS
from tests.infra.synth import Synthesized, project_context
from tests.infra.template_queries import props, resources

pytestmark = pytest.mark.infra

# What `make cfn-lint` runs (the cfn-lint console script), in this interpreter.
CFN_LINT = [sys.executable, "-c", "import sys; from cfnlint.runner import main; sys.exit(main())"]


def acknowledgements(outdir: Path) -> dict[str, str]:
    """Every acknowledged rule id (prefixed with its construct path) and its reason, across all stacks."""
    found: dict[str, str] = {}
    for metadata_file in outdir.rglob("*.metadata.json"):
        for path, entries in json.loads(metadata_file.read_text()).items():
            for entry in entries:
                if entry["type"] == "aws:cdk:acknowledged-rules":
                    found.update({f"{path} {rule}": reason for rule, reason in entry["data"].items()})
    return found


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_cdk_nag_reports_no_unacknowledged_finding(environment: str, request: pytest.FixtureRequest) -> None:
    # Given a synthesized environment (synthesis itself fails on any unacknowledged finding)
    synthesized: Synthesized = request.getfixturevalue(environment)

    # Then the validation report has no violation
    report = json.loads((synthesized.outdir / "validation-report.json").read_text())
    assert [v for plugin in report["pluginReports"] for v in plugin["violations"]] == []


def test_every_acknowledgement_names_one_finding_and_gives_a_reason(dev: Synthesized) -> None:
    nag = {key: reason for key, reason in acknowledgements(dev.outdir).items() if "AwsSolutions-" in key}
    assert nag, "expected reasoned cdk-nag acknowledgements"
    for key, reason in nag.items():
        rule = key.rsplit(" ", 1)[1]
        # A specific rule (and finding, for multi-finding rules), never a blanket one
        assert not rule.endswith("AwsSolutions-IAM5"), key
        assert not rule.endswith("AwsSolutions-IAM4"), key
        assert len(reason) >= MIN_REASON_CHARS, key


def test_customer_stack_is_checked_by_cdk_nag_too(dev: Synthesized) -> None:
    customer_acks = [key for key in acknowledgements(dev.outdir) if key.startswith("/CustomerOnboarding/")]
    assert any("AwsSolutions-IAM5" in key for key in customer_acks)


def test_synthesized_templates_pass_cfn_lint(dev: Synthesized) -> None:
    templates = sorted(str(p) for p in dev.outdir.rglob("*.template.json"))
    assert len(templates) == 2
    result = subprocess.run([*CFN_LINT, *templates], capture_output=True, text=True, check=False)
    # Exit code 0: no error, no warning, no informational finding.
    assert result.returncode == 0, result.stdout + result.stderr


def test_functions_share_one_code_asset_that_tests_never_bundle(dev: Synthesized) -> None:
    # Given the Lambda code assets built from lambdas/
    files = dev.platform_file("assets.json")["files"]
    code_assets = {h: a for h, a in files.items() if Path(a["source"]["path"]) == LAMBDAS_DIR}

    # Then there is exactly one, used by the three registry functions and the Gateway interceptor
    assert len(code_assets) == 1
    (code_hash,) = code_assets
    handlers = {
        props(fn)["Handler"]
        for fn in resources(dev.platform, "AWS::Lambda::Function").values()
        if props(fn)["Code"].get("S3Key") == f"{code_hash}.zip"
    }
    assert handlers == {VENDOR_HANDLER, ADMIN_HANDLER, MIGRATE_HANDLER, INTERCEPTOR_HANDLER}
    # And, bundling being off in tests, it points at the source tree: pip never ran


def test_bundle_hash_follows_sources(tmp_path: Path) -> None:
    # Given a tiny code root
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "handler.py").write_text("X = 1\n")
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("pg8000==1.31.6\n")
    first = source_hash(root=tmp_path, packages=["pkg"], requirements=requirements)

    # When only a bytecode cache appears, the hash holds; when a source changes, it moves
    (tmp_path / "pkg" / "__pycache__").mkdir()
    (tmp_path / "pkg" / "__pycache__" / "handler.cpython-311.pyc").write_bytes(b"\0")
    assert source_hash(root=tmp_path, packages=["pkg"], requirements=requirements) == first
    (tmp_path / "pkg" / "handler.py").write_text("X = 2\n")
    assert source_hash(root=tmp_path, packages=["pkg"], requirements=requirements) != first


def test_local_bundling_installs_arm64_wheels_then_copies_packages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a code root and a pip that records its arguments
    (tmp_path / "src" / "pkg").mkdir(parents=True)
    (tmp_path / "src" / "pkg" / "handler.py").write_text("X = 1\n")
    calls: list[list[str]] = []

    def fake_run(argv: list[str], **_: Any) -> subprocess.CompletedProcess[str]:
        calls.append(argv)
        return subprocess.CompletedProcess(argv, 0, "", "")

    monkeypatch.setattr(subprocess, "run", fake_run)
    bundler = PipLocalBundling(
        root=tmp_path / "src", packages=["pkg"], requirements=tmp_path / "req.txt", python=PYTHON_VERSION
    )

    # When it bundles
    assert bundler.try_bundle(str(tmp_path / "out")) is True

    # Then pip was asked for the locked, hash-checked binary ARM64 wheels for the Lambda's Python,
    # and the package was copied
    (argv,) = calls
    assert {"--require-hashes", "--no-deps"} <= set(argv)
    assert argv[argv.index("--platform") + 1] == PIP_PLATFORM
    assert argv[argv.index("--python-version") + 1] == PYTHON_VERSION
    assert "--only-binary=:all:" in argv
    assert (tmp_path / "out" / "pkg" / "handler.py").is_file()


def test_local_bundling_fails_loudly_when_pip_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        subprocess, "run", lambda argv, **_: subprocess.CompletedProcess(argv, 1, "", "No matching distribution")
    )
    bundler = PipLocalBundling(root=tmp_path, packages=[], requirements=tmp_path / "req.txt", python=PYTHON_VERSION)
    with pytest.raises(RuntimeError, match="No matching distribution"):
        bundler.try_bundle(str(tmp_path / "out"))


def test_cdk_json_environments_are_valid() -> None:
    environments = project_context()["environments"]
    assert {"dev", "prod"} <= set(environments)
    for name, values in environments.items():
        EnvironmentConfig.from_mapping(name, values)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"vpc_cidr": "10.0.0.0/8"}, "vpc_cidr"),
        ({"vpc_cidr": "not-a-cidr"}, "vpc_cidr"),
        ({"customer_role_name": "SomethingElse"}, "customer_role_name must match"),
        ({"customer_role_name_pattern": "*"}, "customer_role_name_pattern"),
        # There is no global default account any more: a call without an account uses the caller's grant.
        ({"default_target_account_id": "123456789012"}, "unknown settings"),
        ({"user_groups": ["FinOps Team"]}, "user group"),
        ({"oauth_callback_urls": ["http://example.com/callback"]}, "https"),
        ({"oauth_callback_urls": []}, "oauth_callback_urls"),
        ({"additional_agent_clients": ["reporting", "reporting"]}, "duplicates"),
        ({"session_duration_s": 7200}, "session_duration_s"),
        ({"log_retention_days": 10}, "log_retention_days"),
        ({"db_instance_type": "db.t4g.micro"}, "db_instance_type"),
        ({"colour": "blue"}, "unknown settings"),
    ],
)
def test_invalid_environment_settings_are_rejected(override: dict[str, Any], message: str) -> None:
    values = {**project_context()["environments"]["dev"], **override}
    with pytest.raises(ConfigError, match=message):
        EnvironmentConfig.from_mapping("dev", values)
