"""Cost Optimization Hub and Compute Optimizer from declarative per-account fixtures.

moto 5.2.5 has neither service. Each account's data is the AWS responses of the operations, seeded with
``"optimization_fixtures": {"cost-optimization-hub": {"ListRecommendations": <response>, "GetRecommendation":
[<response>, ...]}, "compute-optimizer": {"GetEC2InstanceRecommendations": <response>, ...}}`` in the
``POST /moto-api/local/seed`` body and checked against botocore's output shapes
(:func:`local_stack.moto_ext.ce_fixtures.validate_fixture`). A service an account has fixtures for is one it is
opted in to (an empty list of recommendations is an opted-in account with nothing to recommend); a service it has
none for answers as AWS answers an account that is not opted in: Compute Optimizer ``OptInRequiredException``
(HTTP 403, "The account is not opted in to Compute Optimizer."), Cost Optimization Hub ``AccessDeniedException``
(it documents no opt-in error; the message names the enrollment).

Code runs only where an answer depends on the request:

* ``ListRecommendations``: the ``filter`` members (account, region, resource and action types, ids, ARNs,
  implementation effort, restart/rollback flags, tags), ``orderBy``, ``maxResults`` (0-1000) / ``nextToken``;
* ``GetRecommendation``: the recommendation of the calling account with that id (``ResourceNotFoundException``);
* ``Get{EC2Instance,AutoScalingGroup,EBSVolume,LambdaFunction}Recommendations``: the resources of the endpoint's
  Region (their ARN's), ``*Arns``, the ``Finding`` / ``FindingReasonCode(s)`` filters, ``accountIds`` (at most
  one, the caller's own), ``maxResults`` (0-1000) / ``nextToken``.

Routing: moto's server picks a backend from the SigV4 credential scope's service name, which it turns into the host
``<service>.<region>.amazonaws.com`` and matches against ``moto.backend_index.backend_url_patterns``; it then builds
that backend's Flask app from ``moto.backends.get_backend(<name>)``. :func:`install` adds both services to the
pattern list and to ``get_backend``. Cost Optimization Hub speaks the AWS JSON 1.0 protocol (``POST /`` with
``X-Amz-Target``); botocore calls Compute Optimizer with Smithy RPC v2 CBOR (``POST
/service/ComputeOptimizerService/operation/<Operation>``, the first protocol its model lists) and the JSON protocol
is answered too. Requests and answers are decoded and encoded with botocore's own CBOR parser and serializer.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any, ClassVar

import botocore.session
from botocore.model import ServiceModel, ShapeResolver
from botocore.parsers import RpcV2CBORParser
from botocore.serialize import RpcV2CBORSerializer
from moto import backend_index, backends
from moto.core.base_backend import BackendDict, BaseBackend
from moto.core.common_types import TYPE_RESPONSE
from moto.core.responses import BaseResponse
from moto.utilities.utils import PARTITION_NAMES

from local_stack.moto_ext.ce_fixtures import validate_fixture
from local_stack.moto_ext.common import decode_token, encode_token

COH = "cost-optimization-hub"
COMPUTE_OPTIMIZER = "compute-optimizer"
_SESSION = botocore.session.get_session()
MODELS: dict[str, ServiceModel] = {name: _SESSION.get_service_model(name) for name in (COH, COMPUTE_OPTIMIZER)}
COH_OPERATIONS = ("ListRecommendations", "GetRecommendation")
# Compute Optimizer operation -> (answer's list member, ARN request member, ARN member of an item)
CO_OPERATIONS = {
    "GetEC2InstanceRecommendations": ("instanceRecommendations", "instanceArns", "instanceArn"),
    "GetAutoScalingGroupRecommendations": (
        "autoScalingGroupRecommendations", "autoScalingGroupArns", "autoScalingGroupArn",
    ),
    "GetEBSVolumeRecommendations": ("volumeRecommendations", "volumeArns", "volumeArn"),
    "GetLambdaFunctionRecommendations": ("lambdaFunctionRecommendations", "functionArns", "functionArn"),
}  # fmt: skip
MAX_RESULTS = 1000  # both services: maxResults 0-1000
DEFAULT_PAGE_SIZE = 100
_FILTER_MEMBERS = {  # ListRecommendations filter member -> the item member it selects on
    "accountIds": "accountId", "regions": "region", "resourceTypes": "currentResourceType",
    "actionTypes": "actionType", "resourceIds": "resourceId", "resourceArns": "resourceArn",
    "recommendationIds": "recommendationId", "implementationEfforts": "implementationEffort",
}  # fmt: skip
_CBOR_PATH = re.compile(r"/service/ComputeOptimizerService/operation/(?P<operation>[A-Za-z0-9]+)$")
_SHAPES: Any = {"S": {"type": "string"}, "M": {"type": "map", "key": {"shape": "S"}, "value": {"shape": "S"}}}
_ERROR_SHAPE = ShapeResolver(_SHAPES).get_shape_by_name("M")  # an error body: {"__type", "message"}


class OptimizationError(Exception):
    """An AWS error of either service: its code, message and HTTP status, encoded in the request's protocol."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.error_code, self.text, self.status = code, message, status


class _InvalidToken(OptimizationError):
    def __init__(self, message: str) -> None:
        super().__init__("ValidationException", message)


class OptimizationFixtureBackend(BaseBackend):
    """One account's fixtures of one service: operation -> response (``GetRecommendation``: a list of them)."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.fixtures: dict[str, Any] | None = None  # None: the account is not opted in

    def seed(self, service: str, fixtures: dict[str, Any]) -> list[str]:
        """Validate and store the service's fixtures (replacing the account's); return the operations seeded.

        Raises:
            ValueError: an operation is unknown or a fixture does not have its response shape.
        """
        operations = COH_OPERATIONS if service == COH else tuple(CO_OPERATIONS)
        name = f"optimization_fixtures.{service}"
        for operation, response in fixtures.items():
            answers = response if operation == "GetRecommendation" and isinstance(response, list) else [response]
            for answer in answers:
                validate_fixture(operation, answer, model=MODELS[service], operations=operations, name=name)
        self.fixtures = copy.deepcopy(fixtures)
        return sorted(fixtures)

    @property
    def _url_module(self) -> Any:
        """moto builds the Flask routes from this (``url_bases`` / ``url_paths``), not from a ``moto.<service>``."""
        handler = CostOptimizationHubResponse.dispatch if self.SERVICE == COH else ComputeOptimizerResponse.dispatch
        paths = {"{0}/$": handler}
        if self.SERVICE == COMPUTE_OPTIMIZER:
            paths["{0}" + _CBOR_PATH.pattern] = handler
        return SimpleNamespace(
            url_bases=[rf"https?://{re.escape(self.SERVICE)}\.(.+)\.amazonaws\.com"], url_paths=paths
        )

    SERVICE = COH


class ComputeOptimizerFixtureBackend(OptimizationFixtureBackend):
    """Compute Optimizer's routes (the fixtures are kept the same way)."""

    SERVICE = COMPUTE_OPTIMIZER


optimization_backends: dict[str, BackendDict[Any]] = {
    COH: BackendDict(OptimizationFixtureBackend, COH, use_boto3_regions=False, additional_regions=PARTITION_NAMES),
    COMPUTE_OPTIMIZER: BackendDict(
        ComputeOptimizerFixtureBackend, COMPUTE_OPTIMIZER, use_boto3_regions=False, additional_regions=PARTITION_NAMES
    ),
}


def seed_optimization(account_id: str, body: dict[str, Any]) -> dict[str, list[str]]:
    """Store one account's fixtures per service (a service left out keeps what the account had).

    Raises:
        ValueError: an unknown service, or a fixture that does not have its operation's response shape.
    """
    seeded = {}
    for service, fixtures in body.items():
        if service not in optimization_backends or not isinstance(fixtures, dict):
            raise ValueError(f"optimization_fixtures: expected {sorted(optimization_backends)} -> an object")
        seeded[service] = optimization_backends[service][account_id]["aws"].seed(service, fixtures)
    return seeded


def paginate(items: list[Any], params: dict[str, Any]) -> tuple[list[Any], str | None]:
    """One page of ``items`` (``maxResults`` 0-1000; 0 or none: the default page) and the next token.

    Raises:
        OptimizationError: ``maxResults`` out of range, or a token not issued for this request.
    """
    size = params.get("maxResults")
    if size is not None and (not isinstance(size, int) or not 0 <= size <= MAX_RESULTS):
        raise OptimizationError("ValidationException", f"maxResults must be between 0 and {MAX_RESULTS}.")
    size = size or DEFAULT_PAGE_SIZE
    scope = {k: v for k, v in params.items() if k not in ("maxResults", "nextToken")}
    offset = decode_token(params.get("nextToken"), scope, error=_InvalidToken)
    end = offset + size
    return items[offset:end], (encode_token(end, scope) if end < len(items) else None)


class _FixtureResponse(BaseResponse):
    """A JSON (or CBOR) request in, the calling account's fixture-backed answer out."""

    use_raw_body = True  # CBOR bodies are not text
    SERVICE = COH

    def __init__(self) -> None:
        super().__init__(service_name=self.SERVICE)

    def _dispatch(self, request: Any, full_url: str | None = None, headers: Any = None) -> TYPE_RESPONSE:
        self.setup_class(request, full_url, headers)
        cbor = _CBOR_PATH.search(self.path or "")
        operation = cbor.group("operation") if cbor else str(self.headers.get("X-Amz-Target", "")).split(".")[-1]
        try:
            params = self._decode(bool(cbor))
            method = self.OPERATIONS.get(operation)
            if method is None:
                raise OptimizationError("UnknownOperationException", f"{operation} is not emulated.")
            answer = getattr(self, method)(operation, params)
        except OptimizationError as exc:
            return self._encode(bool(cbor), exc.status, {"__type": exc.error_code, "message": exc.text}, None)
        shape = MODELS[self.SERVICE].operation_model(operation).output_shape
        return self._encode(bool(cbor), 200, answer, shape)

    OPERATIONS: ClassVar[dict[str, str]] = {}  # operation -> the method answering it

    def _decode(self, cbor: bool) -> dict[str, Any]:
        raw = self.raw_body or b""
        try:
            if cbor:
                parser = RpcV2CBORParser()
                params = parser.parse_data_item(parser.get_peekable_stream_from_bytes(raw)) if raw else {}
            else:
                params = json.loads(raw or b"{}")
        except ValueError as exc:
            raise OptimizationError("SerializationException", "The request body could not be decoded.") from exc
        if not isinstance(params, dict):
            raise OptimizationError("SerializationException", "The request body must be an object.")
        return params

    def _encode(self, cbor: bool, status: int, answer: dict[str, Any], shape: Any) -> TYPE_RESPONSE:
        if not cbor:
            headers = {"Content-Type": "application/x-amz-json-1.0", "status": str(status)}
            return status, headers, json.dumps(answer, default=str)
        body = bytearray()
        serializer: Any = RpcV2CBORSerializer()
        serializer._serialize_data_item(body, answer, shape or _ERROR_SHAPE)
        return status, {"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"}, bytes(body)

    def _fixtures(self, not_opted_in: OptimizationError) -> dict[str, Any]:
        """A copy of the calling account's fixtures of this service.

        Raises:
            OptimizationError: ``not_opted_in``: the account has none (it is not opted in).
        """
        fixtures = optimization_backends[self.SERVICE][self.current_account][self.partition].fixtures
        if fixtures is None:
            raise not_opted_in
        return copy.deepcopy(fixtures)


class CostOptimizationHubResponse(_FixtureResponse):
    """Cost Optimization Hub ``ListRecommendations`` and ``GetRecommendation``."""

    SERVICE = COH

    def _hub(self) -> dict[str, Any]:
        return self._fixtures(
            OptimizationError(
                "AccessDeniedException", f"Account {self.current_account} is not enrolled in Cost Optimization Hub."
            )
        )

    def list_recommendations(self, _: str, params: dict[str, Any]) -> dict[str, Any]:
        """Emulate ``ListRecommendations``: the account's recommendations the filter selects, ordered, paged."""
        where = params.get("filter") or {}
        for member, values in where.items():
            if isinstance(values, list) and not 1 <= len(values) <= 100:
                raise OptimizationError("ValidationException", f"filter.{member} must have 1-100 members.")
        items = [
            item
            for item in self._hub().get("ListRecommendations", {}).get("items", [])
            if item.get("accountId") == self.current_account and _selected(item, where)
        ]
        order = params.get("orderBy") or {}
        if order.get("dimension"):
            key = order["dimension"][0].lower() + order["dimension"][1:]
            items.sort(
                key=lambda item: (item.get(key) is None, item.get(key) or 0), reverse=order.get("order") == "Desc"
            )
        page, token = paginate(items, params)
        return {"items": page, **({"nextToken": token} if token else {})}

    def get_recommendation(self, _: str, params: dict[str, Any]) -> dict[str, Any]:
        """Emulate ``GetRecommendation``: the calling account's recommendation with that id."""
        wanted = params.get("recommendationId")
        if not wanted:
            raise OptimizationError("ValidationException", "recommendationId is required.")
        for answer in self._hub().get("GetRecommendation", []):
            if answer.get("recommendationId") == wanted and answer.get("accountId") == self.current_account:
                return dict(answer)
        raise OptimizationError("ResourceNotFoundException", f"Recommendation {wanted} was not found.")

    OPERATIONS: ClassVar[dict[str, str]] = {
        "ListRecommendations": "list_recommendations",
        "GetRecommendation": "get_recommendation",
    }


def _selected(item: dict[str, Any], where: dict[str, Any]) -> bool:
    """Whether a ListRecommendations item passes every member of the request's ``filter``."""
    for member, values in where.items():
        if member in _FILTER_MEMBERS and item.get(_FILTER_MEMBERS[member]) not in values:
            return False
        if member in ("restartNeeded", "rollbackPossible") and item.get(member) != values:
            return False
        if member == "tags" and not all(tag in item.get("tags", []) for tag in values):
            return False
    return True


class ComputeOptimizerResponse(_FixtureResponse):
    """Compute Optimizer ``Get{EC2Instance,AutoScalingGroup,EBSVolume,LambdaFunction}Recommendations``."""

    SERVICE = COMPUTE_OPTIMIZER

    def recommendations(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        """Emulate one of the four operations: the Region's resources, selected by ARN and filters, paged."""
        fixtures = self._fixtures(
            OptimizationError("OptInRequiredException", "The account is not opted in to Compute Optimizer.", 403)
        )
        accounts = params.get("accountIds") or []
        if len(accounts) > 1:
            raise OptimizationError("InvalidParameterValueException", "Only one account ID can be specified.")
        if accounts and accounts[0] != self.current_account:
            raise OptimizationError(
                "AccessDeniedException", f"Account {self.current_account} cannot read account {accounts[0]}'s.", 403
            )
        list_key, arns_key, arn_key = CO_OPERATIONS[operation]
        items = [
            item
            for item in fixtures.get(operation, {}).get(list_key, [])
            if str(item.get(arn_key, "")).split(":")[3:4] == [self.region]
            and (not params.get(arns_key) or item.get(arn_key) in params[arns_key])
            and all(_passes(item, f) for f in params.get("filters") or [])
        ]
        page, token = paginate(items, params)
        return {list_key: page, **({"nextToken": token} if token else {})}

    OPERATIONS: ClassVar[dict[str, str]] = dict.fromkeys(CO_OPERATIONS, "recommendations")


def _passes(item: dict[str, Any], condition: dict[str, Any]) -> bool:
    """One ``filters`` entry: ``Finding`` or ``FindingReasonCode(s)``; others are not emulated.

    Raises:
        OptimizationError: a filter the emulator does not evaluate (rather than ignoring it).
    """
    name, values = condition.get("name"), condition.get("values") or []
    if name == "Finding":
        return item.get("finding") in values
    if name in ("FindingReasonCodes", "FindingReasonCode"):
        return bool(set(item.get("findingReasonCodes", [])) & set(values))
    raise OptimizationError("InvalidParameterValueException", f"The local emulator does not evaluate filter {name}.")


def _get_backend(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def get_backend(name: Any) -> Any:
        return optimization_backends[name] if name in optimization_backends else original(name)

    return get_backend


def install() -> None:
    """Route both services' requests (by their SigV4 service name) to the fixture-backed handlers."""
    known = {name for name, _ in backend_index.backend_url_patterns}
    for service in optimization_backends:
        if service not in known:
            pattern = re.compile(rf"https?://{re.escape(service)}\.(.+)\.amazonaws\.com")
            backend_index.backend_url_patterns.append((service, pattern))
    if not getattr(backends.get_backend, "_optimization", False):
        patched = _get_backend(backends.get_backend)
        patched._optimization = True  # type: ignore[attr-defined]
        backends.get_backend = patched  # type: ignore[assignment]
