"""The runtime artifact (``-c runtime_artifact=code|image``), one Python version, and the hashed locks."""

from __future__ import annotations

import re
import shutil
import sys
import tomllib
from pathlib import Path

import pytest

from stacks.bundling import (
    LAMBDA_BUNDLE,
    LAMBDA_RUNTIME,
    PIP_PLATFORM,
    RUNTIME_BUNDLE,
    BundleSpec,
    pip_install_argv,
    python_version,
)
from stacks.constants import PYTHON_VERSION, REPO_ROOT, RUNTIME_ENTRY_FILE, RUNTIME_IMAGE_DIR
from stacks.runtime import CODE_ENTRYPOINT, CODE_OTEL_ENVIRONMENT, DEFAULT_RUNTIME_ARTIFACT, RuntimeArtifact
from tests.infra.synth import Synthesized
from tests.infra.template_queries import Json, joined, only, props, resources

pytestmark = pytest.mark.infra

LOCKS = {
    "development": REPO_ROOT / "requirements-dev.txt",
    "lambdas": LAMBDA_BUNDLE.lock,
    "runtime": RUNTIME_BUNDLE.lock,
}
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._\-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


def pins(path: Path) -> dict[str, str]:
    """``{normalized name: version}`` of every ``name==version`` line of a requirements file."""
    found = {}
    for line in path.read_text().splitlines():
        if match := _PIN.match(line):
            found[re.sub(r"[-_.]+", "-", match.group(1)).lower()] = match.group(2)
    return found


def runtime_artifact(template: Json) -> Json:
    _, rt = only(resources(template, "AWS::BedrockAgentCore::Runtime"))
    artifact: Json = props(rt)["AgentRuntimeArtifact"]
    return artifact


# -- the artifact choice ---------------------------------------------------------------------------


def test_default_artifact_is_the_docker_free_code_package(dev: Synthesized) -> None:
    # Given the default synthesis (no runtime_artifact context)
    assert dev.app.runtime_artifact is DEFAULT_RUNTIME_ARTIFACT is RuntimeArtifact.CODE
    artifact = runtime_artifact(dev.platform)

    # Then the Runtime runs Python 3.11 code from S3, entering at main.py, and there is no image at all
    assert set(artifact) == {"CodeConfiguration"}
    code = artifact["CodeConfiguration"]
    assert code["Runtime"] == f"PYTHON_{PYTHON_VERSION.replace('.', '_')}"
    assert code["EntryPoint"] == list(CODE_ENTRYPOINT) == [RUNTIME_ENTRY_FILE]
    assert (RUNTIME_IMAGE_DIR / RUNTIME_ENTRY_FILE).is_file()
    assert (
        "dockerImages" not in dev.platform_file("assets.json") or not dev.platform_file("assets.json")["dockerImages"]
    )
    # And the S3 object is the file asset built from runtime_image/ (bundling is off in tests)
    files = dev.platform_file("assets.json")["files"]
    key = code["Code"]["S3"]["Prefix"]
    asset_hash = key.removesuffix(".zip")
    assert Path(files[asset_hash]["source"]["path"]) == RUNTIME_IMAGE_DIR
    assert files[asset_hash]["source"]["packaging"] == "zip"
    assert joined(code["Code"]["S3"]["Bucket"]).startswith("cdk-")
    # And OpenTelemetry is configured as the image's ENV does
    _, rt = only(resources(dev.platform, "AWS::BedrockAgentCore::Runtime"))
    for name, value in CODE_OTEL_ENVIRONMENT.items():
        assert props(rt)["EnvironmentVariables"][name] == value


def test_image_artifact_is_an_arm64_image_of_runtime_image(dev_image: Synthesized) -> None:
    # Given the synthesis with -c runtime_artifact=image
    assert dev_image.app.runtime_artifact is RuntimeArtifact.IMAGE
    images = dev_image.platform_file("assets.json")["dockerImages"]

    # Then the one container image is built from runtime_image/ for linux/arm64
    (image_hash, image), *others = images.items()
    assert others == []
    assert image["source"]["platform"] == "linux/arm64"
    staged = dev_image.outdir / image["source"]["directory"]
    assert (staged / "Dockerfile").read_text() == (RUNTIME_IMAGE_DIR / "Dockerfile").read_text()
    # And the runtime runs exactly that image, and no code package
    artifact = runtime_artifact(dev_image.platform)
    assert set(artifact) == {"ContainerConfiguration"}
    assert joined(artifact["ContainerConfiguration"]["ContainerUri"]).endswith(f":{image_hash}")
    files = dev_image.platform_file("assets.json")["files"]
    assert all(Path(f["source"]["path"]) != RUNTIME_IMAGE_DIR for f in files.values())


@pytest.mark.parametrize(
    ("value", "expected"), [(None, "code"), ("code", "code"), ("IMAGE", "image"), (" image ", "image")]
)
def test_runtime_artifact_context_values(value: str | None, expected: str) -> None:
    assert RuntimeArtifact.parse(value).value == expected


def test_unknown_runtime_artifact_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match=r"code\|image"):
        RuntimeArtifact.parse("zip")


# -- one Python version ----------------------------------------------------------------------------


def test_one_python_version_everywhere() -> None:
    dockerfile = (RUNTIME_IMAGE_DIR / "Dockerfile").read_text()
    base_tag = re.search(r"^ARG PYTHON_IMAGE=\S+:(\d+\.\d+)\.\d+-\S+@sha256:[0-9a-f]{64}$", dockerfile, re.M)
    assert base_tag, "the base image is pinned by tag and digest"
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    makefile = (REPO_ROOT / "Makefile").read_text()
    assert python_version(LAMBDA_RUNTIME) == PYTHON_VERSION
    assert base_tag.group(1) == PYTHON_VERSION
    assert pyproject["project"]["requires-python"] == f"=={PYTHON_VERSION}.*"
    assert pyproject["tool"]["mypy"]["python_version"] == PYTHON_VERSION
    assert re.search(rf"^PYTHON_VERSION := {re.escape(PYTHON_VERSION)}$", makefile, re.M)
    assert f"{sys.version_info.major}.{sys.version_info.minor}" == PYTHON_VERSION


# -- locks -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("lock", sorted(LOCKS))
def test_every_locked_requirement_is_pinned_and_hashed(lock: str) -> None:
    text = LOCKS[lock].read_text()
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 1)[1] if text.startswith("#") else text)
    requirements = [e for e in entries if _PIN.match(e)]
    assert requirements
    for entry in requirements:
        assert "--hash=sha256:" in entry, entry.splitlines()[0]
    assert len(requirements) == len(pins(LOCKS[lock]))


@pytest.mark.parametrize("deployable", ["lambdas", "runtime"])
def test_deployables_lock_the_versions_the_tests_run(deployable: str) -> None:
    # Given a deployable's lock and the development lock the tests run on
    shipped = pins(LOCKS[deployable])
    developed = pins(LOCKS["development"])

    # Then every shipped package is locked at the same version for development
    assert {
        name: (version, developed.get(name)) for name, version in shipped.items() if developed.get(name) != version
    } == {}


@pytest.mark.parametrize(
    ("inputs", "lock"),
    [
        ("lambdas/requirements.in", "lambdas"),
        ("runtime_image/requirements.in", "runtime"),
        ("requirements-dev.in", "development"),
        ("requirements.in", "development"),
    ],
)
def test_locks_keep_the_pinned_direct_dependencies(inputs: str, lock: str) -> None:
    locked = pins(LOCKS[lock])
    for name, version in pins(REPO_ROOT / inputs).items():
        assert locked.get(name) == version, f"{inputs} pins {name}=={version}, the lock has {locked.get(name)}"


@pytest.mark.parametrize("spec", [LAMBDA_BUNDLE, RUNTIME_BUNDLE], ids=["lambdas", "runtime"])
def test_asset_hash_changes_when_a_locked_version_changes(spec: BundleSpec, tmp_path: Path) -> None:
    # Given a copy of a deployable's sources and lock
    root = tmp_path / "root"
    for package in spec.packages:
        shutil.copytree(spec.root / package, root / package, ignore=shutil.ignore_patterns("__pycache__"))
    for name in spec.files:
        shutil.copy2(spec.root / name, root / name)
    lock = root / spec.lock.name
    shutil.copy2(spec.lock, lock)
    copy = BundleSpec(root=root, packages=spec.packages, lock=lock, files=spec.files)
    before = copy.source_hash()
    assert before == spec.source_hash()

    # When one locked version changes (boto3 is in both locks)
    text = lock.read_text()
    assert re.search(r"^boto3==", text, re.M)
    lock.write_text(re.sub(r"^boto3==\S+", "boto3==0.0.1", text, count=1, flags=re.M))

    # Then the asset hash changes, and the entry point and packages count as sources too
    assert copy.source_hash() != before
    lock.write_text(text)
    assert copy.source_hash() == before
    if spec.files:
        (root / spec.files[0]).write_text("# changed\n")
        assert copy.source_hash() != before


def test_bundler_installs_only_locked_hashed_arm64_wheels(tmp_path: Path) -> None:
    argv = pip_install_argv(RUNTIME_BUNDLE.lock, tmp_path, wheelhouse=tmp_path / "none", offline=True)
    assert {"--require-hashes", "--no-deps", "--only-binary=:all:", "--no-index"} <= set(argv)
    assert argv[argv.index("--platform") + 1] == PIP_PLATFORM
    assert argv[argv.index("--python-version") + 1] == PYTHON_VERSION
    assert argv[argv.index("--requirement") + 1] == str(RUNTIME_BUNDLE.lock)
    assert "--find-links" not in argv  # no wheelhouse there


@pytest.mark.parametrize("installer", ["Makefile", "runtime_image/Dockerfile"])
def test_installs_use_the_hashed_locks(installer: str) -> None:
    text = (REPO_ROOT / installer).read_text()
    installs = [line for line in text.splitlines() if "pip install" in line]
    assert installs
    for line in installs:
        if line.rstrip().endswith("--editable ."):  # the repository's own CLI package: nothing downloaded
            assert "--no-deps" in line
            assert "--no-build-isolation" in line
            continue
        assert "--require-hashes" in line, line
