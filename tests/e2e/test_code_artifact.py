"""The runtime's code artifact, built on this machine without Docker, as AgentCore Runtime gets it.

The bundle is built by the same bundler ``cdk synth``/``cdk deploy`` use, offline from the
hash-checked wheelhouse of ``make wheels``. Its wheels must be linux/arm64 (this machine is x86_64,
so those cannot run here). The start test therefore builds the *twin* bundle for this machine from
the same lock, sources and entry file, and starts ``main.py`` the way the Runtime does: the bundle
directory as the only place besides the standard library that code is imported from.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from email.parser import Parser
from pathlib import Path

import httpx
import pytest

from local_stack.stack import free_port
from stacks.bundling import RUNTIME_BUNDLE, WHEELHOUSE_COMPLETE, PipLocalBundling
from stacks.constants import RUNTIME_ENTRY_FILE, WHEELHOUSE_DIR
from stacks.runtime import CODE_ENTRYPOINT, CODE_OTEL_ENVIRONMENT
from tests.infra.test_runtime_artifact import pins

pytestmark = pytest.mark.e2e

ELF_MACHINE_AARCH64 = 183
# Compiled dependencies of the runtime that must arrive as aarch64 wheels.
COMPILED = ("pydantic_core", "grpcio", "wrapt", "rpds_py", "protobuf")
START_TIMEOUT_S = 60
SPAN_EXPORT_WAIT_S = 15  # the batch span processor exports every 5 s


def _build(target: Path, *, arm64: bool) -> Path:
    if not (WHEELHOUSE_DIR / WHEELHOUSE_COMPLETE).is_file():
        pytest.fail(f"no wheelhouse at {WHEELHOUSE_DIR}: run `make wheels` (part of `make install`)")
    bundler = PipLocalBundling.of(RUNTIME_BUNDLE, offline=True, **({} if arm64 else {"platform": None}))
    assert bundler.try_bundle(str(target)) is True
    return target


@pytest.fixture(scope="module")
def arm64_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build(tmp_path_factory.mktemp("code-arm64"), arm64=True)


@pytest.fixture(scope="module")
def host_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build(tmp_path_factory.mktemp("code-host"), arm64=False)


def wheel_tags(bundle: Path) -> dict[str, tuple[bool, list[str]]]:
    """``{distribution: (pure, tags)}`` from every ``*.dist-info/WHEEL`` of a bundle."""
    found = {}
    for wheel in bundle.glob("*.dist-info/WHEEL"):
        meta = Parser().parsestr(wheel.read_text())
        name = wheel.parent.name.split("-")[0].lower()
        found[name] = (meta["Root-Is-Purelib"].strip() == "true", meta.get_all("Tag") or [])
    return found


def runs_on_cpython_311_aarch64(tag: str) -> bool:
    """Whether a wheel tag (``cp311-cp311-manylinux2014_aarch64``, ``cp39-abi3-...``) fits the Runtime."""
    interpreter, abi, platform_tag = tag.split("-")
    version = int(interpreter.removeprefix("cp") or 0) if interpreter.startswith("cp") else 0
    cpython_311 = (interpreter, abi) == ("cp311", "cp311") or (abi == "abi3" and 30 <= version <= 311)
    return cpython_311 and platform_tag.endswith("aarch64")


def test_code_artifact_holds_the_locked_arm64_wheels(arm64_bundle: Path) -> None:
    # Given the bundle as deployed: the entry file and the server package at its root
    assert (arm64_bundle / RUNTIME_ENTRY_FILE).is_file()
    assert CODE_ENTRYPOINT == (RUNTIME_ENTRY_FILE,)
    assert (arm64_bundle / "account_tools" / "server.py").is_file()
    assert not list((arm64_bundle / "account_tools").rglob("*.pyc"))  # sources only, no local bytecode

    # Then it holds exactly the locked distributions, at the locked versions
    installed = {}
    for metadata in arm64_bundle.glob("*.dist-info/METADATA"):
        meta = Parser().parsestr(metadata.read_text(encoding="utf-8"), headersonly=True)
        installed[meta["Name"].lower().replace("_", "-").replace(".", "-")] = meta["Version"]
    assert installed == pins(RUNTIME_BUNDLE.lock)

    # And every compiled distribution is a CPython 3.11 linux/aarch64 wheel
    tags = wheel_tags(arm64_bundle)
    for name in COMPILED:
        pure, dist_tags = tags[name]
        assert not pure, name
        assert dist_tags, name
        assert all(runs_on_cpython_311_aarch64(t) for t in dist_tags), (name, dist_tags)
    for name, (pure, dist_tags) in tags.items():
        assert pure or all("aarch64" in t for t in dist_tags), (name, dist_tags)
    # And every native library in it is an AArch64 ELF object (none for this x86_64 machine)
    libraries = list(arm64_bundle.rglob("*.so")) + list(arm64_bundle.rglob("*.so.*"))
    assert libraries
    for library in libraries:
        header = library.read_bytes()[:20]
        assert header[:4] == b"\x7fELF", library
        assert int.from_bytes(header[18:20], "little") == ELF_MACHINE_AARCH64, library


def test_code_artifact_entry_point_serves_ping_and_mcp(host_bundle: Path, tmp_path: Path) -> None:
    # Given this machine's twin of the bundle (same lock, sources and entry file; x86_64 wheels)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTHON", "OTEL_"))}
    env |= CODE_OTEL_ENVIRONMENT | {
        "OTEL_TRACES_EXPORTER": "console",
        "OTEL_METRICS_EXPORTER": "none",
        "OTEL_LOGS_EXPORTER": "none",
        "AWS_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "VENDOR_FUNCTION_NAME": "credential-vendor",
        "ASSERTION_KEY_ID": "arn:aws:kms:us-east-1:111111111111:key/00000000-0000-4000-8000-000000000001",
    }
    # When it starts as the Runtime starts it: `python main.py` in the bundle directory; -S -s -E keep
    # this virtualenv's site-packages and PYTHONPATH out, so only the standard library and the bundle count
    args = [sys.executable, "-S", "-s", "-E", *CODE_ENTRYPOINT, "--host", "127.0.0.1", "--port", str(port)]
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=host_bundle)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            assert proc.poll() is None, log_path.read_text()[-3000:]
            try:
                ping = httpx.get(f"http://127.0.0.1:{port}/ping", timeout=1)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)

        # Then /ping and MCP initialize answer
        assert ping.json()["status"] == "Healthy"
        initialize = httpx.post(
            f"http://127.0.0.1:{port}/mcp",
            json={
                "jsonrpc": "2.0",
                "id": 1,
                "method": "initialize",
                "params": {
                    "protocolVersion": "2025-06-18",
                    "capabilities": {},
                    "clientInfo": {"name": "probe", "version": "1"},
                },
            },
            headers={"Accept": "application/json, text/event-stream"},
            timeout=5,
        )
        assert initialize.status_code == 200
        assert initialize.json()["result"]["serverInfo"]["name"] == "aws-account-tools"
        # And main.py instrumented the server as opentelemetry-instrument does (spans on the console exporter)
        while '"trace_id"' not in log_path.read_text():
            assert time.monotonic() < deadline + SPAN_EXPORT_WAIT_S, "no span exported: main.py did not instrument"
            time.sleep(0.5)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
