"""Names STS shows in the customer's CloudTrail, and the registry principals of a caller."""

from __future__ import annotations

import hashlib
import re

from caller_assertion.assertion import CallerAssertion

# RoleSessionName, SourceIdentity and GetFederationToken's Name: [\w+=,.@-] (STS API reference).
_NOT_STS = re.compile(r"[^\w+=,.@-]", re.ASCII)
HASH_CHARS = 10
SESSION_NAME_MAX = 64  # RoleSessionName and SourceIdentity: 2-64 characters
FEDERATION_NAME_MAX = 32  # GetFederationToken Name: 2-32 characters


def session_name(caller: CallerAssertion, *, limit: int = SESSION_NAME_MAX) -> str:
    """``agent-<client id>`` or ``user-<username>`` in STS's character set, at most ``limit`` characters.

    A name that had to be changed (characters outside the set, or too long) ends in a stable hash of
    the principal, so two principals never share a name and the same principal always gets the same
    one. SourceIdentity may not start with ``aws:``, which the ``agent-``/``user-`` prefix rules out.
    """
    wanted = f"{caller.kind}-{caller.name}"
    clean = _NOT_STS.sub("-", wanted)
    if clean == wanted and len(clean) <= limit:
        return clean
    digest = hashlib.sha256(f"{caller.kind}:{caller.sub}".encode()).hexdigest()[:HASH_CHARS]
    return f"{clean[: limit - HASH_CHARS - 1]}-{digest}"


def federation_name(caller: CallerAssertion) -> str:
    """The ``Name`` of ``GetFederationToken`` (2-32 characters)."""
    return session_name(caller, limit=FEDERATION_NAME_MAX)


def principal_refs(caller: CallerAssertion) -> list[tuple[str, str]]:
    """The registry principals a caller acts as: ``(principal_type, principal)`` pairs for grants.

    An agent is its OAuth client (``client``); a user is its ``sub`` (``user``) and each of its
    groups (``group``).
    """
    if caller.kind == "agent":
        return [("client", caller.sub)]
    return [("user", caller.sub), *(("group", group) for group in caller.groups)]
