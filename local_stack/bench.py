"""``make bench``: figures of the credential path on the local stack (printed and written to ``bench.json``).

Not a test: nothing here is asserted. How each figure is measured:

- ``warm_overhead_ratio_p50/p99``: in one child process with the runtime's environment, the same tool
  (``get_caller_identity``) through an in-process MCP client, interleaved: the production server (warm
  credential cache, ``target_account_id``) vs the same server whose calls use one pre-built client and
  no vending; same fake AWS endpoint (the emulator).
- ``cache_off_vs_on_ratio_p50``: the same workload with ``CREDENTIAL_CACHE=off`` (a vend and a new
  client per call, as the first version did) vs on.
- ``vends_per_1000_calls``, ``sts_calls_*``, ``kms_calls_10_instances``, ``registry_reads_10_instances``:
  1,000 calls over 10 accounts, 20 in flight, against 1 and then 10 runtime processes (cold caches, each
  on its own port, driven directly with caller assertions as the Gateway interceptor signs them), each
  time with a fresh vendor process; counts come from the vendor's log lines (``upstream`` totals).
- ``revocation_seconds_max``: steady load on one account through 10 runtime processes; the account is
  disabled in the registry; the longest time until each process refuses a call.
- ``stalled_tenant_p99_ms`` / ``unstalled_p99_ms``: tenant B's cached calls (Globex's agent) on one
  runtime, while a proxy in front of the vendor holds tenant A's vends (Acme's agent, 45 calls for
  8 uncached accounts) for 20 s, and without the stall. B is measured once A's vends are held (one per
  account: A's concurrent misses of one key collapse into one vend; ``stalled_vends_held``), not while
  A's 45 sessions are still being opened: on a small machine that burst of client and server work
  saturates the CPUs for a few seconds whether or not A's vends stall, and this load generator runs
  B's client on the same loop.
- ``throughput_calls_per_s_1/_10/_50``: warm calls from 1, 10 and 50 concurrent clients on one runtime.
- ``tools_list_bytes``, ``vendor_import_ms`` (median of 3 cold imports), ``runtime_rss_mib``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from account_tools.settings import VEND_THREADS, VEND_WAIT_S
from local_stack.stack import (
    AKSK_ACCOUNT,
    CUSTOMER_ROLE_NAME,
    HOST_ACCOUNT,
    ORG_ACME,
    REPO_ROOT,
    VENDOR_FUNCTION,
    LocalStack,
    free_port,
)

TOOL = "get_caller_identity"
EXTRA_ACCOUNTS = [f"4444444444{i:02d}" for i in range(5)]  # with the five seeded working ones: 10 accounts
CALLS = 1000
IN_FLIGHT = 20
STALL_S = 20
OUTPUT = REPO_ROOT / "bench.json"


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def wait_http(url: str, what: str, timeout_s: float = 180) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{what} did not start")


class Assertions:
    """Caller assertions as the interceptor signs them, re-signed before their 300 s lifetime ends."""

    def __init__(self, stack: LocalStack) -> None:
        self._stack = stack
        self._signed: dict[tuple[str, str, str | None], tuple[float, str]] = {}

    def meta(self, principal: str, account: str | None, tool: str = TOOL) -> dict[str, Any]:
        key = (principal, tool, account)
        cached = self._signed.get(key)
        if cached is None or time.monotonic() - cached[0] > 200:
            cached = self._signed[key] = (time.monotonic(), self._stack.assertion(principal, tool, account))
        return {"account-tools/caller-assertion": cached[1]}


class Cluster:
    """A fresh vendor endpoint and ``n`` runtime processes pointed at it (or at ``vendor_url``)."""

    def __init__(self, stack: LocalStack, name: str, instances: int, *, vendor_url: str | None = None) -> None:
        self.stack, self.name = stack, name
        self.procs: list[subprocess.Popen[bytes]] = []
        self.vendor_port = free_port()
        self.vendor_log = stack.log_dir / f"bench-{name}-vendor.log"
        self._spawn(
            ["-m", "local_stack.lambda_endpoint", "--function", VENDOR_FUNCTION, "--port", str(self.vendor_port)],
            stack.vendor_env(),
            self.vendor_log,
        )
        self.vendor_url = f"http://127.0.0.1:{self.vendor_port}"
        self.ports = [free_port() for _ in range(instances)]
        env = stack.runtime_env() | {"AWS_ENDPOINT_URL_LAMBDA": vendor_url or self.vendor_url}
        for i, port in enumerate(self.ports):
            args = ["-m", "account_tools", "--host", "127.0.0.1", "--port", str(port), "--log-level", "WARNING"]
            self._spawn(args, env, stack.log_dir / f"bench-{name}-runtime-{i}.log")
        for port in self.ports:
            wait_http(f"http://127.0.0.1:{port}/ping", "runtime")

    def _spawn(self, args: list[str], env: dict[str, str], log: Path) -> None:
        out = log.open("ab")
        self.procs.append(
            subprocess.Popen([sys.executable, *args], env=env, stdout=out, stderr=subprocess.STDOUT, cwd=REPO_ROOT)
        )

    def url(self, i: int) -> str:
        return f"http://127.0.0.1:{self.ports[i]}/mcp"

    def vendor_counts(self) -> dict[str, int]:
        counts = {"requests": 0, "sts_calls": 0, "kms_calls": 0, "registry_reads": 0}
        for line in self.vendor_log.read_text().splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict) and "upstream" in entry:
                counts["requests"] += 1
                for name in ("sts_calls", "kms_calls", "registry_reads"):
                    counts[name] = max(counts[name], int(entry["upstream"].get(name, 0)))
        return counts

    def close(self) -> None:
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


async def call(client: Any, assertions: Assertions, principal: str, account: str) -> tuple[float, bool, str]:
    started = time.perf_counter()
    result = await client.call_tool(TOOL, {"target_account_id": account}, meta=assertions.meta(principal, account))
    error = (result.structured_content or {}).get("error_type", "") if result.is_error else ""
    return time.perf_counter() - started, bool(result.is_error), str(error)


def mcp(url: str) -> Any:
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    return Client(streamable_http_client(url))


async def run_load(urls: list[str], work: list[tuple[str, str]], assertions: Assertions, in_flight: int) -> list[float]:
    """Each (principal, account) once, spread over ``urls`` round robin, ``in_flight`` at a time."""
    latencies: list[float] = []
    queue: asyncio.Queue[tuple[int, tuple[str, str]]] = asyncio.Queue()
    for i, item in enumerate(work):
        queue.put_nowait((i, item))

    async def worker(w: int) -> None:
        async with mcp(urls[w % len(urls)]) as client:
            while not queue.empty():
                _, (principal, account) = queue.get_nowait()
                latencies.append((await call(client, assertions, principal, account))[0])

    await asyncio.gather(*(worker(w) for w in range(in_flight)))
    return latencies


# -- experiments ---------------------------------------------------------------------------------------------


def register_extra_accounts(stack: LocalStack) -> None:
    from account_admin.logic import AccountAdmin, RegisterAccount
    from account_registry.constants import ADMIN_DB_ROLE
    from account_registry.store import RegistryStore, connect

    conn = connect(stack.db_settings(ADMIN_DB_ROLE))
    try:
        store = RegistryStore(conn)
        org = next(o for o in store.list_organizations() if o.name == ORG_ACME)
        admin = AccountAdmin(
            store,
            kms_client=stack.client("kms", stack.account_admin_credentials(HOST_ACCOUNT)),
            key_arn=stack.kms_key_arn,
        )
        for account in EXTRA_ACCOUNTS:
            trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                     "Principal": {"AWS": f"arn:aws:iam::{HOST_ACCOUNT}:root"},
                     "Condition": {"StringEquals": {"sts:ExternalId": org.external_id}}}]}  # fmt: skip
            iam = stack.client("iam", stack.account_admin_credentials(account))
            role = iam.create_role(RoleName=CUSTOMER_ROLE_NAME, AssumeRolePolicyDocument=json.dumps(trust))["Role"]
            admin.register_account(
                RegisterAccount(
                    account_id=account,
                    org_id=str(org.id),
                    auth_type="iam_role",
                    alias=f"bench-{account[-2:]}",
                    role_arn=role["Arn"],
                )
            )
    finally:
        conn.close()


def set_enabled(stack: LocalStack, account: str, enabled: bool) -> None:
    from account_registry.constants import ADMIN_DB_ROLE
    from account_registry.store import RegistryStore, connect

    conn = connect(stack.db_settings(ADMIN_DB_ROLE))
    try:
        RegistryStore(conn).set_enabled(account, enabled=enabled)
    finally:
        conn.close()


def scale(stack: LocalStack, assertions: Assertions, accounts: list[str], instances: int) -> Cluster:
    """1,000 calls over ``accounts`` through ``instances`` fresh runtimes and a fresh vendor (left running)."""
    cluster = Cluster(stack, f"scale{instances}", instances)
    try:
        work = [("platform-agent", accounts[i % len(accounts)]) for i in range(CALLS)]
        asyncio.run(run_load([cluster.url(i) for i in range(instances)], work, assertions, IN_FLIGHT))
    except BaseException:
        cluster.close()
        raise
    return cluster


async def throughput(url: str, assertions: Assertions, accounts: list[str], clients: int, seconds: float) -> float:
    done = 0
    deadline = time.perf_counter() + seconds

    async def one(n: int) -> None:
        nonlocal done
        async with mcp(url) as client:
            i = n
            while time.perf_counter() < deadline:
                await call(client, assertions, "platform-agent", accounts[i % len(accounts)])
                done += 1
                i += 1

    started = time.perf_counter()
    await asyncio.gather(*(one(n) for n in range(clients)))
    return done / (time.perf_counter() - started)


async def revocation(urls: list[str], assertions: Assertions, account: str, disable: Callable[[], None]) -> float:
    refused_after: dict[int, float] = {}
    disabled_at: list[float] = []

    async def load(i: int) -> None:
        async with mcp(urls[i]) as client:
            while i not in refused_after:
                _, is_error, _ = await call(client, assertions, "platform-agent", account)
                if is_error and disabled_at:
                    refused_after[i] = time.monotonic() - disabled_at[0]
                elif disabled_at and time.monotonic() - disabled_at[0] > 180:
                    refused_after[i] = float("inf")
                await asyncio.sleep(0.2)

    async def trigger() -> None:
        await asyncio.sleep(2)
        await asyncio.to_thread(disable)
        disabled_at.append(time.monotonic())

    await asyncio.gather(trigger(), *(load(i) for i in range(len(urls))))
    return max(refused_after.values())


class StallingProxy:
    """A Lambda Invoke proxy that holds vends for ``accounts`` while ``stalling`` is set."""

    def __init__(self, target: str, accounts: set[str]) -> None:
        import uvicorn
        from starlette.applications import Starlette
        from starlette.requests import Request
        from starlette.responses import Response
        from starlette.routing import Route

        self.stalling = False
        self.held = 0  # vends being held right now
        self.port = free_port()

        async def invoke(request: Request) -> Response:
            body = await request.body()
            if self.stalling and json.loads(body or b"{}").get("account_id") in accounts:
                self.held += 1
                try:
                    await asyncio.sleep(STALL_S)
                finally:
                    self.held -= 1
            async with httpx.AsyncClient(timeout=60) as http:
                answer = await http.post(f"{target}{request.url.path}", content=body)
            keep = {k: v for k, v in answer.headers.items() if k.lower().startswith("x-amz")}
            return Response(answer.content, status_code=answer.status_code, headers=keep)

        app = Starlette(routes=[Route("/2015-03-31/functions/{name}/invocations", invoke, methods=["POST"])])
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        wait_http(f"http://127.0.0.1:{self.port}/", "proxy")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


async def stalled_tenant(
    url: str, assertions: Assertions, proxy: StallingProxy, a_accounts: list[str]
) -> tuple[float, float, int]:
    async with mcp(url) as client:
        await call(client, assertions, "globex-agent", AKSK_ACCOUNT)  # tenant B warm
        unstalled = [(await call(client, assertions, "globex-agent", AKSK_ACCOUNT))[0] for _ in range(200)]
        for account in a_accounts:  # signed now, so no signing happens while B is measured
            assertions.meta("acme-agent", account)
        proxy.stalling = True

        async def tenant_a(i: int) -> None:
            async with mcp(url) as a:
                await call(a, assertions, "acme-agent", a_accounts[i % len(a_accounts)])

        hung = [asyncio.create_task(tenant_a(i)) for i in range(45)]
        # A's vends are held in the proxy: one per account (A's calls of one account collapse into one vend)
        expected = min(len(hung), len(a_accounts), VEND_THREADS)
        deadline = time.monotonic() + VEND_WAIT_S / 2
        while proxy.held < expected and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await asyncio.sleep(1)  # A's other calls reach the runtime and wait for their account's vend
        held = proxy.held
        if held < expected:
            print(f"warning: {held} of tenant A's vends held, {expected} expected", flush=True)
        stalled = [(await call(client, assertions, "globex-agent", AKSK_ACCOUNT))[0] for _ in range(200)]
        still_stalled = not all(t.done() for t in hung)
        await asyncio.gather(*hung)
        proxy.stalling = False
    if not still_stalled:
        print("warning: tenant A's calls ended before tenant B's were measured", flush=True)
    return pct(stalled, 0.99) * 1000, pct(unstalled, 0.99) * 1000, held


def vendor_import_ms(stack: LocalStack) -> float:
    code = (
        "import time; t = time.perf_counter(); import credential_vendor.handler; print((time.perf_counter() - t) * 1e3)"
    )
    runs = [float(subprocess.run([sys.executable, "-c", code], env=stack.vendor_env(), capture_output=True, text=True,
                                 check=True, cwd=REPO_ROOT).stdout.strip()) for _ in range(3)]  # fmt: skip
    return statistics.median(runs)


# -- the in-process part (a child process with the runtime's environment) -------------------------------------


def in_process(spec: dict[str, Any]) -> dict[str, float]:
    """Warm overhead and cache off/on, measured inside one process against the emulator."""
    import dataclasses

    import anyio.to_thread
    import boto3
    from mcp import Client

    from account_tools.aws import AccountClients
    from account_tools.server import build_runtime, build_server
    from account_tools.settings import RuntimeSettings

    settings = RuntimeSettings.from_env()
    account = spec["account"]
    meta: Any = {"account-tools/caller-assertion": spec["assertion"]}
    creds = spec["credentials"]

    class PrebuiltClients(AccountClients):
        """One client built before the run, no credential cache, no vend."""

        def __init__(self, cache: Any) -> None:
            super().__init__(cache)
            self._prebuilt = boto3.client("sts", region_name="us-east-1", **creds)

        async def call(self, service: str, operation: str, **kwargs: Any) -> dict[str, Any]:
            for name in ("account_id", "scope", "region"):
                kwargs.pop(name, None)
            response: dict[str, Any] = await anyio.to_thread.run_sync(
                lambda: getattr(self._prebuilt, operation)(**kwargs)
            )
            response.pop("ResponseMetadata", None)
            return response

    rt = build_runtime(settings)
    servers = {
        "warm": build_server(rt),
        "prebuilt": build_server(dataclasses.replace(rt, clients=PrebuiltClients(rt.cache))),
        "cache_off": build_server(build_runtime(settings.model_copy(update={"credential_cache": False}))),
    }

    async def measure() -> dict[str, list[float]]:
        samples: dict[str, list[float]] = {name: [] for name in servers}
        async with (
            Client(servers["warm"]) as warm,
            Client(servers["prebuilt"]) as pre,
            Client(servers["cache_off"]) as off,
        ):
            clients = {"warm": warm, "prebuilt": pre, "cache_off": off}
            for client in clients.values():  # warm up: first vend, models loaded
                for _ in range(3):
                    await client.call_tool(TOOL, {"target_account_id": account}, meta=meta)
            for i in range(600):
                for name in ("warm", "prebuilt") if i % 2 else ("prebuilt", "warm"):
                    started = time.perf_counter()
                    result = await clients[name].call_tool(TOOL, {"target_account_id": account}, meta=meta)
                    samples[name].append(time.perf_counter() - started)
                    assert not result.is_error, result
                if i < 150:
                    started = time.perf_counter()
                    await off.call_tool(TOOL, {"target_account_id": account}, meta=meta)
                    samples["cache_off"].append(time.perf_counter() - started)
            tools = await warm.list_tools()
            # Compact, as the server writes it on the wire (the conformance test's 40 KB limit is on those bytes).
            dumped = [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in tools.tools]
            listed = len(json.dumps(dumped, separators=(",", ":")))
        samples["tools_list_bytes"] = [float(listed)]
        return samples

    samples = asyncio.run(measure())
    warm_on = samples["warm"][:150]
    return {
        "warm_overhead_ratio_p50": pct(samples["warm"], 0.5) / pct(samples["prebuilt"], 0.5),
        "warm_overhead_ratio_p99": pct(samples["warm"], 0.99) / pct(samples["prebuilt"], 0.99),
        "warm_p50_ms": pct(samples["warm"], 0.5) * 1000,
        "prebuilt_p50_ms": pct(samples["prebuilt"], 0.5) * 1000,
        "cache_off_vs_on_ratio_p50": pct(samples["cache_off"], 0.5) / pct(warm_on, 0.5),
        "tools_list_bytes": samples["tools_list_bytes"][0],
    }


def run_in_process(stack: LocalStack) -> dict[str, float]:
    account = "222222222222"
    creds = stack.account_admin_credentials(account)
    spec = {"account": account, "assertion": stack.assertion("platform-agent", TOOL, account), "credentials": creds}
    env = stack.runtime_env() | {"AWS_ENDPOINT_URL_LAMBDA": stack.lambda_url}
    out = subprocess.run([sys.executable, "-m", "local_stack.bench", "--in-process", json.dumps(spec)], env=env,
                         capture_output=True, text=True, cwd=REPO_ROOT, check=False)  # fmt: skip
    if out.returncode:
        raise RuntimeError(f"in-process benchmark failed:\n{out.stderr[-3000:]}")
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())  # fmt: skip
    return (
        f"{model}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}, Python {platform.python_version()}"
    )


def step(name: str, fn: Callable[[], Any]) -> Any:
    print(f"- {name}...", flush=True)
    started = time.perf_counter()
    value = fn()
    print(f"  done in {time.perf_counter() - started:.0f} s", flush=True)
    return value


def main(argv: list[str] | None = None) -> int:
    """Start the local stack, measure, print the table, write ``bench.json``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--in-process", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.in_process:
        print(json.dumps(in_process(json.loads(args.in_process))))
        return 0
    started = time.perf_counter()
    print("starting the local stack...", flush=True)
    results: dict[str, Any] = {}
    with LocalStack() as stack:
        step("registering 7 more accounts (10 in all)", lambda: register_extra_accounts(stack))
        assertions = Assertions(stack)
        accounts = [a.account_id for a in stack.accounts] + EXTRA_ACCOUNTS
        results |= step("warm overhead, cache off vs on (in process)", lambda: run_in_process(stack))
        single = step("1,000 calls, 1 runtime", lambda: scale(stack, assertions, accounts, 1))
        single.close()
        one = single.vendor_counts()
        cluster = step("1,000 calls, 10 runtimes", lambda: scale(stack, assertions, accounts, 10))
        ten = cluster.vendor_counts()
        results |= {
            "vends_per_1000_calls": one["requests"],
            "sts_calls_1_instance": one["sts_calls"],
            "sts_calls_10_instances": ten["sts_calls"],
            "kms_calls_10_instances": ten["kms_calls"],
            "registry_reads_10_instances": ten["registry_reads"],
            "vends_10_instances": ten["requests"],
        }
        try:  # the 10 runtimes, now warm
            urls = [cluster.url(i) for i in range(10)]
            for clients in (1, 10, 50):
                results[f"throughput_calls_per_s_{clients}"] = step(
                    f"throughput, {clients} clients",
                    lambda n=clients: asyncio.run(throughput(urls[0], assertions, accounts, n, 5)),  # type: ignore[misc]
                )
            results["runtime_rss_mib"] = rss_mib(cluster.procs[1].pid)
            target = EXTRA_ACCOUNTS[0]
            results["revocation_seconds_max"] = step(
                "revocation under steady load (10 runtimes)",
                lambda: asyncio.run(revocation(urls, assertions, target, lambda: set_enabled(stack, target, False))),
            )
            set_enabled(stack, target, True)
        finally:
            cluster.close()
        acme = [a for a in accounts if a not in (HOST_ACCOUNT, AKSK_ACCOUNT)]
        vendor_only = Cluster(stack, "stall-vendor", 0)
        proxy = StallingProxy(vendor_only.vendor_url, set(acme))
        stalled = Cluster(stack, "stall", 1, vendor_url=proxy.url)
        try:
            wait_http(f"{vendor_only.vendor_url}/", "vendor")
            stalled_p99, unstalled_p99, held = step(
                "tenant B while tenant A's vends stall 20 s",
                lambda: asyncio.run(stalled_tenant(stalled.url(0), assertions, proxy, acme)),
            )
        finally:
            stalled.close()
            proxy.close()
            vendor_only.close()
        results["stalled_tenant_p99_ms"], results["unstalled_p99_ms"] = stalled_p99, unstalled_p99
        results["stalled_vends_held"] = held
        results["vendor_import_ms"] = step("vendor import time", lambda: vendor_import_ms(stack))
    results = {k: round(v, 3) if isinstance(v, float) else v for k, v in results.items()}
    results["machine"] = machine()
    results["bench_seconds"] = round(time.perf_counter() - started)
    OUTPUT.write_text(json.dumps(results, indent=2) + "\n")
    print()
    for key, value in results.items():
        print(f"{key:32} {value}")
    print(f"\nwritten to {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
