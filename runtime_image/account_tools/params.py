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
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    TypeAdapter,
    ValidationError,
    model_validator,
)

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
            raise ValueError(f"Input should be greater than or equal to {ge}")
        if le is not None and value > le:
            raise ValueError(f"Input should be less than or equal to {le}")
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


# --- Cost Explorer shapes ---------------------------------------------------------------------------------------
# Field names are the API's own (PascalCase), so an Expression copied from the AWS documentation just works.

CostDimension = Literal[
    "AZ", "INSTANCE_TYPE", "LINKED_ACCOUNT", "PAYER_ACCOUNT", "LINKED_ACCOUNT_NAME", "OPERATION", "PURCHASE_TYPE",
    "REGION", "SERVICE", "SERVICE_CODE", "USAGE_TYPE", "USAGE_TYPE_GROUP", "RECORD_TYPE", "OPERATING_SYSTEM",
    "TENANCY", "SCOPE", "PLATFORM", "SUBSCRIPTION_ID", "LEGAL_ENTITY_NAME", "DEPLOYMENT_OPTION", "DATABASE_ENGINE",
    "CACHE_ENGINE", "INSTANCE_TYPE_FAMILY", "BILLING_ENTITY", "RESERVATION_ID", "RESOURCE_ID", "RIGHTSIZING_TYPE",
    "SAVINGS_PLANS_TYPE", "SAVINGS_PLAN_ARN", "PAYMENT_OPTION", "AGREEMENT_END_DATE_TIME_AFTER",
    "AGREEMENT_END_DATE_TIME_BEFORE", "INVOICING_ENTITY", "ANOMALY_TOTAL_IMPACT_ABSOLUTE",
    "ANOMALY_TOTAL_IMPACT_PERCENTAGE", "PRODUCT_ATTRIBUTE",
]  # fmt: skip
MatchOption = Literal[
    "EQUALS", "ABSENT", "STARTS_WITH", "ENDS_WITH", "CONTAINS", "CASE_SENSITIVE", "CASE_INSENSITIVE",
    "GREATER_THAN_OR_EQUAL",
]  # fmt: skip
_CE_STRICT = ConfigDict(extra="forbid")


class DimensionValues(BaseModel):
    """``Dimensions`` of a Cost Explorer Expression: a dimension and the values it must have."""

    model_config = _CE_STRICT
    Key: CostDimension
    Values: list[str] = Field(min_length=1, max_length=1000)
    MatchOptions: list[MatchOption] | None = None


class TagValues(BaseModel):
    """``Tags`` of a Cost Explorer Expression: a cost allocation tag key and its values."""

    model_config = _CE_STRICT
    Key: str = Field(min_length=1, max_length=1024)
    Values: list[str] | None = None
    MatchOptions: list[MatchOption] | None = None


class CostCategoryValues(BaseModel):
    """``CostCategories`` of a Cost Explorer Expression: a cost category name and its values."""

    model_config = _CE_STRICT
    Key: str = Field(min_length=1, max_length=50)
    Values: list[str] | None = None
    MatchOptions: list[MatchOption] | None = None


class CostExpression(BaseModel):
    """A Cost Explorer ``Expression`` filter: exactly one of And, Or, Not, Dimensions, Tags, CostCategories.

    Example: ``{"And": [{"Dimensions": {"Key": "SERVICE", "Values": ["AWS Lambda"]}},
    {"Not": {"Dimensions": {"Key": "REGION", "Values": ["us-east-1"]}}}]}``
    """

    model_config = _CE_STRICT
    And: list[CostExpression] | None = Field(default=None, min_length=2)
    Or: list[CostExpression] | None = Field(default=None, min_length=2)
    Not: CostExpression | None = None
    Dimensions: DimensionValues | None = None
    Tags: TagValues | None = None
    CostCategories: CostCategoryValues | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> CostExpression:
        present = [name for name in _EXPRESSION_KEYS if getattr(self, name) is not None]
        if len(present) != 1:
            raise ValueError(f"an Expression needs exactly one of {', '.join(_EXPRESSION_KEYS)}")
        return self

    def to_api(self) -> dict[str, Any]:
        """The boto3 ``Filter``/``Expression`` value."""
        return self.model_dump(exclude_none=True)


_EXPRESSION_KEYS = ("And", "Or", "Not", "Dimensions", "Tags", "CostCategories")


class CostGroupBy(BaseModel):
    """One Cost Explorer ``GroupDefinition``: group results by a dimension, a tag key or a cost category."""

    model_config = _CE_STRICT
    Type: Literal["DIMENSION", "TAG", "COST_CATEGORY"]
    Key: str = Field(min_length=1, max_length=1024, description="e.g. SERVICE, REGION, LINKED_ACCOUNT or a tag key")

    def to_api(self) -> dict[str, str]:
        """The boto3 ``GroupDefinition`` value."""
        return {"Type": self.Type, "Key": self.Key}


CostFilterParam = Annotated[  # type: ignore[valid-type]  # a runtime alias built by lenient_object
    lenient_object(CostExpression) | None,
    Field(
        description='Cost Explorer Expression filter (object or JSON string), e.g. {"Dimensions": {"Key": "SERVICE", '
        '"Values": ["AWS Lambda"]}}; combine with And/Or/Not; default: no filter'
    ),
]


# Bounded waits of tools that poll an asynchronous AWS query (Logs Insights, CloudTrail Lake).
DEFAULT_WAIT_S = 20
MAX_WAIT_S = 60
WaitSecondsParam = Annotated[  # type: ignore[valid-type]  # a runtime alias built by lenient_int
    lenient_int(ge=0, le=MAX_WAIT_S),
    Field(description=f"seconds to wait for the query to finish, 0-{MAX_WAIT_S}, default {DEFAULT_WAIT_S}"),
]
