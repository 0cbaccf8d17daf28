"""An in-process moto server with this project's extensions, for the emulator's own tests."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import httpx
from moto.server import ThreadedMotoServer

from local_stack.demo_data import post_seed
from local_stack.moto_ext import install
from local_stack.stack import free_port


@contextmanager
def extended_emulator(seeds: Iterable[dict[str, Any]]) -> Iterator[str]:
    """Start moto (extended by ``local_stack.moto_ext``) on 127.0.0.1, seed it over HTTP, yield its URL."""
    install()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    try:
        for body in seeds:
            post_seed(url, body)
        yield url
    finally:
        httpx.post(f"{url}/moto-api/reset", timeout=10).raise_for_status()
        server.stop()


def account_client(endpoint: str, service: str, account_id: str, region: str = "us-east-1") -> Any:
    """A client acting in ``account_id``: credentials from AssumeRole into a role of that account."""
    sts = boto3.client(
        "sts",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="AKIAHOST000000000000",
        aws_secret_access_key="host-secret",
    )
    credentials = sts.assume_role(RoleArn=f"arn:aws:iam::{account_id}:role/reader", RoleSessionName="tests")[
        "Credentials"
    ]
    return boto3.client(  # type: ignore[call-overload]
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
