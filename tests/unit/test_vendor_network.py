"""The vendor's network contract: its own regional STS endpoint for every account, a retry budget
that ends before its Lambda timeout, verified TLS to the registry, IAM database tokens, and error
messages that never name the platform's roles. No network (botocore signs IAM tokens locally)."""

from __future__ import annotations

import datetime as dt
import ssl
from pathlib import Path
from typing import Any

import boto3
import pg8000.native
import pytest
from botocore.stub import Stubber
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from account_registry.constants import DB_ATTEMPTS, DB_SOCKET_TIMEOUT_S, DB_STATEMENT_TIMEOUT_MS
from account_registry.settings import RegistrySettings
from account_registry.store import DatabaseSettings, connect, ssl_context_for
from credential_vendor import constants as c
from credential_vendor.errors import AssumeRoleError
from credential_vendor.logic import STS_CONFIG
from stacks.constants import VENDOR_TIMEOUT_S
from tests.callers import KEY_ID
from tests.unit.test_vendor import ROLE_ACCOUNT, FakeStore, make_vendor, record, req

pytestmark = pytest.mark.unit

PLATFORM_ROLE = "arn:aws:sts::111111111111:assumed-role/AccountTools-dev-CredentialVendor-us-east-1/fn-session"


@pytest.fixture
def settings():
    from credential_vendor.settings import VendorSettings

    return VendorSettings(
        registry_secret_arn="arn:aws:secretsmanager:us-east-1:111111111111:secret:registry",
        customer_role_name_pattern="AccountToolsReadOnly*",
        assertion_key_id=KEY_ID,
    )


def test_retry_budget_ends_before_the_lambda_timeout():
    # Given the timeouts the vendor's clients and registry connection really use
    # (botocore-stubs' Config declares the options only as __init__ parameters; botocore sets them as attributes)
    assert STS_CONFIG.connect_timeout == c.AWS_CONNECT_TIMEOUT_S  # type: ignore[attr-defined]
    assert STS_CONFIG.read_timeout == c.AWS_READ_TIMEOUT_S  # type: ignore[attr-defined]
    assert STS_CONFIG.retries == {"mode": "standard", "max_attempts": c.AWS_MAX_ATTEMPTS}  # type: ignore[attr-defined]
    # When every call times out on every attempt
    budget = c.vend_budget_s(
        db_socket_timeout_s=DB_SOCKET_TIMEOUT_S,
        db_statement_timeout_s=DB_STATEMENT_TIMEOUT_MS / 1000,
        db_attempts=DB_ATTEMPTS,
    )
    # Then the vend still ends (with an error payload) before Lambda kills it, with a second to spare
    assert budget + 1 <= VENDOR_TIMEOUT_S


def test_registry_connections_carry_the_budgeted_timeouts(monkeypatch):
    seen: dict[str, Any] = {}
    monkeypatch.setattr(pg8000.native, "Connection", lambda **kwargs: seen.update(kwargs))
    connect(DatabaseSettings(host="db", port=5432, user="registry_vendor", password="t", database="registry"))
    assert seen["timeout"] == DB_SOCKET_TIMEOUT_S
    assert seen["startup_params"] == {"statement_timeout": str(DB_STATEMENT_TIMEOUT_MS)}


def test_aksk_accounts_federate_through_the_vendors_own_region(settings):
    # Given an aksk account registered in eu-west-1 and a vendor running in us-west-2
    from tests.unit.test_vendor import AKSK_RECORD, LONG_LIVED_SECRET, TEMP

    sts = boto3.client("sts", region_name="us-west-2", aws_access_key_id="x", aws_secret_access_key="y")
    kms = boto3.client("kms", region_name="us-west-2", aws_access_key_id="x", aws_secret_access_key="y")
    federation = boto3.client("sts", region_name="us-west-2", aws_access_key_id="a", aws_secret_access_key="b")
    vendor, keys_used = make_vendor(settings, sts, kms, FakeStore([AKSK_RECORD]), federation)
    with Stubber(kms) as kms_stub, Stubber(federation) as fed_stub:
        kms_stub.add_response("decrypt", {"Plaintext": LONG_LIVED_SECRET.encode()})
        fed_stub.add_response(
            "get_federation_token",
            {
                "Credentials": TEMP,
                "FederatedUser": {
                    "FederatedUserId": "x:y",
                    "Arn": f"arn:aws:sts::{AKSK_RECORD.account_id}:federated-user/y",
                },
            },
        )
        creds = vendor.vend(req(AKSK_RECORD.account_id, "identity"))
    # Then STS is called in us-west-2 (reachable through the VPC endpoint), the credentials name eu-west-1
    assert [region for _, _, region in keys_used] == ["us-west-2"]
    assert creds.region == "eu-west-1"


def test_assume_role_errors_do_not_reveal_the_platforms_role(settings):
    sts = boto3.client("sts", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
    kms = boto3.client("kms", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
    vendor, _ = make_vendor(settings, sts, kms, FakeStore([record(ROLE_ACCOUNT)]))
    with Stubber(sts) as stub:
        stub.add_client_error(
            "assume_role",
            "AccessDenied",
            f"User: {PLATFORM_ROLE} is not authorized to perform: sts:AssumeRole on resource: "
            f"arn:aws:iam::{ROLE_ACCOUNT}:role/AccountToolsReadOnly",
        )
        with pytest.raises(AssumeRoleError) as info:
            vendor.vend(req(ROLE_ACCOUNT, "identity"))
    assert "AccessDenied" in info.value.message
    assert "111111111111" not in info.value.message
    assert "CredentialVendor" not in info.value.message


def _ca_file(tmp_path: Path) -> Path:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test RDS Root CA")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    path = tmp_path / "bundle.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


def test_verify_full_checks_the_certificate_against_the_given_bundle_and_the_host_name(tmp_path):
    bundle = _ca_file(tmp_path)
    base = DatabaseSettings(host="db", port=5432, user="u", password="p", database="registry")
    context = ssl_context_for(
        DatabaseSettings(**{**base.__dict__, "ssl_mode": "verify-full", "ca_bundle": str(bundle)})
    )
    assert context is not None
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname is True
    assert [cert["subject"] for cert in context.get_ca_certs()] == [((("commonName", "Test RDS Root CA"),),)]
    assert ssl_context_for(base).verify_mode == ssl.CERT_NONE  # type: ignore[union-attr]  # "require": encryption only
    assert ssl_context_for(DatabaseSettings(**{**base.__dict__, "ssl_mode": "disable"})) is None


def test_iam_auth_logs_in_with_a_locally_signed_token_over_verified_tls(tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE01")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    bundle = _ca_file(tmp_path)
    settings = RegistrySettings.from_env(
        {
            "REGISTRY_DB_AUTH": "iam",
            "REGISTRY_DB_HOST": "registry.abc.us-east-1.rds.amazonaws.com",
            "REGISTRY_DB_USER": "registry_vendor",
            "REGISTRY_DB_NAME": "registry",
            "REGISTRY_CA_BUNDLE": str(bundle),
        }
    )
    login = settings.database_settings()
    assert (login.user, login.host, login.ssl_mode, login.ca_bundle) == (
        "registry_vendor",
        "registry.abc.us-east-1.rds.amazonaws.com",
        "verify-full",
        str(bundle),
    )
    assert "Action=connect" in login.password
    assert "DBUser=registry_vendor" in login.password
    assert login.password not in repr(login)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"REGISTRY_DB_AUTH": "iam", "REGISTRY_DB_NAME": "registry"}, "REGISTRY_DB_HOST, REGISTRY_DB_USER"),
        (
            {
                "REGISTRY_DB_AUTH": "iam",
                "REGISTRY_DB_HOST": "h",
                "REGISTRY_DB_USER": "u",
                "REGISTRY_DB_NAME": "r",
                "REGISTRY_SSL": "require",
            },
            "verify-full",
        ),
        (
            {"REGISTRY_SECRET_ARN": "arn:x", "REGISTRY_CA_BUNDLE": "account_registry/certs/missing.pem"},
            "does not exist",
        ),
        ({}, "REGISTRY_SECRET_ARN is required"),
    ],
)
def test_incomplete_registry_settings_fail_at_cold_start(env, message):
    with pytest.raises(ValueError, match=message):
        RegistrySettings.from_env(env)
