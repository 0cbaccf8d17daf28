"""Caller assertions: the signer (lambdas/caller_assertion) and both verifiers agree; STS names stay valid."""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import account_tools.caller as runtime_caller
import caller_assertion
from account_tools.caller import CallerRefusedError
from caller_assertion import (
    CallerAssertion,
    InvalidAssertionError,
    KmsPublicKey,
    PrincipalKind,
    federation_name,
    principal_refs,
    session_name,
    verify_assertion,
)
from tests.callers import KEY_ID, Callers

pytestmark = pytest.mark.unit

# RoleSessionName / SourceIdentity / GetFederationToken Name (STS API reference)
STS_NAME = re.compile(r"^[\w+=,.@-]+$", re.ASCII)
CALLERS = Callers()


def test_the_runtime_reads_what_the_interceptor_signs() -> None:
    assert runtime_caller.ASSERTION_META_KEY == caller_assertion.ASSERTION_META_KEY
    assert runtime_caller.ASSERTION_ISSUER == caller_assertion.ASSERTION_ISSUER
    assert runtime_caller.ASSERTION_AUDIENCE == caller_assertion.ASSERTION_AUDIENCE
    assert runtime_caller.ASSERTION_MAX_TTL_S == caller_assertion.ASSERTION_TTL_S
    # every claim the runtime requires is one the signer always sets
    required = set(runtime_caller._REQUIRED)
    always = {name for name, field in CallerAssertion.model_fields.items() if field.is_required()}
    assert required <= always


def _both(token: str, **check: object) -> list[str]:
    """Verify with the vendor's and the runtime's verifier; the refusal messages (or [] when both accept)."""
    refusals = []
    try:
        verify_assertion(token, KmsPublicKey(CALLERS.kms, KEY_ID).get(), **check)  # type: ignore[arg-type]
    except InvalidAssertionError as exc:
        refusals.append(str(exc))
    try:
        CALLERS.verifier().verify(
            token,
            tool=str(check.get("tool", "lookup_events")),
            target_account_id=check.get("target_account_id"),  # type: ignore[arg-type]
            check_target=bool(check.get("check_target", False)),
        )
    except CallerRefusedError as exc:
        refusals.append(str(exc))
    return refusals


def test_a_genuine_assertion_is_accepted_by_both() -> None:
    token = CALLERS.assertion("lookup_events", "222222222222")
    assert _both(token, tool="lookup_events", target_account_id="222222222222", check_target=True) == []


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("expired", "expired"),
        ("from the future", "not valid"),
        ("lives too long", "lives longer than allowed"),
        ("another tool", "another tool"),
        ("another account", "another account"),
        ("altered", "not valid"),
        ("another key", "not valid"),
        ("not a token", "not valid"),
    ],
)
def test_both_verifiers_refuse_the_same_bad_assertions(case: str, reason: str) -> None:
    now = time.time()
    tokens: dict[str, Callable[[], str]] = {
        "expired": lambda: CALLERS.assertion("lookup_events", "222222222222", now=now - 400),
        "from the future": lambda: CALLERS.assertion("lookup_events", "222222222222", now=now + 120),
        "lives too long": lambda: CALLERS.assertion("lookup_events", "222222222222", ttl_s=3600),
        "another tool": lambda: CALLERS.assertion("lake_query", "222222222222"),
        "another account": lambda: CALLERS.assertion("lookup_events", "333333333333"),
        "altered": lambda: _altered(CALLERS.assertion("lookup_events", "333333333333")),
        "another key": lambda: Callers().assertion("lookup_events", "222222222222"),
        "not a token": lambda: "eyJhbGciOiJub25lIn0.e30.",
    }
    token = tokens[case]()
    refusals = _both(token, tool="lookup_events", target_account_id="222222222222", check_target=True)
    assert len(refusals) == 2, refusals
    assert all(reason in r for r in refusals), refusals


def _altered(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["target_account_id"] = "222222222222"
    changed = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{changed}.{signature}"


def _caller(kind: PrincipalKind, sub: str, name: str, groups: tuple[str, ...] = ()) -> CallerAssertion:
    return CallerAssertion.issue(
        sub=sub,
        kind=kind,
        name=name,
        groups=groups,
        tool="lookup_events",
        target_account_id=None,
    )


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    kind=st.sampled_from(["agent", "user"]),
    sub=st.text(min_size=1, max_size=80),
    name=st.text(min_size=1, max_size=200),
)
def test_session_names_are_always_valid_for_sts_and_stable(kind: PrincipalKind, sub: str, name: str) -> None:
    caller = _caller(kind, sub, name)
    session, federation = session_name(caller), federation_name(caller)
    assert STS_NAME.match(session)
    assert STS_NAME.match(federation)
    assert 2 <= len(session) <= 64
    assert 2 <= len(federation) <= 32
    assert not session.lower().startswith("aws:")  # SourceIdentity may not
    assert session_name(_caller(kind, sub, name)) == session  # stable across calls


def test_different_principals_with_the_same_display_name_get_different_shortened_names() -> None:
    long_name = "Zoë Müller, Head of FinOps (EMEA)"
    a, b = _caller("user", "sub-a", long_name), _caller("user", "sub-b", long_name)
    assert session_name(a) != session_name(b)
    assert federation_name(a) != federation_name(b)


def test_principal_refs_cover_the_user_and_each_group_but_only_the_client_for_agents() -> None:
    assert principal_refs(_caller("agent", "client-1", "client-1")) == [("client", "client-1")]
    assert principal_refs(_caller("user", "u-1", "alice", ("finops", "ops"))) == [
        ("user", "u-1"),
        ("group", "finops"),
        ("group", "ops"),
    ]
