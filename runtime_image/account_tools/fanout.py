"""One question, many accounts: ``target_account_ids`` on the tools where that makes sense.

Each account is its own call: vended and authorized on its own under the calling principal (the
caller assertion lists the accounts; the vendor checks each one's grant), run with bounded
concurrency, and answered in its own entry keyed by account id. One account's failure (not granted,
AWS refused, throttled) is that account's entry (``error_type``, ``message``) and never fails the others.
An entry is built only from its own account's answer, so no entry can hold another account's data.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import anyio

from account_tools.errors import ToolFailure
from account_tools.observability import logger
from account_tools.params import MAX_TARGET_ACCOUNTS

# Accounts asked at the same time in one call: each is a vend (on a cache miss) and an AWS call.
MAX_CONCURRENT_ACCOUNTS = 4

AccountBody = Callable[[str], Awaitable[dict[str, Any]]]
AccountResolver = Callable[[str | int | None], Awaitable[str]]


def refuse_mixed(target_account_id: object, target_account_ids: object, next_token: object = None) -> None:
    """Refuse a call that names both one account and several, or pages a many-accounts answer.

    Raises:
        ToolFailure: ``invalid_parameter`` naming the field.
    """
    if target_account_ids is None:
        return
    if target_account_id is not None:
        raise ToolFailure("invalid_parameter", "target_account_ids: give target_account_id or target_account_ids")
    if next_token:
        raise ToolFailure(
            "invalid_parameter",
            "next_token: page one account at a time (target_account_id with that account's next_token)",
        )


async def ask_accounts(
    accounts: tuple[str, ...], body: AccountBody, *, limit: int = MAX_CONCURRENT_ACCOUNTS
) -> dict[str, dict[str, Any]]:
    """``{account_id: body(account_id) or {"error_type", "message", ...}}`` in the order given.

    Args:
        accounts: Normalized account ids, duplicates removed (``params.account_ids``).
        body: The single-account answer for one account (its credentials come from the cache per account).
        limit: Accounts asked concurrently.

    Raises:
        ToolFailure: ``invalid_parameter`` for more than ``MAX_TARGET_ACCOUNTS`` accounts.
    """
    if not 1 <= len(accounts) <= MAX_TARGET_ACCOUNTS:
        raise ToolFailure("invalid_parameter", f"target_account_ids: 1-{MAX_TARGET_ACCOUNTS} accounts")
    entries: dict[str, dict[str, Any]] = {}
    limiter = anyio.CapacityLimiter(limit)

    async def one(account: str) -> None:
        async with limiter:
            try:
                entries[account] = await body(account)
            except ToolFailure as exc:
                entries[account] = exc.payload()
            # An unexpected failure is this account's alone (the others still answer); its traceback stays in the log.
            except Exception:  # noqa: BLE001
                logger.exception("many-accounts entry failed", extra={"target_account_id": account})
                entries[account] = {"error_type": "internal_error", "message": "this account's call failed"}

    async with anyio.create_task_group() as group:
        for account in accounts:
            group.start_soon(one, account)
    return {account: entries[account] for account in accounts}


async def answer(
    common: dict[str, Any],
    body: AccountBody,
    *,
    target_account_id: str | int | None,
    target_account_ids: tuple[str, ...] | None,
    resolve: AccountResolver,
) -> dict[str, Any]:
    """A tool's answer: ``common`` plus one account's ``body`` under ``target_account_id``, or every
    named account's under ``accounts`` (see ``ask_accounts``).

    Args:
        common: Keys of the answer that do not depend on the account (e.g. the time period).
        body: The single-account answer for one account.
        target_account_id: The one account the call names, or None.
        target_account_ids: The accounts of a many-accounts call, or None.
        resolve: The account a single-account call acts in (``ToolRuntime.account``).
    """
    if target_account_ids:
        return {**common, "accounts": await ask_accounts(target_account_ids, body)}
    account = await resolve(target_account_id)
    return {**common, "target_account_id": account, **await body(account)}
