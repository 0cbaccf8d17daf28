"""The container's contract without a Docker engine: the Dockerfile's shape, and its exact CMD
started as a process (with OpenTelemetry auto-instrumentation) answering /ping and MCP."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from local_stack.stack import REPO_ROOT, free_port

pytestmark = pytest.mark.e2e
DOCKERFILE = (REPO_ROOT / "runtime_image" / "Dockerfile").read_text()


def test_image_is_arm64_non_root_and_serves_port_8000():
    stages = re.findall(r"^FROM\s+(.+)$", DOCKERFILE, re.MULTILINE)
    assert len(stages) >= 2, "multi-stage build"
    assert all("--platform=linux/arm64" in stage for stage in stages)
    users = re.findall(r"^USER\s+(\S+)", DOCKERFILE, re.MULTILINE)
    assert users
    assert users[-1].split(":")[0] not in ("root", "0")
    assert re.search(r"^EXPOSE 8000$", DOCKERFILE, re.MULTILINE)
    assert "HEALTHCHECK" in DOCKERFILE
    assert "/ping" in DOCKERFILE


def test_the_image_cmd_starts_the_server_under_opentelemetry(tmp_path: Path):
    cmd = json.loads(re.search(r"^CMD (\[.+\])$", DOCKERFILE, re.MULTILINE).group(1))  # type: ignore[union-attr]
    assert cmd[0] == "opentelemetry-instrument"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env |= {
        "PYTHONPATH": str(REPO_ROOT / "runtime_image"),
        "OTEL_PYTHON_DISTRO": "aws_distro",
        "OTEL_PYTHON_CONFIGURATOR": "aws_configurator",
        "OTEL_TRACES_EXPORTER": "console",
        "OTEL_METRICS_EXPORTER": "none",
        "OTEL_LOGS_EXPORTER": "none",
        "AWS_REGION": "us-east-1",
        "VENDOR_FUNCTION_NAME": "credential-vendor",
        "ASSERTION_KEY_ID": "arn:aws:kms:us-east-1:111111111111:key/00000000-0000-4000-8000-000000000001",
    }
    binary = Path(sys.executable).parent / cmd[0]
    args = [str(binary), sys.executable, *cmd[2:], "--host", "127.0.0.1", "--port", str(port)]
    log = (tmp_path / "server.log").open("wb")
    proc = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, (tmp_path / "server.log").read_text()[-2000:]
            try:
                ping = httpx.get(f"http://127.0.0.1:{port}/ping", timeout=1)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
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
    finally:
        proc.terminate()
        proc.wait(timeout=10)
