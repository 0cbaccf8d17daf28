"""``python -m smoke``: the post-deploy smoke test's command line."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from typing import Any

from smoke.runtime_tools import AgentCoreRuntimeTools, HttpRuntimeTools, RuntimeTools
from smoke.steps import SmokeReport, SmokeTarget, StepResult, run_smoke
from smoke.tokens import ClientCredentials, NoToken, StaticToken, TokenSource, cognito_client_secret

ENV_CLIENT_SECRET = "SMOKE_CLIENT_SECRET"  # noqa: S105 - the variable's name, not a secret
STACK_OUTPUTS = ("GatewayUrl", "TokenEndpoint", "ClientId", "UserPoolId", "OAuthScope", "RuntimeArn")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m smoke",
        description="Prove a deployment answers agents: token, tools through the Gateway, two tool calls.",
    )
    p.add_argument("--stack", help="deployed platform stack (e.g. AccountTools-dev): read its outputs")
    p.add_argument("--region", help="region of the stack (default: your AWS configuration)")
    p.add_argument("--gateway-url", help="MCP endpoint to test (default: the GatewayUrl output)")
    p.add_argument("--token", help="bearer token to use as is (skips the token request)")
    p.add_argument("--token-endpoint", help="OAuth2 token endpoint (default: the TokenEndpoint output)")
    p.add_argument("--client-id", help="app client id (default: the ClientId output)")
    p.add_argument(
        "--client-secret",
        help=f"app client secret (default: ${ENV_CLIENT_SECRET}, else read from Cognito with your credentials)",
    )
    p.add_argument("--scope", help="OAuth scope (default: the OAuthScope output)")
    p.add_argument("--runtime-url", help="runtime MCP URL to compare tool lists with (local stacks)")
    p.add_argument("--runtime-arn", help="AgentCore Runtime ARN to compare with (default: the RuntimeArn output)")
    p.add_argument("--no-runtime-check", action="store_true", help="skip the Gateway/runtime tool comparison")
    p.add_argument("--account-id", help="registered account to call the tools for (default: the first listed)")
    return p


def stack_outputs(stack: str, cloudformation: Any) -> dict[str, str]:
    """``{OutputKey: OutputValue}`` of a deployed stack."""
    described = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def build_target(args: argparse.Namespace, outputs: dict[str, str], session: Any | None) -> SmokeTarget:
    """The smoke target from the arguments, falling back on the stack's outputs."""
    gateway_url = args.gateway_url or outputs.get("GatewayUrl")
    if not gateway_url:
        raise SystemExit("give --stack (deployed) or --gateway-url (e.g. the local stack's MCP URL)")
    tokens: TokenSource
    token_endpoint = args.token_endpoint or outputs.get("TokenEndpoint")
    client_id = args.client_id or outputs.get("ClientId")
    if args.token:
        tokens = StaticToken(args.token)
    elif token_endpoint and client_id:
        secret = args.client_secret or os.environ.get(ENV_CLIENT_SECRET)
        if not secret and session is not None and outputs.get("UserPoolId"):
            secret = cognito_client_secret(session.client("cognito-idp"), outputs["UserPoolId"], client_id)
        tokens = ClientCredentials(token_endpoint, client_id, secret or "", args.scope or outputs.get("OAuthScope", ""))
    else:
        tokens = NoToken()
    runtime: RuntimeTools | None = None
    runtime_arn = args.runtime_arn or outputs.get("RuntimeArn")
    if args.no_runtime_check:
        runtime = None
    elif args.runtime_url:
        runtime = HttpRuntimeTools(args.runtime_url)
    elif runtime_arn and session is not None:
        runtime = AgentCoreRuntimeTools(runtime_arn, session.client("bedrock-agentcore"))
    return SmokeTarget(gateway_url=gateway_url, tokens=tokens, runtime=runtime, account_id=args.account_id)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the smoke test; exit status 0 when every step passed."""
    args = parser().parse_args(argv)
    outputs: dict[str, str] = {}
    session: Any | None = None
    report = SmokeReport()
    if args.stack:
        import boto3  # only deployed stacks need AWS credentials
        from botocore.exceptions import BotoCoreError, ClientError

        session = boto3.Session(region_name=args.region)
        try:
            outputs = stack_outputs(args.stack, session.client("cloudformation"))
        except (BotoCoreError, ClientError) as exc:
            report.add(
                StepResult(
                    "stack outputs",
                    False,
                    f"{args.stack}: {exc}",
                    "check --stack and --region and your AWS credentials; deploy with `npx cdk deploy --all` first",
                )
            )
            return _finish(report)
        missing = [name for name in STACK_OUTPUTS if name not in outputs]
        report.add(
            StepResult(
                "stack outputs",
                not missing,
                f"{args.stack}: {len(outputs)} outputs" + (f"; missing {', '.join(missing)}" if missing else ""),
                "deploy the current version of the app (`npx cdk deploy --all`)",
            )
        )
    target = build_target(args, outputs, session)
    report.steps.extend(asyncio.run(run_smoke(target)).steps)
    return _finish(report)


def _finish(report: SmokeReport) -> int:
    for step in report.steps:
        print(step.render())
    verdict = "PASS" if report.ok else "FAIL"
    print(f"smoke: {verdict} ({sum(s.ok for s in report.steps)}/{len(report.steps)} steps passed)")
    sys.stdout.flush()
    return 0 if report.ok else 1
