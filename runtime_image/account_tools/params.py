"""Lenient tool parameters: every number, boolean, array and object accepts its JSON form too.

Models often send ``"50"`` for an integer or a JSON-encoded string for an array or
object, and the AgentCore Gateway validates arguments against each tool's input
schema before the call. Each type here advertises both forms (``anyOf``), this
one layer normalizes them to the native type, and a bad value fails validation
with an error naming the field and the expected form. Ranges and enums are
still enforced on the normalized value.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, Field, StrictBool, TypeAdapter, ValidationError

T = TypeVar("T")

_INT_STRING = Annotated[str, Field(pattern=r"^\s*-?\d+\s*$", description="an integer written as a string")]
_NUMBER_STRING = Annotated[
    str, Field(pattern=r"^\s*-?\d+(\.\d+)?([eE][-+]?\d+)?\s*$", description="a number written as a string")
]
_BOOL_STRING = Annotated[str, Field(pattern=r"^(?i:true|false)$", description='"true" or "false"')]
_JSON_STRING = Annotated[str, Field(description="the same value, JSON-encoded as a string")]


def _to_int(value: int | str) -> int:
    return value if isinstance(value, int) else int(value.strip())


def _to_float(value: float | str) -> float:
    return value if isinstance(value, float | int) else float(value.strip())


def _to_bool(value: bool | str) -> bool:
    return value if isinstance(value, bool) else value.lower() == "true"


def lenient_int(*, ge: int | None = None, le: int | None = None) -> Any:
    """An integer parameter that also accepts ``"50"``; the range applies to both forms."""

    def check(value: int) -> int:
        if ge is not None and value < ge:
            raise ValueError(f"must be >= {ge}")
        if le is not None and value > le:
            raise ValueError(f"must be <= {le}")
        return value

    return Annotated[Annotated[int, Field(ge=ge, le=le)] | _INT_STRING, AfterValidator(_to_int), AfterValidator(check)]


LenientFloat = Annotated[float | _NUMBER_STRING, AfterValidator(_to_float)]
# StrictBool: without it pydantic's lax mode would read "yes" or "1" as true.
LenientBool = Annotated[StrictBool | _BOOL_STRING, AfterValidator(_to_bool)]


def _json_parser(native: Any, kind: str) -> Any:
    adapter: TypeAdapter[Any] = TypeAdapter(native)

    def parse(value: Any) -> Any:
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise ValueError(f"expected a JSON {kind} (native or JSON-encoded string)") from None
        try:
            return adapter.validate_python(value)
        except ValidationError as exc:
            first = exc.errors(include_input=False, include_url=False)[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ValueError(f"{kind} item {where}: {first['msg']}" if where else first["msg"]) from None

    return parse


def lenient_list(item: Any, *, min_length: int | None = None, max_length: int | None = None) -> Any:
    """An array parameter that also accepts its JSON-encoded string form."""
    native = Annotated[list[item], Field(min_length=min_length, max_length=max_length)]
    return Annotated[native | _JSON_STRING, AfterValidator(_json_parser(native, "array"))]


def lenient_object(model: Any) -> Any:
    """An object parameter (a pydantic model or ``dict[...]``) that also accepts its JSON-encoded string form."""
    return Annotated[model | _JSON_STRING, AfterValidator(_json_parser(model, "object"))]


AccountIdParam = Annotated[
    str | None,
    Field(
        pattern=r"^\d{12}$",
        description="12-digit AWS account id to act in (see list_accounts); omit for the configured default account",
    ),
]
