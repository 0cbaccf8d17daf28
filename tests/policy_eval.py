"""A small IAM policy evaluator for the session policies the vendor sends (moto does not enforce them).

It answers one question: would this identity-style policy allow ``action`` on ``resource``? It
handles what our policies use (``Effect``, ``Action``, ``Resource``, ``*``/``?`` wildcards; an
explicit Deny wins) and refuses anything else (``NotAction``, ``Condition``, ...) rather than guess.
A session policy only narrows: the effective permission is also bounded by the role's own policy.
"""

from __future__ import annotations

import json
import re
from typing import Any

_HANDLED = {"Sid", "Effect", "Action", "Resource"}


def _pattern(glob: str, *, ignore_case: bool) -> re.Pattern[str]:
    body = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in glob)
    return re.compile(f"^{body}$", re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def _matches(globs: Any, value: str, *, ignore_case: bool) -> bool:
    listed = [globs] if isinstance(globs, str) else list(globs)
    return any(_pattern(glob, ignore_case=ignore_case).match(value) for glob in listed)


def allows(policy: str | dict[str, Any], action: str, resource: str) -> bool:
    """Whether ``policy`` allows ``action`` (e.g. ``cloudtrail:StartQuery``) on ``resource`` (an ARN).

    Raises:
        NotImplementedError: The policy uses an element this evaluator does not model.
    """
    document = json.loads(policy) if isinstance(policy, str) else policy
    statements = document["Statement"]
    allowed = False
    for statement in [statements] if isinstance(statements, dict) else statements:
        unknown = set(statement) - _HANDLED
        if unknown:
            raise NotImplementedError(f"policy elements not modelled: {sorted(unknown)}")
        if not _matches(statement["Action"], action, ignore_case=True):  # actions are case-insensitive
            continue
        if not _matches(statement["Resource"], resource, ignore_case=False):  # ARNs are case-sensitive
            continue
        if statement["Effect"] == "Deny":
            return False
        allowed = allowed or statement["Effect"] == "Allow"
    return allowed
