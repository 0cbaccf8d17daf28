"""``make bench``: latency and memory figures of the local stack (printed, not asserted).

Measures, against the local stack over real HTTP: a vend through the Lambda Invoke
endpoint; a tool call with a cold credential cache (vend included) and warm (cached);
throughput of concurrent MCP clients across accounts; the MCP server's resident memory.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

import anyio
import httpx

from local_stack.stack import AKSK_ACCOUNT, HOST_ACCOUNT, ROLE_ACCOUNT, VENDOR_FUNCTION, LocalStack

WARM_CALLS = 50
CONCURRENT_CLIENTS = 20
CALLS_PER_CLIENT = 5


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return f"median {statistics.median(ordered) * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms   (n={len(ordered)})"


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def bench_vendor(stack: LocalStack) -> None:
    client = stack.lambda_client()
    for account in (ROLE_ACCOUNT, AKSK_ACCOUNT):
        samples = []
        for _ in range(20):
            started = time.perf_counter()
            payload = json.dumps({"account_id": account, "scope": "identity"}).encode()
            client.invoke(FunctionName=VENDOR_FUNCTION, Payload=payload)["Payload"].read()
            samples.append(time.perf_counter() - started)
        print(f"vend ({account})                        {_ms(samples)}")


async def bench_tools(stack: LocalStack) -> None:
    async with stack.mcp_client() as client:
        cold = []
        for account in (ROLE_ACCOUNT, AKSK_ACCOUNT, HOST_ACCOUNT):
            started = time.perf_counter()
            await client.call_tool("get_caller_identity", {"target_account_id": account})
            cold.append(time.perf_counter() - started)
        print(f"tool call, cold cache (vend included)    {_ms(cold)}")
        warm = []
        for i in range(WARM_CALLS):
            started = time.perf_counter()
            await client.call_tool("get_caller_identity", {"target_account_id": (ROLE_ACCOUNT, AKSK_ACCOUNT)[i % 2]})
            warm.append(time.perf_counter() - started)
        print(f"tool call, warm cache                    {_ms(warm)}")

    latencies: list[float] = []

    async def one_client(n: int) -> None:
        async with stack.mcp_client() as client:
            for i in range(CALLS_PER_CLIENT):
                started = time.perf_counter()
                await client.call_tool(
                    "get_caller_identity", {"target_account_id": (ROLE_ACCOUNT, AKSK_ACCOUNT)[(n + i) % 2]}
                )
                latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    async with anyio.create_task_group() as tg:
        for n in range(CONCURRENT_CLIENTS):
            tg.start_soon(one_client, n)
    elapsed = time.perf_counter() - started
    total = CONCURRENT_CLIENTS * CALLS_PER_CLIENT
    print(f"{CONCURRENT_CLIENTS} concurrent clients x {CALLS_PER_CLIENT} calls   {_ms(latencies)}")
    print(f"throughput                               {total / elapsed:7.1f} calls/s")


def main() -> int:
    """Start the local stack, print the figures, stop."""
    print("starting the local stack...", flush=True)
    with LocalStack() as stack:
        bench_vendor(stack)
        anyio.run(bench_tools, stack)
        health = httpx.get(stack.runtime_url.replace("/mcp", "/ping"), timeout=5).json()
        mcp_pid = stack.process_ids["mcp-server"]
        print(f"MCP server resident memory               {_rss_mib(mcp_pid):7.1f} MiB")
        print(f"credential cache                         {json.dumps(health['credential_cache'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
