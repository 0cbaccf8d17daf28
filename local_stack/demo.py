"""``make demo``: the local stack plus scripted agent sessions with a real MCP client.

Starts PostgreSQL, the AWS emulator (seeded accounts 111111111111 "Platform team",
222222222222 ``iam_role`` "Acme Corp", 333333333333 ``aksk`` "Globex"), the vendor, admin and
Gateway-interceptor functions behind local Lambda Invoke endpoints, a local OAuth2 issuer, the MCP
server, and a Gateway on http://127.0.0.1:8000/mcp that wants a bearer token. Prints the demo
callers' credentials and how to get a token; then Acme's agent shows that it sees and reaches only
Acme's account, and the platform team's agent calls every tool group for both customer accounts and
investigates a cost jump (anomaly, drivers, Savings Plans recommendation, all accounts at once).
Keeps serving until Ctrl-C, or exits after the sessions with ``--once`` (exit status 1 if any
caller or account saw what it must not).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
from mcp import Client

from account_tools.constants import SERVER_PORT
from local_stack.demo_data import demo_event_data_store_id
from local_stack.stack import (
    AKSK_ACCOUNT,
    INVOKE_SCOPE,
    ORDERS_LOG_GROUP,
    PRINCIPALS,
    ROLE_ACCOUNT,
    USERS_CLIENT,
    LocalStack,
    SeededAccount,
)

LOG_QUERY = "fields @timestamp, @message | sort @timestamp desc | limit 5"
LAKE_QUERY = "SELECT eventName, userIdentity.userName, eventTime FROM {store} WHERE readOnly = false LIMIT 5"


def _show(title: str, result: Any) -> dict[str, Any]:
    body: dict[str, Any] = result.structured_content or json.loads(result.content[0].text)
    flag = "ERROR " if result.is_error else ""
    print(f"\n--- {title} -> {flag}")
    print(json.dumps(body, indent=2, default=str)[:2000])
    return body


# Answers that name no account by design (log-group names, metric names, tag keys): checked for others' data only.
_ANSWERS_NAME_NO_ACCOUNT = {"list_log_groups", "get_metrics", "get_dimension_values"}


def _own_data_only(tool: str, body: dict[str, Any], me: SeededAccount, others: list[SeededAccount]) -> list[str]:
    """Isolation problems of one answer: it must name its own account's alias and no other account."""
    text = json.dumps(body)
    named = me.alias in text or me.account_id in text or tool in _ANSWERS_NAME_NO_ACCOUNT
    problems = [] if named else [f"{tool} for {me.account_id} lacks its own data ({me.alias})"]
    problems.extend(
        f"{tool} for {me.account_id} contains {o.account_id}'s data"
        for o in others
        if o.account_id in text or o.alias in text
    )
    return problems


def _last_full_month() -> tuple[str, str]:
    first_of_this_month = datetime.now(UTC).date().replace(day=1)
    return (first_of_this_month - timedelta(days=1)).replace(day=1).isoformat(), first_of_this_month.isoformat()


async def _new_tool_groups(client: Client, me: SeededAccount, others: list[SeededAccount]) -> list[str]:
    """One call per Cost Explorer / commitments / budgets / optimization / CloudTrail / Lake / CloudWatch tool group."""
    account_id = me.account_id
    start, end = _last_full_month()
    problems: list[str] = []
    calls: list[tuple[str, dict[str, Any]]] = [
        (
            "get_cost_and_usage",
            {
                "start_date": start,
                "end_date": end,
                "group_by": '[{"Type": "DIMENSION", "Key": "LINKED_ACCOUNT"}, {"Type": "DIMENSION", "Key": "SERVICE"}]',
            },
        ),
        (
            "get_commitments",
            {
                "kind": "reservation_utilization",
                "start_date": start,
                "end_date": end,
                "group_by": '["SUBSCRIPTION_ID"]',
            },
        ),
        ("get_budgets", {}),
        ("get_cost_forecast", {}),
        ("get_recommendations", {"kind": "rightsizing", "service": "AmazonEC2"}),
        ("lookup_events", {"attribute_key": "EventName", "attribute_value": "ConsoleLogin", "max_results": "5"}),
        ("list_event_data_stores", {}),
        ("lake_query", {"query_statement": LAKE_QUERY.format(store=demo_event_data_store_id(account_id))}),
        ("get_alarms", {}),
        ("get_metrics", {"kind": "list", "max_results": 5}),
        ("list_log_groups", {}),
        ("get_recommendations", {"kind": "compute_optimizer"}),
        ("get_recommendations", {"kind": "cost_optimization_hub", "max_results": 3}),
        ("get_commitments", {"kind": "savings_plans_inventory"}),
        ("get_dimension_values", {"kind": "tags"}),
    ]
    for tool, arguments in calls:
        arguments = {**arguments, "target_account_id": account_id}
        shown = ", ".join(f"{k}={v}" for k, v in arguments.items())
        body = _show(f"{tool}({shown})", await client.call_tool(tool, arguments))
        if "error_type" in body:
            problems.append(f"{tool} for {account_id} failed: {body['message']}")
            continue
        problems.extend(_own_data_only(tool, body, me, others))
    return problems


async def _log_group_allowlists(client: Client) -> list[str]:
    """The same log group, in both customer accounts: only Acme allowlists it (account-tools-admin log-groups)."""
    print(f"\n=== {ORDERS_LOG_GROUP}: in both customer accounts, allowlisted by Acme only ===")
    problems = []
    for account_id, expected in ((ROLE_ACCOUNT, "allowed"), (AKSK_ACCOUNT, "refused")):
        result = await client.call_tool(
            "logs_insights_query",
            {"query_string": LOG_QUERY, "log_group_names": [ORDERS_LOG_GROUP], "target_account_id": account_id},
        )
        _show(f"logs_insights_query(log_group_names=[{ORDERS_LOG_GROUP}], target_account_id={account_id})", result)
        if result.is_error != (expected == "refused"):
            problems.append(f"{ORDERS_LOG_GROUP} should be {expected} in {account_id}")
    return problems


def print_callers(stack: LocalStack) -> None:
    """The demo's callers, their secrets (local, per start) and how to get a token."""
    print("\n=== callers of the local Gateway (secrets change on every start) ===")
    for name, principal in PRINCIPALS.items():
        orgs = ", ".join(principal.orgs)
        if principal.kind == "agent":
            print(f"  agent {name:<15} client_id={name}  client_secret={stack.client_secrets[name]}  -> {orgs}")
        else:
            print(f"  user  {name:<15} password={stack.user_passwords[name]}  group={principal.group}  -> {orgs}")
    print(f"\n  token endpoint: {stack.token_endpoint} (client credentials, as Cognito's /oauth2/token):")
    print(
        f"    curl -s -u acme-agent:{stack.client_secrets['acme-agent']} -d grant_type=client_credentials "
        f"-d scope={INVOKE_SCOPE} {stack.token_endpoint}"
    )
    print(f"  a user's token (stands in for the hosted UI sign-in of client {USERS_CLIENT}):")
    print(f"    curl -s -d username=alice -d password={stack.user_passwords['alice']} {stack.issuer}/local/user-token")
    print(f"  then call {stack.mcp_url} with Authorization: Bearer <access_token>")


async def tenant_session(stack: LocalStack) -> list[str]:
    """Acme's agent lists and queries only Acme's account and is refused Globex's; returns the problems."""
    problems: list[str] = []
    print("\n=== acme-agent (granted the Acme Corp organization) ===")
    async with stack.mcp_client("acme-agent") as client:
        listed = _show("list_accounts()", await client.call_tool("list_accounts", {}))
        ids = [a["account_id"] for a in listed.get("accounts", [])]
        if ids != [ROLE_ACCOUNT]:
            problems.append(f"acme-agent lists {ids}, expected only {ROLE_ACCOUNT}")
        own = _show(
            "get_cost_and_usage()  # one granted account: target_account_id may be omitted",
            await client.call_tool("get_cost_and_usage", {}),
        )
        if own.get("target_account_id") != ROLE_ACCOUNT:
            problems.append("acme-agent's call without target_account_id did not act in Acme's account")
        refused = _show(
            f"get_cost_and_usage(target_account_id={AKSK_ACCOUNT})  # Globex's account",
            await client.call_tool("get_cost_and_usage", {"target_account_id": AKSK_ACCOUNT}),
        )
        if refused.get("error_type") != "unauthorized":
            problems.append("acme-agent was not refused Globex's account")
    print("\n=== alice (a human user in group acme-finops) ===")
    async with stack.mcp_client("alice") as client:
        who = _show(
            f"get_caller_identity(target_account_id={ROLE_ACCOUNT})  # CloudTrail shows user-alice",
            await client.call_tool("get_caller_identity", {"target_account_id": ROLE_ACCOUNT}),
        )
        if not str(who.get("arn", "")).endswith("/user-alice"):
            problems.append("alice's session is not named after her")
    return problems


def _month(months_back: int) -> str:
    """``YYYY-MM`` of the month ``months_back`` before the current one."""
    today = datetime.now(UTC).date()
    index = today.year * 12 + today.month - 1 - months_back
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


async def cost_investigation_session(client: Client, stack: LocalStack) -> list[str]:
    """ "Why did our bill jump, and what should we buy?": an anomaly in Acme's account, its cost drivers
    between the last two months, a matching Savings Plans recommendation, then the same month comparison
    across every demo account at once (plus one not granted). Returns the problems found."""
    problems: list[str] = []
    baseline, compared = _month(2), _month(1)
    print("\n=== platform-agent investigates a cost jump ===")
    anomalies = _show(
        f"get_anomalies(start_date={baseline}-01, min_impact=100, target_account_id={ROLE_ACCOUNT})",
        await client.call_tool(
            "get_anomalies", {"start_date": f"{baseline}-01", "min_impact": 100, "target_account_id": ROLE_ACCOUNT}
        ),
    )
    found = anomalies.get("anomalies") or []
    if not found:
        return [f"get_anomalies found no anomaly in {ROLE_ACCOUNT}"]
    cause = found[0]["root_causes"][0]
    print(f"\n>>> {cause['service']} in {cause['region']} cost ${found[0]['total_impact']:.2f} more than expected")
    drivers = _show(
        f"compare_costs({baseline} -> {compared}, kind=drivers)",
        await client.call_tool(
            "compare_costs",
            {"baseline_month": baseline, "comparison_month": compared, "kind": "drivers", "max_results": 3,
             "target_account_id": ROLE_ACCOUNT},
        ),
    )  # fmt: skip
    top = (drivers.get("rows") or [{}])[0]
    if (top.get("drivers") or [{}])[0].get("name") != cause["usage_type"]:
        problems.append("the biggest cost driver is not the anomaly's usage type")
    recommended = _show(
        "get_recommendations(savings_plans_type=COMPUTE_SP)",
        await client.call_tool("get_recommendations", {"target_account_id": ROLE_ACCOUNT}),
    )
    plan = (recommended.get("recommendations") or [{}])[0]
    print(
        f"\n>>> buy a Compute Savings Plan of ${plan.get('hourly_commitment_to_purchase')}/hour for "
        f"{plan.get('instance_family')} in {plan.get('region')}: "
        f"saves ${plan.get('estimated_monthly_savings_amount')}/month"
    )
    broken = [a.account_id for a in stack.broken_accounts]
    asked = [a.account_id for a in stack.accounts] + broken + ["444444444444"]
    everyone = _show(
        f"compare_costs({baseline} -> {compared}, target_account_ids={asked})"
        f"  # {', '.join(broken)}: its key was deleted; 444...: not granted",
        await client.call_tool(
            "compare_costs", {"baseline_month": baseline, "comparison_month": compared, "target_account_ids": asked}
        ),
    )
    entries = everyone.get("accounts") or {}
    for account in stack.accounts:
        entry = entries.get(account.account_id) or {}
        total = (entry.get("totals") or {}).get("UnblendedCost") or {}
        print(f">>> {account.account_id} ({account.alias}): {total.get('baseline')} -> {total.get('comparison')} USD")
        if "error_type" in entry or not total:
            problems.append(f"the many-accounts comparison has no answer for {account.account_id}")
    for account_id in broken:
        entry = entries.get(account_id) or {}
        print(f">>> {account_id}: {entry.get('error_type')}: {entry.get('message')}")
        if "error_type" not in entry:
            problems.append(f"the many-accounts comparison did not report {account_id}'s failure")
    if (entries.get("444444444444") or {}).get("error_type") != "unauthorized":
        problems.append("the many-accounts comparison did not refuse an account not granted")
    return problems


async def agent_session(stack: LocalStack) -> list[str]:
    """The platform team's agent calls every tool for two customer accounts; returns the isolation problems."""
    problems: list[str] = await tenant_session(stack)
    customers: dict[str, SeededAccount] = {a.account_id: a for a in stack.accounts}
    print("\n=== platform-agent (granted every organization) ===")
    async with stack.mcp_client("platform-agent") as client:
        tools = await client.list_tools()
        print(f"MCP server at {stack.mcp_url} offers: {', '.join(t.name for t in tools.tools)}")
        _show("list_accounts()", await client.call_tool("list_accounts", {}))
        for account_id in (ROLE_ACCOUNT, AKSK_ACCOUNT):
            me, others = customers[account_id], [a for a in customers.values() if a.account_id != account_id]
            print(f"\n=== account {account_id} ({me.alias}, {me.auth_type}) ===")
            identity = _show(
                f"get_caller_identity(target_account_id={account_id})",
                await client.call_tool("get_caller_identity", {"target_account_id": account_id}),
            )
            if identity.get("account_id") != account_id:
                problems.append(f"get_caller_identity for {account_id} answered from {identity.get('account_id')}")
            logs = _show(
                f"logs_insights_query(target_account_id={account_id})",
                await client.call_tool(
                    "logs_insights_query",
                    {"query_string": LOG_QUERY, "max_results": "5", "target_account_id": account_id},
                ),
            )
            text = json.dumps(logs)
            if me.marker not in text:
                problems.append(f"logs for {account_id} lack its own data")
            problems.extend(f"logs for {account_id} contain {o.account_id}'s data" for o in others if o.marker in text)
            problems.extend(await _new_tool_groups(client, me, others))
        problems.extend(await _log_group_allowlists(client))
        problems.extend(await cost_investigation_session(client, stack))
        print("\n=== what an agent sees when it gets things wrong ===")
        _show(
            "get_caller_identity(target_account_id=444444444444)  # not registered: unauthorized, like not granted",
            await client.call_tool("get_caller_identity", {"target_account_id": "444444444444"}),
        )
        _show(
            'get_caller_identity(target_account_id="12ab")  # not an account id',
            await client.call_tool("get_caller_identity", {"target_account_id": "12ab"}),
        )
        _show(
            "lake_query(FROM another account's event data store)  # refused before StartQuery",
            await client.call_tool(
                "lake_query",
                {
                    "query_statement": LAKE_QUERY.format(store=demo_event_data_store_id(AKSK_ACCOUNT)),
                    "target_account_id": ROLE_ACCOUNT,
                },
            ),
        )
        _show(
            'get_cost_and_usage(start_date="2026-02-30")  # not a date: refused before any AWS call',
            await client.call_tool(
                "get_cost_and_usage", {"start_date": "2026-02-30", "target_account_id": ROLE_ACCOUNT}
            ),
        )
        _show(
            "logs_insights_query(query_string='SOURCE ...')  # outside the log-group allowlist",
            await client.call_tool(
                "logs_insights_query",
                {"query_string": "SOURCE '/aws/lambda/secrets' | fields @message", "target_account_id": ROLE_ACCOUNT},
            ),
        )
    return problems


def main(argv: list[str] | None = None) -> int:
    """Run the demo; returns the process exit status."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--once", action="store_true", help="exit after the scripted session")
    parser.add_argument(
        "--port", type=int, default=SERVER_PORT, help="the Gateway's port (default 8000; the token endpoint is port+1)"
    )
    args = parser.parse_args(argv)

    print("starting the local stack (PostgreSQL, AWS emulator, functions, OAuth issuer, MCP server, Gateway)...")
    # Fixed ports for what people type by hand: the Gateway and, next to it, the token endpoint.
    with LocalStack(mcp_port=args.port, oauth_port=args.port + 1) as stack:
        print(f"component logs: {stack.log_dir}", flush=True)
        print_callers(stack)
        problems = anyio.run(agent_session, stack)
        print()
        if problems:
            print("ACCOUNT ISOLATION PROBLEMS:\n  " + "\n  ".join(problems))
            return 1
        print("every caller reached only its granted accounts, and every account answered with its own data only.")
        if args.once:
            return 0
        print(f"\nGateway listening on {stack.mcp_url} (bearer token required); press Ctrl-C to stop.", flush=True)
        print_callers(stack)
        stop = threading.Event()
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
