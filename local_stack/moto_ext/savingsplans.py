"""AWS Savings Plans ``DescribeSavingsPlans`` for moto (which has no ``savingsplans`` service), from fixtures.

Each account's Savings Plans are a fixture: the ``DescribeSavingsPlans`` response, seeded with
``"savingsplans_fixtures": {"DescribeSavingsPlans": {"savingsPlans": [...]}}`` in the ``POST /moto-api/local/seed``
body and checked against botocore's output shape (``ce_fixtures.validate_fixture`` with the ``savingsplans``
model). Code runs only where the answer depends on the request: ``savingsPlanArns``, ``savingsPlanIds``,
``states``, ``filters`` (by the plan member each filter name reads), ``maxResults`` (1-1000) and ``nextToken``.

Savings Plans is a REST-JSON service at a global endpoint (``savingsplans.amazonaws.com``, signed for us-east-1):
moto's server picks a service from the request's signing name, then the backend whose URL pattern matches
``savingsplans.<region>.amazonaws.com``, and builds its Flask app from ``moto.backends.get_backend``. :func:`install`
adds the URL pattern and answers ``get_backend("savingsplans")`` with :data:`savingsplans_backends` (a moto
``BackendDict`` keyed by account, so ``POST /moto-api/reset`` clears it and each account sees only its plans).
"""

from __future__ import annotations

import copy
import json
import re
import sys
from types import ModuleType
from typing import Any

import botocore.session
import moto.backend_index as backend_index
import moto.backends as moto_backends
from moto.core.base_backend import BackendDict, BaseBackend
from moto.core.responses import BaseResponse
from moto.utilities.utils import PARTITION_NAMES

from local_stack.moto_ext.ce_core import paginate
from local_stack.moto_ext.ce_fixtures import validate_fixture
from local_stack.moto_ext.exceptions import ValidationException

SERVICE = "savingsplans"
OPERATIONS = ("DescribeSavingsPlans",)
MAX_RESULTS = 1000
_MODEL = botocore.session.get_session().get_service_model(SERVICE)
# DescribeSavingsPlans filter name -> the SavingsPlan member it compares
_FILTERS = {
    "region": "region", "ec2-instance-family": "ec2InstanceFamily", "instance-family": "ec2InstanceFamily",
    "commitment": "commitment", "upfront": "upfrontPaymentAmount", "term": "termDurationInSeconds",
    "savings-plan-type": "savingsPlanType", "payment-option": "paymentOption", "start": "start", "end": "end",
}  # fmt: skip

url_bases = [r"https?://savingsplans\.(.+\.)?amazonaws\.com"]


class SavingsPlansBackend(BaseBackend):
    """One account's Savings Plans (the ``savingsPlans`` of its ``DescribeSavingsPlans`` fixture)."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.plans: list[dict[str, Any]] = []

    @property
    def _url_module(self) -> ModuleType:
        """This module's ``url_bases`` and ``url_paths`` (moto looks for ``moto.<service>.urls`` otherwise)."""
        return sys.modules[__name__]


savingsplans_backends: BackendDict[SavingsPlansBackend] = BackendDict(
    SavingsPlansBackend, SERVICE, use_boto3_regions=False, additional_regions=PARTITION_NAMES
)


def seed_savings_plans(account_id: str, fixtures: dict[str, Any]) -> list[str]:
    """Validate the fixtures and replace the account's Savings Plans; return the operations seeded.

    Raises:
        ValueError: a fixture does not have its operation's response shape.
    """
    for operation, response in fixtures.items():
        validate_fixture(operation, response, model=_MODEL, operations=OPERATIONS, name="savingsplans_fixtures")
    if "DescribeSavingsPlans" in fixtures:
        plans = copy.deepcopy(fixtures["DescribeSavingsPlans"].get("savingsPlans", []))
        savingsplans_backends[account_id]["aws"].plans = plans
    return sorted(fixtures)


def account_plans(account_id: str) -> list[dict[str, Any]]:
    """A copy of an account's Savings Plans (for the Cost Explorer utilization details)."""
    return copy.deepcopy(savingsplans_backends[account_id]["aws"].plans)


def _to_aws(token: str | None) -> str | None:
    """``nextToken`` matches ``^[A-Za-z0-9/=\\+]+$``: the shared tokens' URL-safe base64 as standard base64."""
    return token.replace("-", "+").replace("_", "/") if token else token


def _from_aws(token: str | None) -> str | None:
    return token.replace("+", "-").replace("/", "_") if token else token


def _selected(plan: dict[str, Any], params: dict[str, Any]) -> bool:
    for member, wanted in (("savingsPlanArn", "savingsPlanArns"), ("savingsPlanId", "savingsPlanIds"),
                           ("state", "states")):  # fmt: skip
        if params.get(wanted) and plan.get(member) not in params[wanted]:
            return False
    for condition in params.get("filters") or []:
        compared = _FILTERS.get(str(condition.get("name")))
        if compared is None:
            raise ValidationException(f"filters.name must be one of {sorted(_FILTERS)}.")
        if str(plan.get(compared, "")) not in [str(v) for v in condition.get("values") or []]:
            return False
    return True


class SavingsPlansResponse(BaseResponse):
    """The ``savingsplans`` handler: ``DescribeSavingsPlans`` from the calling account's fixture."""

    def __init__(self) -> None:
        super().__init__(service_name=SERVICE)

    def describe_savings_plans(self) -> str:
        """Emulate ``DescribeSavingsPlans``: the account's plans selected by the request, paged."""
        params = json.loads(self.body or "{}")
        max_results = params.get("maxResults", MAX_RESULTS)
        if not isinstance(max_results, int) or not 1 <= max_results <= MAX_RESULTS:
            raise ValidationException(f"maxResults must be between 1 and {MAX_RESULTS}.")
        plans = [p for p in account_plans(self.current_account) if _selected(p, params)]
        paging = {**params, "MaxResults": max_results, "nextToken": _from_aws(params.get("nextToken"))}
        paging.pop("maxResults", None)
        page, token = paginate(plans, paging, "nextToken", MAX_RESULTS)
        return json.dumps({"savingsPlans": page, **({"nextToken": _to_aws(token)} if token else {})})


url_paths = {"{0}/DescribeSavingsPlans$": SavingsPlansResponse.dispatch}


def install() -> None:
    """Let moto's server route ``savingsplans`` requests here (idempotent; before the server starts)."""
    if not any(name == SERVICE for name, _ in backend_index.backend_url_patterns):
        backend_index.backend_url_patterns.append((SERVICE, re.compile(url_bases[0])))
    original: Any = moto_backends.get_backend
    if getattr(original, "savingsplans_installed", False):
        return

    def get_backend(name: Any) -> Any:
        return savingsplans_backends if name == SERVICE else original(name)

    get_backend.savingsplans_installed = True  # type: ignore[attr-defined]
    moto_backends.get_backend = get_backend


__all__ = ["account_plans", "install", "savingsplans_backends", "seed_savings_plans"]
